//! `GET /healthz` (the process runs) and `GET /readyz` (the app can serve writes).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use crate::db::{DbError, health};
use crate::web::state::AppState;

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// A busy pool is not a reason to leave the load balancer: when every connection is in use but
/// a write succeeded this recently (and none failed since), the app is ready.
const BUSY_GRACE: Duration = Duration::from_secs(30);

/// Ready when a small write (the heartbeat row) commits: a database that answers reads but
/// cannot write (full disk, read-only files) is not ready. While the database is known to be
/// down (the circuit breaker is open) the answer is 503 at once.
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.health().is_open() {
        return unavailable("database unavailable");
    }
    let outcome = state
        .write(move |c, now| health::beat(c, now).map_err(DbError::Query))
        .await;
    let health = state.db.health();
    match outcome {
        Ok(Ok(())) => {
            health.write_succeeded();
            HttpResponse::Ok().content_type("text/plain").body("ready")
        }
        Ok(Err(e)) if e.is_pool_busy() && health.wrote_recently(BUSY_GRACE) => HttpResponse::Ok()
            .content_type("text/plain")
            .body("ready (busy)"),
        Ok(Err(e @ (DbError::Pool(_) | DbError::Down))) => {
            tracing::warn!(error = %e, "not ready: no database connection");
            unavailable("database unavailable")
        }
        Ok(Err(e)) => {
            health.write_failed();
            tracing::warn!(error = %e, "not ready: the database refuses writes");
            unavailable("database cannot write")
        }
        Err(_) => unavailable("database unavailable"),
    }
}

/// 503 saying why.
fn unavailable(why: &'static str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body(why)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
