//! Wiring: builds the app from settings; `cargo run` and the tests start the same thing.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::services::setup::{self, SetupError, SetupReport};
use crate::telemetry::RequestSpan;
use crate::web;
use crate::worker::{Worker, WorkerHandle};

/// How long shutdown waits for the worker to finish the job in hand (an SMTP attempt is at
/// most a few timeouts long).
const WORKER_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

pub use crate::web::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener (`BOXOFFICE_METRICS_BIND`), when one is configured.
    metrics: Option<MetricsListener>,
    worker: Option<WorkerHandle>,
    pub state: AppState,
    pub report: SetupReport,
}

/// The metrics listener's port and server (`web::metrics`).
struct MetricsListener {
    port: u16,
    server: Server,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Secret(#[from] crate::secret::SecretError),
    #[error("cannot prepare password hashing: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailConfigError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    #[error("cannot start the live relay's threads: {0}")]
    Relay(std::io::Error),
}

impl Application {
    /// Connects, migrates, seeds and binds. Port 0 picks a free port (tests).
    pub fn build(settings: Settings, clock: Clock) -> Result<Application, StartError> {
        let db = Db::connect(&settings.database_url, settings.pool_size)
            .map_err(|e| StartError::Setup(e.into()))?
            .with_checkout(std::time::Duration::from_millis(u64::from(
                settings.db_checkout_ms,
            )));
        let report = setup::prepare(&db, &settings, &clock)?;
        let secret =
            crate::secret::load_or_create(settings.secret_key.as_deref(), &settings.data_dir)?;
        let dummy_hash =
            bcrypt::non_truncating_hash(crate::secret::dummy_password(), settings.bcrypt_cost)?;
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let port = listener.local_addr().map_err(|source| StartError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        // Port 0 (tests) was just chosen: the default base and webhook URLs point at it.
        let mut settings = settings;
        for url in [&mut settings.base_url, &mut settings.gateway_webhook_url] {
            if url.port() == Some(0) {
                let _ = url.set_port(Some(port.port()));
            }
        }
        let live = Arc::new(crate::services::live::LiveHub::with_tick(
            std::time::Duration::from_millis(u64::from(settings.live_tick_ms)),
        ));
        // On PostgreSQL, live changes reach every instance of the deployment (issue 19).
        if let (crate::config::DatabaseUrl::Postgres(url), true) =
            (&settings.database_url, settings.live_relay)
        {
            live.relay_through(url).map_err(StartError::Relay)?;
        }
        let worker =
            Worker::from_settings(db.clone(), clock.clone(), &settings, live.clone(), &secret)?;
        let mut limits = crate::web::rate_limit::RateLimits::new(&clock, settings.holds_per_minute)
            .with_address_limits(
                settings.signups_per_address_per_hour,
                settings.logins_per_address_per_hour,
            )
            .with_login_slowdown(std::time::Duration::from_millis(u64::from(
                settings.login_slowdown_ms,
            )))
            .with_metrics(db.metrics().clone());
        // On PostgreSQL the limits hold for the whole deployment, not per instance (issue 19).
        if let crate::config::DatabaseUrl::Postgres(_) = &settings.database_url {
            limits = limits.shared_through(db.clone());
        }
        let limits = Arc::new(limits);
        let gateway = crate::gateway::Gateway::new(db.clone(), clock.clone());
        let providers = crate::providers::Providers::standard(&db, &clock, &secret);
        let webhook_secret = Arc::new(crate::gateway::signature::webhook_secret(&secret));
        let catalogue = Arc::new(crate::services::catalogue::CatalogueCache::new(
            settings.catalogue_ttl_ms,
            live.catalogue_changes(),
        ));
        let state = AppState {
            db,
            limits,
            clock,
            settings: Arc::new(settings),
            secret: Arc::new(secret.clone()),
            dummy_hash: Arc::new(dummy_hash),
            catalogue,
            live,
            layouts: Arc::new(crate::services::seatmap::Layouts::new()),
            maps: Arc::new(crate::web::pages::seatmap::MapCache::default()),
            gateway,
            providers,
            webhook_secret,
            queue: Arc::new(crate::services::queue::board::Board::new()),
            queue_key: Arc::new(crate::services::admission::key(&secret)),
        };
        let server = run(listener, state.clone()).map_err(|source| StartError::Bind {
            bind: state.settings.bind.clone(),
            source,
        })?;
        let metrics = match &state.settings.metrics_bind {
            Some(bind) => Some(metrics_listener(bind, &state)?),
            None => None,
        };
        let worker = state.settings.worker.then(|| worker.start());
        Ok(Application {
            port: port.port(),
            server,
            metrics,
            worker,
            state,
            report,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `BOXOFFICE_METRICS_BIND` set one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|m| m.port)
    }

    /// The background worker, for a caller that wants to stop it itself (tests).
    pub fn take_worker(&mut self) -> Option<WorkerHandle> {
        self.worker.take()
    }

    /// Serves until SIGINT/SIGTERM (actix-web's signal handling), finishing in-flight requests,
    /// then lets the worker finish the job or email in hand and stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Live seat-map streams never end by themselves: end them when the stop signal comes,
        // so the graceful shutdown is not kept waiting by viewers.
        let live = self.state.live.clone();
        let watcher = actix_web::rt::spawn(async move {
            stop_signal().await;
            live.close();
        });
        let snapshots = actix_web::rt::spawn(refresh_waiting_rooms(self.state.clone()));
        let metrics = self.metrics.map(|m| {
            let handle = m.server.handle();
            (handle, actix_web::rt::spawn(m.server))
        });
        let served = self.server.await;
        watcher.abort();
        snapshots.abort();
        // The metrics listener stops with the app (it stops on the signal too; this covers a
        // public server that ended by itself).
        if let Some((handle, running)) = metrics {
            handle.stop(true).await;
            let _ = running.await;
        }
        self.state.live.close();
        if let Some(worker) = self.worker {
            tracing::info!("stopping the background worker");
            worker.shutdown(WORKER_STOP_WAIT);
        }
        served
    }
}

/// Reads the waiting rooms every `queue_snapshot_ms` for this instance's waiting pages
/// (`services::queue::board`); a failure is logged once until a read works again, and the
/// pages keep answering from the last snapshot meanwhile.
async fn refresh_waiting_rooms(state: AppState) {
    let every = u64::from(state.settings.queue_snapshot_ms);
    if every == 0 {
        return;
    }
    let every = std::time::Duration::from_millis(every);
    let mut failing = false;
    loop {
        match state.refresh_queue().await {
            Ok(()) => failing = false,
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "could not read the waiting rooms; pages answer from the last snapshot");
            }
            Err(_) => {}
        }
        actix_web::rt::time::sleep(every).await;
    }
}

/// SIGINT or SIGTERM (actix-web stops the server on either; this only hears them too).
async fn stop_signal() {
    use actix_web::rt::signal;
    let ctrl_c = Box::pin(async {
        let _ = signal::ctrl_c().await;
    });
    #[cfg(unix)]
    {
        if let Ok(mut term) = signal::unix::signal(signal::unix::SignalKind::terminate()) {
            let term = Box::pin(async move {
                term.recv().await;
            });
            futures_util::future::select(ctrl_c, term).await;
            return;
        }
    }
    ctrl_c.await;
}

/// Binds `BOXOFFICE_METRICS_BIND` and starts the metrics listener on it.
fn metrics_listener(bind: &str, state: &AppState) -> Result<MetricsListener, StartError> {
    let failed = |source| StartError::Bind {
        bind: bind.to_owned(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    let server = web::metrics::serve(listener, state.clone()).map_err(failed)?;
    tracing::info!(port, "metrics listener started");
    Ok(MetricsListener { port, server })
}

fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = Data::new(state);
    // The API's OpenAPI document, collected and serialized once for every worker.
    let api_doc = Data::new(web::api::doc::Published::build()?);
    let server = HttpServer::new(move || {
        let state = data.clone();
        let https = state.settings.base_url.scheme() == "https";
        App::new()
            // gzip/brotli/zstd as the client accepts (the live stream opts out: it must flush).
            .wrap(actix_web::middleware::Compress::default())
            .wrap(web::headers::security_headers(https))
            .wrap(actix_web::middleware::from_fn(
                web::request_id::request_id_header,
            ))
            .wrap(TracingLogger::<RequestSpan>::new())
            .wrap(actix_web::middleware::from_fn(web::request_shape::shape))
            // Outermost: counts what the client got, the method as sent (before HEAD → GET).
            .wrap(actix_web::middleware::from_fn(web::metrics::record))
            .app_data(data.clone())
            .app_data(api_doc.clone())
            .configure(|cfg| web::routes(cfg, &state))
    })
    .listen(listener)?
    .shutdown_timeout(20)
    .run();
    Ok(server)
}
