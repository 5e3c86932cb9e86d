//! The command line of API.md: `serve` (default), `migrate`, `seed-demo`, `admin create`.
//! Every failure ends with a one-line reason and a non-zero exit status.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::services::admins::{self, AdminOutcome, AdminRequest};
use crate::services::setup;
use crate::startup::Application;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "boxoffice",
    version,
    about = "Ticket reservation system: live seat maps, holds, payments, email tickets."
)]
#[command(
    after_help = "Configuration comes from the environment (DATABASE_URL, BOXOFFICE_*); see README.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate, seed the demo into an empty database, and serve (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed the demo venues and events into an empty database.
    SeedDemo,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an admin, or make an existing account an admin with this password.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => return fail(format!("configuration: {e}")),
    };
    telemetry::init(settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::SeedDemo => seed_demo(&settings),
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    password,
                    name,
                },
        } => create_admin(&settings, &email, &password, name.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => fail(reason),
    }
}

fn fail(reason: String) -> ExitCode {
    eprintln!("boxoffice: {reason}");
    ExitCode::FAILURE
}

fn connect(settings: &Settings) -> Result<Db, String> {
    Db::connect(&settings.database_url, settings.pool_size.min(2)).map_err(|e| e.to_string())
}

fn migrate(settings: &Settings) -> Result<(), String> {
    connect(settings)?.migrate().map_err(|e| e.to_string())?;
    println!(
        "Database is up to date ({}).",
        settings.database_url.redacted()
    );
    Ok(())
}

fn seed_demo(settings: &Settings) -> Result<(), String> {
    let db = connect(settings)?;
    db.migrate().map_err(|e| e.to_string())?;
    match setup::seed_demo_if_empty(&db, &Clock::System).map_err(|e| e.to_string())? {
        Some(s) => {
            println!(
                "Seeded {} venues, {} events, {} seats and {} past bookings.",
                s.venues, s.events, s.seats, s.bookings
            );
            Ok(())
        }
        None => Err(
            "the database already has venues or events; seed-demo only fills an empty one"
                .to_owned(),
        ),
    }
}

fn create_admin(
    settings: &Settings,
    email: &str,
    password: &str,
    name: Option<&str>,
) -> Result<(), String> {
    let request = AdminRequest::new(email, password, name, settings.bcrypt_cost)
        .map_err(|e| e.to_string())?;
    let db = connect(settings)?;
    db.migrate().map_err(|e| e.to_string())?;
    let now = Clock::System.now();
    let outcome = db
        .write(|c| admins::create_or_reset(c, &request, now))
        .map_err(|e| e.to_string())?;
    match outcome {
        AdminOutcome::Created(id) => println!("Created admin #{id}."),
        AdminOutcome::Reset(id) => println!("User #{id} is now an admin with the new password."),
        AdminOutcome::Unchanged(id) => {
            println!("User #{id} is already an admin with this password.")
        }
    }
    Ok(())
}

#[actix_web::main]
async fn serve(settings: Settings) -> Result<(), String> {
    let database = settings.database_url.redacted();
    let base_url = settings.base_url.clone();
    let app = Application::build(settings, Clock::System).map_err(|e| e.to_string())?;
    if let Some(s) = app.report.seeded {
        tracing::info!(
            venues = s.venues,
            events = s.events,
            seats = s.seats,
            bookings = s.bookings,
            "seeded the demo catalogue"
        );
    }
    if let Some(password) = &app.report.generated_admin_password {
        // Printed once, to the console only: it is never written to the log.
        println!(
            "\n  Demo admin: {}  password: {password}\n  (shown once; set BOXOFFICE_ADMIN_EMAIL/PASSWORD or run `boxoffice admin create` to choose your own)\n",
            setup::DEMO_ADMIN_EMAIL
        );
        let staff: Vec<String> = crate::services::demo::STAFF
            .iter()
            .map(|(email, _, organizer, role)| {
                format!(
                    "    {email}  ({} at {organizer})",
                    role.label().to_lowercase()
                )
            })
            .collect();
        println!(
            "  Demo box-office staff, same password:\n{}\n",
            staff.join("\n")
        );
    }
    tracing::info!(%database, "boxoffice is ready");
    println!("boxoffice is serving {base_url} (press Ctrl-C to stop)");
    app.run_until_stopped().await.map_err(|e| e.to_string())
}
