//! `/admin/venues`: the venue list and the venue editor (form + live preview). Behind the
//! admin guard of `/admin`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use super::{html, html_with_status};
use crate::domain::ids::VenueId;
use crate::domain::seatmap::{Rect, stage};
use crate::domain::venue::SectionKind;
use crate::domain::venue_layout::{FieldError, SectionInput, SectionLayout, seat_key};
use crate::services::venue_admin::{self, VenueAdminError, VenueInput, VenueListRow};
use crate::startup::AppState;
use crate::web::admin_guard::Admin;
use crate::web::auth::{Layout, PageContext};
use crate::web::blocking;
use crate::web::error::AppError;
use crate::web::session;

#[derive(Template)]
#[template(path = "admin/venues/index.html")]
struct ListPage {
    layout: Layout,
    venues: Vec<VenueListRow>,
}

#[get("/venues")]
async fn list(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    let venues = blocking(&state, |c, _| Ok(venue_admin::list(c)?)).await?;
    html(
        ListPage {
            layout: ctx.layout,
            venues,
        }
        .render(),
    )
}

/// One text input of the editor, for the templates' loops.
pub struct Input<'a> {
    pub field: &'static str,
    pub label: &'static str,
    pub value: &'a str,
    pub hint: &'static str,
    pub mode: &'static str,
    pub required: bool,
}

fn input<'a>(
    field: &'static str,
    label: &'static str,
    value: &'a str,
    hint: &'static str,
) -> Input<'a> {
    Input {
        field,
        label,
        value,
        hint,
        mode: "numeric",
        required: false,
    }
}

/// One section of the form, as typed (so a re-rendered form keeps what was sent).
#[derive(Debug, Clone, Default)]
pub struct SectionForm {
    pub kind: String,
    pub name: String,
    pub rows: String,
    pub seats_per_row: String,
    pub first_row: String,
    pub numbering: String,
    pub shape: String,
    pub x: String,
    pub y: String,
    pub capacity: String,
    pub width: String,
    pub height: String,
    pub accessible: String,
    pub blocked: String,
    pub errors: BTreeMap<&'static str, String>,
}

impl SectionForm {
    fn seated(name: &str) -> SectionForm {
        SectionForm {
            kind: "seated".to_owned(),
            name: name.to_owned(),
            rows: "10".to_owned(),
            seats_per_row: "20".to_owned(),
            first_row: "A".to_owned(),
            numbering: "left_to_right".to_owned(),
            shape: "straight".to_owned(),
            ..SectionForm::default()
        }
    }

    fn standing(name: &str) -> SectionForm {
        SectionForm {
            kind: "standing".to_owned(),
            name: name.to_owned(),
            capacity: "500".to_owned(),
            numbering: "left_to_right".to_owned(),
            shape: "straight".to_owned(),
            ..SectionForm::default()
        }
    }

    fn of(input: &SectionInput) -> SectionForm {
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        SectionForm {
            kind: input.kind.clone(),
            name: input.name.clone(),
            rows: n(input.rows),
            seats_per_row: n(input.seats_per_row),
            first_row: input.first_row.clone().unwrap_or_default(),
            numbering: input.numbering.clone().unwrap_or_default(),
            shape: input.shape.clone().unwrap_or_default(),
            x: n(input.x),
            y: n(input.y),
            capacity: n(input.capacity),
            width: n(input.width),
            height: n(input.height),
            accessible: input.accessible.join(" "),
            blocked: input.blocked.join(" "),
            errors: BTreeMap::new(),
        }
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn seated_inputs(&self) -> Vec<Input<'_>> {
        vec![
            input("rows", "Rows", &self.rows, "1–200"),
            input(
                "seats_per_row",
                "Seats per row",
                &self.seats_per_row,
                "1–200",
            ),
            Input {
                mode: "text",
                ..input(
                    "first_row",
                    "First row label",
                    &self.first_row,
                    "A, B … or 1, 2 …",
                )
            },
        ]
    }

    pub fn standing_inputs(&self) -> Vec<Input<'_>> {
        vec![
            input("capacity", "Capacity", &self.capacity, "places"),
            input("width", "Width", &self.width, "map units, default 200"),
            input("height", "Height", &self.height, "map units, default 100"),
        ]
    }

    pub fn place_inputs(&self) -> Vec<Input<'_>> {
        let hint = "empty: below the previous section";
        vec![
            input("x", "Map position x", &self.x, hint),
            input("y", "Map position y", &self.y, hint),
        ]
    }

    pub fn key_inputs(&self) -> Vec<Input<'_>> {
        let hint = "row-number, e.g. A-1 A-2; or click seats on the preview";
        vec![
            Input {
                mode: "text",
                ..input("accessible", "Wheelchair spaces", &self.accessible, hint)
            },
            Input {
                mode: "text",
                ..input("blocked", "Blocked seats (never sold)", &self.blocked, hint)
            },
        ]
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        match field {
            "kind" => self.kind == value,
            "numbering" => self.numbering == value,
            "shape" => self.shape == value,
            _ => false,
        }
    }

    /// The section as the service takes it; a number that isn't one is an error here.
    fn input(&self, i: usize, errors: &mut Vec<FieldError>) -> SectionInput {
        let mut num = |field: &'static str, raw: &str| {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            match raw.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError {
                        section: Some(i),
                        field,
                        message: "Enter a whole number.".to_owned(),
                    });
                    None
                }
            }
        };
        let words = |raw: &str| -> Vec<String> {
            raw.split([' ', ',', ';', '\n', '\t'])
                .filter(|w| !w.trim().is_empty())
                .map(|w| w.trim().to_owned())
                .collect()
        };
        let mut input = SectionInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            x: num("x", &self.x),
            y: num("y", &self.y),
            ..SectionInput::default()
        };
        match self.kind.as_str() {
            "standing" => {
                input.capacity = num("capacity", &self.capacity);
                input.width = num("width", &self.width);
                input.height = num("height", &self.height);
            }
            "keep" => {
                // A kept section stays where it is.
                input.x = None;
                input.y = None;
                input.accessible = words(&self.accessible);
                input.blocked = words(&self.blocked);
            }
            _ => {
                input.rows = num("rows", &self.rows);
                input.seats_per_row = num("seats_per_row", &self.seats_per_row);
                input.first_row = Some(self.first_row.clone());
                input.numbering = Some(self.numbering.clone());
                input.shape = Some(self.shape.clone());
                input.accessible = words(&self.accessible);
                input.blocked = words(&self.blocked);
            }
        }
        input
    }
}

/// The whole editor form, as typed.
#[derive(Debug, Clone, Default)]
pub struct VenueForm {
    pub name: String,
    pub city: String,
    pub country: String,
    pub address: String,
    pub description: String,
    pub timezone: String,
    pub sections: Vec<SectionForm>,
    pub action: String,
    pub errors: BTreeMap<&'static str, String>,
}

impl VenueForm {
    fn parse(body: &[u8]) -> VenueForm {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut form = VenueForm::default();
        let mut sections: BTreeMap<usize, SectionForm> = BTreeMap::new();
        for (key, value) in pairs {
            if let Some((index, field)) = key
                .strip_prefix('s')
                .and_then(|rest| rest.split_once('.'))
                .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
            {
                if index >= 200 {
                    continue;
                }
                let s = sections.entry(index).or_default();
                let slot = match field {
                    "kind" => &mut s.kind,
                    "name" => &mut s.name,
                    "rows" => &mut s.rows,
                    "seats_per_row" => &mut s.seats_per_row,
                    "first_row" => &mut s.first_row,
                    "numbering" => &mut s.numbering,
                    "shape" => &mut s.shape,
                    "x" => &mut s.x,
                    "y" => &mut s.y,
                    "capacity" => &mut s.capacity,
                    "width" => &mut s.width,
                    "height" => &mut s.height,
                    "accessible" => &mut s.accessible,
                    "blocked" => &mut s.blocked,
                    _ => continue,
                };
                *slot = value;
                continue;
            }
            let slot = match key.as_str() {
                "name" => &mut form.name,
                "city" => &mut form.city,
                "country" => &mut form.country,
                "address" => &mut form.address,
                "description" => &mut form.description,
                "timezone" => &mut form.timezone,
                "action" => &mut form.action,
                _ => continue,
            };
            *slot = value;
        }
        form.sections = sections.into_values().collect();
        form
    }

    fn of(input: &VenueInput) -> VenueForm {
        VenueForm {
            name: input.name.clone(),
            city: input.city.clone(),
            country: input.country.clone(),
            address: input.address.clone(),
            description: input.description.clone(),
            timezone: input.timezone.clone(),
            sections: input.sections.iter().map(SectionForm::of).collect(),
            ..VenueForm::default()
        }
    }

    fn input(&self) -> (VenueInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let sections = self
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| s.input(i, &mut errors))
            .collect();
        (
            VenueInput {
                name: self.name.clone(),
                city: self.city.clone(),
                country: self.country.clone(),
                address: self.address.clone(),
                description: self.description.clone(),
                timezone: self.timezone.clone(),
                sections,
                ..VenueInput::default()
            },
            errors,
        )
    }

    /// Puts each error next to its field.
    fn set_errors(&mut self, errors: &[FieldError]) {
        for e in errors {
            let map = match e.section {
                Some(i) => match self.sections.get_mut(i) {
                    Some(s) => &mut s.errors,
                    None => &mut self.errors,
                },
                None => &mut self.errors,
            };
            map.entry(e.field).or_insert_with(|| e.message.clone());
        }
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn venue_inputs(&self) -> Vec<Input<'_>> {
        let text = |field, label, value, required| Input {
            field,
            label,
            value,
            hint: "",
            mode: "text",
            required,
        };
        vec![
            text("name", "Name", self.name.as_str(), true),
            text("city", "City", self.city.as_str(), true),
            text(
                "country",
                "Country code (GB, DE …)",
                self.country.as_str(),
                true,
            ),
            text(
                "timezone",
                "Time zone (IANA, e.g. Europe/London)",
                self.timezone.as_str(),
                true,
            ),
            text("address", "Address", self.address.as_str(), false),
        ]
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.sections.iter().any(|s| !s.errors.is_empty())
    }
}

/// A seat or area of the preview.
pub struct PreviewSeat {
    pub section: usize,
    pub key: String,
    pub x: i32,
    pub y: i32,
    pub accessible: bool,
    pub blocked: bool,
    pub label: String,
}

pub struct PreviewSection {
    pub name: String,
    pub rect: Rect,
    pub standing: bool,
    pub capacity: i64,
}

/// The live preview: the map drawn from the form, or what stops it from being drawn.
#[derive(Template)]
#[template(path = "admin/venues/_preview.html")]
pub struct Preview {
    pub view_box: String,
    pub stage: Rect,
    pub sections: Vec<PreviewSection>,
    pub seats: Vec<PreviewSeat>,
    pub seat_count: usize,
    pub standing_places: i64,
    pub problems: Vec<String>,
}

impl Preview {
    fn of(layout: &[SectionLayout]) -> Preview {
        let union = Rect::union(layout.iter().map(|s| s.rect)).unwrap_or(Rect {
            x: 0,
            y: 0,
            width: 100,
            height: 50,
        });
        let stage = stage(union, 20);
        let view = Rect::union([union, stage]).unwrap_or(union).padded(20);
        let mut seats = Vec::new();
        for (i, s) in layout.iter().enumerate() {
            for seat in &s.seats {
                let mut label = format!("{}, row {}, seat {}", s.name, seat.row_label, seat.number);
                if seat.accessible {
                    label.push_str(", wheelchair space");
                }
                if seat.blocked {
                    label.push_str(", blocked");
                }
                seats.push(PreviewSeat {
                    section: i,
                    key: seat_key(&seat.row_label, seat.number),
                    x: seat.x,
                    y: seat.y,
                    accessible: seat.accessible,
                    blocked: seat.blocked,
                    label,
                });
            }
        }
        Preview {
            view_box: view.view_box(),
            stage,
            sections: layout
                .iter()
                .map(|s| PreviewSection {
                    name: s.name.clone(),
                    rect: s.rect,
                    standing: s.kind == SectionKind::Standing,
                    capacity: s.capacity(),
                })
                .collect(),
            seat_count: seats.len(),
            standing_places: layout
                .iter()
                .filter(|s| s.kind == SectionKind::Standing)
                .map(SectionLayout::capacity)
                .sum(),
            seats,
            problems: Vec::new(),
        }
    }

    fn problems(errors: &[FieldError], form: &VenueForm) -> Preview {
        let problems = errors
            .iter()
            .map(|e| match e.section {
                Some(i) => {
                    let name = form
                        .sections
                        .get(i)
                        .map(|s| s.name.trim())
                        .filter(|n| !n.is_empty())
                        .map(|n| format!("“{n}”"))
                        .unwrap_or_else(|| format!("section {}", i + 1));
                    format!("{name}, {}: {}", e.field.replace('_', " "), e.message)
                }
                None => e.message.clone(),
            })
            .collect();
        Preview {
            view_box: String::new(),
            stage: Rect {
                x: 0,
                y: 0,
                width: 0,
                height: 0,
            },
            sections: Vec::new(),
            seats: Vec::new(),
            seat_count: 0,
            standing_places: 0,
            problems,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/venues/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new venue.
    venue: Option<VenueId>,
    action: String,
    form: VenueForm,
    /// The rendered `_preview.html`.
    preview: String,
}

/// Errors that only concern the venue's own fields don't stop the preview.
fn layout_errors(errors: &[FieldError]) -> Vec<FieldError> {
    errors
        .iter()
        .filter(|e| e.section.is_some() || e.field == "sections")
        .cloned()
        .collect()
}

async fn render_form(
    state: &AppState,
    layout: Layout,
    venue: Option<VenueId>,
    form: VenueForm,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (input, parse_errors) = form.input();
    let sections = input.sections.clone();
    let planned = blocking(state, move |c, _| {
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
async fn new_form(state: web::Data<AppState>, ctx: PageContext) -> Result<HttpResponse, AppError> {
    let form = VenueForm {
        timezone: "Europe/London".to_owned(),
        country: "GB".to_owned(),
        sections: vec![SectionForm::seated("Stalls")],
        ..VenueForm::default()
    };
    render_form(&state, ctx.layout, None, form, StatusCode::OK).await
}

#[get("/venues/{id}/edit")]
async fn edit_form(
    state: web::Data<AppState>,
    ctx: PageContext,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let editor = blocking(&state, move |c, _| Ok(venue_admin::load(c, id)?)).await?;
    let form = VenueForm::of(&editor.input());
    render_form(&state, ctx.layout, Some(id), form, StatusCode::OK).await
}

/// Adds or removes a section of the form (the buttons work without JavaScript); `None` when
/// the action is to save.
fn edit_sections(form: &mut VenueForm) -> Option<()> {
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

async fn submit(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
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
    let (db, now, actor) = (state.db.clone(), state.clock.now(), admin.0.id);
    let outcome = web::block(move || {
        db.write(|c| match venue {
            Some(id) => venue_admin::update(c, actor, id, &input, now).map(|_| id),
            None => venue_admin::create(c, actor, &input, now),
        })
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
async fn create(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    submit(state, ctx, admin, None, body).await
}

#[post("/venues/{id}/edit")]
async fn update(
    state: web::Data<AppState>,
    ctx: PageContext,
    admin: Admin,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    // An unknown venue is a 404, not a form.
    blocking(&state, move |c, _| {
        crate::db::venue_admin::venue(c, id).map_err(|e| crate::db::DbError::Query(e).into())
    })
    .await?
    .ok_or(AppError::NotFound)?;
    submit(state, ctx, admin, Some(id), body).await
}

/// The live preview: the whole form in, the map (or what is wrong) out.
#[post("/venues/preview")]
async fn preview_map(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = VenueForm::parse(&body);
    let venue = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "venue_id")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .map(VenueId);
    let (input, parse_errors) = form.input();
    let sections = input.sections;
    let planned = blocking(&state, move |c, _| {
        Ok(match venue_admin::preview(c, venue, &sections) {
            Ok(layout) => Ok(layout),
            Err(VenueAdminError::Invalid(e)) => Err(e),
            Err(e) => return Err(e.into()),
        })
    })
    .await?;
    let (status, preview) = match planned {
        Ok(layout) if parse_errors.is_empty() => (StatusCode::OK, Preview::of(&layout)),
        Ok(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Preview::problems(&parse_errors, &form),
        ),
        Err(mut e) => {
            e.extend(parse_errors);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Preview::problems(&layout_errors(&e), &form),
            )
        }
    };
    html_with_status(status, preview.render())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(new_form)
        .service(create)
        .service(preview_map)
        .service(edit_form)
        .service(update);
}
