//! Payments and refunds: their state machines (ARCHITECTURE §3), and ticket codes.

use super::text_enum;

text_enum! {
    /// The payment providers this box office can take payments through (issue 23; the
    /// providers themselves are in `providers`).
    pub enum ProviderId {
        SimPay => "simpay",
        LotusPay => "lotuspay",
    }
}

text_enum! {
    /// `pending` → `succeeded` | `failed`; `succeeded` → `refunded`. A payment the gateway
    /// took for a booking that another payment had already paid goes `pending` → `refunded`
    /// directly: it never stands, it is only given back.
    pub enum PaymentStatus {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
        Refunded => "refunded",
    }
}

impl PaymentStatus {
    /// Whether a payment in this state may move to `next` (the SQL is guarded the same way).
    pub fn can_become(self, next: PaymentStatus) -> bool {
        use PaymentStatus::*;
        matches!(
            (self, next),
            (Pending, Succeeded) | (Pending, Failed) | (Succeeded, Refunded) | (Pending, Refunded)
        )
    }
}

text_enum! {
    /// `pending` → `succeeded` | `failed`; a failed refund is retried (`failed` → `pending`).
    pub enum RefundStatus {
        Pending => "pending",
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

impl RefundStatus {
    pub fn can_become(self, next: RefundStatus) -> bool {
        use RefundStatus::*;
        matches!(
            (self, next),
            (Pending, Succeeded) | (Pending, Failed) | (Failed, Pending)
        )
    }
}

/// The alphabet of ticket codes: Crockford's base 32 (no I, L, O, U), easy to read aloud and
/// to type at the door.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 16 characters of base 32: 80 random bits, so a code cannot be guessed.
pub const CODE_LENGTH: usize = 16;

/// A new random ticket code.
pub fn new_ticket_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A code as people read it: `K7QM 3XPA 9D2F RT4B`.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_payment_transition_allowed_and_forbidden() {
        use PaymentStatus::*;
        let allowed = [
            (Pending, Succeeded),
            (Pending, Failed),
            (Succeeded, Refunded),
            (Pending, Refunded),
        ];
        for &from in PaymentStatus::ALL {
            for &to in PaymentStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn every_refund_transition_allowed_and_forbidden() {
        use RefundStatus::*;
        let allowed = [(Pending, Succeeded), (Pending, Failed), (Failed, Pending)];
        for &from in RefundStatus::ALL {
            for &to in RefundStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn ticket_codes_are_long_random_and_readable() {
        let codes: HashSet<String> = (0..2_000).map(|_| new_ticket_code()).collect();
        assert_eq!(codes.len(), 2_000);
        for code in &codes {
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        }
        assert_eq!(grouped("ABCDEFGHJKMNPQRS"), "ABCD EFGH JKMN PQRS");
    }
}
