DROP TABLE queue_exclusions;
