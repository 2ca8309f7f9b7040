//! GraphQL for carts, checkout, orders, fulfilments and cooperatives' money.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::loaders::*;
use super::model::*;
use super::service::{self, CartView, CartWarningCode, CommerceSettings};
use crate::catalog::graphql::{Cooperative, Product, Variant, visible_product};
use crate::catalog::loaders::{CatalogLoader, ProductKey, VariantKey};
use crate::kernel::error::{AppError, ErrorCode, UserError};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::{Conn, Key, PageArgs, connection_from_vec};
use crate::kernel::graphql::{DateTime, ids, loader_error, or_unchanged, payload, run_mutation};
use crate::kernel::i18n::Locale;
use crate::kernel::money::Money;
use crate::msg;
use crate::payments::{PaymentMethod, Payments};
use crate::registry::graphql::Region;
use crate::registry::loaders::{CooperativeKey, RegionKey, RegistryLoader};

fn orders_loader<'a>(ctx: &'a Context<'_>) -> &'a DataLoader<OrdersLoader> {
    ctx.data_unchecked::<DataLoader<OrdersLoader>>()
}

pub fn settings<'a>(ctx: &'a Context<'_>) -> &'a CommerceSettings {
    ctx.data_unchecked::<CommerceSettings>()
}

// ---- cart ----

pub struct Cart(pub CartView);

#[derive(SimpleObject)]
pub struct CooperativeCost {
    pub cooperative: Cooperative,
    pub subtotal: Money,
    /// Promotions' discounts on this cooperative's goods.
    pub discount: Money,
    pub shipping: Money,
}

pub struct CartCostObject {
    cost: service::CartCost,
}

#[Object(name = "CartCost")]
impl CartCostObject {
    async fn subtotal(&self) -> Money {
        Money::mad(self.cost.subtotal_minor)
    }
    /// Taken off by promotions (see `Cart.discounts`).
    async fn discount(&self) -> Money {
        Money::mad(self.cost.discount_minor)
    }
    async fn shipping(&self) -> Money {
        Money::mad(self.cost.shipping_minor)
    }
    /// subtotal − discount + shipping: what checkout charges.
    async fn total(&self) -> Money {
        Money::mad(self.cost.total_minor)
    }
    /// One part per cooperative: each ships its own goods.
    async fn cooperatives(&self, ctx: &Context<'_>) -> Result<Vec<CooperativeCost>> {
        let mut out = Vec::new();
        for part in &self.cost.parts {
            let Some(row) = ctx
                .loader::<RegistryLoader>()
                .load_one(CooperativeKey(part.cooperative_id))
                .await
                .map_err(loader_error)?
            else {
                continue;
            };
            out.push(CooperativeCost {
                cooperative: Cooperative(row),
                subtotal: Money::mad(part.subtotal_minor),
                discount: Money::mad(part.discount_minor),
                shipping: Money::mad(part.shipping_minor),
            });
        }
        Ok(out)
    }
}

#[derive(SimpleObject)]
pub struct CartWarningObject {
    pub code: CartWarningCode,
    pub line_id: ID,
    pub message: String,
}

/// A cart line and its share of the cart's discounts.
pub struct CartLine(pub service::PricedLine, pub i64);

#[Object]
impl CartLine {
    pub async fn id(&self) -> ID {
        ids::encode("CartLine", self.0.line.id)
    }
    async fn quantity(&self) -> i64 {
        self.0.line.quantity
    }
    async fn variant(&self) -> Option<Variant> {
        self.0.sellable.as_ref().map(|s| Variant(s.variant.clone()))
    }
    /// The current unit price (checkout charges this one).
    async fn unit_price(&self) -> Money {
        Money::mad(self.0.unit_price_minor)
    }
    /// The unit price when the line was added.
    async fn added_at_price(&self) -> Money {
        Money::mad(self.0.line.unit_price_minor)
    }
    async fn total(&self) -> Money {
        Money::mad(self.0.total_minor)
    }
    /// The line's share of the cart's discounts.
    async fn discount(&self) -> Money {
        Money::mad(self.1)
    }
}

/// A promotion applied to a cart or an order.
#[derive(SimpleObject)]
pub struct AppliedDiscount {
    pub title: String,
    /// Null for an automatic promotion.
    pub code: Option<String>,
    pub amount: Money,
}

/// A code entered on a cart and whether it applies now.
#[derive(SimpleObject)]
pub struct CartDiscountCode {
    pub code: String,
    pub applicable: bool,
    /// Why it does not apply (null when it does).
    pub rejection: Option<DiscountRejection>,
    pub message: Option<String>,
}

#[Object]
impl Cart {
    /// The cart's unguessable id: whoever holds it can use a guest cart.
    pub async fn id(&self) -> ID {
        ids::encode_text("Cart", &self.0.cart.token)
    }
    /// The lines, in the order they were added.
    async fn lines(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<CartLine>> {
        let args = ctx.page_args(after, before, first, last)?;
        let shares = &self.0.discounts.per_line;
        let lines = self
            .0
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| CartLine(l.clone(), shares.get(i).copied().unwrap_or(0)))
            .collect();
        Ok(connection_from_vec(args, lines, |l| Key::id(l.0.line.id))?)
    }
    async fn total_quantity(&self) -> i64 {
        self.0.lines.iter().map(|l| l.line.quantity).sum()
    }
    /// Totals computed on the server; shipping depends on the destination region when given.
    async fn cost(&self, ctx: &Context<'_>, region_code: Option<String>) -> Result<CartCostObject> {
        let region_id = match region_code {
            Some(code) => {
                let region = ctx.db().run(move |conn| crate::registry::service::region_by_code(conn, &code)).await?;
                Some(
                    region
                        .ok_or_else(|| {
                            AppError::user(ErrorCode::RegionNotFound, &["regionCode"], msg!("unknown region code"))
                        })?
                        .id,
                )
            }
            None => None,
        };
        Ok(CartCostObject { cost: self.0.cost(region_id) })
    }
    /// What changed since lines were added: prices, stock, availability.
    async fn warnings(&self, ctx: &Context<'_>) -> Vec<CartWarningObject> {
        self.0
            .warnings
            .iter()
            .map(|w| CartWarningObject {
                code: w.code,
                line_id: ids::encode("CartLine", w.line_id),
                message: ctx.translate(&w.message),
            })
            .collect()
    }
    /// The promotions taking money off this cart: automatic ones first, then codes.
    async fn discounts(&self) -> Vec<AppliedDiscount> {
        self.0
            .discounts
            .applied
            .iter()
            .map(|a| AppliedDiscount {
                title: a.promotion.title.clone(),
                code: a.promotion.code.clone(),
                amount: Money::mad(a.amount_minor),
            })
            .collect()
    }
    /// The codes entered, in order, each with whether it applies (a code stops applying when
    /// it ends or the cart changes; checkout then refuses until it is removed).
    async fn discount_codes(&self, ctx: &Context<'_>) -> Vec<CartDiscountCode> {
        self.0
            .discounts
            .codes
            .iter()
            .map(|c| CartDiscountCode {
                code: c.code.clone(),
                applicable: c.rejection.is_none(),
                rejection: c.rejection,
                message: c.rejection.map(|r| {
                    ctx.translate(&crate::orders::promotions::rejection_error(r, Vec::new(), &c.code).message)
                }),
            })
            .collect()
    }
    async fn checked_out(&self) -> bool {
        self.0.cart.completed_at.is_some()
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.cart.updated_at)
    }
}

// ---- orders ----

pub struct Order(pub OrderRow);

#[derive(SimpleObject)]
pub struct ShippingAddress {
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<Region>,
    pub postal_code: Option<String>,
}

async fn address(ctx: &Context<'_>, o: &OrderRow) -> Result<ShippingAddress> {
    let region = ctx.loader::<RegistryLoader>().load_one(RegionKey(o.ship_region_id)).await.map_err(loader_error)?;
    Ok(ShippingAddress {
        full_name: o.ship_full_name.clone(),
        line1: o.ship_line1.clone(),
        line2: o.ship_line2.clone(),
        city: o.ship_city.clone(),
        region: region.map(Region),
        postal_code: o.ship_postal_code.clone(),
    })
}

/// An account's saved addresses, the default first: for the account itself only (empty for
/// anyone else), read once per request however many fields ask.
pub async fn own_addresses(ctx: &Context<'_>, account_id: i64) -> Result<Vec<SavedAddress>> {
    if ctx.viewer().map(|v| v.account_id) != Some(account_id) {
        return Ok(Vec::new());
    }
    let rows = orders_loader(ctx).load_one(AddressesOf(account_id)).await.map_err(loader_error)?;
    Ok(rows.unwrap_or_default().into_iter().map(SavedAddress).collect())
}

/// One of a buyer's saved addresses (only its owner sees it).
pub struct SavedAddress(pub SavedAddressRow);

#[Object]
impl SavedAddress {
    pub async fn id(&self) -> ID {
        ids::encode("SavedAddress", self.0.id)
    }
    /// The buyer's name for it ("Home", "الدار").
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn line1(&self) -> &str {
        &self.0.line1
    }
    async fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }
    async fn city(&self) -> &str {
        &self.0.city
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(RegionKey(self.0.region_id))
            .await
            .map_err(loader_error)?
            .map(Region))
    }
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Checkout starts from the default address.
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

pub struct OrderLine(pub OrderLineRow);

#[Object]
impl OrderLine {
    pub async fn id(&self) -> ID {
        ids::encode("OrderLine", self.0.id)
    }
    /// The name when ordered, in the buyer's language.
    async fn product_name(&self) -> &str {
        &self.0.product_name
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn unit_price(&self) -> Money {
        Money::mad(self.0.unit_price_minor)
    }
    async fn total(&self) -> Money {
        Money::mad(self.0.line_total_minor)
    }
    /// The line's share of the order's discounts.
    async fn discount(&self) -> Money {
        Money::mad(self.0.discount_minor)
    }
    /// The variant ordered, as it is now, while its product is one the viewer may see (null
    /// once it is archived): order history links back to the product page.
    async fn variant(&self, ctx: &Context<'_>) -> Result<Option<Variant>> {
        let loader = ctx.loader::<CatalogLoader>();
        let Some(variant) = loader.load_one(VariantKey(self.0.variant_id)).await.map_err(loader_error)? else {
            return Ok(None);
        };
        let product = loader.load_one(ProductKey(variant.product_id)).await.map_err(loader_error)?;
        Ok(visible_product(ctx, product).await?.map(|_| Variant(variant)))
    }
    /// The product ordered, while the viewer may see it.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let row = ctx.loader::<CatalogLoader>().load_one(ProductKey(self.0.product_id)).await.map_err(loader_error)?;
        visible_product(ctx, row).await
    }
    /// The product's first image (as it is now), for order history; null once the product is
    /// not visible.
    async fn image(&self, ctx: &Context<'_>) -> Result<Option<crate::catalog::graphql::Media>> {
        let loader = ctx.loader::<CatalogLoader>();
        let row = loader.load_one(ProductKey(self.0.product_id)).await.map_err(loader_error)?;
        if visible_product(ctx, row).await?.is_none() {
            return Ok(None);
        }
        let media = loader.load_one(crate::catalog::loaders::MediaOf(self.0.product_id)).await.map_err(loader_error)?;
        Ok(media.and_then(|m| m.into_iter().next()).map(crate::catalog::graphql::Media))
    }
}

#[derive(SimpleObject)]
pub struct OrderEvent {
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: Option<String>,
    pub fulfilment_id: Option<ID>,
    pub at: DateTime,
}

#[Object]
impl Order {
    pub async fn id(&self) -> ID {
        ids::encode("Order", self.0.id)
    }
    /// Human-readable, e.g. TW-0000042.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The secret that, with the number and the email, finds this order through
    /// `orderLookup` (sent in the confirmation email; seen by whoever may see the order).
    async fn lookup_key(&self) -> &str {
        &self.0.lookup_key
    }
    async fn status(&self) -> OrderStatus {
        self.0.status()
    }
    async fn payment_method(&self) -> PaymentMethod {
        self.0.payment_method()
    }
    async fn payment_status(&self) -> PaymentStatus {
        self.0.payment_status()
    }
    /// For card payments: what the storefront passes to Stripe.js to let the buyer pay
    /// (again, after a failure).
    async fn payment_client_secret(&self) -> Option<&str> {
        if self.0.payment_status() == PaymentStatus::Paid { None } else { self.0.payment_client_secret.as_deref() }
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    async fn locale(&self) -> Option<Locale> {
        Locale::parse(&self.0.locale)
    }
    async fn shipping_address(&self, ctx: &Context<'_>) -> Result<ShippingAddress> {
        address(ctx, &self.0).await
    }
    async fn subtotal(&self) -> Money {
        Money::mad(self.0.subtotal_minor)
    }
    /// Taken off the goods by promotions.
    async fn discount(&self) -> Money {
        Money::mad(self.0.discount_minor)
    }
    async fn shipping(&self) -> Money {
        Money::mad(self.0.shipping_minor)
    }
    async fn total(&self) -> Money {
        Money::mad(self.0.total_minor)
    }
    /// The promotions the order used.
    async fn discounts(&self, ctx: &Context<'_>) -> Result<Vec<AppliedDiscount>> {
        let id = self.0.id;
        let used = ctx.db().run(move |conn| crate::orders::promotions::order_discounts(conn, id)).await?;
        Ok(used
            .into_iter()
            .map(|(p, amount)| AppliedDiscount { title: p.title, code: p.code, amount: Money::mad(amount) })
            .collect())
    }
    async fn refunded(&self) -> Money {
        Money::mad(self.0.refunded_minor)
    }
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>> {
        let rows = orders_loader(ctx).load_one(LinesOfOrder(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.unwrap_or_default().into_iter().map(OrderLine).collect())
    }
    /// One per cooperative.
    async fn fulfilments(&self, ctx: &Context<'_>) -> Result<Vec<Fulfilment>> {
        let rows = orders_loader(ctx).load_one(FulfilmentsOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.unwrap_or_default().into_iter().map(Fulfilment).collect())
    }
    /// Every transition: who, when, from, to.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEvent>> {
        let rows = orders_loader(ctx).load_one(EventsOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|e| OrderEvent {
                actor: e.actor,
                from_status: e.from_status,
                to_status: e.to_status,
                note: e.note,
                fulfilment_id: e.fulfilment_id.map(|id| ids::encode("Fulfilment", id)),
                at: DateTime(e.created_at),
            })
            .collect())
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

pub struct Fulfilment(pub FulfilmentRow);

#[Object]
impl Fulfilment {
    pub async fn id(&self) -> ID {
        ids::encode("Fulfilment", self.0.id)
    }
    async fn status(&self) -> FulfilmentStatus {
        self.0.status()
    }
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(CooperativeKey(self.0.cooperative_id))
            .await
            .map_err(loader_error)?
            .map(Cooperative))
    }
    async fn order_number(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(orders_loader(ctx).load_one(OrderKey(self.0.order_id)).await.map_err(loader_error)?.map(|o| o.number))
    }
    /// Where to deliver, and who to call: for the cooperative that ships it.
    async fn shipping_address(&self, ctx: &Context<'_>) -> Result<Option<ShippingAddress>> {
        let Some(order) = orders_loader(ctx).load_one(OrderKey(self.0.order_id)).await.map_err(loader_error)? else {
            return Ok(None);
        };
        Ok(Some(address(ctx, &order).await?))
    }
    async fn buyer_phone(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(orders_loader(ctx).load_one(OrderKey(self.0.order_id)).await.map_err(loader_error)?.map(|o| o.phone))
    }
    /// Whether the buyer has verified their email address (now, not when ordering). False for
    /// guest checkouts and for accounts that have not opened the verification link yet: such
    /// buyers may order, and a cooperative may want to call before shipping.
    async fn buyer_email_verified(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(order) = orders_loader(ctx).load_one(OrderKey(self.0.order_id)).await.map_err(loader_error)? else {
            return Ok(false);
        };
        let Some(account_id) = order.account_id else { return Ok(false) };
        Ok(orders_loader(ctx).load_one(BuyerVerified(account_id)).await.map_err(loader_error)?.unwrap_or(false))
    }
    async fn payment_method(&self, ctx: &Context<'_>) -> Result<Option<PaymentMethod>> {
        Ok(orders_loader(ctx)
            .load_one(OrderKey(self.0.order_id))
            .await
            .map_err(loader_error)?
            .map(|o| o.payment_method()))
    }
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>> {
        let rows = orders_loader(ctx).load_one(LinesOfFulfilment(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.unwrap_or_default().into_iter().map(OrderLine).collect())
    }
    async fn subtotal(&self) -> Money {
        Money::mad(self.0.subtotal_minor)
    }
    async fn shipping(&self) -> Money {
        Money::mad(self.0.shipping_minor)
    }
    async fn commission(&self) -> Money {
        Money::mad(self.0.commission_minor)
    }
    /// Promotions' discounts on this part's goods: the buyer paid subtotal − discount + shipping.
    async fn discount(&self) -> Money {
        Money::mad(self.0.discount_minor)
    }
    /// The share of `discount` the marketplace funds: credited to the cooperative, and kept
    /// out of the commission base's reduction.
    async fn marketplace_discount(&self) -> Money {
        Money::mad(self.0.marketplace_discount_minor)
    }
    /// Return requests for this part, oldest first (its buyer, cooperative and staff see them).
    async fn return_requests(&self, ctx: &Context<'_>) -> Result<Vec<ReturnRequest>> {
        let (viewer, id) = (ctx.viewer().cloned(), self.0.id);
        let rows =
            ctx.db().run(move |conn| crate::orders::returns::returns_of_fulfilment(conn, viewer.as_ref(), id)).await?;
        Ok(rows.into_iter().map(ReturnRequest).collect())
    }
    /// When it was delivered: the return window counts from here.
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(DateTime)
    }
    /// What the cooperative earns: what the buyer paid for this part, plus the marketplace's
    /// share of the discounts, less the commission.
    async fn net(&self) -> Money {
        Money::mad(self.0.net_minor)
    }
    async fn commission_rate_bps(&self) -> i32 {
        self.0.commission_rate_bps
    }
    async fn cash_collected(&self) -> bool {
        self.0.cash_collected
    }
    /// What was given back to the buyer for this part.
    async fn refunded(&self) -> Money {
        Money::mad(self.0.refunded_minor)
    }
    async fn carrier(&self) -> Option<&str> {
        self.0.carrier.as_deref()
    }
    async fn tracking_number(&self) -> Option<&str> {
        self.0.tracking_number.as_deref()
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(SimpleObject)]
pub struct CooperativeBalance {
    pub sales: Money,
    pub commission: Money,
    /// Cash the cooperative collected itself on delivery.
    pub cash_collected: Money,
    pub refunds: Money,
    pub paid_out: Money,
    /// What the marketplace owes the cooperative now (negative: what the cooperative owes).
    pub balance: Money,
}

fn balance_object(b: service::Balance) -> CooperativeBalance {
    CooperativeBalance {
        sales: Money::mad(b.sales_minor),
        commission: Money::mad(b.commission_minor),
        cash_collected: Money::mad(b.cash_collected_minor),
        refunds: Money::mad(b.refunds_minor),
        paid_out: Money::mad(b.paid_out_minor),
        balance: Money::mad(b.balance_minor),
    }
}

#[derive(SimpleObject)]
pub struct LedgerEntry {
    pub kind: LedgerKind,
    pub amount: Money,
    pub order_id: Option<ID>,
    pub reference: Option<String>,
    pub at: DateTime,
}

/// Loads a cart for the viewer and prices it.
/// An order by global id, when the viewer may see it.
pub async fn order_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Order>> {
    let Some(raw) = ids::decode(id, "Order") else { return Ok(None) };
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |c| service::visible_order(c, viewer.as_ref(), raw)).await?.map(Order))
}

/// A fulfilment by global id, when the viewer may see it.
pub async fn fulfilment_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Fulfilment>> {
    let Some(raw) = ids::decode(id, "Fulfilment") else { return Ok(None) };
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |c| service::visible_fulfilment(c, viewer.as_ref(), raw)).await?.map(Fulfilment))
}

pub async fn cart_for(ctx: &Context<'_>, token: String) -> Result<Option<Cart>> {
    let viewer = ctx.viewer().cloned();
    let settings = settings(ctx).clone();
    let view = ctx
        .db()
        .run(move |conn| match service::load_cart(conn, viewer.as_ref(), &token, &["id"]) {
            Ok(cart) => service::cart_view(conn, cart, &settings).map(Some),
            Err(e) if e.code() == ErrorCode::CartNotFound => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    Ok(view.map(Cart))
}

/// The customer's open cart.
pub async fn account_cart(ctx: &Context<'_>, account_id: i64) -> Result<Option<Cart>> {
    let token = ctx.db().run(move |conn| service::open_cart_token(conn, account_id)).await?;
    match token {
        Some(t) => cart_for(ctx, t).await,
        None => Ok(None),
    }
}

/// A customer's orders, newest first.
pub async fn account_orders(
    ctx: &Context<'_>,
    account_id: i64,
    status: Option<OrderStatus>,
    args: PageArgs,
) -> Result<Conn<Order>> {
    let want_total = ctx.wants_total();
    let page = ctx.db().run(move |conn| service::list_orders(conn, Some(account_id), status, args, want_total)).await?;
    Ok(page.into_connection(Order))
}

// ---- returns ----

/// A buyer's request to return delivered goods, and what became of it.
pub struct ReturnRequest(pub ReturnRow);

/// One returned line: how many units, and what they refunded (once refunded).
pub struct ReturnLine(pub ReturnLineRow, pub OrderLineRow);

#[Object]
impl ReturnLine {
    async fn order_line(&self) -> OrderLine {
        OrderLine(self.1.clone())
    }
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn refund(&self) -> Money {
        Money::mad(self.0.refund_minor)
    }
}

#[Object]
impl ReturnRequest {
    pub async fn id(&self) -> ID {
        ids::encode("ReturnRequest", self.0.id)
    }
    async fn status(&self) -> ReturnStatus {
        self.0.status()
    }
    async fn reason(&self) -> ReturnReason {
        self.0.reason()
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// The cooperative's note when it answered (why it refused, how to send the goods).
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    async fn fulfilment_id(&self) -> ID {
        ids::encode("Fulfilment", self.0.fulfilment_id)
    }
    async fn order_id(&self) -> ID {
        ids::encode("Order", self.0.order_id)
    }
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<ReturnLine>> {
        let r = self.0.clone();
        let lines = ctx.db().run(move |conn| crate::orders::returns::lines_of(conn, &r)).await?;
        Ok(lines.into_iter().map(|(l, o)| ReturnLine(l, o)).collect())
    }
    /// What was refunded (zero until the goods are received).
    async fn refund(&self) -> Money {
        Money::mad(self.0.refund_minor)
    }
    /// Whether the returned units went back into stock.
    async fn restocked(&self) -> bool {
        self.0.restocked
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }
    async fn refunded_at(&self) -> Option<DateTime> {
        self.0.refunded_at.map(DateTime)
    }
}

pub async fn return_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ReturnRequest>> {
    let viewer = ctx.viewer().cloned();
    let row = ctx.db().run(move |conn| crate::orders::returns::visible_return(conn, viewer.as_ref(), id)).await?;
    Ok(row.map(ReturnRequest))
}

crate::mutation_payload!(ReturnRequestPayload, return_request: ReturnRequest);

// ---- promotions ----

/// A discount code or an automatic promotion (administrators see all, managers their
/// cooperative's).
pub struct Promotion(pub PromotionRow);

#[Object]
impl Promotion {
    pub async fn id(&self) -> ID {
        ids::encode("Promotion", self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What buyers type; null for an automatic promotion.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    async fn kind(&self) -> DiscountKind {
        self.0.kind()
    }
    /// The percentage ("15.00") or the amount in dirhams ("50.00").
    async fn value(&self) -> crate::kernel::money::Decimal {
        crate::kernel::money::Decimal(crate::kernel::money::format_minor(self.0.value, 2))
    }
    async fn scope(&self) -> DiscountScope {
        self.0.scope()
    }
    /// The only cooperative whose goods it covers (null: every cooperative's).
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        let Some(id) = self.0.cooperative_id else { return Ok(None) };
        Ok(ctx.loader::<RegistryLoader>().load_one(CooperativeKey(id)).await.map_err(loader_error)?.map(Cooperative))
    }
    async fn category_id(&self) -> Option<ID> {
        self.0.category_id.map(|id| ids::encode("Category", id))
    }
    async fn product_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        let id = self.0.id;
        let listed = ctx.db().run(move |conn| crate::orders::promotions::product_ids(conn, id)).await?;
        Ok(listed.into_iter().map(|p| ids::encode("Product", p)).collect())
    }
    async fn minimum_subtotal(&self) -> Option<Money> {
        self.0.min_subtotal_minor.map(Money::mad)
    }
    async fn starts_at(&self) -> DateTime {
        DateTime(self.0.starts_at)
    }
    async fn ends_at(&self) -> Option<DateTime> {
        self.0.ends_at.map(DateTime)
    }
    async fn usage_limit(&self) -> Option<i64> {
        self.0.usage_limit
    }
    async fn per_customer_limit(&self) -> Option<i64> {
        self.0.per_customer_limit
    }
    /// Orders that used it (a cancelled order gives its use back).
    async fn used_count(&self) -> i64 {
        self.0.used_count
    }
    async fn funded_by(&self) -> DiscountFunding {
        self.0.funded_by()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

pub async fn promotion_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Promotion>> {
    let viewer = ctx.viewer().cloned();
    let row = ctx.db().run(move |conn| crate::orders::promotions::visible_promotion(conn, viewer.as_ref(), id)).await?;
    Ok(row.map(Promotion))
}

crate::mutation_payload!(PromotionPayload, promotion: Promotion);

#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// A cart by its id (guest carts) — a customer's cart only for that customer.
    async fn cart(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Cart>> {
        cart_for(ctx, id.0).await
    }

    /// An order the caller may see: their own, or any for staff.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let viewer = ctx.viewer().cloned();
        let found = ctx
            .db()
            .run(move |conn| match service::find_order_for(conn, viewer.as_ref(), &id, &["id"]) {
                Ok(o) => Ok(Some(o)),
                Err(AppError::Rejected(_)) => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        Ok(found.map(Order))
    }

    /// For guests: an order by its number, the email it was placed with and its lookup key
    /// (from the confirmation email). All three must match; null otherwise.
    async fn order_lookup(
        &self,
        ctx: &Context<'_>,
        number: String,
        email: String,
        key: String,
    ) -> Result<Option<Order>> {
        Ok(ctx.db().run(move |conn| service::lookup_order(conn, &number, &email, &key)).await?.map(Order))
    }

    /// Staff: every order.
    async fn orders(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        status: Option<OrderStatus>,
    ) -> Result<Conn<Order>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page =
            ctx.db().run(move |conn| service::list_all_orders(conn, viewer.as_ref(), status, args, want_total)).await?;
        Ok(page.into_connection(Order))
    }

    /// The fulfilments to handle: a manager's cooperative's, or any for staff.
    #[allow(clippy::too_many_arguments)]
    async fn fulfilments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        status: Option<FulfilmentStatus>,
        cooperative_id: Option<ID>,
    ) -> Result<Conn<Fulfilment>> {
        let args = ctx.page_args(after, before, first, last)?;
        let wanted = cooperative_id
            .map(|id| {
                ids::decode(&id, "Cooperative").ok_or_else(|| {
                    AppError::user(ErrorCode::InvalidId, &["cooperativeId"], msg!("is not a Cooperative id"))
                })
            })
            .transpose()?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| service::list_fulfilments(conn, viewer.as_ref(), wanted, status, args, want_total))
            .await?;
        Ok(page.into_connection(Fulfilment))
    }

    /// Return requests to handle: staff see every one (or one cooperative's), managers their
    /// cooperative's. Newest first.
    #[allow(clippy::too_many_arguments)]
    async fn return_requests(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        status: Option<ReturnStatus>,
        cooperative_id: Option<ID>,
    ) -> Result<Conn<ReturnRequest>> {
        let args = ctx.page_args(after, before, first, last)?;
        let wanted = cooperative_id
            .map(|id| {
                ids::decode(&id, "Cooperative").ok_or_else(|| {
                    AppError::user(ErrorCode::InvalidId, &["cooperativeId"], msg!("is not a Cooperative id"))
                })
            })
            .transpose()?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| {
                crate::orders::returns::list_returns(conn, viewer.as_ref(), wanted, status, args, want_total)
            })
            .await?;
        Ok(page.into_connection(ReturnRequest))
    }

    /// Administrators: every promotion (or one cooperative's); managers: their cooperative's.
    /// Newest first.
    async fn promotions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        cooperative_id: Option<ID>,
    ) -> Result<Conn<Promotion>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| {
                crate::orders::promotions::list_promotions(
                    conn,
                    viewer.as_ref(),
                    cooperative_id.as_ref(),
                    args,
                    want_total,
                )
            })
            .await?;
        Ok(page.into_connection(Promotion))
    }

    /// A cooperative's sales, commission and what it is owed: its managers and staff.
    async fn cooperative_balance(&self, ctx: &Context<'_>, cooperative_id: ID) -> Result<CooperativeBalance> {
        let id = ids::decode(&cooperative_id, "Cooperative")
            .ok_or_else(|| AppError::user(ErrorCode::InvalidId, &["cooperativeId"], msg!("is not a Cooperative id")))?;
        let viewer = ctx.viewer().cloned();
        Ok(balance_object(ctx.db().run(move |conn| service::balance(conn, viewer.as_ref(), id)).await?))
    }

    async fn cooperative_ledger(
        &self,
        ctx: &Context<'_>,
        cooperative_id: ID,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Conn<LedgerEntry>> {
        let args = ctx.page_args(after, None, first, None)?;
        let id = ids::decode(&cooperative_id, "Cooperative")
            .ok_or_else(|| AppError::user(ErrorCode::InvalidId, &["cooperativeId"], msg!("is not a Cooperative id")))?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx.db().run(move |conn| service::list_ledger(conn, viewer.as_ref(), id, args, want_total)).await?;
        Ok(page.into_connection(|e| LedgerEntry {
            kind: LedgerKind::parse(&e.kind).unwrap_or(LedgerKind::Sale),
            amount: Money::mad(e.amount_minor),
            order_id: e.order_id.map(|o| ids::encode("Order", o)),
            reference: e.reference,
            at: DateTime(e.created_at),
        }))
    }
}

// ---- mutations ----

crate::mutation_payload!(CartPayload, cart: Cart);

#[derive(SimpleObject)]
pub struct CheckoutPayload {
    pub order: Option<Order>,
    /// For card payments: pass it to Stripe.js to collect the payment.
    pub payment_client_secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

crate::mutation_payload!(OrderPayload, order: Order);

crate::mutation_payload!(FulfilmentPayload, fulfilment: Fulfilment);

crate::mutation_payload!(BalancePayload, balance: CooperativeBalance);

#[derive(SimpleObject)]
pub struct ShippingRatePayload {
    pub ok: bool,
    pub user_errors: Vec<UserError>,
}

/// The payload of a cart mutation: the cart as it now is, or, when the input was refused,
/// the cart as it was (nothing changed), so a storefront shows both with the errors.
async fn cart_payload(
    ctx: &Context<'_>,
    result: (Option<String>, Vec<UserError>),
    refused_cart: Option<ID>,
) -> Result<CartPayload> {
    let (token, user_errors) = result;
    let cart = match (token, refused_cart) {
        (Some(t), _) => cart_for(ctx, t).await?,
        (None, Some(id)) => cart_for(ctx, id.0).await?,
        (None, None) => None,
    };
    Ok(CartPayload { cart, user_errors })
}

#[derive(Default)]
pub struct OrdersMutation;

#[Object]
impl OrdersMutation {
    async fn cart_create(&self, ctx: &Context<'_>, input: Option<CartCreateInput>) -> Result<CartPayload> {
        let s = settings(ctx).clone();
        let input = input.unwrap_or_default();
        let result = run_mutation(ctx, move |conn, v| service::create_cart(conn, v, input, &s)).await?;
        cart_payload(ctx, result, None).await
    }

    async fn cart_lines_add(&self, ctx: &Context<'_>, input: CartLinesAddInput) -> Result<CartPayload> {
        let s = settings(ctx).clone();
        let cart = input.cart_id.clone();
        let result = run_mutation(ctx, move |conn, v| service::add_lines(conn, v, input, &s)).await?;
        cart_payload(ctx, result, Some(cart)).await
    }

    async fn cart_lines_update(&self, ctx: &Context<'_>, input: CartLinesUpdateInput) -> Result<CartPayload> {
        let s = settings(ctx).clone();
        let cart = input.cart_id.clone();
        let result = run_mutation(ctx, move |conn, v| service::update_lines(conn, v, input, &s)).await?;
        cart_payload(ctx, result, Some(cart)).await
    }

    /// Replaces the cart's discount codes. A code that would not apply (unknown, not valid
    /// now, nothing covered, used up) is refused with its reason, and nothing changes.
    async fn cart_discount_codes_update(
        &self,
        ctx: &Context<'_>,
        input: CartDiscountCodesUpdateInput,
    ) -> Result<CartPayload> {
        let s = settings(ctx).clone();
        let cart = input.cart_id.clone();
        let result =
            run_mutation(ctx, move |conn, v| crate::orders::promotions::update_cart_codes(conn, v, input, &s)).await?;
        cart_payload(ctx, result, Some(cart)).await
    }

    /// Administrators create promotions funded by the marketplace or by a cooperative;
    /// managers create their own cooperative's, which it funds.
    async fn promotion_create(&self, ctx: &Context<'_>, input: PromotionCreateInput) -> Result<PromotionPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, v| crate::orders::promotions::create_promotion(conn, v, input)).await?;
        Ok(PromotionPayload { promotion: row.map(Promotion), user_errors })
    }

    /// Renames a promotion, turns it off or on, or changes its end and limits.
    async fn promotion_update(&self, ctx: &Context<'_>, input: PromotionUpdateInput) -> Result<PromotionPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, v| crate::orders::promotions::update_promotion(conn, v, input)).await?;
        Ok(PromotionPayload { promotion: row.map(Promotion), user_errors })
    }

    async fn cart_lines_remove(&self, ctx: &Context<'_>, input: CartLinesRemoveInput) -> Result<CartPayload> {
        let cart = input.cart_id.clone();
        let result = run_mutation(ctx, move |conn, v| service::remove_lines(conn, v, input)).await?;
        cart_payload(ctx, result, Some(cart)).await
    }

    /// Places the order: one transaction re-prices the cart, takes the stock, splits the order
    /// per cooperative and queues the emails. Retrying with the same `idempotencyKey` returns
    /// the same order and never charges twice.
    async fn checkout_complete(&self, ctx: &Context<'_>, input: CheckoutCompleteInput) -> Result<CheckoutPayload> {
        let payments = ctx.data_unchecked::<Arc<Payments>>();
        let placed =
            service::checkout_and_pay(ctx.db(), payments, ctx.viewer().cloned(), input, settings(ctx).clone()).await;
        Ok(match payload(placed)? {
            (Some(placed), mut user_errors) => {
                user_errors.extend(placed.payment_errors);
                CheckoutPayload {
                    order: Some(Order(placed.order)),
                    payment_client_secret: placed.payment_client_secret,
                    user_errors,
                }
            }
            (None, user_errors) => CheckoutPayload { order: None, payment_client_secret: None, user_errors },
        })
    }

    /// Managers move their cooperative's part of an order: PROCESSING, SHIPPED (with carrier and
    /// tracking number), DELIVERED (with the cash, for cash on delivery), or CANCELLED.
    async fn fulfilment_update(&self, ctx: &Context<'_>, input: FulfilmentUpdateInput) -> Result<FulfilmentPayload> {
        let id = input.fulfilment_id.clone();
        let (row, user_errors) = run_mutation(ctx, move |conn, v| service::update_fulfilment(conn, v, input)).await?;
        let (fulfilment, user_errors) =
            or_unchanged((row.map(Fulfilment), user_errors), || fulfilment_by_id(ctx, &id)).await?;
        Ok(FulfilmentPayload { fulfilment, user_errors })
    }

    async fn order_cancel(&self, ctx: &Context<'_>, input: OrderCancelInput) -> Result<OrderPayload> {
        let id = input.order_id.clone();
        let (row, user_errors) = run_mutation(ctx, move |conn, v| service::cancel_order(conn, v, input)).await?;
        let (order, user_errors) = or_unchanged((row.map(Order), user_errors), || order_by_id(ctx, &id)).await?;
        Ok(OrderPayload { order, user_errors })
    }

    /// Staff refund a paid order, whole or one cooperative's part, through its payment provider.
    async fn order_refund(&self, ctx: &Context<'_>, input: OrderRefundInput) -> Result<OrderPayload> {
        let payments = ctx.data_unchecked::<Arc<Payments>>();
        let id = input.order_id.clone();
        let refunded = service::refund_order(ctx.db(), payments, ctx.viewer().cloned(), input).await;
        let (row, user_errors) = payload(refunded)?;
        let (order, user_errors) = or_unchanged((row.map(Order), user_errors), || order_by_id(ctx, &id)).await?;
        Ok(OrderPayload { order, user_errors })
    }

    /// The buyer asks to return units of a delivered part, within the return window.
    async fn return_request_create(
        &self,
        ctx: &Context<'_>,
        input: ReturnRequestCreateInput,
    ) -> Result<ReturnRequestPayload> {
        let s = settings(ctx).clone();
        let (row, user_errors) =
            run_mutation(ctx, move |conn, v| crate::orders::returns::request_return(conn, v, input, &s)).await?;
        Ok(ReturnRequestPayload { return_request: row.map(ReturnRequest), user_errors })
    }

    /// The cooperative accepts the return: the buyer sends the goods back.
    async fn return_request_approve(
        &self,
        ctx: &Context<'_>,
        input: ReturnRequestDecisionInput,
    ) -> Result<ReturnRequestPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, v| crate::orders::returns::decide(conn, v, input, true)).await?;
        Ok(ReturnRequestPayload { return_request: row.map(ReturnRequest), user_errors })
    }

    /// The cooperative refuses the return, saying why in `note`.
    async fn return_request_refuse(
        &self,
        ctx: &Context<'_>,
        input: ReturnRequestDecisionInput,
    ) -> Result<ReturnRequestPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, v| crate::orders::returns::decide(conn, v, input, false)).await?;
        Ok(ReturnRequestPayload { return_request: row.map(ReturnRequest), user_errors })
    }

    /// The cooperative received the goods: they are refunded (card: through Stripe; cash on
    /// delivery: recorded as cash the cooperative hands back) and, with `restock`, go back
    /// into stock. The ledger moves the commission on them back.
    async fn return_request_receive(
        &self,
        ctx: &Context<'_>,
        input: ReturnRequestReceiveInput,
    ) -> Result<ReturnRequestPayload> {
        let payments = ctx.data_unchecked::<Arc<Payments>>();
        let received = crate::orders::returns::receive(ctx.db(), payments, ctx.viewer().cloned(), input).await;
        let (row, user_errors) = payload(received)?;
        Ok(ReturnRequestPayload { return_request: row.map(ReturnRequest), user_errors })
    }

    /// Administrators record money paid out to a cooperative.
    async fn payout_record(&self, ctx: &Context<'_>, input: PayoutRecordInput) -> Result<BalancePayload> {
        let (b, user_errors) = run_mutation(ctx, move |conn, v| service::record_payout(conn, v, input)).await?;
        Ok(BalancePayload { balance: b.map(balance_object), user_errors })
    }

    /// A cooperative's flat shipping rate, per destination region or by default, with an
    /// optional free-shipping threshold.
    async fn shipping_rate_set(&self, ctx: &Context<'_>, input: ShippingRateSetInput) -> Result<ShippingRatePayload> {
        let (ok, user_errors) = run_mutation(ctx, move |conn, v| service::set_shipping_rate(conn, v, input)).await?;
        Ok(ShippingRatePayload { ok: ok.is_some(), user_errors })
    }
}
