//! The worker's counters and backlogs: emails sent, retried and failed through a real SMTP
//! server on loopback; a job retried until it is dead-lettered.

use std::collections::HashMap;
use std::sync::Arc;

use boxoffice::clock::Clock;
use boxoffice::db::Db;
use boxoffice::jobs::{self, JobHandler, Runner, Turn};
use chrono::TimeDelta;
use serde_json::json;

use super::{metrics_app, moved, scrape};
use crate::helpers::smtp_to;
use crate::smtp::{Script, SmtpServer};

const PASSWORD: &str = "a long enough password";

#[actix_web::test]
async fn emails_are_counted_sent_retried_and_failed_and_the_backlog_shows_its_age() {
    let smtp = SmtpServer::start(Script {
        temporary_failures: 1,
        rejected: vec!["nobody@example.com".to_owned()],
    });
    let app = metrics_app(false, smtp_to(smtp.url())).await;
    let before = scrape(&app).await;
    app.register_keeping_mail("Ada Lovelace", "ada@example.com", PASSWORD)
        .await;
    app.clock.advance(TimeDelta::seconds(30));
    let waiting = scrape(&app).await;
    assert_eq!(waiting.get(r#"boxoffice_backlog_due{queue="emails"}"#), 1.0);
    assert_eq!(
        waiting.get(r#"boxoffice_backlog_oldest_due_age_seconds{queue="emails"}"#),
        30.0
    );

    assert_eq!(app.deliver_emails(), 1, "a 451 first");
    app.clock.advance(TimeDelta::minutes(10));
    assert_eq!(app.deliver_emails(), 1, "then sent");
    assert_eq!(smtp.inbox().len(), 1);
    app.register_keeping_mail("Nobody", "nobody@example.com", PASSWORD)
        .await;
    assert_eq!(app.deliver_emails(), 1, "a 550");

    let after = scrape(&app).await;
    assert_eq!(
        moved(
            &before,
            &after,
            &[
                r#"boxoffice_emails_total{outcome="sent"}"#,
                r#"boxoffice_emails_total{outcome="retried"}"#,
                r#"boxoffice_emails_total{outcome="failed"}"#,
                "boxoffice_registrations_total",
            ]
        ),
        [1.0, 1.0, 1.0, 2.0]
    );
    assert_eq!(after.get(r#"boxoffice_backlog_due{queue="emails"}"#), 0.0);
    assert_eq!(
        after.get(r#"boxoffice_backlog_oldest_due_age_seconds{queue="emails"}"#),
        0.0
    );
}

/// A job that always fails.
struct Broken;

impl JobHandler for Broken {
    fn run(&self, _: &Db, _: &Clock, _: &serde_json::Value) -> Result<(), String> {
        Err("the far side is down".to_owned())
    }
}

#[actix_web::test]
async fn a_failing_job_is_counted_retried_each_time_then_dead_once() {
    let app = metrics_app(false, |_| {}).await;
    let now = app.clock.now();
    app.db
        .write(|c| jobs::enqueue(c, "broken", &json!({"n": 1}), None, now))
        .unwrap();
    let before = scrape(&app).await;
    assert_eq!(before.get(r#"boxoffice_backlog_due{queue="jobs"}"#), 1.0);
    let handlers: HashMap<String, Arc<dyn JobHandler>> =
        HashMap::from([("broken".to_owned(), Arc::new(Broken) as Arc<dyn JobHandler>)]);
    let runner = Runner::new(app.db.clone(), app.clock.clone(), handlers);
    let mut last = Vec::new();
    for _ in 0..jobs::DEFAULT_MAX_ATTEMPTS {
        last = runner.run_until_idle().unwrap();
        app.clock.advance(TimeDelta::hours(2));
    }
    assert!(matches!(&last[..], [Turn::Dead { .. }]), "{last:?}");
    let after = scrape(&app).await;
    assert_eq!(
        moved(
            &before,
            &after,
            &[
                r#"boxoffice_jobs_total{outcome="retried"}"#,
                r#"boxoffice_jobs_total{outcome="dead"}"#,
                r#"boxoffice_jobs_total{outcome="run"}"#,
            ]
        ),
        [f64::from(jobs::DEFAULT_MAX_ATTEMPTS - 1), 1.0, 0.0]
    );
    assert_eq!(after.get(r#"boxoffice_backlog_due{queue="jobs"}"#), 0.0);
}
