//! Rules for webhook subscriptions and the delivery of events to them.

use std::net::IpAddr;
use std::time::Instant;

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::*;
use super::store;
use crate::kernel::db::{Db, DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::viewer::{Role, Viewer};
use crate::msg;
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::outbox::events::{Event, EventType};
use crate::path;

pub const DELIVERY_KIND: &str = "webhook_delivery";
/// Subscriptions one account may own.
pub const MAX_SUBSCRIPTIONS: i64 = 20;
/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "Taawun-Signature";

#[derive(serde::Serialize, serde::Deserialize)]
struct DeliveryJob {
    delivery_id: i64,
}

/// The signature header's value for a body sent at `timestamp` (Unix seconds): the same
/// scheme as Stripe's, so receivers reuse their verification code.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    format!("t={timestamp},v1={}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// Whether an address is one a public webhook must not reach (this machine, a private
/// network, link-local metadata services).
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

fn check_url(checks: &mut Checks, url: &str, settings: &WebhookSettings) {
    let field = path!["input", "url"];
    let parsed = match reqwest::Url::parse(url.trim()) {
        Ok(u) if url.len() <= 2000 => u,
        _ => return checks.fail(field, msg!("must be an absolute https:// URL")),
    };
    let host = parsed.host_str().unwrap_or("").trim_matches(['[', ']']).to_ascii_lowercase();
    let https = parsed.scheme() == "https";
    let http = parsed.scheme() == "http";
    if settings.allow_private_urls {
        checks.check((https || http) && !host.is_empty(), field, msg!("must be an absolute https:// URL"));
        return;
    }
    let private = host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(is_private);
    checks.check(https && !host.is_empty(), field.clone(), msg!("must be an absolute https:// URL"));
    checks.check(!private, field, msg!("must not point at a private or local address"));
}

fn check_events(checks: &mut Checks, events: &[EventType], viewer: &Viewer) {
    checks.check(!events.is_empty(), path!["input", "events"], msg!("name at least one event"));
    if viewer.role != Role::Admin && events.contains(&EventType::CooperativeRegistered) {
        checks.fail(path!["input", "events"], msg!("only administrators subscribe to the register's events"));
    }
}

fn events_text(events: &[EventType]) -> String {
    let mut names: Vec<&str> = events.iter().map(|e| e.name()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// Administrators subscribe to every cooperative's events (or one's); managers to their own
/// cooperative's. Returns the subscription and its signing secret, shown this once.
pub fn create_subscription(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: WebhookSubscriptionCreateInput,
    settings: &WebhookSettings,
) -> Result<(SubscriptionRow, String), AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let asked = match &input.cooperative_id {
        Some(id) => Some(ids::decode(id, "Cooperative").ok_or_else(|| {
            AppError::user(ErrorCode::InvalidId, &["input", "cooperativeId"], msg!("is not a valid Cooperative id"))
        })?),
        None => None,
    };
    let cooperative_id = match viewer.role {
        Role::Admin => asked,
        Role::CooperativeManager if asked.is_none() || asked == viewer.cooperative_id => viewer.cooperative_id,
        _ => return Err(AppError::forbidden(msg!("only administrators and a cooperative's managers add webhooks"))),
    };
    let mut checks = Checks::new();
    check_url(&mut checks, &input.url, settings);
    check_events(&mut checks, &input.events, viewer);
    checks.finish()?;
    let secret = new_secret()?;
    write_tx(conn, |conn| {
        if store::count_owned(conn, viewer.account_id)? >= MAX_SUBSCRIPTIONS {
            return Err(AppError::user(
                ErrorCode::OutOfRange,
                &[],
                msg!("an account has at most {max} webhook subscriptions", max = MAX_SUBSCRIPTIONS),
            ));
        }
        let at = now();
        let id = store::insert_subscription(
            conn,
            &NewSubscription {
                owner_account_id: viewer.account_id,
                cooperative_id,
                url: input.url.trim(),
                events: &events_text(&input.events),
                secret: &secret,
                status: WebhookStatus::Active.as_str(),
                created_at: at,
                updated_at: at,
            },
        )?;
        let row = store::find_subscription(conn, id)?.ok_or_else(|| AppError::internal("subscription vanished"))?;
        Ok((row, secret.clone()))
    })
}

/// A subscription the viewer may see and change: their own, or any for administrators.
pub fn visible_subscription(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<SubscriptionRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    Ok(store::find_subscription(conn, id)?.filter(|s| viewer.is_admin() || s.owner_account_id == viewer.account_id))
}

fn own_subscription(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
    field: &[&str],
) -> Result<SubscriptionRow, AppError> {
    let not_found = || AppError::user(ErrorCode::WebhookNotFound, field, msg!("no webhook subscription with this id"));
    let raw = ids::decode(id, "WebhookSubscription").ok_or_else(not_found)?;
    visible_subscription(conn, viewer, raw)?.ok_or_else(not_found)
}

/// Changes the URL or the events, or turns a subscription off or on (on again forgets its
/// failures).
pub fn update_subscription(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: WebhookSubscriptionUpdateInput,
    settings: &WebhookSettings,
) -> Result<SubscriptionRow, AppError> {
    let who = viewer.ok_or(AppError::Unauthenticated)?;
    let current = own_subscription(conn, viewer, &input.id, &["input", "id"])?;
    let mut checks = Checks::new();
    if let Some(url) = &input.url {
        check_url(&mut checks, url, settings);
    }
    if let Some(events) = &input.events {
        check_events(&mut checks, events, who);
    }
    checks.finish()?;
    let url = input.url.as_deref().map(str::trim).unwrap_or(&current.url).to_string();
    let events = input.events.as_deref().map(events_text).unwrap_or(current.events.clone());
    let (status, failing_since, reason) = match input.enabled {
        Some(true) => (WebhookStatus::Active, None, None),
        Some(false) => (WebhookStatus::Disabled, current.failing_since, Some("turned off by its owner".to_string())),
        None => (current.status(), current.failing_since, current.disabled_reason.clone()),
    };
    let change = SubscriptionChange {
        url: &url,
        events: &events,
        status: status.as_str(),
        failing_since,
        disabled_reason: reason.as_deref(),
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        store::update_subscription(conn, current.id, &change)?;
        store::find_subscription(conn, current.id)?.ok_or_else(|| AppError::internal("subscription vanished"))
    })
}

pub fn delete_subscription(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<ID, AppError> {
    write_tx(conn, |conn| {
        let current = own_subscription(conn, viewer, id, &["id"])?;
        store::delete_subscription(conn, current.id)?;
        Ok(id.clone())
    })
}

/// What the viewer may list: administrators every subscription, managers their
/// cooperative's, anyone else their own (none).
pub fn subscriptions(conn: &mut DbConn, viewer: Option<&Viewer>) -> Result<Vec<SubscriptionRow>, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    Ok(match (viewer.role, viewer.cooperative_id) {
        (Role::Admin, _) => store::subscriptions(conn, None, None)?,
        (Role::CooperativeManager, Some(cooperative)) => store::subscriptions(conn, None, Some(cooperative))?,
        _ => store::subscriptions(conn, Some(viewer.account_id), None)?,
    })
}

pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<DeliveryStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<DeliveryRow>, AppError> {
    paginate(
        conn,
        args,
        want_total,
        |conn| Ok(store::count_deliveries(conn, subscription_id, status)?),
        |conn, seek| store::deliveries(conn, subscription_id, status, seek),
        |d| Key::id(d.id),
    )
}

pub fn attempts_of(conn: &mut DbConn, delivery_id: i64) -> Result<Vec<AttemptRow>, AppError> {
    Ok(store::attempts_of(conn, delivery_id)?)
}

/// A delivery whose subscription the viewer may see.
pub fn visible_delivery(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<DeliveryRow>, AppError> {
    let Some(delivery) = store::find_delivery(conn, id)? else { return Ok(None) };
    Ok(visible_subscription(conn, viewer, delivery.subscription_id)?.map(|_| delivery))
}

/// Sends a delivery again, now (whatever became of it); the receiver sees the same event id.
pub fn retry_delivery(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<DeliveryRow, AppError> {
    let not_found = || AppError::user(ErrorCode::DeliveryNotFound, &["id"], msg!("no webhook delivery with this id"));
    let raw = ids::decode(id, "WebhookDelivery").ok_or_else(not_found)?;
    write_tx(conn, |conn| {
        let delivery = visible_delivery(conn, viewer, raw)?.ok_or_else(not_found)?;
        let at = now();
        if store::requeue_delivery(conn, delivery.id, at)? == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["id"],
                msg!("this delivery is already waiting for its next attempt"),
            ));
        }
        crate::outbox::enqueue(conn, DELIVERY_KIND, &DeliveryJob { delivery_id: delivery.id })?;
        store::find_delivery(conn, delivery.id)?.ok_or_else(not_found)
    })
}

/// Fans an event out: one delivery per active subscription that listens to it and may hear
/// it (an administrator's without a cooperative hears all; one with a cooperative, and a
/// manager's, only events of that cooperative), queued in one transaction.
pub fn fan_out(conn: &mut DbConn, event: &Event) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let listeners: Vec<SubscriptionRow> =
            store::listeners(conn, event.event_type.name(), &event.cooperative_ids, event.occurred_at)?
                .into_iter()
                .filter(|s| s.listens_to(event.event_type))
                .filter(|s| s.cooperative_id.is_none_or(|c| event.cooperative_ids.contains(&c)))
                .collect();
        if listeners.is_empty() {
            return Ok(0);
        }
        let body = serde_json::json!({
            "id": event.id,
            "type": event.event_type.name(),
            "createdAt": event.occurred_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": event.data,
        })
        .to_string();
        let at = now();
        for subscription in &listeners {
            let delivery_id = store::insert_delivery(
                conn,
                &NewDelivery {
                    subscription_id: subscription.id,
                    event_id: &event.id,
                    event_type: event.event_type.name(),
                    payload: &body,
                    status: DeliveryStatus::Pending.as_str(),
                    attempts: 0,
                    next_attempt_at: Some(at),
                    created_at: at,
                },
            )?;
            crate::outbox::enqueue(conn, DELIVERY_KIND, &DeliveryJob { delivery_id })?;
        }
        Ok(listeners.len())
    })
}

/// When the next attempt comes after `attempts` failed ones: the base, doubled each time, at
/// most an hour.
pub fn retry_delay(settings: &WebhookSettings, attempts: i32) -> std::time::Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20));
    settings.retry_base.saturating_mul(factor).min(std::time::Duration::from_secs(3600))
}

/// Delivers one queued delivery: POSTs the event, signed, and records the attempt. A failure
/// schedules the next attempt as a new outbox row (the outbox's own retries are for the
/// database, not the receiver), or ends the delivery after the last attempt; a subscription
/// failing for longer than allowed is disabled and its owner emailed.
pub async fn deliver(
    db: &Db,
    client: &reqwest::Client,
    settings: &WebhookSettings,
    payload: &str,
) -> Result<(), AppError> {
    let job: DeliveryJob = serde_json::from_str(payload).map_err(AppError::internal)?;
    let id = job.delivery_id;
    let loaded = db
        .run(move |conn| {
            let Some(delivery) = store::find_delivery(conn, id)? else { return Ok(None) };
            let subscription = store::find_subscription(conn, delivery.subscription_id)?;
            Ok(subscription.map(|s| (delivery, s)))
        })
        .await?;
    // Deleted since, or an older queue row of a delivery that was already decided.
    let Some((delivery, subscription)) = loaded else { return Ok(()) };
    if delivery.status() != DeliveryStatus::Pending {
        return Ok(());
    }
    if subscription.status() == WebhookStatus::Disabled {
        return db
            .run(move |conn| {
                let outcome = DeliveryOutcome {
                    status: DeliveryStatus::Failed.as_str(),
                    attempts: delivery.attempts,
                    last_status_code: delivery.last_status_code,
                    last_error: Some("the subscription is disabled"),
                    next_attempt_at: None,
                    delivered_at: None,
                };
                store::set_delivery_outcome(conn, delivery.id, &outcome)?;
                Ok(())
            })
            .await;
    }
    let timestamp = chrono::Utc::now().timestamp();
    let started = Instant::now();
    let sent = client
        .post(&subscription.url)
        .header("content-type", "application/json")
        .header("user-agent", "Taawun-Webhooks/1")
        .header("taawun-event", &delivery.event_type)
        .header("taawun-event-id", &delivery.event_id)
        .header("taawun-delivery", ids::encode("WebhookDelivery", delivery.id).to_string())
        .header(SIGNATURE_HEADER, signature(&subscription.secret, timestamp, &delivery.payload))
        .body(delivery.payload.clone())
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (code, error) = match sent {
        Ok(response) if response.status().is_success() => (Some(i32::from(response.status().as_u16())), None),
        Ok(response) => (Some(i32::from(response.status().as_u16())), Some(format!("answered {}", response.status()))),
        Err(e) => (None, Some(describe(&e))),
    };
    let settings = settings.clone();
    db.run(move |conn| record_attempt(conn, &delivery, &subscription, code, error, duration_ms, &settings)).await
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        let mut text = e.to_string();
        text.truncate(300);
        text
    }
}

fn record_attempt(
    conn: &mut DbConn,
    delivery: &DeliveryRow,
    subscription: &SubscriptionRow,
    code: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    settings: &WebhookSettings,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let at = now();
        store::insert_attempt(
            conn,
            &NewAttempt {
                delivery_id: delivery.id,
                status_code: code,
                error: error.clone(),
                duration_ms,
                attempted_at: at,
            },
        )?;
        let attempts = delivery.attempts.saturating_add(1);
        let write = |conn: &mut DbConn, status: DeliveryStatus, next: Option<NaiveDateTime>| {
            let outcome = DeliveryOutcome {
                status: status.as_str(),
                attempts,
                last_status_code: code,
                last_error: error.as_deref(),
                next_attempt_at: next,
                delivered_at: (status == DeliveryStatus::Delivered).then_some(at),
            };
            store::set_delivery_outcome(conn, delivery.id, &outcome)
        };
        if error.is_none() {
            write(conn, DeliveryStatus::Delivered, None)?;
            if subscription.failing_since.is_some() {
                store::set_failing_since(conn, subscription.id, None)?;
            }
            return Ok(());
        }
        let failing_since = subscription.failing_since.unwrap_or(at);
        let disable_after = chrono::Duration::from_std(settings.disable_after).unwrap_or(chrono::Duration::days(3));
        if at - failing_since >= disable_after {
            write(conn, DeliveryStatus::Failed, None)?;
            return disable(conn, subscription, failing_since, at);
        }
        if subscription.failing_since.is_none() {
            store::set_failing_since(conn, subscription.id, Some(at))?;
        }
        if attempts >= settings.max_attempts {
            write(conn, DeliveryStatus::Failed, None)?;
            return Ok(());
        }
        let delay = chrono::Duration::from_std(retry_delay(settings, attempts)).unwrap_or(chrono::Duration::hours(1));
        let next = at + delay;
        write(conn, DeliveryStatus::Pending, Some(next))?;
        crate::outbox::enqueue_at(conn, DELIVERY_KIND, &DeliveryJob { delivery_id: delivery.id }, next)
    })
}

/// Turns a failing subscription off and tells its owner, in their language.
fn disable(
    conn: &mut DbConn,
    subscription: &SubscriptionRow,
    since: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let change = SubscriptionChange {
        url: &subscription.url,
        events: &subscription.events,
        status: WebhookStatus::Disabled.as_str(),
        failing_since: Some(since),
        disabled_reason: Some("no delivery succeeded for too long"),
        updated_at: at,
    };
    store::update_subscription(conn, subscription.id, &change)?;
    if let Some(owner) = crate::auth::service::find_account(conn, subscription.owner_account_id)? {
        notify::enqueue(
            conn,
            &EmailJob {
                template: EmailTemplate::WebhookDisabled,
                to: owner.email.clone(),
                locale: owner.locale.clone(),
                data: serde_json::json!({
                    "name": owner.full_name,
                    "url": subscription.url,
                    "since": since.format("%Y-%m-%d %H:%M UTC").to_string(),
                }),
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_stripe_scheme() {
        // HMAC-SHA256("secret", "1700000000.{}") computed independently.
        let s = signature("secret", 1_700_000_000, "{}");
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(s, signature("other", 1_700_000_000, "{}"));
        assert_ne!(s, signature("secret", 1_700_000_001, "{}"));
    }

    #[test]
    fn retries_double_up_to_an_hour() {
        let settings = WebhookSettings {
            retry_base: std::time::Duration::from_secs(10),
            max_attempts: 72,
            disable_after: std::time::Duration::from_secs(3 * 86_400),
            allow_private_urls: false,
        };
        let delays: Vec<u64> = (1..=12).map(|n| retry_delay(&settings, n).as_secs()).collect();
        assert_eq!(&delays[..5], &[10, 20, 40, 80, 160]);
        assert_eq!(delays[11], 3600);
        // A receiver down for an hour is retried within the hour after it returns.
        let until_an_hour: u64 = delays
            .iter()
            .scan(0, |sum, d| {
                *sum += d;
                Some(*sum)
            })
            .take_while(|s| *s < 3600)
            .count() as u64;
        assert!(until_an_hour >= 8);
    }

    #[test]
    fn public_webhooks_may_not_reach_private_addresses() {
        let settings = WebhookSettings {
            retry_base: std::time::Duration::from_secs(10),
            max_attempts: 72,
            disable_after: std::time::Duration::from_secs(86_400),
            allow_private_urls: false,
        };
        for url in [
            "http://shop.ma/hook",
            "https://127.0.0.1/hook",
            "https://localhost/hook",
            "https://10.0.0.8/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest",
            "ftp://shop.ma/x",
            "not a url",
        ] {
            let mut checks = Checks::new();
            check_url(&mut checks, url, &settings);
            assert!(checks.finish().is_err(), "{url}");
        }
        let mut checks = Checks::new();
        check_url(&mut checks, "https://hooks.shop.ma/taawun", &settings);
        assert!(checks.finish().is_ok());
    }
}
