//! Returns of delivered goods, per fulfilment: the buyer asks within the return window
//! (lines, quantities, a reason), the cooperative approves or refuses, and when the goods
//! come back it records their receipt, which refunds them — through Stripe for a card order,
//! as cash the cooperative hands back for cash on delivery — and may restock them.
//!
//! What a returned unit refunds: its share of what the buyer paid for the line (the line's
//! total less its discounts), split so that returning every unit refunds exactly the line.
//! Shipping is not refunded by a return (staff refund it with `orderRefund` when the
//! cooperative is at fault). The ledger moves back, in proportion, the commission on the
//! returned goods and the marketplace's share of their discounts.

use std::collections::HashMap;

use async_graphql::ID;

use super::model::*;
use super::service::{
    CommerceSettings, MAX_NOTE_LEN, can_handle_fulfilment, commission, cooperative_scope, ledger, mad,
};
use super::store;
use crate::catalog::service as catalog;
use crate::kernel::db::{Db, DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::Locale;
use crate::kernel::viewer::Viewer;
use crate::msg;
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::path;
use crate::payments::{PaymentMethod, Payments};
use crate::registry::service as registry;

/// Lines one return may list.
pub const MAX_RETURN_LINES: usize = 50;

fn not_found(field: &[&str]) -> AppError {
    AppError::user(ErrorCode::ReturnNotFound, field, msg!("no such return request"))
}

/// The buyer of the order (or staff) may see a return; so may the cooperative's managers.
pub fn can_see(conn: &mut DbConn, viewer: Option<&Viewer>, r: &ReturnRow) -> Result<bool, AppError> {
    let Some(v) = viewer else { return Ok(false) };
    if v.can_manage(r.cooperative_id) {
        return Ok(true);
    }
    Ok(store::find_order(conn, r.order_id)?.is_some_and(|o| o.account_id == Some(v.account_id)))
}

pub fn visible_return(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<ReturnRow>, AppError> {
    match store::find_return(conn, id)? {
        Some(r) if can_see(conn, viewer, &r)? => Ok(Some(r)),
        _ => Ok(None),
    }
}

/// Quantities of each order line already in returns that were not refused.
fn returned_quantities(conn: &mut DbConn, fulfilment_id: i64) -> Result<HashMap<i64, i64>, AppError> {
    let returns = store::returns_of_fulfilments(conn, &[fulfilment_id])?.remove(&fulfilment_id).unwrap_or_default();
    let live: Vec<i64> = returns.iter().filter(|r| r.status() != ReturnStatus::Refused).map(|r| r.id).collect();
    let mut out = HashMap::new();
    for line in store::return_lines_of(conn, &live)?.into_values().flatten() {
        *out.entry(line.order_line_id).or_default() += line.quantity;
    }
    Ok(out)
}

/// The buyer asks to return lines of a delivered fulfilment.
pub fn request_return(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ReturnRequestCreateInput,
    settings: &CommerceSettings,
) -> Result<ReturnRow, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(String::from);
    checks.check(
        comment.as_ref().is_none_or(|c| c.chars().count() <= MAX_NOTE_LEN && !c.contains('\0')),
        path!["input", "comment"],
        msg!("must be at most {max} characters", max = MAX_NOTE_LEN),
    );
    if input.lines.is_empty() || input.lines.len() > MAX_RETURN_LINES {
        checks.fail(path!["input", "lines"], msg!("list 1 to {max} lines", max = MAX_RETURN_LINES));
    }
    let mut wanted: Vec<(usize, i64, i64)> = Vec::new();
    for (i, line) in input.lines.iter().enumerate().take(MAX_RETURN_LINES) {
        let field = path!["input", "lines", i.to_string(), "orderLineId"];
        if let Some(id) = ids::decode_input(&line.order_line_id, "OrderLine", field.clone(), &mut checks) {
            if wanted.iter().any(|w| w.1 == id) {
                checks.fail(field, msg!("this line is listed twice"));
            }
            wanted.push((i, id, line.quantity));
        }
        checks.check(
            line.quantity >= 1,
            path!["input", "lines", i.to_string(), "quantity"],
            msg!("must be at least 1"),
        );
    }
    let fulfilment_id =
        ids::decode_input(&input.fulfilment_id, "Fulfilment", path!["input", "fulfilmentId"], &mut checks);
    checks.finish()?;
    let missing =
        || AppError::user(ErrorCode::FulfilmentNotFound, &["input", "fulfilmentId"], msg!("no such fulfilment"));
    let f = store::find_fulfilment(conn, fulfilment_id.unwrap_or_default())?.ok_or_else(missing)?;
    let order = store::find_order(conn, f.order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    if order.account_id != Some(v.account_id) && !v.is_admin() {
        return Err(missing());
    }
    let refuse = |message| Err(AppError::user(ErrorCode::ReturnNotAllowed, &["input", "fulfilmentId"], message));
    if f.status() != FulfilmentStatus::Delivered {
        return refuse(msg!("only delivered goods can be returned"));
    }
    let paid = match order.payment_method() {
        PaymentMethod::CashOnDelivery => f.cash_collected,
        _ => matches!(order.payment_status(), PaymentStatus::Paid | PaymentStatus::PartiallyRefunded),
    };
    if !paid {
        return refuse(msg!("this part of the order is not paid"));
    }
    let at = now();
    let delivered = f.delivered_at.unwrap_or(f.updated_at);
    if at > delivered + chrono::Duration::days(settings.return_window_days) {
        return Err(AppError::user(
            ErrorCode::ReturnWindowClosed,
            &["input", "fulfilmentId"],
            msg!("returns close {days} days after delivery", days = settings.return_window_days),
        ));
    }
    let lines = store::lines_of_fulfilments(conn, &[f.id])?.remove(&f.id).unwrap_or_default();
    write_tx(conn, |conn| {
        // Requests for one fulfilment take turns, so two cannot return the same unit.
        store::lock_fulfilment(conn, f.id, at)?;
        let already = returned_quantities(conn, f.id)?;
        let mut checks = Checks::new();
        for (i, id, quantity) in &wanted {
            match lines.iter().find(|l| l.id == *id) {
                None => checks.fail_with(
                    ErrorCode::NotFound,
                    path!["input", "lines", i.to_string(), "orderLineId"],
                    msg!("this line is not part of the fulfilment"),
                ),
                Some(line) => {
                    let left = line.quantity - already.get(id).copied().unwrap_or(0);
                    if *quantity > left {
                        checks.fail_with(
                            ErrorCode::ReturnQuantityExceeded,
                            path!["input", "lines", i.to_string(), "quantity"],
                            msg!("at most {left} left to return", left = left.max(0)),
                        );
                    }
                }
            }
        }
        checks.finish()?;
        let id = store::insert_return(
            conn,
            &NewReturn {
                order_id: order.id,
                fulfilment_id: f.id,
                cooperative_id: f.cooperative_id,
                requested_by: v.account_id,
                status: ReturnStatus::Requested.as_str().into(),
                reason: input.reason.as_str().into(),
                comment: comment.clone(),
                created_at: at,
                updated_at: at,
            },
        )?;
        for (_, line, quantity) in &wanted {
            store::insert_return_line(conn, id, *line, *quantity)?;
        }
        let r = store::find_return(conn, id)?.ok_or_else(|| AppError::internal("return vanished"))?;
        notify_step(conn, &r, &order, "requested", None)?;
        Ok(r)
    })
}

fn return_id(input: &ID) -> Result<i64, AppError> {
    ids::decode(input, "ReturnRequest").ok_or_else(|| {
        AppError::user(ErrorCode::InvalidId, &["input", "returnRequestId"], msg!("is not a valid ReturnRequest id"))
    })
}

/// A return the viewer handles (its cooperative's managers, staff); others do not find it.
fn handled_return(conn: &mut DbConn, viewer: &Viewer, id: i64) -> Result<(ReturnRow, FulfilmentRow), AppError> {
    let field = ["input", "returnRequestId"];
    let r = store::find_return(conn, id)?.ok_or_else(|| not_found(&field))?;
    let f = store::find_fulfilment(conn, r.fulfilment_id)?.ok_or_else(|| AppError::internal("fulfilment vanished"))?;
    if !can_handle_fulfilment(Some(viewer), &f) {
        return Err(if can_see(conn, Some(viewer), &r)? {
            AppError::forbidden(msg!("only the cooperative answers a return request"))
        } else {
            not_found(&field)
        });
    }
    Ok((r, f))
}

/// The cooperative approves (the buyer sends the goods back) or refuses (with a note).
pub fn decide(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ReturnRequestDecisionInput,
    approve: bool,
) -> Result<ReturnRow, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(String::from);
    let mut checks = Checks::new();
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_LEN) {
        checks.fail_with(
            ErrorCode::TooLong,
            path!["input", "note"],
            msg!("must be at most {max} characters", max = MAX_NOTE_LEN),
        );
    }
    if !approve && note.is_none() {
        checks.fail_with(ErrorCode::Required, path!["input", "note"], msg!("say why the return is refused"));
    }
    checks.finish()?;
    let id = return_id(&input.return_request_id)?;
    let (r, _) = handled_return(conn, v, id)?;
    let order = store::find_order(conn, r.order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    let at = now();
    let status = if approve { ReturnStatus::Approved } else { ReturnStatus::Refused };
    write_tx(conn, |conn| {
        let change = ReturnDecision {
            status: status.as_str().into(),
            decision_note: note.clone(),
            decided_by: Some(v.account_id),
            decided_at: Some(at),
            updated_at: at,
            ..ReturnDecision::default()
        };
        if store::move_return(conn, id, ReturnStatus::Requested, &change)? == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "returnRequestId"],
                msg!("this return request was already answered"),
            ));
        }
        let r = store::find_return(conn, id)?.ok_or_else(|| AppError::internal("return vanished"))?;
        notify_step(conn, &r, &order, if approve { "approved" } else { "refused" }, note.as_deref())?;
        Ok(r)
    })
}

/// What each returned line refunds, and the ledger's share of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineRefund {
    pub order_line_id: i64,
    pub quantity: i64,
    /// Money back to the buyer.
    pub refund_minor: i64,
    /// The marketplace's share of the line's discounts, for these units.
    pub marketplace_discount_minor: i64,
    /// The commission base of these units (price less the cooperative's own discounts).
    pub commission_base_minor: i64,
}

/// `amount × (before + quantity) / total − amount × before / total`: the share of `amount`
/// for `quantity` units after `before` units were already refunded, so that refunding every
/// unit sums to exactly `amount`.
fn units_share(amount: i64, before: i64, quantity: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    let at = |n: i64| (i128::from(amount) * i128::from(n) / i128::from(total)) as i64;
    at(before + quantity) - at(before)
}

pub fn line_refund(line: &OrderLineRow, before: i64, quantity: i64) -> LineRefund {
    let share = |amount: i64| units_share(amount, before, quantity, line.quantity);
    let cooperative_discount = line.discount_minor - line.marketplace_discount_minor;
    LineRefund {
        order_line_id: line.id,
        quantity,
        refund_minor: share(line.line_total_minor - line.discount_minor),
        marketplace_discount_minor: share(line.marketplace_discount_minor),
        commission_base_minor: share(line.line_total_minor - cooperative_discount),
    }
}

/// A return ready to be refunded: what it gives back, line by line.
pub struct ReceivePlan {
    pub r: ReturnRow,
    pub order: OrderRow,
    pub fulfilment: FulfilmentRow,
    pub lines: Vec<LineRefund>,
    pub refund_minor: i64,
}

fn plan_receipt(conn: &mut DbConn, viewer: Option<&Viewer>, return_request_id: &ID) -> Result<ReceivePlan, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let id = return_id(return_request_id)?;
    let (r, f) = handled_return(conn, v, id)?;
    if r.status() != ReturnStatus::Approved {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "returnRequestId"],
            msg!("only an approved return is received (this one is {status})", status = r.status().as_str()),
        ));
    }
    let order = store::find_order(conn, r.order_id)?.ok_or_else(|| AppError::internal("order vanished"))?;
    let order_lines = store::lines_of_fulfilments(conn, &[f.id])?.remove(&f.id).unwrap_or_default();
    // Units of each line refunded by earlier returns.
    let earlier = store::returns_of_fulfilments(conn, &[f.id])?.remove(&f.id).unwrap_or_default();
    let refunded: Vec<i64> =
        earlier.iter().filter(|e| e.status() == ReturnStatus::Refunded && e.id != r.id).map(|e| e.id).collect();
    let mut before: HashMap<i64, i64> = HashMap::new();
    for l in store::return_lines_of(conn, &refunded)?.into_values().flatten() {
        *before.entry(l.order_line_id).or_default() += l.quantity;
    }
    let mine = store::return_lines_of(conn, &[r.id])?.remove(&r.id).unwrap_or_default();
    let lines: Vec<LineRefund> = mine
        .iter()
        .filter_map(|l| {
            let line = order_lines.iter().find(|o| o.id == l.order_line_id)?;
            Some(line_refund(line, before.get(&line.id).copied().unwrap_or(0), l.quantity))
        })
        .collect();
    let refund_minor = lines.iter().map(|l| l.refund_minor).sum();
    Ok(ReceivePlan { r, order, fulfilment: f, lines, refund_minor })
}

/// Records the receipt: the refund, the ledger, the stock and the buyer's email, once.
fn record_receipt(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    plan: ReceivePlan,
    restock: bool,
    reference: Option<String>,
) -> Result<ReturnRow, AppError> {
    let (r, order, f) = (&plan.r, &plan.order, &plan.fulfilment);
    let at = now();
    write_tx(conn, |conn| {
        let change = ReturnDecision {
            status: ReturnStatus::Refunded.as_str().into(),
            refund_minor: Some(plan.refund_minor),
            refund_reference: reference.clone(),
            restocked: Some(restock),
            refunded_at: Some(at),
            updated_at: at,
            ..ReturnDecision::default()
        };
        if store::move_return(conn, r.id, ReturnStatus::Approved, &change)? == 0 {
            // Recorded meanwhile (a double submit, refunded once at the provider by its key).
            return store::find_return(conn, r.id)?.ok_or_else(|| AppError::internal("return vanished"));
        }
        for l in &plan.lines {
            store::set_return_line_refund(conn, r.id, l.order_line_id, l.refund_minor)?;
        }
        let by = viewer.map(|v| v.account_id);
        let cod = order.payment_method() == PaymentMethod::CashOnDelivery;
        let refund = plan.refund_minor;
        // What is still on the ledger for this part: a return never takes back more.
        let commission_left = -store::fulfilment_ledger_sum(
            conn,
            f.id,
            &[LedgerKind::Commission.as_str(), LedgerKind::CommissionReversal.as_str()],
        )?;
        let marketplace_left = store::fulfilment_ledger_sum(conn, f.id, &[LedgerKind::MarketplaceDiscount.as_str()])?;
        let base: i64 = plan.lines.iter().map(|l| l.commission_base_minor).sum();
        let commission_back = commission(base, f.commission_rate_bps).clamp(0, commission_left.max(0));
        let marketplace_back =
            plan.lines.iter().map(|l| l.marketplace_discount_minor).sum::<i64>().clamp(0, marketplace_left.max(0));
        // Cash on delivery: the cooperative holds the cash and hands it back itself.
        let reference_text = reference.clone().or_else(|| cod.then(|| "cash".to_string()));
        if !cod && refund > 0 {
            ledger(
                conn,
                f.cooperative_id,
                Some(order.id),
                Some(f.id),
                LedgerKind::Refund,
                -refund,
                reference.clone(),
                by,
            )?;
        }
        if commission_back > 0 {
            ledger(
                conn,
                f.cooperative_id,
                Some(order.id),
                Some(f.id),
                LedgerKind::CommissionReversal,
                commission_back,
                None,
                by,
            )?;
        }
        if marketplace_back > 0 {
            ledger(
                conn,
                f.cooperative_id,
                Some(order.id),
                Some(f.id),
                LedgerKind::MarketplaceDiscount,
                -marketplace_back,
                None,
                by,
            )?;
        }
        store::add_fulfilment_refunded(conn, f.id, refund)?;
        store::add_order_refunded(conn, order.id, refund)?;
        store::insert_refund(
            conn,
            &NewRefund {
                order_id: order.id,
                fulfilment_id: Some(f.id),
                amount_minor: refund,
                provider_reference: reference_text,
                status: "SUCCEEDED".into(),
                reason: Some(format!("return {}", ids::encode("ReturnRequest", r.id).0)),
                created_at: at,
            },
        )?;
        let order_now = store::find_order(conn, order.id)?.ok_or_else(|| AppError::internal("order vanished"))?;
        if matches!(order_now.payment_status(), PaymentStatus::Paid | PaymentStatus::PartiallyRefunded) {
            let status = if order_now.refunded_minor >= order_now.total_minor {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
            store::set_payment_status(conn, order.id, status, at)?;
        }
        if restock {
            let lines = store::lines_of_fulfilments(conn, &[f.id])?.remove(&f.id).unwrap_or_default();
            let items: Vec<(i64, i64)> = plan
                .lines
                .iter()
                .filter_map(|l| lines.iter().find(|o| o.id == l.order_line_id).map(|o| (o.variant_id, l.quantity)))
                .collect();
            catalog::release_stock(conn, &items)?;
        }
        let r = store::find_return(conn, r.id)?.ok_or_else(|| AppError::internal("return vanished"))?;
        notify_step(conn, &r, order, "refunded", None)?;
        Ok(r)
    })
}

/// The cooperative received the goods back: refund them (the provider first, idempotently by
/// the return's id), then record it.
pub async fn receive(
    db: &Db,
    payments: &Payments,
    viewer: Option<Viewer>,
    input: ReturnRequestReceiveInput,
) -> Result<ReturnRow, AppError> {
    let plan = {
        let (viewer, id) = (viewer.clone(), input.return_request_id.clone());
        db.run(move |conn| plan_receipt(conn, viewer.as_ref(), &id)).await?
    };
    let card = plan.order.payment_method() != PaymentMethod::CashOnDelivery;
    let reference = if card && plan.refund_minor > 0 {
        let provider = payments
            .provider(plan.order.payment_method())
            .ok_or_else(|| AppError::internal("no provider for a paid order"))?;
        let payment = plan.order.payment_reference.clone().unwrap_or_default();
        let key = format!("return-{}", plan.r.id);
        provider.refund(&payment, plan.refund_minor, &key).await?
    } else {
        None
    };
    let restock = input.restock;
    db.run(move |conn| record_receipt(conn, viewer.as_ref(), plan, restock, reference)).await
}

/// Emails the buyer at each step, and the cooperative when a request arrives.
fn notify_step(
    conn: &mut DbConn,
    r: &ReturnRow,
    order: &OrderRow,
    step: &str,
    note: Option<&str>,
) -> Result<(), AppError> {
    let cooperative = registry::find_cooperative(conn, r.cooperative_id)?;
    let locale = Locale::parse(&order.locale).unwrap_or(Locale::Fr);
    let order_lines = store::lines_of_orders(conn, &[order.id])?.remove(&order.id).unwrap_or_default();
    let lines: Vec<serde_json::Value> = store::return_lines_of(conn, &[r.id])?
        .remove(&r.id)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| {
            let line = order_lines.iter().find(|o| o.id == l.order_line_id)?;
            Some(serde_json::json!({ "name": line.product_name, "sku": line.sku, "quantity": l.quantity }))
        })
        .collect();
    let data = |locale: Locale, step: &str| {
        serde_json::json!({
            "number": order.number,
            "cooperative_name": cooperative.as_ref().map(|c| c.name().resolve(locale).text).unwrap_or_default(),
            "step": step, "note": note, "reason": r.reason, "lines": lines,
            "amount": (r.refund_minor > 0).then(|| mad(r.refund_minor)),
        })
    };
    notify::enqueue(
        conn,
        &EmailJob {
            template: EmailTemplate::ReturnUpdate,
            to: order.email.clone(),
            locale: order.locale.clone(),
            data: data(locale, step),
        },
    )?;
    if step == "requested"
        && let Some(to) = cooperative.as_ref().and_then(|c| c.contact_email.clone())
    {
        notify::enqueue(
            conn,
            &EmailJob {
                template: EmailTemplate::ReturnUpdate,
                to,
                locale: Locale::Fr.code().into(),
                data: data(Locale::Fr, "requested_cooperative"),
            },
        )?;
    }
    Ok(())
}

/// Staff: every return (or one cooperative's); managers: their cooperative's. Newest first.
pub fn list_returns(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative: Option<i64>,
    status: Option<ReturnStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ReturnRow>, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let cooperative_id = cooperative_scope(v, cooperative, msg!("you may only see your own cooperative's returns"))?;
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_returns(c, cooperative_id, status)?),
        |c, seek| store::list_returns(c, cooperative_id, status, seek),
        |r| Key::id(r.id),
    )
}

/// A return's lines with the order lines they return.
pub fn lines_of(conn: &mut DbConn, r: &ReturnRow) -> Result<Vec<(ReturnLineRow, OrderLineRow)>, AppError> {
    let order_lines =
        store::lines_of_fulfilments(conn, &[r.fulfilment_id])?.remove(&r.fulfilment_id).unwrap_or_default();
    Ok(store::return_lines_of(conn, &[r.id])?
        .remove(&r.id)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| order_lines.iter().find(|o| o.id == l.order_line_id).cloned().map(|o| (l, o)))
        .collect())
}

/// The returns of fulfilments, for those who may see them.
pub fn returns_of_fulfilment(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    fulfilment_id: i64,
) -> Result<Vec<ReturnRow>, AppError> {
    let returns = store::returns_of_fulfilments(conn, &[fulfilment_id])?.remove(&fulfilment_id).unwrap_or_default();
    // One fulfilment's returns share its order and cooperative: who sees one sees them all.
    match returns.first() {
        Some(first) if can_see(conn, viewer, first)? => Ok(returns),
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64, total: i64, discount: i64, marketplace: i64) -> OrderLineRow {
        OrderLineRow {
            id: 1,
            order_id: 1,
            fulfilment_id: 1,
            variant_id: 1,
            product_id: 1,
            cooperative_id: 1,
            product_name: "Huile".into(),
            sku: "A".into(),
            unit_price_minor: total / quantity,
            quantity,
            line_total_minor: total,
            discount_minor: discount,
            marketplace_discount_minor: marketplace,
        }
    }

    #[test]
    fn returning_every_unit_refunds_exactly_the_line() {
        let l = line(3, 10_000, 1_001, 400);
        let parts = [line_refund(&l, 0, 1), line_refund(&l, 1, 1), line_refund(&l, 2, 1)];
        assert_eq!(parts.iter().map(|p| p.refund_minor).sum::<i64>(), 10_000 - 1_001);
        assert_eq!(parts.iter().map(|p| p.marketplace_discount_minor).sum::<i64>(), 400);
        assert_eq!(parts.iter().map(|p| p.commission_base_minor).sum::<i64>(), 10_000 - 601);
        assert_eq!(line_refund(&l, 0, 3).refund_minor, 8_999);
        assert_eq!(parts[0].refund_minor, 2_999);
    }
}
