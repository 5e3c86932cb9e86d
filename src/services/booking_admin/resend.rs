//! Resending a booking's emails (a fresh dedupe key each time).

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::db::audit::{NewAuditEntry, record};
use crate::db::booking_admin::{self as queries};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::UserId;
use crate::mail::templates::EmailKind;
use crate::services::notify::{queue_again, queue_booking_email};

use super::search::BookingAdminError;

/// Queues the booking's email again with a fresh dedupe key: the confirmation with its
/// tickets for a paid booking, otherwise the last email it was sent. Answers the kind queued.
#[tracing::instrument(name = "booking_admin.resend", skip_all, fields(booking.reference = reference, admin.id = %admin))]
pub fn resend(
    conn: &mut DbConnection,
    reference: &str,
    admin: UserId,
    now: NaiveDateTime,
) -> Result<String, BookingAdminError> {
    let reference = reference.trim().to_uppercase();
    let row = queries::by_reference(conn, &reference)?.ok_or(BookingAdminError::NotFound)?;
    let id = row.booking.id;
    let fresh = fresh_suffix();
    let kind = if row.booking.status == BookingStatus::Paid {
        let kind = EmailKind::BookingConfirmed;
        queue_booking_email(
            conn,
            kind,
            &format!("{}:{id}:resend:{fresh}", kind.as_str()),
            id,
            None,
            now,
        )?;
        kind.as_str().to_owned()
    } else {
        let last = queries::last_email(conn, row.buyer.id, &row.booking.reference)?
            .ok_or(BookingAdminError::NothingToResend)?;
        queue_again(
            conn,
            &format!("{}:{id}:resend:{fresh}", last.kind),
            &last.kind,
            &last.recipient,
            last.user_id,
            &last.payload,
            now,
        )?;
        last.kind
    };
    record(
        conn,
        &NewAuditEntry {
            actor_user_id: Some(admin),
            action: "booking.email_resent",
            subject_type: "booking",
            subject_id: Some(id.0),
            detail: &serde_json::json!({ "kind": kind }).to_string(),
            created_at: now,
        },
    )?;
    Ok(kind)
}

/// A random suffix that makes a resend's dedupe key its own.
pub(super) fn fresh_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
