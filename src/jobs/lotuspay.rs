//! LotusPay's own jobs (`providers::lotuspay`): its server-to-server notifications, posted
//! until the merchant answers `{"RspCode":"00"}`, and the bank transfers it settles hours
//! after the buyer said they paid.

use serde::{Deserialize, Serialize};

use super::Job;

/// Posts the LotusPay notification `notify_id` (its stored parameters, signed afresh).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotusPayNotify {
    pub notify_id: String,
}

impl Job for LotusPayNotify {
    const KIND: &'static str = "lotuspay.notify";
    /// With the backoff capped at an hour: about a day.
    const MAX_ATTEMPTS: i32 = 20;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::KIND, self.notify_id))
    }
}

/// Settles the bank transfer of LotusPay payment `txn_ref` (due at its `settle_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotusPaySettle {
    pub txn_ref: String,
}

impl Job for LotusPaySettle {
    const KIND: &'static str = "lotuspay.settle";

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::KIND, self.txn_ref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payloads_are_ids_and_each_has_one_job() {
        let notify = LotusPayNotify {
            notify_id: "lpn_1".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&notify).unwrap(),
            r#"{"notify_id":"lpn_1"}"#
        );
        assert_eq!(
            notify.dedupe_key().as_deref(),
            Some("lotuspay.notify:lpn_1")
        );
        let settle = LotusPaySettle {
            txn_ref: "lp_1".to_owned(),
        };
        assert_eq!(settle.dedupe_key().as_deref(), Some("lotuspay.settle:lp_1"));
    }
}
