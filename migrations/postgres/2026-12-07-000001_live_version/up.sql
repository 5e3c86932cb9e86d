-- Live seat-map versions for every instance of a deployment (issue 19): each change sent through
-- LISTEN/NOTIFY is numbered from here, so `data-v` means the same on every instance. CACHE 1 (the
-- default): values come in increasing order across sessions.
CREATE SEQUENCE live_version AS bigint CACHE 1;
