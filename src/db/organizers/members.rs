//! Team members: one role per account and organizer. Removing or demoting the last owner is
//! refused, under a lock on the organizer's row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organizer_members, organizers, users};
use crate::db::{DbConnection, backend};
use crate::domain::access::TeamRole;
use crate::domain::ids::{OrganizerId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: TeamRole,
    pub since: NaiveDateTime,
}

pub fn list(conn: &mut DbConnection, organizer: OrganizerId) -> QueryResult<Vec<MemberRow>> {
    let rows: Vec<(UserId, String, String, TeamRole, NaiveDateTime)> = organizer_members::table
        .inner_join(users::table)
        .filter(organizer_members::organizer_id.eq(organizer))
        .order((users::name, users::id))
        .select((
            users::id,
            users::name,
            users::email,
            organizer_members::role,
            organizer_members::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, email, role, since)| MemberRow {
            user_id,
            name,
            email,
            role,
            since,
        })
        .collect())
}

pub fn role_of(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    user: UserId,
) -> QueryResult<Option<TeamRole>> {
    organizer_members::table
        .find((organizer, user))
        .select(organizer_members::role)
        .first(conn)
        .optional()
}

/// Adds `user` with `role`; `false` when they are already a member (nothing changes).
pub fn insert(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    user: UserId,
    role: TeamRole,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    if role_of(conn, organizer, user)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(organizer_members::table)
        .values((
            organizer_members::organizer_id.eq(organizer),
            organizer_members::user_id.eq(user),
            organizer_members::role.eq(role),
            organizer_members::created_at.eq(now),
            organizer_members::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Serializes changes of one team on PostgreSQL (SQLite has one writer at a time), so two
/// owners removing each other at once cannot leave the team without one.
fn lock_team(conn: &mut DbConnection, organizer: OrganizerId) -> QueryResult<()> {
    let query = organizers::table.find(organizer).select(organizers::id);
    backend::first_locked::<_, _, OrganizerId>(conn, query, |q| q.for_update()).map(|_| ())
}

/// Whether the team keeps an owner other than `user`.
fn other_owner(conn: &mut DbConnection, organizer: OrganizerId, user: UserId) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    select(exists(
        organizer_members::table
            .filter(organizer_members::organizer_id.eq(organizer))
            .filter(organizer_members::user_id.ne(user))
            .filter(organizer_members::role.eq(TeamRole::Owner)),
    ))
    .get_result(conn)
}

/// What a change of the team did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamChange {
    Done,
    NotAMember,
    LastOwner,
}

/// Changes a member's role, refusing to demote the last owner.
pub fn set_role(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    user: UserId,
    role: TeamRole,
    now: NaiveDateTime,
) -> QueryResult<TeamChange> {
    lock_team(conn, organizer)?;
    let Some(current) = role_of(conn, organizer, user)? else {
        return Ok(TeamChange::NotAMember);
    };
    if current == TeamRole::Owner && role != TeamRole::Owner && !other_owner(conn, organizer, user)?
    {
        return Ok(TeamChange::LastOwner);
    }
    diesel::update(organizer_members::table.find((organizer, user)))
        .set((
            organizer_members::role.eq(role),
            organizer_members::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(TeamChange::Done)
}

/// Removes a member, refusing to remove the last owner.
pub fn remove(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    user: UserId,
) -> QueryResult<(TeamChange, Option<TeamRole>)> {
    lock_team(conn, organizer)?;
    let Some(current) = role_of(conn, organizer, user)? else {
        return Ok((TeamChange::NotAMember, None));
    };
    if current == TeamRole::Owner && !other_owner(conn, organizer, user)? {
        return Ok((TeamChange::LastOwner, Some(current)));
    }
    diesel::delete(organizer_members::table.find((organizer, user))).execute(conn)?;
    Ok((TeamChange::Done, Some(current)))
}

/// Takes `user` out of every team (their account is being deleted); how many.
pub fn remove_all(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(organizer_members::table.filter(organizer_members::user_id.eq(user)))
        .execute(conn)
}
