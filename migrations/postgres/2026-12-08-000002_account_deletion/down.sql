ALTER TABLE users DROP CONSTRAINT users_deleted_check;
ALTER TABLE users DROP COLUMN deleted_at;
