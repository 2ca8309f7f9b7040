//! Per-client rate limit: a token bucket per client address, in memory (each instance
//! limits what reaches it; behind a load balancer that is per instance).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ApiState;

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    per_minute: u32,
    burst: f64,
    trust_forwarded_for: bool,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
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
        let rate = f64::from(self.per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget clients whose bucket has refilled: they would start full anyway.
            buckets.retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * rate < self.burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket { tokens: self.burst, last: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(self.burst);
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

/// Answers 429 with `Retry-After` once a client is over its rate; health and metrics are exempt.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let exempt = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let verdict = match (exempt, req.app_data::<web::Data<ApiState>>()) {
        (false, Some(state)) => {
            state.rate_limiter.client(req.request()).map(|ip| state.rate_limiter.check(ip, Instant::now()))
        }
        _ => None,
    };
    if let Some(Err(retry_after)) = verdict {
        let response = HttpResponse::TooManyRequests()
            .insert_header(("retry-after", retry_after.to_string()))
            .json(serde_json::json!({ "errors": [{ "message": "too many requests, slow down", "extensions": { "code": "RATE_LIMITED" } }] }));
        return Ok(req.into_response(response));
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
