//! Requests of odd shape, answered before routing: `HEAD` is served as `GET` without the body
//! (RFC 9110 §9.3.2), and a path with control characters (CR, LF, NUL… raw or percent-encoded)
//! names nothing here, so it is 404, before a handler could copy it into a header.

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

use super::error::AppError;

/// Whether the path, percent-decoded, holds a control character.
fn has_control_characters(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = if bytes[i] == b'%' {
            let decoded = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match decoded {
                Some(b) => {
                    i += 2;
                    b
                }
                None => b'%',
            }
        } else {
            bytes[i]
        };
        if b < 0x20 || b == 0x7f {
            return true;
        }
        i += 1;
    }
    false
}

pub async fn shape(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if has_control_characters(req.uri().path()) {
        return Err(AppError::NotFound.into());
    }
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let res = next.call(req).await?.map_into_boxed_body();
    if head {
        return Ok(res.map_body(|_, _| BoxBody::new(())));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_found_raw_or_encoded() {
        use super::has_control_characters as c;
        assert!(c("/bookings/AB%0D%0ASet-Cookie:x/pay"));
        assert!(c("/bookings/AB%00/pay"));
        assert!(c("/x%7f"));
        assert!(!c("/bookings/BK7Q2M/pay"));
        assert!(!c("/events?q=100%"));
        assert!(!c("/a%20b"));
    }
}
