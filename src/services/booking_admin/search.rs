//! Searching the bookings: filters, pages, and the events to filter by.

use crate::domain::access::Scope;
use crate::domain::ids::OrganizerId;
use std::collections::BTreeMap;

use crate::db::booking_admin::{self as queries, AdminBookingRow, Filters};
use crate::db::{DbConnection, DbError};
use crate::domain::booking::BookingStatus;
use crate::domain::ids::{BookingId, EventId};
use crate::services::bookings::BookingView;

/// Bookings per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// The most bookings one page may show.
pub const MAX_PER_PAGE: u32 = 100;
/// The last page one may ask for.
pub const MAX_PAGE: u32 = 100_000;
/// The longest a refund's reason may be.
pub const REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum BookingAdminError {
    #[error("no such booking")]
    NotFound,
    #[error("invalid input")]
    Invalid(BTreeMap<&'static str, String>),
    #[error("the booking is {0}, not paid")]
    NotPaid(BookingStatus),
    #[error("the booking has no email to send again")]
    NothingToResend,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for BookingAdminError {
    fn from(e: diesel::result::Error) -> Self {
        BookingAdminError::Db(DbError::Query(e))
    }
}

/// The list's query as typed: blanks mean "any".
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub event_id: Option<i64>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The list's query, parsed.
#[derive(Debug, Clone)]
pub struct Search {
    pub filters: Filters,
    pub page: u32,
    pub per_page: i64,
}

impl Search {
    /// Narrows the search to the organizers of `scope`.
    pub fn within(mut self, scope: &Scope) -> Search {
        self.filters.organizers = scope.ids().map(<[OrganizerId]>::to_vec);
        self
    }

    /// Parses the typed query; an unknown status, a page or a page size out of range are field
    /// errors (all of them at once), not an empty or a quietly different list.
    pub fn parse(input: SearchInput) -> Result<Search, BookingAdminError> {
        let mut errors = BTreeMap::new();
        let status = match input.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => raw.parse::<BookingStatus>().map_or_else(
                |_| {
                    let message = "Choose pending, paid, expired, cancelled or refunded.";
                    errors.insert("status", message.to_owned());
                    None
                },
                Some,
            ),
        };
        let page = input.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.insert("page", format!("Choose a page from 1 to {MAX_PAGE}."));
        }
        let per_page = input.per_page.unwrap_or(PAGE_SIZE as u32);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            let message = format!("Choose from 1 to {MAX_PER_PAGE} bookings a page.");
            errors.insert("per_page", message);
        }
        if !errors.is_empty() {
            return Err(BookingAdminError::Invalid(errors));
        }
        let q = input
            .q
            .map(|q| q.trim().chars().take(100).collect::<String>())
            .filter(|q| !q.is_empty());
        Ok(Search {
            filters: Filters {
                organizers: None,
                event: input.event_id.map(EventId),
                status,
                q,
            },
            page,
            per_page: i64::from(per_page),
        })
    }
}

/// A booking of the list: its view (the buyer's API document) and its buyer.
#[derive(Debug, Clone)]
pub struct Listed {
    pub view: BookingView,
    pub buyer: queries::Buyer,
}

/// One page of the list and how many bookings match in all.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Listed>,
    pub total: i64,
    pub page: u32,
    pub per_page: i64,
}

impl Page {
    pub fn last_page(&self) -> u32 {
        let pages = (self.total + self.per_page - 1) / self.per_page;
        u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
    }
}

/// Bookings matching the search, newest first, a page at a time. Four queries a page.
#[tracing::instrument(name = "booking_admin.search", level = "debug", skip_all)]
pub fn search(conn: &mut DbConnection, search: &Search) -> Result<Page, DbError> {
    let offset = i64::from(search.page - 1) * search.per_page;
    let rows = queries::search(conn, &search.filters, search.per_page, offset)?;
    let total = queries::count(conn, &search.filters)?;
    let ids: Vec<BookingId> = rows.iter().map(|r| r.booking.id).collect();
    let mut items = crate::db::bookings::items_of(conn, &ids)?;
    let mut tickets = crate::db::bookings::tickets_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|AdminBookingRow { booking, buyer }| {
            let id = booking.id;
            let paid = booking.status == BookingStatus::Paid;
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut items)
                .into_iter()
                .partition(|i| i.booking_id == id);
            items = rest;
            let (my_tickets, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut tickets)
                .into_iter()
                .partition(|t| t.booking_id == id);
            tickets = rest;
            Listed {
                view: BookingView {
                    booking,
                    items: mine,
                    tickets: if paid { my_tickets } else { Vec::new() },
                },
                buyer,
            }
        })
        .collect();
    Ok(Page {
        items,
        total,
        page: search.page,
        per_page: search.per_page,
    })
}

/// The events the list can be filtered by: `(id, label)`, newest first.
pub fn event_choices(
    conn: &mut DbConnection,
    scope: &Scope,
) -> Result<Vec<(i64, String)>, DbError> {
    Ok(queries::events_for_filter(conn, scope)?
        .into_iter()
        .map(|(id, title, starts_at)| (id.0, format!("{title} · {}", starts_at.format("%Y-%m-%d"))))
        .collect())
}
