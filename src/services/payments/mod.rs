//! Checkout on the app's side (ARCHITECTURE §3 and §8): paying for a booking through the
//! gateway, and what the gateway's webhooks do to it.
//!
//! The races are designed in rather than hoped away:
//! - **One payment per idempotency key**: the gateway answers the same intent for the same
//!   key, and `payments (booking_id, idempotency_key)` and `payments (external_id)` are unique,
//!   so concurrent duplicates of one request insert one row; the losers read it back.
//! - **A booking is paid only by the webhook**, applied in one transaction: the event id is
//!   recorded first (`ON CONFLICT DO NOTHING`: a second delivery changes nothing), the booking
//!   row is locked (`FOR UPDATE` on PostgreSQL), and every move is a guarded update.
//! - **At most one payment per booking holds money**: a partial unique index on
//!   `payments (booking_id) WHERE status = 'succeeded'`. A second payment the gateway took
//!   anyway is refunded at once.
//! - **A payment after the hold ran out** re-claims the same seats and places if they are
//!   still free (`expired` → `paid`); if any was sold or held by someone else meanwhile, or the
//!   booking was cancelled, the payment is refunded through the gateway (a `payments.refund`
//!   job) and the buyer is told by email.
//! - **A declined payment** leaves the booking pending with its hold; the buyer can try again.
//! - **Cancelling a pending booking** cancels its open intents at the gateway; one that beat
//!   the cancel ends refunded, as above.

mod cancel;
mod late_claim;
mod refund;
mod start;
mod succeeded;
mod webhook;

pub use cancel::{cancel_booking, cancel_open_intents};
pub use refund::RefundJob;
pub(crate) use refund::{send_refund, start_refund};
pub use start::{
    PayWith, PaymentError, Started, checkout_url, latest, latest_for, start, valid_key,
};
pub(crate) use succeeded::succeeded;
pub(crate) use webhook::count_outcome;
pub use webhook::{Outcome, Received, WebhookError, receive};
