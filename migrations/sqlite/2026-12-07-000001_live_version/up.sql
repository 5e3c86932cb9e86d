-- SQLite runs one process: live versions are counted in it (services::live). Kept so that both
-- backends list the same migrations.
SELECT 1;
