//! LotusPay's signatures, VNPay's shape: `lp_SecureHash` is the hex of HMAC-SHA512 over the
//! scheme's parameters (names starting `lp_`, the hash itself and `lp_SecureHashType` left
//! out) sorted by name, each url-encoded as `name=value`, joined by `&`. The receiver decodes
//! what it got, rebuilds that text, and compares in constant time (`Mac::verify_slice`).
//! Other parameters (a merchant's own on its return URL) are neither signed nor read.
//!
//! Two secrets, both derived from the server's secret key (a real provider hands the
//! merchant them): [`merchant_secret`] signs what the merchant sends the buyer to LotusPay
//! with (the pay redirect), [`provider_secret`] what LotusPay signs (the buyer's return and the
//! server-to-server notification). VNPay uses one "hash secret" for both ways; two keep a
//! signed return from ever passing for a signed pay request, or the other way round.

use hmac::{Hmac, Mac};
use sha2::Sha512;

/// The parameter the signature travels in.
pub const HASH: &str = "lp_SecureHash";
/// Names the algorithm when sent; never signed.
pub const HASH_TYPE: &str = "lp_SecureHashType";
/// The prefix of the scheme's parameters.
pub const PREFIX: &str = "lp_";

type HmacSha512 = Hmac<Sha512>;

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn derive(server_secret: &[u8], label: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha512::new_from_slice(server_secret).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().to_vec()
}

/// The secret the merchant signs its pay redirects with.
pub fn merchant_secret(server_secret: &[u8]) -> Vec<u8> {
    derive(
        server_secret,
        b"boxoffice simulated LotusPay: merchant request hash secret v1",
    )
}

/// The secret LotusPay signs returns and notifications with.
pub fn provider_secret(server_secret: &[u8]) -> Vec<u8> {
    derive(
        server_secret,
        b"boxoffice simulated LotusPay: provider response hash secret v1",
    )
}

fn signed(name: &str) -> bool {
    name.starts_with(PREFIX) && name != HASH && name != HASH_TYPE
}

/// The text that is signed: the scheme's parameters sorted by name, url-encoded, `&`-joined.
pub fn canonical(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| signed(k)).collect();
    sorted.sort();
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in sorted {
        out.append_pair(k, v);
    }
    out.finish()
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn mac(secret: &[u8], params: &[(String, String)]) -> HmacSha512 {
    let mut mac = HmacSha512::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(canonical(params).as_bytes());
    mac
}

/// The hex signature of `params`.
pub fn sign(secret: &[u8], params: &[(String, String)]) -> String {
    hex(&mac(secret, params).finalize().into_bytes())
}

/// `params` url-encoded (in their order) with their signature appended: a query or a body.
pub fn signed_query(secret: &[u8], params: &[(String, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(k, _)| signed(k)) {
        out.append_pair(k, v);
    }
    out.append_pair(HASH, &sign(secret, params));
    out.finish()
}

/// A query string or form body, decoded into its pairs.
pub fn parse(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// The value of the (single) parameter of that name.
pub fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the lp_SecureHash parameter is missing or malformed")]
    Malformed,
    #[error("a parameter is given twice")]
    Repeated,
    #[error("the signature does not match the parameters")]
    Mismatch,
}

/// Checks `params` (as decoded from a query or a body) against their `lp_SecureHash`.
pub fn verify(secret: &[u8], params: &[(String, String)]) -> Result<(), SignError> {
    let mut hashes = params.iter().filter(|(k, _)| k == HASH);
    let given = hashes.next().ok_or(SignError::Malformed)?;
    if hashes.next().is_some() {
        return Err(SignError::Repeated);
    }
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(SignError::Repeated);
    }
    let given = decode_hex(&given.1).ok_or(SignError::Malformed)?;
    mac(secret, params)
        .verify_slice(&given)
        .map_err(|_| SignError::Mismatch)
}

/// The hidden field of a hosted page's form: ties the form to its payment, so that another
/// site cannot post it (LotusPay's pages live outside the app's CSRF scope).
pub fn form_token(secret: &[u8], txn_ref: &str) -> String {
    sign(secret, &form_params(txn_ref))
}

/// Checks [`form_token`] in constant time.
pub fn form_token_ok(secret: &[u8], txn_ref: &str, token: &str) -> bool {
    decode_hex(token).is_some_and(|t| mac(secret, &form_params(txn_ref)).verify_slice(&t).is_ok())
}

fn form_params(txn_ref: &str) -> [(String, String); 1] {
    [("lp_FormFor".to_owned(), txn_ref.to_owned())]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) || s.len() > 256 {
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

    const SECRET: &[u8] = b"lotus_test";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn signed_params() -> Vec<(String, String)> {
        parse(&signed_query(
            SECRET,
            &pairs(&[
                ("lp_TxnRef", "lp_abc12345"),
                ("lp_Amount", "2500"),
                ("lp_OrderInfo", "Two seats & a box"),
                ("lp_ReturnUrl", "http://shop.test/return?x=1"),
            ]),
        ))
    }

    #[test]
    fn signed_parameters_verify_in_any_order() {
        let mut params = signed_params();
        assert_eq!(verify(SECRET, &params), Ok(()));
        params.reverse();
        assert_eq!(verify(SECRET, &params), Ok(()));
        params.rotate_left(2);
        assert_eq!(verify(SECRET, &params), Ok(()));
    }

    #[test]
    fn the_canonical_text_is_sorted_and_url_encoded() {
        let params = pairs(&[
            ("lp_b", "x y"),
            ("lp_a", "1&2"),
            (HASH, "00"),
            ("other", "z"),
        ]);
        assert_eq!(canonical(&params), "lp_a=1%262&lp_b=x+y");
    }

    #[test]
    fn a_changed_parameter_is_refused() {
        let mut params = signed_params();
        for (k, v) in &mut params {
            if k == "lp_Amount" {
                *v = "2501".to_owned();
            }
        }
        assert_eq!(verify(SECRET, &params), Err(SignError::Mismatch));
    }

    #[test]
    fn an_added_parameter_is_refused() {
        let mut params = signed_params();
        params.push(("lp_BankCode".to_owned(), "NCB".to_owned()));
        assert_eq!(verify(SECRET, &params), Err(SignError::Mismatch));
    }

    #[test]
    fn a_removed_parameter_or_hash_is_refused() {
        let mut params = signed_params();
        params.retain(|(k, _)| k != "lp_OrderInfo");
        assert_eq!(verify(SECRET, &params), Err(SignError::Mismatch));
        let mut params = signed_params();
        params.retain(|(k, _)| k != HASH);
        assert_eq!(verify(SECRET, &params), Err(SignError::Malformed));
    }

    #[test]
    fn another_secret_is_refused() {
        assert_eq!(verify(b"other", &signed_params()), Err(SignError::Mismatch));
        let server = b"server key";
        assert_ne!(merchant_secret(server), provider_secret(server));
        let params = parse(&signed_query(
            &merchant_secret(server),
            &pairs(&[("lp_a", "1")]),
        ));
        assert_eq!(
            verify(&provider_secret(server), &params),
            Err(SignError::Mismatch)
        );
    }

    #[test]
    fn repeated_or_malformed_hashes_are_refused() {
        let mut params = signed_params();
        params.push(("lp_Amount".to_owned(), "2500".to_owned()));
        assert_eq!(verify(SECRET, &params), Err(SignError::Repeated));
        for bad in ["", "zz", "abc", &"a".repeat(300)] {
            let mut params = signed_params();
            params.retain(|(k, _)| k != HASH);
            params.push((HASH.to_owned(), bad.to_owned()));
            assert_eq!(verify(SECRET, &params), Err(SignError::Malformed), "{bad}");
        }
    }

    #[test]
    fn a_form_token_is_tied_to_its_payment() {
        let token = form_token(SECRET, "lp_one");
        assert!(form_token_ok(SECRET, "lp_one", &token));
        assert!(!form_token_ok(SECRET, "lp_two", &token));
        assert!(!form_token_ok(b"other", "lp_one", &token));
        assert!(!form_token_ok(SECRET, "lp_one", "not hex"));
    }
}
