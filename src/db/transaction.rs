//! The write-transaction rule of ARCHITECTURE §3 (`BEGIN IMMEDIATE` on SQLite, READ COMMITTED on
//! PostgreSQL) for a connection the caller already holds; nested calls become savepoints.

use diesel::prelude::*;

use super::{DbConnection, DbError};

/// The write-transaction rule of ARCHITECTURE §3 for a connection the caller already holds.
/// Nested calls become savepoints.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    if in_transaction(conn) {
        return conn
            .transaction(|c| f(c).map_err(Rollback::Inner))
            .map_err(Rollback::into_inner);
    }
    if let Err(e) = conn.begin_write() {
        return Err(E::from(DbError::Query(e)));
    }
    match f(conn) {
        Ok(value) => match conn.commit() {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = rollback(conn);
                Err(E::from(DbError::Query(e)))
            }
        },
        Err(e) => {
            let _ = rollback(conn);
            Err(e)
        }
    }
}

fn in_transaction(conn: &mut DbConnection) -> bool {
    matches!(conn.transaction_depth(), Ok(Some(_)))
}

fn rollback(conn: &mut DbConnection) -> QueryResult<()> {
    if in_transaction(conn) {
        conn.rollback()
    } else {
        Ok(())
    }
}

/// Carries a caller's error through diesel's nested `transaction` (which wants `From<Error>`).
enum Rollback<E> {
    Inner(E),
    Diesel(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for Rollback<E> {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Diesel(e)
    }
}

impl<E: From<DbError>> Rollback<E> {
    fn into_inner(self) -> E {
        match self {
            Rollback::Inner(e) => e,
            Rollback::Diesel(e) => E::from(DbError::Query(e)),
        }
    }
}
