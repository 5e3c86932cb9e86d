DROP TABLE hold_releases;
ALTER TABLE events DROP COLUMN max_tickets_per_account;
