//! Organizers, teams and roles (issue 22): the whole role × action matrix over HTTP, the event
//! workflow, and deleting what never sold.

mod matrix;
mod workflow;

use boxoffice::db::organizers::{self, HOUSE};
use boxoffice::db::schema::{bookings, events, venues};
use boxoffice::domain::access::TeamRole;
use boxoffice::domain::ids::{EventId, OrganizerId, VenueId};
use diesel::prelude::*;

use crate::helpers::{BUYER_PASSWORD, TestApp};

/// The demo's second organizer (the first, the house organizer, requires approval).
pub fn promoter(app: &TestApp) -> OrganizerId {
    app.with_conn(|c| {
        organizers::list(c, &boxoffice::domain::access::Scope::All)
            .unwrap()
            .into_iter()
            .find(|o| o.id != HOUSE)
            .expect("the demo's second organizer")
            .id
    })
}

/// A buyer account made a member of `organizer` with `role`; answers its API token.
pub async fn member(app: &TestApp, who: &str, organizer: OrganizerId, role: TeamRole) -> String {
    let email = format!("{who}@team.example");
    let account = app
        .create_buyers(&[(who.to_owned(), email.clone())])
        .remove(0);
    let now = app.clock.now();
    app.with_conn(|c| organizers::members::insert(c, organizer, account.id, role, now))
        .unwrap();
    app.api_login(&email, BUYER_PASSWORD).await
}

/// An event of `organizer` that has bookings, and one of its venues.
pub fn booked_event(app: &TestApp, organizer: OrganizerId) -> (EventId, VenueId, String) {
    app.with_conn(|c| {
        let (event, venue): (EventId, VenueId) = events::table
            .filter(events::organizer_id.eq(organizer))
            .filter(diesel::dsl::exists(
                bookings::table.filter(bookings::event_id.eq(events::id)),
            ))
            .order(events::id)
            .select((events::id, events::venue_id))
            .first(c)
            .expect("a booked event of the organizer");
        let reference: String = bookings::table
            .filter(bookings::event_id.eq(event))
            .select(bookings::reference)
            .first(c)
            .unwrap();
        (event, venue, reference)
    })
}

/// A venue of `organizer`.
pub fn venue_of(app: &TestApp, organizer: OrganizerId) -> VenueId {
    app.with_conn(|c| {
        venues::table
            .filter(venues::organizer_id.eq(organizer))
            .order(venues::id)
            .select(venues::id)
            .first(c)
            .unwrap()
    })
}
