//! The only place that queries `accounts`, `access_tokens` and `login_throttle`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AccountRow, LoginThrottleRow, NewAccessToken, NewAccount};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{access_tokens, accounts, login_throttle};

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AccountRow>> {
    accounts::table.find(id).select(AccountRow::as_select()).first(conn).optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table.filter(accounts::email.eq(email)).select(AccountRow::as_select()).first(conn).optional()
}

pub fn count_like(conn: &mut DbConn, pattern: &str) -> QueryResult<i64> {
    accounts::table.filter(accounts::email.like(pattern)).count().get_result(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewAccount<'_>) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, accounts::table, accounts::id, new)
}

pub fn set_role(conn: &mut DbConn, id: i64, role: &str, cooperative_id: Option<i64>) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((accounts::role.eq(role), accounts::cooperative_id.eq(cooperative_id)))
        .execute(conn)
}

pub fn insert_token(conn: &mut DbConn, new: &NewAccessToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(access_tokens::table).values(new).execute(conn)
}

/// The account behind a live (unrevoked, unexpired) token of an enabled account.
pub fn find_by_token(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<AccountRow>> {
    access_tokens::table
        .inner_join(accounts::table)
        .filter(access_tokens::token_hash.eq(token_hash))
        .filter(access_tokens::revoked_at.is_null())
        .filter(access_tokens::expires_at.gt(now))
        .filter(accounts::disabled.eq(false))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn revoke_token(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::token_hash.eq(token_hash))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(now))
    .execute(conn)
}

pub fn throttles(conn: &mut DbConn, keys: &[String]) -> QueryResult<Vec<LoginThrottleRow>> {
    login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .select(LoginThrottleRow::as_select())
        .load(conn)
}

pub fn save_throttle(conn: &mut DbConn, row: &LoginThrottleRow) -> QueryResult<usize> {
    let insert = diesel::insert_into(login_throttle::table).values(row);
    match conn {
        DbConn::Sqlite(c) => insert.on_conflict(login_throttle::throttle_key).do_update().set(row).execute(c),
        DbConn::Postgres(c) => insert.on_conflict(login_throttle::throttle_key).do_update().set(row).execute(c),
    }
}

pub fn clear_throttle(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::throttle_key.eq(key))).execute(conn)
}

pub fn emails_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    accounts::table.filter(accounts::id.eq_any(ids)).select((accounts::id, accounts::email)).load(conn)
}
