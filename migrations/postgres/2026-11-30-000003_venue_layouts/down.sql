ALTER TABLE sections DROP COLUMN layout;
