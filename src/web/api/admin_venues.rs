//! `/api/v1/admin/venues…`: create, read and reshape a venue (the editor's JSON twin). Behind
//! the admin guard of `/api/v1/admin`.

use std::collections::BTreeMap;

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, post, put, web};
use serde_json::{Value, json};

use crate::domain::ids::VenueId;
use crate::domain::venue_layout::{FieldError, input_of};
use crate::services::venue_admin::{self, VenueAdminError, VenueEditor, VenueInput};
use crate::web::admin_guard::Admin;
use crate::web::error::AppError;
use crate::web::state::AppState;

/// Field errors as a problem document's `errors`: venue fields under their own names; every
/// section's errors under `sections`, each naming its section ("sections[1].rows: …").
pub fn field_errors(errors: &[FieldError]) -> BTreeMap<&'static str, String> {
    let mut map: BTreeMap<&'static str, String> = BTreeMap::new();
    for e in errors {
        let (key, text) = match e.section {
            None => (e.field, e.message.clone()),
            Some(i) => (
                "sections",
                format!("sections[{i}].{}: {}", e.field, e.message),
            ),
        };
        map.entry(key)
            .and_modify(|m| {
                m.push(' ');
                m.push_str(&text);
            })
            .or_insert(text);
    }
    map
}

impl From<VenueAdminError> for AppError {
    fn from(e: VenueAdminError) -> Self {
        match e {
            VenueAdminError::Invalid(errors) => AppError::Validation(field_errors(&errors)),
            VenueAdminError::NotFound => AppError::NotFound,
            VenueAdminError::InUse(usage) => {
                let mut extra = serde_json::Map::new();
                extra.insert("in_use".to_owned(), json!(usage));
                AppError::ConflictWith {
                    detail: VenueAdminError::in_use_message(&usage),
                    extra,
                }
            }
            VenueAdminError::Db(e) => e.into(),
        }
    }
}

/// A venue as `GET /api/v1/admin/venues` lists one, plus (with `detail`) its fields and each
/// section's spec, in the shape `PUT` takes back.
fn venue_json(v: &VenueEditor, detail: bool) -> Value {
    let sections: Vec<Value> = v
        .sections
        .iter()
        .map(|(id, s)| {
            let mut item = json!({
                "id": id,
                "name": s.name,
                "kind": s.kind,
                "capacity": s.capacity(),
            });
            if detail {
                let mut spec = serde_json::to_value(input_of(s)).unwrap_or_default();
                if let (Some(item), Some(spec)) = (item.as_object_mut(), spec.as_object_mut()) {
                    // `kind` stays seated or standing as in the list; a seated section the
                    // editor didn't draw says `"kept": true` and has no rows: sent back like
                    // that, it stays as it is.
                    spec.remove("name");
                    spec.remove("kind");
                    if s.kept {
                        item.insert("kept".to_owned(), json!(true));
                    }
                    item.append(spec);
                }
            }
            item
        })
        .collect();
    let mut body = json!({
        "id": v.venue.id,
        "name": v.venue.name,
        "city": v.venue.city,
        "capacity": v.capacity(),
        "sections": sections,
    });
    if detail && let Some(obj) = body.as_object_mut() {
        for (k, val) in [
            ("slug", &v.venue.slug),
            ("country", &v.venue.country),
            ("address", &v.venue.address),
            ("description", &v.venue.description),
            ("timezone", &v.venue.timezone),
        ] {
            obj.insert(k.to_owned(), json!(val));
        }
    }
    body
}

#[post("/venues")]
async fn create(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<VenueInput>,
) -> Result<HttpResponse, AppError> {
    let actor = admin.0.id;
    let input = body.into_inner();
    let venue = state
        .write(move |c, now| {
            let id = venue_admin::create(c, actor, &input, now)?;
            venue_admin::load(c, id)
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/admin/venues/{}", venue.venue.id)))
        .json(venue_json(&venue, false)))
}

#[get("/venues/{id}")]
async fn show(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let venue = state
        .read(move |c, _| Ok(venue_admin::load(c, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(venue_json(&venue, true)))
}

#[put("/venues/{id}")]
async fn update(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<i64>,
    body: web::Json<VenueInput>,
) -> Result<HttpResponse, AppError> {
    let id = VenueId(path.into_inner());
    let actor = admin.0.id;
    let input = body.into_inner();
    let venue = state
        .write_catalogue(move |c, now| {
            venue_admin::update(c, actor, id, &input, now)?;
            venue_admin::load(c, id)
        })
        .await??;
    Ok(HttpResponse::Ok().json(venue_json(&venue, true)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(show).service(update);
}
