ALTER TABLE user_tokens DROP COLUMN sent_to;
DROP TABLE login_links;
DROP TABLE user_sessions;
