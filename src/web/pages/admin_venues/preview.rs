//! The editor's live preview: the map drawn from the form as typed (`POST /admin/venues/preview`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use askama::Template;

use crate::domain::ids::VenueId;
use crate::domain::seatmap::{Rect, stage};
use crate::domain::venue::SectionKind;
use crate::domain::venue_layout::{FieldError, SectionLayout, seat_key};
use crate::services::venue_admin::{self, VenueAdminError};
use crate::web::error::AppError;
use crate::web::pages::html_with_status;
use crate::web::state::AppState;

use super::editor::layout_errors;
use super::venue_form::VenueForm;

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
    pub(super) fn of(layout: &[SectionLayout]) -> Preview {
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

    pub(super) fn problems(errors: &[FieldError], form: &VenueForm) -> Preview {
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

/// The venue the form edits (none for a new one), from its `venue_id` field.
fn venue_of(body: &[u8]) -> Option<VenueId> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "venue_id")
        .and_then(|(_, v)| v.parse::<i64>().ok())
        .map(VenueId)
}

/// The map when the form and the layout are both right, else what is wrong (422).
fn answer(
    planned: Result<Vec<SectionLayout>, Vec<FieldError>>,
    parse_errors: Vec<FieldError>,
    form: &VenueForm,
) -> (StatusCode, Preview) {
    match planned {
        Ok(layout) if parse_errors.is_empty() => (StatusCode::OK, Preview::of(&layout)),
        Ok(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Preview::problems(&parse_errors, form),
        ),
        Err(mut e) => {
            e.extend(parse_errors);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Preview::problems(&layout_errors(&e), form),
            )
        }
    }
}

/// The live preview: the whole form in, the map (or what is wrong) out.
#[post("/venues/preview")]
pub(super) async fn preview_map(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = VenueForm::parse(&body);
    let venue = venue_of(&body);
    let (input, parse_errors) = form.input();
    let sections = input.sections;
    let planned = state
        .read(move |c, _| {
            Ok(match venue_admin::preview(c, venue, &sections) {
                Ok(layout) => Ok(layout),
                Err(VenueAdminError::Invalid(e)) => Err(e),
                Err(e) => return Err(e.into()),
            })
        })
        .await?;
    let (status, preview) = answer(planned, parse_errors, &form);
    html_with_status(status, preview.render())
}
