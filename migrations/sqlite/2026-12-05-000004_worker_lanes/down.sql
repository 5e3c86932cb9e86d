DROP TABLE health_heartbeat;
