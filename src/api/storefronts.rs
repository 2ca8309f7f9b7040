//! Storefront keys at the HTTP edge: a key sent as `X-Taawun-Storefront-Key` is resolved
//! (through a short-lived cache), its origin and rate limit applied before the request runs,
//! and its scopes checked against the operation's root fields. Requests without a key keep
//! the anonymous limits. Administrators manage the apps through GraphQL.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::auth::apps::{self, AppRow, StorefrontAppCreateInput, StorefrontScope, StorefrontStatus};
use crate::kernel::db::Db;
use crate::kernel::error::UserError;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::{DateTime, ids, run_mutation};

pub const KEY_HEADER: &str = "x-taawun-storefront-key";

/// What a request's key allows, attached to the request once resolved.
#[derive(Debug, Clone)]
pub struct StorefrontAccess {
    pub app_id: i64,
    pub name: String,
    pub scopes: Vec<StorefrontScope>,
    pub origins: Vec<String>,
    pub per_minute: u32,
}

impl StorefrontAccess {
    fn of(app: &AppRow) -> StorefrontAccess {
        StorefrontAccess {
            app_id: app.id,
            name: app.name.clone(),
            scopes: app.scopes(),
            origins: app.origins(),
            per_minute: u32::try_from(app.rate_limit_per_minute).unwrap_or(1),
        }
    }

    /// Whether a browser at `origin` may send this key (no list: any origin).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.is_empty() || self.origins.iter().any(|o| o == origin)
    }
}

/// How long a resolved key is trusted before it is read again: a revocation on another
/// instance takes effect within it (on this one, at once).
const CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolved keys, and the origins of the active apps (what preflights may come from).
#[derive(Default)]
pub struct StorefrontKeys {
    cache: Mutex<HashMap<String, (Option<StorefrontAccess>, Instant)>>,
    pub origins: Arc<RwLock<HashSet<String>>>,
}

impl StorefrontKeys {
    /// What the cache knows of a key (`None`: it must be read from the database).
    pub fn cached(&self, key: &str) -> Option<Option<StorefrontAccess>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).filter(|(_, at)| at.elapsed() < CACHE_TTL).map(|(access, _)| access.clone())
    }

    /// The app of a key, or `None` for an unknown or revoked one.
    pub async fn resolve(
        &self,
        db: &Db,
        key: &str,
    ) -> Result<Option<StorefrontAccess>, crate::kernel::error::AppError> {
        if let Some((access, at)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(key)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(access.clone());
        }
        let owned = key.to_string();
        let access = db.run(move |conn| apps::resolve(conn, &owned)).await?.map(|a| StorefrontAccess::of(&a));
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if cache.len() > 10_000 {
                // Made-up keys from many addresses: start over rather than grow.
                cache.clear();
            }
        }
        cache.insert(key.to_string(), (access.clone(), Instant::now()));
        if let Some(access) = &access {
            self.origins.write().unwrap_or_else(|p| p.into_inner()).extend(access.origins.iter().cloned());
        }
        Ok(access)
    }

    /// Forgets resolved keys and reloads the origins (after an app changes on this instance).
    pub async fn refresh(&self, db: &Db) {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        if let Ok(origins) = db.run(apps::active_origins).await {
            *self.origins.write().unwrap_or_else(|p| p.into_inner()) = origins.into_iter().collect();
        }
    }
}

/// The scope a root field belongs to; `None` for fields no storefront key may ask for
/// (back-office operations). Introspection's fields are always allowed.
pub fn scope_of(field: &str) -> Option<StorefrontScope> {
    use StorefrontScope::*;
    Some(match field {
        "node" | "nodes" | "products" | "product" | "cooperatives" | "cooperative" | "categories" | "category"
        | "regions" | "sectors" | "productSearch" | "searchSuggest" | "shop" => Catalog,
        "cart" | "cartCreate" | "cartLinesAdd" | "cartLinesUpdate" | "cartLinesRemove" | "checkoutComplete"
        | "orderLookup" | "order" | "orderCancel" => Checkout,
        "customerRegister"
        | "login"
        | "logout"
        | "me"
        | "accountVerifyEmail"
        | "accountVerificationResend"
        | "passwordResetRequest"
        | "passwordReset"
        | "passwordChange"
        | "customerUpdate"
        | "customerAddressCreate"
        | "customerAddressUpdate"
        | "customerAddressDelete"
        | "customerDefaultAddressUpdate"
        | "productReviewCreate" => CustomerAccounts,
        "provinces"
        | "fundingProgrammes"
        | "projectIdea"
        | "projectIdeas"
        | "projectIdeaSearch"
        | "calls"
        | "call"
        | "projectBankStatistics"
        | "projectApplication"
        | "myProjectApplications"
        | "projectApplicationSave"
        | "projectApplicationSubmit"
        | "mySavedSearches"
        | "savedSearchCreate"
        | "savedSearchUpdate"
        | "savedSearchDelete" => ProjectBank,
        "courses"
        | "course"
        | "learningPaths"
        | "learningPath"
        | "courseSearch"
        | "certificate"
        | "academyIssuer"
        | "myEnrollments"
        | "myPathProgress"
        | "myCertificates"
        | "enrollment"
        | "enrollmentCreate"
        | "learningEventsRecord"
        | "quizAttemptStart"
        | "quizAttemptSubmit"
        | "quizAttempt" => Academy,
        "registryEntry" | "registrySearch" | "nationalFigures" | "cooperativeGrade" | "scoringModel" => Registry,
        _ => return None,
    })
}

/// Why a key's request may not ask for `field`, or `None` when it may.
pub fn refused_field(access: &StorefrontAccess, field: &str) -> Option<String> {
    if field.starts_with("__") {
        return None;
    }
    match scope_of(field) {
        Some(scope) if access.scopes.contains(&scope) => None,
        Some(scope) => Some(format!("the storefront key's scopes do not include {} (`{field}`)", scope.as_str())),
        None => Some(format!("`{field}` is not available to storefront keys")),
    }
}

// ---- GraphQL: administrators manage the apps ----

pub struct StorefrontApp(pub AppRow);

#[Object]
impl StorefrontApp {
    pub async fn id(&self) -> ID {
        ids::encode("StorefrontApp", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The key's first characters, to tell keys apart (the key itself is shown once).
    async fn key_prefix(&self) -> &str {
        &self.0.key_prefix
    }
    async fn allowed_origins(&self) -> Vec<String> {
        self.0.origins()
    }
    async fn scopes(&self) -> Vec<StorefrontScope> {
        self.0.scopes()
    }
    async fn rate_limit_per_minute(&self) -> i32 {
        self.0.rate_limit_per_minute
    }
    async fn status(&self) -> StorefrontStatus {
        self.0.status()
    }
    /// Until when the key before the last rotation still works.
    async fn previous_key_expires_at(&self) -> Option<DateTime> {
        self.0.previous_key_expires_at.map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(SimpleObject)]
pub struct StorefrontAppKeyPayload {
    pub app: Option<StorefrontApp>,
    /// The key, shown only here: send it as `X-Taawun-Storefront-Key`.
    pub key: Option<String>,
    pub user_errors: Vec<UserError>,
}

crate::mutation_payload!(StorefrontAppPayload, app: StorefrontApp);

fn keys<'a>(ctx: &'a Context<'_>) -> &'a Arc<StorefrontKeys> {
    ctx.data_unchecked::<Arc<StorefrontKeys>>()
}

#[derive(Default)]
pub struct StorefrontQuery;

#[Object]
impl StorefrontQuery {
    /// Administrators: the registered storefronts.
    async fn storefront_apps(&self, ctx: &Context<'_>) -> Result<Vec<StorefrontApp>> {
        let viewer = ctx.viewer().cloned();
        let rows = ctx.db().run(move |conn| apps::list(conn, viewer.as_ref())).await?;
        Ok(rows.into_iter().map(StorefrontApp).collect())
    }
}

#[derive(Default)]
pub struct StorefrontMutation;

#[Object]
impl StorefrontMutation {
    /// Administrators register a storefront: its scopes, allowed origins and rate limit. The
    /// answer holds its key, once.
    async fn storefront_app_create(
        &self,
        ctx: &Context<'_>,
        input: StorefrontAppCreateInput,
    ) -> Result<StorefrontAppKeyPayload> {
        let (created, user_errors) = run_mutation(ctx, move |conn, viewer| apps::create(conn, viewer, input)).await?;
        keys(ctx).refresh(ctx.db()).await;
        let (app, key) = created.map_or((None, None), |(a, k)| (Some(StorefrontApp(a)), Some(k)));
        Ok(StorefrontAppKeyPayload { app, key, user_errors })
    }

    /// A new key for a storefront; the old one keeps working for 24 hours.
    async fn storefront_app_rotate_key(&self, ctx: &Context<'_>, id: ID) -> Result<StorefrontAppKeyPayload> {
        let (rotated, user_errors) = run_mutation(ctx, move |conn, viewer| apps::rotate(conn, viewer, &id)).await?;
        keys(ctx).refresh(ctx.db()).await;
        let (app, key) = rotated.map_or((None, None), |(a, k)| (Some(StorefrontApp(a)), Some(k)));
        Ok(StorefrontAppKeyPayload { app, key, user_errors })
    }

    /// Revokes a storefront's keys.
    async fn storefront_app_revoke(&self, ctx: &Context<'_>, id: ID) -> Result<StorefrontAppPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| apps::revoke(conn, viewer, &id)).await?;
        keys(ctx).refresh(ctx.db()).await;
        Ok(StorefrontAppPayload { app: row.map(StorefrontApp), user_errors })
    }
}
