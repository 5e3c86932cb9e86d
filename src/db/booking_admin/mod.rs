//! The SQL of the admin's bookings (services::booking_admin): search, one booking's record
//! (tickets, payments, refunds, emails, audit rows), a manual refund's inventory changes and
//! an event's attendee list.

mod attendees;
mod give_back;
mod record;
mod search;

pub use attendees::{Attendee, attendees, event_slug};
pub use give_back::{GivenBack, event_on_sale, give_back};
pub use record::{
    AdminRefund, AdminTicket, AuditRow, BookingEmailRow, Moments, audit_of, emails_of, last_email,
    moments, payments_of, refunds_of, tickets_of,
};
pub use search::{AdminBookingRow, Buyer, Filters, by_reference, count, events_for_filter, search};

use diesel::sql_types::Text;

diesel::define_sql_function!(
    /// SQL `lower()`: ASCII case folding on SQLite, full Unicode on PostgreSQL.
    fn lower(x: Text) -> Text
);
