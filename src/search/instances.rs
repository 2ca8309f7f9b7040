//! Which server instances keep an embedded index on this database. The embedded index lives
//! in one instance's data directory and follows the outbox rows that instance claims: on a
//! PostgreSQL database shared by several instances, the others' indexes would drift. So an
//! instance with an embedded index registers itself (keyed by its data directory, so a
//! restart takes its own place back) and keeps a heartbeat; a second one refuses to start
//! and says to use Meilisearch.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::kernel::db::schema::server_instances;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::AppError;

/// A heartbeat older than this is a stopped instance.
pub const HEARTBEAT_TIMEOUT_SECS: i64 = 30;
/// How often a running instance says it is alive.
pub const HEARTBEAT_EVERY_SECS: u64 = 10;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = server_instances)]
struct InstanceRow {
    data_dir: String,
    engine: String,
    started_at: NaiveDateTime,
    heartbeat_at: NaiveDateTime,
}

/// Why this instance may not start, if another live instance keeps its own embedded index.
pub fn register_embedded(conn: &mut DbConn, data_dir: &str) -> Result<Result<(), String>, AppError> {
    write_tx(conn, |conn| {
        let at = now();
        let stale = at - Duration::seconds(HEARTBEAT_TIMEOUT_SECS);
        diesel::delete(server_instances::table.filter(server_instances::heartbeat_at.lt(stale))).execute(conn)?;
        let others: Vec<InstanceRow> = server_instances::table
            .filter(server_instances::data_dir.ne(data_dir))
            .select(InstanceRow::as_select())
            .load(conn)?;
        if let Some(other) = others.first() {
            return Ok(Err(format!(
                "another instance on this database keeps its own embedded search index (data dir {}, alive at {}): \
                 several instances on one PostgreSQL database need a shared search engine; set TAAWUN_MEILISEARCH_URL",
                other.data_dir, other.heartbeat_at
            )));
        }
        diesel::delete(server_instances::table.filter(server_instances::data_dir.eq(data_dir))).execute(conn)?;
        let row =
            InstanceRow { data_dir: data_dir.to_string(), engine: "embedded".into(), started_at: at, heartbeat_at: at };
        diesel::insert_into(server_instances::table).values(&row).execute(conn)?;
        Ok(Ok(()))
    })
}

pub fn heartbeat(conn: &mut DbConn, data_dir: &str) -> Result<(), AppError> {
    diesel::update(server_instances::table.filter(server_instances::data_dir.eq(data_dir)))
        .set(server_instances::heartbeat_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
