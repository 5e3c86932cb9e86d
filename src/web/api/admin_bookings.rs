//! `/api/v1/admin/bookings…` (API.md, "Admin"): the admin's search, one booking with its
//! history, a manual refund and resending its emails. Behind the admin guard (registered in
//! `admin::routes`). A booking is the document `GET /api/v1/bookings/{reference}` answers,
//! plus its buyer.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::bookings::BookingJson;
use crate::domain::access::Right;
use crate::domain::ids::UserId;
use crate::domain::local_time::rfc3339_utc;
use crate::services::booking_admin::{
    self, BookingAdminError, Detail, Listed, Refunded, Search, SearchInput,
};
use crate::web::access::Staff;
use crate::web::api::doc::problems;
use crate::web::error::{AppError, Problem};
use crate::web::state::AppState;

impl From<BookingAdminError> for AppError {
    fn from(e: BookingAdminError) -> Self {
        match e {
            BookingAdminError::NotFound => AppError::NotFound,
            BookingAdminError::Invalid(errors) => AppError::Validation(errors),
            BookingAdminError::NotPaid(_) => {
                AppError::Conflict("Only a paid booking can be refunded.")
            }
            BookingAdminError::NothingToResend => {
                AppError::Conflict("This booking has no email to send again.")
            }
            BookingAdminError::Db(e) => e.into(),
        }
    }
}

/// The buyer of a booking.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Buyer)]
struct UserJson<'a> {
    id: UserId,
    name: &'a str,
    email: &'a str,
}

/// A booking as the admin sees it: the buyer's document, its buyer and when it was made.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AdminBooking)]
struct AdminBookingJson<'a> {
    #[serde(flatten)]
    booking: BookingJson<'a>,
    user: UserJson<'a>,
    /// RFC 3339, UTC.
    created_at: String,
}

impl<'a> From<&'a Listed> for AdminBookingJson<'a> {
    fn from(l: &'a Listed) -> Self {
        AdminBookingJson {
            booking: BookingJson::from(&l.view),
            user: UserJson {
                id: l.buyer.id,
                name: &l.buyer.name,
                email: &l.buyer.email,
            },
            created_at: rfc3339_utc(l.view.booking.created_at),
        }
    }
}

/// `GET /api/v1/admin/bookings?event_id=&status=&q=&page=&per_page=`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this event's bookings.
    event_id: Option<i64>,
    /// Only bookings in this status (`pending`, `paid`, `expired`, `cancelled`, `refunded`).
    status: Option<String>,
    /// A reference, or words of the buyer's name or email address.
    q: Option<String>,
    /// The page, from 1 (default 1).
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Bookings a page (default 50).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

#[utoipa::path(
    operation_id = "searchBookings",
    tag = "admin",
    summary = "Search bookings",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of bookings, newest first.", body = shape::AdminBookingPage),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[get("/bookings")]
async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let search = Search::parse(SearchInput {
        event_id: q.event_id,
        status: q.status,
        q: q.q,
        page: q.page,
        per_page: q.per_page,
    })?
    .within(&staff.scope(Right::ManageBookings));
    let page = state
        .read(move |conn, _| Ok(booking_admin::search(conn, &search)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": page.items.iter().map(AdminBookingJson::from).collect::<Vec<_>>(),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    })))
}

mod shape;

fn detail_json(d: &Detail) -> serde_json::Value {
    let listed = Listed {
        view: d.view.clone(),
        buyer: d.row.buyer.clone(),
    };
    let mut doc = serde_json::to_value(AdminBookingJson::from(&listed)).unwrap_or_default();
    let extra = serde_json::json!({
        "paid_at": d.moments.paid_at.map(rfc3339_utc),
        "cancelled_at": d.moments.cancelled_at.map(rfc3339_utc),
        "refunded_at": d.moments.refunded_at.map(rfc3339_utc),
        "event": {
            "id": d.row.booking.event_id,
            "title": d.row.booking.event_title,
            "starts_at": rfc3339_utc(d.row.booking.starts_at),
            "status": d.moments.event_status,
        },
        "all_tickets": d.tickets.iter().map(|t| serde_json::json!({
            "code": t.code,
            "status": t.status,
            "place": crate::domain::seatmap::place_label(&t.section, t.row.as_deref(), t.number),
            "checked_in_at": t.checked_in_at.map(rfc3339_utc),
        })).collect::<Vec<_>>(),
        "payments": d.payments.iter().map(|p| serde_json::json!({
            "external_id": p.external_id,
            "provider": p.provider,
            "refunded_cents": p.refunded_cents,
            "method": p.method,
            "status": p.status,
            "amount_cents": p.amount.cents,
            "currency": p.amount.currency,
            "failure_reason": p.failure_reason,
            "created_at": rfc3339_utc(p.created_at),
            "succeeded_at": p.succeeded_at.map(rfc3339_utc),
        })).collect::<Vec<_>>(),
        "refunds": d.refunds.iter().map(|r| serde_json::json!({
            "id": r.id,
            "external_id": r.external_id,
            "status": r.status,
            "amount_cents": r.amount.cents,
            "currency": r.amount.currency,
            "reason": r.reason,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "created_at": rfc3339_utc(r.created_at),
            "succeeded_at": r.succeeded_at.map(rfc3339_utc),
        })).collect::<Vec<_>>(),
        "emails": d.emails.iter().map(|e| serde_json::json!({
            "id": e.id,
            "kind": e.kind,
            "status": e.status,
            "attempts": e.attempts,
            "last_error": e.last_error,
            "created_at": rfc3339_utc(e.created_at),
            "sent_at": e.sent_at.map(rfc3339_utc),
        })).collect::<Vec<_>>(),
        "timeline": d.timeline.iter().map(|t| serde_json::json!({
            "at": rfc3339_utc(t.at),
            "kind": t.kind,
            "text": t.text,
        })).collect::<Vec<_>>(),
    });
    if let (Some(doc), serde_json::Value::Object(extra)) = (doc.as_object_mut(), extra) {
        doc.extend(extra);
    }
    doc
}

async fn detail_of(state: &AppState, reference: String) -> Result<Detail, AppError> {
    state
        .read(move |conn, _| Ok(booking_admin::detail(conn, &reference)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /api/v1/admin/bookings/{reference}`: the booking, its buyer, event, tickets (void
/// ones too), payments, refunds, emails and its timeline.
#[utoipa::path(
    operation_id = "getBookingDetail",
    tag = "admin",
    summary = "One booking with its whole history",
    params(("reference" = String, Path, description = "The booking's reference.")),
    responses(
        (status = 200, description = "The booking, its buyer, event, tickets, payments, refunds, emails and timeline.", body = shape::AdminBookingDetail),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
    ),
    security(("bearer" = []))
)]
#[get("/bookings/{reference}")]
async fn show(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let detail = detail_of(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(detail_json(&detail)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Refund)]
struct RefundBody {
    /// Why (required); the buyer is told.
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/admin/bookings/{reference}/refund {"reason"}`: 202 with the booking when it
/// was refunded now (the gateway is asked in the background), 200 when it was already
/// refunded (nothing changes), 409 for any other status, 422 without a reason.
#[utoipa::path(
    operation_id = "refundBooking",
    tag = "admin",
    summary = "Refund a paid booking",
    params(("reference" = String, Path, description = "The booking's reference.")),
    request_body = RefundBody,
    responses(
        (status = 200, description = "It was already refunded; nothing changed.", body = shape::AdminBookingDetail),
        (status = 202, description = "Refunded now; the gateway is asked in the background.", body = shape::AdminBookingDetail),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "Only a paid booking can be refunded.", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = inline(problems::Invalid)),
    ),
    security(("bearer" = []))
)]
#[post("/bookings/{reference}/refund")]
async fn refund(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: web::Json<RefundBody>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let (live, by) = (state.live.clone(), staff.account.id);
    let reason = body.into_inner().reason;
    let r = reference.clone();
    let outcome = state
        .run(move |db, now| booking_admin::refund(db, &live, &r, &reason, by, now))
        .await??;
    let detail = detail_of(&state, reference).await?;
    let status = match outcome {
        Refunded::Now => actix_web::http::StatusCode::ACCEPTED,
        Refunded::Already => actix_web::http::StatusCode::OK,
    };
    Ok(HttpResponse::build(status).json(detail_json(&detail)))
}

/// `POST /api/v1/admin/bookings/{reference}/resend`: 202 `{"queued": "<email kind>"}`.
#[utoipa::path(
    operation_id = "resendBookingEmail",
    tag = "admin",
    summary = "Send a booking's latest email again",
    params(("reference" = String, Path, description = "The booking's reference.")),
    responses(
        (status = 202, description = "The email is queued.", body = shape::Resent),
        (status = 401, response = inline(problems::Unauthorized)),
        (status = 403, description = "The caller lacks the right, or is not staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = inline(problems::NotFound)),
        (status = 409, description = "The booking has no email to send again.", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/bookings/{reference}/resend")]
async fn resend(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let reference = path.into_inner();
    let by = staff.account.id;
    let kind = state
        .write(move |c, now| booking_admin::resend(c, &reference, by, now))
        .await??;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "queued": kind })))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(show)
        .service(refund)
        .service(resend);
}
