//! `GET /events/{id}/basket`: the basket panel, asked for when its countdown ends.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::domain::ids::EventId;
use crate::services::seatmap;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::pages::seatmap::update::{Update, render_update};
use crate::web::pages::seatmap::view::Basket;
use crate::web::pages::seatmap::{PageQuery, page_of, parse_event};
use crate::web::state::AppState;

/// The basket panel alone: the page asks for it when its countdown reaches zero. A basket that
/// ran out comes with its seats redrawn as free.
#[get("/events/{id}/basket")]
pub(super) async fn basket_panel(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, query.section(), query.view.as_deref());
    let csrf_token = ctx.layout.csrf.clone();
    let Some(viewer) = ctx.layout.user.as_ref().map(|u| u.id) else {
        let update = empty_basket(event, page.list, csrf_token, state.live.version());
        return crate::web::pages::html(update.render());
    };
    let expired = state
        .read(move |conn, now| Ok(seatmap::expired_basket_seats(conn, viewer, event, now)?))
        .await?;
    let update = render_update(&state, &page, Some(viewer), &expired, false, true).await?;
    crate::web::pages::html(
        Update {
            csrf_token,
            ..update
        }
        .render(),
    )
}

/// The panel for a visitor who is not signed in: an empty basket.
fn empty_basket(event: EventId, list: bool, csrf_token: String, v: u64) -> Update {
    Update {
        event_id: event,
        on_sale: false,
        list,
        seats: Vec::new(),
        sections: Vec::new(),
        standing: Vec::new(),
        named: Vec::new(),
        basket: Some(Basket::Empty),
        message: None,
        csrf_token,
        v,
    }
}
