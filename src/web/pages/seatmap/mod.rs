//! The live seat map `/events/{id}/seats` and what a buyer does on it: hold or give back a seat
//! with a click, ask for the best seats, add standing places, watch the basket, and hear
//! about everyone else's changes on the live stream. Every action answers htmx with
//! out-of-band swaps of just what changed (`update.rs`) and a browser without JavaScript with
//! a redirect back to the page.

mod actions;
mod live;
mod update;

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::config::Settings;
use crate::domain::ids::{EventId, SectionId, UserId};
use crate::services::seatmap::{self, Basket, Scope, SeatMap};
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

pub use update::Update;

/// Where on the map page a request came from: which part of the venue, map or list.
#[derive(Debug, Clone)]
pub struct MapPage {
    pub event_id: EventId,
    pub scope: Scope,
    pub list: bool,
}

impl MapPage {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        let scope = self.scope.query();
        if !scope.is_empty() {
            parts.push(scope);
        }
        if self.list {
            parts.push("view=list".to_owned());
        }
        parts.join("&")
    }

    /// The page's own address.
    pub fn url(&self) -> String {
        let q = self.query();
        if q.is_empty() {
            format!("/events/{}/seats", self.event_id)
        } else {
            format!("/events/{}/seats?{q}", self.event_id)
        }
    }

    /// The live stream for this page.
    pub fn live_url(&self) -> String {
        let q = self.query();
        if q.is_empty() {
            format!("/events/{}/live", self.event_id)
        } else {
            format!("/events/{}/live?{q}", self.event_id)
        }
    }

    /// The address of the same page as a map or as a list.
    pub fn as_list(&self, list: bool) -> String {
        MapPage {
            list,
            ..self.clone()
        }
        .url()
    }

    /// What every htmx action on the page sends along (`hx-vals`, inherited), so the answer
    /// draws the seats the way this page shows them.
    pub fn vals(&self) -> String {
        let section = match self.scope {
            Scope::Overview => String::new(),
            Scope::Section(id) => id.to_string(),
            Scope::All => "all".to_owned(),
        };
        let view = if self.list { "list" } else { "map" };
        format!(r#"{{"section":"{section}","view":"{view}"}}"#)
    }
}

/// `?section=&view=` of the page, the stream and the actions.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub section: Option<String>,
    pub view: Option<String>,
}

impl PageQuery {
    pub fn list(&self) -> bool {
        self.view.as_deref() == Some("list")
    }

    /// The section as the service reads it (`None`: the default for the venue).
    pub fn section(&self) -> Option<&str> {
        self.section.as_deref().filter(|s| !s.is_empty())
    }
}

pub fn parse_event(raw: &str) -> Result<EventId, AppError> {
    raw.parse::<i64>()
        .map(EventId)
        .map_err(|_| AppError::NotFound)
}

/// The page an action was sent from, from its `section` and `view` fields.
pub fn page_of(event: EventId, section: Option<&str>, view: Option<&str>) -> MapPage {
    let scope = match section.filter(|s| !s.is_empty()) {
        Some("all") => Scope::All,
        Some(s) => s
            .parse::<i64>()
            .map(|id| Scope::Section(SectionId(id)))
            .unwrap_or(Scope::Overview),
        None => Scope::Overview,
    };
    MapPage {
        event_id: event,
        scope,
        list: view == Some("list"),
    }
}

/// The visitor must be signed in to hold; a trip to the login page comes back to the map.
fn buyer(ctx: &PageContext, page: &MapPage, hx: bool) -> Result<UserId, AppError> {
    ctx.layout
        .user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(|| AppError::LoginRequired {
            next: page.url(),
            htmx: hx,
        })
}

#[derive(Template)]
#[template(path = "seats/show.html")]
struct SeatPage {
    layout: Layout,
    map: SeatMap,
    page: MapPage,
    hold_minutes: i64,
    max_per_order: i32,
    /// The event's cap per account (held and bought), if the box office set one.
    max_per_account: Option<i32>,
    /// For a signed-in visitor whose email address is not confirmed: how many they may hold at
    /// once (issue 16).
    unverified_limit: Option<u32>,
    /// Shown only when the visitor can act (signed in, on sale).
    signed_in: bool,
    /// The live version read before the map (`crate::services::live::LiveHub` on versions).
    v: u64,
}

impl SeatPage {
    /// The page for `map`, drawn as a list or a map, with the limits the settings set.
    fn new(layout: Layout, map: SeatMap, page: MapPage, settings: &Settings, v: u64) -> Self {
        let unverified_limit = layout
            .user
            .as_ref()
            .filter(|u| !u.email_verified)
            .and(Some(settings.unverified_hold_limit))
            .filter(|n| *n > 0);
        SeatPage {
            signed_in: layout.user.is_some(),
            layout,
            hold_minutes: i64::from(settings.hold_seconds) / 60,
            max_per_order: map.detail.max_tickets_per_order,
            max_per_account: map.detail.max_tickets_per_account,
            unverified_limit,
            page,
            map,
            v,
        }
    }
}

#[get("/events/{id}/seats")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let viewer = ctx.layout.user.as_ref().map(|u| u.id);
    let section = query.section().map(str::to_owned);
    let layouts = state.layouts.clone();
    let v = state.live.version();
    let map = state
        .read(move |conn, now| {
            let section = section.as_deref();
            Ok(seatmap::load(conn, &layouts, event, viewer, section, now)?)
        })
        .await?;
    let page = MapPage {
        event_id: event,
        scope: map.scope,
        list: query.list(),
    };
    let page = SeatPage::new(ctx.layout, map, page, &state.settings, v);
    super::html(page.render())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .configure(actions::routes)
        .configure(live::routes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_knows_its_address_its_stream_and_what_its_actions_send() {
        let page = MapPage {
            event_id: EventId(7),
            scope: Scope::Section(SectionId(12)),
            list: true,
        };
        assert_eq!(page.url(), "/events/7/seats?section=12&view=list");
        assert_eq!(page.live_url(), "/events/7/live?section=12&view=list");
        assert_eq!(page.as_list(false), "/events/7/seats?section=12");
        assert_eq!(page.vals(), r#"{"section":"12","view":"list"}"#);
        let overview = MapPage {
            event_id: EventId(7),
            scope: Scope::Overview,
            list: false,
        };
        assert_eq!(overview.url(), "/events/7/seats");
        assert_eq!(overview.vals(), r#"{"section":"","view":"map"}"#);
    }
}
