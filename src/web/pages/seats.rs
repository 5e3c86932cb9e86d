//! The live seat map `/events/{id}/seats` and what a buyer does on it: hold or give back a seat
//! with a click, ask for the best seats, add standing places, watch the basket. Every action
//! answers htmx with out-of-band swaps of just what changed (the seats, the basket, what is left
//! of a standing area) and a browser without JavaScript with a redirect back to the page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::TimeDelta;
use serde::Deserialize;

use super::accounts::see_other;
use super::html_with_status;
use crate::domain::ids::{EventId, SeatId, SectionId, TierId, UserId};
use crate::services::holds::{self, HoldError, HoldRequest};
use crate::services::seatmap::{self, Basket, Scope, SeatMap, SeatView, SectionView, StandingView};
use crate::startup::AppState;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::session;

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

#[derive(Template)]
#[template(path = "seats/show.html")]
struct SeatPage {
    layout: Layout,
    map: SeatMap,
    page: MapPage,
    hold_minutes: i64,
    max_per_order: i32,
    /// Shown only when the visitor can act (signed in, on sale).
    signed_in: bool,
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
    let list = query.list();
    let map = crate::web::blocking(&state, move |conn, clock| {
        Ok(seatmap::load(
            conn,
            event,
            viewer,
            section.as_deref(),
            clock.now(),
        )?)
    })
    .await?;
    let page = MapPage {
        event_id: event,
        scope: map.scope,
        list,
    };
    let max_per_order = map.detail.max_tickets_per_order;
    let hold_minutes = i64::from(state.settings.hold_seconds) / 60;
    let signed_in = viewer.is_some();
    super::html(
        SeatPage {
            layout: ctx.layout,
            map,
            page,
            hold_minutes,
            max_per_order,
            signed_in,
        }
        .render(),
    )
}

/// Out-of-band swaps of what changed: seats (as the page draws them), the overview's sections,
/// what is left of the standing areas, the basket, and a message. The live stream sends the
/// same fragment.
#[derive(Template)]
#[template(path = "seats/_update.html")]
pub struct Update {
    pub event_id: EventId,
    pub on_sale: bool,
    pub list: bool,
    pub seats: Vec<SeatView>,
    pub sections: Vec<SectionView>,
    pub standing: Vec<StandingView>,
    pub basket: Option<Basket>,
    pub message: Option<Message>,
    /// For the basket's forms (browsers without JavaScript).
    pub csrf_token: String,
}

/// A message for the page's message area.
#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// What the action changed, for [`answer`].
struct Changed {
    seats: Vec<SeatId>,
    message: Message,
    status: StatusCode,
}

/// The answer to an action: for htmx the swaps, otherwise back to the page with a notice.
async fn answer(
    state: &AppState,
    ctx: &PageContext,
    hx: bool,
    page: MapPage,
    viewer: UserId,
    changed: Changed,
) -> Result<HttpResponse, AppError> {
    if !hx {
        session::set_flash(&ctx.session, &changed.message.text);
        return Ok(see_other(&page.url()));
    }
    let update = render_update(state, &page, Some(viewer), &changed.seats, true, true).await?;
    let update = Update {
        message: Some(changed.message),
        csrf_token: ctx.layout.csrf.clone(),
        ..update
    };
    html_with_status(changed.status, update.render())
}

/// The swaps for `seats` (and, when asked, the standing areas and the viewer's basket) as
/// `viewer` sees them on `page`.
pub async fn render_update(
    state: &AppState,
    page: &MapPage,
    viewer: Option<UserId>,
    seats: &[SeatId],
    standing: bool,
    basket: bool,
) -> Result<Update, AppError> {
    let (event, scope, list) = (page.event_id, page.scope, page.list);
    let seats = seats.to_vec();
    crate::web::blocking(state, move |conn, clock| {
        let now = clock.now();
        let scope = match scope {
            Scope::Overview => seatmap::default_scope(conn, event)?,
            other => other,
        };
        let map_sections = if scope == Scope::Overview && !list {
            seatmap::overview_sections(conn, event, now)?
        } else {
            Vec::new()
        };
        let shown: Vec<SeatView> = match scope {
            Scope::Overview => Vec::new(),
            _ => seatmap::seats(conn, event, viewer, &seats, now)?
                .into_iter()
                .filter(|s| scope.section().is_none_or(|id| id == s.section_id))
                .collect(),
        };
        let standing = if standing {
            seatmap::standing(conn, event, now)?
        } else {
            Vec::new()
        };
        let basket = match (basket, viewer) {
            (true, Some(user)) => Some(seatmap::basket(conn, user, event, now)?),
            _ => None,
        };
        let on_sale = seatmap::on_sale(conn, event, now)?;
        Ok(Update {
            event_id: event,
            on_sale,
            list,
            seats: shown,
            sections: map_sections,
            standing,
            basket,
            message: None,
            csrf_token: String::new(),
        })
    })
    .await
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

/// The page an action was sent from, from its `section` and `view` fields.
pub(super) fn page_of(event: EventId, section: Option<&str>, view: Option<&str>) -> MapPage {
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

/// A click on the map or a button in the list: `hold` a seat, `release` one of the buyer's,
/// or `remove_line` (a standing line of the basket).
#[derive(Debug, Deserialize)]
struct SeatAction {
    hold: Option<String>,
    release: Option<String>,
    remove_line: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

enum Act {
    Hold(SeatId),
    Release(SeatId),
    RemoveLine(i64),
}

impl SeatAction {
    fn act(&self) -> Result<Act, Message> {
        let id = |raw: &str| raw.trim().parse::<i64>().ok().filter(|n| *n > 0);
        let bad = || Message {
            text: "That seat could not be read; reload the page and try again.".to_owned(),
            error: true,
        };
        match (&self.hold, &self.release, &self.remove_line) {
            (Some(s), None, None) => id(s).map(|n| Act::Hold(SeatId(n))).ok_or_else(bad),
            (None, Some(s), None) => id(s).map(|n| Act::Release(SeatId(n))).ok_or_else(bad),
            (None, None, Some(s)) => id(s).map(Act::RemoveLine).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
}

/// What a failed hold tells the buyer, the status, and the seats to redraw.
fn hold_refusal(e: HoldError, what: &str) -> Result<(StatusCode, Message, Vec<SeatId>), AppError> {
    let msg = |text: String| Message { text, error: true };
    Ok(match e {
        HoldError::EventNotFound => return Err(AppError::NotFound),
        HoldError::NotOnSale(state) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "Tickets for this event can't be bought now ({}).",
                state.label().to_lowercase()
            )),
            Vec::new(),
        ),
        HoldError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(errors.into_values().collect::<Vec<_>>().join(" ")),
            Vec::new(),
        ),
        HoldError::TooMany { max, already } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            msg(format!(
                "You can have at most {max} tickets in one order, and your basket already has {already}."
            )),
            Vec::new(),
        ),
        HoldError::Unavailable { seat_ids } => (
            StatusCode::CONFLICT,
            msg(format!(
                "Sorry, {what} was just taken by someone else. Nothing was added to your basket."
            )),
            seat_ids,
        ),
        HoldError::NotEnough { available } => (
            StatusCode::CONFLICT,
            msg(match available {
                0 => "Sorry, none are left.".to_owned(),
                n => format!("Sorry, not that many are left together: {n} available."),
            }),
            Vec::new(),
        ),
        HoldError::Db(e) => return Err(e.into()),
    })
}

/// How a seat is named in messages ("Stalls, row F, seat 12"), read before acting.
async fn seat_name(state: &AppState, event: EventId, seat: SeatId) -> Result<String, AppError> {
    let found = crate::web::blocking(state, move |conn, clock| {
        Ok(seatmap::seats(conn, event, None, &[seat], clock.now())?)
    })
    .await?;
    Ok(found
        .first()
        .map(|s| format!("{}, row {}, seat {}", s.section, s.row, s.number))
        .unwrap_or_else(|| "that seat".to_owned()))
}

#[post("/events/{id}/seats")]
async fn seat_action(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SeatAction>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let act = match form.act() {
        Ok(act) => act,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return answer(
                &state,
                &ctx,
                hx.0,
                page,
                viewer,
                Changed {
                    seats: Vec::new(),
                    message,
                    status,
                },
            )
            .await;
        }
    };
    let (db, live, now) = (state.db.clone(), state.live.clone(), state.clock.now());
    let hold_for = TimeDelta::seconds(i64::from(state.settings.hold_seconds));
    match act {
        Act::Hold(seat) => {
            let name = seat_name(&state, event, seat).await?;
            let request = HoldRequest::Seats(vec![seat]);
            let held =
                web::block(move || holds::hold(&db, &live, viewer, event, &request, hold_for, now))
                    .await?;
            match held {
                Ok(_) => {
                    let message = Message {
                        text: format!("{name} is in your basket."),
                        error: false,
                    };
                    let changed = Changed {
                        seats: vec![seat],
                        message,
                        status: StatusCode::OK,
                    };
                    answer(&state, &ctx, hx.0, page, viewer, changed).await
                }
                Err(e) => {
                    let (status, message, seats) = hold_refusal(e, &name)?;
                    let seats = if seats.is_empty() { vec![seat] } else { seats };
                    answer(
                        &state,
                        &ctx,
                        hx.0,
                        page,
                        viewer,
                        Changed {
                            seats,
                            message,
                            status,
                        },
                    )
                    .await
                }
            }
        }
        Act::Release(seat) => {
            let name = seat_name(&state, event, seat).await?;
            let released =
                web::block(move || holds::release_seat(&db, &live, viewer, event, seat, now))
                    .await??;
            let message = Message {
                text: if released {
                    format!("{name} was taken out of your basket.")
                } else {
                    format!("{name} was not in your basket.")
                },
                error: !released,
            };
            let changed = Changed {
                seats: vec![seat],
                message,
                status: StatusCode::OK,
            };
            answer(&state, &ctx, hx.0, page, viewer, changed).await
        }
        Act::RemoveLine(item) => {
            let released =
                web::block(move || holds::release_places(&db, &live, viewer, event, item, now))
                    .await??;
            let message = Message {
                text: if released {
                    "The standing tickets were taken out of your basket.".to_owned()
                } else {
                    "Those tickets were not in your basket.".to_owned()
                },
                error: !released,
            };
            let changed = Changed {
                seats: Vec::new(),
                message,
                status: StatusCode::OK,
            };
            answer(&state, &ctx, hx.0, page, viewer, changed).await
        }
    }
}

/// "Best available": N seats together, in one tier or any.
#[derive(Debug, Deserialize)]
struct BestForm {
    quantity: Option<String>,
    tier_id: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

#[post("/events/{id}/best")]
async fn best_available(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<BestForm>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let quantity = form
        .quantity
        .as_deref()
        .and_then(|q| q.trim().parse::<i32>().ok());
    let tier = match form.tier_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse::<i64>().map(|t| Some(TierId(t))),
    };
    let (Some(quantity), Ok(tier)) = (quantity, tier) else {
        let message = Message {
            text: "Choose how many seats you want (a number) and a price.".to_owned(),
            error: true,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return answer(
            &state,
            &ctx,
            hx.0,
            page,
            viewer,
            Changed {
                seats: Vec::new(),
                message,
                status,
            },
        )
        .await;
    };
    let (db, live, now) = (state.db.clone(), state.live.clone(), state.clock.now());
    let hold_for = TimeDelta::seconds(i64::from(state.settings.hold_seconds));
    let before = basket_seats(&state, viewer, event).await?;
    let request = HoldRequest::BestAvailable { quantity, tier };
    let held =
        web::block(move || holds::hold(&db, &live, viewer, event, &request, hold_for, now)).await?;
    match held {
        Ok(_) => {
            let after = basket_seats(&state, viewer, event).await?;
            let new: Vec<SeatId> = after.into_iter().filter(|s| !before.contains(s)).collect();
            let message = Message {
                text: match new.len() {
                    1 => "We found you a seat; it is in your basket.".to_owned(),
                    n => format!("We found you {n} seats together; they are in your basket."),
                },
                error: false,
            };
            let changed = Changed {
                seats: new,
                message,
                status: StatusCode::OK,
            };
            answer(&state, &ctx, hx.0, page, viewer, changed).await
        }
        Err(e) => {
            let (status, message, seats) = hold_refusal(e, "a seat we chose")?;
            answer(
                &state,
                &ctx,
                hx.0,
                page,
                viewer,
                Changed {
                    seats,
                    message,
                    status,
                },
            )
            .await
        }
    }
}

async fn basket_seats(
    state: &AppState,
    viewer: UserId,
    event: EventId,
) -> Result<Vec<SeatId>, AppError> {
    crate::web::blocking(state, move |conn, clock| {
        Ok(seatmap::basket(conn, viewer, event, clock.now())?.seat_ids())
    })
    .await
}

#[derive(Debug, Deserialize)]
struct StandingForm {
    section_id: Option<String>,
    quantity: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

#[post("/events/{id}/standing")]
async fn hold_standing(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StandingForm>,
    ctx: PageContext,
    hx: HxRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let number = |v: &Option<String>| v.as_deref().and_then(|q| q.trim().parse::<i64>().ok());
    let (Some(section), Some(quantity)) = (
        number(&form.section_id),
        number(&form.quantity).and_then(|q| i32::try_from(q).ok()),
    ) else {
        let message = Message {
            text: "Choose how many standing tickets you want (a number).".to_owned(),
            error: true,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return answer(
            &state,
            &ctx,
            hx.0,
            page,
            viewer,
            Changed {
                seats: Vec::new(),
                message,
                status,
            },
        )
        .await;
    };
    let (db, live, now) = (state.db.clone(), state.live.clone(), state.clock.now());
    let hold_for = TimeDelta::seconds(i64::from(state.settings.hold_seconds));
    let request = HoldRequest::Standing {
        section: SectionId(section),
        quantity,
    };
    let held =
        web::block(move || holds::hold(&db, &live, viewer, event, &request, hold_for, now)).await?;
    match held {
        Ok(_) => {
            let message = Message {
                text: match quantity {
                    1 => "A standing ticket is in your basket.".to_owned(),
                    n => format!("{n} standing tickets are in your basket."),
                },
                error: false,
            };
            let changed = Changed {
                seats: Vec::new(),
                message,
                status: StatusCode::OK,
            };
            answer(&state, &ctx, hx.0, page, viewer, changed).await
        }
        Err(e) => {
            let (status, message, seats) = hold_refusal(e, "that")?;
            answer(
                &state,
                &ctx,
                hx.0,
                page,
                viewer,
                Changed {
                    seats,
                    message,
                    status,
                },
            )
            .await
        }
    }
}

/// The basket panel alone: the page asks for it when its countdown reaches zero. A basket that
/// ran out comes with its seats redrawn as free.
#[get("/events/{id}/basket")]
async fn basket_panel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, query.section(), query.view.as_deref());
    let Some(viewer) = ctx.layout.user.as_ref().map(|u| u.id) else {
        let update = Update {
            event_id: event,
            on_sale: false,
            list: page.list,
            seats: Vec::new(),
            sections: Vec::new(),
            standing: Vec::new(),
            basket: Some(Basket::Empty),
            message: None,
            csrf_token: ctx.layout.csrf.clone(),
        };
        return super::html(update.render());
    };
    let expired = crate::web::blocking(&state, move |conn, clock| {
        Ok(seatmap::expired_basket_seats(
            conn,
            viewer,
            event,
            clock.now(),
        )?)
    })
    .await?;
    let update = render_update(&state, &page, Some(viewer), &expired, false, true).await?;
    let update = Update {
        csrf_token: ctx.layout.csrf.clone(),
        ..update
    };
    super::html(update.render())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show)
        .service(seat_action)
        .service(best_available)
        .service(hold_standing)
        .service(basket_panel);
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

    #[test]
    fn an_action_names_exactly_one_thing_to_do() {
        let form = |hold: Option<&str>, release: Option<&str>| SeatAction {
            hold: hold.map(str::to_owned),
            release: release.map(str::to_owned),
            remove_line: None,
            section: None,
            view: None,
        };
        assert!(matches!(
            form(Some("5"), None).act(),
            Ok(Act::Hold(SeatId(5)))
        ));
        assert!(matches!(
            form(None, Some("5")).act(),
            Ok(Act::Release(SeatId(5)))
        ));
        assert!(form(Some("5"), Some("6")).act().is_err());
        assert!(form(Some("x"), None).act().is_err());
        assert!(form(Some("-3"), None).act().is_err());
        assert!(form(None, None).act().is_err());
    }
}
