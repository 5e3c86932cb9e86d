//! The waiting room (issue 20, shared/WAITING_ROOM.md §3.3): one room per event, its numbered
//! tickets, and the log of the ticks that called them.

diesel::table! {
    waiting_rooms (event_id) {
        event_id -> BigInt,
        enabled -> Bool,
        phase -> Text,
        prequeue_opens_at -> Nullable<Timestamp>,
        order_mode -> Text,
        rate_per_minute -> Nullable<Integer>,
        max_active -> Nullable<Integer>,
        admission_minutes -> Integer,
        claim_seconds -> Integer,
        grace_minutes -> Integer,
        require_account -> Bool,
        auto_close -> Bool,
        paused -> Bool,
        message -> Nullable<Text>,
        issued -> BigInt,
        cursor -> BigInt,
        allowance -> Double,
        last_tick_at -> Nullable<Timestamp>,
        drawn_at -> Nullable<Timestamp>,
        prequeue_count -> BigInt,
        stats_active -> BigInt,
        stats_called_unclaimed -> BigInt,
        stats_seats_left -> Nullable<BigInt>,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    queue_tickets (id) {
        id -> BigInt,
        event_id -> BigInt,
        user_id -> Nullable<BigInt>,
        draw_key -> Nullable<BigInt>,
        seq -> Nullable<BigInt>,
        state -> Text,
        joined_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        active_until -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    queue_calls (id) {
        id -> BigInt,
        event_id -> BigInt,
        from_seq -> BigInt,
        to_seq -> BigInt,
        called_at -> Timestamp,
    }
}

diesel::table! {
    /// Accounts an admin excluded from an event's room before the draw: they cannot join it.
    queue_exclusions (event_id, user_id) {
        event_id -> BigInt,
        user_id -> BigInt,
        excluded_at -> Timestamp,
        excluded_by -> Nullable<BigInt>,
    }
}
