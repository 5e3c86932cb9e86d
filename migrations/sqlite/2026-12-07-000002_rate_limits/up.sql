-- SQLite runs one process: its limits are kept in it (web::rate_limit). Kept so that both
-- backends list the same migrations.
SELECT 1;
