//! `/admin/bookings…`: the admin's searchable list of bookings, one booking with its history,
//! a manual refund (reason required, then a confirmation step), resending its emails, and an
//! event's attendee list as CSV. Registered inside the `/admin` scope (behind the guard).

mod actions;
mod attendee_list;
mod list_page;
mod show_page;

use actix_web::web;

use actions::{refund, resend};
use attendee_list::attendees;
use list_page::list;
use show_page::show;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(show)
        .service(refund)
        .service(resend)
        .service(attendees);
}
