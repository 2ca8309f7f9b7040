//! GraphQL for webhook subscriptions, their deliveries and the attempts' log.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::model::*;
use super::service;
use crate::catalog::graphql::Cooperative;
use crate::kernel::error::UserError;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::Conn;
use crate::kernel::graphql::{DateTime, ids, loader_error, run_mutation};
use crate::outbox::events::EventType;
use crate::registry::loaders::{CooperativeKey, RegistryLoader};

fn settings<'a>(ctx: &'a Context<'_>) -> &'a WebhookSettings {
    ctx.data_unchecked::<WebhookSettings>()
}

/// A URL that receives events, signed with the subscription's secret.
pub struct WebhookSubscription(pub SubscriptionRow);

#[Object]
impl WebhookSubscription {
    pub async fn id(&self) -> ID {
        ids::encode("WebhookSubscription", self.0.id)
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn events(&self) -> Vec<EventType> {
        self.0.events()
    }
    /// The cooperative whose events it hears; null: every cooperative's (administrators).
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        let Some(id) = self.0.cooperative_id else { return Ok(None) };
        Ok(ctx.loader::<RegistryLoader>().load_one(CooperativeKey(id)).await.map_err(loader_error)?.map(Cooperative))
    }
    async fn status(&self) -> WebhookStatus {
        self.0.status()
    }
    /// When the current run of failures began (null while deliveries succeed).
    async fn failing_since(&self) -> Option<DateTime> {
        self.0.failing_since.map(DateTime)
    }
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// Every event sent to it, newest first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        status: Option<DeliveryStatus>,
    ) -> Result<Conn<WebhookDelivery>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (id, want_total) = (self.0.id, ctx.wants_total());
        let page = ctx.db().run(move |conn| service::deliveries(conn, id, status, args, want_total)).await?;
        Ok(page.into_connection(WebhookDelivery))
    }
}

/// One event sent to one subscription.
pub struct WebhookDelivery(pub DeliveryRow);

/// One try at a delivery: the receiver's status code, or why there was none.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: DateTime,
}

#[Object]
impl WebhookDelivery {
    pub async fn id(&self) -> ID {
        ids::encode("WebhookDelivery", self.0.id)
    }
    /// The event's id, the same on every attempt and redelivery.
    async fn event_id(&self) -> &str {
        &self.0.event_id
    }
    async fn event_type(&self) -> Option<EventType> {
        EventType::parse(&self.0.event_type)
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.status()
    }
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn next_attempt_at(&self) -> Option<DateTime> {
        self.0.next_attempt_at.map(DateTime)
    }
    /// The JSON body as sent.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(DateTime)
    }
    /// Every attempt, oldest first.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        let id = self.0.id;
        let rows = ctx.db().run(move |conn| service::attempts_of(conn, id)).await?;
        Ok(rows
            .into_iter()
            .map(|a| WebhookAttempt {
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
                attempted_at: DateTime(a.attempted_at),
            })
            .collect())
    }
}

pub async fn subscription_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<WebhookSubscription>> {
    let viewer = ctx.viewer().cloned();
    let row = ctx.db().run(move |conn| service::visible_subscription(conn, viewer.as_ref(), id)).await?;
    Ok(row.map(WebhookSubscription))
}

pub async fn delivery_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<WebhookDelivery>> {
    let viewer = ctx.viewer().cloned();
    let row = ctx.db().run(move |conn| service::visible_delivery(conn, viewer.as_ref(), id)).await?;
    Ok(row.map(WebhookDelivery))
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Administrators: every subscription; managers: their cooperative's.
    async fn webhook_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<WebhookSubscription>> {
        let viewer = ctx.viewer().cloned();
        let rows = ctx.db().run(move |conn| service::subscriptions(conn, viewer.as_ref())).await?;
        Ok(rows.into_iter().map(WebhookSubscription).collect())
    }
}

#[derive(SimpleObject)]
pub struct WebhookSubscriptionCreatePayload {
    pub subscription: Option<WebhookSubscription>,
    /// The signing secret, shown only here: verify `Taawun-Signature` with it.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

crate::mutation_payload!(WebhookSubscriptionPayload, subscription: WebhookSubscription);
crate::mutation_payload!(WebhookDeliveryPayload, delivery: WebhookDelivery);

#[derive(SimpleObject)]
pub struct WebhookSubscriptionDeletePayload {
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes a URL to events: administrators for every cooperative (or one), managers for
    /// their own. The answer holds the signing secret, once.
    async fn webhook_subscription_create(
        &self,
        ctx: &Context<'_>,
        input: WebhookSubscriptionCreateInput,
    ) -> Result<WebhookSubscriptionCreatePayload> {
        let settings = settings(ctx).clone();
        let (created, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_subscription(conn, viewer, input, &settings)).await?;
        let (subscription, secret) = match created {
            Some((row, secret)) => (Some(WebhookSubscription(row)), Some(secret)),
            None => (None, None),
        };
        Ok(WebhookSubscriptionCreatePayload { subscription, secret, user_errors })
    }

    /// Changes a subscription's URL or events, or turns it off or on again.
    async fn webhook_subscription_update(
        &self,
        ctx: &Context<'_>,
        input: WebhookSubscriptionUpdateInput,
    ) -> Result<WebhookSubscriptionPayload> {
        let settings = settings(ctx).clone();
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::update_subscription(conn, viewer, input, &settings)).await?;
        Ok(WebhookSubscriptionPayload { subscription: row.map(WebhookSubscription), user_errors })
    }

    /// Deletes a subscription and its delivery log.
    async fn webhook_subscription_delete(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookSubscriptionDeletePayload> {
        let (deleted_id, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::delete_subscription(conn, viewer, &id)).await?;
        Ok(WebhookSubscriptionDeletePayload { deleted_id, user_errors })
    }

    /// Sends a delivery again now, with the same event id.
    async fn webhook_delivery_retry(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDeliveryPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::retry_delivery(conn, viewer, &id)).await?;
        Ok(WebhookDeliveryPayload { delivery: row.map(WebhookDelivery), user_errors })
    }
}
