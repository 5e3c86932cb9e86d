//! Money: payments, refunds, received webhooks, and the simulated gateway's own tables.

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
        provider -> Text,
        refunded_cents -> BigInt,
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

diesel::table! {
    refund_tickets (refund_id, ticket_id) {
        refund_id -> BigInt,
        ticket_id -> BigInt,
    }
}

diesel::table! {
    organizer_providers (organizer_id, provider) {
        organizer_id -> BigInt,
        provider -> Text,
        position -> Integer,
    }
}

diesel::table! {
    event_providers (event_id, provider) {
        event_id -> BigInt,
        provider -> Text,
        position -> Integer,
    }
}
