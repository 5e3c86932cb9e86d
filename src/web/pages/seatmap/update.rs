//! What an action (or the live stream) sends back: out-of-band swaps of the seats as the page
//! draws them, the overview's sections, what is left of the standing areas, the viewer's
//! basket, and a message.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::MapPage;
use crate::domain::ids::{EventId, SeatId, UserId};
use crate::services::seatmap::{self, Scope};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::pages::accounts::see_other;
use crate::web::pages::html_with_status;
use crate::web::pages::seatmap::view::{self, Basket, SeatView, SectionView, StandingView};
use crate::web::session;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "seats/_update.html")]
pub struct Update {
    pub event_id: EventId,
    pub on_sale: bool,
    pub list: bool,
    pub seats: Vec<SeatView>,
    pub sections: Vec<SectionView>,
    pub standing: Vec<StandingView>,
    /// Changed seats a page does not draw (the overview), named for tools that follow the
    /// stream (`data-seat-id`); not swapped into the page.
    pub named: Vec<SeatId>,
    pub basket: Option<Basket>,
    pub message: Option<Message>,
    /// For the basket's forms (browsers without JavaScript).
    pub csrf_token: String,
    /// The live version read before the database (`crate::services::live::LiveHub` on versions).
    pub v: u64,
}

/// A message for the page's message area.
#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

impl Message {
    pub fn ok(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            error: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            error: true,
        }
    }
}

/// What an action changed: the seats to redraw, what to tell the buyer, and the status.
pub struct Changed {
    pub seats: Vec<SeatId>,
    pub message: Message,
    pub status: StatusCode,
}

impl Changed {
    pub fn ok(seats: Vec<SeatId>, message: Message) -> Self {
        Changed {
            seats,
            message,
            status: StatusCode::OK,
        }
    }

    /// Input that could not be read: nothing changed.
    pub fn unreadable(text: &str) -> Self {
        Changed {
            seats: Vec::new(),
            message: Message::error(text),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// The answer to an action: for htmx the swaps, otherwise back to the page with a notice.
pub async fn answer(
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
    let v = state.live.version();
    state
        .read(move |conn, now| {
            let scope = match scope {
                Scope::Overview => seatmap::default_scope(conn, event)?,
                other => other,
            };
            let map_sections = if scope == Scope::Overview && !list {
                view::overview_sections(conn, event, now)?
            } else {
                Vec::new()
            };
            let shown: Vec<SeatView> = match scope {
                Scope::Overview => Vec::new(),
                _ => view::seats(conn, event, viewer, &seats, now)?
                    .into_iter()
                    .filter(|s| scope.section().is_none_or(|id| id == s.section_id))
                    .collect(),
            };
            let standing = if standing {
                view::standing(conn, event, now)?
            } else {
                Vec::new()
            };
            let basket = match (basket, viewer) {
                (true, Some(user)) => Some(view::basket(conn, user, event, now)?),
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
                named: Vec::new(),
                basket,
                message: None,
                csrf_token: String::new(),
                v,
            })
        })
        .await
}
