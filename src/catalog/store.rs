//! The only place that queries the catalogue's tables. Listings still read the cooperative's
//! sector (the sector filter) through a subquery on `cooperatives`; its status reaches the
//! catalogue as `products.listed`, kept in step by triggers (migration 22).

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::cached::{SumOfShards, id_in};
use crate::kernel::db::schema::{
    categories, cooperatives, product_labels, product_media, product_reviews, products, variants,
};
use crate::kernel::db::{Backend, DbConn, by_id, group_by};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::{Key, Seek, foreign_cursor};
use crate::kernel::i18n::Locale;

// ---- categories ----

pub fn list_categories(conn: &mut DbConn, parent: Option<Option<i64>>) -> QueryResult<Vec<CategoryRow>> {
    let mut query = categories::table.into_boxed();
    match parent {
        Some(Some(p)) => query = query.filter(categories::parent_id.eq(p)),
        Some(None) => query = query.filter(categories::parent_id.is_null()),
        None => {}
    }
    query.order((categories::position.asc(), categories::id.asc())).select(CategoryRow::as_select()).load(conn)
}

pub fn categories_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, CategoryRow>> {
    let rows = categories::table.filter(id_in(categories::id, ids)).select(CategoryRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn category_children(conn: &mut DbConn, parent_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<CategoryRow>>> {
    let rows = categories::table
        .filter(id_in(categories::parent_id, parent_ids))
        .order((categories::position.asc(), categories::id.asc()))
        .select(CategoryRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.parent_id.unwrap_or_default()))
}

pub fn category_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<CategoryRow>> {
    categories::table.filter(categories::slug.eq(slug)).select(CategoryRow::as_select()).first(conn).optional()
}

pub fn find_category(conn: &mut DbConn, id: i64) -> QueryResult<Option<CategoryRow>> {
    categories::table.find(id).select(CategoryRow::as_select()).first(conn).optional()
}

/// Inserts a category and records its materialised path (which needs its id).
pub fn insert_category(conn: &mut DbConn, new: &NewCategory) -> QueryResult<i64> {
    let id = crate::insert_returning_id!(conn, categories::table, categories::id, new)?;
    let path = format!("{}{id}/", new.path);
    diesel::update(categories::table.find(id)).set(categories::path.eq(path)).execute(conn)?;
    Ok(id)
}

// ---- products ----

/// What a filter is read for: a listing walks an order's index and stops at a page, a count
/// reads every match and wants the narrowest index.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Page,
    Count,
}

fn products_filtered(q: &ProductQuery, reading: Reading) -> products::BoxedQuery<'static, Backend> {
    let mut query = products::table.into_boxed();
    if q.public_only {
        query = query.filter(products::listed.eq(true));
    }
    if let Some(statuses) = &q.statuses {
        query = query.filter(products::status.eq_any(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    }
    if let Some(id) = q.cooperative_id {
        query = query.filter(products::cooperative_id.eq(id));
    }
    if let Some(id) = q.region_id {
        query = query.filter(products::origin_region_id.eq(id));
    }
    // A count reads the sector's cooperatives, then their products through (listed,
    // cooperative_id): probing each product's cooperative took 766 ms to count argan at
    // 300,000, this 6 ms. A page walks its order's index and checks each product's cooperative
    // against that list (`+`: not indexable), stopping at the page: through the cooperatives it
    // sorted the whole sector (37 ms for argan by price, against 3 ms).
    if let Some(id) = q.sector_id {
        let sector = cooperatives::table.filter(cooperatives::sector_id.eq(id)).select(cooperatives::id);
        query = match reading {
            Reading::Count => query.filter(products::cooperative_id.eq_any(sector)),
            Reading::Page => {
                query.filter(diesel::dsl::sql::<diesel::sql_types::BigInt>("(+products.cooperative_id)").eq_any(sector))
            }
        };
    }
    if let Some(path) = &q.category_path {
        query = query.filter(products::category_id.eq_any(
            categories::table.filter(categories::path.like(format!("{path}%"))).select(categories::id.nullable()),
        ));
    }
    if let Some(label) = q.label {
        query = query.filter(
            products::id.eq_any(
                product_labels::table
                    .filter(product_labels::label_type.eq(label.as_str()))
                    .select(product_labels::product_id),
            ),
        );
    }
    // A price range or "in stock" usually keeps most of the catalogue, and SQLite's planner,
    // estimating a range as a quarter of the rows, walked the (listed, price) or (listed,
    // stock) index over 90% of them rather than the region's or category's few thousand
    // (example 02 at 300,000: 0.78 s instead of 0.09 s). With a more selective filter present,
    // those columns are written `+column` (same value, not indexable) so the planner takes it.
    let narrower = q.region_id.is_some()
        || q.category_path.is_some()
        || q.cooperative_id.is_some()
        || q.sector_id.is_some()
        || q.label.is_some();
    let column = |name: &'static str, unindexed: &'static str| {
        diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(if narrower {
            unindexed
        } else {
            name
        })
    };
    let price = || column("products.min_price_minor", "(+products.min_price_minor)");
    if let Some(min) = q.price_min {
        query = query.filter(price().ge(min));
    }
    if let Some(max) = q.price_max {
        query = query.filter(price().le(max));
    }
    let stock = || column("products.total_stock", "(+products.total_stock)");
    match q.in_stock {
        Some(true) => query = query.filter(stock().gt(0)),
        Some(false) => query = query.filter(stock().eq(0)),
        None => {}
    }
    query
}

/// Pages a listing ordered by a nullable column then the id, nulls last whichever the
/// direction (`descending` flips the column and the id, not the nulls). The key is
/// `[value or null, id]`; `$value` reads the value from a key part. `$no_nulls`: the filter
/// already excludes nulls (a price bound), so the order leaves out its `IS NULL` term, which
/// no index can serve: with it, SQLite and PostgreSQL sorted every row the filter kept (example
/// 02 at 300,000 products: 82 ms on SQLite, 1 ms without it).
macro_rules! seek_nulls_last {
    ($conn:expr, $query:expr, $col:expr, $seek:expr, $descending:expr, $value:expr, $no_nulls:expr) => {{
        let mut query = $query;
        let part = |key: &Option<Key>, which: &str| -> Result<Option<(Option<_>, i64)>, AppError> {
            let Some(key) = key else { return Ok(None) };
            let id = key.int(1).filter(|_| key.0.len() == 2).ok_or_else(|| foreign_cursor(which))?;
            let value = if key.is_null(0) { None } else { Some($value(key).ok_or_else(|| foreign_cursor(which))?) };
            Ok(Some((value, id)))
        };
        let descending: bool = $descending;
        // Rows strictly after the key in the listing's order (before it when `later` is false).
        if let Some((value, id)) = part(&$seek.after, "after")? {
            query = match (value, descending) {
                (None, false) => query.filter($col.is_null().and(products::id.gt(id))),
                (None, true) => query.filter($col.is_null().and(products::id.lt(id))),
                (Some(v), false) => {
                    query.filter($col.is_null().or($col.gt(v.clone())).or($col.eq(v).and(products::id.gt(id))))
                }
                (Some(v), true) => {
                    query.filter($col.is_null().or($col.lt(v.clone())).or($col.eq(v).and(products::id.lt(id))))
                }
            };
        }
        if let Some((value, id)) = part(&$seek.before, "before")? {
            query = match (value, descending) {
                (None, false) => query.filter($col.is_not_null().or(products::id.lt(id))),
                (None, true) => query.filter($col.is_not_null().or(products::id.gt(id))),
                (Some(v), false) => {
                    query.filter($col.is_not_null().and($col.lt(v.clone()).or($col.eq(v).and(products::id.lt(id)))))
                }
                (Some(v), true) => {
                    query.filter($col.is_not_null().and($col.gt(v.clone()).or($col.eq(v).and(products::id.gt(id)))))
                }
            };
        }
        // Walking backwards reads the listing's order reversed, nulls first.
        let query = match (descending, $seek.backwards, $no_nulls) {
            (false, false, true) | (true, true, true) => query.order(($col.asc(), products::id.asc())),
            (true, false, true) | (false, true, true) => query.order(($col.desc(), products::id.desc())),
            (false, false, false) => query.order(($col.is_null().asc(), $col.asc(), products::id.asc())),
            (true, false, false) => query.order(($col.is_null().asc(), $col.desc(), products::id.desc())),
            (false, true, false) => query.order(($col.is_null().desc(), $col.desc(), products::id.desc())),
            (true, true, false) => query.order(($col.is_null().desc(), $col.asc(), products::id.asc())),
        };
        query.limit($seek.fetch as i64).select(ProductRow::as_select()).load($conn)?
    }};
}

/// A page of a product listing, in its sort order (see `product_key`).
pub fn list_products(conn: &mut DbConn, q: &ProductQuery, seek: &Seek) -> Result<Vec<ProductRow>, AppError> {
    let query = products_filtered(q, Reading::Page);
    let text = |k: &Key| k.text(0).map(str::to_string);
    Ok(match q.sort {
        // Newest first: ids grow with creation.
        ProductSort::Newest if q.reverse => {
            crate::seek_by_id!(query, products::id, seek, ascending).select(ProductRow::as_select()).load(conn)?
        }
        ProductSort::Newest => {
            crate::seek_by_id!(query, products::id, seek, descending).select(ProductRow::as_select()).load(conn)?
        }
        ProductSort::Price => {
            let bounded = q.price_min.is_some() || q.price_max.is_some();
            seek_nulls_last!(conn, query, products::min_price_minor, seek, q.reverse, |k: &Key| k.int(0), bounded)
        }
        ProductSort::Rating => {
            seek_nulls_last!(
                conn,
                query,
                products::rating_average_centi,
                seek,
                !q.reverse,
                |k: &Key| k.int(0).and_then(|v| i32::try_from(v).ok()),
                false
            )
        }
        ProductSort::Name => match q.locale {
            Locale::Ar => seek_nulls_last!(conn, query, products::name_ar, seek, q.reverse, text, false),
            Locale::Fr => seek_nulls_last!(conn, query, products::name_fr, seek, q.reverse, text, false),
            Locale::En => seek_nulls_last!(conn, query, products::name_en, seek, q.reverse, text, false),
            Locale::Zgh => seek_nulls_last!(conn, query, products::name_zgh, seek, q.reverse, text, false),
        },
    })
}

/// A product's position in a listing: what the listing sorts by, then its id.
pub fn product_key(q: &ProductQuery, p: &ProductRow) -> Key {
    let text = |t: &Option<String>| t.clone().map(serde_json::Value::from).unwrap_or(serde_json::Value::Null);
    let id = serde_json::Value::from(p.id);
    match q.sort {
        ProductSort::Newest => Key::id(p.id),
        ProductSort::Price => Key(vec![p.min_price_minor.map(serde_json::Value::from).unwrap_or_default(), id]),
        ProductSort::Rating => Key(vec![p.rating_average_centi.map(serde_json::Value::from).unwrap_or_default(), id]),
        ProductSort::Name => Key(vec![
            text(match q.locale {
                Locale::Ar => &p.name_ar,
                Locale::Fr => &p.name_fr,
                Locale::En => &p.name_en,
                Locale::Zgh => &p.name_zgh,
            }),
            id,
        ]),
    }
}

pub fn count_products(conn: &mut DbConn, q: &ProductQuery) -> QueryResult<i64> {
    products_filtered(q, Reading::Count).select(count_star()).first(conn)
}

/// The catalogue's version: moved forward by every write to what it shows (migration 22).
pub fn catalogue_version(conn: &mut DbConn) -> QueryResult<i64> {
    use crate::kernel::db::schema::catalogue_version;
    catalogue_version::table.select(SumOfShards).first(conn).map(|total: Option<i64>| total.unwrap_or(0))
}

/// The counts' version: moved forward only by writes that can change a count (migration 23).
pub fn count_version(conn: &mut DbConn) -> QueryResult<i64> {
    use crate::kernel::db::schema::catalogue_count_version;
    catalogue_count_version::table.select(SumOfShards).first(conn).map(|total: Option<i64>| total.unwrap_or(0))
}

pub fn find_product(conn: &mut DbConn, id: i64) -> QueryResult<Option<ProductRow>> {
    products::table.find(id).select(ProductRow::as_select()).first(conn).optional()
}

pub fn product_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<ProductRow>> {
    products::table.filter(products::slug.eq(slug)).select(ProductRow::as_select()).first(conn).optional()
}

pub fn products_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ProductRow>> {
    let rows = products::table.filter(id_in(products::id, ids)).select(ProductRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn product_slug_taken(conn: &mut DbConn, slug: &str, except: Option<i64>) -> QueryResult<bool> {
    let mut query = products::table.filter(products::slug.eq(slug)).into_boxed();
    if let Some(id) = except {
        query = query.filter(products::id.ne(id));
    }
    Ok(query.select(count_star()).first::<i64>(conn)? > 0)
}

pub fn insert_product(conn: &mut DbConn, new: &NewProduct) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, products::table, products::id, new)
}

// ---- bulk loads (generated catalogues) ----

pub fn insert_products(conn: &mut DbConn, rows: &[NewProduct]) -> QueryResult<usize> {
    crate::insert_batch!(conn, products::table, rows)
}

pub fn product_ids_by_slugs(conn: &mut DbConn, slugs: &[String]) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        products::table.filter(products::slug.eq_any(slugs)).select((products::slug, products::id)).load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn insert_variants(conn: &mut DbConn, rows: &[NewVariant]) -> QueryResult<usize> {
    crate::insert_batch!(conn, variants::table, rows)
}

pub fn insert_media_rows(conn: &mut DbConn, rows: &[NewMedia]) -> QueryResult<usize> {
    crate::insert_batch!(conn, product_media::table, rows)
}

pub fn insert_label_rows(conn: &mut DbConn, rows: &[NewLabel]) -> QueryResult<usize> {
    crate::insert_batch!(conn, product_labels::table, rows)
}

/// Sets the lowest variant price of many products in one statement.
/// Recomputes the lowest price of these products from their variants.
pub fn refresh_min_prices(conn: &mut DbConn, product_ids: &[i64]) -> QueryResult<usize> {
    let lowest = variants::table
        .filter(variants::product_id.eq(products::id))
        .select(diesel::dsl::min(variants::price_minor))
        .single_value();
    diesel::update(products::table.filter(products::id.eq_any(product_ids)))
        .set(products::min_price_minor.eq(lowest))
        .execute(conn)
}

pub fn count_all_products(conn: &mut DbConn) -> QueryResult<i64> {
    products::table.select(count_star()).first(conn)
}

pub fn update_product(conn: &mut DbConn, id: i64, fields: &ProductFields) -> QueryResult<usize> {
    diesel::update(products::table.find(id)).set(fields).execute(conn)
}

pub fn set_product_status(
    conn: &mut DbConn,
    id: i64,
    status: ProductStatus,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(products::table.find(id))
        .set((products::status.eq(status.as_str()), products::updated_at.eq(at)))
        .execute(conn)
}

/// Recomputes the product's lowest price and total stock from its variants.
pub fn refresh_product_rollups(conn: &mut DbConn, product_id: i64) -> QueryResult<usize> {
    let (min_price, total): (Option<i64>, Option<i64>) = variants::table
        .filter(variants::product_id.eq(product_id))
        .select((
            diesel::dsl::min(variants::price_minor),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>("CAST(SUM(stock) AS BIGINT)"),
        ))
        .first(conn)?;
    diesel::update(products::table.find(product_id))
        .set((products::min_price_minor.eq(min_price), products::total_stock.eq(total.unwrap_or(0))))
        .execute(conn)
}

// ---- variants ----

pub fn variants_of_products(conn: &mut DbConn, product_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<VariantRow>>> {
    let rows = variants::table
        .filter(id_in(variants::product_id, product_ids))
        .order((variants::position.asc(), variants::id.asc()))
        .select(VariantRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.product_id))
}

pub fn variants_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, VariantRow>> {
    let rows = variants::table.filter(id_in(variants::id, ids)).select(VariantRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn find_variant(conn: &mut DbConn, id: i64) -> QueryResult<Option<VariantRow>> {
    variants::table.find(id).select(VariantRow::as_select()).first(conn).optional()
}

/// Which of these SKUs are already used (by a variant other than `except`).
pub fn skus_taken(conn: &mut DbConn, skus: &[String], except: Option<i64>) -> QueryResult<Vec<String>> {
    let mut query = variants::table.filter(variants::sku.eq_any(skus)).into_boxed();
    if let Some(id) = except {
        query = query.filter(variants::id.ne(id));
    }
    query.select(variants::sku).load(conn)
}

pub fn count_variants(conn: &mut DbConn, product_id: i64) -> QueryResult<i64> {
    variants::table.filter(variants::product_id.eq(product_id)).select(count_star()).first(conn)
}

pub fn insert_variant(conn: &mut DbConn, new: &NewVariant) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, variants::table, variants::id, new)
}

pub fn update_variant(conn: &mut DbConn, id: i64, fields: &VariantFields) -> QueryResult<usize> {
    diesel::update(variants::table.find(id)).set(fields).execute(conn)
}

/// Adds `delta` to the stock in one conditional UPDATE: 0 rows when it would go negative.
pub fn adjust_stock(conn: &mut DbConn, id: i64, delta: i64, at: chrono::NaiveDateTime) -> QueryResult<usize> {
    diesel::update(variants::table.filter(variants::id.eq(id)).filter((variants::stock + delta).ge(0)))
        .set((variants::stock.eq(variants::stock + delta), variants::updated_at.eq(at)))
        .execute(conn)
}

// ---- media and labels ----

pub fn find_media(conn: &mut DbConn, id: i64) -> QueryResult<Option<MediaRow>> {
    product_media::table.find(id).select(MediaRow::as_select()).first(conn).optional()
}

pub fn find_label(conn: &mut DbConn, id: i64) -> QueryResult<Option<LabelRow>> {
    product_labels::table.find(id).select(LabelRow::as_select()).first(conn).optional()
}

pub fn media_of_products(conn: &mut DbConn, product_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<MediaRow>>> {
    let rows = product_media::table
        .filter(id_in(product_media::product_id, product_ids))
        .order((product_media::position.asc(), product_media::id.asc()))
        .select(MediaRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.product_id))
}

pub fn insert_uploaded_media(conn: &mut DbConn, new: &NewUploadedMedia) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, product_media::table, product_media::id, new)
}

/// Replaces a product's media. An uploaded image kept in the list (by its URL) keeps its
/// size and renditions.
pub fn replace_media(conn: &mut DbConn, product_id: i64, media: &[NewMedia]) -> QueryResult<()> {
    let uploaded: Vec<MediaRow> = product_media::table
        .filter(product_media::product_id.eq(product_id))
        .filter(product_media::image_key.is_not_null())
        .select(MediaRow::as_select())
        .load(conn)?;
    diesel::delete(product_media::table.filter(product_media::product_id.eq(product_id))).execute(conn)?;
    for m in media {
        match uploaded.iter().find(|u| u.url == m.url) {
            Some(u) => diesel::insert_into(product_media::table)
                .values(&NewUploadedMedia {
                    product_id,
                    url: m.url.clone(),
                    alt_ar: m.alt_ar.clone(),
                    alt_fr: m.alt_fr.clone(),
                    alt_en: m.alt_en.clone(),
                    alt_zgh: m.alt_zgh.clone(),
                    position: m.position,
                    width: u.width,
                    height: u.height,
                    image_key: u.image_key.clone(),
                    renditions: u.renditions.clone(),
                })
                .execute(conn)?,
            None => diesel::insert_into(product_media::table).values(m).execute(conn)?,
        };
    }
    Ok(())
}

pub fn labels_of_products(conn: &mut DbConn, product_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<LabelRow>>> {
    let rows = product_labels::table
        .filter(id_in(product_labels::product_id, product_ids))
        .order(product_labels::id.asc())
        .select(LabelRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |r| r.product_id))
}

pub fn replace_labels(conn: &mut DbConn, product_id: i64, labels: &[NewLabel]) -> QueryResult<()> {
    diesel::delete(product_labels::table.filter(product_labels::product_id.eq(product_id))).execute(conn)?;
    for l in labels {
        diesel::insert_into(product_labels::table).values(l).execute(conn)?;
    }
    Ok(())
}

pub fn product_ids_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<i64>> {
    products::table
        .filter(products::id.gt(after))
        .order(products::id.asc())
        .limit(limit)
        .select(products::id)
        .load(conn)
}

pub fn product_ids_of_cooperative(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<i64>> {
    products::table.filter(products::cooperative_id.eq(cooperative_id)).select(products::id).load(conn)
}

/// Cooperatives with at least one product on sale (what makes marketplace figures apply to them).
pub fn selling_cooperatives(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    products::table
        .filter(products::status.eq(ProductStatus::Active.as_str()))
        .select(products::cooperative_id)
        .distinct()
        .load(conn)
}

pub fn set_product_seo(conn: &mut DbConn, id: i64, seo: Option<&str>) -> QueryResult<usize> {
    diesel::update(products::table.find(id)).set(products::seo_json.eq(seo)).execute(conn)
}

// ---- reviews ----

pub fn insert_review(conn: &mut DbConn, new: &NewReview<'_>) -> Result<i64, AppError> {
    Ok(crate::insert_returning_id!(conn, product_reviews::table, product_reviews::id, new)?)
}

pub fn find_review(conn: &mut DbConn, id: i64) -> QueryResult<Option<ReviewRow>> {
    product_reviews::table.find(id).select(ReviewRow::as_select()).first(conn).optional()
}

pub fn review_of(conn: &mut DbConn, product_id: i64, account_id: i64) -> QueryResult<Option<ReviewRow>> {
    product_reviews::table
        .filter(product_reviews::product_id.eq(product_id))
        .filter(product_reviews::account_id.eq(account_id))
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()
}

/// A product's published reviews, newest first.
pub fn published_reviews(conn: &mut DbConn, product_id: i64, seek: &Seek) -> Result<Vec<ReviewRow>, AppError> {
    let q = product_reviews::table
        .filter(product_reviews::product_id.eq(product_id))
        .filter(product_reviews::status.eq(ReviewStatus::Published.as_str()))
        .into_boxed();
    Ok(crate::seek_by_id!(q, product_reviews::id, seek, descending).select(ReviewRow::as_select()).load(conn)?)
}

pub fn set_review_reply(
    conn: &mut DbConn,
    id: i64,
    body: &str,
    by: i64,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(product_reviews::table.find(id).filter(product_reviews::reply_body.is_null()))
        .set((product_reviews::reply_body.eq(body), product_reviews::reply_by.eq(by), product_reviews::reply_at.eq(at)))
        .execute(conn)
}

/// Moves a review from one status to another; 0 when it was not in `from` any more.
pub fn set_review_status(
    conn: &mut DbConn,
    id: i64,
    from: ReviewStatus,
    to: ReviewStatus,
    reason: Option<&str>,
    by: Option<i64>,
    at: Option<chrono::NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(product_reviews::table.find(id).filter(product_reviews::status.eq(from.as_str())))
        .set((
            product_reviews::status.eq(to.as_str()),
            product_reviews::hidden_reason.eq(reason),
            product_reviews::hidden_by.eq(by),
            product_reviews::hidden_at.eq(at),
        ))
        .execute(conn)
}

/// Adds a rating to (or, with `sign` -1, takes one from) a product's running figures, and
/// recomputes the average from them in the same statement.
pub fn apply_rating(conn: &mut DbConn, product_id: i64, rating: i32, sign: i64) -> QueryResult<usize> {
    let sql = crate::kernel::db::placeholders(
        conn,
        "UPDATE products SET rating_count = rating_count + ?, rating_sum = rating_sum + ?, \
         rating_average_centi = CASE WHEN rating_count + ? > 0 \
           THEN CAST((100 * (rating_sum + ?) + (rating_count + ?) / 2) / (rating_count + ?) AS INTEGER) END \
         WHERE id = ?",
    );
    let delta = i64::from(rating) * sign;
    let query = diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(sign)
        .bind::<diesel::sql_types::BigInt, _>(delta)
        .bind::<diesel::sql_types::BigInt, _>(sign)
        .bind::<diesel::sql_types::BigInt, _>(delta)
        .bind::<diesel::sql_types::BigInt, _>(sign)
        .bind::<diesel::sql_types::BigInt, _>(sign)
        .bind::<diesel::sql_types::BigInt, _>(product_id);
    match conn {
        DbConn::Sqlite(c) => query.execute(c),
        DbConn::Postgres(c) => query.execute(c),
    }
}
