//! Every email a use case queues, in the caller's transaction: the outbox row ([`queue`]), the
//! booking emails (`booking`), the account emails (`account`), and the anonymous requests for
//! an emailed link, which queue a job (`requests`). Delivery is `services::email::Sender`'s.

mod account;
mod booking;
mod requests;
mod team;

pub use account::{
    mask_address, queue_email_changed, queue_login_link, queue_password_changed,
    queue_password_reset, queue_registration_attempt, queue_verification,
};
pub(crate) use booking::queue_email;
pub use booking::{
    booking_email, queue_again, queue_booking_email, queue_hold_expired, queue_hold_expired_many,
};
pub use requests::{RequestJob, enqueue_link, enqueue_reset};
pub use team::{queue_team_added, queue_team_invitation};

use crate::db::outbox::{self, NewEmail};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::UserId;
use crate::mail::templates::EmailKind;

/// One email for the outbox.
pub struct Email<'a> {
    pub kind: EmailKind,
    /// One business event, one email: `welcome:<user id>`, `password_reset:<token id>`…
    pub dedupe_key: String,
    pub recipient: &'a str,
    pub user_id: Option<UserId>,
    pub payload: serde_json::Value,
}

/// Writes the email to the outbox, in the caller's transaction. `false` when the same dedupe
/// key was already there (nothing is added).
pub fn queue(
    conn: &mut DbConnection,
    email: &Email,
    now: chrono::NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(outbox::enqueue(
        conn,
        &NewEmail {
            dedupe_key: &email.dedupe_key,
            kind: email.kind.as_str(),
            recipient: email.recipient,
            user_id: email.user_id,
            payload: &email.payload.to_string(),
        },
        now,
    )?)
}
