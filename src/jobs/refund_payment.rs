//! Giving a payment back through the gateway. The refund row is recorded in the caller's
//! transaction (`services::payments::start_refund`, an admin's refund); this job asks the
//! gateway for it and confirms it (`services::payments::RefundJob` runs it).

use serde::{Deserialize, Serialize};

use super::Job;
use crate::domain::ids::RefundId;

/// Asks the gateway for the recorded refund `refund_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPayment {
    pub refund_id: RefundId,
}

impl Job for RefundPayment {
    const KIND: &'static str = "payments.refund";
    /// Refunds are money: tried for about two days before an admin has to look.
    const MAX_ATTEMPTS: i32 = 40;

    /// One job per refund.
    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::KIND, self.refund_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_and_key_are_the_refund_id() {
        let job = RefundPayment {
            refund_id: RefundId(12),
        };
        assert_eq!(serde_json::to_string(&job).unwrap(), r#"{"refund_id":12}"#);
        assert_eq!(job.dedupe_key().as_deref(), Some("payments.refund:12"));
    }
}
