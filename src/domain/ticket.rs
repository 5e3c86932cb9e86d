//! A ticket's states at the door.

use super::text_enum;

text_enum! {
    /// `valid` → `checked_in` (at the door) | `void` (its booking was refunded or its event
    /// cancelled). A ticket used at the door stays `checked_in`.
    pub enum TicketStatus {
        Valid => "valid",
        CheckedIn => "checked_in",
        Void => "void",
    }
}

impl TicketStatus {
    /// Whether it still counts: not void (a checked-in ticket keeps its seat).
    pub fn is_live(self) -> bool {
        self != TicketStatus::Void
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_spelling() {
        for &s in TicketStatus::ALL {
            assert_eq!(s.as_str().parse::<TicketStatus>(), Ok(s));
        }
        assert!("used".parse::<TicketStatus>().is_err());
    }

    #[test]
    fn only_a_void_ticket_is_dead() {
        assert!(TicketStatus::Valid.is_live());
        assert!(TicketStatus::CheckedIn.is_live());
        assert!(!TicketStatus::Void.is_live());
    }
}
