//! The only place that queries the webhook tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;

pub fn insert_subscription(conn: &mut DbConn, new: &NewSubscription<'_>) -> Result<i64, AppError> {
    Ok(crate::insert_returning_id!(conn, webhook_subscriptions::table, webhook_subscriptions::id, new)?)
}

pub fn find_subscription(conn: &mut DbConn, id: i64) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table.find(id).select(SubscriptionRow::as_select()).first(conn).optional()
}

/// Subscriptions, newest first: an owner's, a cooperative's, or (neither) all of them.
pub fn subscriptions(
    conn: &mut DbConn,
    owner: Option<i64>,
    cooperative: Option<i64>,
) -> QueryResult<Vec<SubscriptionRow>> {
    let mut q = webhook_subscriptions::table.into_boxed();
    if let Some(owner) = owner {
        q = q.filter(webhook_subscriptions::owner_account_id.eq(owner));
    }
    if let Some(cooperative) = cooperative {
        q = q.filter(webhook_subscriptions::cooperative_id.eq(cooperative));
    }
    q.order(webhook_subscriptions::id.desc()).select(SubscriptionRow::as_select()).load(conn)
}

pub fn count_owned(conn: &mut DbConn, owner: i64) -> QueryResult<i64> {
    webhook_subscriptions::table.filter(webhook_subscriptions::owner_account_id.eq(owner)).count().get_result(conn)
}

/// Active subscriptions that name `event`, hear these cooperatives (all of them, or one of
/// these) and existed when it happened; the caller checks the event name exactly.
pub fn listeners(
    conn: &mut DbConn,
    event: &str,
    cooperatives: &[i64],
    occurred_at: NaiveDateTime,
) -> QueryResult<Vec<SubscriptionRow>> {
    webhook_subscriptions::table
        .filter(webhook_subscriptions::status.eq(WebhookStatus::Active.as_str()))
        .filter(webhook_subscriptions::created_at.le(occurred_at))
        .filter(webhook_subscriptions::events.like(format!("%{event}%")))
        .filter(
            webhook_subscriptions::cooperative_id
                .is_null()
                .or(webhook_subscriptions::cooperative_id.eq_any(cooperatives.to_vec())),
        )
        .select(SubscriptionRow::as_select())
        .load(conn)
}

pub fn update_subscription(conn: &mut DbConn, id: i64, change: &SubscriptionChange<'_>) -> QueryResult<usize> {
    diesel::update(webhook_subscriptions::table.find(id)).set(change).execute(conn)
}

pub fn set_failing_since(conn: &mut DbConn, id: i64, since: Option<NaiveDateTime>) -> QueryResult<usize> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set(webhook_subscriptions::failing_since.eq(since))
        .execute(conn)
}

pub fn delete_subscription(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    let deliveries =
        webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(id)).select(webhook_deliveries::id);
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries))).execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(id))).execute(conn)?;
    diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)
}

pub fn insert_delivery(conn: &mut DbConn, new: &NewDelivery<'_>) -> Result<i64, AppError> {
    Ok(crate::insert_returning_id!(conn, webhook_deliveries::table, webhook_deliveries::id, new)?)
}

pub fn find_delivery(conn: &mut DbConn, id: i64) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table.find(id).select(DeliveryRow::as_select()).first(conn).optional()
}

/// A subscription's deliveries, newest first.
pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<DeliveryStatus>,
    seek: &Seek,
) -> Result<Vec<DeliveryRow>, AppError> {
    let mut q = webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(subscription_id)).into_boxed();
    if let Some(status) = status {
        q = q.filter(webhook_deliveries::status.eq(status.as_str()));
    }
    Ok(crate::seek_by_id!(q, webhook_deliveries::id, seek, descending).select(DeliveryRow::as_select()).load(conn)?)
}

pub fn count_deliveries(conn: &mut DbConn, subscription_id: i64, status: Option<DeliveryStatus>) -> QueryResult<i64> {
    let mut q = webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(subscription_id)).into_boxed();
    if let Some(status) = status {
        q = q.filter(webhook_deliveries::status.eq(status.as_str()));
    }
    q.count().get_result(conn)
}

pub fn set_delivery_outcome(conn: &mut DbConn, id: i64, outcome: &DeliveryOutcome<'_>) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id)).set(outcome).execute(conn)
}

/// Puts a delivery back in the queue (a manual redelivery); 0 when it is already pending.
pub fn requeue_delivery(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table.find(id).filter(webhook_deliveries::status.ne(DeliveryStatus::Pending.as_str())),
    )
    .set((webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()), webhook_deliveries::next_attempt_at.eq(at)))
    .execute(conn)
}

pub fn insert_attempt(conn: &mut DbConn, new: &NewAttempt) -> QueryResult<usize> {
    diesel::insert_into(webhook_attempts::table).values(new).execute(conn)
}

pub fn attempts_of(conn: &mut DbConn, delivery_id: i64) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery_id))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)
}
