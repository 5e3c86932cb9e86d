//! The problem+json answers of the OpenAPI document, one per status `AppError` gives the API
//! (`web::error`), written inline into each operation that can give it
//! (`response = inline(problems::NotFound)`). Their body is the `Problem` schema, derived from
//! the struct the errors are rendered with.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::web::error::PROBLEM_JSON;

/// A problem+json answer with `description` and the named headers.
fn problem(description: &str, headers: &[(&str, &str, Type)]) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content);
    for (name, text, kind) in headers {
        let header = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(kind.clone())))
            .description(Some(*text))
            .build();
        response = response.header(*name, header);
    }
    response.build().into()
}

macro_rules! problem_response {
    ($($(#[$meta:meta])* $name:ident => ($description:expr $(, $header:expr)*);)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), problem($description, &[$($header),*]))
            }
        }
    )+};
}

const RETRY_AFTER: (&str, &str, Type) = (
    "Retry-After",
    "Seconds to wait before trying again.",
    Type::Integer,
);

problem_response! {
    /// 400: a request that cannot be taken as sent (the gateway's webhook).
    BadRequest => ("The request cannot be taken as sent (problem+json).");
    /// 401: no bearer token, or one that is unknown, expired or revoked.
    Unauthorized => (
        "No live bearer token: send `Authorization: Bearer <token>` (problem+json).",
        ("WWW-Authenticate", "`Bearer realm=\"boxoffice\"`.", Type::String)
    );
    /// 403: the caller may not do this (not an admin; for a hold, no admission from the
    /// waiting room, named in `errors.queue`).
    Forbidden => ("Not allowed for this caller; `errors` may say why (problem+json).");
    /// 404: nothing at this address, or not the caller's.
    NotFound => ("Nothing at this address, or not the caller's (problem+json).");
    /// 409: the resource is not in a state that allows this.
    Conflict => (
        "The resource is not in a state that allows this (problem+json). Some conflicts carry \
         more members: `unavailable_seat_ids` and `available` (holds), `current_version` and \
         `current` (an event edited by someone else), `in_use` (a venue edit), `code` and \
         `retry_after` (a re-hold too soon, with a Retry-After header).",
        RETRY_AFTER
    );
    /// 422: the request was read but is not valid; `errors` names each field.
    Invalid => ("The request is not valid; `errors` names each field (problem+json).");
    /// 429: throttled.
    TooManyRequests => ("Too many requests; try again after Retry-After seconds (problem+json).", RETRY_AFTER);
    /// 503: no database connection now.
    Unavailable => ("The service is starting or overloaded; try again shortly (problem+json).", RETRY_AFTER);
    /// 500: logged; the caller sees a generic message.
    Internal => ("Something went wrong on the server; it has been logged (problem+json).");
}
