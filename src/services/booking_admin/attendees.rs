//! An event's attendee list as CSV.

use super::csv;
use crate::db::booking_admin::{self as queries};
use crate::db::{DbConnection, DbError};
use crate::domain::ids::EventId;
use crate::domain::local_time::rfc3339_utc;

/// The header of the attendee list.
pub const CSV_HEADER: [&str; 13] = [
    "reference",
    "booking_status",
    "buyer_name",
    "buyer_email",
    "section",
    "row",
    "seat",
    "tier",
    "price",
    "currency",
    "ticket_code",
    "ticket_status",
    "checked_in_at",
];

/// The event's attendee list: the event's slug (for the file name) and the CSV, one line per
/// ticket. `None` when there is no such event.
#[tracing::instrument(name = "booking_admin.attendees_csv", level = "debug", skip_all, fields(event.id = %event))]
pub fn attendees_csv(
    conn: &mut DbConnection,
    event: EventId,
) -> Result<Option<(String, String)>, DbError> {
    let Some(slug) = queries::event_slug(conn, event)? else {
        return Ok(None);
    };
    let mut out = csv::record(&CSV_HEADER);
    for a in queries::attendees(conn, event)? {
        let cells = [
            a.reference,
            a.booking_status.to_string(),
            a.name,
            a.email,
            a.section,
            a.row.unwrap_or_default(),
            a.seat
                .map_or_else(|| "standing".to_owned(), |n| n.to_string()),
            a.tier,
            plain_amount(a.price.cents, a.price.currency.as_str()),
            a.price.currency.to_string(),
            a.code,
            a.status.to_string(),
            a.checked_in_at.map(rfc3339_utc).unwrap_or_default(),
        ];
        out.push_str(&csv::record(&cells));
    }
    Ok(Some((slug, out)))
}

/// `45.00` (or `4500` for a zero-decimal currency): a number a spreadsheet reads as one.
pub(super) fn plain_amount(cents: i64, currency: &str) -> String {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" => cents.to_string(),
        _ => format!("{}.{:02}", cents / 100, (cents % 100).abs()),
    }
}
