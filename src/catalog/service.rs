//! Catalogue rules: who may change what, input validation, and the transactions that apply it.

use async_graphql::{ID, MaybeUndefined};
use chrono::NaiveDate;

use super::model::*;
use super::store::{self, CooperativeQuery, ProductQuery, ProductSort};
use crate::auth::Viewer;
use crate::db::{DbConn, now, write_tx};
use crate::error::{AppError, Checks};
use crate::graphql::ids;
use crate::graphql::relay::{PageArgs, Window};
use crate::i18n::{Locale, Localized};
use crate::money::{CurrencyCode, parse_amount};
use crate::path;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 10_000;
pub const MAX_VARIANTS: usize = 100;
pub const MAX_MEDIA: usize = 20;
pub const MAX_LABELS: usize = 10;
pub const MAX_STOCK: i64 = 10_000_000;

pub fn cooperative_exists(conn: &mut DbConn, id: i64) -> Result<bool, AppError> {
    Ok(store::find_cooperative(conn, id)?.is_some())
}

// ---- validation helpers ----

pub fn is_valid_slug(slug: &str) -> bool {
    (3..=120).contains(&slug.len())
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn check_slug(checks: &mut Checks, field: Vec<String>, slug: &str) {
    checks.check(
        is_valid_slug(slug),
        field,
        "must be 3 to 120 characters of a-z, 0-9 and single hyphens (e.g. argan-oil-250ml)",
    );
}

fn is_valid_sku(sku: &str) -> bool {
    (1..=64).contains(&sku.len()) && sku.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Reads a list of translations; at most one per locale, each within `max_len` characters.
fn localized(
    checks: &mut Checks,
    field: &[String],
    inputs: &[LocalizedTextInput],
    max_len: usize,
    required: bool,
) -> Localized {
    let mut out = Localized::default();
    let mut seen = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut at = field.to_vec();
        at.push(i.to_string());
        let Some(locale) = Locale::parse(&input.locale).filter(|_| !input.locale.contains(['-', '_'])) else {
            checks.fail(
                [at, path!["locale"]].concat(),
                format!("unknown locale `{}`; use ar, fr, en or zgh", input.locale),
            );
            continue;
        };
        if seen.contains(&locale) {
            checks.fail([at, path!["locale"]].concat(), format!("`{}` is given twice", locale.code()));
            continue;
        }
        seen.push(locale);
        let text = input.text.trim();
        let len = text.chars().count();
        if len > max_len {
            checks.fail([at, path!["text"]].concat(), format!("must be at most {max_len} characters"));
            continue;
        }
        out.set(locale, (!text.is_empty()).then(|| text.to_string()));
    }
    if required && out.is_empty() && checks.is_empty() {
        checks.fail(field.to_vec(), "needs a text in at least one locale");
    }
    out
}

fn amount(checks: &mut Checks, field: Vec<String>, text: &str) -> Option<i64> {
    match parse_amount(text, CurrencyCode::Mad.exponent()) {
        Ok(v) => Some(v),
        Err(e) => {
            checks.fail(field, format!("{e}"));
            None
        }
    }
}

fn options_json(checks: &mut Checks, field: &[String], options: &[SelectedOptionInput]) -> String {
    if options.len() > 5 {
        checks.fail(field.to_vec(), "at most 5 options");
    }
    let mut out = Vec::new();
    for (i, o) in options.iter().enumerate() {
        let name = o.name.trim();
        let value = o.value.trim();
        checks.check(
            (1..=50).contains(&name.chars().count()),
            [field.to_vec(), path![i, "name"]].concat(),
            "must be 1 to 50 characters",
        );
        checks.check(
            (1..=100).contains(&value.chars().count()),
            [field.to_vec(), path![i, "value"]].concat(),
            "must be 1 to 100 characters",
        );
        out.push(SelectedOption { name: name.to_string(), value: value.to_string() });
    }
    serde_json::to_string(&out).unwrap_or_else(|_| "[]".into())
}

fn weight(checks: &mut Checks, field: Vec<String>, grams: Option<i32>) -> Option<i32> {
    if let Some(g) = grams {
        checks.check((0..=1_000_000).contains(&g), field, "must be between 0 and 1,000,000 grams");
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
    checks.check(is_valid_sku(&sku), at("sku"), "must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'");
    let price = amount(checks, at("price"), &input.price.0).unwrap_or(0);
    let compare_at = input.compare_at_price.as_ref().and_then(|c| amount(checks, at("compareAtPrice"), &c.0));
    if let Some(c) = compare_at {
        checks.check(c >= price, at("compareAtPrice"), "must not be lower than the price");
    }
    let stock = i64::from(input.stock);
    checks.check((0..=MAX_STOCK).contains(&stock), at("stock"), format!("must be between 0 and {MAX_STOCK}"));
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

fn is_valid_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn media(checks: &mut Checks, field: &[String], inputs: &[MediaInput]) -> Vec<NewMedia> {
    if inputs.len() > MAX_MEDIA {
        checks.fail(field.to_vec(), format!("at most {MAX_MEDIA} media"));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let at = [field.to_vec(), path![i]].concat();
            checks.check(is_valid_url(m.url.trim()), [at.clone(), path!["url"]].concat(), "must be an http(s) URL");
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
        checks.fail(field.to_vec(), format!("at most {MAX_LABELS} labels"));
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
                format!("must be 1 to {MAX_NAME_LEN} characters"),
            );
            let short = |checks: &mut Checks, name: &str, v: &Option<String>| {
                let v = v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                if let Some(s) = &v {
                    checks.check(
                        s.chars().count() <= MAX_NAME_LEN,
                        at(name),
                        format!("must be at most {MAX_NAME_LEN} characters"),
                    );
                }
                v
            };
            let certifying_body = short(checks, "certifyingBody", &l.certifying_body);
            let certificate_number = short(checks, "certificateNumber", &l.certificate_number);
            let valid_until = l.valid_until.as_deref().and_then(|d| {
                let parsed = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
                if parsed.is_none() {
                    checks.fail(at("validUntil"), "must be a date as YYYY-MM-DD");
                }
                parsed
            });
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

fn require_viewer(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    viewer.ok_or(AppError::Unauthenticated)
}

fn require_manage(viewer: Option<&Viewer>, cooperative_id: i64) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if viewer.can_manage(cooperative_id) {
        Ok(viewer)
    } else {
        Err(AppError::forbidden("you may only manage your own cooperative's catalogue"))
    }
}

fn require_catalogue_role(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if viewer.is_admin() || viewer.cooperative_id.is_some() && viewer.role == crate::auth::Role::CooperativeManager {
        Ok(viewer)
    } else {
        Err(AppError::forbidden("only cooperative managers and administrators manage products"))
    }
}

/// The id of a region given by its code, or a field error naming the code.
pub fn region_id(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: Vec<String>,
    code: &str,
) -> Result<Option<i64>, AppError> {
    let region = store::region_by_code(conn, code.trim())?;
    if region.is_none() {
        checks.fail(field, format!("unknown region code `{code}`; use 01 to 12"));
    }
    Ok(region.map(|r| r.id))
}

/// The id of a sector given by its code, or a field error naming the code.
pub fn sector_id(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: Vec<String>,
    code: &str,
) -> Result<Option<i64>, AppError> {
    let sector = store::sector_by_code(conn, code.trim())?;
    if sector.is_none() {
        checks.fail(field, format!("unknown sector `{code}`"));
    }
    Ok(sector.map(|s| s.id))
}

fn category_id(conn: &mut DbConn, checks: &mut Checks, field: Vec<String>, id: &ID) -> Result<Option<i64>, AppError> {
    let Some(raw) = ids::decode_input(id, "Category", field.clone(), checks) else {
        return Ok(None);
    };
    let found = store::find_category(conn, raw)?;
    if found.is_none() {
        checks.fail(field, "no such category");
    }
    Ok(found.map(|c| c.id))
}

// ---- visibility ----

/// Public callers see ACTIVE products of ACTIVE cooperatives; managers also their own drafts; staff all.
pub fn can_view_product(viewer: Option<&Viewer>, product: &ProductRow, cooperative: &CooperativeRow) -> bool {
    let public = product.status() == ProductStatus::Active && cooperative.status() == CooperativeStatus::Active;
    public || viewer.is_some_and(|v| v.is_staff() || v.can_manage(product.cooperative_id))
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
                    checks.fail(path!["filter", "category"], "no such category");
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
        },
        reverse,
        locale,
    })
}

pub struct Page<T> {
    pub rows: Vec<T>,
    pub window: Window,
    pub total: Option<usize>,
}

pub fn list_products(
    conn: &mut DbConn,
    query: &ProductQuery,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ProductRow>, AppError> {
    let total =
        if want_total || args.needs_total() { Some(store::count_products(conn, query)? as usize) } else { None };
    let window = args.window(total);
    let rows = store::list_products(conn, query, window.offset, window.limit + 1)?;
    Ok(Page { rows, window, total })
}

pub fn cooperative_query(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    filter: &CooperativeFilterInput,
) -> Result<CooperativeQuery, AppError> {
    let mut checks = Checks::new();
    let region_id = match &filter.region {
        Some(code) => region_id(conn, &mut checks, path!["filter", "region"], code)?,
        None => None,
    };
    let sector_id = match &filter.sector {
        Some(code) => sector_id(conn, &mut checks, path!["filter", "sector"], code)?,
        None => None,
    };
    checks.finish()?;
    let staff = viewer.is_some_and(|v| v.is_staff());
    Ok(CooperativeQuery {
        region_id,
        sector_id,
        women: filter.is_women_cooperative,
        youth: filter.is_youth_cooperative,
        status: if staff { filter.status } else { Some(CooperativeStatus::Active) },
    })
}

pub fn list_cooperatives(
    conn: &mut DbConn,
    query: &CooperativeQuery,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<CooperativeRow>, AppError> {
    let total =
        if want_total || args.needs_total() { Some(store::count_cooperatives(conn, query)? as usize) } else { None };
    let window = args.window(total);
    let rows = store::list_cooperatives(conn, query, window.offset, window.limit + 1)?;
    Ok(Page { rows, window, total })
}

// ---- cooperatives ----

pub fn create_cooperative(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CooperativeCreateInput,
) -> Result<CooperativeRow, AppError> {
    crate::auth::service::require_admin(viewer)?;
    let mut checks = Checks::new();
    let slug = input.slug.trim().to_string();
    check_slug(&mut checks, path!["input", "slug"], &slug);
    let number = input.registration_number.trim().to_string();
    checks.check(
        (1..=64).contains(&number.chars().count()),
        path!["input", "registrationNumber"],
        "must be 1 to 64 characters",
    );
    let name = localized(&mut checks, &path!["input", "name"], &input.name, MAX_NAME_LEN, true);
    let description =
        localized(&mut checks, &path!["input", "description"], &input.description, MAX_DESCRIPTION_LEN, false);
    let contact = contact_fields(&mut checks, input.logo_url, input.contact_email, input.contact_phone);
    let region = region_id(conn, &mut checks, path!["input", "regionCode"], &input.region_code)?;
    let sector = store::sector_by_code(conn, input.sector_code.trim())?;
    if sector.is_none() {
        checks.fail(path!["input", "sectorCode"], format!("unknown sector `{}`", input.sector_code));
    }
    checks.finish()?;
    let fields = CooperativeFields {
        slug,
        registration_number: number,
        name_ar: name.ar,
        name_fr: name.fr,
        name_en: name.en,
        name_zgh: name.zgh,
        description_ar: description.ar,
        description_fr: description.fr,
        description_en: description.en,
        description_zgh: description.zgh,
        region_id: region.unwrap_or_default(),
        sector_id: sector.map(|s| s.id).unwrap_or_default(),
        logo_url: contact.0,
        contact_email: contact.1,
        contact_phone: contact.2,
        is_women_cooperative: input.is_women_cooperative,
        is_youth_cooperative: input.is_youth_cooperative,
        status: CooperativeStatus::Active.as_str().to_string(),
        updated_at: now(),
        commission_rate_bps: None,
    };
    write_tx(conn, |conn| {
        let (slug_taken, number_taken) =
            store::cooperative_identity_taken(conn, &fields.slug, &fields.registration_number)?;
        let mut checks = Checks::new();
        if slug_taken {
            checks.push(crate::error::UserError::new(
                crate::error::ErrorCode::Conflict,
                &["input", "slug"],
                "is already used",
            ));
        }
        if number_taken {
            checks.push(crate::error::UserError::new(
                crate::error::ErrorCode::Conflict,
                &["input", "registrationNumber"],
                "is already registered",
            ));
        }
        checks.finish()?;
        let id = store::insert_cooperative(conn, &fields, now())?;
        let row = store::find_cooperative(conn, id)?.ok_or_else(|| AppError::internal("cooperative vanished"))?;
        crate::registry::service::enter_in_register(conn, &row, &crate::registry::service::RegisterFacts::today())?;
        Ok(row)
    })
}

/// Whether a cooperative already uses this slug.
pub fn slug_taken(conn: &mut DbConn, slug: &str) -> Result<bool, AppError> {
    Ok(store::cooperative_by_slug(conn, slug)?.is_some())
}

/// Whether a cooperative already holds this registration number.
pub fn registration_number_taken(conn: &mut DbConn, number: &str) -> Result<bool, AppError> {
    Ok(store::cooperative_identity_taken(conn, "", number)?.1)
}

/// Creates the cooperative of a registration decided by the registry (inside its transaction).
pub fn insert_registered_cooperative(
    conn: &mut DbConn,
    fields: &CooperativeFields,
) -> Result<CooperativeRow, AppError> {
    let id = store::insert_cooperative(conn, fields, now())?;
    store::find_cooperative(conn, id)?.ok_or_else(|| AppError::internal("cooperative vanished"))
}

/// Creates many cooperatives at once (bulk loads); returns them keyed by registration number.
pub fn insert_cooperatives_in_bulk(
    conn: &mut DbConn,
    fields: &[CooperativeFields],
) -> Result<std::collections::HashMap<String, CooperativeRow>, AppError> {
    let at = now();
    store::insert_cooperatives(conn, fields, at)?;
    let numbers: Vec<&str> = fields.iter().map(|f| f.registration_number.as_str()).collect();
    Ok(store::cooperatives_by_numbers(conn, &numbers)?
        .into_iter()
        .map(|c| (c.registration_number.clone(), c))
        .collect())
}

/// Sets a cooperative's status for the registry; its products leave or re-enter the search
/// index through the outbox in the same transaction.
pub fn set_cooperative_status(conn: &mut DbConn, id: i64, status: CooperativeStatus) -> Result<(), AppError> {
    store::set_cooperative_status(conn, id, status.as_str(), now())?;
    let products = store::product_ids_of_cooperative(conn, id)?;
    enqueue_search_sync(conn, &products)
}

/// Validates the optional logo URL, email and phone (Moroccan or international format).
fn contact_fields(
    checks: &mut Checks,
    logo: Option<String>,
    email: Option<String>,
    phone: Option<String>,
) -> (Option<String>, Option<String>, Option<String>) {
    let logo = logo.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(l) = &logo {
        checks.check(is_valid_url(l), path!["input", "logoUrl"], "must be an http(s) URL");
    }
    let email = email.map(|s| crate::auth::service::normalize_email(&s)).filter(|s| !s.is_empty());
    if let Some(e) = &email {
        checks.check(
            crate::auth::service::is_valid_email(e),
            path!["input", "contactEmail"],
            "is not a valid email address",
        );
    }
    let phone = phone.map(|s| normalize_phone(&s)).filter(|s| !s.is_empty());
    if let Some(p) = &phone {
        checks.check(
            is_valid_phone(p),
            path!["input", "contactPhone"],
            "must be a phone number such as +212612345678 or 0612345678",
        );
    }
    (logo, email, phone)
}

pub fn normalize_phone(phone: &str) -> String {
    phone.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect()
}

/// `+` and 8–15 digits (E.164), or a Moroccan national number of 10 digits starting with 0.
pub fn is_valid_phone(phone: &str) -> bool {
    match phone.strip_prefix('+') {
        Some(rest) => (8..=15).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_digit()),
        None => phone.len() == 10 && phone.starts_with('0') && phone.bytes().all(|b| b.is_ascii_digit()),
    }
}

pub fn update_cooperative(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CooperativeUpdateInput,
) -> Result<CooperativeRow, AppError> {
    let mut checks = Checks::new();
    let id = ids::decode_input(&input.id, "Cooperative", path!["input", "id"], &mut checks);
    checks.finish()?;
    let id = id.unwrap_or_default();
    let current = store::find_cooperative(conn, id)?
        .ok_or_else(|| AppError::not_found(&["input", "id"], "no such cooperative"))?;
    let viewer = require_manage(viewer, current.id)?;
    if (input.status.is_some() || !input.commission_rate_bps.is_undefined()) && !viewer.is_admin() {
        return Err(AppError::forbidden("only administrators change a cooperative's status or commission"));
    }
    let current_status = current.status();
    let mut checks = Checks::new();
    let mut fields = CooperativeFields {
        slug: current.slug.clone(),
        registration_number: current.registration_number.clone(),
        name_ar: current.name_ar.clone(),
        name_fr: current.name_fr.clone(),
        name_en: current.name_en.clone(),
        name_zgh: current.name_zgh.clone(),
        description_ar: current.description_ar.clone(),
        description_fr: current.description_fr.clone(),
        description_en: current.description_en.clone(),
        description_zgh: current.description_zgh.clone(),
        region_id: current.region_id,
        sector_id: current.sector_id,
        logo_url: current.logo_url.clone(),
        contact_email: current.contact_email.clone(),
        contact_phone: current.contact_phone.clone(),
        is_women_cooperative: input.is_women_cooperative.unwrap_or(current.is_women_cooperative),
        is_youth_cooperative: input.is_youth_cooperative.unwrap_or(current.is_youth_cooperative),
        status: input.status.map(|s| s.as_str().to_string()).unwrap_or(current.status.clone()),
        updated_at: now(),
        commission_rate_bps: match input.commission_rate_bps {
            MaybeUndefined::Undefined => current.commission_rate_bps,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(bps) => {
                checks.check(
                    (0..=5000).contains(&bps),
                    path!["input", "commissionRateBps"],
                    "must be between 0 and 5000 (50%)",
                );
                Some(bps)
            }
        },
    };
    if let Some(name) = &input.name {
        let n = localized(&mut checks, &path!["input", "name"], name, MAX_NAME_LEN, true);
        (fields.name_ar, fields.name_fr, fields.name_en, fields.name_zgh) = (n.ar, n.fr, n.en, n.zgh);
    }
    if let Some(d) = &input.description {
        let d = localized(&mut checks, &path!["input", "description"], d, MAX_DESCRIPTION_LEN, false);
        (fields.description_ar, fields.description_fr, fields.description_en, fields.description_zgh) =
            (d.ar, d.fr, d.en, d.zgh);
    }
    let pick = |m: MaybeUndefined<String>, current: Option<String>| match m {
        MaybeUndefined::Undefined => current,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(v),
    };
    let (logo, email, phone) = contact_fields(
        &mut checks,
        pick(input.logo_url, current.logo_url),
        pick(input.contact_email, current.contact_email),
        pick(input.contact_phone, current.contact_phone),
    );
    (fields.logo_url, fields.contact_email, fields.contact_phone) = (logo, email, phone);
    checks.finish()?;
    let status_change = (fields.status != current.status).then_some((current_status, input.status, viewer.account_id));
    write_tx(conn, |conn| {
        if let Some((from, Some(to), actor)) = status_change {
            crate::registry::service::record_status_change(
                conn,
                id,
                from,
                to,
                Some(actor),
                "changed by an administrator",
                None,
            )?;
        }
        store::update_cooperative(conn, id, &fields)?;
        let products = store::product_ids_of_cooperative(conn, id)?;
        enqueue_search_sync(conn, &products)?;
        store::find_cooperative(conn, id)?.ok_or_else(|| AppError::internal("cooperative vanished"))
    })
}

// ---- categories ----

pub fn create_category(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CategoryCreateInput,
) -> Result<CategoryRow, AppError> {
    crate::auth::service::require_admin(viewer)?;
    let mut checks = Checks::new();
    let slug = input.slug.trim().to_string();
    check_slug(&mut checks, path!["input", "slug"], &slug);
    let name = localized(&mut checks, &path!["input", "name"], &input.name, MAX_NAME_LEN, true);
    let parent = match &input.parent_id {
        Some(id) => match ids::decode_input(id, "Category", path!["input", "parentId"], &mut checks) {
            Some(raw) => {
                let p = store::find_category(conn, raw)?;
                if p.is_none() {
                    checks.fail(path!["input", "parentId"], "no such category");
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
            return Err(AppError::conflict(&["input", "slug"], "is already used"));
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
            checks.push(crate::error::UserError {
                field: Some(field.clone()),
                message: format!("SKU `{sku}` is already used"),
                code: crate::error::ErrorCode::Conflict,
            });
        }
    }
    checks.finish()
}

pub fn create_product(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProductCreateInput,
) -> Result<ProductRow, AppError> {
    let actor = require_catalogue_role(viewer)?;
    let mut checks = Checks::new();
    let cooperative_id = match (&input.cooperative_id, actor.cooperative_id) {
        (Some(id), _) => ids::decode_input(id, "Cooperative", path!["input", "cooperativeId"], &mut checks),
        (None, Some(own)) => Some(own),
        (None, None) => {
            checks.fail(path!["input", "cooperativeId"], "is required");
            None
        }
    };
    checks.finish()?;
    let cooperative_id = cooperative_id.unwrap_or_default();
    let cooperative = store::find_cooperative(conn, cooperative_id)?;
    // Authorise before saying anything about the cooperative, so ids cannot be probed.
    require_manage(viewer, cooperative_id)?;
    let cooperative =
        cooperative.ok_or_else(|| AppError::not_found(&["input", "cooperativeId"], "no such cooperative"))?;

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
    if input.variants.is_empty() || input.variants.len() > MAX_VARIANTS {
        checks.fail(path!["input", "variants"], format!("a product needs 1 to {MAX_VARIANTS} variants"));
    }
    let variants: Vec<ValidVariant> = input
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| variant(&mut checks, &path!["input", "variants", i], v))
        .collect();
    let mut skus: Vec<(Vec<String>, String)> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        if skus.iter().any(|(_, s)| *s == v.fields.sku) {
            checks.fail(path!["input", "variants", i, "sku"], "is given twice");
        }
        skus.push((path!["input", "variants", i, "sku"], v.fields.sku.clone()));
    }
    let media = media(&mut checks, &path!["input", "media"], &input.media);
    let labels = labels(&mut checks, &path!["input", "labels"], &input.labels);
    checks.finish()?;

    write_tx(conn, |conn| {
        if store::product_slug_taken(conn, &slug, None)? {
            return Err(AppError::conflict(&["input", "slug"], "is already used"));
        }
        check_skus_free(conn, &skus, None)?;
        let at = now();
        let id = store::insert_product(
            conn,
            &NewProduct {
                fields: ProductFields {
                    cooperative_id,
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
                },
                total_stock: 0,
                created_at: at,
            },
        )?;
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
        store::find_product(conn, id)?.ok_or_else(|| AppError::internal("product vanished"))
    })
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
        None => Err(AppError::not_found(field, "no such product")),
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
            return Err(AppError::conflict(&["input", "slug"], "is already used"));
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
        store::find_product(conn, id)?.ok_or_else(|| AppError::internal("product vanished"))
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
        store::find_product(conn, product.id)?.ok_or_else(|| AppError::internal("product vanished"))
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
                format!("a product has at most {MAX_VARIANTS} variants"),
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
        .ok_or_else(|| AppError::not_found(field, "no such variant"))?;
    let product =
        store::find_product(conn, variant.product_id)?.ok_or_else(|| AppError::not_found(field, "no such variant"))?;
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
        "must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' and '.'",
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
        checks.check(c >= price, path!["input", "compareAtPrice"], "must not be lower than the price");
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
            return Err(AppError::OutOfStock {
                field: path!["input", "delta"],
                message: "stock cannot go below zero".into(),
            });
        }
        let variant = store::find_variant(conn, current.id)?.ok_or_else(|| AppError::internal("variant vanished"))?;
        if variant.stock > MAX_STOCK {
            return Err(AppError::bad_input(&["input", "delta"], format!("stock cannot exceed {MAX_STOCK}")));
        }
        store::refresh_product_rollups(conn, current.product_id)?;
        enqueue_search_sync(conn, &[current.product_id])?;
        Ok(variant)
    })
}

// ---- what the search index needs ----

pub const SEARCH_OUTBOX_KIND: &str = "search_index";

/// Queues a search index update for these products, in the caller's transaction.
pub fn enqueue_search_sync(conn: &mut DbConn, product_ids: &[i64]) -> Result<(), AppError> {
    if product_ids.is_empty() {
        return Ok(());
    }
    crate::outbox::enqueue(conn, SEARCH_OUTBOX_KIND, &serde_json::json!({ "product_ids": product_ids }))
}

fn all_locales(l: &crate::i18n::Localized) -> String {
    crate::i18n::Locale::ALL.iter().filter_map(|x| l.get(*x)).collect::<Vec<_>>().join("\n")
}

/// The search documents for these products; `None` for a product that must not be found
/// (unknown, not ACTIVE, or of a cooperative that may not sell).
pub fn search_documents(
    conn: &mut DbConn,
    product_ids: &[i64],
) -> Result<Vec<(i64, Option<crate::search::embedded::SearchDocument>)>, AppError> {
    use std::collections::BTreeMap;
    let products = store::products_by_ids(conn, product_ids)?;
    let cooperatives =
        store::cooperatives_by_ids(conn, &products.values().map(|p| p.cooperative_id).collect::<Vec<_>>())?;
    let mut category_ids: Vec<i64> = Vec::new();
    let mut paths = std::collections::HashMap::new();
    let direct = store::categories_by_ids(conn, &products.values().filter_map(|p| p.category_id).collect::<Vec<_>>())?;
    for c in direct.values() {
        let ancestors: Vec<i64> = c.path.split('/').filter_map(|x| x.parse().ok()).collect();
        category_ids.extend(&ancestors);
        paths.insert(c.id, ancestors);
    }
    let categories = store::categories_by_ids(conn, &category_ids)?;
    let regions =
        store::regions_by_ids(conn, &products.values().filter_map(|p| p.origin_region_id).collect::<Vec<_>>())?;
    let sectors = store::sectors_by_ids(conn, &cooperatives.values().map(|c| c.sector_id).collect::<Vec<_>>())?;
    let labels = store::labels_of_products(conn, product_ids)?;
    Ok(product_ids
        .iter()
        .map(|id| {
            let doc = products.get(id).and_then(|p| {
                let c = cooperatives.get(&p.cooperative_id)?;
                if p.status() != ProductStatus::Active || c.status() != CooperativeStatus::Active {
                    return None;
                }
                let ancestors = p.category_id.and_then(|cid| paths.get(&cid)).cloned().unwrap_or_default();
                let product_labels = labels.get(id).cloned().unwrap_or_default();
                let mut doc = crate::search::embedded::SearchDocument {
                    id: p.id,
                    version: 0,
                    text: BTreeMap::from([
                        ("name".to_string(), all_locales(&p.name())),
                        ("description".to_string(), all_locales(&p.description())),
                        ("cooperative_name".to_string(), all_locales(&c.name())),
                        (
                            "category_names".to_string(),
                            ancestors
                                .iter()
                                .filter_map(|a| categories.get(a))
                                .map(|c| all_locales(&c.name()))
                                .collect::<Vec<_>>()
                                .join("\n"),
                        ),
                        (
                            "labels_text".to_string(),
                            product_labels.iter().map(|l| l.official_name.clone()).collect::<Vec<_>>().join("\n"),
                        ),
                    ]),
                    keywords: BTreeMap::from([
                        (
                            "region".to_string(),
                            p.origin_region_id
                                .and_then(|r| regions.get(&r))
                                .map(|r| vec![r.code.clone()])
                                .unwrap_or_default(),
                        ),
                        (
                            "sector".to_string(),
                            sectors.get(&c.sector_id).map(|s| vec![s.code.clone()]).unwrap_or_default(),
                        ),
                        ("category".to_string(), ancestors.iter().map(|a| a.to_string()).collect()),
                        ("cooperative".to_string(), vec![c.id.to_string()]),
                        ("labels".to_string(), product_labels.iter().map(|l| l.label_type.clone()).collect()),
                    ]),
                    numbers: BTreeMap::from([
                        ("price".to_string(), p.min_price_minor.unwrap_or(0)),
                        ("created_at".to_string(), p.created_at.and_utc().timestamp_micros()),
                    ]),
                    flags: BTreeMap::from([("in_stock".to_string(), p.total_stock > 0)]),
                };
                doc.version = doc.fingerprint();
                Some(doc)
            });
            (*id, doc)
        })
        .collect())
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

pub fn sellables(conn: &mut DbConn, variant_ids: &[i64]) -> Result<std::collections::HashMap<i64, Sellable>, AppError> {
    let variants = store::variants_by_ids(conn, variant_ids)?;
    let product_ids: Vec<i64> = variants.values().map(|v| v.product_id).collect();
    let products = store::products_by_ids(conn, &product_ids)?;
    let cooperative_ids: Vec<i64> = products.values().map(|p| p.cooperative_id).collect();
    let cooperatives = store::cooperatives_by_ids(conn, &cooperative_ids)?;
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
            return Err(AppError::OutOfStock {
                field: path!["input", "cartId"],
                message: format!("not enough stock for variant {}", ids::encode("Variant", *variant_id).0),
            });
        }
    }
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

pub fn find_cooperative(conn: &mut DbConn, id: i64) -> Result<Option<CooperativeRow>, AppError> {
    Ok(store::find_cooperative(conn, id)?)
}

pub fn cooperatives_by_ids(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, CooperativeRow>, AppError> {
    Ok(store::cooperatives_by_ids(conn, ids)?)
}

pub fn region_by_code(conn: &mut DbConn, code: &str) -> Result<Option<RegionRow>, AppError> {
    Ok(store::region_by_code(conn, code)?)
}

/// The two small reference lists (12 regions, the sectors), read together.
pub fn regions_and_sectors(conn: &mut DbConn) -> Result<(Vec<RegionRow>, Vec<SectorRow>), AppError> {
    Ok((store::list_regions(conn)?, store::list_sectors(conn)?))
}

pub fn find_region(conn: &mut DbConn, id: i64) -> Result<Option<RegionRow>, AppError> {
    Ok(store::regions_by_ids(conn, &[id])?.remove(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_skus_and_phones() {
        assert!(is_valid_slug("huile-argan-250ml"));
        assert!(!is_valid_slug("Huile-Argan"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug("-ab"));
        assert!(!is_valid_slug("ab"));
        assert!(is_valid_sku("ARG-250.v2_b"));
        assert!(!is_valid_sku("ARG 250"));
        assert!(is_valid_phone(&normalize_phone("+212 6 12 34 56 78")));
        assert!(is_valid_phone("0612345678"));
        assert!(!is_valid_phone("12345"));
    }

    #[test]
    fn localized_inputs_reject_unknown_and_duplicate_locales() {
        let mut checks = Checks::new();
        let t = |l: &str, s: &str| LocalizedTextInput { locale: l.into(), text: s.into() };
        localized(&mut checks, &path!["input", "name"], &[t("ar", "أركان"), t("xx", "?"), t("ar", "b")], 10, true);
        let Err(AppError::Invalid(errors)) = checks.finish() else { panic!("expected errors") };
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field.as_ref().unwrap(), &path!["input", "name", 1, "locale"]);
    }
}
