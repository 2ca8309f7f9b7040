//! `taawun import registry FILE.csv`: loads an existing register export. Every row is checked
//! on its own (and against the rest of the file and the database) before anything is written;
//! rows that fail are reported with their reasons and never half-loaded.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::model::{CooperativeFields, CooperativeStatus, LegalForm, RegionRow, SectorRow};
use super::service::{self as cooperatives, RegisterFacts, entry_row, today};
use super::store;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::AppError;
use crate::msg;

/// The columns the file must have (in any order; others are ignored).
pub const COLUMNS: [&str; 9] = [
    "registration_number",
    "name_ar",
    "name_fr",
    "legal_form",
    "region_code",
    "sector_code",
    "province",
    "registration_date",
    "status",
];

#[derive(Debug, Default)]
pub struct ImportReport {
    pub loaded: usize,
    /// (line number in the file, reasons).
    pub rejected: Vec<(u64, Vec<String>)>,
}

struct ValidRow {
    fields: CooperativeFields,
    facts: RegisterFacts,
}

const CHUNK: usize = 500;

pub fn import_csv(
    conn: &mut DbConn,
    reader: impl std::io::Read,
    mut progress: impl FnMut(&ImportReport),
) -> Result<ImportReport, AppError> {
    let mut csv = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(reader);
    let headers =
        csv.headers().map_err(|e| AppError::bad_input(&["file"], msg!("cannot read the header: {e}", e = e)))?.clone();
    let index = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = COLUMNS.iter().copied().filter(|c| index(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(AppError::bad_input(&["file"], msg!("missing columns: {columns}", columns = missing.join(", "))));
    }
    let col: Vec<usize> = COLUMNS.iter().map(|c| index(c).unwrap_or(0)).collect();
    let (regions, sectors) = cooperatives::regions_and_sectors(conn)?;
    let mut report = ImportReport::default();
    let mut seen_numbers = HashSet::new();
    let mut pending: Vec<(u64, ValidRow)> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                report.rejected.push((line, vec![format!("unreadable row: {e}")]));
                continue;
            }
        }
        let cells: Vec<&str> = col.iter().map(|c| record.get(*c).unwrap_or("").trim()).collect();
        let mut reasons = Vec::new();
        let number = check_number(conn, cells[0], &mut seen_numbers, &mut reasons)?;
        match check_row(&cells, &regions, &sectors, &mut reasons) {
            Some(checked) if reasons.is_empty() => pending.push((line, valid_row(number, checked))),
            _ => report.rejected.push((line, reasons)),
        }
        if pending.len() >= CHUNK {
            load(conn, std::mem::take(&mut pending), &mut report)?;
            progress(&report);
        }
    }
    load(conn, pending, &mut report)?;
    progress(&report);
    Ok(report)
}

/// A registration number new to the register and to the file.
fn check_number(
    conn: &mut DbConn,
    number: &str,
    seen: &mut HashSet<String>,
    reasons: &mut Vec<String>,
) -> Result<String, AppError> {
    if number.is_empty() || number.chars().count() > 64 {
        reasons.push("registration_number: must be 1 to 64 characters".to_string());
    } else if !seen.insert(number.to_string()) {
        reasons.push("registration_number: appears earlier in the file".to_string());
    } else if cooperatives::registration_number_taken(conn, number)? {
        reasons.push("registration_number: already in the register".to_string());
    }
    Ok(number.to_string())
}

/// The cells of a row after the number, checked.
struct CheckedRow {
    name_ar: Option<String>,
    name_fr: Option<String>,
    form: LegalForm,
    region_id: i64,
    sector_id: i64,
    province: Option<String>,
    date: NaiveDate,
    status: CooperativeStatus,
}

/// Checks the cells of a row (in `COLUMNS` order); each problem is a reason.
fn check_row(
    cells: &[&str],
    regions: &[RegionRow],
    sectors: &[SectorRow],
    reasons: &mut Vec<String>,
) -> Option<CheckedRow> {
    let name_ar = Some(cells[1].to_string()).filter(|s| !s.is_empty());
    let name_fr = Some(cells[2].to_string()).filter(|s| !s.is_empty());
    if name_ar.is_none() && name_fr.is_none() {
        reasons.push("name_ar/name_fr: at least one name is required".into());
    }
    for (column, name) in [("name_ar", &name_ar), ("name_fr", &name_fr)] {
        if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            reasons.push(format!("{column}: must be at most 200 characters"));
        }
    }
    let form = legal_form(cells[3], reasons);
    let region = regions.iter().find(|r| r.code == cells[4]);
    if region.is_none() {
        reasons.push(format!("region_code: `{}` is not a region code (01 to 12)", cells[4]));
    }
    let sector = sectors.iter().find(|s| s.code == cells[5]);
    if sector.is_none() {
        reasons.push(format!("sector_code: unknown sector `{}`", cells[5]));
    }
    let province = Some(cells[6].to_string()).filter(|s| !s.is_empty());
    if province.as_ref().is_some_and(|p| p.chars().count() > 100) {
        reasons.push("province: must be at most 100 characters".into());
    }
    let date = registration_date(cells[7], reasons);
    let status_text = if cells[8].is_empty() { "ACTIVE".to_string() } else { cells[8].to_ascii_uppercase() };
    let status = CooperativeStatus::parse(&status_text);
    if status.is_none() {
        reasons.push(format!("status: `{status_text}` is not a register status"));
    }
    Some(CheckedRow {
        name_ar,
        name_fr,
        form: form?,
        region_id: region?.id,
        sector_id: sector?.id,
        province,
        date: date?,
        status: status?,
    })
}

fn legal_form(text: &str, reasons: &mut Vec<String>) -> Option<LegalForm> {
    match text.to_ascii_uppercase().as_str() {
        "" | "COOPERATIVE" | "COOPÉRATIVE" => Some(LegalForm::Cooperative),
        "UNION" => Some(LegalForm::Union),
        "FEDERATION" | "FÉDÉRATION" => Some(LegalForm::Federation),
        other => {
            reasons.push(format!("legal_form: `{other}` is not COOPERATIVE, UNION or FEDERATION"));
            None
        }
    }
}

fn registration_date(text: &str, reasons: &mut Vec<String>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if d <= today() => Some(d),
        Ok(_) => {
            reasons.push("registration_date: is in the future".into());
            None
        }
        Err(_) => {
            reasons.push(format!("registration_date: `{text}` is not a date such as 2019-04-23"));
            None
        }
    }
}

fn valid_row(number: String, row: CheckedRow) -> ValidRow {
    let base = crate::kernel::text::slug(row.name_fr.as_deref().or(row.name_ar.as_deref()).unwrap_or("cooperative"));
    let suffix = crate::kernel::text::slug(&number);
    ValidRow {
        fields: CooperativeFields {
            slug: format!("{base}-{suffix}"),
            registration_number: number,
            name_ar: row.name_ar,
            name_fr: row.name_fr,
            name_en: None,
            name_zgh: None,
            description_ar: None,
            description_fr: None,
            description_en: None,
            description_zgh: None,
            region_id: row.region_id,
            sector_id: row.sector_id,
            logo_url: None,
            contact_email: None,
            contact_phone: None,
            is_women_cooperative: false,
            is_youth_cooperative: false,
            status: row.status.as_str().into(),
            updated_at: now(),
            commission_rate_bps: None,
        },
        facts: RegisterFacts { legal_form: row.form, province: row.province, registration_date: row.date },
    }
}

/// Writes checked rows in one transaction; a slug already used is made unique first.
fn load(conn: &mut DbConn, rows: Vec<(u64, ValidRow)>, report: &mut ImportReport) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut rows = rows;
    for (_, row) in rows.iter_mut() {
        let mut n = 1;
        let base = row.fields.slug.clone();
        while cooperatives::slug_taken(conn, &row.fields.slug)? {
            n += 1;
            row.fields.slug = format!("{base}-{n}");
        }
    }
    let count = rows.len();
    write_tx(conn, |conn| {
        let fields: Vec<CooperativeFields> = rows.iter().map(|(_, r)| r.fields.clone()).collect();
        let created = cooperatives::insert_cooperatives_in_bulk(conn, &fields)?;
        let mut entries = Vec::with_capacity(rows.len());
        let mut changes = Vec::with_capacity(rows.len());
        for (_, row) in &rows {
            let cooperative = &created[&row.fields.registration_number];
            entries.push(entry_row(cooperative, &row.facts));
            changes.push(super::service::entered(cooperative, "imported from a register export"));
        }
        store::insert_entries(conn, &entries)?;
        store::insert_status_changes(conn, &changes)?;
        Ok(())
    })?;
    report.loaded += count;
    Ok(())
}
