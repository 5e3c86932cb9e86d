DROP INDEX payments_status_created_at_idx;
ALTER TABLE payments DROP COLUMN basket_version;
ALTER TABLE bookings DROP COLUMN payable_until;
ALTER TABLE bookings DROP COLUMN basket_version;
