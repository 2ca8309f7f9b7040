//! Cooperatives in the register: their identity, contact, region and sector, and their
//! status; the marketplace reads them through these functions.

use std::collections::HashMap;

use async_graphql::MaybeUndefined;
use serde::{Deserialize, Serialize};

use super::super::model::*;
use super::super::names;
use super::super::store;
use super::{RegisterFacts, enter_in_register, record_status_change};
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode, UserError};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::{MAX_DESCRIPTION_LEN, MAX_NAME_LEN, localized};
use crate::kernel::text::check_slug;
use crate::kernel::validate::{is_valid_email, is_valid_phone, is_valid_url, normalize_email, normalize_phone};
use crate::kernel::viewer::{Viewer, require_admin, require_manage};
use crate::msg;
use crate::outbox;
use crate::path;

/// Outbox kind: a cooperative's public face changed (status, name, region…); whatever shows
/// its products (the search index) refreshes them. Dispatched by the app, since the
/// marketplace comes after the register in the dependency order.
pub const COOPERATIVE_CHANGED_KIND: &str = "cooperative_changed";

#[derive(Debug, Serialize, Deserialize)]
pub struct CooperativeChanged {
    pub cooperative_id: i64,
}

fn enqueue_cooperative_changed(conn: &mut DbConn, cooperative_id: i64) -> Result<(), AppError> {
    outbox::enqueue(conn, COOPERATIVE_CHANGED_KIND, &CooperativeChanged { cooperative_id })
}

pub fn cooperative_exists(conn: &mut DbConn, id: i64) -> Result<bool, AppError> {
    Ok(store::find_cooperative(conn, id)?.is_some())
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
        checks.fail_with(
            ErrorCode::RegionNotFound,
            field,
            msg!("unknown region code `{code}`; use 01 to 12", code = code),
        );
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
        checks.fail_with(ErrorCode::SectorNotFound, field, msg!("unknown sector `{code}`", code = code));
    }
    Ok(sector.map(|s| s.id))
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
    let staff = viewer.is_some_and(|v| v.is_office_staff());
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
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_cooperatives(c, query)?),
        |c, seek| store::list_cooperatives(c, query, seek),
        |c| Key::id(c.id),
    )
}

pub fn create_cooperative(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CooperativeCreateInput,
) -> Result<CooperativeRow, AppError> {
    require_admin(viewer)?;
    let mut checks = Checks::new();
    let slug = input.slug.trim().to_string();
    check_slug(&mut checks, path!["input", "slug"], &slug);
    let number = input.registration_number.trim().to_string();
    checks.check(
        (1..=64).contains(&number.chars().count()),
        path!["input", "registrationNumber"],
        msg!("must be 1 to 64 characters"),
    );
    let name = localized(&mut checks, &path!["input", "name"], &input.name, MAX_NAME_LEN, true);
    let description =
        localized(&mut checks, &path!["input", "description"], &input.description, MAX_DESCRIPTION_LEN, false);
    let contact = contact_fields(&mut checks, input.logo_url, input.contact_email, input.contact_phone);
    let region = region_id(conn, &mut checks, path!["input", "regionCode"], &input.region_code)?;
    let sector = store::sector_by_code(conn, input.sector_code.trim())?;
    if sector.is_none() {
        checks.fail_with(
            ErrorCode::SectorNotFound,
            path!["input", "sectorCode"],
            msg!("unknown sector `{sector_code}`", sector_code = input.sector_code),
        );
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
            checks.push(UserError::new(ErrorCode::Taken, &["input", "slug"], msg!("is already used")));
        }
        if number_taken {
            checks.push(UserError::new(
                ErrorCode::Taken,
                &["input", "registrationNumber"],
                msg!("is already registered"),
            ));
        }
        checks.finish()?;
        let id = store::insert_cooperative(conn, &fields, now())?;
        let row = store::find_cooperative(conn, id)?.ok_or_else(|| AppError::internal("cooperative vanished"))?;
        enter_in_register(conn, &row, &RegisterFacts::today())?;
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
) -> Result<HashMap<String, CooperativeRow>, AppError> {
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
    enqueue_cooperative_changed(conn, id)
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
        checks.check(is_valid_url(l), path!["input", "logoUrl"], msg!("must be an http(s) URL"));
    }
    let email = email.map(|s| normalize_email(&s)).filter(|s| !s.is_empty());
    if let Some(e) = &email {
        checks.check(is_valid_email(e), path!["input", "contactEmail"], msg!("is not a valid email address"));
    }
    let phone = phone.map(|s| normalize_phone(&s)).filter(|s| !s.is_empty());
    if let Some(p) = &phone {
        checks.check(
            is_valid_phone(p),
            path!["input", "contactPhone"],
            msg!("must be a phone number such as +212612345678 or 0612345678"),
        );
    }
    (logo, email, phone)
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
        .ok_or_else(|| AppError::user(ErrorCode::CooperativeNotFound, &["input", "id"], msg!("no such cooperative")))?;
    let viewer = require_manage(viewer, current.id)?;
    if (input.status.is_some() || !input.commission_rate_bps.is_undefined()) && !viewer.is_admin() {
        return Err(AppError::forbidden(msg!("only administrators change a cooperative's status or commission")));
    }
    let current_status = current.status();
    let mut checks = Checks::new();
    let mut fields = CooperativeFields {
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
                    msg!("must be between 0 and 5000 (50%)"),
                );
                Some(bps)
            }
        },
        ..CooperativeFields::from(&current)
    };
    let mut register_names = None;
    if let Some(name) = &input.name {
        let n = localized(&mut checks, &path!["input", "name"], name, MAX_NAME_LEN, true);
        // The Arabic and French names are the register's: they change through the office
        // (an administrator here), checked against the register like a new name. Managers
        // may change the other languages' display names.
        if (n.ar != current.name_ar || n.fr != current.name_fr) && checks.is_empty() {
            if !viewer.is_admin() {
                return Err(AppError::forbidden(msg!(
                    "the registered Arabic and French names change only through the office"
                )));
            }
            register_names = Some(names::keys(&[n.ar.as_deref(), n.fr.as_deref()]));
        }
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
            record_status_change(conn, id, from, to, Some(actor), "changed by an administrator", None)?;
        }
        if let Some((folded, keys)) = &register_names {
            if let Some(other) = registered_elsewhere(conn, id, folded)? {
                return Err(AppError::user(
                    ErrorCode::NameTaken,
                    &["input", "name"],
                    msg!("the name is already registered ({number})", number = other),
                ));
            }
            store::set_entry_names(conn, id, folded, keys)?;
        }
        store::update_cooperative(conn, id, &fields)?;
        enqueue_cooperative_changed(conn, id)?;
        store::find_cooperative(conn, id)?.ok_or_else(|| AppError::internal("cooperative vanished"))
    })
}

/// The registration number of another cooperative registered under one of these folded names.
fn registered_elsewhere(conn: &mut DbConn, id: i64, folded: &str) -> Result<Option<String>, AppError> {
    let names: Vec<String> = folded.split('|').filter(|p| !p.is_empty()).map(String::from).collect();
    let (entries, _) = store::name_candidates(conn, &names, &[], None)?;
    Ok(entries
        .into_iter()
        .find(|(c, e)| c.id != id && e.name_folded.split('|').any(|f| !f.is_empty() && names.iter().any(|n| n == f)))
        .map(|(c, _)| c.registration_number))
}

pub fn find_cooperative(conn: &mut DbConn, id: i64) -> Result<Option<CooperativeRow>, AppError> {
    Ok(store::find_cooperative(conn, id)?)
}

pub fn cooperatives_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, CooperativeRow>, AppError> {
    Ok(store::cooperatives_by_ids(conn, ids)?)
}

/// The ids of the cooperatives of a region.
pub fn cooperative_ids_in_region(conn: &mut DbConn, region_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(store::cooperative_ids_in_region(conn, region_id)?)
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

pub fn list_regions(conn: &mut DbConn) -> Result<Vec<RegionRow>, AppError> {
    Ok(store::list_regions(conn)?)
}

pub fn list_sectors(conn: &mut DbConn) -> Result<Vec<SectorRow>, AppError> {
    Ok(store::list_sectors(conn)?)
}

pub fn cooperative_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<CooperativeRow>, AppError> {
    Ok(store::cooperative_by_slug(conn, slug)?)
}

/// Active cooperatives with their region, in id order (generators spread products over them).
pub fn active_cooperatives(conn: &mut DbConn) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(store::active_cooperatives(conn)?)
}

pub fn sector_by_code(conn: &mut DbConn, code: &str) -> Result<Option<SectorRow>, AppError> {
    Ok(store::sector_by_code(conn, code)?)
}

// ---- bulk loads (seeds) ----

/// Whether the register has no entry yet (generators refuse to add to a real register).
pub fn register_is_empty(conn: &mut DbConn) -> Result<bool, AppError> {
    Ok(store::count_entries(conn, &Default::default())? == 0)
}

/// Rows of the register written as given, without the checks of the mutations: for bulk
/// loads of generated or demo data, inside the caller's transaction.
#[derive(Default)]
pub struct RegisterBatch {
    pub entries: Vec<RegisterEntryRow>,
    pub changes: Vec<NewStatusChange>,
    pub members: Vec<MemberRow>,
    pub filings: Vec<FilingRow>,
}

/// Rows per INSERT statement: well under both backends' bound-parameter limits.
const BULK_ROWS: usize = 1000;

pub fn insert_register_batch(conn: &mut DbConn, batch: &RegisterBatch) -> Result<(), AppError> {
    for chunk in batch.entries.chunks(BULK_ROWS) {
        store::insert_entries(conn, chunk)?;
    }
    for chunk in batch.changes.chunks(BULK_ROWS) {
        store::insert_status_changes(conn, chunk)?;
    }
    for chunk in batch.members.chunks(BULK_ROWS) {
        store::insert_members(conn, chunk)?;
    }
    for chunk in batch.filings.chunks(BULK_ROWS) {
        store::insert_filings(conn, chunk)?;
    }
    Ok(())
}

/// Makes the next registration number of a region and year follow `value` (after bulk loads
/// that numbered cooperatives themselves).
pub fn raise_registration_sequence(conn: &mut DbConn, region_id: i64, year: i32, value: i64) -> Result<(), AppError> {
    Ok(store::raise_sequence(conn, region_id, year, value)?)
}

pub fn regions_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, RegionRow>, AppError> {
    Ok(store::regions_by_ids(conn, ids)?)
}

pub fn sectors_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, SectorRow>, AppError> {
    Ok(store::sectors_by_ids(conn, ids)?)
}
