//! The application's metrics (issue 21): one [`Metrics`] per application, made with its
//! database handle (`db::Db` carries it, so every use case and worker lane that has the pool
//! can count), served in the OpenMetrics text format by the metrics listener
//! (`BOXOFFICE_METRICS_BIND`, `web::metrics`).
//!
//! Counting on the hot path touches atomics only (and a family's read lock); the figures read
//! when scraped ([`Figures`]: the pool, the backlogs, held places, live streams, the waiting
//! rooms) are gathered by the scrape, on the blocking pool, and written here just before the
//! text is encoded. This module uses nothing else of the crate.

pub mod labels;
mod scraped;

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use labels::{
    CheckIn, Email, Hold, Http, Job, Login, Method, One, Payment, Refund, Status, Webhook,
};
pub use scraped::{Figures, Stored};

/// What `/metrics` answers with (prometheus-client writes OpenMetrics text).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets for pages and API calls: 5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

type Outcomes<T> = Family<One<T>, Counter>;

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every metric of one application, and the registry that names them.
pub struct Metrics {
    registry: Registry,
    /// Scrapes one at a time (they write the scraped figures, then encode); nothing on the
    /// request path takes it.
    scraping: Mutex<()>,
    http_requests: Family<Http, Counter>,
    http_duration: Family<Http, Histogram>,
    registrations: Counter,
    logins: Outcomes<Login>,
    holds: Outcomes<Hold>,
    seats_expired: Counter,
    bookings_expired: Counter,
    bookings_paid: Counter,
    payments: Outcomes<Payment>,
    refunds: Outcomes<Refund>,
    emails: Outcomes<Email>,
    jobs: Outcomes<Job>,
    webhooks: Outcomes<Webhook>,
    check_ins: Outcomes<CheckIn>,
    scraped: scraped::Gauges,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// A family by `outcome`, with every outcome's series there from the start (at 0).
fn outcomes<T: Copy + Clone + std::hash::Hash + Eq + std::fmt::Debug + Send + Sync + 'static>(
    all: &[T],
) -> Outcomes<T>
where
    One<T>: prometheus_client::encoding::EncodeLabelSet,
{
    let family = Outcomes::<T>::default();
    for value in all {
        let _ = family.get_or_create(&[("outcome", *value)]);
    }
    family
}

impl Metrics {
    /// A fresh registry with every metric at zero.
    pub fn new() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("boxoffice"),
            scraping: Mutex::new(()),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            registrations: Counter::default(),
            logins: outcomes(Login::ALL),
            holds: outcomes(Hold::ALL),
            seats_expired: Counter::default(),
            bookings_expired: Counter::default(),
            bookings_paid: Counter::default(),
            payments: outcomes(Payment::ALL),
            refunds: outcomes(Refund::ALL),
            emails: outcomes(Email::ALL),
            jobs: outcomes(Job::ALL),
            webhooks: outcomes(Webhook::ALL),
            check_ins: outcomes(CheckIn::ALL),
            scraped: scraped::Gauges::default(),
        };
        let r = &mut m.registry;
        r.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status class",
            m.http_requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (live streams excluded), by method, route pattern and status class",
            m.http_duration.clone(),
        );
        r.register("registrations", "Accounts created", m.registrations.clone());
        r.register("logins", "Password sign-ins by outcome", m.logins.clone());
        r.register(
            "holds",
            "Hold requests: made, or refused by reason",
            m.holds.clone(),
        );
        r.register(
            "seats_expired",
            "Numbered seats released by the sweeper because their hold ran out",
            m.seats_expired.clone(),
        );
        r.register(
            "bookings_expired",
            "Baskets (pending bookings) ended by the sweeper because their hold ran out",
            m.bookings_expired.clone(),
        );
        r.register("bookings_paid", "Bookings paid", m.bookings_paid.clone());
        r.register(
            "payments",
            "Payments settled by the gateway, by outcome",
            m.payments.clone(),
        );
        r.register("refunds", "Refunds by outcome", m.refunds.clone());
        r.register(
            "emails",
            "Outbox email attempts by outcome",
            m.emails.clone(),
        );
        r.register("jobs", "Background job attempts by outcome", m.jobs.clone());
        r.register(
            "webhooks",
            "Gateway webhooks by outcome",
            m.webhooks.clone(),
        );
        r.register(
            "check_ins",
            "Ticket codes presented at the door, by outcome",
            m.check_ins.clone(),
        );
        m.scraped.register(r);
        m
    }

    /// One answered HTTP request. `route`: the pattern it matched, or `None`. `timed`: false
    /// for a live stream (its "latency" is how long the viewer watched).
    pub fn http_request(
        &self,
        method: &str,
        route: Option<&str>,
        status: u16,
        took: Duration,
        timed: bool,
    ) {
        let labels = Http {
            method: Method::of(method),
            route: route.unwrap_or(labels::UNMATCHED).to_owned(),
            status: Status::of(status),
        };
        self.http_requests.get_or_create(&labels).inc();
        if timed {
            self.http_duration
                .get_or_create(&labels)
                .observe(took.as_secs_f64());
        }
    }

    pub fn registered(&self) {
        self.registrations.inc();
    }

    pub fn login(&self, outcome: Login) {
        self.logins.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn hold(&self, outcome: Hold) {
        self.holds.get_or_create(&[("outcome", outcome)]).inc();
    }

    /// What one sweep gave back: `seats` numbered seats, of `bookings` baskets.
    pub fn expired(&self, seats: usize, bookings: usize) {
        self.seats_expired.inc_by(seats as u64);
        self.bookings_expired.inc_by(bookings as u64);
    }

    pub fn booking_paid(&self) {
        self.bookings_paid.inc();
    }

    pub fn payment(&self, outcome: Payment) {
        self.payments.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn refund(&self, outcome: Refund) {
        self.refunds.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn email(&self, outcome: Email) {
        self.emails.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn job(&self, outcome: Job) {
        self.jobs.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn webhook(&self, outcome: Webhook) {
        self.webhooks.get_or_create(&[("outcome", outcome)]).inc();
    }

    pub fn check_in(&self, outcome: CheckIn) {
        self.check_ins.get_or_create(&[("outcome", outcome)]).inc();
    }

    /// The text a scrape answers: `figures` (read just now) written into their gauges, then
    /// every metric encoded.
    pub fn scrape(&self, figures: &Figures) -> Result<String, std::fmt::Error> {
        let _one_at_a_time = self.scraping.lock().unwrap_or_else(|e| e.into_inner());
        self.scraped.set(figures);
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
