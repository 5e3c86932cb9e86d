//! No NUL character reaches the database: PostgreSQL cannot store one in text (it refuses the
//! whole statement, which the app would answer with a 500), and no name, email, search or
//! reason a person types holds one. A query string, form or JSON body carrying one, raw or
//! escaped (`%00`, `\u0000`), is refused with a 422 naming where it was, before any handler
//! runs; the same request answers the same on SQLite. (Schemathesis found the 500s: a search, a
//! login email, a cancellation reason, a waiting-room message.)

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use super::error::AppError;

/// The body kinds that carry text for the app; any other is left unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Form,
    Json,
}

pub async fn refuse(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if percent_encoded_has_nul(req.query_string().as_bytes()) {
        return Ok(refuse_with(
            req,
            "query",
            "The query string holds a NUL character.",
        ));
    }
    if let Some(kind) = body_kind(&req) {
        // Read the body (within actix's payload limit, as the handler's extractor would),
        // look, and put it back for the handler.
        let body = req.extract::<Bytes>().await?;
        let nul = match kind {
            Body::Form => percent_encoded_has_nul(&body),
            Body::Json => json_has_nul(&body),
        };
        if nul {
            return Ok(refuse_with(req, "body", "The body holds a NUL character."));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The 422 as a response, not an error, so that the pages' error handler (outside this
/// middleware) draws it as a page.
fn refuse_with<B>(
    req: ServiceRequest,
    field: &'static str,
    message: &str,
) -> ServiceResponse<EitherBody<B>> {
    let error = AppError::Validation([(field, message.to_owned())].into_iter().collect());
    req.into_response(error.error_response())
        .map_into_right_body()
}

fn body_kind(req: &ServiceRequest) -> Option<Body> {
    let kind = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    let kind = kind.split(';').next()?.trim().to_ascii_lowercase();
    if kind == "application/x-www-form-urlencoded" {
        Some(Body::Form)
    } else if kind == "application/json" || kind.ends_with("+json") {
        Some(Body::Json)
    } else {
        None
    }
}

/// A raw NUL, or `%00`, in a query string or a form body.
fn percent_encoded_has_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
        || bytes
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// A raw NUL, or the escape `\u0000` (its backslash not itself escaped), in a JSON text.
fn json_has_nul(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if b == b'u' && backslashes % 2 == 1 && bytes[i + 1..].starts_with(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_and_forms() {
        assert!(percent_encoded_has_nul(b"q=a%00b"));
        assert!(percent_encoded_has_nul(b"q=a\0b"));
        assert!(!percent_encoded_has_nul(b"q=100%25&n=%0A"));
        assert!(
            !percent_encoded_has_nul(b"q=%3000"),
            "'0' then 00 is no NUL"
        );
    }

    #[test]
    fn json_escapes_count_only_when_the_backslash_is_not_escaped() {
        assert!(json_has_nul(br#"{"a":"x\u0000"}"#));
        assert!(json_has_nul(b"{\"a\":\"x\0\"}"));
        assert!(
            json_has_nul(br#"{"a":"\\\u0000"}"#),
            "an escaped backslash, then NUL"
        );
        assert!(!json_has_nul(br#"{"a":"\\u0000"}"#), "the text \\u0000");
        assert!(!json_has_nul(br#"{"a":"\u00e9 \u0001"}"#));
    }
}
