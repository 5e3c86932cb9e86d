//! Registering an account (and the quiet answer for an address already registered).

use chrono::NaiveDateTime;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::models::NewUser;
use crate::db::users;
use crate::db::{Db, DbConnection, is_unique_violation};
use crate::domain::catalogue::FieldErrors;
use crate::domain::user::Role;
use crate::domain::user_input::{EmailAddress, NewPassword, PersonName};
use crate::mail::templates::EmailKind;

use super::account::{Account, AccountError, audit_entry};

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
#[tracing::instrument(name = "accounts.register", skip_all)]
pub fn register(
    db: &Db,
    registration: &Registration,
    bcrypt_cost: u32,
    now: NaiveDateTime,
) -> Result<Account, AccountError> {
    let hash = hash_password(registration, bcrypt_cost)?;
    let account = db.write(|c| -> Result<Account, AccountError> {
        let account = insert_account(c, registration, &hash, now)?;
        let id = account.id;
        // The welcome email, with the first verification link, commits with the account.
        crate::services::notify::queue_verification(
            c,
            id,
            registration.name.as_str(),
            registration.email.as_str(),
            EmailKind::Welcome,
            now,
        )?;
        Ok(account)
    })?;
    db.metrics().registered();
    Ok(account)
}

/// The account row and its audit entry, in the caller's transaction, with the password
/// already hashed ([`hash_password`]); no email. For flows that register and do more at once
/// (accepting a team invitation).
pub fn insert_account(
    c: &mut DbConnection,
    registration: &Registration,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Account, AccountError> {
    let id = users::insert(
        c,
        &NewUser {
            email: registration.email.as_str(),
            name: registration.name.as_str(),
            password_hash: hash,
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
    Ok(Account {
        id,
        name: registration.name.as_str().to_owned(),
        email: registration.email.as_str().to_owned(),
        role: Role::User,
        session_epoch: 0,
        email_verified: false,
        in_a_team: false,
    })
}

/// The new password's bcrypt hash (slow: outside any transaction).
pub fn hash_password(
    registration: &Registration,
    bcrypt_cost: u32,
) -> Result<String, AccountError> {
    Ok(bcrypt::non_truncating_hash(
        registration.password.expose(),
        bcrypt_cost,
    )?)
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
                crate::services::notify::queue_registration_attempt(
                    c, row.id, &row.name, &row.email, now,
                )?;
                audit_entry(c, row.id, "user.registration_attempted", now)
            })?;
            Ok(Registered::AlreadyHadAccount)
        }
        Err(e) => Err(e),
    }
}
