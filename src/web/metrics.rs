//! Issue 21's `GET /metrics`: the HTTP figures every request adds (a middleware of the public
//! app), and the metrics listener's own little app (`BOXOFFICE_METRICS_BIND`), which answers
//! only `GET /metrics` and never shares the public port.

use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web::{self, Data};
use actix_web::{App, Error, HttpResponse, HttpServer};

use super::error::AppError;
use super::state::AppState;

/// Counts every request by method, route pattern (`req.match_pattern()`, never the path as
/// sent) and status class, and times it, except a live stream (an event stream's "latency" is
/// how long someone watched).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req
        .app_data::<Data<AppState>>()
        .map(|state| state.db.metrics().clone());
    let method = req.method().clone();
    let route = req.match_pattern();
    let started = Instant::now();
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let (status, timed) = match &res {
            Ok(res) => (res.status(), !is_event_stream(res.headers())),
            Err(e) => (e.as_response_error().status_code(), true),
        };
        metrics.http_request(
            method.as_str(),
            route.as_deref(),
            status.as_u16(),
            started.elapsed(),
            timed,
        );
    }
    res
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// The metrics listener: one worker thread, `GET /metrics` and nothing else.
pub fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = Data::new(state);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .shutdown_timeout(5)
    .listen(listener)?
    .run())
}

/// The figures read now (on the blocking pool), then every metric as OpenMetrics text.
async fn scrape(state: Data<AppState>) -> Result<HttpResponse, AppError> {
    let (live, board) = (state.live.clone(), state.queue.clone());
    let text = state
        .run(move |db, now| {
            let figures = crate::services::observe::figures(db, &live, &board, now);
            db.metrics().scrape(&figures)
        })
        .await?
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}
