//! Per-client rate limit: a token bucket per client address, in memory (each instance
//! limits what reaches it; behind a load balancer that is per instance).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};

use super::ApiState;

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    per_minute: u32,
    burst: f64,
    trust_forwarded_for: bool,
    /// Per client address, and per (storefront app, client address) for requests with a key.
    buckets: Mutex<HashMap<(Option<i64>, IpAddr), Bucket>>,
}

impl RateLimiter {
    /// `per_minute = 0` turns the limit off.
    pub fn new(per_minute: u32, burst: u32, trust_forwarded_for: bool) -> RateLimiter {
        RateLimiter {
            per_minute,
            burst: f64::from(burst.max(1)),
            trust_forwarded_for,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client`; `Err(seconds)` says when to try again.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        self.take((None, client), self.per_minute, self.burst, now)
    }

    /// Takes a token for a storefront app's client, at the app's own rate (a sixth of a
    /// minute's worth at once, at least 10).
    pub fn check_app(&self, app: i64, client: IpAddr, per_minute: u32, now: Instant) -> Result<(), u64> {
        let burst = f64::from((per_minute / 6).max(10).min(per_minute.max(1)));
        self.take((Some(app), client), per_minute.max(1), burst, now)
    }

    fn take(&self, key: (Option<i64>, IpAddr), per_minute: u32, burst: f64, now: Instant) -> Result<(), u64> {
        let rate = f64::from(per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget clients whose bucket has refilled: they would start full anyway.
            buckets.retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: burst, last: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil() as u64)
        }
    }

    /// The client's address: the peer's, or, behind a trusted proxy, the last address of
    /// `X-Forwarded-For` (the one that proxy appended; the ones before it are the client's
    /// word and may be forged).
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_forwarded_for {
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        req.peer_addr().map(|a| a.ip())
    }
}

fn too_many(retry_after: u64) -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header(("retry-after", retry_after.to_string()))
        .json(serde_json::json!({ "errors": [{ "message": "too many requests, slow down", "extensions": { "code": "RATE_LIMITED" } }] }))
}

fn refusal(status: actix_web::http::StatusCode, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status)
        .json(serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// Answers 429 with `Retry-After` once a client is over its rate; health and metrics are exempt.
/// A request with a storefront key is checked first: an unknown or revoked key is refused
/// (401), a browser origin the app does not allow too (403), and the app's own rate applies.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let key = req.headers().get(super::storefronts::KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    let mut verdict = None;
    if let (false, Some(state), Some(key)) = (exempt, &state, key) {
        use actix_web::http::StatusCode;
        // A key the cache does not know costs a database read: that read is paid from the
        // client's anonymous allowance, so made-up keys are no way around the rate limit.
        if state.storefronts.cached(&key).is_none()
            && let Some(Err(retry_after)) =
                state.rate_limiter.client(req.request()).map(|ip| state.rate_limiter.check(ip, Instant::now()))
        {
            return Ok(req.into_response(too_many(retry_after)));
        }
        let access = match state.storefronts.resolve(&state.db, &key).await {
            Ok(Some(access)) => access,
            Ok(None) => {
                let refused =
                    refusal(StatusCode::UNAUTHORIZED, "unknown or revoked storefront key", "INVALID_STOREFRONT_KEY");
                return Ok(req.into_response(refused));
            }
            Err(e) => {
                e.log_if_internal();
                let refused =
                    refusal(StatusCode::SERVICE_UNAVAILABLE, "the service is unavailable, try again", "INTERNAL");
                return Ok(req.into_response(refused));
            }
        };
        let origin = req.headers().get("origin").and_then(|v| v.to_str().ok());
        if let Some(origin) = origin
            && !access.allows_origin(origin)
        {
            let refused = refusal(
                StatusCode::FORBIDDEN,
                "this storefront key may not be used from this origin",
                "ORIGIN_NOT_ALLOWED",
            );
            return Ok(req.into_response(refused));
        }
        state.metrics.count_storefront_request(&access.name);
        verdict = state
            .rate_limiter
            .client(req.request())
            .map(|ip| state.rate_limiter.check_app(access.app_id, ip, access.per_minute, Instant::now()));
        req.extensions_mut().insert(access);
    } else if let (false, Some(state)) = (exempt, &state) {
        verdict = state.rate_limiter.client(req.request()).map(|ip| state.rate_limiter.check(ip, Instant::now()));
    }
    if let Some(Err(retry_after)) = verdict {
        return Ok(req.into_response(too_many(retry_after)));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn buckets_refill_over_time() {
        let limiter = RateLimiter::new(60, 3, false);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.check(ip, t0).is_ok()));
        assert_eq!(limiter.check(ip, t0), Err(1));
        assert!(limiter.check("192.0.2.2".parse().unwrap(), t0).is_ok(), "other clients are not affected");
        assert!(limiter.check(ip, t0 + Duration::from_secs(1)).is_ok());
        assert!(RateLimiter::new(0, 1, false).check(ip, t0).is_ok());
    }
}
