//! Payments, refunds, tickets and received webhooks: the SQL of checkout.

mod booking;
mod payment;
mod refund;
mod sell;
mod webhook;

pub use booking::{
    BookingForPayment, basket_version, booking, buyer, event_end_and_city, extend_hold,
};
pub use payment::{
    NewPayment, Payment, by_external_id, by_id, by_key, has_success, insert, latest, open_of,
    pending_before, stale_open_of, succeeded_of, transition,
};
pub use refund::{
    RefundRow, create_refund, has_refund, insert_refund, mark_refunded_if_whole, refund,
    refund_attempt_failed, refund_id_by_key, refund_succeeded, rest_key,
    unrefunded_without_tickets,
};
pub use sell::{
    ItemForClaim, NewTicket, insert_tickets, items_for_claim, lock_event_seats, mark_paid,
    reactivate_items, sell_free_places, sell_held_places, sell_seats,
};
pub use webhook::record_webhook;
