//! What start-up does to the database before serving: migrate, seed the demo into an empty
//! catalogue, and make sure there is an admin (ARCHITECTURE §9).

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{ConnectError, Db, DbError, seed};
use crate::services::admins::{self, AdminError, AdminOutcome, AdminRequest};
use crate::services::demo::{self, SeedSummary};

pub const DEMO_ADMIN_EMAIL: &str = "admin@boxoffice.local";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot seed the demo: {0}")]
    Seed(DbError),
    #[error("BOXOFFICE_ADMIN_EMAIL/BOXOFFICE_ADMIN_PASSWORD: {0}")]
    Admin(#[from] AdminError),
}

/// What start-up did, for the log (and the one-time admin password for the console).
#[derive(Debug, Default)]
pub struct SetupReport {
    pub seeded: Option<SeedSummary>,
    pub admin: Option<AdminOutcome>,
    /// Set only when a demo admin was generated: print once, never log.
    pub generated_admin_password: Option<String>,
}

#[tracing::instrument(name = "setup.prepare", level = "debug", skip_all)]
pub fn prepare(db: &Db, settings: &Settings, clock: &Clock) -> Result<SetupReport, SetupError> {
    db.migrate()?;
    let mut report = SetupReport::default();
    if settings.demo_data {
        report.seeded = seed_demo_if_empty(db, clock).map_err(SetupError::Seed)?;
    }
    if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
        let request = AdminRequest::new(email, password, None, settings.bcrypt_cost)?;
        report.admin = Some(db.write(|c| admins::create_or_reset(c, &request, clock.now()))?);
    } else if report.seeded.is_some() && db.read(admins::admin_count)? == 0 {
        let password: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        let request = AdminRequest::new(
            DEMO_ADMIN_EMAIL,
            &password,
            Some("Demo admin"),
            settings.bcrypt_cost,
        )?;
        report.admin = Some(db.write(|c| admins::create_or_reset(c, &request, clock.now()))?);
        // The demo's staff share the password, so that each role can be tried.
        let hash = request.password_hash.clone();
        db.write(|c| demo::seed_staff(c, &hash, clock.now()))
            .map_err(SetupError::Seed)?;
        report.generated_admin_password = Some(password);
    }
    Ok(report)
}

/// Seeds the demo when the catalogue is empty; `None` when there was something already.
#[tracing::instrument(name = "setup.seed_demo", level = "debug", skip_all)]
pub fn seed_demo_if_empty(db: &Db, clock: &Clock) -> Result<Option<SeedSummary>, DbError> {
    let now = clock.now();
    db.write(|c| {
        if !seed::catalogue_is_empty(c)? {
            return Ok(None);
        }
        demo::seed(c, now.date(), now).map(Some)
    })
}
