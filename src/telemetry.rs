//! Logs: tracing with pretty output locally and JSON in production (`BOXOFFICE_LOG_FORMAT`).
//! Rules: messages read on their own; ids as fields; never passwords, tokens, cookies or email
//! addresses.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

const DEFAULT_FILTER: &str = "info,actix_server=warn,diesel_migrations=warn";

/// Installs the global subscriber once; later calls (tests) are ignored. Each request is logged
/// once, when its span (from tracing-actix-web: method, route, status, request id) closes.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE);
    let _ = match format {
        LogFormat::Pretty => builder.compact().try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}

/// The span of each request: like tracing-actix-web's default, but with the path instead of the
/// full target, so query strings (where links carry tokens) never reach the log.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.path = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    /// The status, and an error's `Display` only: its `Debug` may hold a URL with its query (a
    /// login redirect's `next`). tracing-actix-web's own error event, which logs that `Debug`,
    /// is off (its default features are). Handlers log real failures themselves.
    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error().map(ToString::to_string),
            ),
            Err(error) => (
                error.as_response_error().status_code(),
                Some(error.to_string()),
            ),
        };
        span.record("http.status_code", i32::from(status.as_u16()));
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
        if let Some(message) = error {
            span.record("exception.message", tracing::field::display(message));
        }
    }
}
