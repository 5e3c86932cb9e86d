//! Bookings, their lines and tickets, and what accounts gave back (the re-hold cooldown).

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
