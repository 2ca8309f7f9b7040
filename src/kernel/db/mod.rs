//! One connection type over SQLite and PostgreSQL, the pool, migrations, and the helper
//! that runs database work off the async threads.

pub mod cached;
pub mod schema;

use std::sync::Arc;
use std::time::Duration;

use std::collections::HashMap;

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use prometheus_client::metrics::counter::Counter;

use crate::kernel::error::{AppError, BoxError};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type queries are built for.
pub type Backend = <DbConn as Connection>::Backend;

// Embedded at compile time: cargo does not see a new migration file by itself, so a commit
// that only adds migrations must also change a Rust file (this list says which are embedded:
// 23 each, up to `2026-12-02-000023_count_version`, whose PostgreSQL versions move once per
// transaction).
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    pub fn of_url(url: &str) -> BackendKind {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            BackendKind::Postgres
        } else {
            BackendKind::Sqlite
        }
    }
}

/// Chooses the backend from the URL scheme (never by trial, which would turn a
/// mistyped PostgreSQL URL into a new SQLite file) and prepares each connection.
pub struct Manager {
    url: String,
    kind: BackendKind,
    statements: Counter,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let mut conn = match self.kind {
            BackendKind::Postgres => {
                DbConn::Postgres(PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?)
            }
            BackendKind::Sqlite => {
                sqlite_without_connection_locks();
                let path = self.url.strip_prefix("sqlite://").unwrap_or(&self.url);
                let mut c = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // FULL: every commit (an order, a payment, a filing) is on disk before it is
                // answered, power loss included; in WAL mode reads pay nothing for it.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                c.batch_execute(SQLITE_OPTIMIZE_ON_OPEN).map_err(r2d2::Error::QueryError)?;
                DbConn::Sqlite(c)
            }
        };
        conn.set_instrumentation(StatementCounter(self.statements.clone()));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        matches!(
            <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn),
            diesel::connection::TransactionManagerStatus::InError
        )
    }
}

/// SQLite in multi-thread mode. The pool hands a connection to one thread at a time, so the
/// lock SQLite takes around every call on a connection guards nothing, and a listing makes
/// about 1,600 such calls (one per column read). It must come before SQLite initialises
/// itself; a later call is refused by SQLite and changes nothing.
fn sqlite_without_connection_locks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with an option that takes no argument, before any connection is
        // opened by this process (or refused with SQLITE_MISUSE if one was).
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD);
        }
    });
}

/// Counts the statements sent to the database (exported as a metric; the N+1 test reads it).
struct StatementCounter(Counter);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.inc();
            // The statement only: bound values may be personal data (national IDs) and never reach a log.
            if tracing::enabled!(target: "taawun::sql", tracing::Level::TRACE) {
                let text = query.to_string();
                let sql = text.split(" -- binds:").next().unwrap_or_default();
                tracing::trace!(target: "taawun::sql", "{sql}");
            }
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The pool plus what the app needs to know about it.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    kind: BackendKind,
    /// One permit per pooled connection: work beyond that waits here, as a task, instead of
    /// holding a blocking thread (and its stack) while it waits for a connection.
    permits: Arc<tokio::sync::Semaphore>,
}

static WRITES_COMMITTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many write transactions this process has committed: a cache asks whether it has
/// written since it last read something back.
pub fn writes_committed() -> u64 {
    WRITES_COMMITTED.load(std::sync::atomic::Ordering::Acquire)
}

impl Db {
    pub fn connect(url: &str, pool_size: u32, statements: Counter) -> Result<Db, BoxError> {
        let kind = BackendKind::of_url(url);
        if kind == BackendKind::Sqlite {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let manager = Manager { url: url.to_string(), kind, statements };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            .test_on_check_out(false)
            .build(manager)?;
        let permits = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        Ok(Db { pool, kind, permits })
    }

    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    pub fn state(&self) -> r2d2::State {
        self.pool.state()
    }

    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// A connection for synchronous callers (CLI, seeding, start-up).
    pub fn conn(&self) -> Result<PooledConn, AppError> {
        Ok(self.pool.get()?)
    }

    /// Runs database work on the blocking pool so it never stalls the async workers.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await.map_err(AppError::internal)?;
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(AppError::internal)?
    }
}

/// Runs `work` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so concurrent writers queue
/// on the busy timeout instead of failing on a lock upgrade; an ordinary `BEGIN` on PostgreSQL.
/// Any error rolls everything back.
pub fn write_tx<T>(conn: &mut DbConn, work: impl FnOnce(&mut DbConn) -> Result<T, AppError>) -> Result<T, AppError> {
    type Tm = <DbConn as Connection>::TransactionManager;
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match work(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            WRITES_COMMITTED.fetch_add(1, std::sync::atomic::Ordering::Release);
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// `INSERT … RETURNING id`: RETURNING does not compile on the shared connection type,
/// so this is the one place that matches on the backend for it.
#[macro_export]
macro_rules! insert_returning_id {
    ($conn:expr, $table:expr, $id:expr, $values:expr) => {
        match $conn {
            $crate::kernel::db::DbConn::Sqlite(c) => {
                diesel::insert_into($table).values($values).returning($id).get_result::<i64>(c)
            }
            $crate::kernel::db::DbConn::Postgres(c) => {
                diesel::insert_into($table).values($values).returning($id).get_result::<i64>(c)
            }
        }
    };
}

/// `?` placeholders as the backend wants them (`$1…` on PostgreSQL).
pub fn placeholders(conn: &DbConn, sql: &str) -> String {
    match conn {
        DbConn::Sqlite(_) => sql.to_string(),
        DbConn::Postgres(_) => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// A multi-row `INSERT`: batch inserts do not compile on the shared connection type either.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::kernel::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($values).execute(c),
            $crate::kernel::db::DbConn::Postgres(c) => diesel::insert_into($table).values($values).execute(c),
        }
    };
}

/// Applies pending migrations; on PostgreSQL under an advisory lock so that several
/// instances starting together do not race.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, BoxError> {
    match conn {
        DbConn::Sqlite(c) => Ok(c.run_pending_migrations(SQLITE_MIGRATIONS)?.len()),
        DbConn::Postgres(c) => {
            c.batch_execute("SELECT pg_advisory_lock(727827)")?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            c.batch_execute("SELECT pg_advisory_unlock(727827)")?;
            Ok(result?)
        }
    }
}

/// Statistics of tables that grew or shrank a lot since they were last analysed are refreshed
/// (on a sample): a table analysed when nearly empty (the academy's event log after `seed
/// demo`) otherwise stays "tiny" to the planner, which then scanned 96,000 events for an
/// `IN` list of 100 ids (36 ms) instead of seeking them.
const SQLITE_OPTIMIZE_ON_OPEN: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

/// How often a running server refreshes SQLite's statistics (PostgreSQL's autovacuum does it there).
pub const SQLITE_OPTIMIZE_EVERY_SECS: u64 = 600;

/// Refreshes the statistics of the tables that need it (SQLite; nothing on PostgreSQL).
pub fn optimize(conn: &mut DbConn) -> Result<(), AppError> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load: without them PostgreSQL estimated
/// 124 public products out of 10,000 and hash-joined every cooperative for a page of 20. On
/// PostgreSQL a VACUUM too: a load inserts rows then updates them (a product's price and stock
/// after its variants), and until the visibility map is set no count is answered from an
/// index alone.
pub fn analyze(conn: &mut DbConn) -> Result<(), BoxError> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE")?,
        DbConn::Postgres(c) => c.batch_execute("VACUUM (ANALYZE)")?,
    }
    Ok(())
}

/// Reverts every migration (used by the down-then-up test).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<usize, BoxError> {
    match conn {
        DbConn::Sqlite(c) => Ok(c.revert_all_migrations(SQLITE_MIGRATIONS)?.len()),
        DbConn::Postgres(c) => Ok(c.revert_all_migrations(POSTGRES_MIGRATIONS)?.len()),
    }
}

/// Rows keyed by their id (for batched loads).
pub fn by_id<R>(rows: Vec<R>, id: impl Fn(&R) -> i64) -> HashMap<i64, R> {
    rows.into_iter().map(|r| (id(&r), r)).collect()
}

/// Rows grouped by a key (for batched loads of to-many edges).
pub fn group_by<R>(rows: Vec<R>, key: impl Fn(&R) -> i64) -> HashMap<i64, Vec<R>> {
    let mut map: HashMap<i64, Vec<R>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

pub fn now() -> chrono::NaiveDateTime {
    // Microsecond precision: what PostgreSQL stores, so values read back compare equal.
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond_rounded()
}

trait RoundMicros {
    fn with_nanosecond_rounded(self) -> Self;
}

impl RoundMicros for chrono::NaiveDateTime {
    fn with_nanosecond_rounded(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1000 * 1000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table analysed while tiny is analysed again once it has grown: the planner then seeks
    /// an `IN` list through the index instead of scanning the table.
    #[test]
    fn statistics_follow_a_table_that_grew() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(dir.path().join("t.db").to_str().unwrap()).unwrap());
        conn.batch_execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
             INSERT INTO events (key) VALUES ('a'), ('b'), ('c');
             ANALYZE;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
             INSERT INTO events (key) SELECT 'k' || i FROM n;",
        )
        .unwrap();
        let plan = |conn: &mut DbConn| -> String {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                detail: String,
            }
            diesel::sql_query("EXPLAIN QUERY PLAN SELECT * FROM events WHERE key IN ('k1', 'k2', 'k3', 'k4', 'k5')")
                .load::<Row>(conn)
                .unwrap()
                .into_iter()
                .map(|r| r.detail)
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert!(plan(&mut conn).contains("SCAN"), "the stale statistics make the planner scan");
        optimize(&mut conn).unwrap();
        assert!(plan(&mut conn).starts_with("SEARCH"), "{}", plan(&mut conn));
    }
}
