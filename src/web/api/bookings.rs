//! Bookings in the JSON API (API.md): `GET /api/v1/me/bookings`.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::domain::ids::{EventId, SeatId};
use crate::domain::local_time::rfc3339_utc;
use crate::services::bookings::{self, BookingView};
use crate::startup::AppState;
use crate::web::api::accounts::{BearerToken, api_user};
use crate::web::blocking;
use crate::web::error::AppError;

#[derive(Serialize)]
struct ItemJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    seat_id: Option<SeatId>,
    section: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i32>,
    quantity: i32,
    price_cents: i64,
}

#[derive(Serialize)]
struct TicketJson<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seat_id: Option<SeatId>,
    section: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i32>,
}

#[derive(Serialize)]
pub struct BookingJson<'a> {
    reference: &'a str,
    event_id: EventId,
    status: &'a str,
    expires_at: String,
    total_cents: i64,
    currency: &'a str,
    items: Vec<ItemJson<'a>>,
    tickets: Vec<TicketJson<'a>>,
}

impl<'a> From<&'a BookingView> for BookingJson<'a> {
    fn from(v: &'a BookingView) -> Self {
        BookingJson {
            reference: &v.booking.reference,
            event_id: v.booking.event_id,
            status: &v.booking.status,
            expires_at: rfc3339_utc(v.booking.expires_at),
            total_cents: v.booking.total_cents,
            currency: &v.booking.currency,
            items: v
                .items
                .iter()
                .map(|i| ItemJson {
                    seat_id: i.seat_id,
                    section: &i.section,
                    row: i.row.as_deref(),
                    number: i.number,
                    quantity: i.quantity,
                    price_cents: i.unit_price_cents,
                })
                .collect(),
            tickets: v
                .tickets
                .iter()
                .map(|t| TicketJson {
                    code: &t.code,
                    seat_id: t.seat_id,
                    section: &t.section,
                    row: t.row.as_deref(),
                    number: t.number,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct BookingList<'a> {
    items: Vec<BookingJson<'a>>,
}

#[get("/me/bookings")]
async fn my_bookings(
    state: web::Data<AppState>,
    token: BearerToken,
) -> Result<HttpResponse, AppError> {
    let (account, _) = api_user(&state, token).await?;
    let views = blocking(&state, move |conn, _| {
        Ok(bookings::for_user(conn, account.id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(BookingList {
        items: views.iter().map(BookingJson::from).collect(),
    }))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(my_bookings);
}
