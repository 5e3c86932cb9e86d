-- Issue 16: one row /readyz rewrites to prove the app can write. Keep in step with the
-- other backend's folder of the same name.
CREATE TABLE health_heartbeat (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    beat_at TIMESTAMP NOT NULL
);
INSERT INTO health_heartbeat (id, beat_at) VALUES (1, '2000-01-01 00:00:00');
