use async_graphql::{Enum, ID, InputObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::outbox::events::EventType;

/// Whether a subscription is sent its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookStatus {
    Active,
    /// Turned off by its owner, or by the server after failing too long; nothing is sent.
    Disabled,
}
crate::text_enum!(WebhookStatus { Active = "ACTIVE", Disabled = "DISABLED" });

/// Where one event's delivery to one subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or the subscription was disabled; `webhookDeliveryRetry` sends it again.
    Failed,
}
crate::text_enum!(DeliveryStatus { Pending = "PENDING", Delivered = "DELIVERED", Failed = "FAILED" });

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub owner_account_id: i64,
    pub cooperative_id: Option<i64>,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub status: String,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SubscriptionRow {
    pub fn status(&self) -> WebhookStatus {
        WebhookStatus::parse(&self.status).unwrap_or(WebhookStatus::Disabled)
    }
    pub fn events(&self) -> Vec<EventType> {
        self.events.split(',').filter_map(EventType::parse).collect()
    }
    pub fn listens_to(&self, event: EventType) -> bool {
        self.events.split(',').any(|e| e == event.name())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct NewSubscription<'a> {
    pub owner_account_id: i64,
    pub cooperative_id: Option<i64>,
    pub url: &'a str,
    pub events: &'a str,
    pub secret: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A subscription's changeable fields, written whole.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true)]
pub struct SubscriptionChange<'a> {
    pub url: &'a str,
    pub events: &'a str,
    pub status: &'a str,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_reason: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

/// Where a delivery stands after an attempt (or a decision), written whole.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = webhook_deliveries, treat_none_as_null = true)]
pub struct DeliveryOutcome<'a> {
    pub status: &'a str,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<&'a str>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

impl DeliveryRow {
    pub fn status(&self) -> DeliveryStatus {
        DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Failed)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub subscription_id: i64,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttempt {
    pub delivery_id: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: NaiveDateTime,
}

/// How deliveries are retried and when a failing subscription is turned off.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The first retry waits this long; each next one twice as long, up to an hour.
    pub retry_base: std::time::Duration,
    /// Attempts per delivery before it is FAILED.
    pub max_attempts: i32,
    /// A subscription failing without a success for this long is disabled.
    pub disable_after: std::time::Duration,
    /// Allow `http://` and private or loopback addresses (tests, a private network).
    pub allow_private_urls: bool,
}

#[derive(InputObject)]
pub struct WebhookSubscriptionCreateInput {
    /// `https://…` (the receiver's endpoint).
    pub url: String,
    pub events: Vec<EventType>,
    /// Administrators: one cooperative's events only (unset: every cooperative's). Managers:
    /// always their own cooperative.
    pub cooperative_id: Option<ID>,
}

#[derive(InputObject)]
pub struct WebhookSubscriptionUpdateInput {
    pub id: ID,
    pub url: Option<String>,
    pub events: Option<Vec<EventType>>,
    /// Turn it off, or on again (which forgets its failures).
    pub enabled: Option<bool>,
}
