//! The transactional outbox: side effects are rows written in the same transaction as the
//! change that causes them; the worker delivers them at least once.

pub mod events;
pub mod graphql;
pub mod worker;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::kernel::db::DbConn;
use crate::kernel::db::schema::outbox;
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;

pub const PENDING: &str = "PENDING";
pub const DONE: &str = "DONE";
pub const FAILED: &str = "FAILED";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    kind: &'a str,
    payload: &'a str,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Records a side effect; call it inside the transaction of the change that causes it.
pub fn enqueue(conn: &mut DbConn, kind: &str, payload: &impl Serialize) -> Result<(), AppError> {
    enqueue_at(conn, kind, payload, crate::kernel::db::now())
}

/// Records a side effect due at `at` (a retry on its own schedule).
pub fn enqueue_at(conn: &mut DbConn, kind: &str, payload: &impl Serialize, at: NaiveDateTime) -> Result<(), AppError> {
    let payload = serde_json::to_string(payload).map_err(AppError::internal)?;
    let now = crate::kernel::db::now();
    diesel::insert_into(outbox::table)
        .values(&NewOutboxRow {
            kind,
            payload: &payload,
            status: PENDING,
            attempts: 0,
            next_attempt_at: at,
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// Leases up to `limit` due rows to `worker`. The conditions are repeated on the outer UPDATE
/// so that, on PostgreSQL, a row another instance leased meanwhile is re-checked and skipped.
pub fn claim(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let until = now + lease;
    let due = outbox::status
        .eq(PENDING)
        .and(outbox::next_attempt_at.le(now))
        .and(outbox::locked_until.is_null().or(outbox::locked_until.lt(now)));
    let ids: Vec<i64> = outbox::table.filter(due).order(outbox::id.asc()).limit(limit).select(outbox::id).load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)).filter(due))
        .set((outbox::locked_by.eq(worker), outbox::locked_until.eq(until)))
        .execute(conn)?;
    outbox::table
        .filter(outbox::id.eq_any(&ids))
        .filter(outbox::locked_by.eq(worker))
        .filter(outbox::locked_until.eq(until))
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}

pub fn mark_done(conn: &mut DbConn, id: i64, worker: &str, now: NaiveDateTime) -> QueryResult<usize> {
    mark_done_many(conn, &[id], worker, now)
}

/// Marks delivered rows done in one statement (only those this worker still holds).
pub fn mark_done_many(conn: &mut DbConn, ids: &[i64], worker: &str, now: NaiveDateTime) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)).filter(outbox::locked_by.eq(worker)))
        .set((
            outbox::status.eq(DONE),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::done_at.eq(now),
            outbox::locked_by.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed attempt: retried at `next` or, past the last attempt, parked as FAILED.
pub fn mark_failed(
    conn: &mut DbConn,
    row: &OutboxRow,
    worker: &str,
    error: &str,
    next: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let status = if next.is_some() { PENDING } else { FAILED };
    diesel::update(outbox::table.filter(outbox::id.eq(row.id)).filter(outbox::locked_by.eq(worker)))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(row.attempts + 1),
            outbox::next_attempt_at.eq(next.unwrap_or(row.next_attempt_at)),
            outbox::last_error.eq(error.chars().take(2000).collect::<String>()),
            outbox::locked_by.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Hands back what a stopping worker still holds: its rows become due again at once, for the
/// next instance, instead of after the lease (about 26 minutes for a batch of 50).
pub fn release(conn: &mut DbConn, worker: &str) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::locked_by.eq(worker)).filter(outbox::status.eq(PENDING)))
        .set((outbox::locked_by.eq(None::<String>), outbox::locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)
}

pub fn list(conn: &mut DbConn, status: &str, seek: &Seek) -> Result<Vec<OutboxRow>, AppError> {
    let q = outbox::table.filter(outbox::status.eq(status.to_string())).into_boxed();
    Ok(crate::seek_by_id!(q, outbox::id, seek, ascending).select(OutboxRow::as_select()).load(conn)?)
}

pub fn count(conn: &mut DbConn, status: &str) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(status)).count().get_result(conn)
}

/// Puts a parked row back in the queue, due now.
pub fn retry(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(FAILED)))
        .set((outbox::status.eq(PENDING), outbox::attempts.eq(0), outbox::next_attempt_at.eq(crate::kernel::db::now())))
        .execute(conn)
}

/// An outbox message, for administrators only.
pub fn visible_message(
    conn: &mut DbConn,
    viewer: Option<&crate::kernel::viewer::Viewer>,
    id: i64,
) -> Result<Option<OutboxRow>, AppError> {
    if !viewer.is_some_and(|v| v.is_admin()) {
        return Ok(None);
    }
    Ok(find(conn, id)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).select(OutboxRow::as_select()).first(conn).optional()
}
