//! Webhook signatures (ARCHITECTURE §8): `Gateway-Signature: t=<unix>,v1=<hex>` where the hex is
//! HMAC-SHA256(secret, "<t>.<raw body>"). The receiver recomputes it over the bytes it got,
//! compares in constant time (`Mac::verify_slice`), and refuses a timestamp more than
//! [`TOLERANCE_SECONDS`] away from its clock, so that a captured webhook cannot be replayed
//! later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header the signature travels in.
pub const HEADER: &str = "Gateway-Signature";
/// How far a webhook's timestamp may be from the receiver's clock.
pub const TOLERANCE_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// The shared webhook secret, derived from the server's secret key so that nothing more has
/// to be configured (a real provider hands the merchant one instead).
#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
pub fn webhook_secret(server_secret: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(server_secret).expect("HMAC takes any key length");
    mac.update(b"boxoffice simulated gateway: webhook signing secret v1");
    mac.finalize().into_bytes().to_vec()
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Gateway-Signature header is missing or malformed")]
    Malformed,
    #[error("the webhook's timestamp is outside the tolerance")]
    Stale,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks a header value against the raw body at `now` (unix seconds).
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(decode_hex(v).ok_or(SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    // Several v1 values may come while a provider rolls its secret: any one may match.
    let expected = mac(secret, timestamp, body);
    if signatures
        .iter()
        .any(|s| expected.clone().verify_slice(s).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The hidden field of a hosted checkout form: ties the form to its payment, so that another
/// site cannot post a completion (the gateway's pages live outside the app's CSRF scope).
pub fn form_token(secret: &[u8], external_id: &str) -> String {
    sign(secret, 0, external_id.as_bytes())
        .split_once("v1=")
        .map(|(_, hex)| hex.to_owned())
        .unwrap_or_default()
}

/// Checks [`form_token`] in constant time.
pub fn form_token_ok(secret: &[u8], external_id: &str, token: &str) -> bool {
    decode_hex(token).is_some_and(|t| {
        mac(secret, 0, external_id.as_bytes())
            .verify_slice(&t)
            .is_ok()
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment.succeeded"}"#;

    #[test]
    fn a_signed_body_verifies_within_the_tolerance() {
        let header = sign(SECRET, 1_000_000, BODY);
        assert!(header.starts_with("t=1000000,v1="));
        assert_eq!(verify(SECRET, &header, BODY, 1_000_000), Ok(()));
        assert_eq!(verify(SECRET, &header, BODY, 1_000_300), Ok(()));
        assert_eq!(verify(SECRET, &header, BODY, 999_700), Ok(()));
    }

    #[test]
    fn a_stale_or_future_timestamp_is_refused() {
        let header = sign(SECRET, 1_000_000, BODY);
        assert_eq!(
            verify(SECRET, &header, BODY, 1_000_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, &header, BODY, 999_699),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn a_tampered_body_another_secret_or_a_moved_timestamp_is_refused() {
        let header = sign(SECRET, 1_000_000, BODY);
        let tampered = br#"{"id":"evt_1","type":"payment.succeedeD"}"#;
        assert_eq!(
            verify(SECRET, &header, tampered, 1_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, BODY, 1_000_000),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace("t=1000000", "t=1000001");
        assert_eq!(
            verify(SECRET, &moved, BODY, 1_000_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz", "t=1,v1=abc"] {
            assert_eq!(
                verify(SECRET, header, BODY, 1),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn the_derived_secret_is_stable_and_depends_on_the_key() {
        assert_eq!(webhook_secret(b"a"), webhook_secret(b"a"));
        assert_ne!(webhook_secret(b"a"), webhook_secret(b"b"));
        assert_eq!(webhook_secret(b"a").len(), 32);
    }
}
