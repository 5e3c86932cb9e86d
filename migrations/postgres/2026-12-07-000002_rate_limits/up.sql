-- Abuse limits shared by every instance of a deployment (issue 19): one row per limited key
-- (`login_ip:1.2.3.4`, `holds:42`…) holding its theoretical arrival time, GCRA's one number (a
-- leaky bucket of failures is one too: its level is how far the time lies ahead, over the leak).
-- UNLOGGED: no WAL, so a check costs little; after a crash the table comes back empty, which only
-- forgets recent attempts. Rows whose time has passed say nothing and are purged periodically.
CREATE UNLOGGED TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat TIMESTAMP NOT NULL
);
