//! Accounts: registering and signing in. Password hashing is slow by design: these run on a
//! blocking thread (`web::block`), and hash outside any transaction (on SQLite, outside the
//! one-writer lock), so they take the `Db` rather than a connection.

mod account;
mod erase;
mod export;
mod login;
mod profile;
mod register;
mod sessions;
mod tokens;

pub use crate::services::tokens::token_hash;
pub use account::{Account, AccountError, enabled_with_email, find};
pub use erase::{DeleteError, Deleted, delete_account, erase};
pub use export::{AccountExport, EXPORT_FORMAT, export};
pub use login::authenticate;
pub use profile::{change_email, change_name, change_password};
pub use register::{
    Registered, Registration, hash_password, insert_account, register, register_or_notify,
};
pub use sessions::{
    ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, find_session, log_out_everywhere, purge_ended_sessions,
};
pub use tokens::{IssuedToken, TOKEN_TTL, account_for_token, issue_token, revoke_token};
