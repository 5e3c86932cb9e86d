//! `/admin/venues`: the venue list and the venue editor (form + live preview). Behind the
//! admin guard of `/admin`.

mod editor;
mod preview;
mod section_form;
mod venue_form;

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::html;
use crate::domain::access::Right;
use crate::domain::ids::VenueId;
use crate::services::venue_admin::{self, VenueAdminError, VenueListRow};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::state::AppState;

use editor::{create, edit_form, new_form, update};
use preview::preview_map;

#[derive(Template)]
#[template(path = "admin/venues/index.html")]
struct ListPage {
    layout: Layout,
    venues: Vec<VenueListRow>,
    /// Whether the caller may create venues; the venues they may edit.
    may_edit: bool,
    editable: Editable,
}

/// The venues the caller may edit and delete.
struct Editable(Vec<i64>);

impl Editable {
    fn contains(&self, id: &VenueId) -> bool {
        self.0.contains(&id.0)
    }
}

#[get("/venues")]
async fn list(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    let (scope, edit) = (
        staff.scope(Right::ReadCatalogue),
        staff.scope(Right::EditCatalogue),
    );
    let (venues, editable) = state
        .read(move |c, _| {
            let editable = venue_admin::list(c, &edit)?
                .iter()
                .map(|v| v.id.0)
                .collect();
            Ok((venue_admin::list(c, &scope)?, Editable(editable)))
        })
        .await?;
    html(
        ListPage {
            layout: ctx.layout,
            venues,
            may_edit: staff
                .permissions
                .may_somewhere(Right::EditCatalogue)
                .is_ok(),
            editable,
        }
        .render(),
    )
}

#[post("/venues/{id}/delete")]
async fn delete(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let actor = staff.account.id;
    let outcome = state
        .write_catalogue(move |c, now| venue_admin::delete(c, actor, id, now))
        .await?;
    let message = match outcome {
        Ok(()) => "The venue was deleted.",
        Err(VenueAdminError::HasEvents) => {
            "Events use this venue, so it can't be deleted: delete the events that never had a \
             booking, and cancel the others."
        }
        Err(e) => return Err(e.into()),
    };
    crate::web::session::set_flash(&ctx.session, message);
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/admin/venues"))
        .finish())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(preview_map)
        .service(edit_form)
        .service(update)
        .service(delete);
}
