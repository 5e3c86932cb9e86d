//! One viewer's live stream: the batches of changes as every viewer of its part of the venue
//! sees them (drawn once per batch and audience, the same bytes for all), then, only when a
//! batch concerns this viewer's basket, a small message of its own (the basket and the
//! viewer's changed seats drawn as theirs).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use actix_web::web::Bytes;
use askama::Template;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::domain::ids::{BookingId, SeatId, UserId};
use crate::services::live::{Audience, CatchUp, Published, StreamSlot, Subscription};
use crate::services::seatmap::{self, Scope, Snapshot};
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::{self, Basket};
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
    /// Batches the page missed between being drawn and opening this stream.
    replay: VecDeque<Arc<Published>>,
    /// The viewer's pending booking and its seats, as last drawn.
    basket: Option<BookingId>,
    mine: Vec<SeatId>,
    pending: VecDeque<Bytes>,
    /// This stream's place among the open ones, freed when the stream is dropped.
    _slot: StreamSlot,
}

impl Stream {
    /// A viewer's stream: first how long to wait before reconnecting, then (when the browser
    /// came back by itself, or the page missed more than is kept) a refresh, then what the
    /// page missed, then the changes.
    #[expect(
        clippy::too_many_arguments,
        reason = "one viewer's stream has this many parts"
    )]
    pub(super) fn new(
        state: web::Data<AppState>,
        page: MapPage,
        viewer: Option<UserId>,
        csrf: String,
        subscription: Subscription,
        mine: Basket,
        reconnected: bool,
        slot: StreamSlot,
    ) -> Self {
        let mut pending = VecDeque::new();
        pending.push_back(Bytes::from(format!("retry: {RETRY_MS}\n\n")));
        let version = state.live.version();
        let mut replay = VecDeque::new();
        match subscription.catch_up {
            _ if reconnected => pending.push_back(message(version, "refresh", "reconnected")),
            CatchUp::Refresh => pending.push_back(message(version, "refresh", "missed")),
            CatchUp::Replay(missed) => replay.extend(missed),
            CatchUp::Nothing => {}
        }
        Stream {
            state,
            page,
            viewer,
            csrf,
            rx: subscription.rx,
            replay,
            basket: mine.booking_id(),
            mine: mine.seat_ids(),
            pending,
            _slot: slot,
        }
    }

    /// The next bytes to send; `None` ends the stream (the server is stopping).
    pub(super) async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(first) = self.pending.pop_front() {
                return Some(first);
            }
            let published = match self.replay.pop_front() {
                Some(missed) => missed,
                None => match actix_web::rt::time::timeout(KEEPALIVE, self.rx.recv()).await {
                    Err(_) => return Some(Bytes::from_static(b": keepalive\n\n")),
                    Ok(Err(RecvError::Closed)) => return None,
                    Ok(Err(RecvError::Lagged(_))) => {
                        // Too far behind: draw the map again rather than catch up.
                        return Some(message(self.state.live.version(), "refresh", "lagged"));
                    }
                    Ok(Ok(published)) => published,
                },
            };
            if let Err(e) = self.deliver(&published).await {
                tracing::warn!(error = %e, "a live update could not be drawn; the viewer refreshes");
                return Some(message(published.through, "refresh", "error"));
            }
        }
    }

    /// Queues what this viewer is sent for one batch: the audience's shared message, then its
    /// own, if the batch concerns its basket.
    async fn deliver(&mut self, published: &Arc<Published>) -> Result<(), AppError> {
        let audience = Audience {
            scope: self.page.scope,
            list: self.page.list,
        };
        let cell = published.rendered(audience);
        // Most viewers find the message drawn already: no snapshot, no database, no drawing.
        let shared = match cell.get() {
            Some(drawn) => drawn.clone(),
            None => cell
                .get_or_try_init(|| async {
                    let (version, snapshot) =
                        shared_snapshot(&self.state, published.clone()).await?;
                    let event = self.page.event_id;
                    let update =
                        everyone(event, audience, published, &snapshot, version, &self.state);
                    let html = update.render().map_err(AppError::internal)?;
                    Ok::<_, AppError>(
                        (!html.trim().is_empty())
                            .then(|| message(published.through, "update", &html)),
                    )
                })
                .await?
                .clone(),
        };
        if let Some(bytes) = shared {
            self.pending.push_back(bytes);
        }
        if self.viewer.is_some() {
            let (version, snapshot) = shared_snapshot(&self.state, published.clone()).await?;
            if let Some(own) = self.own(published, &snapshot, version).await? {
                self.pending
                    .push_back(message(published.through, "update", &own));
            }
        }
        Ok(())
    }

    /// This viewer's basket and its changed seats drawn as theirs, when the batch concerns
    /// them: a seat of theirs changed, they now hold a changed seat (another tab), or one of
    /// the changed bookings is theirs.
    async fn own(
        &mut self,
        published: &Published,
        snapshot: &Snapshot,
        version: u64,
    ) -> Result<Option<String>, AppError> {
        let change = &published.change;
        let Some(user) = self.viewer else {
            return Ok(None);
        };
        let touched = snapshot.seats.touches(user)
            || change.seats.iter().any(|s| self.mine.contains(s))
            || self.basket.is_some_and(|b| change.bookings.contains(&b));
        if !touched {
            return Ok(None);
        }
        let event = self.page.event_id;
        let basket = self
            .state
            .read(move |conn, now| Ok(view::basket(conn, user, event, now)?))
            .await?;
        self.basket = basket.booking_id();
        let was = std::mem::replace(&mut self.mine, basket.seat_ids());
        let now = self.state.clock.now();
        // The seats that are theirs now or were a moment ago, as they see them.
        let seats = match self.page.scope {
            Scope::Overview => Vec::new(),
            scope => view::changed(&snapshot.seats, self.basket, scope.section(), now)
                .into_iter()
                .filter(|s| self.mine.contains(&s.id) || was.contains(&s.id))
                .collect(),
        };
        let update = Update {
            event_id: event,
            on_sale: snapshot.on_sale,
            list: self.page.list,
            seats,
            sections: Vec::new(),
            standing: Vec::new(),
            named: Vec::new(),
            basket: Some(basket),
            message: None,
            csrf_token: self.csrf.clone(),
            v: version,
        };
        Ok(Some(update.render().map_err(AppError::internal)?))
    }
}

/// A batch as every viewer of `audience` sees it: the changed seats in their part of the
/// venue (or, on the overview, the sections they are in and their ids), and what is left of
/// the standing areas when places moved.
fn everyone(
    event: crate::domain::ids::EventId,
    audience: Audience,
    published: &Published,
    snapshot: &Snapshot,
    version: u64,
    state: &AppState,
) -> Update {
    let change = &published.change;
    let now = state.clock.now();
    let Audience { scope, list } = audience;
    let sections = if scope == Scope::Overview && !list {
        let touched: std::collections::HashSet<_> = snapshot.seats.sections().collect();
        view::sections_of(&snapshot.sections)
            .into_iter()
            .filter(|s| touched.contains(&s.id) || (change.standing && s.standing))
            .collect()
    } else {
        Vec::new()
    };
    let standing = if change.standing {
        view::standing_of(&snapshot.sections)
    } else {
        Vec::new()
    };
    let (seats, named) = match scope {
        Scope::Overview => (Vec::new(), change.seats.clone()),
        _ => (
            view::changed(&snapshot.seats, None, scope.section(), now),
            Vec::new(),
        ),
    };
    Update {
        event_id: event,
        on_sale: snapshot.on_sale,
        list,
        seats,
        sections,
        standing,
        named,
        basket: None,
        message: None,
        csrf_token: String::new(),
        v: version,
    }
}

/// The batch's seats and sections, read by the first viewer that needs them and kept for the
/// rest.
async fn shared_snapshot(
    state: &AppState,
    published: Arc<Published>,
) -> Result<(u64, Arc<Snapshot>), AppError> {
    if let Some(read) = published.snapshot.get() {
        return read
            .clone()
            .ok_or_else(|| AppError::internal("the live change could not be read"));
    }
    let hub = state.live.clone();
    let snapshot = state
        .run(move |db, now| {
            published
                .snapshot
                .get_or_init(|| {
                    let change = &published.change;
                    let version = hub.version();
                    db.read(|c| {
                        seatmap::snapshot(c, change.event, &change.seats, &change.bookings, now)
                    })
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
