//! Domain events: what happened in the marketplace and the register, recorded in the
//! transaction of the change, for whoever listens (the outbound webhooks fan them out).
//! Payloads are thin (ids, numbers, statuses): a receiver reads the rest through the API with
//! its own rights, so an event never carries more than its listener may see.

use serde::{Deserialize, Serialize};

use crate::kernel::db::DbConn;
use crate::kernel::error::AppError;

pub const OUTBOX_KIND: &str = "domain_event";

/// The events a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
pub enum EventType {
    /// An order was placed (one event per order, naming each cooperative's fulfilment).
    #[serde(rename = "order.created")]
    OrderCreated,
    /// A card payment succeeded, or cash was collected.
    #[serde(rename = "order.paid")]
    OrderPaid,
    /// A cooperative's part of an order changed status.
    #[serde(rename = "fulfilment.updated")]
    FulfilmentUpdated,
    /// A product was created, changed or archived.
    #[serde(rename = "product.updated")]
    ProductUpdated,
    /// A variant's stock fell to the low-stock threshold or below.
    #[serde(rename = "stock.low")]
    StockLow,
    /// The register registered a new cooperative (administrators only).
    #[serde(rename = "registry.cooperative_registered")]
    CooperativeRegistered,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::OrderCreated,
        EventType::OrderPaid,
        EventType::FulfilmentUpdated,
        EventType::ProductUpdated,
        EventType::StockLow,
        EventType::CooperativeRegistered,
    ];

    /// The name on the wire (`order.created`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::OrderCreated => "order.created",
            EventType::OrderPaid => "order.paid",
            EventType::FulfilmentUpdated => "fulfilment.updated",
            EventType::ProductUpdated => "product.updated",
            EventType::StockLow => "stock.low",
            EventType::CooperativeRegistered => "registry.cooperative_registered",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A variant's stock at or below this is low.
pub const LOW_STOCK: i64 = 5;

/// One event as the outbox keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Unique per event: receivers drop repeats by it (delivery is at least once).
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The cooperatives the event concerns (their managers' subscriptions hear it).
    pub cooperative_ids: Vec<i64>,
    pub occurred_at: chrono::NaiveDateTime,
    pub data: serde_json::Value,
}

/// Records an event in the caller's transaction.
pub fn emit(
    conn: &mut DbConn,
    event_type: EventType,
    cooperative_ids: &[i64],
    data: serde_json::Value,
) -> Result<(), AppError> {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    let id = format!("evt_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let event = Event {
        id,
        event_type,
        cooperative_ids: cooperative_ids.to_vec(),
        occurred_at: crate::kernel::db::now(),
        data,
    };
    super::enqueue(conn, OUTBOX_KIND, &event)
}
