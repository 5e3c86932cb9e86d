-- Invariants checked by tests/chaos/run after each experiment, on SQLite and PostgreSQL alike.
-- Each row: check name | violations (0 = holds). :NOW and :STALE are replaced by the script
-- (the current UTC time, and 30 s before it); chaos_acks holds what the app acknowledged to the
-- driver (kind, reference, value, flag; see tests/chaos/driver.rs).
SELECT 'seat sold twice (two live tickets)', COUNT(*) FROM (
  SELECT event_seat_id FROM tickets WHERE event_seat_id IS NOT NULL AND status <> 'void'
  GROUP BY event_seat_id HAVING COUNT(*) > 1) v
UNION ALL
SELECT 'seat in two live baskets', COUNT(*) FROM (
  SELECT bi.event_seat_id FROM booking_items bi JOIN bookings b ON b.id = bi.booking_id
  WHERE bi.active AND bi.event_seat_id IS NOT NULL AND b.status IN ('pending', 'paid')
  GROUP BY bi.event_seat_id HAVING COUNT(*) > 1) v
UNION ALL
SELECT 'seat state disagrees with its booking', COUNT(*) FROM event_seats es
  LEFT JOIN bookings b ON b.id = es.booking_id
  WHERE (es.status = 'sold' AND (b.id IS NULL OR b.status <> 'paid'))
     OR (es.status = 'held' AND (b.id IS NULL OR b.status <> 'pending'))
UNION ALL
SELECT 'section: available + held + sold (+ blocked) <> capacity, or counters off', COUNT(*)
  FROM event_sections s
  WHERE EXISTS (SELECT 1 FROM event_seats es WHERE es.event_id = s.event_id AND es.section_id = s.section_id)
    AND (s.capacity <> (SELECT COUNT(*) FROM event_seats es WHERE es.event_id = s.event_id AND es.section_id = s.section_id)
      OR s.held <> (SELECT COUNT(*) FROM event_seats es WHERE es.event_id = s.event_id AND es.section_id = s.section_id AND es.status = 'held')
      OR s.sold <> (SELECT COUNT(*) FROM event_seats es WHERE es.event_id = s.event_id AND es.section_id = s.section_id AND es.status = 'sold')
      OR s.blocked <> (SELECT COUNT(*) FROM event_seats es WHERE es.event_id = s.event_id AND es.section_id = s.section_id AND es.status = 'blocked')
      OR s.held < 0 OR s.sold < 0 OR s.held + s.sold + s.blocked > s.capacity)
UNION ALL
SELECT 'paid booking without exactly one unrefunded succeeded payment', COUNT(*) FROM bookings b
  WHERE b.status = 'paid' AND (SELECT COUNT(*) FROM payments p WHERE p.booking_id = b.id AND p.status = 'succeeded'
    AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')) <> 1
UNION ALL
SELECT 'paid booking whose tickets differ from its seats', COUNT(*) FROM bookings b
  WHERE b.status = 'paid'
    AND (SELECT COUNT(*) FROM tickets t WHERE t.booking_id = b.id AND t.status <> 'void')
     <> (SELECT COALESCE(SUM(bi.quantity), 0) FROM booking_items bi WHERE bi.booking_id = b.id AND bi.active)
UNION ALL
SELECT 'paid booking: what was paid <> what was sold', COUNT(*) FROM bookings b
  JOIN payments p ON p.booking_id = b.id AND p.status = 'succeeded'
  WHERE b.status = 'paid'
    AND p.amount_cents <> (SELECT COALESCE(SUM(bi.quantity * bi.unit_price_cents), 0)
                             FROM booking_items bi WHERE bi.booking_id = b.id AND bi.active)
UNION ALL
SELECT 'money without tickets or refund', COUNT(*) FROM payments p JOIN bookings b ON b.id = p.booking_id
  WHERE p.status = 'succeeded' AND b.status <> 'paid'
    AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')
UNION ALL
SELECT 'charged at the gateway, payment still pending', COUNT(*) FROM gateway_intents gi
  JOIN payments p ON p.external_id = gi.external_id
  WHERE gi.status = 'succeeded' AND p.status = 'pending'
UNION ALL
SELECT 'refunds above their payment', COUNT(*) FROM payments p
  WHERE (SELECT COALESCE(SUM(r.amount_cents), 0) FROM refunds r
          WHERE r.payment_id = p.id AND r.status <> 'failed') > p.amount_cents
UNION ALL
SELECT 'gateway refunded more than it charged', COUNT(*) FROM gateway_intents
  WHERE refunded_cents > amount_cents
UNION ALL
SELECT 'one business event, two emails (dedupe key)', COUNT(*) FROM (
  SELECT dedupe_key FROM email_outbox GROUP BY dedupe_key HAVING COUNT(*) > 1) v
UNION ALL
SELECT 'paid booking without its confirmation email', COUNT(*) FROM bookings b
  WHERE b.status = 'paid'
    AND NOT EXISTS (SELECT 1 FROM email_outbox e WHERE e.dedupe_key = 'booking_confirmed:' || b.id)
UNION ALL
SELECT 'hold still pending 30 s after it expired', COUNT(*) FROM bookings
  WHERE status = 'pending' AND expires_at < :STALE
UNION ALL
SELECT 'acknowledged hold lost', COUNT(*) FROM chaos_acks a
  WHERE a.kind = 'hold' AND NOT EXISTS (
    SELECT 1 FROM bookings b JOIN booking_items bi ON bi.booking_id = b.id
      JOIN event_seats es ON es.id = bi.event_seat_id
     WHERE b.reference = a.reference AND es.seat_id = CAST(a.value AS BIGINT))
UNION ALL
SELECT 'acknowledged payment neither sold nor refunded', COUNT(*) FROM chaos_acks a
  WHERE a.kind = 'pay' AND NOT EXISTS (
    SELECT 1 FROM payments p JOIN bookings b ON b.id = p.booking_id
     WHERE p.external_id = a.value
       AND ((p.status = 'succeeded' AND b.status = 'paid')
            OR EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')))
UNION ALL
SELECT 'payment accepted in time but not sold (lost to lag)', COUNT(*) FROM chaos_acks a
  WHERE a.kind = 'pay' AND a.flag = '1' AND NOT EXISTS (
    SELECT 1 FROM payments p JOIN bookings b ON b.id = p.booking_id
     WHERE p.external_id = a.value AND p.status = 'succeeded' AND b.status = 'paid')
UNION ALL
SELECT 'acknowledged cancel not reflected', COUNT(*) FROM chaos_acks a
  LEFT JOIN bookings b ON b.reference = a.reference
  WHERE a.kind = 'cancel' AND (b.id IS NULL OR b.status <> 'cancelled');
