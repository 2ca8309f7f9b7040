use async_graphql::{Enum, ID, InputObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::schema::{
    cart_lines, carts, fulfilments, ledger_entries, order_events, order_lines, orders, promotion_redemptions,
    promotions, refunds, return_lines, return_requests, saved_addresses, shipping_rates,
};
use crate::kernel::graphql::DateTime;
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
    /// The marketplace's share of a promotion, paid to the cooperative (+); taken back when
    /// the sale is cancelled or refunded (−).
    MarketplaceDiscount,
}
crate::text_enum!(LedgerKind {
    Sale = "SALE",
    Commission = "COMMISSION",
    CashCollected = "CASH_COLLECTED",
    Refund = "REFUND",
    CommissionReversal = "COMMISSION_REVERSAL",
    Cancellation = "CANCELLATION",
    Payout = "PAYOUT",
    MarketplaceDiscount = "MARKETPLACE_DISCOUNT",
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
    /// Taken off the goods by promotions: total = subtotal − discount + shipping.
    pub discount_minor: i64,
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
    /// Taken off this part's goods by promotions.
    pub discount_minor: i64,
    /// The share of `discount_minor` the marketplace pays (credited to the cooperative).
    pub marketplace_discount_minor: i64,
    /// When it was delivered: the return window counts from here.
    pub delivered_at: Option<NaiveDateTime>,
}

impl FulfilmentRow {
    pub fn status(&self) -> FulfilmentStatus {
        FulfilmentStatus::parse(&self.status).unwrap_or(FulfilmentStatus::Pending)
    }
    /// What the buyer pays for this part: its goods less their discounts, and its shipping.
    pub fn gross_minor(&self) -> i64 {
        self.subtotal_minor - self.discount_minor + self.shipping_minor
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
    pub discount_minor: i64,
    pub marketplace_discount_minor: i64,
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
    /// The line's share of the order's discounts.
    pub discount_minor: i64,
    /// The marketplace-funded part of `discount_minor`.
    pub marketplace_discount_minor: i64,
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
    /// The line's share of the order's discounts.
    pub discount_minor: i64,
    /// The marketplace-funded part of `discount_minor`.
    pub marketplace_discount_minor: i64,
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

// ---- promotions ----

/// How a promotion takes money off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DiscountKind {
    /// A share of the goods it covers (`value` "15" is 15 %).
    Percentage,
    /// An amount in dirhams off the goods it covers, at most their price.
    FixedAmount,
}
crate::text_enum!(DiscountKind { Percentage = "PERCENTAGE", FixedAmount = "FIXED_AMOUNT" });

/// Which goods of a cart a promotion covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DiscountScope {
    /// Every line (of its cooperative's goods, when it has one).
    Cart,
    /// One cooperative's goods.
    Cooperative,
    /// A category's goods and its descendants'.
    Category,
    /// The products listed.
    Products,
}
crate::text_enum!(DiscountScope {
    Cart = "CART",
    Cooperative = "COOPERATIVE",
    Category = "CATEGORY",
    Products = "PRODUCTS",
});

/// Who pays for a discount: it changes the cooperative's ledger and the commission base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DiscountFunding {
    /// The marketplace: the cooperative is credited the discount and pays commission on the
    /// full price, as if there were none.
    Marketplace,
    /// The cooperative: it sells for less, and pays commission on what the buyer paid.
    Cooperative,
}
crate::text_enum!(DiscountFunding { Marketplace = "MARKETPLACE", Cooperative = "COOPERATIVE" });

/// Why a discount code does not apply to a cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DiscountRejection {
    /// No promotion has this code.
    NotFound,
    /// It has not started, it ended, or it was turned off.
    Expired,
    /// Nothing in the cart is covered, or the covered goods are below its minimum.
    NotApplicable,
    /// It was used as often as it may be, in all or by this buyer.
    LimitReached,
}
crate::text_enum!(DiscountRejection {
    NotFound = "NOT_FOUND",
    Expired = "EXPIRED",
    NotApplicable = "NOT_APPLICABLE",
    LimitReached = "LIMIT_REACHED",
});

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = promotions)]
pub struct PromotionRow {
    pub id: i64,
    /// Upper-case; none for an automatic promotion.
    pub code: Option<String>,
    pub title: String,
    pub kind: String,
    /// Basis points (PERCENTAGE) or minor units (FIXED_AMOUNT).
    pub value: i64,
    pub scope: String,
    pub cooperative_id: Option<i64>,
    pub category_id: Option<i64>,
    pub min_subtotal_minor: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub used_count: i64,
    pub funded_by: String,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PromotionRow {
    pub fn kind(&self) -> DiscountKind {
        DiscountKind::parse(&self.kind).unwrap_or(DiscountKind::FixedAmount)
    }
    pub fn scope(&self) -> DiscountScope {
        DiscountScope::parse(&self.scope).unwrap_or(DiscountScope::Products)
    }
    pub fn funded_by(&self) -> DiscountFunding {
        DiscountFunding::parse(&self.funded_by).unwrap_or(DiscountFunding::Marketplace)
    }
    /// Live at `at`: turned on, started and not ended.
    pub fn is_live(&self, at: NaiveDateTime) -> bool {
        self.active && self.starts_at <= at && self.ends_at.is_none_or(|end| at < end)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = promotions)]
pub struct NewPromotion {
    pub code: Option<String>,
    pub title: String,
    pub kind: String,
    pub value: i64,
    pub scope: String,
    pub cooperative_id: Option<i64>,
    pub category_id: Option<i64>,
    pub min_subtotal_minor: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub funded_by: String,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A promotion's changeable fields, written whole.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = promotions, treat_none_as_null = true)]
pub struct PromotionChange {
    pub title: String,
    pub ends_at: Option<NaiveDateTime>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub active: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = promotion_redemptions)]
pub struct RedemptionRow {
    pub id: i64,
    pub promotion_id: i64,
    pub order_id: i64,
    pub customer_key: String,
    pub amount_minor: i64,
    pub created_at: NaiveDateTime,
}

#[derive(InputObject)]
pub struct PromotionCreateInput {
    /// Shown to buyers in the cart and on the order (1 to 100 characters).
    pub title: String,
    /// What buyers type (3 to 32 of A-Z, 0-9, '-', '_'; case does not matter). Leave it out
    /// for an automatic promotion, which applies to every cart it covers.
    pub code: Option<String>,
    pub kind: DiscountKind,
    /// A percentage ("15", "12.5") or an amount in dirhams ("50.00").
    pub value: Decimal,
    pub scope: DiscountScope,
    /// The one cooperative whose goods it covers: required for COOPERATIVE scope and when the
    /// cooperative funds it; managers may only give their own (the default for them).
    pub cooperative_id: Option<ID>,
    /// For CATEGORY scope.
    pub category_id: Option<ID>,
    /// For PRODUCTS scope: 1 to 100 products.
    pub product_ids: Option<Vec<ID>>,
    /// The covered goods must come to at least this much (dirhams).
    pub minimum_subtotal: Option<Decimal>,
    /// Default: now.
    pub starts_at: Option<DateTime>,
    pub ends_at: Option<DateTime>,
    /// Orders that may use it, in all.
    pub usage_limit: Option<i64>,
    /// Orders each buyer may use it on (an account, or a guest's email).
    pub per_customer_limit: Option<i64>,
    /// Default: MARKETPLACE for administrators; managers' promotions are always COOPERATIVE.
    pub funded_by: Option<DiscountFunding>,
}

#[derive(InputObject)]
pub struct PromotionUpdateInput {
    pub promotion_id: ID,
    pub title: Option<String>,
    /// Turn it off (codes in carts stop applying) or on again.
    pub active: Option<bool>,
    pub ends_at: async_graphql::MaybeUndefined<DateTime>,
    pub usage_limit: async_graphql::MaybeUndefined<i64>,
    pub per_customer_limit: async_graphql::MaybeUndefined<i64>,
}

#[derive(InputObject)]
pub struct CartDiscountCodesUpdateInput {
    pub cart_id: ID,
    /// Every code the cart should hold (an empty list removes them all); at most 5.
    pub discount_codes: Vec<String>,
}

// ---- returns ----

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReturnStatus {
    /// The buyer asked; the cooperative has not answered.
    Requested,
    /// The cooperative accepts: the buyer sends the goods back.
    Approved,
    /// The cooperative refuses, with a note saying why.
    Refused,
    /// The goods came back and were refunded.
    Refunded,
}
crate::text_enum!(ReturnStatus {
    Requested = "REQUESTED",
    Approved = "APPROVED",
    Refused = "REFUSED",
    Refunded = "REFUNDED",
});

/// Why the buyer returns goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReturnReason {
    /// Broken or spoiled on arrival.
    Damaged,
    /// Not what was ordered.
    WrongItem,
    /// Not as the product page described it.
    NotAsDescribed,
    /// The buyer no longer wants it.
    ChangedMind,
    Other,
}
crate::text_enum!(ReturnReason {
    Damaged = "DAMAGED",
    WrongItem = "WRONG_ITEM",
    NotAsDescribed = "NOT_AS_DESCRIBED",
    ChangedMind = "CHANGED_MIND",
    Other = "OTHER",
});

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = return_requests)]
pub struct ReturnRow {
    pub id: i64,
    pub order_id: i64,
    pub fulfilment_id: i64,
    pub cooperative_id: i64,
    pub requested_by: i64,
    pub status: String,
    pub reason: String,
    pub comment: Option<String>,
    pub decision_note: Option<String>,
    pub decided_by: Option<i64>,
    pub refund_minor: i64,
    pub refund_reference: Option<String>,
    pub restocked: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
}

impl ReturnRow {
    pub fn status(&self) -> ReturnStatus {
        ReturnStatus::parse(&self.status).unwrap_or(ReturnStatus::Requested)
    }
    pub fn reason(&self) -> ReturnReason {
        ReturnReason::parse(&self.reason).unwrap_or(ReturnReason::Other)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = return_requests)]
pub struct NewReturn {
    pub order_id: i64,
    pub fulfilment_id: i64,
    pub cooperative_id: i64,
    pub requested_by: i64,
    pub status: String,
    pub reason: String,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a decision or a refund changes on a return (unset fields stay as they are).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = return_requests)]
pub struct ReturnDecision {
    pub status: String,
    pub decision_note: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub refund_minor: Option<i64>,
    pub refund_reference: Option<String>,
    pub restocked: Option<bool>,
    pub refunded_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = return_lines)]
pub struct ReturnLineRow {
    pub return_id: i64,
    pub order_line_id: i64,
    pub quantity: i64,
    pub refund_minor: i64,
}

#[derive(InputObject)]
pub struct ReturnLineInput {
    pub order_line_id: ID,
    pub quantity: i64,
}

#[derive(InputObject)]
pub struct ReturnRequestCreateInput {
    /// A delivered fulfilment of one of the buyer's orders.
    pub fulfilment_id: ID,
    /// Which lines of it, and how many of each.
    pub lines: Vec<ReturnLineInput>,
    pub reason: ReturnReason,
    /// At most 1000 characters.
    pub comment: Option<String>,
}

#[derive(InputObject)]
pub struct ReturnRequestDecisionInput {
    pub return_request_id: ID,
    /// Shown to the buyer; required to refuse (at most 1000 characters).
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct ReturnRequestReceiveInput {
    pub return_request_id: ID,
    /// Put the returned units back into stock (goods fit to sell again).
    pub restock: bool,
}
