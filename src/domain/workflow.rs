//! Who may move an event between statuses (issue 22). The move itself is one guarded
//! `UPDATE … WHERE status = <from>` (src/db/event_admin/write.rs); this says which right it
//! needs, given whether the event's organizer requires a platform admin's approval.

use super::access::Right;
use super::event::EventStatus;

/// The right a move from `from` to `to` needs, or `None` when the workflow has no such move.
/// Cancelling is not here: it refunds buyers and has its own path (`Right::CancelEvents`).
pub fn move_needs(from: EventStatus, to: EventStatus, requires_approval: bool) -> Option<Right> {
    use EventStatus::*;
    // Publishing without an approval is the approver's call when approval is required.
    let publish_unapproved = if requires_approval {
        Right::Approve
    } else {
        Right::EditCatalogue
    };
    match (from, to) {
        // An editor submits, withdraws, or goes back to editing after an approval.
        (Draft, Review) | (Review, Draft) | (Approved, Draft) => Some(Right::EditCatalogue),
        (Review, Approved) => Some(Right::Approve),
        (Approved, Published) | (Published, Completed) => Some(Right::EditCatalogue),
        (Draft | Review, Published) => Some(publish_unapproved),
        _ => None,
    }
}

/// The audit log's name for a move.
pub fn action_name(from: EventStatus, to: EventStatus) -> &'static str {
    use EventStatus::*;
    match (from, to) {
        (_, Review) => "event.submitted",
        (Review, Draft) => "event.returned_to_draft",
        (Approved, Draft) => "event.reopened",
        (_, Approved) => "event.approved",
        (_, Published) => "event.published",
        (_, Completed) => "event.closed",
        _ => "event.moved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventStatus::*;

    #[test]
    fn with_approval_required_only_the_approver_publishes_what_was_not_approved() {
        assert_eq!(move_needs(Draft, Review, true), Some(Right::EditCatalogue));
        assert_eq!(move_needs(Review, Approved, true), Some(Right::Approve));
        assert_eq!(
            move_needs(Approved, Published, true),
            Some(Right::EditCatalogue)
        );
        assert_eq!(move_needs(Draft, Published, true), Some(Right::Approve));
        assert_eq!(move_needs(Review, Published, true), Some(Right::Approve));
    }

    #[test]
    fn without_approval_a_draft_is_published_by_its_editors() {
        assert_eq!(
            move_needs(Draft, Published, false),
            Some(Right::EditCatalogue)
        );
        assert_eq!(move_needs(Review, Approved, false), Some(Right::Approve));
    }

    #[test]
    fn every_move_the_workflow_names_is_a_move_the_status_allows() {
        for from in EventStatus::ALL {
            for to in EventStatus::ALL {
                for required in [true, false] {
                    if move_needs(*from, *to, required).is_some() {
                        assert!(from.can_become(*to), "{from} -> {to}");
                    }
                }
            }
        }
        assert_eq!(move_needs(Published, Draft, false), None);
        assert_eq!(move_needs(Completed, Published, false), None);
        assert_eq!(move_needs(Draft, Approved, true), None);
    }
}
