//! Accounts: registering and signing in. Password hashing is slow by design: these run on a
//! blocking thread (`web::block`), and hash outside any transaction (on SQLite, outside the
//! one-writer lock), so they take the `Db` rather than a connection.

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::models::NewUser;
use crate::db::users::{self, LoginRow};
use crate::db::{Db, DbConnection, DbError, is_unique_violation};
use crate::domain::catalogue::FieldErrors;
use crate::domain::ids::UserId;
use crate::domain::user::Role;
use crate::domain::user_input::{EmailAddress, NewPassword, PersonName};
use crate::mail::templates::EmailKind;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("that email address already has an account")]
    EmailTaken,
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("cannot hash the password: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(DbError::Query(e))
    }
}

/// A signed-in user as the web layer knows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    #[serde(skip)]
    pub session_epoch: i64,
    /// Whether the user proved they read mail at `email`.
    #[serde(skip)]
    pub email_verified: bool,
}

impl From<LoginRow> for Account {
    fn from(row: LoginRow) -> Self {
        Account {
            id: row.id,
            name: row.name,
            email: row.email,
            role: row.role,
            session_epoch: row.session_epoch,
            email_verified: row.email_verified_at.is_some(),
        }
    }
}

/// What the registration form sent, parsed.
pub struct Registration {
    pub name: PersonName,
    pub email: EmailAddress,
    pub password: NewPassword,
}

impl Registration {
    pub fn parse(name: &str, email: &str, password: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = PersonName::parse(name)
            .map_err(|e| errors.insert("name", e.to_owned()))
            .ok();
        let email = EmailAddress::parse(email)
            .map_err(|e| errors.insert("email", e.to_owned()))
            .ok();
        let password = NewPassword::parse(password)
            .map_err(|e| errors.insert("password", e.to_owned()))
            .ok();
        match (name, email, password) {
            (Some(name), Some(email), Some(password)) => Ok(Registration {
                name,
                email,
                password,
            }),
            _ => Err(errors),
        }
    }
}

/// Creates an account (role `user`). Hashes with the non-truncating bcrypt function.
pub fn register(
    db: &Db,
    registration: &Registration,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<Account, AccountError> {
    let hash = bcrypt::non_truncating_hash(registration.password.expose(), bcrypt_cost)?;
    db.write(|c| {
        let id = users::insert(
            c,
            &NewUser {
                email: registration.email.as_str(),
                name: registration.name.as_str(),
                password_hash: &hash,
                role: Role::User,
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                AccountError::EmailTaken
            } else {
                AccountError::from(e)
            }
        })?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_user_id: Some(id),
                action: "user.registered",
                subject_type: "user",
                subject_id: Some(id.0),
                detail: "{}",
                created_at: now,
            },
        )?;
        // The welcome email, with the first verification link, commits with the account.
        crate::services::recovery::queue_verification(
            c,
            id,
            registration.name.as_str(),
            registration.email.as_str(),
            EmailKind::Welcome,
            now,
        )?;
        Ok(Account {
            id,
            name: registration.name.as_str().to_owned(),
            email: registration.email.as_str().to_owned(),
            role: Role::User,
            session_epoch: 0,
            email_verified: false,
        })
    })
}

/// What registering through the form did. The page answers the same either way, so nobody
/// learns whether an address has an account.
#[derive(Debug)]
pub enum Registered {
    Created(Account),
    /// The address already had an account: nothing was created, and its owner was told.
    AlreadyHadAccount,
}

/// Registers, or, when the address already has an account, emails its owner that someone tried
/// to register with it (at most once an hour). Both cost a password hash.
pub fn register_or_notify(
    db: &Db,
    registration: &Registration,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<Registered, AccountError> {
    match register(db, registration, bcrypt_cost, now) {
        Ok(account) => Ok(Registered::Created(account)),
        Err(AccountError::EmailTaken) => {
            db.write(|c| -> Result<(), AccountError> {
                let Some(row) = users::find_for_login(c, registration.email.as_str())? else {
                    return Ok(());
                };
                if row.disabled_at.is_some() {
                    return Ok(());
                }
                crate::services::email::queue(
                    c,
                    &crate::services::email::Email {
                        kind: EmailKind::RegistrationAttempt,
                        dedupe_key: format!(
                            "registration_attempt:{}:{}",
                            row.id.0,
                            now.format("%Y-%m-%dT%H")
                        ),
                        recipient: &row.email,
                        user_id: Some(row.id),
                        payload: serde_json::to_value(crate::mail::templates::AccountEmail {
                            name: row.name.clone(),
                            token: None,
                            detail: None,
                        })
                        .unwrap_or_default(),
                    },
                    now,
                )?;
                audit_entry(c, row.id, "user.registration_attempted", now)
            })?;
            Ok(Registered::AlreadyHadAccount)
        }
        Err(e) => Err(e),
    }
}

/// Checks an email and password. An unknown email costs the same as a wrong password (the
/// password is checked against a dummy hash), and both answer [`AccountError::WrongCredentials`].
/// Every attempt is audited, without the password.
pub fn authenticate(
    db: &Db,
    email: &str,
    password: &str,
    dummy_hash: &str,
    now: NaiveDateTime,
) -> Result<Account, AccountError> {
    let email = EmailAddress::parse(email).ok();
    let row = match &email {
        Some(email) => {
            db.read(|c| Ok::<_, AccountError>(users::find_for_login(c, email.as_str())?))?
        }
        None => None,
    };
    let hash = row
        .as_ref()
        .map_or(dummy_hash, |r| r.password_hash.as_str());
    let password_ok = bcrypt::non_truncating_verify(password, hash).unwrap_or(false);
    let outcome = match row {
        Some(row) if password_ok && row.disabled_at.is_none() => Ok(Account::from(row)),
        _ => Err(AccountError::WrongCredentials),
    };
    let (action, actor) = match &outcome {
        Ok(account) => ("login.succeeded", Some(account.id)),
        Err(_) => ("login.failed", None),
    };
    db.write(|c| -> Result<(), AccountError> {
        Ok(audit::record(
            c,
            &NewAuditEntry {
                actor_user_id: actor,
                action,
                subject_type: "user",
                subject_id: actor.map(|id| id.0),
                detail: "{}",
                created_at: now,
            },
        )?)
    })?;
    outcome
}

/// The account behind a session, if it still exists and is enabled.
pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<(Account, bool)>, AccountError> {
    Ok(users::find_by_id(conn, id)?.map(|row| {
        let enabled = row.disabled_at.is_none();
        (Account::from(row), enabled)
    }))
}

/// The account behind a signed-in session: the session's row must be live (not logged out,
/// within its idle and absolute timeouts), the account enabled and its epoch unchanged.
/// `touch` records the session's use.
pub fn find_session(
    db: &Db,
    user: UserId,
    session_hash: &str,
    epoch: i64,
    now: NaiveDateTime,
    touch: bool,
) -> Result<Option<Account>, AccountError> {
    use crate::web::session::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
    let found = db.read(|c| -> Result<_, AccountError> {
        if !crate::db::sessions::is_live(
            c,
            user,
            session_hash,
            now,
            IDLE_TIMEOUT,
            ABSOLUTE_TIMEOUT,
        )? {
            return Ok(None);
        }
        find(c, user)
    })?;
    let account = match found {
        Some((account, true)) if account.session_epoch == epoch => account,
        _ => return Ok(None),
    };
    if touch {
        db.write(|c| -> Result<(), AccountError> {
            Ok(crate::db::sessions::touch(c, session_hash, now)?)
        })?;
    }
    Ok(Some(account))
}

/// The periodic clean-up: sessions that ended (logged out or timed out) are deleted.
pub fn purge_ended_sessions(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    use crate::web::session::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
    db.write(|c| {
        Ok(crate::db::sessions::purge_ended(
            c,
            now,
            IDLE_TIMEOUT,
            ABSOLUTE_TIMEOUT,
        )?)
    })
}

/// How long an API token lives.
pub const TOKEN_TTL: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// A new API token: the secret goes to the caller once; only its hash is kept.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: NaiveDateTime,
}

pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn issue_token(
    db: &Db,
    account: &Account,
    now: NaiveDateTime,
) -> Result<IssuedToken, AccountError> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "bo_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let expires_at = now + TOKEN_TTL;
    let hash = token_hash(&token);
    db.write(|c| -> Result<(), AccountError> {
        Ok(crate::db::tokens::insert(
            c, account.id, &hash, now, expires_at,
        )?)
    })?;
    Ok(IssuedToken { token, expires_at })
}

/// The account a bearer token stands for, if the token is live and the account enabled.
pub fn account_for_token(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<Account>, AccountError> {
    Ok(crate::db::tokens::account_for(conn, &token_hash(token), now)?.map(Account::from))
}

pub fn revoke_token(db: &Db, token: &str, now: NaiveDateTime) -> Result<bool, AccountError> {
    let hash = token_hash(token);
    db.write(|c| -> Result<bool, AccountError> { Ok(crate::db::tokens::revoke(c, &hash, now)?) })
}

/// Checks the signed-in user's current password (for changes that need it).
fn verify_current(db: &Db, id: UserId, password: &str) -> Result<(), AccountError> {
    let row = db.read(|c| Ok::<_, AccountError>(users::find_by_id(c, id)?))?;
    match row {
        Some(row)
            if bcrypt::non_truncating_verify(password, &row.password_hash).unwrap_or(false) =>
        {
            Ok(())
        }
        _ => Err(AccountError::Invalid(
            [(
                "current_password",
                "That is not your current password.".to_owned(),
            )]
            .into_iter()
            .collect(),
        )),
    }
}

fn audit_entry(
    c: &mut DbConnection,
    id: UserId,
    action: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    Ok(audit::record(
        c,
        &NewAuditEntry {
            actor_user_id: Some(id),
            action,
            subject_type: "user",
            subject_id: Some(id.0),
            detail: "{}",
            created_at: now,
        },
    )?)
}

pub fn change_name(
    db: &Db,
    id: UserId,
    name: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let name = PersonName::parse(name)
        .map_err(|e| AccountError::Invalid([("name", e.to_owned())].into_iter().collect()))?;
    db.write(|c| {
        users::set_name(c, id, name.as_str(), now)?;
        audit_entry(c, id, "user.name_changed", now)
    })
}

pub fn change_email(
    db: &Db,
    id: UserId,
    email: &str,
    current_password: &str,
    now: NaiveDateTime,
) -> Result<(), AccountError> {
    let email = EmailAddress::parse(email)
        .map_err(|e| AccountError::Invalid([("email", e.to_owned())].into_iter().collect()))?;
    verify_current(db, id, current_password)?;
    db.write(|c| {
        let Some(row) = users::find_by_id(c, id)? else {
            return Ok(());
        };
        if row.email == email.as_str() {
            return Ok(());
        }
        users::set_email(c, id, email.as_str(), now).map_err(|e| {
            if is_unique_violation(&e) {
                AccountError::EmailTaken
            } else {
                AccountError::from(e)
            }
        })?;
        // Links sent to the old address die, and it is told of the change.
        crate::services::recovery::address_changed(
            c,
            id,
            &row.name,
            &row.email,
            email.as_str(),
            now,
        )?;
        // The new address is unverified until its link is followed.
        crate::services::recovery::queue_verification(
            c,
            id,
            &row.name,
            email.as_str(),
            EmailKind::VerifyEmail,
            now,
        )?;
        audit_entry(c, id, "user.email_changed", now)
    })
}

/// Changes the password and ends every session; returns the new session epoch so the caller
/// can keep the session it is answering.
pub fn change_password(
    db: &Db,
    id: UserId,
    current_password: &str,
    new_password: &str,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<i64, AccountError> {
    let password = NewPassword::parse(new_password).map_err(|e| {
        AccountError::Invalid([("new_password", e.to_owned())].into_iter().collect())
    })?;
    verify_current(db, id, current_password)?;
    let hash = bcrypt::non_truncating_hash(password.expose(), bcrypt_cost)?;
    db.write(|c| {
        let epoch = users::set_password(c, id, &hash, now)?;
        if let Some(row) = users::find_by_id(c, id)? {
            crate::services::recovery::queue_password_changed(
                c, id, &row.name, &row.email, epoch, now,
            )?;
        }
        audit_entry(c, id, "user.password_changed", now)?;
        Ok(epoch)
    })
}

/// Ends every session of the user, this one included.
pub fn log_out_everywhere(db: &Db, id: UserId, now: NaiveDateTime) -> Result<(), AccountError> {
    db.write(|c| {
        users::bump_session_epoch(c, id, now)?;
        audit_entry(c, id, "user.logged_out_everywhere", now)
    })
}
