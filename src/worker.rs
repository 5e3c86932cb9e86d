//! The background worker (ARCHITECTURE §4): one actix [`Arbiter`] started with the server runs
//! the job runner, the email sender and periodic tasks (the booking capability adds its hold
//! sweeper here). The Arbiter has a thread of its own, so the blocking diesel and SMTP work it
//! does never stalls a request. On shutdown it finishes what it has in hand and stops; a killed
//! process loses nothing, because leases expire and the work is claimed again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_rt::Arbiter;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{Db, DbError};
use crate::gateway::Gateway;
use crate::jobs::{JobHandler, Runner, Turn};
use crate::live::LiveHub;
use crate::mail::{MailConfigError, Mailer};
use crate::services::email::{SendTurn, Sender};

/// How often an idle worker looks for new work.
pub const POLL: Duration = Duration::from_millis(500);
/// How long the worker rests after the database failed it.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

type TaskFn = dyn Fn(&Db, &Clock) -> Result<usize, DbError> + Send + Sync;

/// Work done on a timer rather than from a queue. Must be idempotent: every instance runs it.
#[derive(Clone)]
pub struct PeriodicTask {
    pub name: &'static str,
    pub every: Duration,
    run: Arc<TaskFn>,
}

impl PeriodicTask {
    pub fn new(
        name: &'static str,
        every: Duration,
        run: impl Fn(&Db, &Clock) -> Result<usize, DbError> + Send + Sync + 'static,
    ) -> Self {
        PeriodicTask {
            name,
            every,
            run: Arc::new(run),
        }
    }
}

/// How often the hold sweeper runs, and how many bookings it ends per transaction. (An expired
/// hold is free in every query at once; the sweeper tidies the rows and tells the viewers.)
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
pub const SWEEP_BATCH: i64 = 200;

/// The periodic tasks every instance runs.
pub fn standard_tasks(live: Arc<LiveHub>) -> Vec<PeriodicTask> {
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
        crate::services::reconcile::task(),
    ]
}

/// Job handlers by kind: the gateway's webhook deliveries, the app's refunds and event
/// cancellations.
pub fn standard_handlers(
    gateway: &Gateway,
    settings: &Settings,
    server_secret: &[u8],
) -> HashMap<String, Arc<dyn JobHandler>> {
    let mut handlers: HashMap<String, Arc<dyn JobHandler>> = HashMap::new();
    handlers.insert(
        crate::gateway::delivery::JOB_KIND.to_owned(),
        Arc::new(crate::gateway::delivery::WebhookSender::new(
            settings.gateway_webhook_url.to_string(),
            crate::gateway::signature::webhook_secret(server_secret),
        )),
    );
    handlers.insert(
        crate::services::payments::REFUND_JOB.to_owned(),
        Arc::new(crate::services::payments::RefundJob::new(gateway.clone())),
    );
    handlers.insert(
        crate::services::cancellation::JOB.to_owned(),
        Arc::new(crate::services::cancellation::CancelJob::new(
            gateway.clone(),
        )),
    );
    handlers
}

/// Everything the worker does, runnable step by step (tests) or on its Arbiter.
pub struct Worker {
    db: Db,
    clock: Clock,
    runner: Runner,
    sender: Sender,
    tasks: Vec<(PeriodicTask, Option<Instant>)>,
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
        handlers: HashMap<String, Arc<dyn JobHandler>>,
        tasks: Vec<PeriodicTask>,
    ) -> Self {
        Worker {
            runner: Runner::new(db.clone(), clock.clone(), handlers),
            sender: Sender::new(db.clone(), clock.clone(), mailer, base_url),
            tasks: tasks.into_iter().map(|t| (t, None)).collect(),
            db,
            clock,
        }
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
        let gateway = Gateway::new(db.clone(), clock.clone());
        Ok(Worker::new(
            db,
            clock,
            mailer,
            settings.base_url.clone(),
            standard_handlers(&gateway, settings, server_secret),
            standard_tasks(live),
        ))
    }

    /// Runs due jobs and emails until there are none, one at a time, checking `stop` between
    /// each. Then any periodic task that is due. Blocking.
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
        let now = Instant::now();
        for (task, last) in &mut self.tasks {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            if last.is_some_and(|at| now.duration_since(at) < task.every) {
                continue;
            }
            *last = Some(now);
            match (task.run)(&self.db, &self.clock) {
                Ok(0) => {}
                Ok(n) => tracing::info!(task = task.name, affected = n, "periodic task ran"),
                Err(e) => tracing::warn!(task = task.name, error = %e, "periodic task failed"),
            }
        }
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

    /// Starts the worker loop on an Arbiter of its own.
    pub fn start(mut self) -> WorkerHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let arbiter = Arbiter::new();
        let flag = stop.clone();
        arbiter.spawn(async move {
            tracing::info!("background worker started");
            while !flag.load(Ordering::SeqCst) {
                let rest = match self.pass(&flag) {
                    Ok(pass) if !pass.jobs.is_empty() || !pass.emails.is_empty() => Duration::ZERO,
                    Ok(_) => POLL,
                    Err(e) => {
                        tracing::warn!(error = %e, "the worker cannot reach the database; pausing");
                        ERROR_PAUSE
                    }
                };
                let until = Instant::now() + rest;
                while !flag.load(Ordering::SeqCst) && Instant::now() < until {
                    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                }
            }
            tracing::info!("background worker stopped");
            let _ = done_tx.send(());
        });
        WorkerHandle {
            stop,
            arbiter,
            done: done_rx,
        }
    }
}

/// Stops the worker started by [`Worker::start`].
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    arbiter: Arbiter,
    done: std::sync::mpsc::Receiver<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop after the job or email in hand, and waits up to `wait` for it.
    /// `true` when it stopped in time. If it did not (a task still running), it is left to
    /// finish or be killed with the process; its lease lets another run pick the work up.
    pub fn shutdown(self, wait: Duration) -> bool {
        self.stop.store(true, Ordering::SeqCst);
        let stopped = self.done.recv_timeout(wait).is_ok();
        self.arbiter.stop();
        if stopped {
            let _ = self.arbiter.join();
        } else {
            tracing::warn!("the worker did not stop in time; leaving it to its lease");
        }
        stopped
    }
}
