DROP SEQUENCE live_version;
