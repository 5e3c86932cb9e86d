//! Creating the box-office admin (the `admin create` command and the start-up bootstrap).

use chrono::NaiveDateTime;

use crate::db::models::NewUser;
use crate::db::{DbConnection, DbError, users};
use crate::domain::ids::UserId;
use crate::domain::user::Role;
use crate::domain::user_input::{EmailAddress, NewPassword, PersonName};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid email: {0}")]
    Email(&'static str),
    #[error("invalid name: {0}")]
    Name(&'static str),
    #[error("weak password: {0}")]
    Password(&'static str),
    #[error("cannot hash the password: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        AdminError::Db(DbError::Query(e))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOutcome {
    Created(UserId),
    Reset(UserId),
    /// Already an enabled admin with this password: nothing written, no session ended.
    Unchanged(UserId),
}

/// Validated input for [`create_or_reset`]; hashing is slow, so it happens before the
/// transaction.
pub struct AdminRequest {
    pub email: EmailAddress,
    pub name: Option<PersonName>,
    password: NewPassword,
    pub password_hash: String,
}

impl AdminRequest {
    pub fn new(
        email: &str,
        password: &str,
        name: Option<&str>,
        cost: u32,
    ) -> Result<Self, AdminError> {
        let email = EmailAddress::parse(email).map_err(AdminError::Email)?;
        let password = NewPassword::parse(password).map_err(AdminError::Password)?;
        let name = name
            .map(PersonName::parse)
            .transpose()
            .map_err(AdminError::Name)?;
        let password_hash = bcrypt::non_truncating_hash(password.expose(), cost)?;
        Ok(AdminRequest {
            email,
            name,
            password,
            password_hash,
        })
    }
}

/// Creates this admin, or makes an existing account with this email an admin with this
/// password (the documented way to recover a lost admin password).
#[tracing::instrument(name = "admins.create_or_reset", level = "debug", skip_all)]
pub fn create_or_reset(
    conn: &mut DbConnection,
    request: &AdminRequest,
    now: NaiveDateTime,
) -> Result<AdminOutcome, AdminError> {
    let name = request.name.as_ref().map(PersonName::as_str);
    if let Some(row) = users::find_for_login(conn, request.email.as_str())? {
        let id = row.id;
        // Start-up applies BOXOFFICE_ADMIN_* every time: when nothing would change, change
        // nothing (no audit row, no sessions ended).
        let same = row.role == Role::Admin
            && row.disabled_at.is_none()
            && name.is_none_or(|n| n == row.name)
            && bcrypt::non_truncating_verify(request.password.expose(), &row.password_hash)
                .unwrap_or(false);
        if same {
            return Ok(AdminOutcome::Unchanged(id));
        }
        users::reset_admin(conn, id, name, &request.password_hash, now)?;
        audit(conn, id, "user.made_admin", now)?;
        return Ok(AdminOutcome::Reset(id));
    }
    let id = users::insert(
        conn,
        &NewUser {
            email: request.email.as_str(),
            name: name.unwrap_or("Box office admin"),
            password_hash: &request.password_hash,
            role: Role::Admin,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit(conn, id, "admin.created", now)?;
    Ok(AdminOutcome::Created(id))
}

/// Role changes are audited; the actor is the command line or start-up, so none is recorded.
fn audit(
    conn: &mut DbConnection,
    id: UserId,
    action: &str,
    now: NaiveDateTime,
) -> Result<(), AdminError> {
    Ok(crate::db::audit::record(
        conn,
        &crate::db::audit::NewAuditEntry {
            actor_user_id: None,
            action,
            subject_type: "user",
            subject_id: Some(id.0),
            detail: "{}",
            created_at: now,
        },
    )?)
}

pub fn admin_count(conn: &mut DbConnection) -> Result<i64, AdminError> {
    Ok(users::count_admins(conn)?)
}
