//! The only place that queries the orders' tables.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::DbConn;
use crate::kernel::db::schema::{
    cart_discount_codes, cart_lines, carts, fulfilments, ledger_entries, order_events, order_lines, orders,
    payment_events, promotion_products, promotion_redemptions, promotions, refunds, return_lines, return_requests,
    saved_addresses, shipping_rates,
};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;

fn group_by<R>(rows: Vec<R>, key: impl Fn(&R) -> i64) -> HashMap<i64, Vec<R>> {
    let mut map: HashMap<i64, Vec<R>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

// ---- carts ----

pub fn cart_by_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<CartRow>> {
    carts::table.filter(carts::token.eq(token)).select(CartRow::as_select()).first(conn).optional()
}

pub fn find_cart(conn: &mut DbConn, id: i64) -> QueryResult<Option<CartRow>> {
    carts::table.find(id).select(CartRow::as_select()).first(conn).optional()
}

pub fn find_cart_line(conn: &mut DbConn, id: i64) -> QueryResult<Option<CartLineRow>> {
    cart_lines::table.find(id).select(CartLineRow::as_select()).first(conn).optional()
}

pub fn open_cart_of_account(conn: &mut DbConn, account_id: i64) -> QueryResult<Option<CartRow>> {
    carts::table
        .filter(carts::account_id.eq(account_id))
        .filter(carts::completed_at.is_null())
        .order((carts::updated_at.desc(), carts::id.desc()))
        .select(CartRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_cart(conn: &mut DbConn, token: &str, account_id: Option<i64>, at: NaiveDateTime) -> QueryResult<i64> {
    crate::insert_returning_id!(
        conn,
        carts::table,
        carts::id,
        (carts::token.eq(token), carts::account_id.eq(account_id), carts::created_at.eq(at), carts::updated_at.eq(at))
    )
}

pub fn touch_cart(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(carts::table.find(id)).set(carts::updated_at.eq(at)).execute(conn)
}

pub fn set_cart_account(conn: &mut DbConn, id: i64, account_id: i64) -> QueryResult<usize> {
    diesel::update(carts::table.find(id)).set(carts::account_id.eq(account_id)).execute(conn)
}

/// Marks an open cart completed; 0 when it already was.
pub fn complete_cart(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(carts::table.find(id).filter(carts::completed_at.is_null()))
        .set(carts::completed_at.eq(at))
        .execute(conn)
}

pub fn cart_lines(conn: &mut DbConn, cart_id: i64) -> QueryResult<Vec<CartLineRow>> {
    cart_lines::table
        .filter(cart_lines::cart_id.eq(cart_id))
        .order(cart_lines::id.asc())
        .select(CartLineRow::as_select())
        .load(conn)
}

/// Adds `quantity` of a variant, or more of it when the cart already has it.
pub fn add_cart_line(
    conn: &mut DbConn,
    cart_id: i64,
    variant_id: i64,
    quantity: i64,
    unit_price_minor: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(
        cart_lines::table.filter(cart_lines::cart_id.eq(cart_id)).filter(cart_lines::variant_id.eq(variant_id)),
    )
    .set((cart_lines::quantity.eq(cart_lines::quantity + quantity), cart_lines::unit_price_minor.eq(unit_price_minor)))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(cart_lines::table)
            .values((
                cart_lines::cart_id.eq(cart_id),
                cart_lines::variant_id.eq(variant_id),
                cart_lines::quantity.eq(quantity),
                cart_lines::unit_price_minor.eq(unit_price_minor),
                cart_lines::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_cart_line_quantity(conn: &mut DbConn, cart_id: i64, line_id: i64, quantity: i64) -> QueryResult<usize> {
    let target = cart_lines::table.filter(cart_lines::cart_id.eq(cart_id)).filter(cart_lines::id.eq(line_id));
    if quantity == 0 {
        diesel::delete(target).execute(conn)
    } else {
        diesel::update(target).set(cart_lines::quantity.eq(quantity)).execute(conn)
    }
}

pub fn remove_cart_lines(conn: &mut DbConn, cart_id: i64, line_ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(cart_lines::table.filter(cart_lines::cart_id.eq(cart_id)).filter(cart_lines::id.eq_any(line_ids)))
        .execute(conn)
}

pub fn delete_cart_lines(conn: &mut DbConn, cart_id: i64) -> QueryResult<usize> {
    diesel::delete(cart_lines::table.filter(cart_lines::cart_id.eq(cart_id))).execute(conn)
}

// ---- shipping rates ----

pub fn shipping_rates_for(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<Vec<ShippingRateRow>> {
    shipping_rates::table
        .filter(shipping_rates::cooperative_id.eq_any(cooperative_ids))
        .select(ShippingRateRow::as_select())
        .load(conn)
}

/// Replaces the rate for (cooperative, destination region).
pub fn set_shipping_rate(
    conn: &mut DbConn,
    cooperative_id: i64,
    region_id: Option<i64>,
    rate_minor: i64,
    free_above_minor: Option<i64>,
) -> QueryResult<()> {
    let mut existing = shipping_rates::table.filter(shipping_rates::cooperative_id.eq(cooperative_id)).into_boxed();
    existing = match region_id {
        Some(r) => existing.filter(shipping_rates::region_id.eq(r)),
        None => existing.filter(shipping_rates::region_id.is_null()),
    };
    let ids: Vec<i64> = existing.select(shipping_rates::id).load(conn)?;
    diesel::delete(shipping_rates::table.filter(shipping_rates::id.eq_any(ids))).execute(conn)?;
    diesel::insert_into(shipping_rates::table)
        .values((
            shipping_rates::cooperative_id.eq(cooperative_id),
            shipping_rates::region_id.eq(region_id),
            shipping_rates::rate_minor.eq(rate_minor),
            shipping_rates::free_above_minor.eq(free_above_minor),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- orders ----

pub fn insert_order(conn: &mut DbConn, order: &OrderRow) -> QueryResult<i64> {
    // The id is the database's: insert every column but it.
    crate::insert_returning_id!(
        conn,
        orders::table,
        orders::id,
        (
            orders::number.eq(&order.number),
            orders::idempotency_key.eq(&order.idempotency_key),
            orders::cart_id.eq(order.cart_id),
            orders::account_id.eq(order.account_id),
            orders::email.eq(&order.email),
            orders::phone.eq(&order.phone),
            orders::locale.eq(&order.locale),
            orders::status.eq(&order.status),
            orders::payment_method.eq(&order.payment_method),
            orders::payment_status.eq(&order.payment_status),
            orders::currency.eq(&order.currency),
            orders::subtotal_minor.eq(order.subtotal_minor),
            orders::shipping_minor.eq(order.shipping_minor),
            orders::total_minor.eq(order.total_minor),
            orders::ship_full_name.eq(&order.ship_full_name),
            orders::ship_line1.eq(&order.ship_line1),
            orders::ship_line2.eq(&order.ship_line2),
            orders::ship_city.eq(&order.ship_city),
            orders::ship_region_id.eq(order.ship_region_id),
            orders::ship_postal_code.eq(&order.ship_postal_code),
            orders::created_at.eq(order.created_at),
            orders::updated_at.eq(order.updated_at),
            orders::lookup_key.eq(&order.lookup_key),
            orders::discount_minor.eq(order.discount_minor),
        )
    )
}

pub fn set_order_number(conn: &mut DbConn, id: i64, number: &str) -> QueryResult<usize> {
    diesel::update(orders::table.find(id)).set(orders::number.eq(number)).execute(conn)
}

pub fn find_order(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrderRow>> {
    orders::table.find(id).select(OrderRow::as_select()).first(conn).optional()
}

pub fn orders_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, OrderRow>> {
    let rows: Vec<OrderRow> = orders::table.filter(orders::id.eq_any(ids)).select(OrderRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

pub fn order_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<OrderRow>> {
    orders::table.filter(orders::idempotency_key.eq(key)).select(OrderRow::as_select()).first(conn).optional()
}

pub fn order_by_number(conn: &mut DbConn, number: &str) -> QueryResult<Option<OrderRow>> {
    orders::table.filter(orders::number.eq(number)).select(OrderRow::as_select()).first(conn).optional()
}

pub fn order_by_payment_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<OrderRow>> {
    orders::table.filter(orders::payment_reference.eq(reference)).select(OrderRow::as_select()).first(conn).optional()
}

pub fn list_orders(
    conn: &mut DbConn,
    account_id: Option<i64>,
    status: Option<OrderStatus>,
    seek: &Seek,
) -> Result<Vec<OrderRow>, AppError> {
    let mut q = orders::table.into_boxed();
    if let Some(a) = account_id {
        q = q.filter(orders::account_id.eq(a));
    }
    if let Some(s) = status {
        q = q.filter(orders::status.eq(s.as_str()));
    }
    Ok(crate::seek_by_id!(q, orders::id, seek, descending).select(OrderRow::as_select()).load(conn)?)
}

pub fn count_orders(conn: &mut DbConn, account_id: Option<i64>, status: Option<OrderStatus>) -> QueryResult<i64> {
    let mut q = orders::table.into_boxed();
    if let Some(a) = account_id {
        q = q.filter(orders::account_id.eq(a));
    }
    if let Some(s) = status {
        q = q.filter(orders::status.eq(s.as_str()));
    }
    q.select(count_star()).first(conn)
}

pub fn set_order_status(conn: &mut DbConn, id: i64, status: OrderStatus, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(orders::table.find(id))
        .set((orders::status.eq(status.as_str()), orders::updated_at.eq(at)))
        .execute(conn)
}

pub fn set_payment_status(conn: &mut DbConn, id: i64, status: PaymentStatus, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(orders::table.find(id))
        .set((orders::payment_status.eq(status.as_str()), orders::updated_at.eq(at)))
        .execute(conn)
}

pub fn set_payment_reference(
    conn: &mut DbConn,
    id: i64,
    reference: Option<&str>,
    client_secret: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(orders::table.find(id))
        .set((orders::payment_reference.eq(reference), orders::payment_client_secret.eq(client_secret)))
        .execute(conn)
}

pub fn add_order_refunded(conn: &mut DbConn, id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(orders::table.find(id)).set(orders::refunded_minor.eq(orders::refunded_minor + amount)).execute(conn)
}

/// Adds a refund to an order only if its refunded total is still `seen`; 0 when another
/// refund got there first. On PostgreSQL the update waits for that other one's commit.
pub fn add_order_refunded_if(conn: &mut DbConn, id: i64, seen: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(orders::table.find(id).filter(orders::refunded_minor.eq(seen)))
        .set(orders::refunded_minor.eq(orders::refunded_minor + amount))
        .execute(conn)
}

// ---- fulfilments and lines ----

pub fn insert_fulfilment(conn: &mut DbConn, new: &NewFulfilment) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, fulfilments::table, fulfilments::id, new)
}

pub fn insert_order_line(conn: &mut DbConn, new: &NewOrderLine) -> QueryResult<usize> {
    diesel::insert_into(order_lines::table).values(new).execute(conn)
}

pub fn find_fulfilment(conn: &mut DbConn, id: i64) -> QueryResult<Option<FulfilmentRow>> {
    fulfilments::table.find(id).select(FulfilmentRow::as_select()).first(conn).optional()
}

pub fn fulfilments_of_orders(conn: &mut DbConn, order_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<FulfilmentRow>>> {
    let rows = fulfilments::table
        .filter(fulfilments::order_id.eq_any(order_ids))
        .order(fulfilments::id.asc())
        .select(FulfilmentRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.order_id))
}

pub fn list_fulfilments(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    status: Option<FulfilmentStatus>,
    seek: &Seek,
) -> Result<Vec<FulfilmentRow>, AppError> {
    let mut q = fulfilments::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(fulfilments::cooperative_id.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(fulfilments::status.eq(s.as_str()));
    }
    Ok(crate::seek_by_id!(q, fulfilments::id, seek, descending).select(FulfilmentRow::as_select()).load(conn)?)
}

pub fn count_fulfilments(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    status: Option<FulfilmentStatus>,
) -> QueryResult<i64> {
    let mut q = fulfilments::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(fulfilments::cooperative_id.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(fulfilments::status.eq(s.as_str()));
    }
    q.select(count_star()).first(conn)
}

/// Moves a fulfilment only if it is still in `from` (a concurrent move loses cleanly).
#[allow(clippy::too_many_arguments)]
pub fn move_fulfilment(
    conn: &mut DbConn,
    id: i64,
    from: FulfilmentStatus,
    to: FulfilmentStatus,
    carrier: Option<&str>,
    tracking: Option<&str>,
    cash_collected: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let moved =
        diesel::update(fulfilments::table.filter(fulfilments::id.eq(id)).filter(fulfilments::status.eq(from.as_str())))
            .set((
                fulfilments::status.eq(to.as_str()),
                fulfilments::carrier.eq(carrier),
                fulfilments::tracking_number.eq(tracking),
                fulfilments::cash_collected.eq(cash_collected),
                fulfilments::updated_at.eq(at),
            ))
            .execute(conn)?;
    if moved > 0 && to == FulfilmentStatus::Delivered {
        diesel::update(fulfilments::table.find(id)).set(fulfilments::delivered_at.eq(at)).execute(conn)?;
    }
    Ok(moved)
}

pub fn add_fulfilment_refunded(conn: &mut DbConn, id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(fulfilments::table.find(id))
        .set(fulfilments::refunded_minor.eq(fulfilments::refunded_minor + amount))
        .execute(conn)
}

pub fn find_order_line(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrderLineRow>> {
    order_lines::table.find(id).select(OrderLineRow::as_select()).first(conn).optional()
}

pub fn lines_of_orders(conn: &mut DbConn, order_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<OrderLineRow>>> {
    let rows = order_lines::table
        .filter(order_lines::order_id.eq_any(order_ids))
        .order(order_lines::id.asc())
        .select(OrderLineRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.order_id))
}

pub fn lines_of_fulfilments(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<OrderLineRow>>> {
    let rows = order_lines::table
        .filter(order_lines::fulfilment_id.eq_any(ids))
        .order(order_lines::id.asc())
        .select(OrderLineRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.fulfilment_id))
}

// ---- events, ledger, refunds ----

pub fn insert_event(conn: &mut DbConn, new: &NewOrderEvent) -> QueryResult<usize> {
    diesel::insert_into(order_events::table).values(new).execute(conn)
}

pub fn events_of_orders(conn: &mut DbConn, order_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<OrderEventRow>>> {
    let rows = order_events::table
        .filter(order_events::order_id.eq_any(order_ids))
        .order(order_events::id.asc())
        .select(OrderEventRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.order_id))
}

pub fn insert_ledger(conn: &mut DbConn, new: &NewLedgerEntry) -> QueryResult<usize> {
    diesel::insert_into(ledger_entries::table).values(new).execute(conn)
}

pub fn ledger_balance(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, Option<i64>)> = ledger_entries::table
        .filter(ledger_entries::cooperative_id.eq(cooperative_id))
        .group_by(ledger_entries::kind)
        .select((
            ledger_entries::kind,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(amount_minor) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(k, v)| (k, v.unwrap_or(0))).collect())
}

pub fn ledger_entries(conn: &mut DbConn, cooperative_id: i64, seek: &Seek) -> Result<Vec<LedgerEntryRow>, AppError> {
    let q = ledger_entries::table.filter(ledger_entries::cooperative_id.eq(cooperative_id)).into_boxed();
    Ok(crate::seek_by_id!(q, ledger_entries::id, seek, descending).select(LedgerEntryRow::as_select()).load(conn)?)
}

pub fn count_ledger_entries(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<i64> {
    ledger_entries::table.filter(ledger_entries::cooperative_id.eq(cooperative_id)).select(count_star()).first(conn)
}

pub fn insert_refund(conn: &mut DbConn, new: &NewRefund) -> QueryResult<usize> {
    diesel::insert_into(refunds::table).values(new).execute(conn)
}

/// Records a provider's event once; false when it was already recorded.
pub fn record_payment_event(
    conn: &mut DbConn,
    provider: &str,
    event_id: &str,
    event_type: &str,
    order_id: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let seen: i64 = payment_events::table
        .filter(payment_events::provider.eq(provider))
        .filter(payment_events::event_id.eq(event_id))
        .select(count_star())
        .first(conn)?;
    if seen > 0 {
        return Ok(false);
    }
    diesel::insert_into(payment_events::table)
        .values((
            payment_events::provider.eq(provider),
            payment_events::event_id.eq(event_id),
            payment_events::event_type.eq(event_type),
            payment_events::order_id.eq(order_id),
            payment_events::received_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

// ---- what the scoring reads of the marketplace ----

#[derive(Debug, Clone, QueryableByName)]
pub struct FulfilmentTiming {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cooperative_id: i64,
    /// Goods sold, net of refunds, in centimes.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub net_sales_minor: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: NaiveDateTime,
    /// When the cooperative marked it shipped, if it did.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub shipped_at: Option<NaiveDateTime>,
}

/// Every fulfilment of a confirmed order since `since` (cancelled ones aside), with the first
/// time it was marked shipped.
pub fn fulfilment_timings(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<FulfilmentTiming>> {
    let sql = crate::kernel::db::placeholders(
        conn,
        "SELECT f.cooperative_id AS cooperative_id, \
           CAST(f.subtotal_minor - f.refunded_minor AS BIGINT) AS net_sales_minor, \
           f.created_at AS created_at, \
           (SELECT MIN(e.created_at) FROM order_events e \
              WHERE e.order_id = f.order_id AND e.fulfilment_id = f.id AND e.to_status = 'SHIPPED') AS shipped_at \
         FROM fulfilments f JOIN orders o ON o.id = f.order_id \
         WHERE f.created_at >= ? AND f.status <> 'CANCELLED' AND o.status <> 'PENDING_PAYMENT' \
           AND o.status <> 'CANCELLED'",
    );
    diesel::sql_query(sql).bind::<diesel::sql_types::Timestamp, _>(since).load(conn)
}

/// Whether an account has a delivered fulfilment holding a line of this product.
pub fn has_received(conn: &mut DbConn, account_id: i64, product_id: i64) -> QueryResult<bool> {
    let delivered = order_lines::table
        .inner_join(fulfilments::table.on(fulfilments::id.eq(order_lines::fulfilment_id)))
        .inner_join(orders::table.on(orders::id.eq(order_lines::order_id)))
        .filter(orders::account_id.eq(account_id))
        .filter(order_lines::product_id.eq(product_id))
        .filter(fulfilments::status.eq(FulfilmentStatus::Delivered.as_str()))
        .select(order_lines::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(delivered.is_some())
}

// ---- The address book ----

/// An account's saved addresses, the default first, then the newest.
pub fn saved_addresses_of(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<SavedAddressRow>> {
    saved_addresses::table
        .filter(saved_addresses::account_id.eq(account_id))
        .order((saved_addresses::is_default.desc(), saved_addresses::id.desc()))
        .select(SavedAddressRow::as_select())
        .load(conn)
}

/// Several accounts' saved addresses, each account's the default first, then the newest.
pub fn saved_addresses_of_accounts(
    conn: &mut DbConn,
    account_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<SavedAddressRow>>> {
    let rows: Vec<SavedAddressRow> = saved_addresses::table
        .filter(saved_addresses::account_id.eq_any(account_ids))
        .order((saved_addresses::is_default.desc(), saved_addresses::id.desc()))
        .select(SavedAddressRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.account_id))
}

pub fn saved_address(conn: &mut DbConn, id: i64) -> QueryResult<Option<SavedAddressRow>> {
    saved_addresses::table.find(id).select(SavedAddressRow::as_select()).first(conn).optional()
}

pub fn count_saved_addresses(conn: &mut DbConn, account_id: i64) -> QueryResult<i64> {
    saved_addresses::table.filter(saved_addresses::account_id.eq(account_id)).count().get_result(conn)
}

pub fn insert_saved_address(
    conn: &mut DbConn,
    account_id: i64,
    fields: &SavedAddressFields,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let values = (
        saved_addresses::account_id.eq(account_id),
        fields,
        saved_addresses::is_default.eq(false),
        saved_addresses::created_at.eq(now),
        saved_addresses::updated_at.eq(now),
    );
    Ok(crate::insert_returning_id!(conn, saved_addresses::table, saved_addresses::id, values)?)
}

pub fn update_saved_address(
    conn: &mut DbConn,
    id: i64,
    fields: &SavedAddressFields,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(saved_addresses::table.find(id)).set((fields, saved_addresses::updated_at.eq(now))).execute(conn)
}

pub fn delete_saved_address(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(saved_addresses::table.find(id)).execute(conn)
}

/// Makes `id` the account's only default (the old default is cleared first, so the
/// one-default index holds at every statement).
pub fn set_default_address(conn: &mut DbConn, account_id: i64, id: i64) -> QueryResult<()> {
    diesel::update(
        saved_addresses::table.filter(saved_addresses::account_id.eq(account_id)).filter(saved_addresses::is_default),
    )
    .set(saved_addresses::is_default.eq(false))
    .execute(conn)?;
    diesel::update(saved_addresses::table.find(id)).set(saved_addresses::is_default.eq(true)).execute(conn)?;
    Ok(())
}

// ---- promotions ----

pub fn insert_promotion(conn: &mut DbConn, new: &NewPromotion) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, promotions::table, promotions::id, new)
}

pub fn insert_promotion_products(conn: &mut DbConn, promotion_id: i64, product_ids: &[i64]) -> QueryResult<usize> {
    // One row at a time: the shared connection type has no multi-row VALUES (at most 100 here).
    for p in product_ids {
        diesel::insert_into(promotion_products::table)
            .values((promotion_products::promotion_id.eq(promotion_id), promotion_products::product_id.eq(*p)))
            .execute(conn)?;
    }
    Ok(product_ids.len())
}

pub fn find_promotion(conn: &mut DbConn, id: i64) -> QueryResult<Option<PromotionRow>> {
    promotions::table.find(id).select(PromotionRow::as_select()).first(conn).optional()
}

pub fn promotions_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, PromotionRow>> {
    let rows = promotions::table.filter(promotions::id.eq_any(ids)).select(PromotionRow::as_select()).load(conn)?;
    Ok(crate::kernel::db::by_id(rows, |r| r.id))
}

pub fn promotions_by_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<PromotionRow>> {
    promotions::table.filter(promotions::code.eq_any(codes)).select(PromotionRow::as_select()).load(conn)
}

/// Automatic promotions turned on and started by `at` (the caller checks their end).
pub fn live_automatic_promotions(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<Vec<PromotionRow>> {
    promotions::table
        .filter(promotions::code.is_null())
        .filter(promotions::active.eq(true))
        .filter(promotions::starts_at.le(at))
        .order(promotions::id.asc())
        .select(PromotionRow::as_select())
        .load(conn)
}

pub fn update_promotion(conn: &mut DbConn, id: i64, change: &PromotionChange) -> QueryResult<usize> {
    diesel::update(promotions::table.find(id)).set(change).execute(conn)
}

/// Counts one use, unless the promotion is used up: 0 rows changed then. On PostgreSQL the
/// row lock makes concurrent checkouts take turns, each re-reading the count.
pub fn take_promotion_use(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(promotions::table.find(id).filter(
        promotions::usage_limit.is_null().or(promotions::used_count.lt(promotions::usage_limit.assume_not_null())),
    ))
    .set(promotions::used_count.eq(promotions::used_count + 1))
    .execute(conn)
}

pub fn give_back_promotion_use(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(promotions::table.find(id).filter(promotions::used_count.gt(0)))
        .set(promotions::used_count.eq(promotions::used_count - 1))
        .execute(conn)
}

pub fn count_promotions(conn: &mut DbConn, cooperative_id: Option<i64>) -> QueryResult<i64> {
    let mut q = promotions::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(promotions::cooperative_id.eq(c));
    }
    q.select(count_star()).first(conn)
}

/// Newest first, seeking by id.
pub fn list_promotions(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    seek: &Seek,
) -> Result<Vec<PromotionRow>, AppError> {
    let mut q = promotions::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(promotions::cooperative_id.eq(c));
    }
    Ok(crate::seek_by_id!(q, promotions::id, seek, descending).select(PromotionRow::as_select()).load(conn)?)
}

pub fn promotion_product_ids(conn: &mut DbConn, promotion_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = promotion_products::table
        .filter(promotion_products::promotion_id.eq_any(promotion_ids))
        .order((promotion_products::promotion_id, promotion_products::product_id))
        .select((promotion_products::promotion_id, promotion_products::product_id))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for (promotion, product) in rows {
        out.entry(promotion).or_default().push(product);
    }
    Ok(out)
}

/// The promotions whose codes a cart holds, in the order entered.
pub fn cart_code_promotions(conn: &mut DbConn, cart_id: i64) -> QueryResult<Vec<PromotionRow>> {
    cart_discount_codes::table
        .inner_join(promotions::table.on(promotions::id.eq(cart_discount_codes::promotion_id)))
        .filter(cart_discount_codes::cart_id.eq(cart_id))
        .order(cart_discount_codes::position.asc())
        .select(PromotionRow::as_select())
        .load(conn)
}

pub fn set_cart_codes(conn: &mut DbConn, cart_id: i64, promotion_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(cart_discount_codes::table.filter(cart_discount_codes::cart_id.eq(cart_id))).execute(conn)?;
    for (i, p) in promotion_ids.iter().enumerate() {
        diesel::insert_into(cart_discount_codes::table)
            .values((
                cart_discount_codes::cart_id.eq(cart_id),
                cart_discount_codes::promotion_id.eq(*p),
                cart_discount_codes::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many orders this customer placed with each of the promotions.
pub fn customer_redemptions(
    conn: &mut DbConn,
    promotion_ids: &[i64],
    customer_key: &str,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = promotion_redemptions::table
        .filter(promotion_redemptions::promotion_id.eq_any(promotion_ids))
        .filter(promotion_redemptions::customer_key.eq(customer_key))
        .group_by(promotion_redemptions::promotion_id)
        .select((promotion_redemptions::promotion_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn insert_redemption(
    conn: &mut DbConn,
    promotion_id: i64,
    order_id: i64,
    customer_key: &str,
    amount_minor: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(promotion_redemptions::table)
        .values((
            promotion_redemptions::promotion_id.eq(promotion_id),
            promotion_redemptions::order_id.eq(order_id),
            promotion_redemptions::customer_key.eq(customer_key),
            promotion_redemptions::amount_minor.eq(amount_minor),
            promotion_redemptions::created_at.eq(at),
        ))
        .execute(conn)
}

pub fn redemptions_of_order(conn: &mut DbConn, order_id: i64) -> QueryResult<Vec<RedemptionRow>> {
    promotion_redemptions::table
        .filter(promotion_redemptions::order_id.eq(order_id))
        .order(promotion_redemptions::id.asc())
        .select(RedemptionRow::as_select())
        .load(conn)
}

pub fn delete_redemptions_of_order(conn: &mut DbConn, order_id: i64) -> QueryResult<usize> {
    diesel::delete(promotion_redemptions::table.filter(promotion_redemptions::order_id.eq(order_id))).execute(conn)
}

// ---- returns ----

pub fn insert_return(conn: &mut DbConn, new: &NewReturn) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, return_requests::table, return_requests::id, new)
}

pub fn insert_return_line(conn: &mut DbConn, return_id: i64, order_line_id: i64, quantity: i64) -> QueryResult<usize> {
    diesel::insert_into(return_lines::table)
        .values((
            return_lines::return_id.eq(return_id),
            return_lines::order_line_id.eq(order_line_id),
            return_lines::quantity.eq(quantity),
        ))
        .execute(conn)
}

pub fn find_return(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReturnRow>> {
    return_requests::table.find(id).select(ReturnRow::as_select()).first(conn).optional()
}

pub fn returns_of_fulfilments(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<ReturnRow>>> {
    let rows = return_requests::table
        .filter(return_requests::fulfilment_id.eq_any(ids))
        .order(return_requests::id.asc())
        .select(ReturnRow::as_select())
        .load(conn)?;
    Ok(crate::kernel::db::group_by(rows, |r| r.fulfilment_id))
}

pub fn return_lines_of(conn: &mut DbConn, return_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<ReturnLineRow>>> {
    let rows = return_lines::table
        .filter(return_lines::return_id.eq_any(return_ids))
        .order((return_lines::return_id, return_lines::order_line_id))
        .select(ReturnLineRow::as_select())
        .load(conn)?;
    Ok(crate::kernel::db::group_by(rows, |r| r.return_id))
}

/// Moves a return from one status to another (0 rows when it is no longer in `from`).
pub fn move_return(conn: &mut DbConn, id: i64, from: ReturnStatus, change: &ReturnDecision) -> QueryResult<usize> {
    diesel::update(return_requests::table.find(id).filter(return_requests::status.eq(from.as_str())))
        .set(change)
        .execute(conn)
}

pub fn set_return_line_refund(
    conn: &mut DbConn,
    return_id: i64,
    order_line_id: i64,
    refund: i64,
) -> QueryResult<usize> {
    diesel::update(
        return_lines::table
            .filter(return_lines::return_id.eq(return_id))
            .filter(return_lines::order_line_id.eq(order_line_id)),
    )
    .set(return_lines::refund_minor.eq(refund))
    .execute(conn)
}

/// Takes the fulfilment's row lock (PostgreSQL), so return requests for one fulfilment are
/// checked one after the other.
pub fn lock_fulfilment(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(fulfilments::table.find(id)).set(fulfilments::updated_at.eq(at)).execute(conn)
}

pub fn count_returns(conn: &mut DbConn, cooperative_id: Option<i64>, status: Option<ReturnStatus>) -> QueryResult<i64> {
    let mut q = return_requests::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(return_requests::cooperative_id.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(return_requests::status.eq(s.as_str()));
    }
    q.select(count_star()).first(conn)
}

pub fn list_returns(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    status: Option<ReturnStatus>,
    seek: &Seek,
) -> Result<Vec<ReturnRow>, AppError> {
    let mut q = return_requests::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(return_requests::cooperative_id.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(return_requests::status.eq(s.as_str()));
    }
    Ok(crate::seek_by_id!(q, return_requests::id, seek, descending).select(ReturnRow::as_select()).load(conn)?)
}

/// The sum of a fulfilment's ledger entries of one kind.
pub fn fulfilment_ledger_sum(conn: &mut DbConn, fulfilment_id: i64, kinds: &[&str]) -> QueryResult<i64> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, as `ledger_balance` does.
    let sum: Option<i64> = ledger_entries::table
        .filter(ledger_entries::fulfilment_id.eq(fulfilment_id))
        .filter(ledger_entries::kind.eq_any(kinds))
        .select(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
            "CAST(SUM(amount_minor) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}
