//! Sessions: an encrypted cookie (actix-session) holding the user id, the user's session epoch,
//! when the session began and was last used, and the CSRF token. Every request checks them
//! against the database, so bumping the epoch ends every session of that user at once.

use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;

use crate::domain::ids::UserId;

pub const COOKIE_NAME: &str = "boxoffice_session";

/// A session unused this long ends.
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::hours(12);
/// No session lives longer than this, however active.
pub const ABSOLUTE_TIMEOUT: TimeDelta = TimeDelta::days(14);
/// "Last used" is written back at most this often (each write re-sends the cookie).
const SEEN_GRANULARITY: TimeDelta = TimeDelta::minutes(5);

const USER: &str = "uid";
const EPOCH: &str = "epoch";
const ISSUED: &str = "iat";
const SEEN: &str = "seen";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

pub fn middleware(secret: &[u8], secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(secret))
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(CookieDuration::seconds(ABSOLUTE_TIMEOUT.num_seconds()))
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}

/// Who the session says is signed in (still to be checked against the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub user: UserId,
    pub epoch: i64,
    pub issued_at: i64,
    pub seen_at: i64,
}

impl Claims {
    /// Whether the session has outlived its idle or absolute timeout at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        let now = now.timestamp();
        now - self.seen_at > IDLE_TIMEOUT.num_seconds()
            || now - self.issued_at > ABSOLUTE_TIMEOUT.num_seconds()
    }
}

pub fn claims(session: &Session) -> Option<Claims> {
    let get = |key| session.get::<i64>(key).ok().flatten();
    Some(Claims {
        user: UserId(get(USER)?),
        epoch: get(EPOCH)?,
        issued_at: get(ISSUED)?,
        seen_at: get(SEEN)?,
    })
}

/// Starts a signed-in session: a new session (no fixation), a new CSRF token.
pub fn sign_in(session: &Session, user: UserId, epoch: i64, now: DateTime<Utc>) {
    session.renew();
    session.clear();
    let _ = session.insert(USER, user.0);
    let _ = session.insert(EPOCH, epoch);
    let _ = session.insert(ISSUED, now.timestamp());
    let _ = session.insert(SEEN, now.timestamp());
    let _ = session.insert(CSRF, new_token());
}

/// Ends the session: the cookie is removed.
pub fn sign_out(session: &Session) {
    session.purge();
}

/// Records use of the session, at most every few minutes.
pub fn touch(session: &Session, claims: &Claims, now: DateTime<Utc>) {
    if now.timestamp() - claims.seen_at >= SEEN_GRANULARITY.num_seconds() {
        let _ = session.insert(SEEN, now.timestamp());
    }
}

/// A one-line notice for the next page shown ("Your password was changed.").
pub fn set_flash(session: &Session, message: &str) {
    let _ = session.insert(FLASH, message);
}

/// The pending notice, removed as it is read.
pub fn take_flash(session: &Session) -> Option<String> {
    session.remove_as::<String>(FLASH).and_then(Result::ok)
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF) {
        return token;
    }
    let token = new_token();
    let _ = session.insert(CSRF, &token);
    token
}

/// The token a state-changing request must present, if the session has one.
pub fn expected_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF).ok().flatten()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_after_idle_or_absolute_timeouts() {
        let start = Utc::now();
        let claims = Claims {
            user: UserId(1),
            epoch: 0,
            issued_at: start.timestamp(),
            seen_at: start.timestamp(),
        };
        assert!(!claims.expired(start + TimeDelta::hours(11)));
        assert!(claims.expired(start + TimeDelta::hours(13)));
        let active = Claims {
            seen_at: (start + TimeDelta::days(15)).timestamp(),
            ..claims
        };
        assert!(active.expired(start + TimeDelta::days(15)));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(new_token().len(), 64);
    }
}
