//! `/events/{id}/live`: the seat map's server-sent events (ARCHITECTURE §5). Each viewer gets
//! out-of-band swaps of just what changed, drawn for them (their own seats show as theirs) and
//! for the part of the venue their page shows. The changed seats are read once per change for
//! all viewers (`live::Published`). A viewer that falls behind, or comes back after losing the
//! connection, is told to refresh its map.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, ContentEncoding, RETRY_AFTER};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{MapPage, PageQuery, Update, page_of, parse_event};
use crate::domain::ids::{BookingId, EventId, SeatId, UserId};
use crate::live::{Published, SlotRefused, StreamSlot};
use crate::services::seatmap::{self, Basket, Scope, Snapshot};
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::state::AppState;

/// A comment this often keeps proxies from closing a quiet stream and notices a viewer who left.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting.
const RETRY_MS: u32 = 2_000;

#[get("/events/{id}/live")]
async fn live(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    ctx: PageContext,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    // A place among the open streams first (issue 16): refused clearly when this client or the
    // server has as many open as it takes; freed when the stream ends.
    let slot = match acquire_slot(&state, &req) {
        Ok(slot) => slot,
        Err(refused) => return Ok(refuse(refused)),
    };
    let mut page = page_of(event, query.section(), query.view.as_deref());
    let viewer = ctx.layout.user.as_ref().map(|u| u.id);
    // Subscribe before reading the basket, so no change falls between the two.
    let rx = state.live.subscribe(event);
    let (mine, scope) = basket_and_scope(&state, event, page.scope, viewer).await?;
    page.scope = scope;
    // A browser reconnecting by itself says which message it saw last: it may have missed some.
    let reconnected = req.headers().contains_key("Last-Event-ID");
    let csrf = ctx.layout.csrf.clone();
    let stream = Stream::new(state, page, viewer, csrf, rx, mine, reconnected, slot);
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
            let public =
                crate::db::catalogue::public_event(conn, event).map_err(AppError::internal)?;
            if public.is_none() {
                return Err(AppError::NotFound);
            }
            let scope = match requested {
                Scope::Overview => seatmap::default_scope(conn, event)?,
                other => other,
            };
            let basket = match viewer {
                Some(user) => seatmap::basket(conn, user, event, now)?,
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

/// One server-sent event; `data` may span lines.
fn message(id: u64, event: &str, data: &str) -> Bytes {
    let mut out = format!("id: {id}\nevent: {event}\n");
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// One viewer's stream.
struct Stream {
    state: web::Data<AppState>,
    page: MapPage,
    viewer: Option<UserId>,
    csrf: String,
    rx: broadcast::Receiver<Arc<Published>>,
    /// The viewer's pending booking and its seats, as last drawn.
    basket: Option<BookingId>,
    mine: Vec<SeatId>,
    has_basket: bool,
    sent: u64,
    pending: VecDeque<Bytes>,
    /// This stream's place among the open ones, freed when the stream is dropped.
    _slot: StreamSlot,
}

impl Stream {
    /// A viewer's stream: first how long to wait before reconnecting, then (when the browser
    /// came back by itself) a refresh, then the changes.
    #[expect(
        clippy::too_many_arguments,
        reason = "one viewer's stream has this many parts"
    )]
    fn new(
        state: web::Data<AppState>,
        page: MapPage,
        viewer: Option<UserId>,
        csrf: String,
        rx: broadcast::Receiver<Arc<Published>>,
        mine: Basket,
        reconnected: bool,
        slot: StreamSlot,
    ) -> Self {
        let mut pending = VecDeque::new();
        pending.push_back(Bytes::from(format!("retry: {RETRY_MS}\n\n")));
        if reconnected {
            pending.push_back(message(0, "refresh", "reconnected"));
        }
        Stream {
            state,
            page,
            viewer,
            csrf,
            rx,
            basket: mine.booking_id(),
            mine: mine.seat_ids(),
            has_basket: mine.live().is_some(),
            sent: 0,
            pending,
            _slot: slot,
        }
    }

    /// The next bytes to send; `None` ends the stream (the server is stopping).
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(first) = self.pending.pop_front() {
            return Some(first);
        }
        loop {
            let received = actix_web::rt::time::timeout(KEEPALIVE, self.rx.recv()).await;
            let published = match received {
                Err(_) => return Some(Bytes::from_static(b": keepalive\n\n")),
                Ok(Err(RecvError::Closed)) => return None,
                Ok(Err(RecvError::Lagged(_))) => {
                    self.sent += 1;
                    return Some(message(self.sent, "refresh", "lagged"));
                }
                Ok(Ok(published)) => published,
            };
            match self.render(published).await {
                Ok(None) => continue,
                Ok(Some(html)) => {
                    self.sent += 1;
                    return Some(message(self.sent, "update", &html));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a live update could not be drawn; the viewer refreshes");
                    self.sent += 1;
                    return Some(message(self.sent, "refresh", "error"));
                }
            }
        }
    }

    /// The swaps this viewer needs for one change, if any.
    async fn render(&mut self, published: Arc<Published>) -> Result<Option<String>, AppError> {
        let (version, snapshot) = shared_snapshot(&self.state, published.clone()).await?;
        let change = &published.change;
        let (scope, list) = (self.page.scope, self.page.list);
        let viewer = self.viewer;
        let now = self.state.clock.now();
        let sections = if scope == Scope::Overview && !list {
            snapshot.sections.clone()
        } else {
            Vec::new()
        };
        let standing = if change.standing {
            snapshot.standing()
        } else {
            Vec::new()
        };
        // The viewer's basket changed if one of its seats did, if they now hold a changed seat
        // (another tab), or if standing places moved while they have a basket.
        let basket_touched = viewer.is_some_and(|v| {
            snapshot.seats.held_by(v)
                || change.seats.iter().any(|s| self.mine.contains(s))
                || (change.standing && self.has_basket)
        });
        let basket = match (basket_touched, viewer) {
            (true, Some(user)) => {
                let event = self.page.event_id;
                let basket = self
                    .state
                    .read(move |conn, now| Ok(seatmap::basket(conn, user, event, now)?))
                    .await?;
                self.basket = basket.booking_id();
                self.mine = basket.seat_ids();
                self.has_basket = basket.live().is_some();
                Some(basket)
            }
            _ => None,
        };
        // After the basket, so seats the viewer just took in another tab show as theirs.
        let seats = match scope {
            Scope::Overview => Vec::new(),
            _ => snapshot.seats.for_viewer(self.basket, scope.section(), now),
        };
        if seats.is_empty() && sections.is_empty() && standing.is_empty() && basket.is_none() {
            return Ok(None);
        }
        let update = Update {
            event_id: self.page.event_id,
            on_sale: snapshot.on_sale,
            list,
            seats,
            sections,
            standing,
            basket,
            message: None,
            csrf_token: self.csrf.clone(),
            v: version,
        };
        Ok(Some(update.render().map_err(AppError::internal)?))
    }
}

/// The change's seats and sections, read by the first viewer that needs them and kept for the
/// rest.
async fn shared_snapshot(
    state: &AppState,
    published: Arc<Published>,
) -> Result<(u64, Arc<Snapshot>), AppError> {
    let hub = state.live.clone();
    let snapshot = state
        .run(move |db, now| {
            published
                .snapshot
                .get_or_init(|| {
                    let change = &published.change;
                    let version = hub.version();
                    db.read(|c| seatmap::snapshot(c, change.event, &change.seats, now))
                        .map_err(|e| tracing::warn!(error = %e, "reading a live change failed"))
                        .ok()
                        .map(|s| (version, Arc::new(s)))
                })
                .clone()
        })
        .await?;
    snapshot.ok_or_else(|| AppError::internal("the live change could not be read"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(live);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_puts_every_line_of_html_in_its_own_data_field() {
        let m = message(3, "update", "<svg>\n<circle/>\n\n</svg>\n");
        assert_eq!(
            m,
            Bytes::from("id: 3\nevent: update\ndata: <svg>\ndata: <circle/>\ndata: </svg>\n\n")
        );
    }
}
