//! The demo's box-office staff (issue 22): a team per demo organizer, so that each role can be
//! tried. Created with the demo admin, sharing the password printed once at start-up.

use chrono::NaiveDateTime;

use crate::db::models::NewUser;
use crate::db::organizers::{self, members};
use crate::db::{DbConnection, DbError, users};
use crate::domain::access::{Scope, TeamRole};
use crate::domain::user::Role;

use super::seed::{PROMOTER, THEATRES};

/// `(email, name, organizer, role)`.
pub const STAFF: &[(&str, &str, &str, TeamRole)] = &[
    (
        "owner@northernstages.example",
        "Nadia Owens",
        THEATRES,
        TeamRole::Owner,
    ),
    (
        "editor@northernstages.example",
        "Ed Ellery",
        THEATRES,
        TeamRole::Editor,
    ),
    (
        "boxoffice@northernstages.example",
        "Bea Box",
        THEATRES,
        TeamRole::BoxOffice,
    ),
    (
        "door@northernstages.example",
        "Dov Doorman",
        THEATRES,
        TeamRole::Door,
    ),
    (
        "viewer@northernstages.example",
        "Vic Viewer",
        THEATRES,
        TeamRole::Viewer,
    ),
    (
        "owner@thamesgate.example",
        "Tom Gate",
        PROMOTER,
        TeamRole::Owner,
    ),
    (
        "editor@thamesgate.example",
        "Tess Editor",
        PROMOTER,
        TeamRole::Editor,
    ),
    (
        "door@thamesgate.example",
        "Terry Door",
        PROMOTER,
        TeamRole::Door,
    ),
];

/// Creates the staff accounts that do not exist yet and puts them in their teams.
pub fn seed_staff(
    conn: &mut DbConnection,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let all = organizers::list(conn, &Scope::All)?;
    let mut added = 0;
    for (email, name, organizer, role) in STAFF {
        let Some(organizer) = all.iter().find(|o| o.name == *organizer) else {
            continue;
        };
        if users::find_for_login(conn, email)?.is_some() {
            continue;
        }
        let id = users::insert(
            conn,
            &NewUser {
                email,
                name,
                password_hash,
                role: Role::User,
                created_at: now,
                updated_at: now,
            },
        )?;
        users::mark_verified(conn, id, now)?;
        members::insert(conn, organizer.id, id, *role, now)?;
        added += 1;
    }
    Ok(added)
}
