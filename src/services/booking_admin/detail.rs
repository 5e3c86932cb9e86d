//! One booking's record for the admin: lines, payments, refunds, tickets, history.

use super::timeline;
use crate::db::booking_admin::{
    self as queries, AdminBookingRow, AdminRefund, AdminTicket, BookingEmailRow, Moments,
};
use crate::db::bookings::ItemRow;
use crate::db::payments::Payment;
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::money::Money;
use crate::services::bookings::BookingView;

/// Everything about one booking.
#[derive(Debug, Clone)]
pub struct Detail {
    pub row: AdminBookingRow,
    pub view: BookingView,
    pub moments: Moments,
    pub items: Vec<ItemRow>,
    pub tickets: Vec<AdminTicket>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<AdminRefund>,
    pub emails: Vec<BookingEmailRow>,
    pub timeline: Vec<timeline::Entry>,
}

impl Detail {
    pub fn status(&self) -> BookingStatus {
        self.row.booking.status
    }

    pub fn refundable(&self) -> bool {
        self.status() == BookingStatus::Paid
    }

    pub fn total(&self) -> Money {
        self.row.booking.total
    }
}

/// One booking's record and history, by reference (exact; references are upper case).
#[tracing::instrument(name = "booking_admin.detail", level = "debug", skip_all, fields(booking.reference = reference))]
pub fn detail(conn: &mut DbConnection, reference: &str) -> Result<Option<Detail>, DbError> {
    let reference = reference.trim().to_uppercase();
    let Some(row) = queries::by_reference(conn, &reference)? else {
        return Ok(None);
    };
    let id = row.booking.id;
    let view = crate::services::bookings::one(conn, id)?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))?;
    let moments = queries::moments(conn, id)?;
    let tickets = queries::tickets_of(conn, id)?;
    let payments = queries::payments_of(conn, id)?;
    let refunds = queries::refunds_of(conn, id)?;
    let emails = queries::emails_of(conn, row.buyer.id, &row.booking.reference)?;
    let audit = queries::audit_of(conn, id)?;
    let timeline = timeline::build(&timeline::Sources {
        status: row.booking.status,
        created_at: row.booking.created_at,
        expires_at: row.booking.expires_at,
        moments: &moments,
        payments: &payments,
        refunds: &refunds,
        emails: &emails,
        tickets: &tickets,
        audit: &audit,
    });
    Ok(Some(Detail {
        items: view.items.clone(),
        row,
        view,
        moments,
        tickets,
        payments,
        refunds,
        emails,
        timeline,
    }))
}
