//! Conditional GETs on the public catalogue (`GET /api/v1/events*`, issue 19, item 3): every
//! answer carries a weak `ETag` made from its bytes and a `Cache-Control`, and a client that
//! sends the tag back in `If-None-Match` gets `304 Not Modified` with no body. The tag depends
//! only on the answer, so every instance of a deployment gives the same one.

use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::web::error::AppError;

/// The listing and an event's page: kept a few seconds, then asked again (cheaply, by tag).
pub const CATALOGUE: &str = "public, max-age=5, stale-while-revalidate=30";
/// Seat states change every moment: always asked again, by tag.
pub const LIVE: &str = "public, no-cache";

/// `value` as JSON, or 304 if the client already has exactly these bytes.
pub fn json<T: Serialize>(
    req: &HttpRequest,
    value: &T,
    cache: &'static str,
) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_vec(value).map_err(AppError::internal)?;
    let digest = Sha256::digest(&body);
    let tag = format!(
        "W/\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let unchanged = has(req, &tag);
    let mut answer = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((ETAG, tag))
        .insert_header((CACHE_CONTROL, cache));
    Ok(if unchanged {
        answer.finish()
    } else {
        answer.content_type("application/json").body(body)
    })
}

/// Whether `If-None-Match` names `tag` (compared weakly, as RFC 9110 says for this header) or
/// is `*`.
fn has(req: &HttpRequest, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(tag);
    req.headers()
        .get_all(IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == wanted)
}
