//! Error pages: the whole HTML page for browsers, a fragment for htmx requests.

use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use askama::Template;

use crate::web::hx::is_htmx;

use super::PROBLEM_JSON;

#[derive(Template)]
#[template(path = "errors/page.html")]
pub(super) struct ErrorPage<'a> {
    /// Error pages show the site without the visitor's account (no session is read here).
    layout: crate::web::auth::Layout,
    status: u16,
    title: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "errors/_fragment.html")]
pub(super) struct ErrorFragment<'a> {
    title: &'a str,
    message: &'a str,
}

/// Page routes: replaces an error response that has no page of its own (a problem document or
/// an empty body from the framework) with the styled page, or an htmx fragment that swaps into
/// `#messages`.
pub fn render_page_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_html = content_type.is_some_and(|c| c.starts_with("text/html"));
    // The live stream's refusals (429/503) stay problem documents: what reads them is the
    // browser's EventSource or a script, never a person (issue 16).
    let is_live_refusal = content_type.is_some_and(|c| c.starts_with(PROBLEM_JSON))
        && res.request().path().ends_with("/live");
    if is_html || is_live_refusal {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (title, message) = page_wording(status);
    let htmx = is_htmx(res.request());
    let (req, res) = res.into_parts();
    let body = if htmx {
        ErrorFragment { title, message }.render()
    } else {
        ErrorPage {
            layout: Default::default(),
            status: status.as_u16(),
            title,
            message,
        }
        .render()
    }
    .unwrap_or_else(|_| format!("<h1>{title}</h1><p>{message}</p>"));
    let mut new = HttpResponse::build(status);
    new.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.insert_header((name.clone(), value.clone()));
        }
    }
    if htmx {
        new.insert_header(("HX-Retarget", "#messages"));
        new.insert_header(("HX-Reswap", "innerHTML"));
    }
    let res = ServiceResponse::new(req, new.body(body))
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

pub(super) fn page_wording(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        404 => (
            "Page not found",
            "We couldn't find that page. The event may have been removed, or the link mistyped.",
        ),
        405 => ("Not allowed", "That action isn't available here."),
        403 => (
            "Not allowed",
            "This request was refused. If you were sending a form, reload the page and try again.",
        ),
        422 | 400 => (
            "Check your request",
            "Some of what was sent couldn't be understood.",
        ),
        429 => (
            "Slow down",
            "Too many requests; please wait a moment and try again.",
        ),
        503 => (
            "Back in a moment",
            "The box office is busy right now. Please try again shortly.",
        ),
        _ if status.is_server_error() => (
            "Something went wrong",
            "Sorry, something broke on our side. It has been logged and we'll look into it.",
        ),
        _ => ("Something went wrong", "The request couldn't be completed."),
    }
}
