DROP TABLE queue_calls;
DROP TABLE queue_tickets;
DROP TABLE waiting_rooms;
