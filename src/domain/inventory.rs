//! What is left to sell, from a section's counters.

/// Seats or places: how many can be sold at all (not blocked) and how many are free now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub capacity: i64,
    pub available: i64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.capacity += other.capacity;
        self.available += other.available;
    }
}

/// A section's counters for one event. `expired` is the part of `held` whose holds have run
/// out: free already, though the sweeper has not released them yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SectionCounters {
    pub capacity: i64,
    pub held: i64,
    pub sold: i64,
    pub blocked: i64,
    pub expired: i64,
}

impl SectionCounters {
    pub fn counts(&self) -> Counts {
        let sellable = (self.capacity - self.blocked).max(0);
        let live_held = (self.held - self.expired).max(0);
        Counts {
            capacity: sellable,
            available: (sellable - self.sold - live_held).max(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_holds_count_as_available_and_blocked_seats_are_not_for_sale() {
        let c = SectionCounters {
            capacity: 100,
            held: 10,
            sold: 50,
            blocked: 5,
            expired: 4,
        };
        assert_eq!(
            c.counts(),
            Counts {
                capacity: 95,
                available: 39
            }
        );
        let all_expired = SectionCounters { expired: 10, ..c };
        assert_eq!(all_expired.counts().available, 45);
        let sold_out = SectionCounters {
            capacity: 10,
            sold: 10,
            ..Default::default()
        };
        assert_eq!(
            sold_out.counts(),
            Counts {
                capacity: 10,
                available: 0
            }
        );
    }
}
