//! The one-time tokens emailed links carry: purposes, lifetimes, new tokens and their hashes
//! (only a token's SHA-256 is stored).

use chrono::TimeDelta;

pub const VERIFY_PURPOSE: &str = "verify_email";
pub const RESET_PURPOSE: &str = "reset_password";
pub const VERIFY_TTL: TimeDelta = TimeDelta::hours(48);
pub const RESET_TTL: TimeDelta = TimeDelta::hours(1);

/// 32 random bytes, hex: what goes in the link. Only its SHA-256 is stored.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
