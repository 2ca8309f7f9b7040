//! Product reviews: one rating (1–5) and a text per buyer and product, from buyers who
//! received it; one answer by the cooperative; administrators hide a review with a reason.
//! The product's count, sum and average of published ratings change in the same transaction
//! as the review, so listings read and sort them without aggregating.

use async_graphql::ID;

use super::model::*;
use super::store;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Page, PageArgs, paginate};
use crate::kernel::viewer::{Viewer, require_admin};
use crate::msg;
use crate::path;

/// Whether an account received the product in a delivered order: the orders' answer, handed
/// in by the layer that wires domains together (orders come after the catalogue).
pub type HasReceived = fn(&mut DbConn, i64, i64) -> Result<bool, AppError>;

pub const MAX_TITLE_LEN: usize = 120;
pub const MAX_BODY_LEN: usize = 4000;
pub const MAX_REPLY_LEN: usize = 2000;

/// Text a person typed: trimmed, within its length, no control characters but line breaks
/// and tabs.
fn check_text(checks: &mut Checks, field: &str, value: &str, min: usize, max: usize) {
    let len = value.trim().chars().count();
    checks.check(
        (min..=max).contains(&len),
        path!["input", field],
        msg!("must be {min} to {max} characters", min = min, max = max),
    );
    checks.check(
        !value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
        path!["input", field],
        msg!("must not contain control characters"),
    );
}

fn review_not_found(field: &[&str]) -> AppError {
    AppError::user(ErrorCode::ReviewNotFound, field, msg!("no review with this id"))
}

/// A review the viewer may see: a published one of a product they may see; a hidden one only
/// for its author, the product's cooperative and administrators.
pub fn visible(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<ReviewRow>, AppError> {
    let Some(review) = store::find_review(conn, id)? else { return Ok(None) };
    let Some(product) = super::service::visible_product_row(conn, viewer, review.product_id)? else {
        return Ok(None);
    };
    let insider = viewer.is_some_and(|v| v.account_id == review.account_id || v.can_manage(product.cooperative_id));
    Ok((review.status() == ReviewStatus::Published || insider).then_some(review))
}

fn review_by_global_id(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<ReviewRow, AppError> {
    let field: &[&str] = &["input", "reviewId"];
    let raw = ids::decode(id, "ProductReview")
        .ok_or_else(|| AppError::user(ErrorCode::InvalidId, field, msg!("is not a valid ProductReview id")))?;
    visible(conn, viewer, raw)?.ok_or_else(|| review_not_found(field))
}

/// A buyer who received the product reviews it, once.
pub fn create(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductReviewCreateInput,
    has_received: HasReceived,
) -> Result<ReviewRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=5).contains(&input.rating),
        path!["input", "rating"],
        msg!("must be 1 to 5"),
    );
    let title = input.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(title) = title {
        check_text(&mut checks, "title", title, 1, MAX_TITLE_LEN);
    }
    check_text(&mut checks, "body", &input.body, 1, MAX_BODY_LEN);
    checks.finish()?;
    let field: &[&str] = &["input", "productId"];
    let not_found = || AppError::user(ErrorCode::ProductNotFound, field, msg!("no such product"));
    let product_id = ids::decode(&input.product_id, "Product").ok_or_else(not_found)?;
    write_tx(conn, |conn| {
        let product = super::service::visible_product_row(conn, Some(viewer), product_id)?.ok_or_else(not_found)?;
        if !has_received(conn, viewer.account_id, product.id)? {
            return Err(AppError::user(
                ErrorCode::ReviewNotAllowed,
                field,
                msg!("only buyers who received this product may review it"),
            ));
        }
        if store::review_of(conn, product.id, viewer.account_id)?.is_some() {
            return Err(AppError::user(ErrorCode::ReviewExists, field, msg!("you already reviewed this product")));
        }
        let author = crate::auth::service::find_account(conn, viewer.account_id)?.ok_or(AppError::Unauthenticated)?;
        // The first name only: a review is public, the buyer's full name is not.
        let first_name = author.full_name.split_whitespace().next().unwrap_or("").to_string();
        let id = store::insert_review(
            conn,
            &NewReview {
                product_id: product.id,
                account_id: viewer.account_id,
                rating: input.rating,
                title,
                body: input.body.trim(),
                author_name: &first_name,
                status: ReviewStatus::Published.as_str(),
                created_at: now(),
            },
        )?;
        store::apply_rating(conn, product.id, input.rating, 1)?;
        store::find_review(conn, id)?.ok_or_else(|| AppError::internal("review vanished"))
    })
}

/// The product's cooperative (its managers, or an administrator) answers a review, once.
pub fn reply(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductReviewReplyInput,
) -> Result<ReviewRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    check_text(&mut checks, "body", &input.body, 1, MAX_REPLY_LEN);
    checks.finish()?;
    write_tx(conn, |conn| {
        let review = review_by_global_id(conn, Some(viewer), &input.review_id)?;
        let product = store::find_product(conn, review.product_id)?.ok_or_else(|| review_not_found(&[]))?;
        if !viewer.can_manage(product.cooperative_id) {
            return Err(AppError::forbidden(msg!("only the product's cooperative answers its reviews")));
        }
        if store::set_review_reply(conn, review.id, input.body.trim(), viewer.account_id, now())? == 0 {
            return Err(AppError::user(
                ErrorCode::ReplyExists,
                &["input", "reviewId"],
                msg!("this review already has an answer"),
            ));
        }
        store::find_review(conn, review.id)?.ok_or_else(|| review_not_found(&[]))
    })
}

/// An administrator hides a published review, saying why; it stops counting in the rating.
pub fn hide(conn: &mut DbConn, viewer: Option<&Viewer>, input: ProductReviewHideInput) -> Result<ReviewRow, AppError> {
    require_admin(viewer)?;
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    check_text(&mut checks, "reason", &input.reason, 1, 500);
    checks.finish()?;
    write_tx(conn, |conn| {
        let review = review_by_global_id(conn, Some(viewer), &input.review_id)?;
        let (from, to) = (ReviewStatus::Published, ReviewStatus::Hidden);
        let at = Some(now());
        if store::set_review_status(conn, review.id, from, to, Some(input.reason.trim()), Some(viewer.account_id), at)?
            == 0
        {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "reviewId"],
                msg!("this review is already hidden"),
            ));
        }
        store::apply_rating(conn, review.product_id, review.rating, -1)?;
        store::find_review(conn, review.id)?.ok_or_else(|| review_not_found(&[]))
    })
}

/// An administrator shows a hidden review again; it counts in the rating again.
pub fn restore(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<ReviewRow, AppError> {
    require_admin(viewer)?;
    write_tx(conn, |conn| {
        let review = review_by_global_id(conn, viewer, id)?;
        if store::set_review_status(conn, review.id, ReviewStatus::Hidden, ReviewStatus::Published, None, None, None)?
            == 0
        {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "reviewId"],
                msg!("this review is not hidden"),
            ));
        }
        store::apply_rating(conn, review.product_id, review.rating, 1)?;
        store::find_review(conn, review.id)?.ok_or_else(|| review_not_found(&[]))
    })
}

/// A product's published reviews, newest first; the total is the product's kept count.
pub fn list(
    conn: &mut DbConn,
    product: &ProductRow,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ReviewRow>, AppError> {
    let (product_id, total) = (product.id, product.rating_count);
    paginate(
        conn,
        args,
        want_total,
        |_| Ok(total),
        |conn, seek| store::published_reviews(conn, product_id, seek),
        |r| crate::kernel::graphql::relay::Key::id(r.id),
    )
}

/// A published review written as given, with the product's figures (demo data).
pub fn insert_as_given(
    conn: &mut DbConn,
    product_id: i64,
    account_id: i64,
    author_name: &str,
    rating: i32,
    body: &str,
    reply: Option<(&str, i64)>,
) -> Result<i64, AppError> {
    let at = now();
    let id = store::insert_review(
        conn,
        &NewReview {
            product_id,
            account_id,
            rating,
            title: None,
            body,
            author_name,
            status: ReviewStatus::Published.as_str(),
            created_at: at,
        },
    )?;
    if let Some((text, by)) = reply {
        store::set_review_reply(conn, id, text, by, at)?;
    }
    store::apply_rating(conn, product_id, rating, 1)?;
    Ok(id)
}
