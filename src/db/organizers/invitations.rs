//! Invitations to a team for addresses without an account. Only the link's SHA-256 is stored;
//! accepting is a guarded update, so a link works once even under a race.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organizer_invitations, organizers};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::access::TeamRole;
use crate::domain::ids::{InvitationId, OrganizerId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvitation {
    pub id: InvitationId,
    pub organizer: OrganizerId,
    pub organizer_name: String,
    pub email: String,
    pub role: TeamRole,
    pub expires_at: NaiveDateTime,
}

/// A new invitation; an open one for the same address and organizer is revoked first.
#[expect(
    clippy::too_many_arguments,
    reason = "one column each, all needed; a struct would only rename them"
)]
pub fn insert(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    email: &str,
    role: TeamRole,
    token_hash: &str,
    invited_by: UserId,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<InvitationId> {
    diesel::update(
        organizer_invitations::table
            .filter(organizer_invitations::organizer_id.eq(organizer))
            .filter(organizer_invitations::email.eq(email))
            .filter(organizer_invitations::accepted_at.is_null())
            .filter(organizer_invitations::revoked_at.is_null()),
    )
    .set(organizer_invitations::revoked_at.eq(Some(now)))
    .execute(conn)?;
    diesel::insert_into(organizer_invitations::table)
        .values((
            organizer_invitations::organizer_id.eq(organizer),
            organizer_invitations::email.eq(email),
            organizer_invitations::role.eq(role),
            organizer_invitations::token_hash.eq(token_hash),
            organizer_invitations::invited_by.eq(Some(invited_by)),
            organizer_invitations::created_at.eq(now),
            organizer_invitations::expires_at.eq(expires_at),
        ))
        .returning(organizer_invitations::id)
        .get_result(conn)
}

type Columns = (
    InvitationId,
    OrganizerId,
    String,
    String,
    TeamRole,
    NaiveDateTime,
);

fn row((id, organizer, organizer_name, email, role, expires_at): Columns) -> OpenInvitation {
    OpenInvitation {
        id,
        organizer,
        organizer_name,
        email,
        role,
        expires_at,
    }
}

/// Invitations neither accepted, revoked nor expired.
fn open_query(now: NaiveDateTime) -> organizer_invitations::BoxedQuery<'static, MultiBackend> {
    organizer_invitations::table
        .filter(organizer_invitations::accepted_at.is_null())
        .filter(organizer_invitations::revoked_at.is_null())
        .filter(organizer_invitations::expires_at.gt(now))
        .into_boxed()
}

/// The open, unexpired invitation of a link.
pub fn find_open(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<OpenInvitation>> {
    let ids: Option<InvitationId> = open_query(now)
        .filter(organizer_invitations::token_hash.eq(token_hash.to_owned()))
        .select(organizer_invitations::id)
        .first(conn)
        .optional()?;
    match ids {
        None => Ok(None),
        Some(id) => by_id(conn, id),
    }
}

fn by_id(conn: &mut DbConnection, id: InvitationId) -> QueryResult<Option<OpenInvitation>> {
    organizer_invitations::table
        .inner_join(organizers::table)
        .filter(organizer_invitations::id.eq(id))
        .select((
            organizer_invitations::id,
            organizer_invitations::organizer_id,
            organizers::name,
            organizer_invitations::email,
            organizer_invitations::role,
            organizer_invitations::expires_at,
        ))
        .first::<Columns>(conn)
        .optional()
        .map(|r| r.map(row))
}

/// The organizer's open invitations, newest first.
pub fn list_open(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> QueryResult<Vec<OpenInvitation>> {
    let ids: Vec<InvitationId> = open_query(now)
        .filter(organizer_invitations::organizer_id.eq(organizer))
        .order(organizer_invitations::created_at.desc())
        .select(organizer_invitations::id)
        .load(conn)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(by_id(conn, id)?);
    }
    Ok(out)
}

/// Accepts the invitation for `user`: `true` for exactly one caller while it is open.
pub fn accept(
    conn: &mut DbConnection,
    id: InvitationId,
    user: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        organizer_invitations::table
            .filter(organizer_invitations::id.eq(id))
            .filter(organizer_invitations::accepted_at.is_null())
            .filter(organizer_invitations::revoked_at.is_null())
            .filter(organizer_invitations::expires_at.gt(now)),
    )
    .set((
        organizer_invitations::accepted_at.eq(Some(now)),
        organizer_invitations::accepted_by.eq(Some(user)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Revokes an open invitation of `organizer`; `false` when there is none by that id.
pub fn revoke(
    conn: &mut DbConnection,
    organizer: OrganizerId,
    id: InvitationId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        organizer_invitations::table
            .filter(organizer_invitations::id.eq(id))
            .filter(organizer_invitations::organizer_id.eq(organizer))
            .filter(organizer_invitations::accepted_at.is_null())
            .filter(organizer_invitations::revoked_at.is_null()),
    )
    .set(organizer_invitations::revoked_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}
