//! What the box office does to a booking: refund it, resend its email.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use super::show_page::show_page;
use crate::services::booking_admin::{self, BookingAdminError, Refunded};
use crate::web::access::Staff;
use crate::web::auth::PageContext;
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

#[derive(Deserialize)]
pub(super) struct RefundForm {
    #[serde(default)]
    reason: String,
    /// `yes` on the confirmation step's button.
    #[serde(default)]
    confirm: String,
}

/// The refund form: first the reason (checked), then a confirmation step that repeats what
/// is about to happen; only the confirmed form refunds.
#[post("/bookings/{reference}/refund")]
pub(super) async fn refund(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<RefundForm>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let RefundForm { reason, confirm } = form.into_inner();
    if let Err(BookingAdminError::Invalid(errors)) = booking_admin::parse_reason(&reason) {
        let message = errors.into_values().collect::<Vec<_>>().join(" ");
        return show_page(&state, ctx.layout, reference, reason, Some(message), false).await;
    }
    if confirm != "yes" {
        return show_page(&state, ctx.layout, reference, reason, None, true).await;
    }
    let (live, by) = (state.live.clone(), staff.account.id);
    let r = reference.clone();
    let outcome = state
        .run(move |db, now| booking_admin::refund(db, &live, &r, &reason, by, now))
        .await?;
    session::set_flash(&ctx.session, refunded(outcome)?);
    Ok(see(&reference))
}

/// What the admin is told after a confirmed refund.
fn refunded(outcome: Result<Refunded, BookingAdminError>) -> Result<&'static str, AppError> {
    Ok(match outcome {
        Ok(Refunded::Now) => {
            "The booking is refunded: its tickets are void and the buyer is emailed. The payment goes back through the gateway in a moment."
        }
        Ok(Refunded::Already) => "This booking was already refunded; nothing changed.",
        Err(BookingAdminError::NotPaid(_)) => {
            "Only a paid booking can be refunded; nothing changed."
        }
        Err(e) => return Err(e.into()),
    })
}

#[post("/bookings/{reference}/resend")]
pub(super) async fn resend(
    state: web::Data<AppState>,
    ctx: PageContext,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let by = staff.account.id;
    let r = reference.clone();
    let outcome = state
        .write(move |c, now| booking_admin::resend(c, &r, by, now))
        .await?;
    let message = match outcome {
        Ok(kind) => format!(
            "The {} email is queued again and goes out in a moment.",
            kind.replace('_', " ")
        ),
        Err(BookingAdminError::NothingToResend) => {
            "This booking has no email to send again.".to_owned()
        }
        Err(e) => return Err(e.into()),
    };
    session::set_flash(&ctx.session, &message);
    Ok(see(&reference))
}

pub(super) fn see(reference: &str) -> HttpResponse {
    let safe: String = reference
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/bookings/{safe}")))
        .finish()
}
