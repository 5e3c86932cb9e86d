//! The team emails (issue 22): "you were added to <organizer> as <role>", and the invitation
//! of an address without an account.

use chrono::NaiveDateTime;

use crate::db::{DbConnection, DbError};
use crate::domain::access::TeamRole;
use crate::domain::ids::{InvitationId, OrganizerId, UserId};
use crate::mail::templates::{AccountEmail, EmailKind};

use super::{Email, queue};

fn payload(
    name: &str,
    organizer: &str,
    role: TeamRole,
    token: Option<String>,
) -> serde_json::Value {
    serde_json::to_value(AccountEmail {
        name: name.to_owned(),
        token,
        detail: None,
        organizer: Some(organizer.to_owned()),
        role: Some(role.label().to_owned()),
    })
    .unwrap_or_default()
}

/// Tells an account it joined a team (or that its role changed), in the caller's transaction.
pub fn queue_team_added(
    conn: &mut DbConnection,
    (user, name, email): (UserId, &str, &str),
    (organizer, organizer_name): (OrganizerId, &str),
    role: TeamRole,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue(
        conn,
        &Email {
            kind: EmailKind::TeamAdded,
            dedupe_key: format!(
                "team_added:{}:{}:{}",
                organizer.0,
                user.0,
                now.and_utc().timestamp_micros()
            ),
            recipient: email,
            user_id: Some(user),
            payload: payload(name, organizer_name, role, None),
        },
        now,
    )?;
    Ok(())
}

/// Sends invitation `id` (its link carries `token`) to `email`; `inviter` is who sent it.
pub fn queue_team_invitation(
    conn: &mut DbConnection,
    (id, token): (InvitationId, String),
    email: &str,
    inviter: &str,
    organizer_name: &str,
    role: TeamRole,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    queue(
        conn,
        &Email {
            kind: EmailKind::TeamInvitation,
            dedupe_key: format!("team_invitation:{}", id.0),
            recipient: email,
            user_id: None,
            payload: payload(inviter, organizer_name, role, Some(token)),
        },
        now,
    )?;
    Ok(())
}
