//! `/events/{id}/live`: the seat map's server-sent events (ARCHITECTURE §5). Each viewer gets,
//! a few times a second, out-of-band swaps of just what changed in the part of the venue their
//! page shows: drawn once per batch for everyone who sees that part (`live::Published`), and a
//! small message of its own when a batch concerns the viewer's basket (their seats show as
//! theirs). A page says which version it was drawn at (`?v=`) and first gets what it missed.
//! A viewer that falls behind, or comes back after losing the connection, is told to refresh
//! its map.

use std::convert::Infallible;

use actix_web::http::header::{CACHE_CONTROL, ContentEncoding, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{PageQuery, page_of, parse_event};
use crate::domain::ids::{EventId, UserId};
use crate::services::live::{SlotRefused, StreamSlot};
use crate::services::seatmap::{self, Scope};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::{self, Basket};
use crate::web::state::AppState;

mod stream;

use stream::Stream;

#[get("/events/{id}/live")]
async fn live(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    // The waiting room's gate (§3.9, check C6): with the room on, only admitted buyers (and
    // admins) watch the map live.
    if crate::web::queue_gate::check(&state, &req, event, ctx.layout.user.as_ref(), true).is_err() {
        return Err(AppError::ForbiddenBecause(
            [("queue", crate::web::error::NOT_ADMITTED.to_owned())]
                .into_iter()
                .collect(),
        ));
    }
    // A place among the open streams first (issue 16): refused clearly when this client or the
    // server has as many open as it takes; freed when the stream ends.
    let slot = match acquire_slot(&state, &req) {
        Ok(slot) => slot,
        Err(refused) => return Ok(refuse(refused)),
    };
    let mut page = page_of(event, query.section(), query.view.as_deref());
    let viewer = ctx.layout.user.as_ref().map(|u| u.id);
    // Subscribe before reading the basket, so no change falls between the two; with what the
    // page missed since it was drawn (`?v=`).
    let subscription = state.live.subscribe(event, query.v);
    let (mine, scope) = basket_and_scope(&state, event, page.scope, viewer).await?;
    page.scope = scope;
    // A browser reconnecting by itself says which message it saw last: it may have missed some.
    let reconnected = req.headers().contains_key("Last-Event-ID");
    let csrf = ctx.layout.csrf.clone();
    let stream = Stream::new(
        state,
        page,
        viewer,
        csrf,
        subscription,
        mine,
        reconnected,
        slot,
    );
    Ok(event_stream(stream))
}

/// This client's place among the open streams, within the settings' limits.
fn acquire_slot(state: &AppState, req: &HttpRequest) -> Result<StreamSlot, SlotRefused> {
    let settings = &state.settings;
    state.live.slots.acquire(
        &crate::web::rate_limit::client_ip(req),
        settings.live_streams_per_client as usize,
        settings.live_streams_total as usize,
    )
}

/// The viewer's basket and the part of the venue the stream draws (the venue's default when
/// the page shows the overview); 404 for an event the public cannot see.
async fn basket_and_scope(
    state: &AppState,
    event: EventId,
    requested: Scope,
    viewer: Option<UserId>,
) -> Result<(Basket, Scope), AppError> {
    state
        .read(move |conn, now| {
            if !crate::services::catalogue::is_public(conn, event)? {
                return Err(AppError::NotFound);
            }
            let scope = match requested {
                Scope::Overview => seatmap::default_scope(conn, event)?,
                other => other,
            };
            let basket = match viewer {
                Some(user) => view::basket(conn, user, event, now)?,
                None => Basket::Empty,
            };
            Ok((basket, scope))
        })
        .await
}

/// The streaming response for one viewer.
fn event_stream(stream: Stream) -> HttpResponse {
    let body = futures_util::stream::unfold(stream, |mut s| async move {
        let next = s.next().await?;
        Some((Ok::<_, Infallible>(next), s))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((CACHE_CONTROL, "no-cache"))
        // Compression would hold messages back until a buffer fills.
        .insert_header(ContentEncoding::Identity)
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

/// How long a refused client should wait before trying again.
const REFUSED_RETRY_AFTER_SECONDS: u32 = 30;

/// A refused stream: 429 when this client has its share open, 503 when the server is full;
/// a problem document and `Retry-After`. The browser's `EventSource` stops on either and the
/// page keeps working without live updates.
fn refuse(refused: SlotRefused) -> HttpResponse {
    let (status, title, detail) = match refused {
        SlotRefused::Client => (
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "Too many live seat maps are open from your address; close some and try again.",
        ),
        SlotRefused::Full => (
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable",
            "Too many live seat maps are open; try again shortly.",
        ),
    };
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .insert_header((RETRY_AFTER, REFUSED_RETRY_AFTER_SECONDS.to_string()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body.to_string())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(live);
}
