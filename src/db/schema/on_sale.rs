//! Events and their inventory: price tiers, sections on sale (standing counters), seats on sale.

diesel::table! {
    events (id) {
        id -> BigInt,
        venue_id -> BigInt,
        organizer_id -> BigInt,
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
