//! Organizers, their teams and invitations (issue 22), and which organizer a thing belongs to.

pub mod invitations;
pub mod members;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bookings, events, organizer_members, organizers, venues};
use crate::domain::access::{Membership, Scope, TeamRole};
use crate::domain::ids::{EventId, OrganizerId, UserId, VenueId};

/// The organizer every install starts with; it owns what existed before organizers did.
pub const HOUSE: OrganizerId = OrganizerId(1);

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = organizers)]
pub struct OrganizerRow {
    pub id: OrganizerId,
    pub name: String,
    pub requires_approval: bool,
    pub created_at: NaiveDateTime,
}

/// What a request targets, to find its organizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Organizer(OrganizerId),
    Venue(VenueId),
    Event(EventId),
    Booking(String),
}

/// The organizer `target` belongs to; `None` when it does not exist.
pub fn organizer_of(conn: &mut DbConnection, target: &Target) -> QueryResult<Option<OrganizerId>> {
    match target {
        Target::Organizer(id) => organizers::table
            .find(*id)
            .select(organizers::id)
            .first(conn)
            .optional(),
        Target::Venue(id) => venues::table
            .find(*id)
            .select(venues::organizer_id)
            .first(conn)
            .optional(),
        Target::Event(id) => events::table
            .find(*id)
            .select(events::organizer_id)
            .first(conn)
            .optional(),
        // References are upper case; people type them as they like.
        Target::Booking(reference) => bookings::table
            .inner_join(events::table)
            .filter(bookings::reference.eq(reference.trim().to_uppercase()))
            .select(events::organizer_id)
            .first(conn)
            .optional(),
    }
}

/// The organizer of an existing venue.
pub fn organizer_of_venue(conn: &mut DbConnection, venue: VenueId) -> QueryResult<OrganizerId> {
    venues::table
        .find(venue)
        .select(venues::organizer_id)
        .first(conn)
}

/// Whether `user` is in any team.
pub fn in_a_team(conn: &mut DbConnection, user: UserId) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    select(exists(
        organizer_members::table.filter(organizer_members::user_id.eq(user)),
    ))
    .get_result(conn)
}

/// The names of the organizers of `memberships`.
pub fn names(
    conn: &mut DbConnection,
    memberships: &[Membership],
) -> QueryResult<Vec<(OrganizerId, String)>> {
    let ids: Vec<OrganizerId> = memberships.iter().map(|m| m.organizer).collect();
    organizers::table
        .filter(organizers::id.eq_any(ids))
        .select((organizers::id, organizers::name))
        .load(conn)
}

/// The caller's teams.
pub fn memberships(conn: &mut DbConnection, user: UserId) -> QueryResult<Vec<Membership>> {
    let rows: Vec<(OrganizerId, TeamRole)> = organizer_members::table
        .filter(organizer_members::user_id.eq(user))
        .order(organizer_members::organizer_id)
        .select((organizer_members::organizer_id, organizer_members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(organizer, role)| Membership { organizer, role })
        .collect())
}

pub fn get(conn: &mut DbConnection, id: OrganizerId) -> QueryResult<Option<OrganizerRow>> {
    organizers::table
        .find(id)
        .select(OrganizerRow::as_select())
        .first(conn)
        .optional()
}

/// The organizers in `scope`, by name.
pub fn list(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<OrganizerRow>> {
    let mut query = organizers::table
        .select(OrganizerRow::as_select())
        .order((organizers::name, organizers::id))
        .into_boxed();
    if let Some(ids) = scope.ids() {
        query = query.filter(organizers::id.eq_any(ids.to_vec()));
    }
    query.load(conn)
}

/// `None` when the name is taken (names are unique, ignoring case).
pub fn insert(
    conn: &mut DbConnection,
    name: &str,
    requires_approval: bool,
    now: NaiveDateTime,
) -> QueryResult<Option<OrganizerId>> {
    if name_taken(conn, name, None)? {
        return Ok(None);
    }
    diesel::insert_into(organizers::table)
        .values((
            organizers::name.eq(name),
            organizers::requires_approval.eq(requires_approval),
            organizers::created_at.eq(now),
            organizers::updated_at.eq(now),
        ))
        .returning(organizers::id)
        .get_result(conn)
        .map(Some)
}

/// Renames and sets the approval rule; `false` when the name is taken by another organizer.
pub fn update(
    conn: &mut DbConnection,
    id: OrganizerId,
    name: &str,
    requires_approval: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if name_taken(conn, name, Some(id))? {
        return Ok(false);
    }
    diesel::update(organizers::table.find(id))
        .set((
            organizers::name.eq(name),
            organizers::requires_approval.eq(requires_approval),
            organizers::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

diesel::define_sql_function!(
    /// SQL `lower()`, for names unique regardless of case.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

fn name_taken(
    conn: &mut DbConnection,
    name: &str,
    except: Option<OrganizerId>,
) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    // Ids start at 1, so 0 excepts nothing.
    let except = except.unwrap_or(OrganizerId(0));
    select(exists(
        organizers::table
            .filter(lower(organizers::name).eq(name.to_lowercase()))
            .filter(organizers::id.ne(except)),
    ))
    .get_result(conn)
}
