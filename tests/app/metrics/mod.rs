//! `GET /metrics` (issue 21): its own listener, off unless `BOXOFFICE_METRICS_BIND` names one,
//! never on the public port; every counter moves by what the journeys the tests drive did, and
//! the gauges read what the database holds.

mod business;
mod http;
mod queue;
mod work;

use std::collections::HashMap;

use crate::helpers::{TestApp, spawn_app_configured};

/// An app (the demo catalogue when `demo`) with its metrics listener on a free port.
async fn metrics_app(demo: bool, adjust: impl FnOnce(&mut boxoffice::config::Settings)) -> TestApp {
    spawn_app_configured(demo, |s| {
        s.metrics_bind = Some("127.0.0.1:0".to_owned());
        adjust(s);
    })
    .await
}

/// One scrape: each sample's value by its series as written (`name{label="value",…}`).
struct Scrape(HashMap<String, f64>);

impl Scrape {
    /// The sample of `series`; a series the scrape does not have fails the test.
    fn get(&self, series: &str) -> f64 {
        *self
            .0
            .get(series)
            .unwrap_or_else(|| panic!("no series {series} in the scrape"))
    }

    /// The sample of `series`, 0 when the scrape does not have it (a label set no request has
    /// used yet).
    fn get_or_zero(&self, series: &str) -> f64 {
        self.0.get(series).copied().unwrap_or(0.0)
    }

    /// Every series whose name starts with `prefix`.
    fn series(&self, prefix: &str) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .0
            .keys()
            .filter(|k| k.starts_with(prefix))
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all
    }
}

/// Scrapes the app's metrics listener (asserting the answer is OpenMetrics text).
async fn scrape(app: &TestApp) -> Scrape {
    let address = app.metrics_address.as_ref().expect("a metrics listener");
    let res = reqwest::get(format!("{address}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    Scrape(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (series, value) = l.rsplit_once(' ')?;
                Some((series.to_owned(), value.parse().ok()?))
            })
            .collect(),
    )
}

/// How much each of `series` moved from `before` to `after`.
fn moved(before: &Scrape, after: &Scrape, series: &[&str]) -> Vec<f64> {
    series
        .iter()
        .map(|s| after.get(s) - before.get(s))
        .collect()
}

#[actix_web::test]
async fn metrics_have_their_own_listener_and_the_public_port_has_none() {
    let app = metrics_app(false, |_| {}).await;
    let first = scrape(&app).await;
    // Every counter is there from the start, at zero.
    assert_eq!(first.get("boxoffice_registrations_total"), 0.0);
    assert_eq!(
        first.get(r#"boxoffice_holds_total{outcome="lock_timeout"}"#),
        0.0
    );
    assert_eq!(first.get(r#"boxoffice_jobs_total{outcome="dead"}"#), 0.0);
    // The pool: the scrape's own connection went back before the next one reads it.
    assert!(first.get(r#"boxoffice_db_pool_connections{state="idle"}"#) >= 1.0);
    assert_eq!(
        first.get(r#"boxoffice_db_pool_connections{state="in_use"}"#),
        0.0
    );
    assert_eq!(first.get(r#"boxoffice_backlog_due{queue="jobs"}"#), 0.0);

    let public = app.get("/metrics").await;
    assert_eq!(public.status(), 404, "never on the public port");
    // Anything but GET /metrics is unknown on the metrics listener.
    let address = app.metrics_address.as_ref().unwrap();
    let other = reqwest::get(format!("{address}/healthz")).await.unwrap();
    assert_eq!(other.status(), 404);

    let off = spawn_app_configured(false, |_| {}).await;
    assert!(off.metrics_address.is_none(), "off when unset");
    assert_eq!(off.get("/metrics").await.status(), 404);
}

#[actix_web::test]
async fn two_apps_never_share_counters() {
    let one = metrics_app(false, |_| {}).await;
    let two = metrics_app(false, |_| {}).await;
    one.get("/definitely/not/here").await;
    let unmatched = r#"boxoffice_http_requests_total{method="GET",route="unmatched",status="4xx"}"#;
    assert_eq!(scrape(&one).await.get(unmatched), 1.0);
    assert!(
        scrape(&two).await.series(unmatched).is_empty(),
        "the other app saw no request"
    );
}
