//! One viewer's live stream: what it has drawn, and the swaps it sends for each change.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use actix_web::web::Bytes;
use askama::Template;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::domain::ids::{BookingId, SeatId, UserId};
use crate::services::live::{Published, StreamSlot};
use crate::services::seatmap::{self, Basket, Scope, Snapshot};
use crate::web::error::AppError;
use crate::web::pages::seatmap::{MapPage, Update};
use crate::web::state::AppState;

/// A comment this often keeps proxies from closing a quiet stream and notices a viewer who left.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting.
const RETRY_MS: u32 = 2_000;

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
pub(super) struct Stream {
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
    pub(super) fn new(
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
    pub(super) async fn next(&mut self) -> Option<Bytes> {
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
