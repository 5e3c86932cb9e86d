//! LotusPay's own books (`providers::lotuspay`): no table of the app references them.

diesel::table! {
    lotuspay_payments (id) {
        id -> BigInt,
        txn_ref -> Text,
        idempotency_key -> Text,
        order_ref -> Text,
        description -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        method -> Text,
        status -> Text,
        failure_reason -> Nullable<Text>,
        refunded_cents -> BigInt,
        settle_at -> Nullable<Timestamp>,
        return_url -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lotuspay_refunds (id) {
        id -> BigInt,
        refund_ref -> Text,
        payment_id -> BigInt,
        idempotency_key -> Text,
        amount_cents -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lotuspay_notifications (id) {
        id -> BigInt,
        notify_id -> Text,
        payment_id -> BigInt,
        kind -> Text,
        params -> Text,
        created_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
    }
}
