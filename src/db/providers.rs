//! Which payment providers an event offers (issue 23): its own list when it has one, else its
//! organizer's, else SimPay alone. Both lists are rows in order (`position`), and the database
//! knows only the providers the app has (a CHECK).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{event_providers, events, organizer_providers};
use crate::domain::ids::{EventId, OrganizerId};
use crate::domain::payment::ProviderId;

/// The providers the event's Pay step offers, in order (never empty).
pub fn offered(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<ProviderId>> {
    let own = of_event(conn, event)?;
    if !own.is_empty() {
        return Ok(own);
    }
    let organizer: Vec<ProviderId> = organizer_providers::table
        .inner_join(events::table.on(events::organizer_id.eq(organizer_providers::organizer_id)))
        .filter(events::id.eq(event))
        .order(organizer_providers::position)
        .select(organizer_providers::provider)
        .load(conn)?;
    Ok(if organizer.is_empty() {
        vec![ProviderId::SimPay]
    } else {
        organizer
    })
}

/// The event's own choice (empty: its organizer's).
pub fn of_event(conn: &mut DbConnection, event: EventId) -> QueryResult<Vec<ProviderId>> {
    event_providers::table
        .filter(event_providers::event_id.eq(event))
        .order(event_providers::position)
        .select(event_providers::provider)
        .load(conn)
}

/// The organizer's choice (empty: SimPay alone).
pub fn of_organizer(
    conn: &mut DbConnection,
    organizer: OrganizerId,
) -> QueryResult<Vec<ProviderId>> {
    organizer_providers::table
        .filter(organizer_providers::organizer_id.eq(organizer))
        .order(organizer_providers::position)
        .select(organizer_providers::provider)
        .load(conn)
}

/// Replaces the event's own choice (empty: back to its organizer's).
pub fn set_for_event(
    conn: &mut DbConnection,
    event: EventId,
    providers: &[ProviderId],
) -> QueryResult<()> {
    diesel::delete(event_providers::table.filter(event_providers::event_id.eq(event)))
        .execute(conn)?;
    for (position, provider) in (0_i32..).zip(providers) {
        diesel::insert_into(event_providers::table)
            .values((
                event_providers::event_id.eq(event),
                event_providers::provider.eq(provider),
                event_providers::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the organizer's choice (empty: SimPay alone).
pub fn set_for_organizer(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    providers: &[ProviderId],
) -> QueryResult<()> {
    diesel::delete(
        organizer_providers::table.filter(organizer_providers::organizer_id.eq(organizer)),
    )
    .execute(conn)?;
    for (position, provider) in (0_i32..).zip(providers) {
        diesel::insert_into(organizer_providers::table)
            .values((
                organizer_providers::organizer_id.eq(organizer),
                organizer_providers::provider.eq(provider),
                organizer_providers::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}
