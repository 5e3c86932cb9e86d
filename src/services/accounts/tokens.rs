//! API tokens: issued, looked up by their hash, revoked.

use chrono::NaiveDateTime;

use crate::db::{Db, DbConnection};
use crate::services::tokens::token_hash;

use super::account::{Account, AccountError};

/// How long an API token lives.
pub const TOKEN_TTL: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// A new API token: the secret goes to the caller once; only its hash is kept.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: NaiveDateTime,
}

#[tracing::instrument(name = "accounts.issue_token", skip_all, fields(user.id = %account.id))]
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

#[tracing::instrument(name = "accounts.revoke_token", skip_all)]
pub fn revoke_token(db: &Db, token: &str, now: NaiveDateTime) -> Result<bool, AccountError> {
    let hash = token_hash(token);
    db.write(|c| -> Result<bool, AccountError> { Ok(crate::db::tokens::revoke(c, &hash, now)?) })
}
