//! Storefronts registered as apps: a public key (sent as `X-Taawun-Storefront-Key`) that
//! carries the app's own rate limit, allowed browser origins and scopes. Keys are public (a
//! browser storefront ships them), so they grant no rights of their own: they narrow what a
//! request may ask and set its limits. Only their hash is stored.

use async_graphql::{Enum, ID, InputObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::service::hash_token;
use super::store;
use crate::kernel::db::schema::storefront_apps;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::viewer::{Viewer, require_admin};
use crate::msg;
use crate::path;

/// What a storefront key lets its requests ask for; anything outside its scopes (back-office
/// operations among them) is refused for requests that carry the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StorefrontScope {
    /// Products, categories, cooperatives' shop pages, product search.
    Catalog,
    /// Carts, checkout, order lookup and cancellation.
    Checkout,
    /// Registration, sign-in, the buyer's profile, addresses and reviews.
    CustomerAccounts,
    /// Project ideas, calls, statistics, applications and saved searches.
    ProjectBank,
    /// Courses, paths, enrolments, learning and certificates.
    Academy,
    /// The public register and national figures.
    Registry,
}
crate::text_enum!(StorefrontScope {
    Catalog = "CATALOG",
    Checkout = "CHECKOUT",
    CustomerAccounts = "CUSTOMER_ACCOUNTS",
    ProjectBank = "PROJECT_BANK",
    Academy = "ACADEMY",
    Registry = "REGISTRY",
});

/// Whether an app's key is honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StorefrontStatus {
    Active,
    /// Requests with its key are refused.
    Revoked,
}
crate::text_enum!(StorefrontStatus { Active = "ACTIVE", Revoked = "REVOKED" });

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = storefront_apps)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
    pub previous_key_hash: Option<String>,
    pub previous_key_expires_at: Option<NaiveDateTime>,
    pub allowed_origins: String,
    pub scopes: String,
    pub rate_limit_per_minute: i32,
    pub status: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AppRow {
    pub fn status(&self) -> StorefrontStatus {
        StorefrontStatus::parse(&self.status).unwrap_or(StorefrontStatus::Revoked)
    }
    pub fn scopes(&self) -> Vec<StorefrontScope> {
        self.scopes.split(',').filter_map(StorefrontScope::parse).collect()
    }
    pub fn origins(&self) -> Vec<String> {
        self.allowed_origins.split(',').filter(|o| !o.is_empty()).map(String::from).collect()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = storefront_apps)]
pub struct NewApp<'a> {
    pub name: &'a str,
    pub key_hash: &'a str,
    pub key_prefix: &'a str,
    pub allowed_origins: &'a str,
    pub scopes: &'a str,
    pub rate_limit_per_minute: i32,
    pub status: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(InputObject)]
pub struct StorefrontAppCreateInput {
    pub name: String,
    /// Browser origins allowed to send the key (`https://shop.example.ma`); empty: any origin
    /// (a server-side storefront sends none).
    #[graphql(default)]
    pub allowed_origins: Vec<String>,
    pub scopes: Vec<StorefrontScope>,
    /// Requests per minute per client address for this app (default 1200).
    pub rate_limit_per_minute: Option<i32>,
}

/// How long a rotated key keeps working, so a storefront can deploy the new one.
pub const ROTATION_GRACE_HOURS: i64 = 24;

fn new_key() -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(format!("pk_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

fn check_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && !rest.contains('/') && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Registers a storefront; returns the app and its key, shown this once.
pub fn create(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: StorefrontAppCreateInput,
) -> Result<(AppRow, String), AppError> {
    require_admin(viewer)?;
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    let name = input.name.trim();
    checks.check(
        (1..=100).contains(&name.chars().count()),
        path!["input", "name"],
        msg!("must be 1 to 100 characters"),
    );
    for (i, origin) in input.allowed_origins.iter().enumerate() {
        checks.check(
            check_origin(origin.trim()),
            path!["input", "allowedOrigins", i],
            msg!("must be an origin such as https://shop.example.ma (scheme and host, no path)"),
        );
    }
    checks.check(!input.scopes.is_empty(), path!["input", "scopes"], msg!("name at least one scope"));
    let rate = input.rate_limit_per_minute.unwrap_or(1200);
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=1_000_000).contains(&rate),
        path!["input", "rateLimitPerMinute"],
        msg!("must be 1 to 1000000"),
    );
    checks.finish()?;
    let key = new_key()?;
    let origins: Vec<String> =
        input.allowed_origins.iter().map(|o| o.trim().trim_end_matches('/').to_string()).collect();
    let mut scopes: Vec<&str> = input.scopes.iter().map(|s| s.as_str()).collect();
    scopes.sort_unstable();
    scopes.dedup();
    write_tx(conn, |conn| {
        let at = now();
        let id = store::insert_app(
            conn,
            &NewApp {
                name,
                key_hash: &hash_token(&key),
                key_prefix: &key[..10],
                allowed_origins: &origins.join(","),
                scopes: &scopes.join(","),
                rate_limit_per_minute: rate,
                status: StorefrontStatus::Active.as_str(),
                created_by: viewer.account_id,
                created_at: at,
                updated_at: at,
            },
        )?;
        let app = store::find_app(conn, id)?.ok_or_else(|| AppError::internal("app vanished"))?;
        Ok((app, key.clone()))
    })
}

fn app_by_global_id(conn: &mut DbConn, id: &ID) -> Result<AppRow, AppError> {
    let not_found = || AppError::user(ErrorCode::NotFound, &["id"], msg!("no storefront app with this id"));
    let raw = ids::decode(id, "StorefrontApp").ok_or_else(not_found)?;
    store::find_app(conn, raw)?.ok_or_else(not_found)
}

/// A new key; the old one keeps working for a day.
pub fn rotate(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<(AppRow, String), AppError> {
    require_admin(viewer)?;
    let key = new_key()?;
    write_tx(conn, |conn| {
        let app = app_by_global_id(conn, id)?;
        if app.status() == StorefrontStatus::Revoked {
            return Err(AppError::user(ErrorCode::InvalidTransition, &["id"], msg!("a revoked app gets no new key")));
        }
        let at = now();
        store::rotate_app_key(
            conn,
            app.id,
            &hash_token(&key),
            &key[..10],
            &app.key_hash,
            at + Duration::hours(ROTATION_GRACE_HOURS),
            at,
        )?;
        let app = store::find_app(conn, app.id)?.ok_or_else(|| AppError::internal("app vanished"))?;
        Ok((app, key.clone()))
    })
}

/// Revokes an app: its keys (the previous one too) are refused from now on.
pub fn revoke(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<AppRow, AppError> {
    require_admin(viewer)?;
    write_tx(conn, |conn| {
        let app = app_by_global_id(conn, id)?;
        store::set_app_status(conn, app.id, StorefrontStatus::Revoked, now())?;
        store::find_app(conn, app.id)?.ok_or_else(|| AppError::internal("app vanished"))
    })
}

/// An app by id, for administrators (`node`).
pub fn visible(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<AppRow>, AppError> {
    if !viewer.is_some_and(|v| v.is_admin()) {
        return Ok(None);
    }
    Ok(store::find_app(conn, id)?)
}

pub fn list(conn: &mut DbConn, viewer: Option<&Viewer>) -> Result<Vec<AppRow>, AppError> {
    require_admin(viewer)?;
    Ok(store::apps(conn)?)
}

/// The active app a key belongs to (its current key, or the previous one within its grace).
pub fn resolve(conn: &mut DbConn, key: &str) -> Result<Option<AppRow>, AppError> {
    let hash = hash_token(key.trim());
    Ok(store::app_by_key(conn, &hash, now())?.filter(|a| a.status() == StorefrontStatus::Active))
}

/// Every active app's allowed origins (what browsers may preflight from).
pub fn active_origins(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    Ok(store::apps(conn)?
        .into_iter()
        .filter(|a| a.status() == StorefrontStatus::Active)
        .flat_map(|a| a.origins())
        .collect())
}
