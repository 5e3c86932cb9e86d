//! The durable job queue: once-only enqueue, retries with backoff, dead letters, and workers
//! that never run the same job twice at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use boxoffice::clock::Clock;
use boxoffice::db::{Db, DbError};
use boxoffice::jobs::{self, Handlers, Job, JobHandler, RunJob, Runner, Turn};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

/// Records each run's payload; fails the first `failures` runs.
struct Recorder {
    runs: Mutex<Vec<serde_json::Value>>,
    failures: AtomicUsize,
}

impl JobHandler for Recorder {
    fn run(&self, _: &Db, _: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        self.runs.lock().unwrap().push(payload.clone());
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err("the mail server said 451, try later".to_owned());
        }
        Ok(())
    }
}

fn runner(app: &TestApp, kind: &str, handler: Arc<dyn JobHandler>) -> Runner {
    Runner::new(
        app.db.clone(),
        app.clock.clone(),
        HashMap::from([(kind.to_owned(), handler)]),
    )
}

fn enqueue(app: &TestApp, kind: &str, payload: serde_json::Value, key: Option<&str>) -> bool {
    let now = app.clock.now();
    app.db
        .write(|c| jobs::enqueue(c, kind, &payload, key, now))
        .unwrap()
}

fn counts(app: &TestApp) -> HashMap<String, i64> {
    app.with_conn(|c| boxoffice::db::jobs::counts(c).unwrap())
        .into_iter()
        .map(|(status, n)| (status.to_string(), n))
        .collect()
}

#[actix_web::test]
async fn a_job_runs_once_and_a_repeated_dedupe_key_adds_nothing() {
    let app = spawn_app_with(false).await;
    let recorder = Arc::new(Recorder {
        runs: Mutex::new(Vec::new()),
        failures: AtomicUsize::new(0),
    });
    assert!(enqueue(
        &app,
        "greet",
        json!({"user_id": 7}),
        Some("greet:7")
    ));
    assert!(
        !enqueue(&app, "greet", json!({"user_id": 7}), Some("greet:7")),
        "same key: nothing added"
    );
    // A duplicate inside a larger transaction doesn't abort it.
    let now = app.clock.now();
    app.db
        .write(|c| {
            jobs::enqueue(c, "greet", &json!({"user_id": 7}), Some("greet:7"), now)?;
            jobs::enqueue(c, "greet", &json!({"user_id": 8}), Some("greet:8"), now)
        })
        .unwrap();
    let turns = runner(&app, "greet", recorder.clone())
        .run_until_idle()
        .unwrap();
    assert_eq!(turns.len(), 2);
    assert!(turns.iter().all(|t| matches!(t, Turn::Done { .. })));
    assert_eq!(
        *recorder.runs.lock().unwrap(),
        vec![json!({"user_id": 7}), json!({"user_id": 8})]
    );
    assert_eq!(counts(&app), HashMap::from([("done".to_owned(), 2)]));
}

#[actix_web::test]
async fn a_failing_job_is_retried_with_growing_waits_then_succeeds() {
    let app = spawn_app_with(false).await;
    let recorder = Arc::new(Recorder {
        runs: Mutex::new(Vec::new()),
        failures: AtomicUsize::new(2),
    });
    let runner = runner(&app, "send", recorder.clone());
    enqueue(&app, "send", json!({"outbox_id": 1}), None);

    let turns = runner.run_until_idle().unwrap();
    assert!(matches!(&turns[..], [Turn::Retrying { .. }]), "{turns:?}");
    // Not due again before its backoff.
    app.clock.advance(chrono::TimeDelta::seconds(9));
    assert!(runner.run_until_idle().unwrap().is_empty());
    app.clock.advance(chrono::TimeDelta::seconds(1));
    assert!(matches!(
        &runner.run_until_idle().unwrap()[..],
        [Turn::Retrying { .. }]
    ));
    app.clock.advance(chrono::TimeDelta::seconds(19));
    assert!(
        runner.run_until_idle().unwrap().is_empty(),
        "the second wait is longer"
    );
    app.clock.advance(chrono::TimeDelta::seconds(1));
    assert!(matches!(
        &runner.run_until_idle().unwrap()[..],
        [Turn::Done { .. }]
    ));
    assert_eq!(recorder.runs.lock().unwrap().len(), 3);
    assert_eq!(counts(&app), HashMap::from([("done".to_owned(), 1)]));
}

struct Panicker;

impl JobHandler for Panicker {
    fn run(&self, _: &Db, _: &Clock, _: &serde_json::Value) -> Result<(), String> {
        panic!("refund gateway exploded");
    }
}

#[actix_web::test]
async fn a_job_that_keeps_panicking_ends_dead_with_its_error() {
    let app = spawn_app_with(false).await;
    let runner = runner(&app, "refund", Arc::new(Panicker));
    enqueue(&app, "refund", json!({"refund_id": 3}), None);
    let mut last = Vec::new();
    for _ in 0..jobs::DEFAULT_MAX_ATTEMPTS {
        last = runner.run_until_idle().unwrap();
        app.clock.advance(chrono::TimeDelta::hours(2));
    }
    match &last[..] {
        [Turn::Dead { id, error }] => {
            assert!(error.contains("refund gateway exploded"), "{error}");
            let kept = app.with_conn(|c| boxoffice::db::jobs::last_error(c, *id).unwrap());
            assert_eq!(kept.as_deref(), Some(error.as_str()));
        }
        other => panic!("expected a dead job, got {other:?}"),
    }
    assert_eq!(counts(&app), HashMap::from([("dead".to_owned(), 1)]));
    assert!(
        runner.run_until_idle().unwrap().is_empty(),
        "dead jobs are not run again"
    );
}

/// Counts runs per job id, slowly enough that workers overlap.
struct Tally(Mutex<HashMap<i64, usize>>);

impl JobHandler for Tally {
    fn run(&self, _: &Db, _: &Clock, payload: &serde_json::Value) -> Result<(), String> {
        let n = payload["n"].as_i64().ok_or("no n")?;
        std::thread::sleep(std::time::Duration::from_millis(2));
        *self.0.lock().unwrap().entry(n).or_default() += 1;
        Ok(())
    }
}

#[actix_web::test]
async fn several_workers_on_separate_pools_never_run_a_job_twice() {
    let app = spawn_app_with(false).await;
    const JOBS: i64 = 120;
    let now = app.clock.now();
    app.db
        .write(|c| {
            for n in 0..JOBS {
                jobs::enqueue(c, "tally", &json!({"n": n}), None, now)?;
            }
            Ok::<_, DbError>(())
        })
        .unwrap();
    let tally = Arc::new(Tally(Mutex::new(HashMap::new())));
    // Four workers, each with its own pool: like four app instances on one database.
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let db = Db::connect(&app.database_url, 2).unwrap();
            let runner = Runner::new(
                db,
                app.clock.clone(),
                HashMap::from([("tally".to_owned(), tally.clone() as Arc<dyn JobHandler>)]),
            );
            std::thread::spawn(move || runner.run_until_idle().unwrap().len())
        })
        .collect();
    let per_worker: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(
        per_worker.iter().sum::<usize>(),
        JOBS as usize,
        "{per_worker:?}"
    );
    let tally = tally.0.lock().unwrap();
    assert_eq!(tally.len(), JOBS as usize);
    assert!(tally.values().all(|runs| *runs == 1), "a job ran twice");
    assert_eq!(counts(&app), HashMap::from([("done".to_owned(), JOBS)]));
}

/// On its first run, lets its lease run out and has another worker take the job over.
struct SlowThenOvertaken {
    first: AtomicBool,
    other: Mutex<Option<Runner>>,
    clock: Clock,
}

impl JobHandler for SlowThenOvertaken {
    fn run(&self, _: &Db, _: &Clock, _: &serde_json::Value) -> Result<(), String> {
        if self.first.swap(false, Ordering::SeqCst) {
            self.clock
                .advance(jobs::LEASE + chrono::TimeDelta::seconds(1));
            let other = self.other.lock().unwrap().clone().unwrap();
            assert!(matches!(other.run_one().unwrap(), Turn::Done { .. }));
        }
        Ok(())
    }
}

#[actix_web::test]
async fn a_worker_whose_lease_ran_out_does_not_overwrite_the_new_owner() {
    let app = spawn_app_with(false).await;
    let handler = Arc::new(SlowThenOvertaken {
        first: AtomicBool::new(true),
        other: Mutex::new(None),
        clock: app.clock.clone(),
    });
    let first = runner(&app, "slow", handler.clone());
    *handler.other.lock().unwrap() = Some(runner(&app, "slow", handler.clone()));
    enqueue(&app, "slow", json!({}), None);
    assert!(matches!(first.run_one().unwrap(), Turn::LostClaim { .. }));
    assert_eq!(counts(&app), HashMap::from([("done".to_owned(), 1)]));
}

/// A typed job of the test's own: enqueued through [`Job::enqueue`], run decoded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Remind {
    booking: i64,
}

impl Job for Remind {
    const KIND: &'static str = "test.remind";
    const MAX_ATTEMPTS: i32 = 2;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::KIND, self.booking))
    }
}

/// Remembers each decoded job it ran.
struct Reminder(Arc<Mutex<Vec<Remind>>>);

impl RunJob<Remind> for Reminder {
    fn run(&self, _: &Db, _: &Clock, job: Remind) -> Result<(), String> {
        if job.booking == 0 {
            return Err("no booking 0".to_owned());
        }
        self.0.lock().unwrap().push(job);
        Ok(())
    }
}

#[actix_web::test]
async fn a_typed_job_runs_decoded_an_unreadable_payload_fails_and_its_max_attempts_hold() {
    let app = spawn_app_with(false).await;
    let ran = Arc::new(Mutex::new(Vec::new()));
    let runner = Runner::new(
        app.db.clone(),
        app.clock.clone(),
        Handlers::new().register::<Remind>(Reminder(ran.clone())),
    );
    let now = app.clock.now();
    let job = Remind { booking: 7 };
    assert!(app.db.write(|c| job.enqueue(c, now)).unwrap());
    assert!(
        !app.db.write(|c| job.enqueue(c, now)).unwrap(),
        "the same key twice adds nothing"
    );
    let turns = runner.run_until_idle().unwrap();
    assert!(matches!(&turns[..], [Turn::Done { .. }]), "{turns:?}");
    assert_eq!(*ran.lock().unwrap(), vec![Remind { booking: 7 }]);

    // A row of the same kind whose payload is not a Remind is a failed attempt, never run.
    enqueue(&app, Remind::KIND, json!({"booking": "seven"}), None);
    match &runner.run_until_idle().unwrap()[..] {
        [Turn::Retrying { error, .. }] => assert!(error.contains("unreadable payload"), "{error}"),
        other => panic!("expected a failed attempt, got {other:?}"),
    }

    // A Remind that fails is dead after Remind's own two attempts, not the default eight.
    assert!(
        app.db
            .write(|c| Remind { booking: 0 }.enqueue(c, now))
            .unwrap()
    );
    app.clock.advance(chrono::TimeDelta::hours(2));
    let turns = runner.run_until_idle().unwrap();
    assert_eq!(turns.len(), 2, "{turns:?}");
    app.clock.advance(chrono::TimeDelta::hours(2));
    let turns = runner.run_until_idle().unwrap();
    assert!(
        turns
            .iter()
            .any(|t| matches!(t, Turn::Dead { error, .. } if error.contains("no booking 0"))),
        "{turns:?}"
    );
    assert_eq!(ran.lock().unwrap().len(), 1, "the unreadable job never ran");
    assert_eq!(
        counts(&app),
        HashMap::from([
            ("done".to_owned(), 1),
            ("queued".to_owned(), 1),
            ("dead".to_owned(), 1)
        ])
    );
}
