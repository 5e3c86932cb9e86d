//! The waiting room's tokens (issue 20, WAITING_ROOM.md §3.8): what a buyer's browser (a
//! cookie) or API client (the `Queue-Token` header) shows to say where it stands in an event's
//! queue. A `wait` token carries the buyer's ticket and number while they wait; an `admit` token
//! says their turn was claimed, until `exp`. Checking one needs no database: the seat map and
//! its live stream trust a valid `admit` token; a hold also confirms the turn in the database
//! inside its transaction (the token can be revoked there).
//!
//! The format is text, not JSON in base64: `1.<kind>.<event>.<ticket>.<user>.<seq>.<exp>.<mac>`,
//! where kind is `w` or `a`, seq is 0 before the draw, exp is Unix seconds, and mac is the
//! hex HMAC-SHA256 of everything before it under a key derived from the server's secret key.
//! Nothing in it is secret (the buyer may read their own number); everything in it is signed.
//! Checking fails closed, in this order: the length and shape, the MAC (constant time), the
//! version, the kind, the event, the account (the signed-in one, so a copied token is useless
//! to anyone else), then the expiry.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ids::{EventId, UserId};

type HmacSha256 = Hmac<Sha256>;

/// The longest token accepted (a real one is about 110 bytes).
const MAX_LEN: usize = 256;

/// What a token says about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Waiting in the queue.
    Wait,
    /// Admitted: may open the seat map and hold.
    Admit,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Wait => "w",
            Kind::Admit => "a",
        }
    }
}

/// A token's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub kind: Kind,
    pub event: EventId,
    /// The buyer's ticket (its row id).
    pub ticket: i64,
    pub user: UserId,
    /// The ticket's number (`None` before the draw).
    pub seq: Option<i64>,
    /// Unix seconds after which the token is refused.
    pub exp: i64,
}

/// Why a token was refused (the label of `admission_refused_total{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no admission token, or not one at all")]
    Malformed,
    #[error("the token's signature does not match")]
    Forged,
    #[error("the token is of an older kind")]
    Version,
    #[error("the token is not an admission")]
    Kind,
    #[error("the token is for another event")]
    OtherEvent,
    #[error("the token is for another account")]
    OtherAccount,
    #[error("the token has expired")]
    Expired,
}

impl Refused {
    /// The short name metrics and logs use.
    pub fn reason(self) -> &'static str {
        match self {
            Refused::Malformed => "malformed",
            Refused::Forged => "forged",
            Refused::Version => "version",
            Refused::Kind => "kind",
            Refused::OtherEvent => "other_event",
            Refused::OtherAccount => "other_account",
            Refused::Expired => "expired",
        }
    }
}

/// The key tokens are signed with, derived from the server's secret key (as the gateway's
/// webhook secret is), so that nothing more has to be configured and every instance agrees.
#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
pub fn key(server_secret: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(server_secret).expect("HMAC takes any key length");
    mac.update(b"boxoffice waiting room: admission tokens v1");
    mac.finalize().into_bytes().to_vec()
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn mac(key: &[u8], signed: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(signed.as_bytes());
    mac
}

/// The token for `admission`.
pub fn issue(key: &[u8], admission: &Admission) -> String {
    let signed = format!(
        "1.{}.{}.{}.{}.{}.{}",
        admission.kind.code(),
        admission.event.0,
        admission.ticket,
        admission.user.0,
        admission.seq.unwrap_or(0),
        admission.exp
    );
    let digest = mac(key, &signed).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{signed}.{hex}")
}

/// Reads `token`, refusing it unless it is a `kind` token for `event` and `user`, signed with
/// `key` and not expired at `now` (Unix seconds).
pub fn verify(
    key: &[u8],
    token: &str,
    kind: Kind,
    event: EventId,
    user: UserId,
    now: i64,
) -> Result<Admission, Refused> {
    if token.len() > MAX_LEN || !token.is_ascii() {
        return Err(Refused::Malformed);
    }
    let (signed, hex) = token.rsplit_once('.').ok_or(Refused::Malformed)?;
    let given = decode_hex(hex).ok_or(Refused::Malformed)?;
    mac(key, signed)
        .verify_slice(&given)
        .map_err(|_| Refused::Forged)?;
    let fields: Vec<&str> = signed.split('.').collect();
    let [version, code, ev, ticket, who, seq, exp] = fields[..] else {
        return Err(Refused::Malformed);
    };
    if version != "1" {
        return Err(Refused::Version);
    }
    let number = |s: &str| s.parse::<i64>().map_err(|_| Refused::Malformed);
    let admission = Admission {
        kind: match code {
            "w" => Kind::Wait,
            "a" => Kind::Admit,
            _ => return Err(Refused::Malformed),
        },
        event: EventId(number(ev)?),
        ticket: number(ticket)?,
        user: UserId(number(who)?),
        seq: Some(number(seq)?).filter(|s| *s > 0),
        exp: number(exp)?,
    };
    if admission.kind != kind {
        return Err(Refused::Kind);
    }
    if admission.event != event {
        return Err(Refused::OtherEvent);
    }
    if admission.user != user {
        return Err(Refused::OtherAccount);
    }
    if now >= admission.exp {
        return Err(Refused::Expired);
    }
    Ok(admission)
}

/// The account a token names, read without checking anything: only to then [`verify`] the
/// token for that account (a status read, where the token itself is the credential).
pub fn named_user(token: &str) -> Option<UserId> {
    let field = token.split('.').nth(4)?;
    field.parse::<i64>().ok().map(UserId)
}

/// The MAC's 64 lower-case hex digits (one spelling per token: upper case is refused).
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let lower = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    if hex.len() != 64 || !hex.bytes().all(lower) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn admission() -> Admission {
        Admission {
            kind: Kind::Admit,
            event: EventId(7),
            ticket: 41,
            user: UserId(3),
            seq: Some(1_234),
            exp: NOW + 900,
        }
    }

    fn check(key: &[u8], token: &str) -> Result<Admission, Refused> {
        verify(key, token, Kind::Admit, EventId(7), UserId(3), NOW)
    }

    #[test]
    fn a_token_reads_back_as_issued() {
        let key = key(b"server secret");
        let token = issue(&key, &admission());
        assert!(token.starts_with("1.a.7.41.3.1234."), "{token}");
        assert_eq!(check(&key, &token), Ok(admission()));
        let waiting = Admission {
            kind: Kind::Wait,
            seq: None,
            ..admission()
        };
        let token = issue(&key, &waiting);
        assert_eq!(
            verify(&key, &token, Kind::Wait, EventId(7), UserId(3), NOW),
            Ok(waiting)
        );
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let key = key(b"server secret");
        let token = issue(&key, &admission());
        for i in 0..token.len() {
            for bit in 0..7 {
                let mut bytes = token.clone().into_bytes();
                bytes[i] ^= 1 << bit;
                let Ok(forged) = String::from_utf8(bytes) else {
                    continue;
                };
                let refused = check(&key, &forged);
                assert!(
                    matches!(refused, Err(Refused::Forged | Refused::Malformed)),
                    "{forged}: {refused:?}"
                );
            }
        }
    }

    #[test]
    fn another_key_event_account_kind_or_an_expired_token_is_refused() {
        let key = key(b"server secret");
        let token = issue(&key, &admission());
        let other_key = super::key(b"another server");
        assert_eq!(check(&other_key, &token), Err(Refused::Forged));
        let at =
            |event, user, now, kind| verify(&key, &token, kind, EventId(event), UserId(user), now);
        assert_eq!(at(8, 3, NOW, Kind::Admit), Err(Refused::OtherEvent));
        assert_eq!(at(7, 4, NOW, Kind::Admit), Err(Refused::OtherAccount));
        assert_eq!(at(7, 3, NOW, Kind::Wait), Err(Refused::Kind));
        assert_eq!(at(7, 3, NOW + 899, Kind::Admit).map(|a| a.ticket), Ok(41));
        assert_eq!(at(7, 3, NOW + 900, Kind::Admit), Err(Refused::Expired));
    }

    #[test]
    fn truncated_or_garbage_tokens_fail_closed() {
        let key = key(b"server secret");
        let token = issue(&key, &admission());
        for bad in [
            "",
            ".",
            "garbage",
            &token[..token.len() - 1],
            &token[..20],
            &format!("{token}0"),
            &format!("{token}.00"),
            &"9".repeat(300),
            "1.a.7.41.3.1234.1800000900.zz",
        ] {
            let refused = check(&key, bad).expect_err(bad);
            assert!(
                matches!(refused, Refused::Malformed | Refused::Forged),
                "{bad}: {refused:?}"
            );
        }
        // Signed, but not a token this version reads.
        let signed = |text: &str| {
            let digest = mac(&key, text).finalize().into_bytes();
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{text}.{hex}")
        };
        assert_eq!(
            check(&key, &signed("2.a.7.41.3.1234.1800000900")),
            Err(Refused::Version)
        );
        assert_eq!(check(&key, &signed("1.a.7.41.3")), Err(Refused::Malformed));
        assert_eq!(Refused::OtherAccount.reason(), "other_account");
    }
}
