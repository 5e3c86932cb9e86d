//! The job queue's states, and what each means on the admin's jobs page.

use super::text_enum;

text_enum! {
    /// `queued` → `running` → `done` | `queued` (a retry later) | `dead` (after its last
    /// attempt); an admin's retry puts a `dead` or `queued` job back to `queued`, due now.
    pub enum JobStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Dead => "dead",
    }
}

impl JobStatus {
    /// Its badge on the admin's jobs page.
    pub fn badge_class(self) -> &'static str {
        match self {
            JobStatus::Done => "badge-ok",
            JobStatus::Dead => "badge-bad",
            JobStatus::Running => "badge-warn",
            JobStatus::Queued => "badge-muted",
        }
    }

    /// Whether an admin may run it again now (not while it runs, nor once it is done).
    pub fn can_retry(self) -> bool {
        matches!(self, JobStatus::Dead | JobStatus::Queued)
    }

    /// The admin's button for it: a dead job is retried, a waiting one run now.
    pub fn retry_label(self) -> &'static str {
        if self == JobStatus::Dead {
            "Retry"
        } else {
            "Run now"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_spelling() {
        for &s in JobStatus::ALL {
            assert_eq!(s.as_str().parse::<JobStatus>(), Ok(s));
        }
        assert!("pending".parse::<JobStatus>().is_err());
    }

    #[test]
    fn badges_and_buttons_say_what_the_status_means() {
        use JobStatus::*;
        let badges: Vec<_> = JobStatus::ALL.iter().map(|s| s.badge_class()).collect();
        assert_eq!(
            badges,
            ["badge-muted", "badge-warn", "badge-ok", "badge-bad"]
        );
        let retryable: Vec<_> = JobStatus::ALL.iter().filter(|s| s.can_retry()).collect();
        assert_eq!(retryable, [&Queued, &Dead]);
        assert_eq!(Dead.retry_label(), "Retry");
        assert_eq!(Queued.retry_label(), "Run now");
    }
}
