//! The OpenAPI 3.1 document of `/api/v1` (issue 21) and its reference page.
//!
//! The document is collected from the handlers themselves: `api::scope()` is a
//! `utoipa_actix_web` scope, which takes only handlers that carry `#[utoipa::path]` (a handler
//! without one does not compile there), and the bodies and answers are the types the handlers
//! serialize. [`document`] adds what no handler says: the title, the security schemes, the
//! `Problem` schema, the 422 any operation can give before its handler runs (a query that cannot
//! be read, a NUL character), and the 500 and 503 any operation can give (every one reads the
//! database). It is built once at start-up ([`Published`]) and served at
//! `GET /api/v1/openapi.json`; `GET /api/docs/` is Swagger UI, its files compiled into the
//! binary (`utoipa-swagger-ui`, vendored), reading that document.

pub mod problems;

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi, PathItem};
use utoipa::{PartialSchema, ToResponse};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::web::error::Problem;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
/// The reference page (Swagger UI); its files are under it.
pub const DOCS_PATH: &str = "/api/docs/";

const DESCRIPTION: &str = "The JSON API of boxoffice: the catalogue, accounts, holds and \
bookings, payments, the waiting room, and the admin's tools. Requests and answers are JSON; \
times are RFC 3339 in UTC; money is integer minor units with a currency code. Errors are \
`application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, and `errors` \
naming each field for 422. Authenticated calls send `Authorization: Bearer <token>` (from \
`POST /api/v1/login`); while an event's waiting room is on, holds also send the admission in \
the `Queue-Token` header.";

const TAGS: [(&str, &str); 7] = [
    (
        "catalogue",
        "Published events, their tiers and seats (conditional GETs).",
    ),
    (
        "venues",
        "The venues, their sections and capacities, and how many published events are to come \
         at each (conditional GETs).",
    ),
    (
        "accounts",
        "Register, log in for a bearer token, log out; export or delete the account.",
    ),
    ("bookings", "Holds and the caller's bookings."),
    (
        "payments",
        "Paying for a booking, and the gateway's webhook.",
    ),
    (
        "waiting room",
        "Joining an event's queue and claiming the turn.",
    ),
    (
        "admin",
        "Venues, events, bookings and waiting rooms (admins only).",
    ),
];

/// The document, collected from [`super::scope`] and completed.
pub fn document() -> OpenApi {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .service(super::scope(None))
        .split_for_parts();
    doc.info = InfoBuilder::new()
        .title("boxoffice")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(
            LicenseBuilder::new()
                .name(env!("CARGO_PKG_LICENSE"))
                .identifier(Some(env!("CARGO_PKG_LICENSE")))
                .build(),
        ))
        .build();
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, text)| {
                TagBuilder::new()
                    .name(*name)
                    .description(Some(*text))
                    .build()
            })
            .collect(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        "Problem".to_owned(),
        <Problem<'static> as PartialSchema>::schema(),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A token from `POST /api/v1/login`, as `Authorization: Bearer <token>`.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "queue_token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            crate::web::queue_gate::HEADER,
            "A waiting room token: the place in line from `POST /api/v1/events/{id}/queue`, \
             or the admission from `POST /api/v1/events/{id}/queue/claim`.",
        ))),
    );
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            let answers = &mut operation.responses.responses;
            // Any request can be refused before its handler runs: a query string that cannot
            // be read, or a NUL character in the query or the body (`web::no_nul`).
            answers
                .entry("422".to_owned())
                .or_insert_with(|| problems::Invalid::response().1);
            answers
                .entry("500".to_owned())
                .or_insert_with(|| problems::Internal::response().1);
            answers
                .entry("503".to_owned())
                .or_insert_with(|| problems::Unavailable::response().1);
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The document as served: built once at start-up, pretty JSON with its keys in a stable
/// order (the committed snapshot is the same bytes).
pub struct Published(bytes::Bytes);

impl Published {
    pub fn build() -> std::io::Result<Self> {
        let value = serde_json::to_value(document()).map_err(std::io::Error::other)?;
        let mut text = serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?;
        text.push('\n');
        Ok(Published(text.into()))
    }
}

/// `GET /api/v1/openapi.json`: the same for everyone until the next deployment.
async fn openapi_json(doc: web::Data<Published>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((CACHE_CONTROL, "public, max-age=300"))
        .body(doc.0.clone())
}

/// The document and Swagger UI. Registered before `api::scope()`, which would otherwise answer
/// `/api/v1/openapi.json` with its 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let config = Config::from(DOCUMENT_PATH)
        // The base layout: no top bar, whose logo is an SVG with an inline `<style>` the
        // app's CSP (style-src 'self') refuses, and whose "Explore" box loads other sites.
        .use_base_layout()
        // No badge from the public validator: no request leaves for another site.
        .validator_url("none")
        .try_it_out_enabled(true)
        .persist_authorization(false);
    cfg.service(web::resource(DOCUMENT_PATH).get(openapi_json))
        // Swagger UI's page links its files relatively: it must be read at `/api/docs/`.
        .service(web::resource("/api/docs").get(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((LOCATION, DOCS_PATH))
                .finish()
        }))
        .service(SwaggerUi::new("/api/docs/{_:.*}").config(config));
}
