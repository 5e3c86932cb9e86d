DROP INDEX payments_booking_id_created_at_idx;
DROP INDEX payments_one_success_per_booking_key;
CREATE UNIQUE INDEX payments_one_success_per_booking_key ON payments (booking_id)
    WHERE status IN ('succeeded', 'refunded');
DROP TABLE gateway_events;
DROP TABLE gateway_refunds;
DROP TABLE gateway_intents;
