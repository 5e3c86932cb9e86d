//! Venues and their sections.

use super::text_enum;

text_enum! {
    /// A seated section has numbered seats on a map; a standing one has a capacity.
    pub enum SectionKind {
        Seated => "seated",
        Standing => "standing",
    }
}

text_enum! {
    /// Per event, the state of one seat. A seat under an expired hold reads as `available`.
    pub enum SeatStatus {
        Available => "available",
        Held => "held",
        Sold => "sold",
        Blocked => "blocked",
    }
}
