//! The publish, close and duplicate buttons.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use crate::domain::event::EventStatus;
use crate::domain::ids::EventId;
use crate::services::event_admin::{self as service, EventAdminError};
use crate::web::admin_guard::Admin;
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

#[post("/events/{id:\\d+}/{action:(publish|close|duplicate)}")]
pub(super) async fn action(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<(i64, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let id = EventId(id);
    let (version, back) = (form.version.unwrap_or(0), form.back(id));
    let actor = admin.0.id;
    let done = if action == "publish" {
        "The event is published."
    } else {
        "The event is closed: it is now completed."
    };
    let outcome = state
        .write_catalogue(move |c, now| match action.as_str() {
            "publish" => service::transition(c, actor, id, version, EventStatus::Published, now)
                .map(|_| None),
            "close" => service::transition(c, actor, id, version, EventStatus::Completed, now)
                .map(|_| None),
            _ => service::duplicate(c, actor, id, now).map(Some),
        })
        .await?;
    let (message, to) = flash_and_target(outcome, done, back)?;
    session::set_flash(&ctx.session, &message);
    Ok(see_other(to))
}

/// What a button's outcome says (the flash) and where it leads: the copy's editor after a
/// duplicate, else back.
fn flash_and_target(
    outcome: Result<Option<EventId>, EventAdminError>,
    done: &str,
    back: String,
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
        Err(e) => return Err(e.into()),
    })
}
