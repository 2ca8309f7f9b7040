use async_graphql::{Enum, ID, InputObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::schema::{
    cart_lines, carts, fulfilments, ledger_entries, order_events, order_lines, orders, refunds, saved_addresses,
    shipping_rates,
};
use crate::kernel::i18n::Locale;
use crate::kernel::money::Decimal;
use crate::payments::PaymentMethod;

/// Where an order stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum OrderStatus {
    PendingPayment,
    Confirmed,
    PartiallyShipped,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    Refunded,
}
crate::text_enum!(OrderStatus {
    PendingPayment = "PENDING_PAYMENT",
    Confirmed = "CONFIRMED",
    PartiallyShipped = "PARTIALLY_SHIPPED",
    Shipped = "SHIPPED",
    Delivered = "DELIVERED",
    Completed = "COMPLETED",
    Cancelled = "CANCELLED",
    Refunded = "REFUNDED",
});

impl OrderStatus {
    /// The order's own transitions (the shipping ones follow from its fulfilments).
    pub fn can_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (PendingPayment, Confirmed | Cancelled)
                | (Confirmed, PartiallyShipped | Shipped | Delivered | Cancelled | Refunded)
                | (PartiallyShipped, Shipped | Delivered | Refunded)
                | (Shipped, Delivered | Refunded)
                | (Delivered, Completed | Refunded)
                | (Completed, Refunded)
        )
    }
}

/// Where one cooperative's part of an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FulfilmentStatus {
    Pending,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}
crate::text_enum!(FulfilmentStatus {
    Pending = "PENDING",
    Processing = "PROCESSING",
    Shipped = "SHIPPED",
    Delivered = "DELIVERED",
    Cancelled = "CANCELLED",
});

impl FulfilmentStatus {
    pub fn can_become(self, to: FulfilmentStatus) -> bool {
        use FulfilmentStatus::*;
        matches!(
            (self, to),
            (Pending, Processing | Cancelled) | (Processing, Shipped | Cancelled) | (Shipped, Delivered)
        )
    }
}

/// Where an order's payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PaymentStatus {
    Pending,
    Paid,
    Failed,
    PartiallyRefunded,
    Refunded,
}
crate::text_enum!(PaymentStatus {
    Pending = "PENDING",
    Paid = "PAID",
    Failed = "FAILED",
    PartiallyRefunded = "PARTIALLY_REFUNDED",
    Refunded = "REFUNDED",
});

/// Ledger amounts are what the marketplace owes the cooperative (negative: what it owes us).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LedgerKind {
    /// Goods and shipping sold (+).
    Sale,
    /// The marketplace's commission (−).
    Commission,
    /// Cash the cooperative collected itself on delivery (−).
    CashCollected,
    /// Money given back to the buyer (−), with the commission returned (+).
    Refund,
    CommissionReversal,
    /// A cancelled fulfilment undoes its sale (−) and commission (+).
    Cancellation,
    /// Money paid out to the cooperative (−).
    Payout,
}
crate::text_enum!(LedgerKind {
    Sale = "SALE",
    Commission = "COMMISSION",
    CashCollected = "CASH_COLLECTED",
    Refund = "REFUND",
    CommissionReversal = "COMMISSION_REVERSAL",
    Cancellation = "CANCELLATION",
    Payout = "PAYOUT",
});

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = carts)]
pub struct CartRow {
    pub id: i64,
    pub token: String,
    pub account_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cart_lines)]
pub struct CartLineRow {
    pub id: i64,
    pub cart_id: i64,
    pub variant_id: i64,
    pub quantity: i64,
    /// The price when the line was added, to warn the buyer when it changes.
    pub unit_price_minor: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shipping_rates)]
pub struct ShippingRateRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub region_id: Option<i64>,
    pub rate_minor: i64,
    pub free_above_minor: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub idempotency_key: String,
    pub cart_id: i64,
    pub account_id: Option<i64>,
    pub email: String,
    pub phone: String,
    pub locale: String,
    pub status: String,
    pub payment_method: String,
    pub payment_status: String,
    pub payment_reference: Option<String>,
    pub payment_client_secret: Option<String>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub refunded_minor: i64,
    pub ship_full_name: String,
    pub ship_line1: String,
    pub ship_line2: Option<String>,
    pub ship_city: String,
    pub ship_region_id: i64,
    pub ship_postal_code: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The secret `orderLookup` needs with the number and email (in the confirmation email).
    pub lookup_key: String,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::PendingPayment)
    }
    pub fn payment_method(&self) -> PaymentMethod {
        PaymentMethod::parse(&self.payment_method).unwrap_or(PaymentMethod::CashOnDelivery)
    }
    pub fn payment_status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.payment_status).unwrap_or(PaymentStatus::Pending)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fulfilments)]
pub struct FulfilmentRow {
    pub id: i64,
    pub order_id: i64,
    pub cooperative_id: i64,
    pub status: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub commission_rate_bps: i32,
    pub commission_minor: i64,
    pub net_minor: i64,
    pub refunded_minor: i64,
    pub cash_collected: bool,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl FulfilmentRow {
    pub fn status(&self) -> FulfilmentStatus {
        FulfilmentStatus::parse(&self.status).unwrap_or(FulfilmentStatus::Pending)
    }
    pub fn gross_minor(&self) -> i64 {
        self.subtotal_minor + self.shipping_minor
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = fulfilments)]
pub struct NewFulfilment {
    pub order_id: i64,
    pub cooperative_id: i64,
    pub status: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub commission_rate_bps: i32,
    pub commission_minor: i64,
    pub net_minor: i64,
    pub refunded_minor: i64,
    pub cash_collected: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_lines)]
pub struct OrderLineRow {
    pub id: i64,
    pub order_id: i64,
    pub fulfilment_id: i64,
    pub variant_id: i64,
    pub product_id: i64,
    pub cooperative_id: i64,
    pub product_name: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub line_total_minor: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = order_lines)]
pub struct NewOrderLine {
    pub order_id: i64,
    pub fulfilment_id: i64,
    pub variant_id: i64,
    pub product_id: i64,
    pub cooperative_id: i64,
    pub product_name: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub line_total_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_events)]
pub struct OrderEventRow {
    pub id: i64,
    pub order_id: i64,
    pub fulfilment_id: Option<i64>,
    pub actor_account_id: Option<i64>,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = order_events)]
pub struct NewOrderEvent {
    pub order_id: i64,
    pub fulfilment_id: Option<i64>,
    pub actor_account_id: Option<i64>,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ledger_entries)]
pub struct LedgerEntryRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub order_id: Option<i64>,
    pub fulfilment_id: Option<i64>,
    pub kind: String,
    pub amount_minor: i64,
    pub reference: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = ledger_entries)]
pub struct NewLedgerEntry {
    pub cooperative_id: i64,
    pub order_id: Option<i64>,
    pub fulfilment_id: Option<i64>,
    pub kind: String,
    pub amount_minor: i64,
    pub reference: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refunds)]
pub struct NewRefund {
    pub order_id: i64,
    pub fulfilment_id: Option<i64>,
    pub amount_minor: i64,
    pub provider_reference: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

// ---- inputs ----

#[derive(Debug, Clone, InputObject)]
pub struct CartLineInput {
    pub variant_id: ID,
    pub quantity: i32,
}

#[derive(Debug, Clone, Default, InputObject)]
pub struct CartCreateInput {
    #[graphql(default)]
    pub lines: Vec<CartLineInput>,
}

#[derive(Debug, Clone, InputObject)]
pub struct CartLinesAddInput {
    pub cart_id: ID,
    pub lines: Vec<CartLineInput>,
}

#[derive(Debug, Clone, InputObject)]
pub struct CartLineUpdateInput {
    pub id: ID,
    /// 0 removes the line.
    pub quantity: i32,
}

#[derive(Debug, Clone, InputObject)]
pub struct CartLinesUpdateInput {
    pub cart_id: ID,
    pub lines: Vec<CartLineUpdateInput>,
}

#[derive(Debug, Clone, InputObject)]
pub struct CartLinesRemoveInput {
    pub cart_id: ID,
    pub line_ids: Vec<ID>,
}

#[derive(Debug, Clone, InputObject)]
pub struct AddressInput {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    /// Region code `01`–`12`.
    pub region_code: String,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct CheckoutCompleteInput {
    pub cart_id: ID,
    pub email: String,
    pub phone: String,
    /// Where to deliver; or give `savedAddressId` instead.
    pub shipping_address: Option<AddressInput>,
    /// One of the signed-in buyer's saved addresses, instead of `shippingAddress`.
    pub saved_address_id: Option<ID>,
    pub payment_method: PaymentMethod,
    /// The language of the emails (the request's language by default).
    pub locale: Option<Locale>,
    /// Any unique string per checkout attempt: retrying with it returns the same order.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct FulfilmentUpdateInput {
    pub fulfilment_id: ID,
    pub status: FulfilmentStatus,
    /// Required when shipping.
    pub carrier: Option<String>,
    /// Required when shipping.
    pub tracking_number: Option<String>,
    /// For cash on delivery: the cooperative received the money when delivering.
    pub cash_collected: Option<bool>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct OrderCancelInput {
    pub order_id: ID,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct OrderRefundInput {
    pub order_id: ID,
    /// Refund one cooperative's part only; the whole order when absent.
    pub fulfilment_id: Option<ID>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct PayoutRecordInput {
    pub cooperative_id: ID,
    pub amount: Decimal,
    /// Bank transfer reference.
    pub reference: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct ShippingRateSetInput {
    /// Required for administrators; managers set their own cooperative's rates.
    pub cooperative_id: Option<ID>,
    /// Destination region; absent for the cooperative's default rate.
    pub region_code: Option<String>,
    pub rate: Decimal,
    /// Free shipping when the cooperative's part of the order reaches this amount.
    pub free_above: Option<Decimal>,
}

/// A buyer's saved address (the address book; checkout can start from one).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = saved_addresses)]
pub struct SavedAddressRow {
    pub id: i64,
    pub account_id: i64,
    pub label: Option<String>,
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region_id: i64,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = saved_addresses, treat_none_as_null = true)]
pub struct SavedAddressFields {
    pub label: Option<String>,
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region_id: i64,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct SavedAddressInput {
    /// A name for the buyer ("Home", "الدار"); optional.
    pub label: Option<String>,
    pub address: AddressInput,
    /// A phone for the delivery, prefilled at checkout.
    pub phone: Option<String>,
    /// Make it the default address (the first saved address is the default anyway).
    pub is_default: Option<bool>,
}

#[derive(Debug, Clone, InputObject)]
pub struct SavedAddressUpdateInput {
    pub id: ID,
    /// The address's new fields (they replace the old ones).
    #[graphql(flatten)]
    pub fields: SavedAddressInput,
}
