//! The live seat map `/events/{id}/seats` and what a buyer does on it: hold or give back a seat
//! with a click, ask for the best seats, add standing places, watch the basket, and hear
//! about everyone else's changes on the live stream. Every action answers htmx with
//! out-of-band swaps of just what changed (`update.rs`) and a browser without JavaScript with
//! a redirect back to the page.

mod actions;
mod drawn;
mod live;
mod update;
pub mod view;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::config::Settings;
use crate::domain::ids::{EventId, SectionId, UserId};
use crate::services::admission::Admission;
use crate::services::queue;
use crate::services::seatmap::{self, Scope};
use crate::web::auth::{Layout, PageContext};
use crate::web::encoding::{self, Piece};
use crate::web::error::AppError;
use crate::web::queue_gate;
use crate::web::state::AppState;

use drawn::Asked;
pub use drawn::MapCache;
pub use update::Update;
use view::{Basket, SeatMap};

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

    /// The live stream for this page, drawn at version `v`: it first sends what came after.
    pub fn live_url(&self, v: &u64) -> String {
        let q = self.query();
        if q.is_empty() {
            format!("/events/{}/live?v={v}", self.event_id)
        } else {
            format!("/events/{}/live?{q}&v={v}", self.event_id)
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
    /// The live stream: the version the page was drawn at.
    pub v: Option<u64>,
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

/// The waiting room's gate for a hold (§3.9, checks C1 and C2): with the event's room on, a
/// valid admission token for this account (admins too: the hold's own transaction confirms
/// the turn in the database). Without one: to the queue page. Answers the admission, to be
/// renewed by [`keep_admission`] when the hold goes through.
fn may_hold(
    state: &AppState,
    req: &HttpRequest,
    event: EventId,
    ctx: &PageContext,
    htmx: bool,
) -> Result<Option<Admission>, AppError> {
    queue_gate::check(state, req, event, ctx.layout.user.as_ref(), false)
        .map_err(|_| AppError::QueueRequired { event, htmx })
}

/// After a hold: the admission lasts at least as long as the hold (the hold kept the turn
/// running in the database until then, §3.8), so the buyer keeps the map while seats are
/// theirs.
fn keep_admission(state: &AppState, response: &mut HttpResponse, admitted: Option<Admission>) {
    let Some(mut a) = admitted else {
        return;
    };
    let hold_ends = queue_gate::unix(state.clock.now()) + i64::from(state.settings.hold_seconds);
    if hold_ends > a.exp {
        a.exp = hold_ends;
        let token = queue_gate::issue(state, &a);
        queue_gate::set_cookie(state, response, a.event, &token, a.exp);
    }
}

/// Where the map's drawing goes in the page (the page is drawn around it, then split there).
const BODY: &str = "<!--boxoffice:seat-map-->";

#[derive(Template)]
#[template(path = "seats/show.html")]
struct SeatPage<'a> {
    layout: Layout,
    map: &'a SeatMap,
    /// The drawing's place (see [`BODY`]).
    body: &'static str,
    basket: Basket,
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
    /// The version the map was drawn at (`crate::services::live::LiveHub` on versions).
    v: u64,
}

impl<'a> SeatPage<'a> {
    /// The page around `map`, drawn as a list or a map, with the limits the settings set.
    fn new(
        layout: Layout,
        map: &'a SeatMap,
        basket: Basket,
        page: MapPage,
        settings: &Settings,
        v: u64,
    ) -> Self {
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
            body: BODY,
            basket,
            page,
            map,
            v,
        }
    }
}

/// The map page: the drawing for everyone (kept, compressed once; `drawn.rs`), with the
/// visitor's own seats drawn as theirs, inside the page drawn for this visitor.
#[get("/events/{id}/seats")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let admitted = through_the_queue(&state, &req, event, &ctx).await?;
    let viewer = ctx.layout.user.as_ref().map(|u| u.id);
    let (map_state, basket, now) = state
        .read(move |conn, now| {
            let map_state = seatmap::map_state(conn, event)?;
            let basket = match viewer {
                Some(user) => view::basket(conn, user, event, now)?,
                None => Basket::Empty,
            };
            Ok((map_state, basket, now))
        })
        .await?;
    let asked = Asked::of(query.section());
    let drawn = drawn::drawn(&state, event, asked, query.list(), &map_state, now).await?;
    let mine = drawn.with_mine(&basket.seat_ids(), query.list())?;
    let page = MapPage {
        event_id: event,
        scope: drawn.map.scope,
        list: query.list(),
    };
    let page = SeatPage::new(
        ctx.layout,
        &drawn.map,
        basket,
        page,
        &state.settings,
        drawn.v,
    );
    let around = page.render().map_err(AppError::internal)?;
    let (head, tail) = around.split_once(BODY).unwrap_or((&around, ""));
    let mut pieces = vec![Piece::Own(head)];
    pieces.extend(drawn.pieces(&mine));
    pieces.push(Piece::Own(tail));
    let mut response = encoding::html_page(&req, &pieces);
    if let Some(a) = admitted {
        let token = queue_gate::issue(&state, &a);
        queue_gate::set_cookie(&state, &mut response, event, &token, a.exp);
    }
    Ok(response)
}

/// The waiting room's gate in front of the map (WAITING_ROOM.md §3.9, check C6): with the
/// event's room on, the map needs an admission (admins pass); without one the visitor goes
/// to the queue page (303, or `HX-Redirect` for htmx). When the room is idle (open, nobody
/// waiting, a slot free) a signed-in buyer is let through at once (B6): joined and admitted
/// in one transaction, and the answer carries the admission (`Some`).
async fn through_the_queue(
    state: &AppState,
    req: &HttpRequest,
    event: EventId,
    ctx: &PageContext,
) -> Result<Option<Admission>, AppError> {
    let account = ctx.layout.user.as_ref();
    if queue_gate::check(state, req, event, account, true).is_ok() {
        return Ok(None);
    }
    let htmx = crate::web::hx::is_htmx(req);
    let idle = state.queue.get(event).filter(|room| {
        room.phase == crate::domain::queue::Phase::Open
            && !room.paused
            && room.nobody_waiting()
            && room.slot_free()
    });
    let buyer = account
        .filter(|a| a.email_verified || idle.as_ref().is_some_and(|room| !room.require_account));
    if let (Some(_), Some(buyer)) = (idle, buyer) {
        let user = buyer.id;
        let passed = state
            .run(move |db, now| queue::pass_through(db, event, user, now))
            .await??;
        if let Some(p) = passed {
            state.refresh_queue().await?;
            return Ok(Some(Admission {
                kind: crate::services::admission::Kind::Admit,
                event,
                ticket: p.ticket.0,
                user,
                seq: Some(p.seq),
                exp: queue_gate::unix(p.until),
            }));
        }
    }
    Err(AppError::QueueRequired { event, htmx })
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
        assert_eq!(
            page.live_url(&41),
            "/events/7/live?section=12&view=list&v=41"
        );
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
