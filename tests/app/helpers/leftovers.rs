//! crates.io's habit: a test that leaves due jobs or unsent emails behind fails, so no test can
//! pass while something it caused was never run or never checked. A test that leaves work queued
//! on purpose says so, with its reason, through [`TestApp::leaves_work_behind`].

use std::sync::atomic::Ordering;

use boxoffice::db::schema::{email_outbox, jobs};
use diesel::prelude::*;

use super::TestApp;

impl TestApp {
    /// This test leaves due jobs or emails behind on purpose (`why` is for the reader: the
    /// queued work is what it checks, or the app it built has no worker to run them).
    pub fn leaves_work_behind(&self, why: &str) {
        assert!(!why.trim().is_empty(), "say why the work is left behind");
        self.leftovers_allowed.store(true, Ordering::SeqCst);
    }

    /// Sends the due emails and answers what went out, as `"kind recipient"` in the order they
    /// were queued: a test's closing check of the emails it caused.
    pub fn deliver_emails_listed(&self) -> Vec<String> {
        let now = self.clock.now();
        let due: Vec<(i64, String, String)> = self.with_conn(|c| {
            email_outbox::table
                .filter(email_outbox::status.eq("pending"))
                .filter(email_outbox::run_after.le(now))
                .order(email_outbox::id)
                .select((
                    email_outbox::id,
                    email_outbox::kind,
                    email_outbox::recipient,
                ))
                .load(c)
                .expect("read the outbox")
        });
        self.deliver_emails();
        let sent: Vec<i64> = self.with_conn(|c| {
            email_outbox::table
                .filter(email_outbox::status.eq("sent"))
                .select(email_outbox::id)
                .load(c)
                .expect("read the outbox")
        });
        due.into_iter()
            .filter(|(id, _, _)| sent.contains(id))
            .map(|(_, kind, to)| format!("{kind} {to}"))
            .collect()
    }

    /// The due jobs and unsent due emails still in the database (by kind), unless the test
    /// said it leaves work behind. An unreadable database (a test that broke it on purpose)
    /// answers nothing.
    pub(super) fn work_left_behind(&self) -> Vec<String> {
        if self.leftovers_allowed.load(Ordering::SeqCst) {
            return Vec::new();
        }
        let now = self.clock.now();
        let Ok(mut conn) = self.db.conn() else {
            return Vec::new();
        };
        // The simulated gateway stands in for a remote provider, and like a real one it
        // sometimes sends an event twice (`gateway::delivery::queue` adds a second delivery, keyed
        // `…:again`, a few seconds later at random): that stray copy is the provider's doing,
        // not work the test left undone, and whether it exists is chance.
        let due_jobs: Vec<String> = jobs::table
            .filter(jobs::status.eq("queued"))
            .filter(jobs::run_after.le(now))
            .filter(
                jobs::dedupe_key
                    .is_null()
                    .or(jobs::dedupe_key.not_like("%:again")),
            )
            .select(jobs::kind)
            .load(&mut *conn)
            .unwrap_or_default();
        let due_emails: Vec<String> = email_outbox::table
            .filter(email_outbox::status.eq("pending"))
            .filter(email_outbox::run_after.le(now))
            .select(email_outbox::kind)
            .load(&mut *conn)
            .unwrap_or_default();
        due_jobs
            .into_iter()
            .map(|kind| format!("job {kind}"))
            .chain(due_emails.into_iter().map(|kind| format!("email {kind}")))
            .collect()
    }
}
