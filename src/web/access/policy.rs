//! The route table of rights: what each admin page and `/api/v1/admin` endpoint needs, and
//! where its target's id is in the path. The guard (src/web/admin_guard.rs) reads it for every
//! request; a route missing from it is refused (deny by default), and a test checks that every
//! route under the admin scopes is listed.

use actix_web::http::Method;

use crate::db::organizers::Target;
use crate::domain::access::Right;
use crate::domain::ids::{EventId, OrganizerId, VenueId};

/// Where a route's target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// No one organizer: the caller needs the right in some team (lists are scoped, forms
    /// check what they name).
    Anywhere,
    /// Any member of staff (the dashboard, the list of one's organizers).
    AnyStaff,
    Event,
    Venue,
    Booking,
    Organizer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub right: Right,
    pub on: On,
}

const fn p(right: Right, on: On) -> Policy {
    Policy { right, on }
}

use On::*;
use Right::*;

/// (method, pattern under the scope with `{…}` for each parameter, policy). Patterns are
/// compared with actix's own (regex parts dropped), segment by segment.
const PAGES: &[(&str, &str, Policy)] = &[
    ("GET", "", p(ReadCatalogue, AnyStaff)),
    ("GET", "/users", p(Platform, Anywhere)),
    ("POST", "/users/{}/{}", p(Platform, Anywhere)),
    ("GET", "/emails", p(Platform, Anywhere)),
    ("GET", "/jobs", p(Platform, Anywhere)),
    ("POST", "/emails/{}/resend", p(Platform, Anywhere)),
    ("POST", "/jobs/{}/retry", p(Platform, Anywhere)),
    ("GET", "/checkin", p(CheckIn, Anywhere)),
    ("POST", "/checkin", p(CheckIn, Anywhere)),
    ("GET", "/bookings", p(ManageBookings, Anywhere)),
    ("GET", "/bookings/{}", p(ManageBookings, Booking)),
    ("POST", "/bookings/{}/refund", p(ManageBookings, Booking)),
    ("POST", "/bookings/{}/resend", p(ManageBookings, Booking)),
    ("GET", "/events/{}/attendees.csv", p(ManageBookings, Event)),
    ("GET", "/events/{}/cancel", p(CancelEvents, Event)),
    ("GET", "/events/{}/cancel/progress", p(CancelEvents, Event)),
    ("POST", "/events/{}/cancel", p(CancelEvents, Event)),
    ("POST", "/events/{}/refunds/retry", p(CancelEvents, Event)),
    ("GET", "/events/{}", p(ReadCatalogue, Event)),
    ("GET", "/events/{}/waiting-room", p(ReadCatalogue, Event)),
    (
        "GET",
        "/events/{}/waiting-room/panel",
        p(ReadCatalogue, Event),
    ),
    ("POST", "/events/{}/waiting-room", p(EditCatalogue, Event)),
    (
        "POST",
        "/events/{}/waiting-room/exclude",
        p(EditCatalogue, Event),
    ),
    (
        "POST",
        "/events/{}/waiting-room/{}",
        p(EditCatalogue, Event),
    ),
    ("POST", "/events/{}/{}", p(EditCatalogue, Event)),
    ("POST", "/events/{}/delete", p(EditCatalogue, Event)),
    ("GET", "/events/new", p(EditCatalogue, Anywhere)),
    ("GET", "/events/sections", p(EditCatalogue, Anywhere)),
    ("GET", "/events", p(ReadCatalogue, Anywhere)),
    ("GET", "/events/{}/edit", p(EditCatalogue, Event)),
    ("POST", "/events", p(EditCatalogue, Anywhere)),
    ("POST", "/events/{}/edit", p(EditCatalogue, Event)),
    ("GET", "/venues", p(ReadCatalogue, Anywhere)),
    ("GET", "/venues/new", p(EditCatalogue, Anywhere)),
    ("POST", "/venues/new", p(EditCatalogue, Anywhere)),
    ("GET", "/venues/{}/edit", p(EditCatalogue, Venue)),
    ("POST", "/venues/{}/edit", p(EditCatalogue, Venue)),
    ("POST", "/venues/{}/delete", p(EditCatalogue, Venue)),
    ("POST", "/venues/preview", p(EditCatalogue, Anywhere)),
    ("GET", "/organizers", p(ReadCatalogue, AnyStaff)),
    ("GET", "/organizers/new", p(Platform, Anywhere)),
    ("POST", "/organizers", p(Platform, Anywhere)),
    ("GET", "/organizers/{}", p(ManageTeam, Organizer)),
    ("POST", "/organizers/{}/settings", p(Platform, Anywhere)),
    ("POST", "/organizers/{}/members", p(ManageTeam, Organizer)),
    (
        "POST",
        "/organizers/{}/members/{}/role",
        p(ManageTeam, Organizer),
    ),
    (
        "POST",
        "/organizers/{}/members/{}/remove",
        p(ManageTeam, Organizer),
    ),
    (
        "POST",
        "/organizers/{}/invitations/{}/revoke",
        p(ManageTeam, Organizer),
    ),
];

const API: &[(&str, &str, Policy)] = &[
    ("GET", "/bookings", p(ManageBookings, Anywhere)),
    ("GET", "/bookings/{}", p(ManageBookings, Booking)),
    ("POST", "/bookings/{}/refund", p(ManageBookings, Booking)),
    ("POST", "/bookings/{}/resend", p(ManageBookings, Booking)),
    ("GET", "/events", p(ReadCatalogue, Anywhere)),
    ("POST", "/events", p(EditCatalogue, Anywhere)),
    ("GET", "/events/{}", p(ReadCatalogue, Event)),
    ("PATCH", "/events/{}", p(EditCatalogue, Event)),
    ("DELETE", "/events/{}", p(EditCatalogue, Event)),
    ("POST", "/events/{}/cancel", p(CancelEvents, Event)),
    ("POST", "/events/{}/duplicate", p(EditCatalogue, Event)),
    ("GET", "/events/{}/stats", p(ViewFigures, Event)),
    ("GET", "/events/{}/waiting-room", p(ReadCatalogue, Event)),
    ("PUT", "/events/{}/waiting-room", p(EditCatalogue, Event)),
    ("GET", "/venues", p(ReadCatalogue, Anywhere)),
    ("POST", "/venues", p(EditCatalogue, Anywhere)),
    ("GET", "/venues/{}", p(ReadCatalogue, Venue)),
    ("PUT", "/venues/{}", p(EditCatalogue, Venue)),
    ("DELETE", "/venues/{}", p(EditCatalogue, Venue)),
    ("GET", "/organizers", p(ReadCatalogue, AnyStaff)),
    ("POST", "/organizers", p(Platform, Anywhere)),
    ("POST", "/organizers/{}/members", p(ManageTeam, Organizer)),
    (
        "DELETE",
        "/organizers/{}/members/{}",
        p(ManageTeam, Organizer),
    ),
];

pub const PAGES_PREFIX: &str = "/admin";
pub const API_PREFIX: &str = "/api/v1/admin";

/// A route pattern with each `{name}` or `{name:regex}` written as `{}`.
pub fn normalize(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut depth = 0usize;
    for ch in pattern.chars() {
        match ch {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The policy of a route: `pattern` is actix's full match pattern (with the scope's prefix).
pub fn lookup(method: &Method, pattern: &str) -> Option<Policy> {
    let (table, rest) = if let Some(rest) = pattern.strip_prefix(API_PREFIX) {
        (API, rest)
    } else {
        (PAGES, pattern.strip_prefix(PAGES_PREFIX)?)
    };
    let rest = normalize(rest);
    table
        .iter()
        .find(|(m, pat, _)| *m == method.as_str() && *pat == rest)
        .map(|(_, _, policy)| *policy)
}

/// Every (method, full normalized pattern) listed, for the test that compares them with the
/// app's routes.
pub fn listed() -> Vec<(String, String)> {
    let pages = PAGES
        .iter()
        .map(|(m, pat, _)| ((*m).to_owned(), format!("{PAGES_PREFIX}{pat}")));
    let api = API
        .iter()
        .map(|(m, pat, _)| ((*m).to_owned(), format!("{API_PREFIX}{pat}")));
    pages.chain(api).collect()
}

/// The target named by the first parameter of `path` under `pattern` (both full).
pub fn target(on: On, pattern: &str, path: &str) -> Option<Target> {
    let first = first_parameter(&normalize(pattern), path)?;
    match on {
        Anywhere | AnyStaff => None,
        Event => first.parse().ok().map(|id| Target::Event(EventId(id))),
        Venue => first.parse().ok().map(|id| Target::Venue(VenueId(id))),
        Organizer => first
            .parse()
            .ok()
            .map(|id| Target::Organizer(OrganizerId(id))),
        Booking => Some(Target::Booking(first)),
    }
}

fn first_parameter(pattern: &str, path: &str) -> Option<String> {
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == "{}")
        .map(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_compared_without_its_parameter_names_or_regexes() {
        assert_eq!(normalize(r"/events/{id:\d+}/cancel"), "/events/{}/cancel");
        assert_eq!(
            normalize("/events/{id:\\d+}/{action:(publish|close|duplicate)}"),
            "/events/{}/{}"
        );
        assert_eq!(
            lookup(&Method::POST, "/api/v1/admin/events/{id}/cancel"),
            Some(p(CancelEvents, Event))
        );
        assert_eq!(lookup(&Method::DELETE, "/admin/events"), None);
    }

    #[test]
    fn the_target_is_read_from_the_path() {
        assert_eq!(
            target(
                Event,
                r"/admin/events/{id:\d+}/cancel",
                "/admin/events/42/cancel"
            ),
            Some(Target::Event(EventId(42)))
        );
        assert_eq!(
            target(
                Booking,
                "/api/v1/admin/bookings/{reference}/refund",
                "/api/v1/admin/bookings/AB%20C/refund"
            ),
            Some(Target::Booking("AB C".to_owned()))
        );
        assert_eq!(
            target(Venue, "/admin/venues/{id}/edit", "/admin/venues/x/edit"),
            None
        );
    }
}
