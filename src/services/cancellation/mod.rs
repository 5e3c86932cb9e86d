//! Cancelling an event (issue 7): at once, the event is cancelled, new holds are refused and
//! every pending hold is released, in one transaction; then a background job (resumable,
//! idempotent) refunds every paid booking through its payment's provider exactly once, voids
//! its tickets and emails its buyer.
//!
//! Why nothing slips through:
//! - A hold reads its event `FOR KEY SHARE` inside its transaction (`db::holds::event_and_account_for_hold`)
//!   and the cancel locks the event `FOR UPDATE` first, so the cancel waits for holds in
//!   flight and every later hold sees the event cancelled (SQLite's single writer does the same
//!   by itself).
//! - One refund of what is left of each payment (its idempotency key, `refund:payment:<id>`, is
//!   unique; the database refuses refunds past the payment), asked of the provider with that
//!   key: a job that dies between the provider's answer and its own commit asks again and gets
//!   the same refund back.
//! - Every state change is guarded (`paid` → `refunded`, `valid` → `void`), and each booking's
//!   email has a dedupe key.

mod cancel;
mod job;
mod progress;
mod retry;

pub use cancel::{CancelError, cancel};
pub use job::{CancelJob, REFUND_ATTEMPTS};
pub use progress::{CancelOverview, Preview, Progress, overview, preview, progress};
pub use retry::{RetryError, retry_refunds};
