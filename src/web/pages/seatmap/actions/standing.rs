//! `POST /events/{id}/standing`: places in a standing area.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::best::number;
use super::hold;
use super::refusals::refused;
use crate::domain::ids::SectionId;
use crate::services::holds::HoldRequest;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::hx::HxRequest;
use crate::web::pages::seatmap::update::{Changed, Message, answer};
use crate::web::pages::seatmap::{buyer, keep_admission, may_hold, page_of, parse_event};
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub(super) struct StandingForm {
    section_id: Option<String>,
    quantity: Option<String>,
    section: Option<String>,
    view: Option<String>,
}

impl StandingForm {
    /// The area and how many places, if both can be read.
    fn request(&self) -> Option<(SectionId, i32)> {
        let quantity = number(&self.quantity).and_then(|q| i32::try_from(q).ok());
        match (number(&self.section_id), quantity) {
            (Some(section), Some(quantity)) => Some((SectionId(section), quantity)),
            _ => None,
        }
    }
}

#[post("/events/{id}/standing")]
pub(super) async fn hold_standing(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<StandingForm>,
    ctx: PageContext,
    hx: HxRequest,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let event = parse_event(&path)?;
    let page = page_of(event, form.section.as_deref(), form.view.as_deref());
    let viewer = buyer(&ctx, &page, hx.0)?;
    let admitted = may_hold(&state, &req, event, &ctx, hx.0)?;
    let changed = match form.request() {
        Some((section, quantity)) => {
            let request = HoldRequest::Standing { section, quantity };
            match hold(&state, viewer, event, request).await? {
                Ok(_) => Changed::ok(Vec::new(), held(quantity)),
                Err(e) => refused(e, "that", Vec::new())?,
            }
        }
        None => Changed::unreadable("Choose how many standing tickets you want (a number)."),
    };
    let held = changed.status.is_success();
    let mut response = answer(&state, &ctx, hx.0, page, viewer, changed).await?;
    if held {
        keep_admission(&state, &mut response, admitted);
    }
    Ok(response)
}

/// What the buyer is told when the places are theirs.
fn held(quantity: i32) -> Message {
    Message::ok(match quantity {
        1 => "A standing ticket is in your basket.".to_owned(),
        n => format!("{n} standing tickets are in your basket."),
    })
}
