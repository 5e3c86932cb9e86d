//! Time, passed in rather than read from everywhere, so tests can move it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};

/// The source of "now" for services. Times are UTC, truncated to microseconds (what
/// PostgreSQL keeps), so a value read back equals the value written.
#[derive(Clone)]
pub enum Clock {
    System,
    /// A clock tests set and advance.
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock::Fixed(Arc::new(Mutex::new(at.trunc_subsecs(6))))
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now().trunc_subsecs(6),
            Clock::Fixed(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Now as the naive UTC timestamp stored in the database.
    pub fn now(&self) -> NaiveDateTime {
        self.now_utc().naive_utc()
    }

    /// Moves a fixed clock forward; the system clock ignores it.
    pub fn advance(&self, by: TimeDelta) {
        if let Clock::Fixed(at) = self {
            let mut at = at.lock().unwrap_or_else(|p| p.into_inner());
            *at += by;
        }
    }
}
