//! The background worker (ARCHITECTURE §4), in lanes that never wait for each other: payments
//! (the gateway's webhooks and refunds), other jobs, email, and periodic tasks (the hold sweeper
//! among them, on its own schedule). Each lane runs on actix [`Arbiter`]s of its own (as many as
//! configured, `BOXOFFICE_PAYMENT_WORKERS`, `BOXOFFICE_JOB_WORKERS`, `BOXOFFICE_EMAIL_WORKERS`),
//! so a stuck SMTP server never delays a payment, and the blocking diesel and SMTP work never
//! stalls a request. On shutdown every lane finishes what it has in hand and stops; a killed
//! process loses nothing, because leases expire and the work is claimed again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_rt::Arbiter;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::jobs::KindFilter;
use crate::db::{Db, DbError};
use crate::gateway::delivery::WebhookSender;
pub use crate::jobs::PeriodicTask;
use crate::jobs::{
    CancelEvent, DeliverWebhook, Handlers, Job, LotusPayNotify, LotusPaySettle, RefundPayment,
    Runner, SendLoginLink, SendPasswordReset, Turn,
};
use crate::mail::{MailConfigError, Mailer};
use crate::providers::Providers;
use crate::providers::lotuspay::notify::{NotifySender, Settler};
use crate::services::cancellation::CancelJob;
use crate::services::email::{SendTurn, Sender};
use crate::services::live::LiveHub;
use crate::services::notify::RequestJob;
use crate::services::payments::RefundJob;

/// How often an idle worker looks for new work.
pub const POLL: Duration = Duration::from_millis(500);
/// How long the worker rests after the database failed it.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// How often the hold sweeper runs, and how many bookings it ends per transaction. (An expired
/// hold is free in every query at once; the sweeper tidies the rows and tells the viewers.)
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
pub const SWEEP_BATCH: i64 = 200;

/// The periodic tasks every instance runs.
pub fn standard_tasks(live: Arc<LiveHub>, providers: Providers) -> Vec<PeriodicTask> {
    vec![
        PeriodicTask::new("sweep_expired_holds", SWEEP_EVERY, move |db, clock| {
            let mut total = 0;
            loop {
                let n = crate::services::holds::sweep_expired(db, &live, clock.now(), SWEEP_BATCH)?;
                total += n;
                if n < SWEEP_BATCH as usize {
                    return Ok(total);
                }
            }
        }),
        PeriodicTask::new(
            "purge_expired_tokens",
            Duration::from_secs(3_600),
            |db, clock| crate::services::recovery::purge_expired_tokens(db, clock.now()),
        ),
        PeriodicTask::new(
            "purge_ended_sessions",
            Duration::from_secs(3_600),
            |db, clock| crate::services::accounts::purge_ended_sessions(db, clock.now()),
        ),
        PeriodicTask::new("purge_rate_limits", PURGE_RATE_LIMITS_EVERY, |db, clock| {
            db.read(|c| {
                crate::db::backend::per_backend(
                    c,
                    |pg| crate::db::rate_limits::purge(pg, clock.now()),
                    // SQLite's limits are in process and trim themselves.
                    |_| Ok(0),
                )
                .map_err(DbError::Query)
            })
        }),
        crate::services::reconcile::task(providers),
        // The waiting rooms' admission tick (issue 20): one indexed query when no room is on.
        PeriodicTask::new("queue_tick", QUEUE_TICK_EVERY, |db, clock| {
            crate::services::queue::tick_all(db, clock.now())
        }),
    ]
}

/// How often the waiting rooms are ticked: once a second (shared/WAITING_ROOM.md §3.7).
pub const QUEUE_TICK_EVERY: Duration = Duration::from_secs(1);

/// How often the shared rate limits of a PostgreSQL deployment forget keys whose time has
/// passed (every instance runs it; a purge finding nothing costs one index scan).
pub const PURGE_RATE_LIMITS_EVERY: Duration = Duration::from_secs(600);

/// The job kinds the payments lane runs (and the other-jobs lane leaves to it): money first.
pub const PAYMENT_JOB_KINDS: &[&str] = &[
    DeliverWebhook::KIND,
    RefundPayment::KIND,
    LotusPayNotify::KIND,
    LotusPaySettle::KIND,
];

/// How many threads each lane runs (the periodic lane always has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneSizes {
    pub payments: usize,
    pub jobs: usize,
    pub email: usize,
}

impl Default for LaneSizes {
    fn default() -> Self {
        LaneSizes {
            payments: 2,
            jobs: 1,
            email: 2,
        }
    }
}

/// Who runs each job: SimPay's webhooks and LotusPay's notifications and transfers, the app's
/// refunds and event cancellations, and the account emails asked for anonymously.
pub fn standard_handlers(providers: &Providers, settings: &Settings, secret: &[u8]) -> Handlers {
    Handlers::new()
        .register::<DeliverWebhook>(WebhookSender::new(
            settings.gateway_webhook_url.to_string(),
            crate::gateway::signature::webhook_secret(secret),
        ))
        .register::<LotusPayNotify>(NotifySender::from_settings(settings, secret))
        .register::<LotusPaySettle>(Settler)
        .register::<RefundPayment>(RefundJob::new(providers.clone()))
        .register::<CancelEvent>(CancelJob::new(providers.clone()))
        .register::<SendPasswordReset>(RequestJob(crate::services::recovery::request_reset))
        .register::<SendLoginLink>(RequestJob(crate::services::login_links::request_link))
}

/// Everything the worker does, runnable step by step (tests) or in its lanes.
pub struct Worker {
    db: Db,
    clock: Clock,
    runner: Runner,
    sender: Sender,
    tasks: Vec<(PeriodicTask, Option<Instant>)>,
    lanes: LaneSizes,
}

/// What [`Worker::run_until_idle`] did.
#[derive(Debug, Default)]
pub struct Pass {
    pub jobs: Vec<Turn>,
    pub emails: Vec<SendTurn>,
}

impl Worker {
    pub fn new(
        db: Db,
        clock: Clock,
        mailer: Arc<Mailer>,
        base_url: url::Url,
        handlers: impl Into<Handlers>,
        tasks: Vec<PeriodicTask>,
    ) -> Self {
        Worker {
            runner: Runner::new(db.clone(), clock.clone(), handlers),
            sender: Sender::new(db.clone(), clock.clone(), mailer, base_url),
            tasks: tasks.into_iter().map(|t| (t, None)).collect(),
            lanes: LaneSizes::default(),
            db,
            clock,
        }
    }

    /// The same worker with `lanes` threads per lane (each at least one).
    pub fn with_lanes(mut self, lanes: LaneSizes) -> Self {
        self.lanes = LaneSizes {
            payments: lanes.payments.max(1),
            jobs: lanes.jobs.max(1),
            email: lanes.email.max(1),
        };
        self
    }

    /// The worker `serve` starts: the standard handlers and tasks, mail as configured.
    pub fn from_settings(
        db: Db,
        clock: Clock,
        settings: &Settings,
        live: Arc<LiveHub>,
        server_secret: &[u8],
    ) -> Result<Self, MailConfigError> {
        let mailer = Arc::new(Mailer::from_settings(settings)?);
        tracing::info!(mail = %mailer.describe(), "outgoing email");
        let providers = Providers::standard(&db, &clock, server_secret);
        Ok(Worker::new(
            db,
            clock,
            mailer,
            settings.base_url.clone(),
            standard_handlers(&providers, settings, server_secret),
            standard_tasks(live, providers),
        )
        .with_lanes(LaneSizes {
            payments: settings.payment_workers as usize,
            jobs: settings.job_workers as usize,
            email: settings.email_workers as usize,
        }))
    }

    /// Runs due jobs and emails until there are none, one at a time, checking `stop` between
    /// each. Then any periodic task that is due. Blocking. (The lanes [`Worker::start`] runs do
    /// the same work side by side; this is the one-thread version tests step through.)
    pub fn pass(&mut self, stop: &AtomicBool) -> Result<Pass, DbError> {
        let mut pass = Pass::default();
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(pass);
            }
            let job = self.runner.run_one()?;
            if stop.load(Ordering::SeqCst) {
                if job != Turn::Idle {
                    pass.jobs.push(job);
                }
                return Ok(pass);
            }
            let email = self.sender.send_one()?;
            let idle = job == Turn::Idle && email == SendTurn::Idle;
            if job != Turn::Idle {
                pass.jobs.push(job);
            }
            if email != SendTurn::Idle {
                pass.emails.push(email);
            }
            if idle {
                break;
            }
        }
        run_due_tasks(&mut self.tasks, &self.db, &self.clock, stop);
        Ok(pass)
    }

    /// One pass with nothing asking it to stop (tests: "run the worker until idle"). Periodic
    /// tasks all run, due or not.
    pub fn run_until_idle(&mut self) -> Result<Pass, DbError> {
        for (_, last) in &mut self.tasks {
            *last = None;
        }
        self.pass(&AtomicBool::new(false))
    }

    /// Starts the lanes, each on Arbiters of its own: payments, other jobs, email, periodic.
    pub fn start(self) -> WorkerHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let mut arbiters = Vec::new();
        let payments: Vec<String> = PAYMENT_JOB_KINDS.iter().map(|k| (*k).to_owned()).collect();
        for n in 0..self.lanes.payments {
            let runner = self
                .runner
                .clone()
                .with_filter(KindFilter::Only(payments.clone()));
            arbiters.push(spawn_lane("payments", n, &stop, &done_tx, move || {
                Ok(runner.run_one()? != Turn::Idle)
            }));
        }
        for n in 0..self.lanes.jobs {
            let runner = self
                .runner
                .clone()
                .with_filter(KindFilter::Except(payments.clone()));
            arbiters.push(spawn_lane("jobs", n, &stop, &done_tx, move || {
                Ok(runner.run_one()? != Turn::Idle)
            }));
        }
        for n in 0..self.lanes.email {
            let sender = self.sender.clone();
            arbiters.push(spawn_lane("email", n, &stop, &done_tx, move || {
                Ok(sender.send_one()? != SendTurn::Idle)
            }));
        }
        let mut tasks = self.tasks;
        let (db, clock, flag) = (self.db, self.clock, stop.clone());
        arbiters.push(spawn_lane("periodic", 0, &stop, &done_tx, move || {
            run_due_tasks(&mut tasks, &db, &clock, &flag);
            Ok(false)
        }));
        let lanes = arbiters.len();
        tracing::info!(
            payments = self.lanes.payments,
            jobs = self.lanes.jobs,
            email = self.lanes.email,
            "background worker started"
        );
        WorkerHandle {
            stop,
            arbiters,
            lanes,
            done: done_rx,
        }
    }
}

/// Runs every periodic task that is due (or has never run), checking `stop` between them.
fn run_due_tasks(
    tasks: &mut [(PeriodicTask, Option<Instant>)],
    db: &Db,
    clock: &Clock,
    stop: &AtomicBool,
) {
    for (task, last) in tasks {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < task.every) {
            continue;
        }
        *last = Some(now);
        match task.run(db, clock) {
            Ok(0) => {}
            Ok(n) => tracing::info!(task = task.name, affected = n, "periodic task ran"),
            Err(e) => tracing::warn!(task = task.name, error = %e, "periodic task failed"),
        }
    }
}

/// How often the periodic lane looks at its timetable.
const TICK: Duration = Duration::from_millis(100);

/// One lane thread: `turn` does one piece of work (`Ok(true)`) or finds none (`Ok(false)`);
/// it is called again at once after work, after [`POLL`] when idle (the periodic lane every
/// [`TICK`]), and after [`ERROR_PAUSE`] when the database failed it.
fn spawn_lane(
    lane: &'static str,
    n: usize,
    stop: &Arc<AtomicBool>,
    done: &std::sync::mpsc::Sender<()>,
    mut turn: impl FnMut() -> Result<bool, DbError> + Send + 'static,
) -> Arbiter {
    let arbiter = Arbiter::new();
    let (flag, done) = (stop.clone(), done.clone());
    let idle = if lane == "periodic" { TICK } else { POLL };
    arbiter.spawn(async move {
        tracing::info!(lane, n, "worker lane started");
        while !flag.load(Ordering::SeqCst) {
            let rest = match turn() {
                Ok(true) => Duration::ZERO,
                Ok(false) => idle,
                Err(e) => {
                    tracing::warn!(lane, error = %e, "a worker lane cannot reach the database; pausing");
                    ERROR_PAUSE
                }
            };
            let until = Instant::now() + rest;
            while !flag.load(Ordering::SeqCst) && Instant::now() < until {
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
        tracing::info!(lane, n, "worker lane stopped");
        let _ = done.send(());
    });
    arbiter
}

/// Stops the worker started by [`Worker::start`].
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    arbiters: Vec<Arbiter>,
    lanes: usize,
    done: std::sync::mpsc::Receiver<()>,
}

impl WorkerHandle {
    /// Asks every lane to stop after the job or email in hand, and waits up to `wait` for them.
    /// `true` when all stopped in time. A lane that did not (a task still running) is left to
    /// finish or be killed with the process; its lease lets another run pick the work up.
    pub fn shutdown(self, wait: Duration) -> bool {
        self.stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + wait;
        let mut stopped = 0;
        while stopped < self.lanes {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.done.recv_timeout(left).is_err() {
                break;
            }
            stopped += 1;
        }
        let all = stopped == self.lanes;
        for arbiter in self.arbiters {
            arbiter.stop();
            if all {
                let _ = arbiter.join();
            }
        }
        if all {
            tracing::info!("background worker stopped");
        } else {
            tracing::warn!("the worker did not stop in time; leaving it to its lease");
        }
        all
    }
}
