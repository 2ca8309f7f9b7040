//! Catalogue rules: who may change what, input validation, and the transactions that apply it.

use async_graphql::{ID, MaybeUndefined};

use std::collections::HashMap;

use super::model::*;
use super::store;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Page, PageArgs, paginate};
use crate::kernel::i18n::{Locale, Localized, LocalizedTextInput, MAX_DESCRIPTION_LEN, MAX_NAME_LEN, localized};
use crate::kernel::money::{CurrencyCode, parse_amount};
use crate::kernel::text::check_slug;
use crate::kernel::validate::is_valid_url;
use crate::kernel::viewer::{Viewer, require_manage, require_viewer};
use crate::msg;
use crate::outbox::events::{self, EventType, LOW_STOCK};
use crate::path;
use crate::registry::model::{CooperativeRow, CooperativeStatus};
use crate::registry::service::{self as registry, region_id, sector_id};

pub const MAX_VARIANTS: usize = 100;
pub const MAX_MEDIA: usize = 20;
pub const MAX_LABELS: usize = 10;
pub const MAX_STOCK: i64 = 10_000_000;

// ---- validation helpers ----

fn is_valid_sku(sku: &str) -> bool {
    (1..=64).contains(&sku.len()) && sku.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn amount(checks: &mut Checks, field: Vec<String>, text: &str) -> Option<i64> {
    match parse_amount(text, CurrencyCode::Mad.exponent()) {
        Ok(v) => Some(v),
        Err(e) => {
            checks.fail_with(e.code(), field, e.message());
            None
        }
    }
}

fn options_json(checks: &mut Checks, field: &[String], options: &[SelectedOptionInput]) -> String {
    if options.len() > 5 {
        checks.fail(field.to_vec(), msg!("at most 5 options"));
    }
    let mut out = Vec::new();
    for (i, o) in options.iter().enumerate() {
        let name = o.name.trim();
        let value = o.value.trim();
        checks.check(
            (1..=50).contains(&name.chars().count()),
            [field.to_vec(), path![i, "name"]].concat(),
            msg!("must be 1 to 50 characters"),
        );
        checks.check(
            (1..=100).contains(&value.chars().count()),
            [field.to_vec(), path![i, "value"]].concat(),
            msg!("must be 1 to 100 characters"),
        );
        out.push(SelectedOption { name: name.to_string(), value: value.to_string() });
    }
    serde_json::to_string(&out).unwrap_or_else(|_| "[]".into())
}

fn weight(checks: &mut Checks, field: Vec<String>, grams: Option<i32>) -> Option<i32> {
    if let Some(g) = grams {
        checks.check_with(
            ErrorCode::OutOfRange,
            (0..=1_000_000).contains(&g),
            field,
            msg!("must be between 0 and 1,000,000 grams"),
        );
    }
    grams
}

struct ValidVariant {
    fields: VariantFields,
    stock: i64,
}

fn variant(checks: &mut Checks, field: &[String], input: &VariantInput) -> ValidVariant {
    let at = |name: &str| [field.to_vec(), path![name]].concat();
    let sku = input.sku.trim().to_string();
    checks.check(is_valid_sku(&sku), at("sku"), msg!("must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'"));
    let price = amount(checks, at("price"), &input.price.0).unwrap_or(0);
    let compare_at = input.compare_at_price.as_ref().and_then(|c| amount(checks, at("compareAtPrice"), &c.0));
    if let Some(c) = compare_at {
        checks.check_with(
            ErrorCode::OutOfRange,
            c >= price,
            at("compareAtPrice"),
            msg!("must not be lower than the price"),
        );
    }
    let stock = i64::from(input.stock);
    checks.check_with(
        ErrorCode::OutOfRange,
        (0..=MAX_STOCK).contains(&stock),
        at("stock"),
        msg!("must be between 0 and {max_stock}", max_stock = MAX_STOCK),
    );
    let options_json = options_json(checks, &at("options"), &input.options);
    let weight_grams = weight(checks, at("weightGrams"), input.weight_grams);
    ValidVariant {
        fields: VariantFields {
            sku,
            options_json,
            price_minor: price,
            compare_at_minor: compare_at,
            weight_grams,
            updated_at: now(),
        },
        stock,
    }
}

fn media(checks: &mut Checks, field: &[String], inputs: &[MediaInput]) -> Vec<NewMedia> {
    if inputs.len() > MAX_MEDIA {
        checks.fail(field.to_vec(), msg!("at most {max_media} media", max_media = MAX_MEDIA));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let at = [field.to_vec(), path![i]].concat();
            checks.check(
                is_valid_url(m.url.trim()),
                [at.clone(), path!["url"]].concat(),
                msg!("must be an http(s) URL"),
            );
            let alt = localized(checks, &[at, path!["alt"]].concat(), &m.alt, 500, false);
            NewMedia {
                product_id: 0,
                url: m.url.trim().to_string(),
                alt_ar: alt.ar,
                alt_fr: alt.fr,
                alt_en: alt.en,
                alt_zgh: alt.zgh,
                position: i as i32,
            }
        })
        .collect()
}

fn labels(checks: &mut Checks, field: &[String], inputs: &[QualityLabelInput]) -> Vec<NewLabel> {
    if inputs.len() > MAX_LABELS {
        checks.fail(field.to_vec(), msg!("at most {max_labels} labels", max_labels = MAX_LABELS));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let at = |name: &str| [field.to_vec(), path![i, name]].concat();
            let official_name = l.official_name.trim().to_string();
            checks.check(
                (1..=MAX_NAME_LEN).contains(&official_name.chars().count()),
                at("officialName"),
                msg!("must be 1 to {max_name_len} characters", max_name_len = MAX_NAME_LEN),
            );
            let short = |checks: &mut Checks, name: &str, v: &Option<String>| {
                let v = v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                if let Some(s) = &v {
                    checks.check(
                        s.chars().count() <= MAX_NAME_LEN,
                        at(name),
                        msg!("must be at most {max_name_len} characters", max_name_len = MAX_NAME_LEN),
                    );
                }
                v
            };
            let certifying_body = short(checks, "certifyingBody", &l.certifying_body);
            let certificate_number = short(checks, "certificateNumber", &l.certificate_number);
            let valid_until = l.valid_until.map(|d| d.0);
            NewLabel {
                product_id: 0,
                label_type: l.label_type.as_str().to_string(),
                official_name,
                certifying_body,
                certificate_number,
                valid_until,
            }
        })
        .collect()
}

fn require_catalogue_role(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if viewer.is_admin()
        || viewer.cooperative_id.is_some() && viewer.role == crate::kernel::viewer::Role::CooperativeManager
    {
        Ok(viewer)
    } else {
        Err(AppError::forbidden(msg!("only cooperative managers and administrators manage products")))
    }
}

fn category_id(conn: &mut DbConn, checks: &mut Checks, field: Vec<String>, id: &ID) -> Result<Option<i64>, AppError> {
    let Some(raw) = ids::decode_input(id, "Category", field.clone(), checks) else {
        return Ok(None);
    };
    let found = store::find_category(conn, raw)?;
    if found.is_none() {
        checks.fail_with(ErrorCode::CategoryNotFound, field, msg!("no such category"));
    }
    Ok(found.map(|c| c.id))
}

// ---- visibility ----

/// Public callers see ACTIVE products of ACTIVE cooperatives; managers also their own drafts;
/// administrators all (office agents work on the register, not the shop).
pub fn can_view_product(viewer: Option<&Viewer>, product: &ProductRow, cooperative: &CooperativeRow) -> bool {
    let public = product.status() == ProductStatus::Active && cooperative.status() == CooperativeStatus::Active;
    public || viewer.is_some_and(|v| v.can_manage(product.cooperative_id))
}

/// A product by id when the viewer may see it (the same rule as the API's).
pub fn visible_product_row(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<ProductRow>, AppError> {
    let Some(product) = store::find_product(conn, id)? else { return Ok(None) };
    let Some(cooperative) = registry::find_cooperative(conn, product.cooperative_id)? else { return Ok(None) };
    Ok(can_view_product(viewer, &product, &cooperative).then_some(product))
}

// ---- listings ----

/// Turns the public filter into a store query, rejecting unknown codes and ids.
pub fn product_query(
    conn: &mut DbConn,
    filter: &ProductFilterInput,
    sort: ProductSortKey,
    reverse: bool,
    locale: Locale,
) -> Result<ProductQuery, AppError> {
    let mut checks = Checks::new();
    let region_id = match &filter.region {
        Some(code) => region_id(conn, &mut checks, path!["filter", "region"], code)?,
        None => None,
    };
    let sector_id = match &filter.sector {
        Some(code) => sector_id(conn, &mut checks, path!["filter", "sector"], code)?,
        None => None,
    };
    let category_path = match &filter.category {
        Some(id) => match ids::decode_input(id, "Category", path!["filter", "category"], &mut checks) {
            Some(raw) => match store::find_category(conn, raw)? {
                Some(c) => Some(c.path),
                None => {
                    checks.fail_with(
                        ErrorCode::CategoryNotFound,
                        path!["filter", "category"],
                        msg!("no such category"),
                    );
                    None
                }
            },
            None => None,
        },
        None => None,
    };
    let cooperative_id = filter
        .cooperative
        .as_ref()
        .and_then(|id| ids::decode_input(id, "Cooperative", path!["filter", "cooperative"], &mut checks));
    let price_min = filter.price_min.as_ref().and_then(|p| amount(&mut checks, path!["filter", "priceMin"], &p.0));
    let price_max = filter.price_max.as_ref().and_then(|p| amount(&mut checks, path!["filter", "priceMax"], &p.0));
    checks.finish()?;
    Ok(ProductQuery {
        public_only: true,
        statuses: None,
        cooperative_id,
        region_id,
        sector_id,
        category_path,
        label: filter.label,
        price_min,
        price_max,
        in_stock: filter.in_stock,
        sort: match sort {
            ProductSortKey::Relevance | ProductSortKey::Newest => ProductSort::Newest,
            ProductSortKey::Price => ProductSort::Price,
            ProductSortKey::Name => ProductSort::Name,
            ProductSortKey::Rating => ProductSort::Rating,
        },
        reverse,
        locale,
    })
}

/// The catalogue's version, which every write to what it shows moves forward.
pub fn catalogue_version(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::catalogue_version(conn)?)
}

pub fn list_products(
    conn: &mut DbConn,
    counts: &super::counts::ProductCounts,
    query: &ProductQuery,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ProductRow>, AppError> {
    paginate(
        conn,
        args,
        want_total,
        |c| counts.count(c, query),
        |c, seek| store::list_products(c, query, seek),
        |p| store::product_key(query, p),
    )
}

// ---- cooperatives ----

// ---- categories ----

pub fn create_category(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CategoryCreateInput,
) -> Result<CategoryRow, AppError> {
    crate::kernel::viewer::require_admin(viewer)?;
    let mut checks = Checks::new();
    let slug = input.slug.trim().to_string();
    check_slug(&mut checks, path!["input", "slug"], &slug);
    let name = localized(&mut checks, &path!["input", "name"], &input.name, MAX_NAME_LEN, true);
    let parent = match &input.parent_id {
        Some(id) => match ids::decode_input(id, "Category", path!["input", "parentId"], &mut checks) {
            Some(raw) => {
                let p = store::find_category(conn, raw)?;
                if p.is_none() {
                    checks.fail_with(ErrorCode::CategoryNotFound, path!["input", "parentId"], msg!("no such category"));
                }
                p
            }
            None => None,
        },
        None => None,
    };
    checks.finish()?;
    write_tx(conn, |conn| {
        if store::category_by_slug(conn, &slug)?.is_some() {
            return Err(AppError::user(ErrorCode::Taken, &["input", "slug"], msg!("is already used")));
        }
        let id = store::insert_category(
            conn,
            &NewCategory {
                parent_id: parent.as_ref().map(|p| p.id),
                slug,
                path: parent.map(|p| p.path).unwrap_or_else(|| "/".into()),
                position: input.position,
                name_ar: name.ar,
                name_fr: name.fr,
                name_en: name.en,
                name_zgh: name.zgh,
            },
        )?;
        store::find_category(conn, id)?.ok_or_else(|| AppError::internal("category vanished"))
    })
}

// ---- products ----

fn check_skus_free(conn: &mut DbConn, skus: &[(Vec<String>, String)], except: Option<i64>) -> Result<(), AppError> {
    let wanted: Vec<String> = skus.iter().map(|(_, s)| s.clone()).collect();
    let taken = store::skus_taken(conn, &wanted, except)?;
    let mut checks = Checks::new();
    for (field, sku) in skus {
        if taken.contains(sku) {
            checks.fail_with(ErrorCode::Taken, field.clone(), msg!("SKU `{sku}` is already used", sku = sku));
        }
    }
    checks.finish()
}

pub fn create_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductCreateInput,
) -> Result<ProductRow, AppError> {
    let cooperative = seller_of_new_product(conn, viewer, &input)?;
    let mut checks = Checks::new();
    let slug = input.slug.trim().to_string();
    check_slug(&mut checks, path!["input", "slug"], &slug);
    let name = localized(&mut checks, &path!["input", "name"], &input.name, MAX_NAME_LEN, true);
    let description =
        localized(&mut checks, &path!["input", "description"], &input.description, MAX_DESCRIPTION_LEN, false);
    let category = match &input.category_id {
        Some(id) => category_id(conn, &mut checks, path!["input", "categoryId"], id)?,
        None => None,
    };
    let origin = match &input.origin_region_code {
        Some(code) => region_id(conn, &mut checks, path!["input", "originRegionCode"], code)?,
        None => Some(cooperative.region_id),
    };
    let (variants, skus) = new_variants(&mut checks, &input.variants);
    let media = media(&mut checks, &path!["input", "media"], &input.media);
    let labels = labels(&mut checks, &path!["input", "labels"], &input.labels);
    checks.finish()?;

    write_tx(conn, |conn| {
        if store::product_slug_taken(conn, &slug, None)? {
            return Err(AppError::user(ErrorCode::Taken, &["input", "slug"], msg!("is already used")));
        }
        check_skus_free(conn, &skus, None)?;
        let at = now();
        let fields = ProductFields {
            cooperative_id: cooperative.id,
            category_id: category,
            origin_region_id: origin,
            slug,
            status: input.status.as_str().to_string(),
            name_ar: name.ar,
            name_fr: name.fr,
            name_en: name.en,
            name_zgh: name.zgh,
            description_ar: description.ar,
            description_fr: description.fr,
            description_en: description.en,
            description_zgh: description.zgh,
            updated_at: at,
        };
        let id = store::insert_product(conn, &NewProduct { fields, total_stock: 0, created_at: at })?;
        for (position, v) in variants.into_iter().enumerate() {
            store::insert_variant(
                conn,
                &NewVariant {
                    product_id: id,
                    fields: v.fields,
                    currency: CurrencyCode::Mad.code().into(),
                    stock: v.stock,
                    position: position as i32,
                    created_at: at,
                },
            )?;
        }
        store::replace_media(
            conn,
            id,
            &media.into_iter().map(|m| NewMedia { product_id: id, ..m }).collect::<Vec<_>>(),
        )?;
        store::replace_labels(
            conn,
            id,
            &labels.into_iter().map(|l| NewLabel { product_id: id, ..l }).collect::<Vec<_>>(),
        )?;
        store::refresh_product_rollups(conn, id)?;
        enqueue_search_sync(conn, &[id])?;
        emit_product_updated(conn, id)
    })
}

/// The cooperative a new product is for: the one named, or the manager's own; the viewer
/// must manage it. Authorised before anything is said about the cooperative, so ids cannot
/// be probed.
fn seller_of_new_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: &ProductCreateInput,
) -> Result<CooperativeRow, AppError> {
    let actor = require_catalogue_role(viewer)?;
    let mut checks = Checks::new();
    let cooperative_id = match (&input.cooperative_id, actor.cooperative_id) {
        (Some(id), _) => ids::decode_input(id, "Cooperative", path!["input", "cooperativeId"], &mut checks),
        (None, Some(own)) => Some(own),
        (None, None) => {
            checks.fail_with(ErrorCode::Required, path!["input", "cooperativeId"], msg!("is required"));
            None
        }
    };
    checks.finish()?;
    let cooperative_id = cooperative_id.unwrap_or_default();
    let cooperative = registry::find_cooperative(conn, cooperative_id)?;
    require_manage(viewer, cooperative_id)?;
    cooperative.ok_or_else(|| {
        AppError::user(ErrorCode::CooperativeNotFound, &["input", "cooperativeId"], msg!("no such cooperative"))
    })
}

/// Checks a new product's variants; returns them with each SKU and the field it came from.
fn new_variants(checks: &mut Checks, inputs: &[VariantInput]) -> (Vec<ValidVariant>, Vec<(Vec<String>, String)>) {
    if inputs.is_empty() || inputs.len() > MAX_VARIANTS {
        checks.fail(
            path!["input", "variants"],
            msg!("a product needs 1 to {max_variants} variants", max_variants = MAX_VARIANTS),
        );
    }
    let variants: Vec<ValidVariant> =
        inputs.iter().enumerate().map(|(i, v)| variant(checks, &path!["input", "variants", i], v)).collect();
    let mut skus: Vec<(Vec<String>, String)> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        if skus.iter().any(|(_, s)| *s == v.fields.sku) {
            checks.fail_with(ErrorCode::Duplicate, path!["input", "variants", i, "sku"], msg!("is given twice"));
        }
        skus.push((path!["input", "variants", i, "sku"], v.fields.sku.clone()));
    }
    (variants, skus)
}

/// Loads a product the viewer may manage, by global id from `field`.
fn managed_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
    field: &[&str],
) -> Result<ProductRow, AppError> {
    require_catalogue_role(viewer)?;
    let mut checks = Checks::new();
    let raw = ids::decode_input(id, "Product", field.iter().map(|s| s.to_string()).collect(), &mut checks);
    checks.finish()?;
    let product = store::find_product(conn, raw.unwrap_or_default())?;
    match product {
        Some(p) => {
            require_manage(viewer, p.cooperative_id)?;
            Ok(p)
        }
        None => Err(AppError::user(ErrorCode::ProductNotFound, field, msg!("no such product"))),
    }
}

pub fn update_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductUpdateInput,
) -> Result<ProductRow, AppError> {
    let current = managed_product(conn, viewer, &input.id, &["input", "id"])?;
    let mut checks = Checks::new();
    let mut fields = ProductFields {
        cooperative_id: current.cooperative_id,
        category_id: current.category_id,
        origin_region_id: current.origin_region_id,
        slug: current.slug.clone(),
        status: current.status.clone(),
        name_ar: current.name_ar.clone(),
        name_fr: current.name_fr.clone(),
        name_en: current.name_en.clone(),
        name_zgh: current.name_zgh.clone(),
        description_ar: current.description_ar.clone(),
        description_fr: current.description_fr.clone(),
        description_en: current.description_en.clone(),
        description_zgh: current.description_zgh.clone(),
        updated_at: now(),
    };
    if let Some(slug) = &input.slug {
        fields.slug = slug.trim().to_string();
        check_slug(&mut checks, path!["input", "slug"], &fields.slug);
    }
    if let Some(name) = &input.name {
        let n = localized(&mut checks, &path!["input", "name"], name, MAX_NAME_LEN, true);
        (fields.name_ar, fields.name_fr, fields.name_en, fields.name_zgh) = (n.ar, n.fr, n.en, n.zgh);
    }
    if let Some(d) = &input.description {
        let d = localized(&mut checks, &path!["input", "description"], d, MAX_DESCRIPTION_LEN, false);
        (fields.description_ar, fields.description_fr, fields.description_en, fields.description_zgh) =
            (d.ar, d.fr, d.en, d.zgh);
    }
    match &input.category_id {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => fields.category_id = None,
        MaybeUndefined::Value(id) => {
            fields.category_id = category_id(conn, &mut checks, path!["input", "categoryId"], id)?
        }
    }
    if let Some(code) = &input.origin_region_code {
        fields.origin_region_id = region_id(conn, &mut checks, path!["input", "originRegionCode"], code)?;
    }
    if let Some(status) = input.status {
        fields.status = status.as_str().to_string();
    }
    let media = input.media.as_ref().map(|m| media(&mut checks, &path!["input", "media"], m));
    let labels = input.labels.as_ref().map(|l| labels(&mut checks, &path!["input", "labels"], l));
    checks.finish()?;
    let id = current.id;
    write_tx(conn, |conn| {
        if fields.slug != current.slug && store::product_slug_taken(conn, &fields.slug, Some(id))? {
            return Err(AppError::user(ErrorCode::Taken, &["input", "slug"], msg!("is already used")));
        }
        store::update_product(conn, id, &fields)?;
        if let Some(media) = media {
            store::replace_media(
                conn,
                id,
                &media.into_iter().map(|m| NewMedia { product_id: id, ..m }).collect::<Vec<_>>(),
            )?;
        }
        if let Some(labels) = labels {
            store::replace_labels(
                conn,
                id,
                &labels.into_iter().map(|l| NewLabel { product_id: id, ..l }).collect::<Vec<_>>(),
            )?;
        }
        // Names, status, category, region and labels are all in the index.
        enqueue_search_sync(conn, &[id])?;
        emit_product_updated(conn, id)
    })
}

// ---- uploaded images ----

/// The product a manager may add an uploaded image to: their cooperative's, with room left.
pub fn image_target(conn: &mut DbConn, viewer: Option<&Viewer>, product_id: &ID) -> Result<ProductRow, AppError> {
    let product = managed_product(conn, viewer, product_id, &["input", "productId"])?;
    check_media_room(conn, product.id)?;
    Ok(product)
}

fn check_media_room(conn: &mut DbConn, product_id: i64) -> Result<(), AppError> {
    let count = store::media_of_products(conn, &[product_id])?.remove(&product_id).unwrap_or_default().len();
    if count >= MAX_MEDIA {
        return Err(AppError::user(
            ErrorCode::ImageRejected,
            &["input", "productId"],
            msg!("a product holds at most {max_media} media", max_media = MAX_MEDIA),
        ));
    }
    Ok(())
}

/// Adds an uploaded image (its renditions already saved) after the product's other media.
pub fn add_uploaded_image(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    product_id: &ID,
    alt: &[LocalizedTextInput],
    image: UploadedImage,
) -> Result<MediaRow, AppError> {
    let product = managed_product(conn, viewer, product_id, &["input", "productId"])?;
    let mut checks = Checks::new();
    let alt = localized(&mut checks, &path!["input", "alt"], alt, 500, false);
    checks.finish()?;
    write_tx(conn, |conn| {
        check_media_room(conn, product.id)?;
        let existing = store::media_of_products(conn, &[product.id])?.remove(&product.id).unwrap_or_default();
        let position = existing.iter().map(|m| m.position + 1).max().unwrap_or(0);
        let id = store::insert_uploaded_media(
            conn,
            &NewUploadedMedia {
                product_id: product.id,
                url: image.url,
                alt_ar: alt.ar,
                alt_fr: alt.fr,
                alt_en: alt.en,
                alt_zgh: alt.zgh,
                position,
                width: Some(image.width as i32),
                height: Some(image.height as i32),
                image_key: Some(image.key),
                renditions: Some(serde_json::to_string(&image.renditions).map_err(AppError::internal)?),
            },
        )?;
        enqueue_search_sync(conn, &[product.id])?;
        emit_product_updated(conn, product.id)?;
        store::find_media(conn, id)?.ok_or_else(|| AppError::internal("media vanished"))
    })
}

/// What an uploaded image's media row records.
pub struct UploadedImage {
    pub key: String,
    /// The largest rendition's URL and size.
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub renditions: Vec<(u32, u32)>,
}

pub const MAX_SEO_TITLE_LEN: usize = 70;
pub const MAX_SEO_DESCRIPTION_LEN: usize = 160;

/// Sets what the product page tells search engines, per locale.
pub fn update_product_seo(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductSeoUpdateInput,
) -> Result<ProductRow, AppError> {
    let product = managed_product(conn, viewer, &input.product_id, &["input", "productId"])?;
    let mut checks = Checks::new();
    let title = localized(&mut checks, &path!["input", "title"], &input.title, MAX_SEO_TITLE_LEN, false);
    let description =
        localized(&mut checks, &path!["input", "description"], &input.description, MAX_SEO_DESCRIPTION_LEN, false);
    checks.finish()?;
    let seo = ProductSeo { title, description };
    let json = (!seo.title.is_empty() || !seo.description.is_empty())
        .then(|| serde_json::to_string(&seo))
        .transpose()
        .map_err(AppError::internal)?;
    write_tx(conn, |conn| {
        store::set_product_seo(conn, product.id, json.as_deref())?;
        emit_product_updated(conn, product.id)
    })
}

pub fn archive_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductArchiveInput,
) -> Result<ProductRow, AppError> {
    let product = managed_product(conn, viewer, &input.id, &["input", "id"])?;
    write_tx(conn, |conn| {
        store::set_product_status(conn, product.id, ProductStatus::Archived, now())?;
        enqueue_search_sync(conn, &[product.id])?;
        emit_product_updated(conn, product.id)
    })
}

pub fn create_variant(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: VariantCreateInput,
) -> Result<VariantRow, AppError> {
    let product = managed_product(conn, viewer, &input.product_id, &["input", "productId"])?;
    let mut checks = Checks::new();
    let v = variant(&mut checks, &path!["input", "variant"], &input.variant);
    checks.finish()?;
    write_tx(conn, |conn| {
        let count = store::count_variants(conn, product.id)?;
        if count as usize >= MAX_VARIANTS {
            return Err(AppError::bad_input(
                &["input", "productId"],
                msg!("a product has at most {max_variants} variants", max_variants = MAX_VARIANTS),
            ));
        }
        check_skus_free(conn, &[(path!["input", "variant", "sku"], v.fields.sku.clone())], None)?;
        let id = store::insert_variant(
            conn,
            &NewVariant {
                product_id: product.id,
                fields: v.fields,
                currency: CurrencyCode::Mad.code().into(),
                stock: v.stock,
                position: count as i32,
                created_at: now(),
            },
        )?;
        store::refresh_product_rollups(conn, product.id)?;
        enqueue_search_sync(conn, &[product.id])?;
        store::find_variant(conn, id)?.ok_or_else(|| AppError::internal("variant vanished"))
    })
}

/// Loads a variant whose product the viewer may manage.
fn managed_variant(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
    field: &[&str],
) -> Result<VariantRow, AppError> {
    require_catalogue_role(viewer)?;
    let mut checks = Checks::new();
    let raw = ids::decode_input(id, "Variant", field.iter().map(|s| s.to_string()).collect(), &mut checks);
    checks.finish()?;
    let variant = store::find_variant(conn, raw.unwrap_or_default())?
        .ok_or_else(|| AppError::user(ErrorCode::VariantNotFound, field, msg!("no such variant")))?;
    let product = store::find_product(conn, variant.product_id)?
        .ok_or_else(|| AppError::user(ErrorCode::VariantNotFound, field, msg!("no such variant")))?;
    require_manage(viewer, product.cooperative_id)?;
    Ok(variant)
}

pub fn update_variant(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: VariantUpdateInput,
) -> Result<VariantRow, AppError> {
    let current = managed_variant(conn, viewer, &input.id, &["input", "id"])?;
    let mut checks = Checks::new();
    let sku = input.sku.as_ref().map(|s| s.trim().to_string()).unwrap_or(current.sku.clone());
    checks.check(
        is_valid_sku(&sku),
        path!["input", "sku"],
        msg!("must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'"),
    );
    let price = match &input.price {
        Some(p) => amount(&mut checks, path!["input", "price"], &p.0).unwrap_or(current.price_minor),
        None => current.price_minor,
    };
    let compare_at = match &input.compare_at_price {
        MaybeUndefined::Undefined => current.compare_at_minor,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(c) => amount(&mut checks, path!["input", "compareAtPrice"], &c.0),
    };
    if let Some(c) = compare_at {
        checks.check(c >= price, path!["input", "compareAtPrice"], msg!("must not be lower than the price"));
    }
    let options_json = match &input.options {
        Some(o) => options_json(&mut checks, &path!["input", "options"], o),
        None => current.options_json.clone(),
    };
    let weight_grams = match input.weight_grams {
        MaybeUndefined::Undefined => current.weight_grams,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(g) => weight(&mut checks, path!["input", "weightGrams"], Some(g)),
    };
    checks.finish()?;
    let fields = VariantFields {
        sku,
        options_json,
        price_minor: price,
        compare_at_minor: compare_at,
        weight_grams,
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        if fields.sku != current.sku {
            check_skus_free(conn, &[(path!["input", "sku"], fields.sku.clone())], Some(current.id))?;
        }
        store::update_variant(conn, current.id, &fields)?;
        store::refresh_product_rollups(conn, current.product_id)?;
        enqueue_search_sync(conn, &[current.product_id])?;
        store::find_variant(conn, current.id)?.ok_or_else(|| AppError::internal("variant vanished"))
    })
}

pub fn adjust_inventory(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: InventoryAdjustInput,
) -> Result<VariantRow, AppError> {
    let current = managed_variant(conn, viewer, &input.variant_id, &["input", "variantId"])?;
    write_tx(conn, |conn| {
        let delta = i64::from(input.delta);
        let updated = store::adjust_stock(conn, current.id, delta, now())?;
        if updated == 0 {
            return Err(AppError::user(ErrorCode::OutOfStock, &["input", "delta"], msg!("stock cannot go below zero")));
        }
        let variant = store::find_variant(conn, current.id)?.ok_or_else(|| AppError::internal("variant vanished"))?;
        if variant.stock > MAX_STOCK {
            return Err(AppError::user(
                ErrorCode::OutOfRange,
                &["input", "delta"],
                msg!("stock cannot exceed {max_stock}", max_stock = MAX_STOCK),
            ));
        }
        store::refresh_product_rollups(conn, current.product_id)?;
        enqueue_search_sync(conn, &[current.product_id])?;
        emit_stock_low(conn, &[(current.id, -delta)])?;
        Ok(variant)
    })
}

/// Tells webhook listeners a product changed, and returns it as it now is.
fn emit_product_updated(conn: &mut DbConn, id: i64) -> Result<ProductRow, AppError> {
    let product = store::find_product(conn, id)?.ok_or_else(|| AppError::internal("product vanished"))?;
    let data = serde_json::json!({
        "productId": ids::encode("Product", product.id),
        "slug": product.slug,
        "status": product.status,
        "cooperativeId": ids::encode("Cooperative", product.cooperative_id),
    });
    events::emit(conn, EventType::ProductUpdated, &[product.cooperative_id], data)?;
    Ok(product)
}

/// Tells webhook listeners about variants whose stock just fell to the low-stock threshold
/// or below; `taken` is (variant, quantity taken), so a variant that was already low is not
/// announced again.
fn emit_stock_low(conn: &mut DbConn, taken: &[(i64, i64)]) -> Result<(), AppError> {
    let ids_taken: Vec<i64> = taken.iter().filter(|(_, q)| *q > 0).map(|(v, _)| *v).collect();
    if ids_taken.is_empty() {
        return Ok(());
    }
    let variants = store::variants_by_ids(conn, &ids_taken)?;
    for (variant_id, quantity) in taken {
        let Some(variant) = variants.get(variant_id) else { continue };
        if variant.stock > LOW_STOCK || variant.stock + quantity <= LOW_STOCK {
            continue;
        }
        let Some(product) = store::find_product(conn, variant.product_id)? else { continue };
        let data = serde_json::json!({
            "variantId": ids::encode("Variant", variant.id),
            "productId": ids::encode("Product", product.id),
            "sku": variant.sku,
            "stock": variant.stock,
            "cooperativeId": ids::encode("Cooperative", product.cooperative_id),
        });
        events::emit(conn, EventType::StockLow, &[product.cooperative_id], data)?;
    }
    Ok(())
}

// ---- what the search index needs ----

/// Outbox kind: these products changed; whatever shows them (the search index) refreshes them.
pub const SEARCH_OUTBOX_KIND: &str = "search_index";

/// A product image by id (its product's visibility applies to it).
pub fn find_media(conn: &mut DbConn, id: i64) -> Result<Option<MediaRow>, AppError> {
    Ok(store::find_media(conn, id)?)
}

/// A quality label by id (its product's visibility applies to it).
pub fn find_label(conn: &mut DbConn, id: i64) -> Result<Option<LabelRow>, AppError> {
    Ok(store::find_label(conn, id)?)
}

pub fn product_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<ProductRow>, AppError> {
    Ok(store::product_by_slug(conn, slug)?)
}

/// Categories under `parent` (`Some(None)`: the roots; `None`: all).
pub fn list_categories(conn: &mut DbConn, parent: Option<Option<i64>>) -> Result<Vec<CategoryRow>, AppError> {
    Ok(store::list_categories(conn, parent)?)
}

pub fn category_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<CategoryRow>, AppError> {
    Ok(store::category_by_slug(conn, slug)?)
}

pub fn products_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, ProductRow>, AppError> {
    Ok(store::products_by_ids(conn, ids)?)
}

pub fn categories_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, CategoryRow>, AppError> {
    Ok(store::categories_by_ids(conn, ids)?)
}

pub fn labels_of_products(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Vec<LabelRow>>, AppError> {
    Ok(store::labels_of_products(conn, ids)?)
}

/// Queues a search index update for these products, in the caller's transaction.
pub fn enqueue_search_sync(conn: &mut DbConn, product_ids: &[i64]) -> Result<(), AppError> {
    if product_ids.is_empty() {
        return Ok(());
    }
    crate::outbox::enqueue(conn, SEARCH_OUTBOX_KIND, &serde_json::json!({ "product_ids": product_ids }))
}

/// Every product id, in pages, for rebuilding the index.
pub fn product_ids_after(conn: &mut DbConn, after: i64, limit: i64) -> Result<Vec<i64>, AppError> {
    Ok(store::product_ids_after(conn, after, limit)?)
}

pub fn product_ids_of_cooperative(conn: &mut DbConn, cooperative_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(store::product_ids_of_cooperative(conn, cooperative_id)?)
}

// ---- what the orders domain needs ----

/// A variant with its product and cooperative, for pricing a cart.
#[derive(Debug, Clone)]
pub struct Sellable {
    pub variant: VariantRow,
    pub product: ProductRow,
    pub cooperative: CooperativeRow,
}

impl Sellable {
    /// On sale: an ACTIVE product of an ACTIVE cooperative.
    pub fn on_sale(&self) -> bool {
        self.product.status() == ProductStatus::Active && self.cooperative.status() == CooperativeStatus::Active
    }
}

pub fn sellables(conn: &mut DbConn, variant_ids: &[i64]) -> Result<HashMap<i64, Sellable>, AppError> {
    let variants = store::variants_by_ids(conn, variant_ids)?;
    let product_ids: Vec<i64> = variants.values().map(|v| v.product_id).collect();
    let products = store::products_by_ids(conn, &product_ids)?;
    let cooperative_ids: Vec<i64> = products.values().map(|p| p.cooperative_id).collect();
    let cooperatives = registry::cooperatives_by_ids(conn, &cooperative_ids)?;
    Ok(variants
        .into_values()
        .filter_map(|variant| {
            let product = products.get(&variant.product_id)?.clone();
            let cooperative = cooperatives.get(&product.cooperative_id)?.clone();
            Some((variant.id, Sellable { variant, product, cooperative }))
        })
        .collect())
}

/// Takes stock for every (variant, quantity) with one conditional UPDATE each, in id order
/// so concurrent checkouts lock rows in the same order. Fails, taking nothing, when any
/// variant has too little; the caller's transaction rolls back the ones already taken.
pub fn reserve_stock(conn: &mut DbConn, items: &[(i64, i64)]) -> Result<(), AppError> {
    let mut items = items.to_vec();
    items.sort_unstable();
    let at = now();
    for (variant_id, quantity) in &items {
        if store::adjust_stock(conn, *variant_id, -quantity, at)? == 0 {
            let variant = ids::encode("Variant", *variant_id).0;
            return Err(AppError::user(
                ErrorCode::OutOfStock,
                &["input", "cartId"],
                msg!("not enough stock for variant {variant}", variant = variant),
            ));
        }
    }
    emit_stock_low(conn, &items)?;
    refresh_rollups_of(conn, &items)
}

/// Puts stock back (a cancelled order).
pub fn release_stock(conn: &mut DbConn, items: &[(i64, i64)]) -> Result<(), AppError> {
    let mut items = items.to_vec();
    items.sort_unstable();
    let at = now();
    for (variant_id, quantity) in &items {
        store::adjust_stock(conn, *variant_id, *quantity, at)?;
    }
    refresh_rollups_of(conn, &items)
}

fn refresh_rollups_of(conn: &mut DbConn, items: &[(i64, i64)]) -> Result<(), AppError> {
    let ids: Vec<i64> = items.iter().map(|(v, _)| *v).collect();
    let mut product_ids: Vec<i64> = store::variants_by_ids(conn, &ids)?.values().map(|v| v.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    for id in &product_ids {
        store::refresh_product_rollups(conn, *id)?;
    }
    enqueue_search_sync(conn, &product_ids)
}

// ---- bulk loads (seeds) ----

/// Rows per INSERT statement: well under both backends' bound-parameter limits.
const BULK_ROWS: usize = 1000;

/// Writes products with everything they carry in a few statements, inside the caller's
/// transaction, without the checks of `productCreate` (the caller generated valid data);
/// their lowest price and total stock are computed. Returns the products' ids in order.
pub fn insert_product_bundles(conn: &mut DbConn, bundles: Vec<ProductBundle>) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::with_capacity(bundles.len());
    let mut bundles = bundles.into_iter().peekable();
    while bundles.peek().is_some() {
        let (mut products, mut children) = (Vec::new(), Vec::new());
        for mut b in bundles.by_ref().take(BULK_ROWS) {
            b.product.total_stock = b.variants.iter().map(|v| v.stock).sum();
            children.push((b.product.fields.slug.clone(), b.variants, b.media, b.labels));
            products.push(b.product);
        }
        store::insert_products(conn, &products)?;
        let slugs: Vec<String> = children.iter().map(|c| c.0.clone()).collect();
        let by_slug = store::product_ids_by_slugs(conn, &slugs)?;
        let (mut variants, mut media, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        for (slug, v, m, l) in children {
            let id = by_slug[&slug];
            ids.push(id);
            variants.extend(v.into_iter().map(|v| NewVariant { product_id: id, ..v }));
            media.extend(m.into_iter().map(|m| NewMedia { product_id: id, ..m }));
            labels.extend(l.into_iter().map(|l| NewLabel { product_id: id, ..l }));
        }
        for rows in variants.chunks(BULK_ROWS) {
            store::insert_variants(conn, rows)?;
        }
        for rows in media.chunks(BULK_ROWS) {
            store::insert_media_rows(conn, rows)?;
        }
        for rows in labels.chunks(BULK_ROWS) {
            store::insert_label_rows(conn, rows)?;
        }
    }
    for chunk in ids.chunks(BULK_ROWS) {
        store::refresh_min_prices(conn, chunk)?;
    }
    Ok(ids)
}

/// The materialised path of each category (`/3/17/`): a category is under another when its
/// path starts with the other's.
pub fn category_paths(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    Ok(store::categories_by_ids(conn, ids)?.into_iter().map(|(id, c)| (id, c.path)).collect())
}

/// Each product's cooperative, for the products that exist.
pub fn product_owners(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
    Ok(store::products_by_ids(conn, ids)?.into_iter().map(|(id, p)| (id, p.cooperative_id)).collect())
}

/// The id of the category with this slug, if any.
pub fn category_id_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<i64>, AppError> {
    Ok(store::category_by_slug(conn, slug)?.map(|c| c.id))
}

/// Writes a category under `parent_id` as given (bulk loads); returns its id.
pub fn insert_category_row(
    conn: &mut DbConn,
    parent_id: Option<i64>,
    slug: &str,
    position: i32,
    name: Localized,
) -> Result<i64, AppError> {
    let parent = match parent_id {
        Some(id) => Some(store::find_category(conn, id)?.ok_or_else(|| AppError::internal("parent category missing"))?),
        None => None,
    };
    Ok(store::insert_category(
        conn,
        &NewCategory {
            parent_id,
            slug: slug.to_string(),
            path: parent.map(|p| p.path).unwrap_or_else(|| "/".into()),
            position,
            name_ar: name.ar,
            name_fr: name.fr,
            name_en: name.en,
            name_zgh: name.zgh,
        },
    )?)
}

/// How many products the catalogue holds, whatever their status.
pub fn count_all_products(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::count_all_products(conn)?)
}

/// Cooperatives with at least one product on sale.
pub fn selling_cooperatives(conn: &mut DbConn) -> Result<Vec<i64>, AppError> {
    Ok(store::selling_cooperatives(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_checked() {
        assert!(is_valid_sku("ARG-250.v2_b"));
        assert!(!is_valid_sku("ARG 250"));
    }
}
