//! Accepting an invitation from its link: as the signed-in account it was sent to, or by
//! creating the account (the address counts as verified: its owner read the email). The
//! acceptance is a guarded update, so a link works once.

use chrono::NaiveDateTime;

use crate::db::organizers::invitations::{self, OpenInvitation};
use crate::db::organizers::members;
use crate::db::{Db, DbConnection, users};
use crate::domain::ids::{OrganizerId, UserId};
use crate::services::accounts::{self, Account, Registration};
use crate::services::tokens::token_hash;

use super::{TeamError, record};

/// An open invitation as its page shows it.
pub type Invitation = OpenInvitation;

/// The open invitation of a link; `None` when it is unknown, expired, revoked or used.
pub fn invitation(
    c: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<Invitation>, TeamError> {
    Ok(invitations::find_open(c, &token_hash(token), now)?)
}

/// Accepts the link's invitation as `account`, which must have the invited address.
pub fn accept(
    c: &mut DbConnection,
    account: &Account,
    token: &str,
    now: NaiveDateTime,
) -> Result<Invitation, TeamError> {
    let open = invitation(c, token, now)?.ok_or(TeamError::InvitationGone)?;
    if !open.email.eq_ignore_ascii_case(&account.email) {
        return Err(TeamError::WrongAccount);
    }
    join(c, &open, account.id, now)?;
    // Following the emailed link proves they read mail at the address.
    users::mark_verified(c, account.id, now)?;
    Ok(open)
}

/// Marks the invitation accepted (once) and makes `user` a member with its role. An account
/// that is a member already keeps its role.
fn join(
    c: &mut DbConnection,
    open: &Invitation,
    user: UserId,
    now: NaiveDateTime,
) -> Result<OrganizerId, TeamError> {
    if !invitations::accept(c, open.id, user, now)? {
        return Err(TeamError::InvitationGone);
    }
    let joined = members::insert(c, open.organizer, user, open.role, now)?;
    let detail = serde_json::json!({
        "invitation_id": open.id,
        "user_id": user,
        "role": open.role,
        "joined": joined,
    });
    record(
        c,
        user,
        "team.invitation_accepted",
        open.organizer,
        &detail,
        now,
    )?;
    Ok(open.organizer)
}

/// Creates the account of the invited address (with `name` and `password`, under the
/// registration's rules), verified, and accepts the invitation, in one transaction.
pub fn register_and_accept(
    db: &Db,
    token: &str,
    name: &str,
    password: &str,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<(Account, Invitation), TeamError> {
    let open = db
        .read(|c| invitation(c, token, now))?
        .ok_or(TeamError::InvitationGone)?;
    let registration =
        Registration::parse(name, &open.email, password).map_err(TeamError::Invalid)?;
    let hash = accounts::hash_password(&registration, bcrypt_cost)?;
    let token = token.to_owned();
    let done = db.write(|c| -> Result<(Account, Invitation), TeamError> {
        // Read again inside the transaction: it may have been used or revoked meanwhile.
        let open = invitation(c, &token, now)?.ok_or(TeamError::InvitationGone)?;
        let mut account = accounts::insert_account(c, &registration, &hash, now)?;
        users::mark_verified(c, account.id, now)?;
        account.email_verified = true;
        join(c, &open, account.id, now)?;
        Ok((account, open))
    })?;
    db.metrics().registered();
    Ok(done)
}
