//! The background worker on its Arbiter: started with the server, it delivers without anyone
//! asking, and on shutdown it finishes the job in hand and then stops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boxoffice::clock::Clock;
use boxoffice::db::Db;
use boxoffice::jobs::{self, JobHandler};
use boxoffice::mail::Mailer;
use boxoffice::worker::Worker;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_configured, spawn_app_with};

/// Waits for `check` (work done on another thread) for up to 20 s; this bounds a hang, it does
/// not measure speed.
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

fn job_status(app: &TestApp, job: i64) -> String {
    app.with_conn(|c| {
        use boxoffice::db::schema::jobs::dsl::*;
        use diesel::prelude::*;
        jobs.find(job).select(status).first::<String>(c).unwrap()
    })
}

#[actix_web::test]
async fn the_worker_started_with_the_server_delivers_email_on_its_own() {
    let app = spawn_app_configured(false, |s| s.worker = true).await;
    app.register("Ada", "ada@example.com", "a long enough password")
        .await;
    let mail_dir = app.settings.mail_dir.clone();
    let status =
        || app.with_conn(|c| boxoffice::db::outbox::list(c, None, 10, 0).unwrap())[0].status;
    // The file is written first, then the row is marked sent: wait for both.
    let delivered = eventually(|| {
        let written = std::fs::read_dir(&mail_dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "eml"))
            })
            .unwrap_or(false);
        written && status() == boxoffice::domain::email::EmailStatus::Sent
    })
    .await;
    assert!(
        delivered,
        "the welcome email was written and marked sent by the background worker"
    );
}

/// Takes its time, so the test can stop the worker while it runs.
struct Slow {
    started: AtomicUsize,
    finished: AtomicUsize,
    seen: Mutex<Vec<serde_json::Value>>,
}

impl JobHandler for Slow {
    fn run(&self, _: &Db, _: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        self.started.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(600));
        self.seen.lock().unwrap().push(payload.clone());
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[actix_web::test]
async fn on_shutdown_the_worker_finishes_the_job_in_hand_and_takes_no_more() {
    let app = spawn_app_with(false).await;
    let slow = Arc::new(Slow {
        started: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
        seen: Mutex::new(Vec::new()),
    });
    let now = app.clock.now();
    app.db
        .write(|c| {
            jobs::enqueue(c, "slow", &json!({"n": 1}), Some("slow:1"), now)?;
            jobs::enqueue(c, "slow", &json!({"n": 2}), Some("slow:2"), now)
        })
        .unwrap();
    let handlers: HashMap<String, Arc<dyn JobHandler>> =
        HashMap::from([("slow".to_owned(), slow.clone() as Arc<dyn JobHandler>)]);
    let worker = Worker::new(
        app.db.clone(),
        app.clock.clone(),
        Arc::new(Mailer::from_settings(&app.settings).unwrap()),
        app.settings.base_url.clone(),
        handlers,
        Vec::new(),
    );
    let handle = worker.start();
    assert!(eventually(|| slow.started.load(Ordering::SeqCst) == 1).await);
    // SIGTERM arrives while the first job runs.
    let stopped = handle.shutdown(Duration::from_secs(10));
    assert!(stopped, "the worker stopped in time");
    assert_eq!(
        slow.finished.load(Ordering::SeqCst),
        1,
        "the job in hand finished"
    );
    assert_eq!(
        slow.started.load(Ordering::SeqCst),
        1,
        "no new job was taken"
    );
    let ids: Vec<(i64, String)> = app.with_conn(|c| {
        use boxoffice::db::schema::jobs::dsl::*;
        use diesel::prelude::*;
        jobs.select((id, status)).order(id).load(c).unwrap()
    });
    assert_eq!(job_status(&app, ids[0].0), "done");
    assert_eq!(
        job_status(&app, ids[1].0),
        "queued",
        "left for the next run"
    );
    app.leaves_work_behind("the second job is left for the next run: what this test checks");
}
