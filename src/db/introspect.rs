//! Reads back the schema the migrations built, so a test can prove both backends agree.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Bool, Integer, Text};

use super::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// A backend-neutral type name: `bigint`, `integer`, `text`, `boolean`, `timestamp`.
    pub kind: String,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: BTreeMap<String, Column>,
    pub indexes: BTreeMap<String, Index>,
}

pub type Schema = BTreeMap<String, Table>;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Bool)]
    partial: bool,
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

pub fn describe(conn: &mut DbConnection) -> QueryResult<Schema> {
    super::backend::per_backend(conn, describe_postgres, describe_sqlite)
}

fn neutral_type(raw: &str) -> String {
    let raw = raw.to_ascii_lowercase();
    match raw.as_str() {
        "bigint" | "bigserial" | "int8" => "bigint",
        "integer" | "int" | "int4" => "integer",
        "text" | "character varying" => "text",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "double precision" | "double" | "float8" => "double",
        other => other,
    }
    .to_owned()
}

fn describe_sqlite(conn: &mut SqliteConnection) -> QueryResult<Schema> {
    let tables: Vec<Name> = sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(conn)?;
    let mut schema = Schema::new();
    for Name { name: table } in tables.into_iter().filter(|t| t.name != MIGRATIONS_TABLE) {
        let mut t = Table::default();
        let columns: Vec<SqliteColumn> = sql_query(format!(
            "SELECT name, type AS kind, \"notnull\" AS not_null, pk FROM pragma_table_info('{table}')"
        ))
        .load(conn)?;
        for c in columns {
            // `INTEGER PRIMARY KEY` is SQLite's 64-bit rowid: the `BIGSERIAL` of PostgreSQL.
            // Other key columns (a text column of a composite key) keep their own type.
            let kind = if c.pk > 0 && c.kind.eq_ignore_ascii_case("integer") {
                "bigint".to_owned()
            } else {
                neutral_type(&c.kind)
            };
            t.columns.insert(
                c.name,
                Column {
                    kind,
                    nullable: !(c.not_null || c.pk > 0),
                },
            );
        }
        let indexes: Vec<SqliteIndex> = sql_query(format!(
            "SELECT name, \"unique\" AS is_unique, partial FROM pragma_index_list('{table}') WHERE origin = 'c'"
        ))
        .load(conn)?;
        for i in indexes {
            let columns: Vec<Name> = sql_query(format!(
                // An expression (`lower(name)`) has no column name: '' as on PostgreSQL.
                "SELECT COALESCE(name, '') AS name FROM pragma_index_info('{}') ORDER BY seqno",
                i.name
            ))
            .load(conn)?;
            t.indexes.insert(
                i.name,
                Index {
                    columns: columns.into_iter().map(|c| c.name).collect(),
                    unique: i.is_unique,
                    partial: i.partial,
                },
            );
        }
        schema.insert(table, t);
    }
    Ok(schema)
}

fn describe_postgres(conn: &mut PgConnection) -> QueryResult<Schema> {
    let columns: Vec<PgColumn> = sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                data_type::text AS data_type, (is_nullable = 'YES') AS nullable \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .load(conn)?;
    let mut schema = Schema::new();
    for c in columns {
        schema.entry(c.table_name).or_default().columns.insert(
            c.column_name,
            Column {
                kind: neutral_type(&c.data_type),
                nullable: c.nullable,
            },
        );
    }
    let indexes: Vec<PgIndex> = sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, n) \
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n), ',') AS columns, \
                ix.indisunique AS is_unique, (ix.indpred IS NOT NULL) AS partial \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = current_schema() AND NOT ix.indisprimary \
           AND t.relname <> '__diesel_schema_migrations'",
    )
    .load(conn)?;
    for i in indexes {
        if let Some(t) = schema.get_mut(&i.table_name) {
            t.indexes.insert(
                i.index_name,
                Index {
                    columns: i.columns.split(',').map(str::to_owned).collect(),
                    unique: i.is_unique,
                    partial: i.partial,
                },
            );
        }
    }
    Ok(schema)
}
