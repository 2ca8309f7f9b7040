//! The API above the domains: the schema assembled from every domain's Query and Mutation,
//! the `Node` interface, the account type that joins accounts with cooperatives and orders,
//! and the HTTP endpoints (GraphQL, Stripe webhook, health, metrics) with the rate limit.
//! Every handler reads what it needs from one `ApiState`, built by `app`.

pub mod account;
pub mod certificates;
pub mod documents;
pub mod field_order;
pub mod graphiql;
pub mod http;
pub mod images;
pub mod messages;
pub mod node;
pub mod observability;
pub mod operation_limits;
pub mod project_alerts;
pub mod rate_limit;
pub mod response_cache;
pub mod reviews;
pub mod schema;
pub mod shop;
pub mod storefronts;
pub mod webhook;

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::kernel::config::Secret;
use crate::kernel::db::Db;
use crate::kernel::graphql::context::Limits;
use observability::Metrics;
use rate_limit::RateLimiter;
pub use schema::{INTROSPECTION_MAX_DEPTH, SchemaLimits, TaawunSchema, build_schema, documents, sdl};

/// Sizes the GraphQL endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A JSON request body.
    pub max_body_bytes: usize,
    /// One file of a multipart upload.
    pub max_upload_bytes: usize,
    /// `max-age` of anonymous `GET` answers.
    pub cache_seconds: u32,
}

/// What Stripe's webhook needs: the signing secret and how old a signature may be.
pub struct StripeWebhook {
    pub secret: Secret,
    pub tolerance_secs: i64,
}

/// Everything the HTTP handlers read, in one place.
pub struct ApiState {
    pub db: Db,
    /// Uploaded product images' renditions, served at `/images/…`.
    pub images: crate::catalog::images::ImageStore,
    pub schema: TaawunSchema,
    /// The same schema for operations that only introspect it, under their own depth bound.
    pub introspection: TaawunSchema,
    /// Persisted queries, parsed documents and the operation limits.
    pub documents: documents::Documents,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub http: HttpLimits,
    pub rate_limiter: RateLimiter,
    /// Set when Stripe is configured.
    pub stripe_webhook: Option<StripeWebhook>,
    /// Signs and presents academy certificates.
    pub issuer: Arc<crate::academy::credentials::Issuer>,
    /// Storefront keys resolved, and the origins their apps allow.
    pub storefronts: Arc<storefronts::StorefrontKeys>,
    /// Answers to anonymous catalogue reads, per catalogue version.
    pub responses: Arc<response_cache::ResponseCache>,
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(state: web::Data<ApiState>) -> HttpResponse {
    let ready = state
        .db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
    match ready {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            e.log_if_internal();
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unreachable")
        }
    }
}

async fn metrics(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state.db, state.responses.held_bytes()))
}

/// The routes; the same for the server and the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(http::post))
        .route("/graphql", web::get().to(http::get))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/webhooks/stripe", web::post().to(webhook::stripe))
        .route("/graphiql/{name}", web::get().to(graphiql::asset))
        .route("/images/{key}/{file}", web::get().to(images::rendition))
        .route("/certificates/issuer.json", web::get().to(certificates::issuer))
        .route("/certificates/{code}", web::get().to(certificates::certificate))
        .route("/projects/alerts/unsubscribe/{token}", web::get().to(project_alerts::confirm))
        .route("/projects/alerts/unsubscribe/{token}", web::post().to(project_alerts::unsubscribe));
}
