//! Sessions: an encrypted cookie (actix-session) holding the user id, a random session id, the
//! user's session epoch, when the session began and was last used, and the CSRF token. Every
//! request checks them against the database: the session id must name a live `user_sessions`
//! row (logging out revokes it, so a copied cookie stops working), and the epoch must match.

use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;

use crate::domain::ids::UserId;
use crate::web::error::AppError;
use crate::web::state::AppState;

pub const COOKIE_NAME: &str = "boxoffice_session";
/// The name on https: with the `__Host-` prefix browsers accept the cookie only if it is
/// Secure, for Path=/ and without a Domain, so a sibling subdomain cannot plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-boxoffice_session";

/// The session cookie's name: `__Host-` prefixed when the site is on https.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

pub use crate::services::accounts::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
/// "Last used" is written back at most this often (each write re-sends the cookie).
const SEEN_GRANULARITY: TimeDelta = TimeDelta::minutes(5);

const USER: &str = "uid";
const SESSION_ID: &str = "sid";
const EPOCH: &str = "epoch";
const ISSUED: &str = "iat";
const SEEN: &str = "seen";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

pub fn middleware(secret: &[u8], secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(secret))
        .cookie_name(cookie_name(secure).to_owned())
        .cookie_path("/".to_owned())
        .cookie_domain(None)
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub user: UserId,
    /// SHA-256 of the session's random id: the key of its `user_sessions` row.
    pub session_hash: String,
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
    let sid = session.get::<String>(SESSION_ID).ok().flatten()?;
    Some(Claims {
        user: UserId(get(USER)?),
        session_hash: crate::services::accounts::token_hash(&sid),
        epoch: get(EPOCH)?,
        issued_at: get(ISSUED)?,
        seen_at: get(SEEN)?,
    })
}

/// Starts a signed-in session: a new session (no fixation), a new CSRF token, and a new
/// server-side session row whose id the cookie carries.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    user: UserId,
    epoch: i64,
) -> Result<(), AppError> {
    let now = state.clock.now_utc();
    let sid = new_token();
    let (db, hash) = (
        state.db.clone(),
        crate::services::accounts::token_hash(&sid),
    );
    actix_web::web::block(move || {
        db.write(|c| {
            Ok::<_, crate::db::DbError>(crate::db::sessions::insert(
                c,
                user,
                &hash,
                now.naive_utc(),
            )?)
        })
    })
    .await??;
    session.renew();
    session.clear();
    let _ = session.insert(SESSION_ID, sid);
    let _ = session.insert(USER, user.0);
    let _ = session.insert(EPOCH, epoch);
    let _ = session.insert(ISSUED, now.timestamp());
    let _ = session.insert(SEEN, now.timestamp());
    let _ = session.insert(CSRF, new_token());
    Ok(())
}

/// Ends the session: its server-side row is revoked (a copy of the cookie no longer works) and
/// the cookie is removed.
pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Some(claims) = claims(session) {
        let (db, now) = (state.db.clone(), state.clock.now());
        actix_web::web::block(move || {
            db.write(|c| {
                Ok::<_, crate::db::DbError>(crate::db::sessions::revoke(
                    c,
                    &claims.session_hash,
                    now,
                )?)
            })
        })
        .await??;
    }
    session.purge();
    Ok(())
}

/// Forgets a session that no longer holds (its row is already revoked or timed out).
pub fn forget(session: &Session) {
    session.purge();
}

/// Whether the session's use is due to be recorded (at most every few minutes).
pub fn touch_due(claims: &Claims, now: DateTime<Utc>) -> bool {
    now.timestamp() - claims.seen_at >= SEEN_GRANULARITY.num_seconds()
}

/// Records use of the session in the cookie (the caller records it in the database).
pub fn touch(session: &Session, now: DateTime<Utc>) {
    let _ = session.insert(SEEN, now.timestamp());
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
            session_hash: String::new(),
            epoch: 0,
            issued_at: start.timestamp(),
            seen_at: start.timestamp(),
        };
        assert!(!claims.expired(start + TimeDelta::hours(11)));
        assert!(claims.expired(start + TimeDelta::hours(13)));
        let active = Claims {
            seen_at: (start + TimeDelta::days(15)).timestamp(),
            ..claims.clone()
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
