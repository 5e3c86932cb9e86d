//! Received webhook events, recorded once by their provider id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::webhook_events;
use crate::db::{DbConnection, backend};

/// Records a received webhook event by its provider id. `false` when it was already there
/// (a duplicate delivery): `ON CONFLICT DO NOTHING`, so the transaction goes on unharmed.
pub fn record_webhook(
    conn: &mut DbConnection,
    provider_event_id: &str,
    kind: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        webhook_events::provider_event_id.eq(provider_event_id),
        webhook_events::kind.eq(kind),
        webhook_events::payload.eq(payload),
        webhook_events::received_at.eq(now),
        webhook_events::processed_at.eq(Some(now)),
    );
    let inserted = backend::execute(
        conn,
        diesel::insert_into(webhook_events::table)
            .values(row)
            .on_conflict(webhook_events::provider_event_id)
            .do_nothing(),
    )?;
    Ok(inserted == 1)
}
