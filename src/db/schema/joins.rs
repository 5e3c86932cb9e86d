//! How the tables join (diesel's `joinable!`, one line per foreign key) and which may appear in
//! one query: in one place, since these name tables of every area.

use super::*;

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));
diesel::joinable!(sections -> venues (venue_id));
diesel::joinable!(seats -> sections (section_id));
diesel::joinable!(events -> venues (venue_id));
diesel::joinable!(price_tiers -> events (event_id));
diesel::joinable!(bookings -> users (user_id));
diesel::joinable!(bookings -> events (event_id));
diesel::joinable!(event_sections -> events (event_id));
diesel::joinable!(event_sections -> sections (section_id));
diesel::joinable!(event_seats -> events (event_id));
diesel::joinable!(booking_items -> event_seats (event_seat_id));
diesel::joinable!(booking_items -> event_sections (event_section_id));
diesel::joinable!(payments -> bookings (booking_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(refunds -> bookings (booking_id));
diesel::joinable!(tickets -> bookings (booking_id));
diesel::joinable!(tickets -> booking_items (booking_item_id));
diesel::joinable!(tickets -> events (event_id));
diesel::joinable!(tickets -> event_seats (event_seat_id));
diesel::joinable!(tickets -> users (checked_in_by));
diesel::joinable!(email_outbox -> users (user_id));
diesel::joinable!(audit_log -> users (actor_user_id));
diesel::joinable!(gateway_refunds -> gateway_intents (intent_id));
diesel::joinable!(gateway_events -> gateway_intents (intent_id));
diesel::joinable!(lotuspay_refunds -> lotuspay_payments (payment_id));
diesel::joinable!(lotuspay_notifications -> lotuspay_payments (payment_id));

// Composite foreign keys (`(tier_id, event_id)`, `(booking_id, event_id)`, `(seat_id,
// section_id)`) that the list above doesn't show.
diesel::joinable!(event_sections -> price_tiers (tier_id));
diesel::joinable!(event_seats -> seats (seat_id));
diesel::joinable!(event_seats -> bookings (booking_id));
diesel::joinable!(booking_items -> bookings (booking_id));
diesel::joinable!(booking_items -> price_tiers (tier_id));
diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(login_links -> users (user_id));
diesel::joinable!(waiting_rooms -> events (event_id));
diesel::joinable!(queue_tickets -> waiting_rooms (event_id));
diesel::joinable!(queue_tickets -> users (user_id));
diesel::joinable!(queue_calls -> waiting_rooms (event_id));
diesel::joinable!(queue_exclusions -> events (event_id));
diesel::joinable!(venues -> organizers (organizer_id));
diesel::joinable!(events -> organizers (organizer_id));
diesel::joinable!(organizer_members -> organizers (organizer_id));
diesel::joinable!(organizer_members -> users (user_id));
diesel::joinable!(organizer_invitations -> organizers (organizer_id));
diesel::joinable!(refund_tickets -> refunds (refund_id));
diesel::joinable!(refund_tickets -> tickets (ticket_id));
diesel::joinable!(organizer_providers -> organizers (organizer_id));
diesel::joinable!(event_providers -> events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    organizers,
    organizer_members,
    organizer_invitations,
    api_tokens,
    user_tokens,
    venues,
    sections,
    seats,
    events,
    price_tiers,
    bookings,
    event_sections,
    event_seats,
    booking_items,
    payments,
    refunds,
    tickets,
    webhook_events,
    email_outbox,
    jobs,
    audit_log,
    gateway_intents,
    gateway_refunds,
    gateway_events,
    health_heartbeat,
    user_sessions,
    login_links,
    hold_releases,
    waiting_rooms,
    queue_tickets,
    queue_calls,
    queue_exclusions,
    refund_tickets,
    organizer_providers,
    event_providers,
    lotuspay_payments,
    lotuspay_refunds,
    lotuspay_notifications,
);
