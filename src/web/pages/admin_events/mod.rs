//! `/admin/events…`: the event editor's pages (issue 7). The list, the new/edit form, and the
//! workflow, duplicate and delete buttons; the same service as `/api/v1/admin/events`.

mod actions;
mod buttons;
mod form_page;
mod list_page;
mod save;

mod form;

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};

use actions::action;
pub(crate) use buttons::organizers_of;
use form_page::{new_form, sections_fragment};
use list_page::list;
use save::{create, edit, edit_form};

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(sections_fragment)
        .service(create)
        .service(edit_form)
        .service(edit)
        .service(action);
}
