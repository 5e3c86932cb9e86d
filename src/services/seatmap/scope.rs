//! What part of the venue a map shows.

use crate::domain::ids::SectionId;

/// What part of the venue the map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Big venues: the sections only; pick one to see its seats.
    Overview,
    /// One seated section's seats.
    Section(SectionId),
    /// Every seat.
    All,
}

impl Scope {
    /// The query string that shows this scope again ("" for the default).
    pub fn query(self) -> String {
        match self {
            Scope::Overview => String::new(),
            Scope::Section(id) => format!("section={id}"),
            Scope::All => "section=all".to_owned(),
        }
    }

    pub fn section(self) -> Option<SectionId> {
        match self {
            Scope::Section(id) => Some(id),
            _ => None,
        }
    }
}
