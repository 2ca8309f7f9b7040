//! The only place that queries `accounts`, `access_tokens`, `account_tokens` and `login_throttle`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AccountRow, AccountTokenRow, LoginThrottleRow, NewAccessToken, NewAccount, NewAccountToken};
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{access_tokens, account_tokens, accounts, login_throttle, storefront_apps};

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

/// Revokes every live session of an account but `keep` (the caller's own, when it stays).
pub fn revoke_sessions(
    conn: &mut DbConn,
    account_id: i64,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let live = access_tokens::table
        .filter(access_tokens::account_id.eq(account_id))
        .filter(access_tokens::revoked_at.is_null())
        .filter(access_tokens::token_hash.ne(keep.unwrap_or("")));
    diesel::update(live).set(access_tokens::revoked_at.eq(now)).execute(conn)
}

pub fn set_password_hash(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id)).set(accounts::password_hash.eq(hash)).execute(conn)
}

pub fn set_profile(conn: &mut DbConn, id: i64, full_name: &str, locale: &str) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id))
        .set((accounts::full_name.eq(full_name), accounts::locale.eq(locale)))
        .execute(conn)
}

pub fn set_email_verified(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(accounts::table.find(id).filter(accounts::email_verified_at.is_null()))
        .set(accounts::email_verified_at.eq(at))
        .execute(conn)
}

/// Whether each account's email is verified, by id.
pub fn verified_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, bool)>> {
    let rows: Vec<(i64, Option<NaiveDateTime>)> = accounts::table
        .filter(accounts::id.eq_any(ids))
        .select((accounts::id, accounts::email_verified_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, at)| (id, at.is_some())).collect())
}

pub fn insert_account_token(conn: &mut DbConn, new: &NewAccountToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(account_tokens::table).values(new).execute(conn)
}

pub fn find_account_token(conn: &mut DbConn, purpose: &str, token_hash: &str) -> QueryResult<Option<AccountTokenRow>> {
    account_tokens::table
        .filter(account_tokens::token_hash.eq(token_hash))
        .filter(account_tokens::purpose.eq(purpose))
        .select(AccountTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks one token used; 0 when another request used it first.
pub fn use_account_token(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(account_tokens::table.find(id).filter(account_tokens::used_at.is_null()))
        .set(account_tokens::used_at.eq(now))
        .execute(conn)
}

/// Marks every unused token of a purpose used (a reset ends the other reset links).
pub fn use_all_account_tokens(
    conn: &mut DbConn,
    account_id: i64,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        account_tokens::table
            .filter(account_tokens::account_id.eq(account_id))
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(now))
    .execute(conn)
}

/// How many tokens of a purpose an account was sent since `since` (to bound emails per hour).
pub fn count_account_tokens_since(
    conn: &mut DbConn,
    account_id: i64,
    purpose: &str,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    account_tokens::table
        .filter(account_tokens::account_id.eq(account_id))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::created_at.ge(since))
        .count()
        .get_result(conn)
}

// ---- storefront apps ----

use super::apps::{AppRow, NewApp, StorefrontStatus};

pub fn insert_app(conn: &mut DbConn, new: &NewApp<'_>) -> Result<i64, crate::kernel::error::AppError> {
    Ok(crate::insert_returning_id!(conn, storefront_apps::table, storefront_apps::id, new)?)
}

pub fn find_app(conn: &mut DbConn, id: i64) -> QueryResult<Option<AppRow>> {
    storefront_apps::table.find(id).select(AppRow::as_select()).first(conn).optional()
}

pub fn apps(conn: &mut DbConn) -> QueryResult<Vec<AppRow>> {
    storefront_apps::table.order(storefront_apps::id.asc()).select(AppRow::as_select()).load(conn)
}

/// The app whose current key, or previous key still in its grace, has this hash.
pub fn app_by_key(conn: &mut DbConn, hash: &str, now: NaiveDateTime) -> QueryResult<Option<AppRow>> {
    storefront_apps::table
        .filter(
            storefront_apps::key_hash
                .eq(hash)
                .or(storefront_apps::previous_key_hash.eq(hash).and(storefront_apps::previous_key_expires_at.gt(now))),
        )
        .select(AppRow::as_select())
        .first(conn)
        .optional()
}

pub fn rotate_app_key(
    conn: &mut DbConn,
    id: i64,
    hash: &str,
    prefix: &str,
    previous: &str,
    previous_until: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(storefront_apps::table.find(id))
        .set((
            storefront_apps::key_hash.eq(hash),
            storefront_apps::key_prefix.eq(prefix),
            storefront_apps::previous_key_hash.eq(previous),
            storefront_apps::previous_key_expires_at.eq(previous_until),
            storefront_apps::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_app_status(conn: &mut DbConn, id: i64, status: StorefrontStatus, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(storefront_apps::table.find(id))
        .set((storefront_apps::status.eq(status.as_str()), storefront_apps::updated_at.eq(at)))
        .execute(conn)
}
