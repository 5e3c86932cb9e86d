//! The web layer: routes per area, extractors, error rendering. Handlers are thin: parse, call
//! one service, render.

pub mod access;
pub mod admin_guard;
pub mod api;
pub mod auth;
pub mod bearer;
pub mod cors;
pub mod csrf;
pub mod device;
pub mod encoding;
pub mod error;
pub mod gateway;
pub mod headers;
pub mod health;
pub mod hx;
pub mod lotuspay;
pub mod metrics;
pub mod no_nul;
pub mod pages;
pub mod queue_gate;
pub mod rate_limit;
pub mod request_id;
pub mod request_shape;
pub mod session;
pub mod state;

use actix_web::middleware::ErrorHandlers;
use actix_web::{HttpResponse, web};

use error::{AppError, render_page_error};
use state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig, state: &AppState) {
    let secure_cookies = state.settings.base_url.scheme() == "https";
    let cors = cors::for_api(&state.settings.cors_origins);
    cfg.app_data(web::QueryConfig::default().error_handler(|err, _| {
        let errors = [(
            "query",
            format!("The query string could not be read: {err}"),
        )]
        .into_iter()
        .collect();
        AppError::Validation(errors).into()
    }))
    .configure(health::routes)
    .service(actix_files::Files::new("/static", static_dir()).prefer_utf8(true))
    // The OpenAPI document and its reference page, before the scope that owns `/api/v1`.
    .configure(api::doc::routes)
    .service(api::scope(cors))
    // The simulated payment gateway: "another site", outside the app's session and CSRF.
    .service(
        web::scope("/gateway")
            .wrap(actix_web::middleware::from_fn(no_nul::refuse))
            .app_data(json_config())
            .configure(gateway::routes),
    )
    // LotusPay, the second simulated provider: "another site" too.
    .service(
        web::scope("/lotuspay")
            .wrap(actix_web::middleware::from_fn(no_nul::refuse))
            .configure(lotuspay::routes),
    )
    .service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(no_nul::refuse))
            .wrap(actix_web::middleware::from_fn(csrf::protect))
            .wrap(actix_web::middleware::from_fn(headers::pages_are_private))
            .wrap(session::middleware(&state.secret, secure_cookies))
            .wrap(ErrorHandlers::new().default_handler(render_page_error))
            .configure(pages::routes)
            .default_service(web::to(|| async { HttpResponse::NotFound().finish() })),
    );
}

/// JSON bodies: 64 KiB at most; one that cannot be read is a 422 problem document.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _| {
            let errors = [("body", format!("The JSON body could not be read: {err}"))]
                .into_iter()
                .collect();
            AppError::Validation(errors).into()
        })
}

/// `static/` next to `Cargo.toml` when run from the source tree, else next to the binary.
fn static_dir() -> std::path::PathBuf {
    let from_manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    if from_manifest.is_dir() {
        return from_manifest;
    }
    std::path::PathBuf::from("static")
}
