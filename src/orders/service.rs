//! Carts, checkout and the order lifecycle. Every change that has a side effect (an email)
//! writes its outbox row in the same transaction.

use std::collections::{BTreeMap, HashMap};

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::model as promotions_model;
use super::model::*;
use super::promotions;
use super::store;
use crate::catalog::service::{self as catalog, Sellable};
use crate::kernel::db::{Db, DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode, UserError};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::Locale;
use crate::kernel::messages::Message;
use crate::kernel::money::{CurrencyCode, format_minor};
use crate::kernel::viewer::{Viewer, require_admin, require_viewer};
use crate::msg;
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::outbox::events::{self, EventType};
use crate::path;
use crate::payments::webhook::{StripeEvent, StripeObject};
use crate::payments::{PaymentMethod, PaymentRequest, Payments};
use crate::registry::service as registry;

/// Commerce rules from configuration.
#[derive(Debug, Clone)]
pub struct CommerceSettings {
    pub default_commission_bps: i32,
    pub default_shipping_minor: i64,
    pub free_shipping_above_minor: Option<i64>,
    pub max_line_quantity: i64,
    pub max_cart_lines: usize,
    pub card_enabled: bool,
    pub default_locale: Locale,
    /// Days after delivery during which the buyer may ask to return goods.
    pub return_window_days: i64,
}

// ---- carts ----

fn new_token(prefix: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 18];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// A cart the caller may use: a guest cart by its unguessable id, a customer's only by them.
/// A cart's token from its id: the global id (`Cart:token`), or the bare token that carts
/// had as their id before.
fn cart_token(id: &str) -> String {
    ids::decode_text(id, "Cart").unwrap_or_else(|| id.trim().to_string())
}

/// The cart a cart id (global or bare token) names.
fn cart_by_id(conn: &mut DbConn, id: &str) -> Result<Option<CartRow>, AppError> {
    Ok(store::cart_by_token(conn, &cart_token(id))?)
}

/// A line of the viewer's own cart, priced. A guest cart's lines are reached through the
/// cart, whose id is its secret: by line id alone nobody may read them.
pub fn visible_cart_line(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    line_id: i64,
    settings: &CommerceSettings,
) -> Result<Option<(PricedLine, i64)>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    let Some(line) = store::find_cart_line(conn, line_id)? else { return Ok(None) };
    let Some(cart) = store::find_cart(conn, line.cart_id)?.filter(|c| c.account_id == Some(viewer.account_id)) else {
        return Ok(None);
    };
    let view = cart_view(conn, cart, settings)?;
    let shares = view.discounts.per_line;
    Ok(view
        .lines
        .into_iter()
        .enumerate()
        .find(|(_, l)| l.line.id == line_id)
        .map(|(i, l)| (l, shares.get(i).copied().unwrap_or(0))))
}

pub fn load_cart(conn: &mut DbConn, viewer: Option<&Viewer>, id: &str, field: &[&str]) -> Result<CartRow, AppError> {
    let cart =
        cart_by_id(conn, id)?.ok_or_else(|| AppError::user(ErrorCode::CartNotFound, field, msg!("no such cart")))?;
    match cart.account_id {
        Some(owner) if viewer.map(|v| v.account_id) != Some(owner) => {
            Err(AppError::user(ErrorCode::CartNotFound, field, msg!("no such cart")))
        }
        _ => Ok(cart),
    }
}

pub(super) fn open_cart(conn: &mut DbConn, viewer: Option<&Viewer>, token: &ID) -> Result<CartRow, AppError> {
    let cart = load_cart(conn, viewer, token, &["input", "cartId"])?;
    if cart.completed_at.is_some() {
        return Err(AppError::user(
            ErrorCode::CartCompleted,
            &["input", "cartId"],
            msg!("this cart was already checked out"),
        ));
    }
    Ok(cart)
}

/// Validated (variant id, quantity) pairs from cart input.
fn line_inputs(
    conn: &mut DbConn,
    lines: &[CartLineInput],
    settings: &CommerceSettings,
) -> Result<Vec<(i64, i64, Sellable)>, AppError> {
    let mut checks = Checks::new();
    if lines.len() > settings.max_cart_lines {
        checks.fail_with(
            ErrorCode::TooLong,
            path!["input", "lines"],
            msg!("at most {max_cart_lines} lines", max_cart_lines = settings.max_cart_lines),
        );
    }
    let mut parsed = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let id = ids::decode_input(&line.variant_id, "Variant", path!["input", "lines", i, "variantId"], &mut checks);
        let quantity = i64::from(line.quantity);
        if !(1..=settings.max_line_quantity).contains(&quantity) {
            checks.fail_with(
                ErrorCode::QuantityOutOfRange,
                path!["input", "lines", i, "quantity"],
                msg!("must be between 1 and {max_line_quantity}", max_line_quantity = settings.max_line_quantity),
            );
        }
        if let Some(id) = id {
            parsed.push((i, id, quantity));
        }
    }
    checks.finish()?;
    let ids: Vec<i64> = parsed.iter().map(|(_, id, _)| *id).collect();
    let sellables = catalog::sellables(conn, &ids)?;
    let mut checks = Checks::new();
    let mut out = Vec::new();
    for (i, id, quantity) in parsed {
        match sellables.get(&id) {
            None => checks.fail_with(
                ErrorCode::VariantNotFound,
                path!["input", "lines", i, "variantId"],
                msg!("no such product variant"),
            ),
            Some(s) if !s.on_sale() => checks.fail_with(
                ErrorCode::ProductUnavailable,
                path!["input", "lines", i, "variantId"],
                msg!("this product is no longer on sale"),
            ),
            Some(s) if s.variant.stock < quantity => checks.fail_with(
                ErrorCode::OutOfStock,
                path!["input", "lines", i, "quantity"],
                msg!("only {left} left in stock", left = s.variant.stock),
            ),
            Some(s) => out.push((id, quantity, s.clone())),
        }
    }
    checks.finish()?;
    Ok(out)
}

pub fn create_cart(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CartCreateInput,
    settings: &CommerceSettings,
) -> Result<String, AppError> {
    let lines = line_inputs(conn, &input.lines, settings)?;
    let token = new_token("cart_")?;
    write_tx(conn, |conn| {
        let at = now();
        let cart_id = store::insert_cart(conn, &token, viewer.map(|v| v.account_id), at)?;
        for (variant_id, quantity, sellable) in &lines {
            store::add_cart_line(conn, cart_id, *variant_id, *quantity, sellable.variant.price_minor, at)?;
        }
        // Lines of the same variant merge: the merged line obeys the limits too.
        check_cart_limits(conn, cart_id, settings)?;
        Ok(token.clone())
    })
}

pub fn add_lines(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CartLinesAddInput,
    settings: &CommerceSettings,
) -> Result<String, AppError> {
    let cart = open_cart(conn, viewer, &input.cart_id)?;
    let lines = line_inputs(conn, &input.lines, settings)?;
    write_tx(conn, |conn| {
        let at = now();
        for (variant_id, quantity, sellable) in &lines {
            store::add_cart_line(conn, cart.id, *variant_id, *quantity, sellable.variant.price_minor, at)?;
        }
        check_cart_limits(conn, cart.id, settings)?;
        store::touch_cart(conn, cart.id, at)?;
        Ok(cart.token.clone())
    })
}

fn check_cart_limits(conn: &mut DbConn, cart_id: i64, settings: &CommerceSettings) -> Result<(), AppError> {
    let lines = store::cart_lines(conn, cart_id)?;
    if lines.len() > settings.max_cart_lines {
        return Err(AppError::user(
            ErrorCode::TooLong,
            &["input", "lines"],
            msg!("a cart has at most {max_cart_lines} lines", max_cart_lines = settings.max_cart_lines),
        ));
    }
    if lines.iter().any(|l| l.quantity > settings.max_line_quantity) {
        return Err(AppError::user(
            ErrorCode::QuantityOutOfRange,
            &["input", "lines"],
            msg!("at most {max_line_quantity} of one item per order", max_line_quantity = settings.max_line_quantity),
        ));
    }
    Ok(())
}

pub fn update_lines(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CartLinesUpdateInput,
    settings: &CommerceSettings,
) -> Result<String, AppError> {
    let cart = open_cart(conn, viewer, &input.cart_id)?;
    let mut checks = Checks::new();
    let mut updates = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let id = ids::decode_input(&line.id, "CartLine", path!["input", "lines", i, "id"], &mut checks);
        let quantity = i64::from(line.quantity);
        if !(0..=settings.max_line_quantity).contains(&quantity) {
            checks.fail_with(
                ErrorCode::QuantityOutOfRange,
                path!["input", "lines", i, "quantity"],
                msg!("must be between 0 and {max_line_quantity}", max_line_quantity = settings.max_line_quantity),
            );
        }
        if let Some(id) = id {
            updates.push((i, id, quantity));
        }
    }
    checks.finish()?;
    write_tx(conn, |conn| {
        for (i, id, quantity) in &updates {
            if store::set_cart_line_quantity(conn, cart.id, *id, *quantity)? == 0 {
                return Err(AppError::user(
                    ErrorCode::CartLineNotFound,
                    &["input", "lines", &i.to_string(), "id"],
                    msg!("no such line in this cart"),
                ));
            }
        }
        store::touch_cart(conn, cart.id, now())?;
        Ok(cart.token.clone())
    })
}

pub fn remove_lines(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CartLinesRemoveInput,
) -> Result<String, AppError> {
    let cart = open_cart(conn, viewer, &input.cart_id)?;
    let mut checks = Checks::new();
    let ids: Vec<i64> = input
        .line_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| ids::decode_input(id, "CartLine", path!["input", "lineIds", i], &mut checks))
        .collect();
    checks.finish()?;
    write_tx(conn, |conn| {
        store::remove_cart_lines(conn, cart.id, &ids)?;
        store::touch_cart(conn, cart.id, now())?;
        Ok(cart.token.clone())
    })
}

/// After sign-in: the guest cart becomes the customer's, merged with the one they had open.
pub fn attach_cart(conn: &mut DbConn, account_id: i64, token: &str) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let Some(guest) = cart_by_id(conn, token)? else { return Ok(()) };
        if guest.completed_at.is_some() || guest.account_id.is_some_and(|a| a != account_id) {
            return Ok(());
        }
        let at = now();
        if let Some(previous) = store::open_cart_of_account(conn, account_id)?.filter(|c| c.id != guest.id) {
            for line in store::cart_lines(conn, previous.id)? {
                store::add_cart_line(conn, guest.id, line.variant_id, line.quantity, line.unit_price_minor, at)?;
            }
            store::delete_cart_lines(conn, previous.id)?;
            store::complete_cart(conn, previous.id, at)?;
        }
        store::set_cart_account(conn, guest.id, account_id)?;
        store::touch_cart(conn, guest.id, at)?;
        Ok(())
    })
}

// ---- pricing ----

/// Why a cart line changed or cannot be bought as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum CartWarningCode {
    /// The price changed since the line was added.
    PriceChanged,
    /// Fewer units are left than the line asks for.
    InsufficientStock,
    /// The product is no longer on sale.
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct CartWarning {
    pub code: CartWarningCode,
    pub line_id: i64,
    pub message: Message,
}

#[derive(Debug, Clone)]
pub struct PricedLine {
    pub line: CartLineRow,
    pub sellable: Option<Sellable>,
    pub unit_price_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone)]
pub struct CooperativePart {
    pub cooperative_id: i64,
    pub subtotal_minor: i64,
    /// Promotions' discounts on this cooperative's goods, and the marketplace-funded part.
    pub discount_minor: i64,
    pub marketplace_discount_minor: i64,
    pub shipping_minor: i64,
}

#[derive(Debug, Clone)]
pub struct CartCost {
    pub parts: Vec<CooperativePart>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
}

/// A cart with what pricing it needs, loaded once.
#[derive(Debug, Clone)]
pub struct CartView {
    pub cart: CartRow,
    pub lines: Vec<PricedLine>,
    pub warnings: Vec<CartWarning>,
    pub rates: Vec<ShippingRateRow>,
    pub settings: CommerceSettings,
    /// The promotions applied, per line, and each code's fate.
    pub discounts: promotions::Discounts,
}

impl CartView {
    /// Subtotals and shipping per cooperative, for a destination region when known.
    /// The free-shipping threshold is checked on what the buyer pays for the goods, after
    /// discounts.
    pub fn cost(&self, region_id: Option<i64>) -> CartCost {
        // (subtotal, discount, marketplace-funded discount) per cooperative
        let mut by_cooperative: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for (i, l) in self.lines.iter().enumerate() {
            let Some(s) = l.sellable.as_ref().filter(|s| s.on_sale()) else { continue };
            let part = by_cooperative.entry(s.cooperative.id).or_default();
            part.0 += l.total_minor;
            part.1 += self.discounts.per_line.get(i).copied().unwrap_or(0);
            part.2 += self.discounts.marketplace_per_line.get(i).copied().unwrap_or(0);
        }
        let parts: Vec<CooperativePart> = by_cooperative
            .into_iter()
            .map(|(cooperative_id, (subtotal_minor, discount_minor, marketplace_discount_minor))| CooperativePart {
                cooperative_id,
                subtotal_minor,
                discount_minor,
                marketplace_discount_minor,
                shipping_minor: shipping_for(
                    &self.rates,
                    &self.settings,
                    cooperative_id,
                    region_id,
                    subtotal_minor - discount_minor,
                ),
            })
            .collect();
        let subtotal_minor = parts.iter().map(|p| p.subtotal_minor).sum();
        let discount_minor = parts.iter().map(|p| p.discount_minor).sum();
        let shipping_minor = parts.iter().map(|p| p.shipping_minor).sum();
        CartCost {
            parts,
            subtotal_minor,
            discount_minor,
            shipping_minor,
            total_minor: subtotal_minor - discount_minor + shipping_minor,
        }
    }
}

/// The cooperative's rate for the region, else its default rate, else the marketplace's;
/// free once the cooperative's subtotal reaches the threshold.
pub fn shipping_for(
    rates: &[ShippingRateRow],
    settings: &CommerceSettings,
    cooperative_id: i64,
    region_id: Option<i64>,
    subtotal_minor: i64,
) -> i64 {
    let own = |region: Option<i64>| rates.iter().find(|r| r.cooperative_id == cooperative_id && r.region_id == region);
    let (rate, free_above) = match region_id.and_then(|r| own(Some(r))).or_else(|| own(None)) {
        Some(r) => (r.rate_minor, r.free_above_minor),
        None => (settings.default_shipping_minor, settings.free_shipping_above_minor),
    };
    match free_above {
        Some(threshold) if subtotal_minor >= threshold => 0,
        _ => rate,
    }
}

pub fn cart_view(conn: &mut DbConn, cart: CartRow, settings: &CommerceSettings) -> Result<CartView, AppError> {
    let lines = store::cart_lines(conn, cart.id)?;
    let variant_ids: Vec<i64> = lines.iter().map(|l| l.variant_id).collect();
    let sellables = catalog::sellables(conn, &variant_ids)?;
    let mut cooperative_ids: Vec<i64> = sellables.values().map(|s| s.cooperative.id).collect();
    cooperative_ids.sort_unstable();
    cooperative_ids.dedup();
    let rates = store::shipping_rates_for(conn, &cooperative_ids)?;
    let mut warnings = Vec::new();
    let priced = lines
        .into_iter()
        .map(|line| {
            let sellable = sellables.get(&line.variant_id).cloned();
            let unit = sellable.as_ref().map(|s| s.variant.price_minor).unwrap_or(line.unit_price_minor);
            match &sellable {
                Some(s) if !s.on_sale() => warnings.push(CartWarning {
                    code: CartWarningCode::Unavailable,
                    line_id: line.id,
                    message: msg!("this product is no longer on sale"),
                }),
                None => warnings.push(CartWarning {
                    code: CartWarningCode::Unavailable,
                    line_id: line.id,
                    message: msg!("this product is no longer on sale"),
                }),
                Some(s) => {
                    if s.variant.price_minor != line.unit_price_minor {
                        warnings.push(CartWarning {
                            code: CartWarningCode::PriceChanged,
                            line_id: line.id,
                            message: msg!(
                                "the price changed from {before} to {now} MAD",
                                before = format_minor(line.unit_price_minor, 2),
                                now = format_minor(s.variant.price_minor, 2)
                            ),
                        });
                    }
                    if s.variant.stock < line.quantity {
                        warnings.push(CartWarning {
                            code: CartWarningCode::InsufficientStock,
                            line_id: line.id,
                            message: msg!("only {left} left in stock", left = s.variant.stock),
                        });
                    }
                }
            }
            PricedLine { total_minor: unit.saturating_mul(line.quantity), unit_price_minor: unit, sellable, line }
        })
        .collect::<Vec<_>>();
    let customer = promotions::customer_key(cart.account_id, None);
    let discounts = promotions::cart_discounts(conn, &cart, &priced, customer.as_deref())?;
    Ok(CartView { cart, lines: priced, warnings, rates, settings: settings.clone(), discounts })
}

// ---- checkout ----

pub(super) fn commission(subtotal_minor: i64, bps: i32) -> i64 {
    // Rounded half up, in minor units; in 128 bits, so no product can overflow.
    let exact = (i128::from(subtotal_minor) * i128::from(bps) + 5_000) / 10_000;
    i64::try_from(exact).unwrap_or(i64::MAX)
}

fn is_valid_idempotency_key(key: &str) -> bool {
    (8..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b))
}

struct CheckedCheckout {
    email: String,
    phone: String,
    locale: Locale,
    region_id: i64,
    address: AddressInput,
}

fn check_checkout(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: &CheckoutCompleteInput,
    settings: &CommerceSettings,
) -> Result<CheckedCheckout, AppError> {
    let address = match (&input.shipping_address, &input.saved_address_id) {
        (Some(a), None) => a.clone(),
        (None, Some(id)) => super::address_book::for_checkout(conn, viewer, id)?.0,
        (Some(_), Some(_)) => {
            return Err(AppError::bad_input(
                &["input", "savedAddressId"],
                msg!("give either a shipping address or a saved address, not both"),
            ));
        }
        (None, None) => {
            return Err(AppError::user(ErrorCode::Required, &["input", "shippingAddress"], msg!("is required")));
        }
    };
    let mut checks = Checks::new();
    let email = crate::kernel::validate::normalize_email(&input.email);
    checks.check(
        crate::kernel::validate::is_valid_email(&email),
        path!["input", "email"],
        msg!("is not a valid email address"),
    );
    let phone = crate::kernel::validate::normalize_phone(&input.phone);
    checks.check(
        crate::kernel::validate::is_valid_phone(&phone),
        path!["input", "phone"],
        msg!("must be a phone number such as +212612345678 or 0612345678"),
    );
    let a = &address;
    let region_id = check_address(conn, &mut checks, "shippingAddress", a)?;
    let locale = input.locale.unwrap_or(settings.default_locale);
    checks.check(
        is_valid_idempotency_key(&input.idempotency_key),
        path!["input", "idempotencyKey"],
        msg!("must be 8 to 200 characters of A-Z, a-z, 0-9, '-', '_', ':' and '.'"),
    );
    if input.payment_method == PaymentMethod::Card && !settings.card_enabled {
        checks.push(UserError::new(
            ErrorCode::PaymentMethodUnavailable,
            &["input", "paymentMethod"],
            msg!("card payments are not available"),
        ));
    }
    checks.finish()?;
    Ok(CheckedCheckout { email, phone, locale, region_id: region_id.unwrap_or_default(), address: a.clone() })
}

/// The rules of a delivery address (checkout's and the address book's): lengths, a 5-digit
/// postal code, a known region. `field` names the input that holds it.
pub fn check_address(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: &str,
    a: &AddressInput,
) -> Result<Option<i64>, AppError> {
    let text = |checks: &mut Checks, name: &str, value: &str, max: usize, required: bool| {
        let len = value.trim().chars().count();
        checks.check(
            (if required { 1 } else { 0 }..=max).contains(&len),
            path!["input", field, name],
            msg!("must be {min} to {max} characters", min = if required { 1 } else { 0 }, max = max),
        );
        // A label printer or a carrier's system chokes on them, and PostgreSQL refuses NUL.
        checks.check(
            !value.chars().any(char::is_control),
            path!["input", field, name],
            msg!("must not contain control characters"),
        );
    };
    text(checks, "fullName", &a.full_name, 200, true);
    text(checks, "line1", &a.line1, 200, true);
    text(checks, "line2", a.line2.as_deref().unwrap_or(""), 200, false);
    text(checks, "city", &a.city, 100, true);
    if let Some(code) = a.postal_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        checks.check(
            code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()),
            path!["input", field, "postalCode"],
            msg!("must be 5 digits"),
        );
    }
    let code = a.region_code.trim();
    if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        checks.fail_with(
            ErrorCode::RegionNotFound,
            path!["input", field, "regionCode"],
            msg!(
                "unknown region code `{code}`; use 01 to 12",
                code = code.chars().filter(|c| !c.is_control()).collect::<String>()
            ),
        );
        return Ok(None);
    }
    registry::region_id(conn, checks, path!["input", field, "regionCode"], code)
}

/// The result of a checkout: the order, and whether this call created it.
pub struct Checkout {
    pub order: OrderRow,
    pub created: bool,
}

/// Re-prices the cart, takes the stock, writes the order split per cooperative with its
/// ledger entries and emails — all in one transaction. The same idempotency key returns the
/// same order.
pub fn checkout(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CheckoutCompleteInput,
    settings: &CommerceSettings,
) -> Result<Checkout, AppError> {
    if let Some(existing) = store::order_by_key(conn, &input.idempotency_key)? {
        return same_checkout(conn, existing, &input);
    }
    let checked = check_checkout(conn, viewer, &input, settings)?;
    let result = write_tx(conn, |conn| place_order(conn, viewer, &input, &checked, settings));
    match result {
        Ok(order) => Ok(Checkout { order, created: true }),
        // A concurrent request with the same key won the race: answer with its order.
        Err(e) => match store::order_by_key(conn, &input.idempotency_key)? {
            Some(existing) => same_checkout(conn, existing, &input),
            None => Err(e),
        },
    }
}

fn same_checkout(conn: &mut DbConn, existing: OrderRow, input: &CheckoutCompleteInput) -> Result<Checkout, AppError> {
    let cart = cart_by_id(conn, &input.cart_id)?;
    if cart.map(|c| c.id) != Some(existing.cart_id) {
        return Err(AppError::user(
            ErrorCode::IdempotencyKeyReused,
            &["input", "idempotencyKey"],
            msg!("this idempotency key was used for another cart"),
        ));
    }
    Ok(Checkout { order: existing, created: false })
}

fn place_order(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: &CheckoutCompleteInput,
    checked: &CheckedCheckout,
    settings: &CommerceSettings,
) -> Result<OrderRow, AppError> {
    let cart = open_cart(conn, viewer, &input.cart_id)?;
    // Claim the cart first, conditionally: on PostgreSQL the update locks its row, so a
    // concurrent checkout of the same cart (with another idempotency key) waits, then finds
    // it completed and places nothing.
    if store::complete_cart(conn, cart.id, now())? == 0 {
        return Err(AppError::user(
            ErrorCode::CartCompleted,
            &["input", "cartId"],
            msg!("this cart was already checked out"),
        ));
    }
    let mut view = cart_view(conn, cart.clone(), settings)?;
    if view.lines.is_empty() {
        return Err(AppError::user(ErrorCode::CartEmpty, &["input", "cartId"], msg!("the cart is empty")));
    }
    if let Some(w) = view.warnings.iter().find(|w| w.code == CartWarningCode::Unavailable) {
        let line = ids::encode("CartLine", w.line_id).0;
        return Err(AppError::user(
            ErrorCode::ProductUnavailable,
            &["input", "cartId"],
            msg!("a product in the cart is no longer on sale (line {line})", line = line),
        ));
    }
    // Checkout charges what the cart showed: a code that no longer applies (for this buyer,
    // now) stops it, and the buyer removes the code or tries again.
    let customer = promotions::customer_key(viewer.map(|v| v.account_id).or(cart.account_id), Some(&checked.email))
        .unwrap_or_default();
    // The cart was priced for its account; only a guest (known here by email) is priced again.
    if Some(&customer) != promotions::customer_key(cart.account_id, None).as_ref() {
        view.discounts = promotions::cart_discounts(conn, &cart, &view.lines, Some(&customer))?;
    }
    if let Some((_, c)) = view.discounts.rejected().next() {
        let rejection = c.rejection.unwrap_or(promotions_model::DiscountRejection::NotApplicable);
        return Err(AppError::Rejected(vec![promotions::rejection_error(
            rejection,
            path!["input", "cartId"],
            &c.code,
        )]));
    }
    let items: Vec<(i64, i64)> = view.lines.iter().map(|l| (l.line.variant_id, l.line.quantity)).collect();
    catalog::reserve_stock(conn, &items)?;

    let cost = view.cost(Some(checked.region_id));
    let at = now();
    let card = input.payment_method == PaymentMethod::Card;
    let status = if card { OrderStatus::PendingPayment } else { OrderStatus::Confirmed };
    let mut order = new_order(viewer, input, checked, cart.id, &cost, status, at);
    order.lookup_key = new_token("")?;
    order.id = store::insert_order(conn, &order)?;
    order.number = format!("TW-{:07}", order.id);
    store::set_order_number(conn, order.id, &order.number)?;
    promotions::redeem(conn, &view.discounts, order.id, &customer, at)?;
    let fulfilment_ids = insert_fulfilments(conn, &order, &cost, settings, at)?;
    for (i, l) in view.lines.iter().enumerate() {
        let Some(s) = &l.sellable else { continue };
        store::insert_order_line(
            conn,
            &NewOrderLine {
                order_id: order.id,
                fulfilment_id: fulfilment_ids[&s.cooperative.id],
                variant_id: s.variant.id,
                product_id: s.product.id,
                cooperative_id: s.cooperative.id,
                product_name: s.product.name().resolve(checked.locale).text,
                sku: s.variant.sku.clone(),
                unit_price_minor: l.unit_price_minor,
                quantity: l.line.quantity,
                line_total_minor: l.total_minor,
                discount_minor: view.discounts.per_line.get(i).copied().unwrap_or(0),
                marketplace_discount_minor: view.discounts.marketplace_per_line.get(i).copied().unwrap_or(0),
            },
        )?;
    }
    event(conn, &order, None, viewer, None, status.as_str(), None)?;
    if !card {
        enqueue_order_emails(conn, &order)?;
    }
    emit_order_event(conn, &order, EventType::OrderCreated)?;
    Ok(order)
}

/// Tells webhook listeners about an order: its ids and number, and each cooperative's part
/// (a receiver reads the rest through the API, with its own rights).
fn emit_order_event(conn: &mut DbConn, order: &OrderRow, event_type: EventType) -> Result<(), AppError> {
    let fulfilments = store::fulfilments_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
    let cooperatives: Vec<i64> = fulfilments.iter().map(|f| f.cooperative_id).collect();
    let parts: Vec<serde_json::Value> = fulfilments
        .iter()
        .map(|f| {
            serde_json::json!({
                "fulfilmentId": ids::encode("Fulfilment", f.id),
                "cooperativeId": ids::encode("Cooperative", f.cooperative_id),
            })
        })
        .collect();
    let data = serde_json::json!({
        "orderId": ids::encode("Order", order.id),
        "number": order.number,
        "paymentMethod": order.payment_method().as_str(),
        "fulfilments": parts,
    });
    events::emit(conn, event_type, &cooperatives, data)
}

/// The order row of a checkout, before it has an id and a number.
fn new_order(
    viewer: Option<&Viewer>,
    input: &CheckoutCompleteInput,
    checked: &CheckedCheckout,
    cart_id: i64,
    cost: &CartCost,
    status: OrderStatus,
    at: chrono::NaiveDateTime,
) -> OrderRow {
    let a = &checked.address;
    let trimmed = |s: &Option<String>| s.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    OrderRow {
        id: 0,
        number: format!("pending-{}", input.idempotency_key),
        idempotency_key: input.idempotency_key.clone(),
        cart_id,
        account_id: viewer.map(|v| v.account_id),
        email: checked.email.clone(),
        phone: checked.phone.clone(),
        locale: checked.locale.code().into(),
        status: status.as_str().into(),
        payment_method: input.payment_method.as_str().into(),
        payment_status: PaymentStatus::Pending.as_str().into(),
        payment_reference: None,
        payment_client_secret: None,
        currency: CurrencyCode::Mad.code().into(),
        subtotal_minor: cost.subtotal_minor,
        shipping_minor: cost.shipping_minor,
        total_minor: cost.total_minor,
        refunded_minor: 0,
        discount_minor: cost.discount_minor,
        ship_full_name: a.full_name.trim().into(),
        ship_line1: a.line1.trim().into(),
        ship_line2: trimmed(&a.line2),
        ship_city: a.city.trim().into(),
        ship_region_id: checked.region_id,
        ship_postal_code: trimmed(&a.postal_code),
        created_at: at,
        updated_at: at,
        lookup_key: String::new(),
    }
}

/// One fulfilment per cooperative of the order, each with its sale and commission in the
/// cooperative's ledger; returns the fulfilment id of each cooperative.
fn insert_fulfilments(
    conn: &mut DbConn,
    order: &OrderRow,
    cost: &CartCost,
    settings: &CommerceSettings,
    at: chrono::NaiveDateTime,
) -> Result<HashMap<i64, i64>, AppError> {
    let cooperatives =
        registry::cooperatives_by_ids(conn, &cost.parts.iter().map(|p| p.cooperative_id).collect::<Vec<_>>())?;
    let mut fulfilment_ids = HashMap::new();
    for part in &cost.parts {
        let bps = cooperatives
            .get(&part.cooperative_id)
            .and_then(|c| c.commission_rate_bps)
            .unwrap_or(settings.default_commission_bps);
        // See `promotions`: only the cooperative's own discounts lower the commission base.
        let cooperative_discount = part.discount_minor - part.marketplace_discount_minor;
        let commission_minor = commission(part.subtotal_minor - cooperative_discount, bps);
        let gross = part.subtotal_minor - part.discount_minor + part.shipping_minor;
        let fulfilment_id = store::insert_fulfilment(
            conn,
            &NewFulfilment {
                order_id: order.id,
                cooperative_id: part.cooperative_id,
                status: FulfilmentStatus::Pending.as_str().into(),
                subtotal_minor: part.subtotal_minor,
                shipping_minor: part.shipping_minor,
                commission_rate_bps: bps,
                commission_minor,
                net_minor: gross + part.marketplace_discount_minor - commission_minor,
                refunded_minor: 0,
                cash_collected: false,
                created_at: at,
                updated_at: at,
                discount_minor: part.discount_minor,
                marketplace_discount_minor: part.marketplace_discount_minor,
            },
        )?;
        fulfilment_ids.insert(part.cooperative_id, fulfilment_id);
        for (kind, amount) in [
            (LedgerKind::Sale, gross),
            (LedgerKind::MarketplaceDiscount, part.marketplace_discount_minor),
            (LedgerKind::Commission, -commission_minor),
        ] {
            if amount != 0 || kind != LedgerKind::MarketplaceDiscount {
                ledger(conn, part.cooperative_id, Some(order.id), Some(fulfilment_id), kind, amount, None, None)?;
            }
        }
    }
    Ok(fulfilment_ids)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn ledger(
    conn: &mut DbConn,
    cooperative_id: i64,
    order_id: Option<i64>,
    fulfilment_id: Option<i64>,
    kind: LedgerKind,
    amount_minor: i64,
    reference: Option<String>,
    recorded_by: Option<i64>,
) -> Result<(), AppError> {
    store::insert_ledger(
        conn,
        &NewLedgerEntry {
            cooperative_id,
            order_id,
            fulfilment_id,
            kind: kind.as_str().into(),
            amount_minor,
            reference,
            recorded_by,
            created_at: now(),
        },
    )?;
    Ok(())
}

fn event(
    conn: &mut DbConn,
    order: &OrderRow,
    fulfilment_id: Option<i64>,
    viewer: Option<&Viewer>,
    from: Option<&str>,
    to: &str,
    note: Option<String>,
) -> Result<(), AppError> {
    let actor = match viewer {
        Some(v) => v.role.as_str().to_string(),
        None if order.account_id.is_none() && from.is_none() => "GUEST".into(),
        None => "SYSTEM".into(),
    };
    store::insert_event(
        conn,
        &NewOrderEvent {
            order_id: order.id,
            fulfilment_id,
            actor_account_id: viewer.map(|v| v.account_id),
            actor,
            from_status: from.map(String::from),
            to_status: to.into(),
            note,
            created_at: now(),
        },
    )?;
    Ok(())
}

pub(super) fn mad(minor: i64) -> String {
    format!("{} MAD", format_minor(minor, 2))
}

/// The confirmation to the buyer and a new-order email to each cooperative concerned.
fn enqueue_order_emails(conn: &mut DbConn, order: &OrderRow) -> Result<(), AppError> {
    let lines = store::lines_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
    let fulfilments = store::fulfilments_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
    let region = registry::find_region(conn, order.ship_region_id)?;
    let locale = Locale::parse(&order.locale).unwrap_or(Locale::Fr);
    let region_name = |l: Locale| region.as_ref().map(|r| r.name().resolve(l).text).unwrap_or_default();
    let address = |l: Locale| {
        serde_json::json!({
            "full_name": order.ship_full_name, "line1": order.ship_line1, "line2": order.ship_line2,
            "city": order.ship_city, "region": region_name(l), "postal_code": order.ship_postal_code,
        })
    };
    let line_json = |l: &OrderLineRow| {
        serde_json::json!({ "name": l.product_name, "sku": l.sku, "quantity": l.quantity,
            "unit_price": mad(l.unit_price_minor), "total": mad(l.line_total_minor) })
    };
    notify::enqueue(
        conn,
        &EmailJob {
            template: EmailTemplate::OrderConfirmation,
            to: order.email.clone(),
            locale: order.locale.clone(),
            data: serde_json::json!({
                "number": order.number, "customer_name": order.ship_full_name, "lookup_key": order.lookup_key,
                "lines": lines.iter().map(line_json).collect::<Vec<_>>(),
                "subtotal": mad(order.subtotal_minor), "shipping": mad(order.shipping_minor), "total": mad(order.total_minor),
                "discount": (order.discount_minor > 0).then(|| mad(order.discount_minor)),
                "payment_method": order.payment_method, "address": address(locale),
            }),
        },
    )?;
    let cooperatives =
        registry::cooperatives_by_ids(conn, &fulfilments.iter().map(|f| f.cooperative_id).collect::<Vec<_>>())?;
    for f in &fulfilments {
        let Some(cooperative) = cooperatives.get(&f.cooperative_id) else { continue };
        let Some(to) = cooperative.contact_email.clone() else { continue };
        notify::enqueue(
            conn,
            &EmailJob {
                template: EmailTemplate::NewOrder,
                to,
                locale: Locale::Fr.code().into(),
                data: serde_json::json!({
                    "number": order.number, "cooperative_name": cooperative.name().resolve(Locale::Fr).text,
                    "lines": lines.iter().filter(|l| l.fulfilment_id == f.id).map(line_json).collect::<Vec<_>>(),
                    "subtotal": mad(f.subtotal_minor), "shipping": mad(f.shipping_minor),
                    "discount": (f.discount_minor > 0).then(|| mad(f.discount_minor)),
                    "payment_method": order.payment_method, "address": address(Locale::Fr),
                }),
            },
        )?;
    }
    Ok(())
}

/// Stores the provider's payment id and client secret once the payment is started.
pub fn attach_payment(
    conn: &mut DbConn,
    order_id: i64,
    reference: Option<String>,
    secret: Option<String>,
) -> Result<OrderRow, AppError> {
    write_tx(conn, |conn| {
        store::set_payment_reference(conn, order_id, reference.as_deref(), secret.as_deref())?;
        store::find_order(conn, order_id)?.ok_or_else(|| AppError::internal("order vanished"))
    })
}

// ---- access ----

pub fn can_view_order(viewer: Option<&Viewer>, order: &OrderRow) -> bool {
    viewer.is_some_and(|v| v.is_admin() || order.account_id == Some(v.account_id))
}

/// An order the viewer may see (theirs, or any for staff), by its raw id; `None` otherwise.
pub fn visible_order(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<OrderRow>, AppError> {
    Ok(store::find_order(conn, id)?.filter(|o| can_view_order(viewer, o)))
}

/// An order line the viewer may see: whoever sees its order, and its cooperative's managers.
pub fn visible_order_line(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<OrderLineRow>, AppError> {
    let Some(line) = store::find_order_line(conn, id)? else { return Ok(None) };
    if viewer.is_some_and(|v| v.can_manage(line.cooperative_id))
        || visible_order(conn, viewer, line.order_id)?.is_some()
    {
        return Ok(Some(line));
    }
    Ok(None)
}

/// A fulfilment the viewer may see: its cooperative's managers and staff.
pub fn visible_fulfilment(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<FulfilmentRow>, AppError> {
    Ok(store::find_fulfilment(conn, id)?.filter(|f| can_handle_fulfilment(viewer, f)))
}

/// A cooperative's managers handle its part of an order; administrators handle any.
pub(super) fn can_handle_fulfilment(viewer: Option<&Viewer>, fulfilment: &FulfilmentRow) -> bool {
    viewer.is_some_and(|v| v.can_manage(fulfilment.cooperative_id))
}

pub fn find_order_for(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
    field: &[&str],
) -> Result<OrderRow, AppError> {
    let raw = ids::decode(id, "Order")
        .ok_or_else(|| AppError::user(ErrorCode::InvalidId, field, msg!("is not a valid Order id")))?;
    visible_order(conn, viewer, raw)?
        .ok_or_else(|| AppError::user(ErrorCode::OrderNotFound, field, msg!("no such order")))
}

/// A guest finds their order with its number and the email it was placed with.
/// A guest's order by its number, email and lookup key (all three must match).
pub fn lookup_order(conn: &mut DbConn, number: &str, email: &str, key: &str) -> Result<Option<OrderRow>, AppError> {
    let email = crate::kernel::validate::normalize_email(email);
    let key = key.trim();
    Ok(store::order_by_number(conn, number.trim())?
        .filter(|o| o.email == email && !o.lookup_key.is_empty() && same_secret(&o.lookup_key, key)))
}

/// Compares two secrets in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- lifecycle ----

/// The order's status that its fulfilments imply.
fn derived_status(order: &OrderRow, fulfilments: &[FulfilmentRow]) -> OrderStatus {
    let live: Vec<&FulfilmentRow> = fulfilments.iter().filter(|f| f.status() != FulfilmentStatus::Cancelled).collect();
    if live.is_empty() {
        return OrderStatus::Cancelled;
    }
    let delivered = live.iter().filter(|f| f.status() == FulfilmentStatus::Delivered).count();
    let shipped = live.iter().filter(|f| f.status() == FulfilmentStatus::Shipped).count() + delivered;
    if delivered == live.len() {
        if order.payment_status() == PaymentStatus::Paid { OrderStatus::Completed } else { OrderStatus::Delivered }
    } else if shipped == live.len() {
        OrderStatus::Shipped
    } else if shipped > 0 {
        OrderStatus::PartiallyShipped
    } else {
        order.status()
    }
}

/// Moves the order to what its fulfilments and payment imply, recording the transition.
fn settle_order(conn: &mut DbConn, order_id: i64, viewer: Option<&Viewer>) -> Result<OrderRow, AppError> {
    let order = store::find_order(conn, order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    let fulfilments = store::fulfilments_of_orders(conn, &[order_id])?.remove(&order_id).unwrap_or_default();
    // Cash on delivery is paid once every live part has been delivered and its cash collected.
    let live: Vec<&FulfilmentRow> = fulfilments.iter().filter(|f| f.status() != FulfilmentStatus::Cancelled).collect();
    if order.payment_method() == PaymentMethod::CashOnDelivery
        && order.payment_status() == PaymentStatus::Pending
        && !live.is_empty()
        && live.iter().all(|f| f.cash_collected)
    {
        store::set_payment_status(conn, order_id, PaymentStatus::Paid, now())?;
        emit_order_event(conn, &order, EventType::OrderPaid)?;
    }
    let order = store::find_order(conn, order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    let target = derived_status(&order, &fulfilments);
    // Completion passes through DELIVERED so that every step is on record.
    let steps: &[OrderStatus] = if target == OrderStatus::Completed && order.status() != OrderStatus::Delivered {
        &[OrderStatus::Delivered, OrderStatus::Completed]
    } else {
        std::slice::from_ref(&target)
    };
    let mut current = order.status();
    for &step in steps {
        if step != current && current.can_become(step) {
            store::set_order_status(conn, order_id, step, now())?;
            event(conn, &order, None, viewer, Some(current.as_str()), step.as_str(), None)?;
            current = step;
        }
    }
    store::find_order(conn, order_id)?.ok_or_else(|| AppError::internal("order vanished"))
}

fn cancel_fulfilment(conn: &mut DbConn, f: &FulfilmentRow) -> Result<(), AppError> {
    let lines = store::lines_of_fulfilments(conn, &[f.id])?.remove(&f.id).unwrap_or_default();
    catalog::release_stock(conn, &lines.iter().map(|l| (l.variant_id, l.quantity)).collect::<Vec<_>>())?;
    if f.refunded_minor > 0 {
        // Refunded first: the refund already reversed its sale and commission.
        return Ok(());
    }
    ledger(
        conn,
        f.cooperative_id,
        Some(f.order_id),
        Some(f.id),
        LedgerKind::Cancellation,
        -f.gross_minor(),
        None,
        None,
    )?;
    ledger(
        conn,
        f.cooperative_id,
        Some(f.order_id),
        Some(f.id),
        LedgerKind::Cancellation,
        f.commission_minor,
        None,
        None,
    )?;
    if f.marketplace_discount_minor > 0 {
        ledger(
            conn,
            f.cooperative_id,
            Some(f.order_id),
            Some(f.id),
            LedgerKind::MarketplaceDiscount,
            -f.marketplace_discount_minor,
            None,
            None,
        )?;
    }
    Ok(())
}

/// Longest note or reason kept with an order's history, in characters.
pub const MAX_NOTE_LEN: usize = 1000;

/// Free text is bounded wherever it is kept.
fn bounded(checks: &mut Checks, field: Vec<String>, text: Option<&str>, max: usize) {
    if text.is_some_and(|t| t.chars().count() > max) {
        checks.fail_with(ErrorCode::TooLong, field, msg!("must be at most {max} characters", max = max));
    }
}

pub fn update_fulfilment(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: FulfilmentUpdateInput,
) -> Result<FulfilmentRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut bounds = Checks::new();
    bounded(&mut bounds, path!["input", "note"], input.note.as_deref(), MAX_NOTE_LEN);
    bounded(&mut bounds, path!["input", "carrier"], input.carrier.as_deref(), 100);
    bounded(&mut bounds, path!["input", "trackingNumber"], input.tracking_number.as_deref(), 100);
    bounds.finish()?;
    let raw = ids::decode(&input.fulfilment_id, "Fulfilment").ok_or_else(|| {
        AppError::user(ErrorCode::InvalidId, &["input", "fulfilmentId"], msg!("is not a valid Fulfilment id"))
    })?;
    let current = store::find_fulfilment(conn, raw)?;
    let current = match current {
        Some(f) if can_handle_fulfilment(Some(viewer), &f) => f,
        Some(_) => return Err(AppError::forbidden(msg!("you may only handle your own cooperative's orders"))),
        None => {
            return Err(AppError::user(
                ErrorCode::FulfilmentNotFound,
                &["input", "fulfilmentId"],
                msg!("no such fulfilment"),
            ));
        }
    };
    let from = current.status();
    let to = input.status;
    if !from.can_become(to) {
        return Err(AppError::Rejected(vec![UserError::new(
            ErrorCode::InvalidTransition,
            &["input", "status"],
            msg!("a fulfilment cannot go from {from} to {to}", from = from.as_str(), to = to.as_str()),
        )]));
    }
    let mut checks = Checks::new();
    let (carrier, tracking) = shipping_details(&mut checks, &input, &current, to);
    let order = store::find_order(conn, current.order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    let cod = order.payment_method() == PaymentMethod::CashOnDelivery;
    let cash_collected = input.cash_collected.unwrap_or(false);
    if cash_collected && (!cod || to != FulfilmentStatus::Delivered) {
        checks.fail(path!["input", "cashCollected"], msg!("only for cash-on-delivery orders, when delivering"));
    }
    if order.status() == OrderStatus::PendingPayment && to != FulfilmentStatus::Cancelled {
        checks.push(UserError::new(ErrorCode::OrderNotPaid, &["input", "status"], msg!("the order is not paid yet")));
    }
    checks.finish()?;
    write_tx(conn, |conn| {
        let moved = store::move_fulfilment(
            conn,
            current.id,
            from,
            to,
            carrier.as_deref(),
            tracking.as_deref(),
            current.cash_collected || cash_collected,
            now(),
        )?;
        if moved == 0 {
            return Err(AppError::user(
                ErrorCode::Conflict,
                &["input", "status"],
                msg!("the fulfilment changed meanwhile; reload it"),
            ));
        }
        event(conn, &order, Some(current.id), Some(viewer), Some(from.as_str()), to.as_str(), input.note.clone())?;
        if to == FulfilmentStatus::Cancelled {
            cancel_fulfilment(conn, &current)?;
        }
        if cash_collected {
            ledger(
                conn,
                current.cooperative_id,
                Some(order.id),
                Some(current.id),
                LedgerKind::CashCollected,
                -current.gross_minor(),
                None,
                Some(viewer.account_id),
            )?;
        }
        if to == FulfilmentStatus::Shipped {
            enqueue_shipment_notice(conn, &order, current.cooperative_id, &carrier, &tracking)?;
        }
        let data = serde_json::json!({
            "fulfilmentId": ids::encode("Fulfilment", current.id),
            "orderId": ids::encode("Order", order.id),
            "orderNumber": order.number,
            "cooperativeId": ids::encode("Cooperative", current.cooperative_id),
            "status": to.as_str(),
        });
        events::emit(conn, EventType::FulfilmentUpdated, &[current.cooperative_id], data)?;
        settle_order(conn, order.id, Some(viewer))?;
        store::find_fulfilment(conn, current.id)?.ok_or_else(|| AppError::internal("fulfilment vanished"))
    })
}

/// The carrier and tracking number a fulfilment keeps (the input's, else what it had);
/// both are required to ship.
fn shipping_details(
    checks: &mut Checks,
    input: &FulfilmentUpdateInput,
    current: &FulfilmentRow,
    to: FulfilmentStatus,
) -> (Option<String>, Option<String>) {
    let clean = |s: &Option<String>| s.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let carrier = clean(&input.carrier).or(current.carrier.clone());
    let tracking = clean(&input.tracking_number).or(current.tracking_number.clone());
    if to == FulfilmentStatus::Shipped {
        checks.check(
            carrier.as_ref().is_some_and(|c| c.chars().count() <= 100),
            path!["input", "carrier"],
            msg!("is required to ship (at most 100 characters)"),
        );
        checks.check(
            tracking.as_ref().is_some_and(|t| t.chars().count() <= 100),
            path!["input", "trackingNumber"],
            msg!("is required to ship (at most 100 characters)"),
        );
    }
    (carrier, tracking)
}

/// Tells the buyer a cooperative's part of the order shipped.
fn enqueue_shipment_notice(
    conn: &mut DbConn,
    order: &OrderRow,
    cooperative_id: i64,
    carrier: &Option<String>,
    tracking: &Option<String>,
) -> Result<(), AppError> {
    let cooperative = registry::find_cooperative(conn, cooperative_id)?;
    let locale = Locale::parse(&order.locale).unwrap_or(Locale::Fr);
    notify::enqueue(
        conn,
        &EmailJob {
            template: EmailTemplate::ShipmentNotice,
            to: order.email.clone(),
            locale: order.locale.clone(),
            data: serde_json::json!({
                "number": order.number,
                "cooperative_name": cooperative.map(|c| c.name().resolve(locale).text).unwrap_or_default(),
                "carrier": carrier, "tracking_number": tracking,
            }),
        },
    )
}

/// The buyer (before anything ships and before a card payment) or staff cancel an order;
/// stock goes back and the ledger is reversed.
pub fn cancel_order(conn: &mut DbConn, viewer: Option<&Viewer>, input: OrderCancelInput) -> Result<OrderRow, AppError> {
    let viewer_ref = viewer.ok_or(AppError::Unauthenticated)?;
    let mut bounds = Checks::new();
    bounded(&mut bounds, path!["input", "reason"], input.reason.as_deref(), MAX_NOTE_LEN);
    bounds.finish()?;
    let order = find_order_for(conn, viewer, &input.order_id, &["input", "orderId"])?;
    if !order.status().can_become(OrderStatus::Cancelled) {
        return Err(AppError::Rejected(vec![UserError::new(
            ErrorCode::InvalidTransition,
            &["input", "orderId"],
            msg!("an order that is {status} cannot be cancelled", status = order.status().as_str()),
        )]));
    }
    if order.payment_status() == PaymentStatus::Paid {
        return Err(AppError::Rejected(vec![UserError::new(
            ErrorCode::InvalidTransition,
            &["input", "orderId"],
            msg!("this order is paid: it is refunded by the marketplace's staff instead"),
        )]));
    }
    // A card payment in flight may still succeed: cancelling now would release the stock of
    // an order the buyer is paying for. Only a failed one may be cancelled, by the staff.
    let card_started = order.payment_method() == PaymentMethod::Card && order.payment_reference.is_some();
    if card_started && (order.payment_status() != PaymentStatus::Failed || !viewer_ref.is_admin()) {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "orderId"],
            msg!("a card payment was started for this order: it is paid or it fails before it can be cancelled"),
        ));
    }
    write_tx(conn, |conn| {
        let fulfilments = store::fulfilments_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
        if fulfilments.iter().any(|f| {
            !matches!(
                f.status(),
                FulfilmentStatus::Pending | FulfilmentStatus::Processing | FulfilmentStatus::Cancelled
            )
        }) {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "orderId"],
                msg!("part of the order has already shipped"),
            ));
        }
        for f in fulfilments.iter().filter(|f| f.status() != FulfilmentStatus::Cancelled) {
            if store::move_fulfilment(conn, f.id, f.status(), FulfilmentStatus::Cancelled, None, None, false, now())?
                == 0
            {
                return Err(AppError::user(
                    ErrorCode::Conflict,
                    &["input", "orderId"],
                    msg!("the order changed meanwhile; reload it"),
                ));
            }
            cancel_fulfilment(conn, f)?;
        }
        promotions::release(conn, order.id)?;
        store::set_order_status(conn, order.id, OrderStatus::Cancelled, now())?;
        event(
            conn,
            &order,
            None,
            Some(viewer_ref),
            Some(order.status().as_str()),
            OrderStatus::Cancelled.as_str(),
            input.reason.clone(),
        )?;
        store::find_order(conn, order.id)?.ok_or_else(|| AppError::internal("order vanished"))
    })
}

/// What a refund covers: the amount and, for one cooperative's part, its fulfilment.
pub struct RefundPlan {
    pub order: OrderRow,
    pub fulfilment: Option<FulfilmentRow>,
    pub amount_minor: i64,
    pub idempotency_key: String,
}

/// What a refund gives back for one part: what was paid for it and not yet refunded. Cash on
/// delivery pays a part only when its cash is collected.
fn refundable_minor(f: &FulfilmentRow, cod: bool) -> i64 {
    if cod && !f.cash_collected { 0 } else { f.gross_minor() - f.refunded_minor }
}

/// Staff only: checks the refund is possible and how much it is, without changing anything.
pub fn plan_refund(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: &OrderRefundInput,
) -> Result<RefundPlan, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    if !v.is_admin() {
        return Err(AppError::forbidden(msg!("only the marketplace's staff refund orders")));
    }
    let mut bounds = Checks::new();
    bounded(&mut bounds, path!["input", "reason"], input.reason.as_deref(), MAX_NOTE_LEN);
    bounds.finish()?;
    let order = find_order_for(conn, viewer, &input.order_id, &["input", "orderId"])?;
    if !matches!(order.payment_status(), PaymentStatus::Paid | PaymentStatus::PartiallyRefunded) {
        return Err(AppError::Rejected(vec![UserError::new(
            ErrorCode::OrderNotPaid,
            &["input", "orderId"],
            msg!("only paid orders are refunded"),
        )]));
    }
    let fulfilment = match &input.fulfilment_id {
        Some(id) => {
            let raw = ids::decode(id, "Fulfilment").ok_or_else(|| {
                AppError::user(ErrorCode::InvalidId, &["input", "fulfilmentId"], msg!("is not a valid Fulfilment id"))
            })?;
            let f = store::find_fulfilment(conn, raw)?.filter(|f| f.order_id == order.id).ok_or_else(|| {
                AppError::user(
                    ErrorCode::FulfilmentNotFound,
                    &["input", "fulfilmentId"],
                    msg!("no such fulfilment in this order"),
                )
            })?;
            Some(f)
        }
        None => None,
    };
    let cod = order.payment_method() == PaymentMethod::CashOnDelivery;
    let amount_minor = match &fulfilment {
        Some(f) => refundable_minor(f, cod),
        None => {
            let parts = store::fulfilments_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
            parts.iter().map(|f| refundable_minor(f, cod)).sum()
        }
    };
    if amount_minor <= 0 {
        return Err(AppError::Rejected(vec![UserError::new(
            ErrorCode::InvalidTransition,
            &["input", "orderId"],
            msg!("already refunded"),
        )]));
    }
    let idempotency_key =
        format!("refund-{}-{}-{}", order.id, fulfilment.as_ref().map(|f| f.id).unwrap_or(0), order.refunded_minor);
    Ok(RefundPlan { order, fulfilment, amount_minor, idempotency_key })
}

/// Records a refund the provider accepted: amounts, ledger, statuses.
pub fn record_refund(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    plan: RefundPlan,
    provider_reference: Option<String>,
    reason: Option<String>,
) -> Result<OrderRow, AppError> {
    write_tx(conn, |conn| {
        let order = &plan.order;
        // Planned on what the order was; if another refund landed since (a double submit,
        // with the same idempotency key at the provider), it is already recorded.
        if store::add_order_refunded_if(conn, order.id, order.refunded_minor, plan.amount_minor)? == 0 {
            return store::find_order(conn, order.id)?.ok_or_else(|| AppError::internal("order vanished"));
        }
        let cod = order.payment_method() == PaymentMethod::CashOnDelivery;
        let fulfilments = store::fulfilments_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
        let targets: Vec<&FulfilmentRow> = match &plan.fulfilment {
            Some(f) => fulfilments.iter().filter(|x| x.id == f.id).collect(),
            None => fulfilments.iter().filter(|f| refundable_minor(f, cod) > 0).collect(),
        };
        for f in targets {
            let amount = refundable_minor(f, cod);
            store::add_fulfilment_refunded(conn, f.id, amount)?;
            // A cancelled part's sale and commission were already reversed by its
            // cancellation: the buyer gets the money back, the cooperative's ledger is done.
            if f.status() == FulfilmentStatus::Cancelled || amount == 0 {
                continue;
            }
            // Cash on delivery: the cooperative that took the cash gives it back itself, so
            // only the commission comes back to it.
            if !cod {
                ledger(
                    conn,
                    f.cooperative_id,
                    Some(order.id),
                    Some(f.id),
                    LedgerKind::Refund,
                    -amount,
                    provider_reference.clone(),
                    viewer.map(|v| v.account_id),
                )?;
            }
            // Whatever commission and marketplace discount are still on the ledger (returns
            // may have moved some back already).
            let commission_left = -store::fulfilment_ledger_sum(
                conn,
                f.id,
                &[LedgerKind::Commission.as_str(), LedgerKind::CommissionReversal.as_str()],
            )?;
            if commission_left > 0 {
                ledger(
                    conn,
                    f.cooperative_id,
                    Some(order.id),
                    Some(f.id),
                    LedgerKind::CommissionReversal,
                    commission_left,
                    None,
                    viewer.map(|v| v.account_id),
                )?;
            }
            let marketplace_left =
                store::fulfilment_ledger_sum(conn, f.id, &[LedgerKind::MarketplaceDiscount.as_str()])?;
            if marketplace_left > 0 {
                ledger(
                    conn,
                    f.cooperative_id,
                    Some(order.id),
                    Some(f.id),
                    LedgerKind::MarketplaceDiscount,
                    -marketplace_left,
                    None,
                    viewer.map(|v| v.account_id),
                )?;
            }
        }
        store::insert_refund(
            conn,
            &NewRefund {
                order_id: order.id,
                fulfilment_id: plan.fulfilment.as_ref().map(|f| f.id),
                amount_minor: plan.amount_minor,
                provider_reference,
                status: "SUCCEEDED".into(),
                reason: reason.clone(),
                created_at: now(),
            },
        )?;
        let refunded = order.refunded_minor + plan.amount_minor;
        let (payment, status) = if refunded >= order.total_minor {
            (PaymentStatus::Refunded, Some(OrderStatus::Refunded))
        } else {
            (PaymentStatus::PartiallyRefunded, None)
        };
        store::set_payment_status(conn, order.id, payment, now())?;
        if let Some(status) = status.filter(|s| order.status().can_become(*s)) {
            store::set_order_status(conn, order.id, status, now())?;
            event(conn, order, None, viewer, Some(order.status().as_str()), status.as_str(), reason)?;
        }
        store::find_order(conn, order.id)?.ok_or_else(|| AppError::internal("order vanished"))
    })
}

// ---- payments from the provider ----

/// The card order an event is about: the one whose PaymentIntent it names. The metadata's
/// order id is only trusted for an order whose PaymentIntent is not recorded yet, and only
/// card orders take card events.
fn event_order(conn: &mut DbConn, event: &StripeEvent, intent_id: &str) -> Result<Option<OrderRow>, AppError> {
    if let Some(order) = store::order_by_payment_reference(conn, intent_id)? {
        return Ok(Some(order));
    }
    let by_metadata = match event.data.object.metadata.get("order_id").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => store::find_order(conn, id)?,
        None => None,
    };
    Ok(by_metadata.filter(|o| o.payment_method() == PaymentMethod::Card && o.payment_reference.is_none()))
}

/// Whether a succeeded PaymentIntent paid this order: its whole total, in dirhams.
fn pays_for(intent: &StripeObject, order: &OrderRow) -> bool {
    let received = intent.amount_received.or(intent.amount);
    order.payment_method() == PaymentMethod::Card
        && intent.currency.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("mad"))
        && received == Some(order.total_minor)
}

/// Applies a verified Stripe event once: a replay, or an event for another integration,
/// changes nothing. Safe in any order: a late `payment_failed` never undoes a payment.
pub fn apply_stripe_event(conn: &mut DbConn, event: &StripeEvent) -> Result<bool, AppError> {
    write_tx(conn, |conn| {
        let object = &event.data.object;
        let intent_id = object.payment_intent.clone().unwrap_or_else(|| object.id.clone());
        let order = event_order(conn, event, &intent_id)?;
        if !store::record_payment_event(
            conn,
            "stripe",
            &event.id,
            &event.event_type,
            order.as_ref().map(|o| o.id),
            now(),
        )? {
            return Ok(false);
        }
        let Some(order) = order else { return Ok(true) };
        if order.payment_reference.is_none() && event.event_type.starts_with("payment_intent.") {
            store::set_payment_reference(conn, order.id, Some(&object.id), order.payment_client_secret.as_deref())?;
        }
        match event.event_type.as_str() {
            "payment_intent.succeeded" if !pays_for(object, &order) => {
                tracing::warn!(order = order.id, intent = %intent_id, "a PaymentIntent's amount or currency is not its order's; ignored");
            }
            "payment_intent.succeeded" if order.status() == OrderStatus::Cancelled => {
                // Money taken for a cancelled order: recorded, and said, so the staff refund it.
                store::set_payment_status(conn, order.id, PaymentStatus::Paid, now())?;
                event_system(conn, &order, OrderStatus::Cancelled, "paid after it was cancelled: refund it")?;
                tracing::error!(order = order.id, intent = %intent_id, "a cancelled order was paid; it needs a refund");
            }
            "payment_intent.succeeded" if order.payment_status() != PaymentStatus::Paid => {
                store::set_payment_status(conn, order.id, PaymentStatus::Paid, now())?;
                emit_order_event(conn, &order, EventType::OrderPaid)?;
                if order.status() == OrderStatus::PendingPayment {
                    store::set_order_status(conn, order.id, OrderStatus::Confirmed, now())?;
                    event_system(conn, &order, OrderStatus::Confirmed, "payment received")?;
                    let order =
                        store::find_order(conn, order.id)?.ok_or_else(|| AppError::internal("order vanished"))?;
                    enqueue_order_emails(conn, &order)?;
                }
            }
            "payment_intent.payment_failed" if order.payment_status() == PaymentStatus::Pending => {
                // The order stays payable: the buyer can try again with the same PaymentIntent.
                store::set_payment_status(conn, order.id, PaymentStatus::Failed, now())?;
                notify::enqueue(
                    conn,
                    &EmailJob {
                        template: EmailTemplate::PaymentFailed,
                        to: order.email.clone(),
                        locale: order.locale.clone(),
                        data: serde_json::json!({ "number": order.number, "total": mad(order.total_minor) }),
                    },
                )?;
            }
            "payment_intent.processing" | "payment_intent.requires_action"
                if order.payment_status() == PaymentStatus::Failed =>
            {
                store::set_payment_status(conn, order.id, PaymentStatus::Pending, now())?;
            }
            "charge.refunded" => {
                let refunded = object.amount_refunded.unwrap_or(0);
                if refunded > order.refunded_minor {
                    store::add_order_refunded(conn, order.id, refunded - order.refunded_minor)?;
                    let full = refunded >= order.total_minor;
                    store::set_payment_status(
                        conn,
                        order.id,
                        if full { PaymentStatus::Refunded } else { PaymentStatus::PartiallyRefunded },
                        now(),
                    )?;
                    if full && order.status().can_become(OrderStatus::Refunded) {
                        store::set_order_status(conn, order.id, OrderStatus::Refunded, now())?;
                        event_system(conn, &order, OrderStatus::Refunded, "refunded at the payment provider")?;
                    }
                }
            }
            _ => {}
        }
        Ok(true)
    })
}

fn event_system(conn: &mut DbConn, order: &OrderRow, to: OrderStatus, note: &str) -> Result<(), AppError> {
    store::insert_event(
        conn,
        &NewOrderEvent {
            order_id: order.id,
            fulfilment_id: None,
            actor_account_id: None,
            actor: "PAYMENT_PROVIDER".into(),
            from_status: Some(order.status.clone()),
            to_status: to.as_str().into(),
            note: Some(note.into()),
            created_at: now(),
        },
    )?;
    Ok(())
}

// ---- money for cooperatives ----

#[derive(Debug, Clone, Default)]
pub struct Balance {
    pub sales_minor: i64,
    pub commission_minor: i64,
    pub cash_collected_minor: i64,
    pub refunds_minor: i64,
    pub paid_out_minor: i64,
    pub balance_minor: i64,
}

pub fn can_see_money(viewer: Option<&Viewer>, cooperative_id: i64) -> bool {
    viewer.is_some_and(|v| v.can_manage(cooperative_id))
}

pub fn balance(conn: &mut DbConn, viewer: Option<&Viewer>, cooperative_id: i64) -> Result<Balance, AppError> {
    if !can_see_money(viewer, cooperative_id) {
        return Err(if viewer.is_none() {
            AppError::Unauthenticated
        } else {
            AppError::forbidden(msg!("not your cooperative"))
        });
    }
    let mut b = Balance::default();
    for (kind, sum) in store::ledger_balance(conn, cooperative_id)? {
        match LedgerKind::parse(&kind) {
            Some(LedgerKind::Sale) => b.sales_minor += sum,
            Some(LedgerKind::Commission) | Some(LedgerKind::CommissionReversal) => b.commission_minor -= sum,
            Some(LedgerKind::CashCollected) => b.cash_collected_minor -= sum,
            Some(LedgerKind::Refund) => b.refunds_minor -= sum,
            Some(LedgerKind::Cancellation) => b.sales_minor += sum,
            Some(LedgerKind::Payout) => b.paid_out_minor -= sum,
            Some(LedgerKind::MarketplaceDiscount) => b.sales_minor += sum,
            None => {}
        }
        b.balance_minor += sum;
    }
    Ok(b)
}

pub fn record_payout(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: PayoutRecordInput,
) -> Result<Balance, AppError> {
    let admin = crate::kernel::viewer::require_admin(viewer)?;
    let mut checks = Checks::new();
    let cooperative_id =
        ids::decode_input(&input.cooperative_id, "Cooperative", path!["input", "cooperativeId"], &mut checks);
    let amount = match crate::kernel::money::parse_amount(&input.amount.0, 2) {
        Ok(a) if a > 0 => Some(a),
        Ok(_) => {
            checks.fail(path!["input", "amount"], msg!("must be more than zero"));
            None
        }
        Err(e) => {
            checks.fail_with(e.code(), path!["input", "amount"], e.message());
            None
        }
    };
    let reference = input.reference.trim().to_string();
    checks.check(
        (1..=100).contains(&reference.chars().count()),
        path!["input", "reference"],
        msg!("must be 1 to 100 characters"),
    );
    checks.finish()?;
    let (cooperative_id, amount) = (cooperative_id.unwrap_or_default(), amount.unwrap_or_default());
    write_tx(conn, |conn| {
        if registry::find_cooperative(conn, cooperative_id)?.is_none() {
            return Err(AppError::user(
                ErrorCode::CooperativeNotFound,
                &["input", "cooperativeId"],
                msg!("no such cooperative"),
            ));
        }
        let owed = balance(conn, viewer, cooperative_id)?.balance_minor;
        if amount > owed {
            return Err(AppError::bad_input(
                &["input", "amount"],
                msg!("the cooperative is owed {owed}", owed = mad(owed.max(0))),
            ));
        }
        ledger(
            conn,
            cooperative_id,
            None,
            None,
            LedgerKind::Payout,
            -amount,
            Some(reference.clone()),
            Some(admin.account_id),
        )?;
        balance(conn, viewer, cooperative_id)
    })
}

pub fn set_shipping_rate(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ShippingRateSetInput,
) -> Result<(), AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    let cooperative_id = match (&input.cooperative_id, v.cooperative_id) {
        (Some(id), _) => ids::decode_input(id, "Cooperative", path!["input", "cooperativeId"], &mut checks),
        (None, Some(own)) => Some(own),
        (None, None) => {
            checks.fail(path!["input", "cooperativeId"], msg!("is required"));
            None
        }
    };
    checks.finish()?;
    let cooperative_id = cooperative_id.unwrap_or_default();
    if !v.can_manage(cooperative_id) {
        return Err(AppError::forbidden(msg!("you may only set your own cooperative's shipping rates")));
    }
    let mut checks = Checks::new();
    let parse = |checks: &mut Checks, field: &str, text: &str| match crate::kernel::money::parse_amount(text, 2) {
        Ok(v) => Some(v),
        Err(e) => {
            checks.fail_with(e.code(), path!["input", field], e.message());
            None
        }
    };
    let rate = parse(&mut checks, "rate", &input.rate.0);
    let free_above = input.free_above.as_ref().and_then(|f| parse(&mut checks, "freeAbove", &f.0));
    let region_id = match &input.region_code {
        Some(code) => registry::region_id(conn, &mut checks, path!["input", "regionCode"], code)?,
        None => None,
    };
    checks.finish()?;
    write_tx(conn, |conn| {
        if registry::find_cooperative(conn, cooperative_id)?.is_none() {
            return Err(AppError::user(
                ErrorCode::CooperativeNotFound,
                &["input", "cooperativeId"],
                msg!("no such cooperative"),
            ));
        }
        store::set_shipping_rate(conn, cooperative_id, region_id, rate.unwrap_or_default(), free_above)?;
        Ok(())
    })
}

// ---- payments: calls to the provider, outside the database transactions ----

/// A placed order and what the storefront needs to collect a card payment. When the
/// provider fails, the order waits, payable (retrying the checkout with the same key tries
/// again), and `payment_errors` says why.
pub struct PlacedOrder {
    pub order: OrderRow,
    pub payment_client_secret: Option<String>,
    pub payment_errors: Vec<UserError>,
}

/// Places the order (one transaction), then starts its card payment when it needs one.
pub async fn checkout_and_pay(
    db: &Db,
    payments: &Payments,
    viewer: Option<Viewer>,
    input: CheckoutCompleteInput,
    settings: CommerceSettings,
) -> Result<PlacedOrder, AppError> {
    let checkout = db.run(move |conn| checkout(conn, viewer.as_ref(), input, &settings)).await?;
    let mut order = checkout.order;
    if order.payment_method() == PaymentMethod::Card && order.payment_reference.is_none() {
        let provider = payments
            .provider(PaymentMethod::Card)
            .ok_or_else(|| AppError::internal("card order without a card provider"))?;
        let request = PaymentRequest {
            order_id: order.id,
            order_number: order.number.clone(),
            amount_minor: order.total_minor,
            currency: order.currency.clone(),
            email: order.email.clone(),
            idempotency_key: order.idempotency_key.clone(),
        };
        match provider.start(&request).await {
            Ok(start) => {
                let id = order.id;
                order = db.run(move |conn| attach_payment(conn, id, start.reference, start.client_secret)).await?;
            }
            Err(e) => {
                let payment_errors = e.user_errors().ok_or(e)?;
                return Ok(PlacedOrder { order, payment_client_secret: None, payment_errors });
            }
        }
    }
    let payment_client_secret =
        order.payment_client_secret.clone().filter(|_| order.payment_status() != PaymentStatus::Paid);
    Ok(PlacedOrder { order, payment_client_secret, payment_errors: Vec::new() })
}

/// Staff refund a paid order, whole or one cooperative's part: the plan is checked, the
/// provider refunds (idempotently), then the refund is recorded.
pub async fn refund_order(
    db: &Db,
    payments: &Payments,
    viewer: Option<Viewer>,
    input: OrderRefundInput,
) -> Result<OrderRow, AppError> {
    let plan = {
        let (viewer, input) = (viewer.clone(), input.clone());
        db.run(move |conn| plan_refund(conn, viewer.as_ref(), &input)).await?
    };
    let provider = payments
        .provider(plan.order.payment_method())
        .ok_or_else(|| AppError::internal("no provider for a paid order"))?;
    let reference = plan.order.payment_reference.clone().unwrap_or_default();
    let provider_reference = provider.refund(&reference, plan.amount_minor, &plan.idempotency_key).await?;
    let reason = input.reason;
    db.run(move |conn| record_refund(conn, viewer.as_ref(), plan, provider_reference, reason)).await
}

// ---- listings ----

/// A customer's orders (`account_id`), or every order (staff listings pass `None`).
pub fn list_orders(
    conn: &mut DbConn,
    account_id: Option<i64>,
    status: Option<OrderStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<OrderRow>, AppError> {
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_orders(c, account_id, status)?),
        |c, seek| store::list_orders(c, account_id, status, seek),
        |o| Key::id(o.id),
    )
}

/// Every order: staff only.
pub fn list_all_orders(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    status: Option<OrderStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<OrderRow>, AppError> {
    require_admin(viewer)?;
    list_orders(conn, None, status, args, want_total)
}

/// Which cooperative a listing shows: staff choose one or see all; managers see their own
/// (asking for another's is refused with `refusal`).
pub(super) fn cooperative_scope(
    viewer: &Viewer,
    wanted: Option<i64>,
    refusal: Message,
) -> Result<Option<i64>, AppError> {
    if viewer.is_admin() {
        return Ok(wanted);
    }
    match (viewer.cooperative_id, wanted) {
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(w)) if w == own => Ok(Some(own)),
        _ => Err(AppError::forbidden(refusal)),
    }
}

/// The fulfilments to handle: a manager's cooperative's, or any (or one cooperative's) for staff.
pub fn list_fulfilments(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    wanted: Option<i64>,
    status: Option<FulfilmentStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<FulfilmentRow>, AppError> {
    let viewer = require_viewer(viewer)?;
    let cooperative = cooperative_scope(viewer, wanted, msg!("you may only see your own cooperative's orders"))?;
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_fulfilments(c, cooperative, status)?),
        |c, seek| store::list_fulfilments(c, cooperative, status, seek),
        |f| Key::id(f.id),
    )
}

/// A cooperative's ledger, newest first: its managers and staff.
pub fn list_ledger(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative_id: i64,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<LedgerEntryRow>, AppError> {
    if !can_see_money(viewer, cooperative_id) {
        return Err(AppError::forbidden(msg!("not your cooperative")));
    }
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_ledger_entries(c, cooperative_id)?),
        |c, seek| store::ledger_entries(c, cooperative_id, seek),
        |e| Key::id(e.id),
    )
}

/// The token of the customer's open cart, if any.
pub fn open_cart_token(conn: &mut DbConn, account_id: i64) -> Result<Option<String>, AppError> {
    Ok(store::open_cart_of_account(conn, account_id)?.map(|c| c.token))
}

pub use store::FulfilmentTiming;

/// Whether an account received a product in a delivered order (who may review it).
pub fn has_received(conn: &mut DbConn, account_id: i64, product_id: i64) -> Result<bool, AppError> {
    Ok(store::has_received(conn, account_id, product_id)?)
}

/// The marketplace's side of a scoring run: every fulfilment of a confirmed order since
/// `since`, with its net sales and when it was shipped (one query).
pub fn fulfilment_timings(conn: &mut DbConn, since: chrono::NaiveDateTime) -> Result<Vec<FulfilmentTiming>, AppError> {
    Ok(store::fulfilment_timings(conn, since)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CommerceSettings {
        CommerceSettings {
            default_commission_bps: 1000,
            default_shipping_minor: 3500,
            free_shipping_above_minor: Some(50_000),
            max_line_quantity: 100,
            max_cart_lines: 50,
            card_enabled: false,
            default_locale: Locale::Fr,
            return_window_days: 7,
        }
    }

    #[test]
    fn commission_rounds_half_up_in_minor_units() {
        assert_eq!(commission(12_345, 1000), 1_235);
        assert_eq!(commission(10_000, 850), 850);
        assert_eq!(commission(0, 1000), 0);
    }

    #[test]
    fn shipping_prefers_the_region_then_the_cooperative_then_the_default() {
        let rate = |region: Option<i64>, minor: i64, free: Option<i64>| ShippingRateRow {
            id: 0,
            cooperative_id: 7,
            region_id: region,
            rate_minor: minor,
            free_above_minor: free,
        };
        let rates = vec![rate(None, 2000, None), rate(Some(9), 1000, Some(30_000))];
        let s = settings();
        assert_eq!(shipping_for(&rates, &s, 7, Some(9), 10_000), 1000);
        assert_eq!(shipping_for(&rates, &s, 7, Some(9), 30_000), 0);
        assert_eq!(shipping_for(&rates, &s, 7, Some(1), 90_000), 2000);
        assert_eq!(shipping_for(&rates, &s, 8, None, 10_000), 3500);
        assert_eq!(shipping_for(&rates, &s, 8, None, 50_000), 0);
    }

    #[test]
    fn state_machines_refuse_shortcuts() {
        assert!(FulfilmentStatus::Pending.can_become(FulfilmentStatus::Processing));
        assert!(!FulfilmentStatus::Pending.can_become(FulfilmentStatus::Delivered));
        assert!(!FulfilmentStatus::Delivered.can_become(FulfilmentStatus::Cancelled));
        assert!(OrderStatus::PendingPayment.can_become(OrderStatus::Confirmed));
        assert!(!OrderStatus::Shipped.can_become(OrderStatus::Cancelled));
        assert!(!OrderStatus::Cancelled.can_become(OrderStatus::Confirmed));
    }
}
