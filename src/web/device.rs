//! Known devices: a long-lived cookie set when an account signs in from a browser, so that the
//! owner's browser keeps getting in while someone else guesses the account's password (see
//! `web::rate_limit`). The cookie holds, for each of up to [`MAX_ACCOUNTS`] accounts, a random
//! id and an HMAC-SHA256 (keyed with the server secret) binding that id to the account's email
//! address: nothing is stored on the server, a copied value only works for the account it was
//! made for, and nobody can make one without the secret.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The cookie's name over plain http.
pub const COOKIE_NAME: &str = "boxoffice_device";
/// Its name on https: the `__Host-` prefix makes browsers insist on Secure, Path=/ and no
/// Domain, so no other host (a sibling subdomain) can plant one.
pub const SECURE_COOKIE_NAME: &str = "__Host-boxoffice_device";
/// Accounts one browser is remembered for.
pub const MAX_ACCOUNTS: usize = 5;
/// How long a browser stays known without signing in again.
const LIFETIME_DAYS: i64 = 365;

type HmacSha256 = Hmac<Sha256>;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn mac(secret: &[u8], email: &str, id: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"boxoffice known device v1\0");
    mac.update(normalise(email).as_bytes());
    mac.update(b"\0");
    mac.update(id.as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The entries of a cookie value that are well formed: (id, mac hex).
fn entries(value: &str) -> Vec<(&str, &str)> {
    value
        .split('~')
        .filter_map(|entry| entry.split_once('.'))
        .filter(|(id, tag)| {
            id.len() == 32
                && tag.len() == 64
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && tag.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .take(MAX_ACCOUNTS)
        .collect()
}

fn entry_is_for(secret: &[u8], email: &str, id: &str, tag: &str) -> bool {
    decode_hex(tag).is_some_and(|tag| mac(secret, email, id).verify_slice(&tag).is_ok())
}

/// The id of this cookie value's entry for `email`, if it has a genuine one.
pub fn known_in(value: &str, secret: &[u8], email: &str) -> Option<String> {
    entries(value)
        .into_iter()
        .find(|(id, tag)| entry_is_for(secret, email, id, tag))
        .map(|(id, _)| id.to_owned())
}

/// The known-device id this browser holds for `email`, if any.
pub fn known(req: &HttpRequest, secret: &[u8], secure: bool, email: &str) -> Option<String> {
    let cookie = req.cookie(cookie_name(secure))?;
    known_in(cookie.value(), secret, email)
}

/// The cookie value after signing in to `email`: a fresh entry for it, first, then the
/// browser's other accounts.
pub fn value_with(existing: Option<&str>, secret: &[u8], email: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let id = hex(&bytes);
    let tag = hex(&mac(secret, email, &id).finalize().into_bytes());
    let mut kept = vec![format!("{id}.{tag}")];
    for (id, tag) in existing.map(entries).unwrap_or_default() {
        if kept.len() < MAX_ACCOUNTS && !entry_is_for(secret, email, id, tag) {
            kept.push(format!("{id}.{tag}"));
        }
    }
    kept.join("~")
}

/// Marks this browser as a known device of `email` on `response`.
pub fn remember(
    req: &HttpRequest,
    response: &mut HttpResponse,
    secret: &[u8],
    secure: bool,
    email: &str,
) {
    let name = cookie_name(secure);
    let existing = req.cookie(name).map(|c| c.value().to_owned());
    let cookie = Cookie::build(name, value_with(existing.as_deref(), secret, email))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(LIFETIME_DAYS))
        .finish();
    let _ = response.add_cookie(&cookie);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn an_entry_works_only_for_its_account_and_secret() {
        let value = value_with(None, SECRET, "Ada@Example.com");
        assert!(known_in(&value, SECRET, "ada@example.com").is_some());
        assert!(known_in(&value, SECRET, "bob@example.com").is_none());
        assert!(known_in(&value, b"another secret", "ada@example.com").is_none());
        // A forged entry (a made-up tag) is not known.
        let (id, _) = value.split_once('.').unwrap();
        let forged = format!("{id}.{}", "0".repeat(64));
        assert!(known_in(&forged, SECRET, "ada@example.com").is_none());
        assert!(known_in("garbage", SECRET, "ada@example.com").is_none());
    }

    #[test]
    fn a_browser_remembers_a_few_accounts_and_renews_its_entry() {
        let mut value = value_with(None, SECRET, "ada@example.com");
        let first = known_in(&value, SECRET, "ada@example.com").unwrap();
        for i in 0..3 {
            value = value_with(Some(&value), SECRET, &format!("u{i}@example.com"));
        }
        assert!(known_in(&value, SECRET, "ada@example.com").is_some());
        value = value_with(Some(&value), SECRET, "ada@example.com");
        let renewed = known_in(&value, SECRET, "ada@example.com").unwrap();
        assert_ne!(first, renewed);
        assert_eq!(entries(&value).len(), 4, "one entry per account");
        for i in 3..10 {
            value = value_with(Some(&value), SECRET, &format!("u{i}@example.com"));
        }
        assert_eq!(entries(&value).len(), MAX_ACCOUNTS);
    }
}
