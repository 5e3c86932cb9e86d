//! The email outbox's states, and what each means on the admin's outbox page.

use super::text_enum;

text_enum! {
    /// `pending` → `sent` | `failed` (after its last attempt); an admin's resend puts any
    /// email back to `pending`.
    pub enum EmailStatus {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
}

impl EmailStatus {
    /// Its badge on the admin's outbox.
    pub fn badge_class(self) -> &'static str {
        match self {
            EmailStatus::Sent => "badge-ok",
            EmailStatus::Failed => "badge-bad",
            EmailStatus::Pending => "badge-warn",
        }
    }

    /// Still waiting for a sender.
    pub fn is_pending(self) -> bool {
        self == EmailStatus::Pending
    }

    /// The admin's button for it: a waiting email goes now, any other goes again.
    pub fn resend_label(self) -> &'static str {
        if self.is_pending() {
            "Send now"
        } else {
            "Resend"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_spelling() {
        for &s in EmailStatus::ALL {
            assert_eq!(s.as_str().parse::<EmailStatus>(), Ok(s));
        }
        assert!("queued".parse::<EmailStatus>().is_err());
    }

    #[test]
    fn badges_and_buttons_say_what_the_status_means() {
        assert_eq!(EmailStatus::Sent.badge_class(), "badge-ok");
        assert_eq!(EmailStatus::Failed.badge_class(), "badge-bad");
        assert_eq!(EmailStatus::Pending.badge_class(), "badge-warn");
        assert_eq!(EmailStatus::Pending.resend_label(), "Send now");
        assert_eq!(EmailStatus::Sent.resend_label(), "Resend");
        assert_eq!(EmailStatus::Failed.resend_label(), "Resend");
    }
}
