//! The waiting room's tokens at the edge (WAITING_ROOM.md §3.8, §3.9): where a browser keeps its
//! token (one HttpOnly cookie scoped to `/events/{id}`) and where an API client sends it (the
//! `Queue-Token` header), and the check in front of the seat map, its live stream and the
//! holds. The check reads memory only (the room's snapshot and the token's MAC); a hold also
//! confirms the turn in the database inside its own transaction.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use crate::domain::ids::{EventId, UserId};
use crate::services::accounts::Account;
use crate::services::admission::{self, Admission, Kind, Refused};
use crate::services::queue::status::Place;
use crate::web::state::AppState;

/// The cookie's name (one per event, told apart by its path).
pub const COOKIE: &str = "boxoffice_queue";
/// The header API clients send their token in.
pub const HEADER: &str = "Queue-Token";
/// The account a ticket joined without one is bound to in its token (rooms that do not
/// require an account): no real account has id 0.
pub const NOBODY: UserId = UserId(0);

/// The token the request presents: the header first (API clients), then the cookie.
pub fn presented(req: &HttpRequest) -> Option<String> {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned());
    }
    req.cookie(COOKIE).map(|c| c.value().to_owned())
}

fn secure(state: &AppState) -> bool {
    state.settings.base_url.scheme() == "https"
}

/// Unix seconds of `at`.
pub fn unix(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

/// A token for `admission`, signed with this deployment's key.
pub fn issue(state: &AppState, admission: &Admission) -> String {
    admission::issue(&state.queue_key, admission)
}

/// How long a waiting token lasts: a day (no queue runs longer; every join and every poll that
/// learns a number issues a new one).
const WAIT_TOKEN_SECONDS: i64 = 86_400;

/// The `wait` admission of a ticket (bound to its account, or to [`NOBODY`] when it joined
/// without one).
pub fn waiting(state: &AppState, ticket: &crate::db::queue::TicketRow) -> Admission {
    Admission {
        kind: Kind::Wait,
        event: ticket.event_id,
        ticket: ticket.id.0,
        user: ticket.user_id.unwrap_or(NOBODY),
        seq: ticket.seq,
        exp: unix(state.clock.now()) + WAIT_TOKEN_SECONDS,
    }
}

/// Puts `token` in the event's cookie on `response`, until `exp` (Unix seconds).
pub fn set_cookie(
    state: &AppState,
    response: &mut HttpResponse,
    event: EventId,
    token: &str,
    exp: i64,
) {
    let now = unix(state.clock.now());
    let cookie = Cookie::build(COOKIE, token.to_owned())
        .path(format!("/events/{event}"))
        .http_only(true)
        .secure(secure(state))
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds((exp - now).max(0)))
        .finish();
    let _ = response.add_cookie(&cookie);
}

/// Takes the event's cookie away (the buyer left).
pub fn clear_cookie(state: &AppState, response: &mut HttpResponse, event: EventId) {
    let mut cookie = Cookie::build(COOKIE, "")
        .path(format!("/events/{event}"))
        .http_only(true)
        .secure(secure(state))
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    let _ = response.add_cookie(&cookie);
}

/// The visitor's place from their token: an admission first, then a waiting ticket; `user` is
/// the signed-in account (a ticket joined without one is bound to [`NOBODY`]).
pub fn place(state: &AppState, token: Option<&str>, event: EventId, user: Option<UserId>) -> Place {
    let Some(token) = token else {
        return Place::Outside;
    };
    let now = unix(state.clock.now());
    let key = &state.queue_key;
    for who in [user, Some(NOBODY)].into_iter().flatten() {
        if let Ok(a) = admission::verify(key, token, Kind::Admit, event, who, now)
            && let Some(until) = chrono::DateTime::from_timestamp(a.exp, 0)
        {
            return Place::Admitted {
                ticket: a.ticket,
                until: until.naive_utc(),
            };
        }
        if let Ok(a) = admission::verify(key, token, Kind::Wait, event, who, now) {
            return Place::Waiting {
                ticket: a.ticket,
                seq: a.seq,
            };
        }
    }
    Place::Outside
}

/// Why the gate said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shut {
    /// No token, or a token that does not admit this account to this event now.
    Refused(Option<Refused>),
}

/// The check of §3.9 for the seat map, its live stream and the holds: passes when the event has
/// no room that gates now, when `admins_pass` and the visitor is an admin, or when the
/// request carries a valid `admit` token for this event and account. Memory only. A refusal
/// is counted by its reason.
pub fn check(
    state: &AppState,
    req: &HttpRequest,
    event: EventId,
    account: Option<&Account>,
    admins_pass: bool,
) -> Result<Option<Admission>, Shut> {
    if !state.queue.get(event).is_some_and(|r| r.gates()) {
        return Ok(None);
    }
    if admins_pass && account.is_some_and(|a| a.role == crate::domain::user::Role::Admin) {
        return Ok(None);
    }
    let refused = |r: Option<Refused>| {
        state.queue.refused_token(r);
        Err(Shut::Refused(r))
    };
    let (Some(token), Some(account)) = (presented(req), account) else {
        return refused(None);
    };
    let now = unix(state.clock.now());
    match admission::verify(
        &state.queue_key,
        &token,
        Kind::Admit,
        event,
        account.id,
        now,
    ) {
        Ok(a) => Ok(Some(a)),
        Err(r) => refused(Some(r)),
    }
}

/// [`check`] for a caller that already knows the account by its bearer token (the API).
pub fn check_token(
    state: &AppState,
    token: Option<&str>,
    event: EventId,
    user: UserId,
) -> Result<Option<Admission>, Shut> {
    if !state.queue.get(event).is_some_and(|r| r.gates()) {
        return Ok(None);
    }
    let Some(token) = token else {
        state.queue.refused_token(None);
        return Err(Shut::Refused(None));
    };
    let now = unix(state.clock.now());
    admission::verify(&state.queue_key, token, Kind::Admit, event, user, now)
        .map(Some)
        .map_err(|r| {
            state.queue.refused_token(Some(r));
            Shut::Refused(Some(r))
        })
}
