-- pgbench script of tests/bench/holds.sh: the SQL of one 2-seat hold by a buyer with no basket
-- yet, statement for statement as `services::holds::hold_once` sends it on PostgreSQL (see
-- src/db/holds.rs and `db::write_transaction`), run straight against the database.
-- holds.sh makes `bench_pairs` (one row per pair: event, buyer, the two seats and their
-- event_seats rows, tiers and prices) and `bench_seq` in the database first; every
-- transaction takes the next pair, so pairs, buyers and bookings never collide.
-- The first statement (which pair) stands in for what the app does before its transaction
-- (the token lookup). The app answers from the lines it reads inside the transaction.

SELECT p.event_id, p.user_id, p.seat_a, p.seat_b, p.es_a, p.es_b, p.tier_a, p.tier_b,
       p.price_a, p.price_b, p.currency, 'pgbench' || lpad(s.n::text, 8, '0') AS reference
  FROM (SELECT nextval('bench_seq') AS n) s JOIN bench_pairs p ON p.n = s.n
\gset
BEGIN ISOLATION LEVEL READ COMMITTED;
-- (lock_timeout is the connection's own setting, made when the app opens it)
-- queries::event_for_hold (FOR KEY SHARE: see services::cancellation)
SELECT events.id, events.status, events.starts_at, events.sales_start_at, events.sales_end_at,
       events.max_tickets_per_order, events.currency
  FROM events WHERE events.id = :event_id LIMIT 1 FOR KEY SHARE;
-- queries::pending_booking (none yet)
SELECT bookings.id, bookings.reference, bookings.expires_at FROM bookings
 WHERE bookings.user_id = :user_id AND bookings.event_id = :event_id
   AND bookings.status = 'pending' LIMIT 1;
-- queries::lock_seats
SELECT event_seats.id, event_seats.seat_id, event_seats.section_id, event_seats.status,
       event_seats.booking_id, event_seats.held_until
  FROM event_seats
 WHERE event_seats.event_id = :event_id AND event_seats.seat_id = ANY(ARRAY[:seat_a::bigint, :seat_b::bigint])
 ORDER BY event_seats.id FOR UPDATE;
-- queries::insert_booking
INSERT INTO bookings (reference, user_id, event_id, status, total_cents, currency, expires_at,
                      created_at, updated_at)
VALUES (:reference, :user_id, :event_id, 'pending', 0, :currency,
        (now() AT TIME ZONE 'UTC') + interval '900 seconds', now() AT TIME ZONE 'UTC',
        now() AT TIME ZONE 'UTC')
RETURNING bookings.id AS booking_id
\gset
-- queries::section_prices
SELECT event_sections.id, event_sections.section_id, event_sections.tier_id, price_tiers.price_cents
  FROM event_sections INNER JOIN price_tiers ON price_tiers.id = event_sections.tier_id
 WHERE event_sections.event_id = :event_id;
-- queries::insert_items, one statement for both seats
INSERT INTO booking_items (booking_id, event_id, event_seat_id, event_section_id, tier_id,
                           quantity, unit_price_cents)
VALUES (:booking_id, :event_id, :es_a, NULL, :tier_a, 1, :price_a),
       (:booking_id, :event_id, :es_b, NULL, :tier_b, 1, :price_b);
-- queries::add_to_total
UPDATE bookings SET total_cents = bookings.total_cents + (:price_a::bigint + :price_b::bigint),
       updated_at = now() AT TIME ZONE 'UTC'
 WHERE bookings.id = :booking_id;
-- db::bookings::items_of: the basket's lines for the answer (seat lines UNION ALL standing)
SELECT booking_items.booking_id, booking_items.id, seats.id, sections.name, seats.row_label,
       seats.number, booking_items.quantity, booking_items.unit_price_cents, sections.position,
       seats.row_index
  FROM booking_items
  JOIN event_seats ON event_seats.id = booking_items.event_seat_id
  JOIN seats ON seats.id = event_seats.seat_id
  JOIN sections ON sections.id = seats.section_id
 WHERE booking_items.booking_id = ANY(ARRAY[:booking_id::bigint])
UNION ALL
SELECT booking_items.booking_id, booking_items.id, NULL, sections.name, NULL, NULL,
       booking_items.quantity, booking_items.unit_price_cents, sections.position, NULL
  FROM booking_items
  JOIN event_sections ON event_sections.id = booking_items.event_section_id
  JOIN sections ON sections.id = event_sections.section_id
 WHERE booking_items.booking_id = ANY(ARRAY[:booking_id::bigint]);
-- queries::take_seats, last (its trigger moves the section's held counter: that row's lock
-- is held from here to the commit)
UPDATE event_seats SET status = 'held', booking_id = :booking_id,
       held_until = (now() AT TIME ZONE 'UTC') + interval '900 seconds',
       updated_at = now() AT TIME ZONE 'UTC'
 WHERE event_seats.id = ANY(ARRAY[:es_a::bigint, :es_b::bigint]) AND event_seats.status = 'available';
COMMIT;
