// Hand-kept, portable diesel schema: only types both backends share (ARCHITECTURE §3).
// It mirrors migrations/{sqlite,postgres}; the schema agreement test checks the databases agree.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        session_epoch -> BigInt,
        email_verified_at -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        sent_to -> Nullable<Text>,
    }
}

diesel::table! {
    venues (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Text,
        address -> Text,
        city -> Text,
        country -> Text,
        timezone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sections (id) {
        id -> BigInt,
        venue_id -> BigInt,
        name -> Text,
        kind -> Text,
        capacity -> Nullable<Integer>,
        position -> Integer,
        map_x -> Integer,
        map_y -> Integer,
        map_width -> Integer,
        map_height -> Integer,
        layout -> Nullable<Text>,
    }
}

diesel::table! {
    seats (id) {
        id -> BigInt,
        section_id -> BigInt,
        row_label -> Text,
        row_index -> Integer,
        number -> Integer,
        x -> Integer,
        y -> Integer,
        accessible -> Bool,
        blocked -> Bool,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        venue_id -> BigInt,
        title -> Text,
        slug -> Text,
        summary -> Text,
        description -> Text,
        category -> Text,
        status -> Text,
        featured -> Bool,
        starts_at -> Timestamp,
        starts_local -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        currency -> Text,
        sales_start_at -> Nullable<Timestamp>,
        sales_end_at -> Nullable<Timestamp>,
        max_tickets_per_order -> Integer,
        published_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancellation_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        max_tickets_per_account -> Nullable<Integer>,
    }
}

diesel::table! {
    price_tiers (id) {
        id -> BigInt,
        event_id -> BigInt,
        name -> Text,
        price_cents -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    bookings (id) {
        id -> BigInt,
        reference -> Text,
        user_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        total_cents -> BigInt,
        currency -> Text,
        expires_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        refunded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        basket_version -> Integer,
        payable_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_sections (id) {
        id -> BigInt,
        event_id -> BigInt,
        section_id -> BigInt,
        tier_id -> BigInt,
        capacity -> Integer,
        held -> Integer,
        sold -> Integer,
        blocked -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    event_seats (id) {
        id -> BigInt,
        event_id -> BigInt,
        seat_id -> BigInt,
        section_id -> BigInt,
        status -> Text,
        booking_id -> Nullable<BigInt>,
        held_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    booking_items (id) {
        id -> BigInt,
        booking_id -> BigInt,
        event_id -> BigInt,
        event_seat_id -> Nullable<BigInt>,
        event_section_id -> Nullable<BigInt>,
        tier_id -> BigInt,
        quantity -> Integer,
        unit_price_cents -> BigInt,
        active -> Bool,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        booking_id -> BigInt,
        external_id -> Text,
        idempotency_key -> Text,
        method -> Text,
        status -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        succeeded_at -> Nullable<Timestamp>,
        basket_version -> Integer,
    }
}

diesel::table! {
    refunds (id) {
        id -> BigInt,
        payment_id -> BigInt,
        booking_id -> BigInt,
        amount_cents -> BigInt,
        currency -> Text,
        status -> Text,
        idempotency_key -> Text,
        external_id -> Nullable<Text>,
        reason -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        succeeded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        booking_id -> BigInt,
        booking_item_id -> BigInt,
        event_id -> BigInt,
        event_seat_id -> Nullable<BigInt>,
        code -> Text,
        status -> Text,
        checked_in_at -> Nullable<Timestamp>,
        checked_in_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        provider_event_id -> Text,
        kind -> Text,
        payload -> Text,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> BigInt,
        dedupe_key -> Text,
        kind -> Text,
        recipient -> Text,
        user_id -> Nullable<BigInt>,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        run_after -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        message_id -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_after -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Nullable<BigInt>,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    gateway_intents (id) {
        id -> BigInt,
        external_id -> Text,
        idempotency_key -> Text,
        merchant_reference -> Text,
        description -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        method -> Text,
        status -> Text,
        failure_reason -> Nullable<Text>,
        card_last4 -> Nullable<Text>,
        refunded_cents -> BigInt,
        return_url -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    gateway_refunds (id) {
        id -> BigInt,
        external_id -> Text,
        intent_id -> BigInt,
        idempotency_key -> Text,
        amount_cents -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    gateway_events (id) {
        id -> BigInt,
        event_id -> Text,
        kind -> Text,
        intent_id -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

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

// Composite foreign keys (`(tier_id, event_id)`, `(booking_id, event_id)`, `(seat_id,
// section_id)`) that the list above doesn't show.
diesel::joinable!(event_sections -> price_tiers (tier_id));
diesel::joinable!(event_seats -> seats (seat_id));
diesel::joinable!(event_seats -> bookings (booking_id));
diesel::joinable!(booking_items -> bookings (booking_id));
diesel::joinable!(booking_items -> price_tiers (tier_id));

diesel::table! {
    health_heartbeat (id) {
        id -> BigInt,
        beat_at -> Timestamp,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        id_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_links (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    hold_releases (id) {
        id -> BigInt,
        user_id -> BigInt,
        event_id -> BigInt,
        booking_id -> BigInt,
        event_seat_id -> Nullable<BigInt>,
        event_section_id -> Nullable<BigInt>,
        quantity -> Integer,
        released_at -> Timestamp,
    }
}

diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(login_links -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
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
);
