//! The two migration trees describe one schema, and migrations go down and up.

use std::collections::BTreeSet;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use taawun::kernel::db::{self, Db, DbConn};

use crate::helpers::{TestApp, postgres_url, url_with_schema};
use crate::on_both_backends;

#[derive(QueryableByName, Debug)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = BigInt)]
    not_null: i64,
}

#[derive(QueryableByName, Debug)]
struct IndexInfo {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = BigInt)]
    is_unique: i64,
}

/// (table, column, type family, nullable) and (table, columns, unique), primary keys aside.
type Shape = (BTreeSet<(String, String, String, bool)>, BTreeSet<(String, String, bool)>);

fn type_family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let family = if t.contains("int") || t == "bigserial" {
        "integer"
    } else if t.contains("char") || t == "text" {
        "text"
    } else if t.starts_with("bool") {
        "boolean"
    } else if t.starts_with("timestamp") {
        "timestamp"
    } else if t == "date" {
        "date"
    } else if t.contains("double") || t == "real" {
        "float"
    } else {
        &t
    };
    family.to_string()
}

fn shape(conn: &mut DbConn) -> Shape {
    let (columns, indexes): (Vec<ColumnInfo>, Vec<IndexInfo>) = match conn {
        DbConn::Sqlite(c) => (
            diesel::sql_query(
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, p.\"notnull\" AS not_null \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap(),
            diesel::sql_query(
                "SELECT m.name AS table_name, group_concat(ii.name, ',') AS columns, il.\"unique\" AS is_unique \
                 FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
                   AND il.origin <> 'pk' \
                 GROUP BY m.name, il.name, il.\"unique\"",
            )
            .load(c)
            .unwrap(),
        ),
        DbConn::Postgres(c) => (
            diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
                        CASE WHEN is_nullable = 'NO' THEN 1::bigint ELSE 0::bigint END AS not_null \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap(),
            diesel::sql_query(
                "SELECT t.relname::text AS table_name, \
                        string_agg(a.attname::text, ',' ORDER BY k.n) AS columns, \
                        CASE WHEN ix.indisunique THEN 1::bigint ELSE 0::bigint END AS is_unique \
                 FROM pg_index ix \
                 JOIN pg_class t ON t.oid = ix.indrelid \
                 JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE ns.nspname = current_schema() AND NOT ix.indisprimary \
                   AND t.relname <> '__diesel_schema_migrations' \
                 GROUP BY t.relname, i.relname, ix.indisunique",
            )
            .load(c)
            .unwrap(),
        ),
    };
    (
        columns
            .into_iter()
            .map(|c| (c.table_name, c.column_name, type_family(&c.data_type), c.not_null == 0))
            .collect(),
        indexes.into_iter().map(|i| (i.table_name, i.columns, i.is_unique == 1)).collect(),
    )
}

fn only<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

fn open(url: &str) -> Db {
    Db::connect(url, 1, Default::default()).expect("open database")
}

#[test]
fn migration_trees_describe_the_same_schema() {
    let Some(base) = postgres_url() else {
        eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = open(&dir.path().join("shape.db").to_string_lossy());
    let mut sqlite_conn = sqlite.conn().unwrap();
    db::run_migrations(&mut sqlite_conn).unwrap();

    let schema = format!("shape_{}", std::process::id());
    let mut admin = PgConnection::establish(&base).unwrap();
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let pg = open(&url_with_schema(&base, &schema));
    let mut pg_conn = pg.conn().unwrap();
    db::run_migrations(&mut pg_conn).unwrap();

    let (sqlite_columns, sqlite_indexes) = shape(&mut sqlite_conn);
    let (pg_columns, pg_indexes) = shape(&mut pg_conn);
    admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();

    assert!(sqlite_columns.len() > 50, "suspiciously few columns: {}", sqlite_columns.len());
    assert_eq!(
        sqlite_columns,
        pg_columns,
        "columns only in SQLite: {:?}; only in PostgreSQL: {:?}",
        only(&sqlite_columns, &pg_columns),
        only(&pg_columns, &sqlite_columns)
    );
    assert_eq!(
        sqlite_indexes,
        pg_indexes,
        "indexes only in SQLite: {:?}; only in PostgreSQL: {:?}",
        only(&sqlite_indexes, &pg_indexes),
        only(&pg_indexes, &sqlite_indexes)
    );
}

fn down_then_up(conn: &mut DbConn) {
    let applied = db::run_migrations(conn).unwrap();
    assert!(applied >= 2);
    let before = shape(conn);
    let reverted = db::revert_all_migrations(conn).unwrap();
    assert_eq!(reverted, applied);
    assert!(shape(conn).0.is_empty(), "tables left after reverting everything");
    assert_eq!(db::run_migrations(conn).unwrap(), applied);
    assert_eq!(shape(conn), before);
}

#[test]
fn migrations_go_down_and_up_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir.path().join("updown.db").to_string_lossy());
    down_then_up(&mut db.conn().unwrap());
}

#[test]
fn migrations_go_down_and_up_on_postgres() {
    let Some(base) = postgres_url() else {
        eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set");
        return;
    };
    let schema = format!("updown_{}", std::process::id());
    let mut admin = PgConnection::establish(&base).unwrap();
    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
    let db = open(&url_with_schema(&base, &schema));
    down_then_up(&mut db.conn().unwrap());
    drop(db);
    admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
}

async fn a_second_instance_with_its_own_index_refuses_to_start(app: TestApp) {
    if app.config.database_url.is_none() || app.search.is_none() {
        eprintln!("skipped: concerns several instances with embedded indexes on one PostgreSQL database");
        return;
    }
    let other_dir = tempfile::tempdir().unwrap();
    let mut config = app.config.clone();
    config.data_dir = other_dir.path().to_path_buf();
    let refused =
        tokio::task::spawn_blocking(move || taawun::app::AppState::build(config).err().map(|e| e.to_string()))
            .await
            .unwrap();
    let message = refused.expect("the second instance refused to start");
    assert!(message.contains("TAAWUN_MEILISEARCH_URL"), "{message}");
    // The first instance still serves.
    let body = app.gql("{ shop { currencies } }", serde_json::json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}
on_both_backends!(a_second_instance_with_its_own_index_refuses_to_start);
