//! Request logging (one line per request) and Prometheus metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::ApiState;
use crate::kernel::db::Db;

type Labels = Vec<(&'static str, String)>;

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~4 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    /// Incremented by the database layer for every statement sent.
    pub db_statements: Counter,
    /// Requests that carried a storefront key, by app.
    storefront_requests: Family<Labels, Counter>,
    /// Anonymous catalogue reads answered from the response cache, and those computed.
    pub response_cache_hits: Counter,
    pub response_cache_misses: Counter,
    response_cache_bytes: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("taawun");
        let requests = Family::<Labels, Counter>::default();
        let latency = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        let pool_max = Gauge::default();
        let db_statements = Counter::default();
        registry.register("http_requests", "HTTP requests by route, method and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("db_pool_connections", "Open database connections", pool_connections.clone());
        registry.register("db_pool_idle_connections", "Idle database connections", pool_idle.clone());
        registry.register("db_pool_max_connections", "Configured pool size", pool_max.clone());
        registry.register("db_statements", "SQL statements sent to the database", db_statements.clone());
        let storefront_requests = Family::<Labels, Counter>::default();
        registry.register("storefront_requests", "Requests with a storefront key, by app", storefront_requests.clone());
        let response_cache_hits = Counter::default();
        let response_cache_misses = Counter::default();
        registry.register(
            "response_cache_hits",
            "Anonymous catalogue reads answered from the response cache",
            response_cache_hits.clone(),
        );
        registry.register(
            "response_cache_misses",
            "Anonymous catalogue reads computed and kept in the response cache",
            response_cache_misses.clone(),
        );
        let response_cache_bytes = Gauge::default();
        registry.register(
            "response_cache_bytes",
            "Bytes of answers held by the response cache",
            response_cache_bytes.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            db_statements,
            storefront_requests,
            response_cache_hits,
            response_cache_misses,
            response_cache_bytes,
        }
    }

    pub fn count_storefront_request(&self, app: &str) {
        self.storefront_requests.get_or_create(&vec![("app", app.to_string())]).inc();
    }

    pub fn render(&self, db: &Db, response_cache_bytes: usize) -> String {
        self.response_cache_bytes.set(i64::try_from(response_cache_bytes).unwrap_or(i64::MAX));
        let pool = db.state();
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.pool_max.set(i64::from(db.max_size()));
        let mut out = String::new();
        if let Err(e) = encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        out
    }
}

fn request_id(req: &ServiceRequest) -> String {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()));
    match given {
        Some(id) => id.to_string(),
        None => {
            let mut bytes = [0u8; 8];
            let _ = getrandom::getrandom(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    }
}

/// Logs one line per request (method, path, status, duration, request id) and records metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().to_string();
    let path = req.path().to_string();
    let metrics = req.app_data::<web::Data<ApiState>>().map(|s| s.metrics.clone());
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern().unwrap_or_else(|| "unmatched".into())),
        Err(e) => (e.as_response_error().status_code().as_u16(), "unmatched".into()),
    };
    tracing::info!(
        target: "taawun::http",
        request_id = %id,
        method = %method,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Some(m) = metrics {
        m.requests
            .get_or_create(&vec![("route", route.clone()), ("method", method), ("status", status.to_string())])
            .inc();
        m.latency.get_or_create(&vec![("route", route)]).observe(elapsed.as_secs_f64());
    }
    result.map(|mut res| {
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
        }
        res
    })
}
