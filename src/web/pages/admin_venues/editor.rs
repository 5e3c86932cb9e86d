//! `/admin/venues/new` and `/admin/venues/{id}/edit`: the editor page and its submissions.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::domain::access::Right;
use crate::domain::ids::OrganizerId;
use crate::domain::ids::VenueId;
use crate::domain::venue_layout::FieldError;
use crate::services::venue_admin::{self, VenueAdminError};
use crate::web::access::Staff;
use crate::web::auth::{Layout, PageContext};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::session;
use crate::web::state::AppState;

use super::preview::Preview;
use super::section_form::SectionForm;
use super::venue_form::VenueForm;

#[derive(Template)]
#[template(path = "admin/venues/form.html")]
pub(super) struct FormPage {
    layout: Layout,
    /// `None` for a new venue.
    venue: Option<VenueId>,
    action: String,
    form: VenueForm,
    /// The rendered `_preview.html`.
    preview: String,
}

/// Errors that only concern the venue's own fields don't stop the preview.
pub(super) fn layout_errors(errors: &[FieldError]) -> Vec<FieldError> {
    errors
        .iter()
        .filter(|e| e.section.is_some() || e.field == "sections")
        .cloned()
        .collect()
}

pub(super) async fn render_form(
    state: &AppState,
    layout: Layout,
    venue: Option<VenueId>,
    form: VenueForm,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (input, parse_errors) = form.input();
    let sections = input.sections.clone();
    let planned = state
        .read(move |c, _| {
            Ok(match venue_admin::preview(c, venue, &sections) {
                Ok(layout) => Ok(layout),
                Err(VenueAdminError::Invalid(e)) => Err(e),
                Err(e) => return Err(e.into()),
            })
        })
        .await?;
    let preview = match (planned, parse_errors.is_empty()) {
        (Ok(layout), true) => Preview::of(&layout),
        (Ok(_), false) => Preview::problems(&parse_errors, &form),
        (Err(mut e), _) => {
            e.extend(parse_errors);
            Preview::problems(&layout_errors(&e), &form)
        }
    };
    let preview = preview.render().map_err(AppError::internal)?;
    let action = match venue {
        Some(id) => format!("/admin/venues/{id}/edit"),
        None => "/admin/venues/new".to_owned(),
    };
    html_with_status(
        status,
        FormPage {
            layout,
            venue,
            action,
            form,
            preview,
        }
        .render(),
    )
}

#[get("/venues/new")]
pub(super) async fn new_form(
    state: web::Data<AppState>,
    ctx: PageContext,
) -> Result<HttpResponse, AppError> {
    let form = VenueForm {
        timezone: "Europe/London".to_owned(),
        country: "GB".to_owned(),
        sections: vec![SectionForm::seated("Stalls")],
        ..VenueForm::default()
    };
    render_form(&state, ctx.layout, None, form, StatusCode::OK).await
}

#[get("/venues/{id}/edit")]
pub(super) async fn edit_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let editor = state
        .read(move |c, _| Ok(venue_admin::load(c, id)?))
        .await?;
    let form = VenueForm::of(&editor.input());
    render_form(&state, ctx.layout, Some(id), form, StatusCode::OK).await
}

/// Adds or removes a section of the form (the buttons work without JavaScript); `None` when
/// the action is to save.
pub(super) fn edit_sections(form: &mut VenueForm) -> Option<()> {
    let action = form.action.clone();
    match action.as_str() {
        "add-seated" => form.sections.push(SectionForm::seated(&format!(
            "Section {}",
            form.sections.len() + 1
        ))),
        "add-standing" => form.sections.push(SectionForm::standing(&format!(
            "Standing {}",
            form.sections.len() + 1
        ))),
        "preview" => {}
        other => {
            let i = other.strip_prefix("remove-")?.parse::<usize>().ok()?;
            if i < form.sections.len() {
                form.sections.remove(i);
            }
        }
    }
    Some(())
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    venue: Option<VenueId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let mut form = VenueForm::parse(&body);
    if edit_sections(&mut form).is_some() {
        return render_form(&state, ctx.layout, venue, form, StatusCode::OK).await;
    }
    let (input, parse_errors) = form.input();
    if !parse_errors.is_empty() {
        form.set_errors(&parse_errors);
        return render_form(
            &state,
            ctx.layout,
            venue,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = staff.account.id;
    let organizer = match venue {
        Some(_) => None,
        None => {
            let asked = input.organizer_id.map(OrganizerId);
            let who = staff.clone();
            let chosen = state
                .read(move |c, _| who.choose_organizer(c, Right::EditCatalogue, asked))
                .await;
            match chosen {
                Ok(o) => Some(o),
                Err(AppError::Validation(errors)) => {
                    form.errors.extend(errors);
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    return render_form(&state, ctx.layout, venue, form, status).await;
                }
                Err(e) => return Err(e),
            }
        }
    };
    let outcome = state
        .write_catalogue(move |c, now| match (venue, organizer) {
            (Some(id), _) => venue_admin::update(c, actor, id, &input, now).map(|_| id),
            (None, Some(organizer)) => venue_admin::create(c, actor, organizer, &input, now),
            (None, None) => Err(VenueAdminError::NotFound),
        })
        .await?;
    match outcome {
        Ok(_) => {
            session::set_flash(
                &ctx.session,
                if venue.is_some() {
                    "The venue was saved."
                } else {
                    "The venue was created."
                },
            );
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, "/admin/venues"))
                .finish())
        }
        Err(VenueAdminError::Invalid(errors)) => {
            form.set_errors(&errors);
            render_form(
                &state,
                ctx.layout,
                venue,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(VenueAdminError::InUse(usage)) => {
            form.errors
                .insert("sections", VenueAdminError::in_use_message(&usage));
            render_form(&state, ctx.layout, venue, form, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/venues/new")]
pub(super) async fn create(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    submit(state, ctx, staff, None, body).await
}

#[post("/venues/{id}/edit")]
pub(super) async fn update(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    // An unknown venue is a 404, not a form.
    state
        .read(move |c, _| Ok(crate::services::venue_admin::exists(c, id)?))
        .await?
        .then_some(())
        .ok_or(AppError::NotFound)?;
    submit(state, ctx, staff, Some(id), body).await
}
