//! The event's buttons: the workflow (submit, approve, return to draft, publish, close),
//! duplicate and delete.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use crate::domain::event::EventStatus;
use crate::domain::ids::EventId;
use crate::services::event_admin::{self as service, EventAdminError};
use crate::web::access::Staff;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

use super::see_other;

#[derive(Deserialize)]
pub(super) struct ActionForm {
    version: Option<i32>,
    /// Where to come back to: the list or the edit page.
    back: Option<String>,
}

impl ActionForm {
    /// The list, or the event's edit page.
    fn back(&self, id: EventId) -> String {
        match self.back.as_deref() {
            Some("list") => "/admin/events".to_owned(),
            _ => format!("/admin/events/{id}/edit"),
        }
    }
}

/// What a workflow button does.
enum Act {
    Move(EventStatus, &'static str),
    Duplicate,
    Delete,
}

fn act(name: &str) -> Option<Act> {
    use EventStatus::*;
    Some(match name {
        "publish" => Act::Move(Published, "The event is published."),
        "close" => Act::Move(Completed, "The event is closed: it is now completed."),
        "submit" => Act::Move(Review, "The event was sent for review."),
        "approve" => Act::Move(
            Approved,
            "The event is approved: its editors can publish it.",
        ),
        "return" => Act::Move(Draft, "The event is a draft again."),
        "duplicate" => Act::Duplicate,
        "delete" => Act::Delete,
        _ => return None,
    })
}

#[post("/events/{id:\\d+}/{action:(publish|close|submit|approve|return|duplicate|delete)}")]
pub(super) async fn action(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let id = EventId(id);
    let Some(act) = act(&action) else {
        return Err(AppError::NotFound);
    };
    let (version, mut back) = (form.version.unwrap_or(0), form.back(id));
    let done = match &act {
        Act::Move(_, done) => *done,
        Act::Duplicate => "",
        Act::Delete => {
            back = "/admin/events".to_owned();
            "The event was deleted."
        }
    };
    let who = staff.permissions.clone();
    let outcome = state
        .write_catalogue(move |c, now| match act {
            Act::Move(to, _) => service::transition(c, &who, id, version, to, now).map(|_| None),
            Act::Duplicate => service::duplicate(c, who.user, id, now).map(Some),
            Act::Delete => service::delete(c, who.user, id, now).map(|()| None),
        })
        .await?;
    let on_error = format!("/admin/events/{id}/edit");
    let (message, to) = flash_and_target(outcome, done, back, on_error)?;
    session::set_flash(&ctx.session, &message);
    Ok(see_other(to))
}

/// What a button's outcome says (the flash) and where it leads: the copy's editor after a
/// duplicate, else back.
fn flash_and_target(
    outcome: Result<Option<EventId>, EventAdminError>,
    done: &str,
    back: String,
    on_error: String,
) -> Result<(String, String), AppError> {
    Ok(match outcome {
        Ok(Some(copy)) => (
            "A draft copy was made; you are editing the copy.".to_owned(),
            format!("/admin/events/{copy}/edit"),
        ),
        Ok(None) => (done.to_owned(), back),
        Err(EventAdminError::Conflict(_)) => (
            "Someone else changed this event meanwhile; nothing was done. Check it and try again."
                .to_owned(),
            back,
        ),
        Err(EventAdminError::Transition { from, to: next }) => (
            format!("A {from} event can't become {next}; nothing was done."),
            back,
        ),
        Err(EventAdminError::CannotPublish(why)) => {
            (format!("The event can't be published: {why}."), back)
        }
        Err(EventAdminError::HasBookings) => (
            "This event has bookings (even expired holds), so it can't be deleted: cancel it \
             instead."
                .to_owned(),
            on_error,
        ),

        Err(e) => return Err(e.into()),
    })
}
