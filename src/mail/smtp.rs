//! The SMTP transport from `BOXOFFICE_SMTP_URL`, and what its errors mean for a retry.

use lettre::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

use super::{MailConfigError, SendError};
use crate::config::SmtpUrl;

/// `smtp://` uses STARTTLS and insists on it; `smtps://` is TLS from the first byte. Add
/// `?tls=opportunistic` (STARTTLS when offered) or `?tls=none` for a local relay without TLS.
pub(super) fn smtp_transport(
    url: &SmtpUrl,
    hello: &str,
    deadline: Duration,
) -> Result<SmtpTransport, MailConfigError> {
    let url = &url.0;
    let bad = |why: &str| MailConfigError::Smtp(why.to_owned());
    let host = url.host_str().ok_or_else(|| bad("the URL has no host"))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tls_mode = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let params = || {
        TlsParameters::new(host.clone())
            .map_err(|e| MailConfigError::Smtp(format!("cannot set up TLS: {e}")))
    };
    let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
        ("smtps", None | Some("wrapper" | "required")) => (Tls::Wrapper(params()?), 465),
        ("smtp", None | Some("required" | "starttls")) => (Tls::Required(params()?), 587),
        ("smtp", Some("opportunistic")) => (Tls::Opportunistic(params()?), 587),
        ("smtp", Some("none")) => (Tls::None, 25),
        _ => {
            return Err(bad(
                "tls= must be required, opportunistic or none (smtp://), or left out",
            ));
        }
    };
    let decode = |s: &str| {
        percent_decode(s).ok_or_else(|| bad("the user name or password is not valid UTF-8"))
    };
    let mut builder = SmtpTransport::builder_dangerous(host.clone())
        .port(url.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(deadline))
        .hello_name(ClientId::Domain(hello.to_owned()));
    if !url.username().is_empty() {
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or(""))?;
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(builder.build())
}

pub(super) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// 5xx means this message will never go (wrong address, refused content); everything else
/// (4xx, no connection, timeouts, TLS trouble) may clear up. A 5xx about authentication is the
/// server's configuration, not the message's, so it is retried too, to go once an admin fixes
/// the credentials.
pub(super) fn classify(e: lettre::transport::smtp::Error) -> SendError {
    let text = one_line(&e.to_string());
    let auth_problem = e
        .status()
        .map(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"))
        .unwrap_or(false);
    if e.is_permanent() && !auth_problem {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
