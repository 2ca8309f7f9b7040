//! Promotions: discount codes and automatic promotions, what they take off a cart, and
//! their uses counted at checkout.
//!
//! How discounts combine: automatic promotions apply first (oldest first), then the cart's
//! codes in the order entered. Each takes its share of what is left of the lines it covers,
//! so stacked discounts never take a line below zero. A promotion's minimum is checked on
//! the full price of the goods it covers. Each discount is spread over its lines in
//! proportion to what is left of them (largest remainder, to the centime), so every
//! cooperative's part of an order knows its own discount.
//!
//! Who pays (the rule the ledger follows, per fulfilment):
//! - the buyer pays `subtotal − discount + shipping` (the SALE entry);
//! - a discount funded by the MARKETPLACE is credited to the cooperative
//!   (MARKETPLACE_DISCOUNT entry) and leaves the commission base alone;
//! - a discount funded by the COOPERATIVE lowers the commission base:
//!   commission = rate × (subtotal − cooperative-funded discount).
//!
//! So the cooperative's net is `subtotal + shipping − cooperative discount − commission`
//! whoever the buyer is, and a marketplace promotion costs the cooperative nothing.

use std::collections::HashMap;

use async_graphql::ID;
use chrono::NaiveDateTime;

use super::model::*;
use super::service::{CommerceSettings, PricedLine, cart_view, cooperative_scope, open_cart};
use super::store;
use crate::catalog::service as catalog;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode, UserError};
use crate::kernel::graphql::ids;
use crate::kernel::money::parse_amount;
use crate::kernel::viewer::Viewer;
use crate::msg;
use crate::path;

/// Codes one cart may hold.
pub const MAX_CART_CODES: usize = 5;
/// Products one PRODUCTS promotion may list.
pub const MAX_PROMOTION_PRODUCTS: usize = 100;

/// What the per-customer limit counts: the account, or a guest's email.
pub fn customer_key(account_id: Option<i64>, email: Option<&str>) -> Option<String> {
    match (account_id, email) {
        (Some(id), _) => Some(format!("a:{id}")),
        (None, Some(email)) => Some(format!("e:{}", email.trim().to_lowercase())),
        (None, None) => None,
    }
}

/// What a promotion needs to know of a cart line.
#[derive(Debug, Clone)]
pub struct LineFacts {
    pub product_id: i64,
    pub cooperative_id: i64,
    pub category_path: Option<String>,
    pub total_minor: i64,
}

/// What promotions cover beyond their row: listed products and category paths.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub products: HashMap<i64, Vec<i64>>,
    pub category_paths: HashMap<i64, String>,
}

#[derive(Debug, Clone)]
pub struct AppliedDiscount {
    pub promotion: PromotionRow,
    pub amount_minor: i64,
}

#[derive(Debug, Clone)]
pub struct CodeCheck {
    pub code: String,
    pub promotion: Option<PromotionRow>,
    pub rejection: Option<DiscountRejection>,
}

/// The discounts of a cart: those applied, each code's fate, and each line's share.
#[derive(Debug, Clone, Default)]
pub struct Discounts {
    pub applied: Vec<AppliedDiscount>,
    pub codes: Vec<CodeCheck>,
    /// Per line (in the cart's order): all discounts on it.
    pub per_line: Vec<i64>,
    /// Per line: the marketplace-funded part of `per_line`.
    pub marketplace_per_line: Vec<i64>,
}

impl Discounts {
    pub fn total_minor(&self) -> i64 {
        self.applied.iter().map(|a| a.amount_minor).sum()
    }
    pub fn rejected(&self) -> impl Iterator<Item = (usize, &CodeCheck)> {
        self.codes.iter().enumerate().filter(|(_, c)| c.rejection.is_some())
    }
}

fn covers(p: &PromotionRow, line: &LineFacts, coverage: &Coverage) -> bool {
    if p.cooperative_id.is_some_and(|c| c != line.cooperative_id) {
        return false;
    }
    match p.scope() {
        DiscountScope::Cart | DiscountScope::Cooperative => true,
        DiscountScope::Category => {
            match (p.category_id.and_then(|c| coverage.category_paths.get(&c)), &line.category_path) {
                (Some(under), Some(path)) => path.starts_with(under.as_str()),
                _ => false,
            }
        }
        DiscountScope::Products => coverage.products.get(&p.id).is_some_and(|ids| ids.contains(&line.product_id)),
    }
}

/// `amount` spread over `weights` in proportion, to the unit, largest remainders first.
fn spread(amount: i64, weights: &[(usize, i64)]) -> Vec<(usize, i64)> {
    let total: i128 = weights.iter().map(|(_, w)| i128::from(*w)).sum();
    if total <= 0 {
        return Vec::new();
    }
    let mut shares: Vec<(usize, i64, i128)> = weights
        .iter()
        .map(|(i, w)| {
            let exact = i128::from(amount) * i128::from(*w);
            (*i, (exact / total) as i64, exact % total)
        })
        .collect();
    let mut left = amount - shares.iter().map(|s| s.1).sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(shares[*a].0.cmp(&shares[*b].0)));
    for k in order {
        if left == 0 {
            break;
        }
        shares[k].1 += 1;
        left -= 1;
    }
    shares.into_iter().map(|(i, share, _)| (i, share)).collect()
}

/// Why a promotion does not apply (None: it applies), before looking at the lines.
fn blocked(p: &PromotionRow, used_by_customer: &HashMap<i64, i64>, at: NaiveDateTime) -> Option<DiscountRejection> {
    if !p.is_live(at) {
        return Some(DiscountRejection::Expired);
    }
    let customer_uses = used_by_customer.get(&p.id).copied().unwrap_or(0);
    if p.usage_limit.is_some_and(|l| p.used_count >= l) || p.per_customer_limit.is_some_and(|l| customer_uses >= l) {
        return Some(DiscountRejection::LimitReached);
    }
    None
}

/// Applies the automatic promotions, then the codes, to the lines (see the module's rules).
pub fn evaluate(
    automatic: &[PromotionRow],
    codes: &[(String, Option<PromotionRow>)],
    lines: &[LineFacts],
    coverage: &Coverage,
    used_by_customer: &HashMap<i64, i64>,
    at: NaiveDateTime,
) -> Discounts {
    let mut d = Discounts {
        per_line: vec![0; lines.len()],
        marketplace_per_line: vec![0; lines.len()],
        ..Discounts::default()
    };
    let apply = |p: &PromotionRow, d: &mut Discounts| -> Option<DiscountRejection> {
        if let Some(why) = blocked(p, used_by_customer, at) {
            return Some(why);
        }
        let covered: Vec<usize> = (0..lines.len()).filter(|i| covers(p, &lines[*i], coverage)).collect();
        let full: i64 = covered.iter().map(|i| lines[*i].total_minor).sum();
        if covered.is_empty() || p.min_subtotal_minor.is_some_and(|min| full < min) {
            return Some(DiscountRejection::NotApplicable);
        }
        let left: Vec<(usize, i64)> = covered.iter().map(|i| (*i, lines[*i].total_minor - d.per_line[*i])).collect();
        let remaining: i64 = left.iter().map(|(_, r)| r).sum();
        let amount = match p.kind() {
            DiscountKind::Percentage => {
                i64::try_from((i128::from(remaining) * i128::from(p.value) + 5_000) / 10_000).unwrap_or(remaining)
            }
            DiscountKind::FixedAmount => p.value,
        }
        .clamp(0, remaining);
        if amount == 0 {
            return Some(DiscountRejection::NotApplicable);
        }
        for (i, share) in spread(amount, &left) {
            d.per_line[i] += share;
            if p.funded_by() == DiscountFunding::Marketplace {
                d.marketplace_per_line[i] += share;
            }
        }
        d.applied.push(AppliedDiscount { promotion: p.clone(), amount_minor: amount });
        None
    };
    for p in automatic {
        apply(p, &mut d);
    }
    for (code, p) in codes {
        let rejection = match p {
            None => Some(DiscountRejection::NotFound),
            Some(p) => apply(p, &mut d),
        };
        d.codes.push(CodeCheck { code: code.clone(), promotion: p.clone(), rejection });
    }
    d
}

/// The lines a promotion looks at: those on sale.
fn line_facts(conn: &mut DbConn, lines: &[PricedLine]) -> Result<Vec<LineFacts>, AppError> {
    let category_ids: Vec<i64> =
        lines.iter().filter_map(|l| l.sellable.as_ref().and_then(|s| s.product.category_id)).collect();
    let paths = if category_ids.is_empty() { HashMap::new() } else { catalog::category_paths(conn, &category_ids)? };
    Ok(lines
        .iter()
        .map(|l| match l.sellable.as_ref().filter(|s| s.on_sale()) {
            Some(s) => LineFacts {
                product_id: s.product.id,
                cooperative_id: s.cooperative.id,
                category_path: s.product.category_id.and_then(|c| paths.get(&c).cloned()),
                total_minor: l.total_minor,
            },
            // Not for sale: nothing to discount (checkout refuses the cart anyway).
            None => LineFacts { product_id: 0, cooperative_id: 0, category_path: None, total_minor: 0 },
        })
        .collect())
}

/// Evaluates the live automatic promotions and these codes for the lines and the customer.
fn discounts_for(
    conn: &mut DbConn,
    codes: Vec<(String, Option<PromotionRow>)>,
    lines: &[PricedLine],
    customer: Option<&str>,
) -> Result<Discounts, AppError> {
    let at = now();
    let automatic: Vec<PromotionRow> =
        store::live_automatic_promotions(conn, at)?.into_iter().filter(|p| p.is_live(at)).collect();
    if automatic.is_empty() && codes.is_empty() {
        return Ok(Discounts {
            per_line: vec![0; lines.len()],
            marketplace_per_line: vec![0; lines.len()],
            ..Discounts::default()
        });
    }
    let all: Vec<&PromotionRow> = automatic.iter().chain(codes.iter().filter_map(|(_, p)| p.as_ref())).collect();
    let mut coverage = Coverage::default();
    let listed: Vec<i64> = all.iter().filter(|p| p.scope() == DiscountScope::Products).map(|p| p.id).collect();
    if !listed.is_empty() {
        coverage.products = store::promotion_product_ids(conn, &listed)?;
    }
    let categories: Vec<i64> = all.iter().filter_map(|p| p.category_id).collect();
    if !categories.is_empty() {
        coverage.category_paths = catalog::category_paths(conn, &categories)?;
    }
    let limited: Vec<i64> = all.iter().filter(|p| p.per_customer_limit.is_some()).map(|p| p.id).collect();
    let used = match customer {
        Some(key) if !limited.is_empty() => store::customer_redemptions(conn, &limited, key)?,
        _ => HashMap::new(),
    };
    let facts = line_facts(conn, lines)?;
    Ok(evaluate(&automatic, &codes, &facts, &coverage, &used, at))
}

/// The discounts on a cart as it is, for its customer when known.
pub fn cart_discounts(
    conn: &mut DbConn,
    cart: &CartRow,
    lines: &[PricedLine],
    customer: Option<&str>,
) -> Result<Discounts, AppError> {
    let codes = store::cart_code_promotions(conn, cart.id)?
        .into_iter()
        .map(|p| (p.code.clone().unwrap_or_default(), Some(p)))
        .collect();
    discounts_for(conn, codes, lines, customer)
}

pub fn rejection_error(rejection: DiscountRejection, field: Vec<String>, code: &str) -> UserError {
    let (error, message) = match rejection {
        DiscountRejection::NotFound => {
            (ErrorCode::DiscountCodeNotFound, msg!("no discount has the code {code}", code = code))
        }
        DiscountRejection::Expired => {
            (ErrorCode::DiscountExpired, msg!("the discount code {code} is not valid now", code = code))
        }
        DiscountRejection::NotApplicable => (
            ErrorCode::DiscountNotApplicable,
            msg!("the discount code {code} does not apply to this cart", code = code),
        ),
        DiscountRejection::LimitReached => {
            (ErrorCode::DiscountLimitReached, msg!("the discount code {code} was used up", code = code))
        }
    };
    UserError { code: error, field: Some(field), message }
}

fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

fn is_valid_code(code: &str) -> bool {
    (3..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Replaces a cart's codes. A code that would not apply now is refused with its reason, and
/// then nothing changes. Returns the cart's token.
pub fn update_cart_codes(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CartDiscountCodesUpdateInput,
    settings: &CommerceSettings,
) -> Result<String, AppError> {
    let cart = open_cart(conn, viewer, &input.cart_id)?;
    if input.discount_codes.len() > MAX_CART_CODES {
        return Err(AppError::user(
            ErrorCode::TooLong,
            &["input", "discountCodes"],
            msg!("at most {max} discount codes", max = MAX_CART_CODES),
        ));
    }
    let mut codes: Vec<String> = Vec::new();
    for code in input.discount_codes.iter().map(|c| normalize_code(c)) {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    let known =
        store::promotions_by_codes(conn, &codes.iter().filter(|c| is_valid_code(c)).cloned().collect::<Vec<_>>())?;
    let with_rows: Vec<(String, Option<PromotionRow>)> = codes
        .iter()
        .map(|c| (c.clone(), known.iter().find(|p| p.code.as_deref() == Some(c.as_str())).cloned()))
        .collect();
    let view = cart_view(conn, cart.clone(), settings)?;
    let customer = customer_key(cart.account_id.or(viewer.map(|v| v.account_id)), None);
    let discounts = discounts_for(conn, with_rows.clone(), &view.lines, customer.as_deref())?;
    let errors: Vec<UserError> = discounts
        .rejected()
        .map(|(i, c)| {
            let field = path!["input", "discountCodes", i.to_string()];
            rejection_error(c.rejection.unwrap_or(DiscountRejection::NotFound), field, &c.code)
        })
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Rejected(errors));
    }
    let promotion_ids: Vec<i64> = with_rows.iter().filter_map(|(_, p)| p.as_ref().map(|p| p.id)).collect();
    write_tx(conn, |conn| {
        store::set_cart_codes(conn, cart.id, &promotion_ids)?;
        store::touch_cart(conn, cart.id, now())?;
        Ok(cart.token.clone())
    })
}

/// Counts the order's uses of its promotions, inside the checkout's transaction: a promotion
/// used up meanwhile (or by this customer) fails the checkout, which then changes nothing.
pub fn redeem(
    conn: &mut DbConn,
    discounts: &Discounts,
    order_id: i64,
    customer: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    for a in &discounts.applied {
        let p = &a.promotion;
        let code = p.code.clone().unwrap_or_else(|| p.title.clone());
        let used_up = || rejection_error(DiscountRejection::LimitReached, path!["input", "cartId"], &code);
        if store::take_promotion_use(conn, p.id)? == 0 {
            return Err(AppError::Rejected(vec![used_up()]));
        }
        // After the use is taken, so concurrent checkouts of one promotion take turns here.
        if let Some(limit) = p.per_customer_limit {
            let used = store::customer_redemptions(conn, &[p.id], customer)?.get(&p.id).copied().unwrap_or(0);
            if used >= limit {
                return Err(AppError::Rejected(vec![used_up()]));
            }
        }
        store::insert_redemption(conn, p.id, order_id, customer, a.amount_minor, at)?;
    }
    Ok(())
}

pub fn product_ids(conn: &mut DbConn, promotion_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(store::promotion_product_ids(conn, &[promotion_id])?.remove(&promotion_id).unwrap_or_default())
}

/// A cancelled order gives its promotions' uses back.
pub fn release(conn: &mut DbConn, order_id: i64) -> Result<(), AppError> {
    for r in store::redemptions_of_order(conn, order_id)? {
        store::give_back_promotion_use(conn, r.promotion_id)?;
    }
    store::delete_redemptions_of_order(conn, order_id)?;
    Ok(())
}

/// The promotions an order used, with what each took off.
pub fn order_discounts(conn: &mut DbConn, order_id: i64) -> Result<Vec<(PromotionRow, i64)>, AppError> {
    let redemptions = store::redemptions_of_order(conn, order_id)?;
    let promotions = store::promotions_by_ids(conn, &redemptions.iter().map(|r| r.promotion_id).collect::<Vec<_>>())?;
    Ok(redemptions
        .into_iter()
        .filter_map(|r| promotions.get(&r.promotion_id).map(|p| (p.clone(), r.amount_minor)))
        .collect())
}

// ---- managing promotions ----

/// Writes a promotion as given, inside the caller's transaction (demo data).
pub fn insert_as_given(conn: &mut DbConn, new: &NewPromotion) -> Result<i64, AppError> {
    Ok(store::insert_promotion(conn, new)?)
}

/// Administrators see every promotion; managers their cooperative's.
pub fn can_see(viewer: Option<&Viewer>, p: &PromotionRow) -> bool {
    viewer.is_some_and(|v| v.is_admin() || p.cooperative_id.is_some_and(|c| v.can_manage(c)))
}

pub fn visible_promotion(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<PromotionRow>, AppError> {
    Ok(store::find_promotion(conn, id)?.filter(|p| can_see(viewer, p)))
}

/// The cooperative a promotion is for: the manager's own, or the administrator's choice.
fn owner(viewer: &Viewer, input: &PromotionCreateInput, checks: &mut Checks) -> Result<Option<i64>, AppError> {
    let given = input
        .cooperative_id
        .as_ref()
        .and_then(|id| ids::decode_input(id, "Cooperative", path!["input", "cooperativeId"], checks));
    if viewer.is_admin() {
        return Ok(given);
    }
    match (viewer.cooperative_id, given) {
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(c)) if c == own => Ok(Some(own)),
        _ => Err(AppError::forbidden(msg!("you may only create promotions for your own cooperative"))),
    }
}

fn check_title(checks: &mut Checks, title: &str) -> String {
    let title = title.trim().to_string();
    checks.check(
        (1..=100).contains(&title.chars().count()) && !title.chars().any(char::is_control),
        path!["input", "title"],
        msg!("must be 1 to 100 characters, without control characters"),
    );
    title
}

fn check_limit(checks: &mut Checks, field: &str, value: Option<i64>) {
    checks.check(
        value.is_none_or(|v| (1..=10_000_000).contains(&v)),
        path!["input", field],
        msg!("must be between 1 and 10000000"),
    );
}

pub fn create_promotion(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: PromotionCreateInput,
) -> Result<PromotionRow, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    if !v.is_admin() && v.cooperative_id.is_none() {
        return Err(AppError::forbidden(msg!("only administrators and cooperative managers create promotions")));
    }
    let mut checks = Checks::new();
    let cooperative_id = owner(v, &input, &mut checks)?;
    let title = check_title(&mut checks, &input.title);
    let code = input.code.as_deref().map(normalize_code);
    if let Some(code) = &code {
        checks.check(
            is_valid_code(code),
            path!["input", "code"],
            msg!("must be 3 to 32 characters of A-Z, 0-9, '-' and '_'"),
        );
    }
    let value = match parse_amount(&input.value.0, 2) {
        Ok(v) => v,
        Err(e) => {
            checks.fail_with(e.code(), path!["input", "value"], e.message());
            0
        }
    };
    match input.kind {
        DiscountKind::Percentage => checks.check(
            (1..=10_000).contains(&value),
            path!["input", "value"],
            msg!("a percentage must be more than 0 and at most 100"),
        ),
        DiscountKind::FixedAmount => checks.check(value > 0, path!["input", "value"], msg!("must be more than zero")),
    }
    let min_subtotal = match input.minimum_subtotal.as_ref().map(|m| parse_amount(&m.0, 2)) {
        Some(Ok(m)) if m >= 0 => Some(m),
        Some(Ok(_)) => {
            checks.fail(path!["input", "minimumSubtotal"], msg!("must not be negative"));
            None
        }
        Some(Err(e)) => {
            checks.fail_with(e.code(), path!["input", "minimumSubtotal"], e.message());
            None
        }
        None => None,
    };
    let funded_by = if v.is_admin() {
        input.funded_by.unwrap_or(DiscountFunding::Marketplace)
    } else {
        DiscountFunding::Cooperative
    };
    if funded_by == DiscountFunding::Cooperative && cooperative_id.is_none() {
        checks.fail_with(
            ErrorCode::Required,
            path!["input", "cooperativeId"],
            msg!("is required when the cooperative funds the discount"),
        );
    }
    if input.scope == DiscountScope::Cooperative && cooperative_id.is_none() {
        checks.fail_with(ErrorCode::Required, path!["input", "cooperativeId"], msg!("is required"));
    }
    let at = now();
    let starts_at = input.starts_at.map(|d| d.0).unwrap_or(at);
    let ends_at = input.ends_at.map(|d| d.0);
    checks.check(ends_at.is_none_or(|end| end > starts_at), path!["input", "endsAt"], msg!("must be after the start"));
    check_limit(&mut checks, "usageLimit", input.usage_limit);
    check_limit(&mut checks, "perCustomerLimit", input.per_customer_limit);
    let category_id = match (input.scope, &input.category_id) {
        (DiscountScope::Category, Some(id)) => {
            ids::decode_input(id, "Category", path!["input", "categoryId"], &mut checks)
        }
        (DiscountScope::Category, None) => {
            checks.fail_with(ErrorCode::Required, path!["input", "categoryId"], msg!("is required"));
            None
        }
        _ => None,
    };
    let mut product_ids: Vec<i64> = Vec::new();
    if input.scope == DiscountScope::Products {
        let given = input.product_ids.clone().unwrap_or_default();
        if given.is_empty() || given.len() > MAX_PROMOTION_PRODUCTS {
            checks.fail(path!["input", "productIds"], msg!("list 1 to {max} products", max = MAX_PROMOTION_PRODUCTS));
        }
        for (i, id) in given.iter().take(MAX_PROMOTION_PRODUCTS).enumerate() {
            if let Some(p) = ids::decode_input(id, "Product", path!["input", "productIds", i.to_string()], &mut checks)
                && !product_ids.contains(&p)
            {
                product_ids.push(p);
            }
        }
    }
    checks.finish()?;
    let mut checks = Checks::new();
    if let Some(c) = category_id
        && catalog::category_paths(conn, &[c])?.is_empty()
    {
        checks.fail_with(ErrorCode::CategoryNotFound, path!["input", "categoryId"], msg!("no such category"));
    }
    if !product_ids.is_empty() {
        let owners = catalog::product_owners(conn, &product_ids)?;
        for (i, p) in product_ids.iter().enumerate() {
            match owners.get(p) {
                None => checks.fail_with(
                    ErrorCode::ProductNotFound,
                    path!["input", "productIds", i.to_string()],
                    msg!("no such product"),
                ),
                Some(owner) if cooperative_id.is_some_and(|c| c != *owner) => checks
                    .fail(path!["input", "productIds", i.to_string()], msg!("this product is another cooperative's")),
                Some(_) => {}
            }
        }
    }
    if let Some(code) = &code
        && !store::promotions_by_codes(conn, std::slice::from_ref(code))?.is_empty()
    {
        checks.fail_with(ErrorCode::Taken, path!["input", "code"], msg!("another promotion has this code"));
    }
    checks.finish()?;
    let new = NewPromotion {
        code,
        title,
        kind: input.kind.as_str().into(),
        value,
        scope: input.scope.as_str().into(),
        cooperative_id,
        category_id,
        min_subtotal_minor: min_subtotal,
        starts_at,
        ends_at,
        usage_limit: input.usage_limit,
        per_customer_limit: input.per_customer_limit,
        funded_by: funded_by.as_str().into(),
        active: true,
        created_by: v.account_id,
        created_at: at,
        updated_at: at,
    };
    write_tx(conn, |conn| {
        let id = store::insert_promotion(conn, &new).map_err(|e| match e {
            // Two creations racing for one code: the unique index tells.
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                AppError::user(ErrorCode::Taken, &["input", "code"], msg!("another promotion has this code"))
            }
            other => other.into(),
        })?;
        if !product_ids.is_empty() {
            store::insert_promotion_products(conn, id, &product_ids)?;
        }
        store::find_promotion(conn, id)?.ok_or_else(|| AppError::internal("promotion vanished"))
    })
}

pub fn update_promotion(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: PromotionUpdateInput,
) -> Result<PromotionRow, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let id = ids::decode(&input.promotion_id, "Promotion").ok_or_else(|| {
        AppError::user(ErrorCode::InvalidId, &["input", "promotionId"], msg!("is not a valid Promotion id"))
    })?;
    let current = visible_promotion(conn, Some(v), id)?
        .ok_or_else(|| AppError::user(ErrorCode::NotFound, &["input", "promotionId"], msg!("no such promotion")))?;
    let mut checks = Checks::new();
    let title = match &input.title {
        Some(t) => check_title(&mut checks, t),
        None => current.title.clone(),
    };
    let pick = |given: async_graphql::MaybeUndefined<i64>, kept: Option<i64>| match given {
        async_graphql::MaybeUndefined::Value(v) => Some(v),
        async_graphql::MaybeUndefined::Null => None,
        async_graphql::MaybeUndefined::Undefined => kept,
    };
    let usage_limit = pick(input.usage_limit, current.usage_limit);
    let per_customer_limit = pick(input.per_customer_limit, current.per_customer_limit);
    check_limit(&mut checks, "usageLimit", usage_limit);
    check_limit(&mut checks, "perCustomerLimit", per_customer_limit);
    let ends_at = match input.ends_at {
        async_graphql::MaybeUndefined::Value(d) => Some(d.0),
        async_graphql::MaybeUndefined::Null => None,
        async_graphql::MaybeUndefined::Undefined => current.ends_at,
    };
    checks.check(
        ends_at.is_none_or(|end| end > current.starts_at),
        path!["input", "endsAt"],
        msg!("must be after the start"),
    );
    checks.finish()?;
    let change = PromotionChange {
        title,
        ends_at,
        usage_limit,
        per_customer_limit,
        active: input.active.unwrap_or(current.active),
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        store::update_promotion(conn, id, &change)?;
        store::find_promotion(conn, id)?.ok_or_else(|| AppError::internal("promotion vanished"))
    })
}

/// Administrators: every promotion, or one cooperative's; managers: their cooperative's.
pub fn list_promotions(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative: Option<&ID>,
    args: crate::kernel::graphql::relay::PageArgs,
    want_total: bool,
) -> Result<crate::kernel::graphql::relay::Page<PromotionRow>, AppError> {
    let v = viewer.ok_or(AppError::Unauthenticated)?;
    let filter = match cooperative {
        Some(id) => Some(ids::decode(id, "Cooperative").ok_or_else(|| {
            AppError::user(ErrorCode::InvalidId, &["cooperativeId"], msg!("is not a Cooperative id"))
        })?),
        None => None,
    };
    let cooperative_id = cooperative_scope(v, filter, msg!("you may only see your own cooperative's promotions"))?;
    crate::kernel::graphql::relay::paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_promotions(c, cooperative_id)?),
        |c, seek| store::list_promotions(c, cooperative_id, seek),
        |p| crate::kernel::graphql::relay::Key::id(p.id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promotion(id: i64, kind: DiscountKind, value: i64, scope: DiscountScope) -> PromotionRow {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        PromotionRow {
            id,
            code: Some(format!("CODE{id}")),
            title: format!("promotion {id}"),
            kind: kind.as_str().into(),
            value,
            scope: scope.as_str().into(),
            cooperative_id: None,
            category_id: None,
            min_subtotal_minor: None,
            starts_at: at,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: None,
            used_count: 0,
            funded_by: DiscountFunding::Marketplace.as_str().into(),
            active: true,
            created_by: 1,
            created_at: at,
            updated_at: at,
        }
    }

    fn line(product_id: i64, cooperative_id: i64, total_minor: i64) -> LineFacts {
        LineFacts { product_id, cooperative_id, category_path: Some("/1/".into()), total_minor }
    }

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
    }

    #[test]
    fn spread_is_exact_and_proportional() {
        let shares = spread(100, &[(0, 1), (1, 1), (2, 1)]);
        assert_eq!(shares.iter().map(|s| s.1).sum::<i64>(), 100);
        assert_eq!(shares, vec![(0, 34), (1, 33), (2, 33)]);
        assert_eq!(spread(0, &[(0, 5)]), vec![(0, 0)]);
        assert!(spread(10, &[]).is_empty());
    }

    #[test]
    fn stacked_discounts_never_take_a_line_below_zero() {
        let lines = [line(1, 10, 10_000), line(2, 20, 5_000)];
        let half = promotion(1, DiscountKind::Percentage, 5_000, DiscountScope::Cart);
        let big = promotion(2, DiscountKind::FixedAmount, 1_000_000, DiscountScope::Cart);
        let codes = vec![("CODE2".to_string(), Some(big))];
        let d = evaluate(&[half], &codes, &lines, &Coverage::default(), &HashMap::new(), at());
        assert_eq!(d.total_minor(), 15_000);
        assert_eq!(d.per_line, vec![10_000, 5_000]);
        assert_eq!(d.applied[0].amount_minor, 7_500);
    }

    #[test]
    fn scopes_minimums_limits_and_dates() {
        let lines = [line(1, 10, 10_000), line(2, 20, 5_000)];
        let mut coop = promotion(1, DiscountKind::Percentage, 1_000, DiscountScope::Cooperative);
        coop.cooperative_id = Some(20);
        coop.funded_by = "COOPERATIVE".into();
        let mut products = promotion(2, DiscountKind::FixedAmount, 300, DiscountScope::Products);
        products.min_subtotal_minor = Some(10_000);
        let coverage = Coverage { products: HashMap::from([(2, vec![1])]), ..Coverage::default() };
        let codes = vec![("CODE1".into(), Some(coop.clone())), ("CODE2".into(), Some(products.clone()))];
        let d = evaluate(&[], &codes, &lines, &coverage, &HashMap::new(), at());
        assert_eq!(d.per_line, vec![300, 500]);
        assert_eq!(d.marketplace_per_line, vec![300, 0]);

        products.min_subtotal_minor = Some(10_001);
        let mut ended = coop.clone();
        ended.ends_at = Some(at());
        let mut used = promotion(3, DiscountKind::FixedAmount, 100, DiscountScope::Cart);
        used.usage_limit = Some(2);
        used.used_count = 2;
        let mut mine = promotion(4, DiscountKind::FixedAmount, 100, DiscountScope::Cart);
        mine.per_customer_limit = Some(1);
        let codes = vec![
            ("CODE2".into(), Some(products)),
            ("CODE1".into(), Some(ended)),
            ("CODE3".into(), Some(used)),
            ("CODE4".into(), Some(mine)),
            ("NOPE".into(), None),
        ];
        let d = evaluate(&[], &codes, &lines, &coverage, &HashMap::from([(4, 1)]), at());
        let why: Vec<_> = d.codes.iter().map(|c| c.rejection).collect();
        assert_eq!(
            why,
            vec![
                Some(DiscountRejection::NotApplicable),
                Some(DiscountRejection::Expired),
                Some(DiscountRejection::LimitReached),
                Some(DiscountRejection::LimitReached),
                Some(DiscountRejection::NotFound),
            ]
        );
        assert_eq!(d.total_minor(), 0);
    }

    #[test]
    fn a_category_covers_its_descendants() {
        let mut lines = vec![line(1, 10, 1_000), line(2, 10, 1_000)];
        lines[0].category_path = Some("/3/17/".into());
        lines[1].category_path = Some("/4/".into());
        let mut p = promotion(1, DiscountKind::Percentage, 10_000, DiscountScope::Category);
        p.category_id = Some(3);
        let coverage = Coverage { category_paths: HashMap::from([(3, "/3/".to_string())]), ..Coverage::default() };
        let d = evaluate(&[p], &[], &lines, &coverage, &HashMap::new(), at());
        assert_eq!(d.per_line, vec![1_000, 0]);
    }
}
