//! Queries of the register: cooperatives (identity, region, sector, status), their entries
//! in the register (`register_entries`), members, filings, applications, and the regions and
//! sectors. Private to the registry: other domains go through its service.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{count_star, exists, not};
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::cached::id_in;
use crate::kernel::db::schema::{
    annual_filings, cooperative_status_changes, cooperatives, members, personal_data_reads, regions, register_entries,
    registration_application_events, registration_applications, registration_founders, registration_sequences,
    registry_documents, registry_version, sectors,
};
use crate::kernel::db::{Backend, DbConn, by_id};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;

// ---- the register's version ----

/// Marks a change the national figures count (in the caller's transaction).
pub fn bump_version(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(registry_version::table.find(1))
        .set(registry_version::version.eq(registry_version::version + 1))
        .execute(conn)
}

pub fn version(conn: &mut DbConn) -> QueryResult<i64> {
    registry_version::table.find(1).select(registry_version::version).first(conn)
}

// ---- register entries ----

pub fn insert_entry(conn: &mut DbConn, entry: &RegisterEntryRow) -> QueryResult<usize> {
    bump_version(conn)?;
    diesel::insert_into(register_entries::table).values(entry).execute(conn)
}

pub fn insert_entries(conn: &mut DbConn, entries: &[RegisterEntryRow]) -> QueryResult<usize> {
    bump_version(conn)?;
    crate::insert_batch!(conn, register_entries::table, entries)
}

pub fn entry_with_cooperative(
    conn: &mut DbConn,
    registration_number: &str,
) -> QueryResult<Option<(CooperativeRow, RegisterEntryRow)>> {
    register_entries::table
        .inner_join(cooperatives::table)
        .filter(cooperatives::registration_number.eq(registration_number))
        .select((CooperativeRow::as_select(), RegisterEntryRow::as_select()))
        .first(conn)
        .optional()
}

pub fn entries_by_cooperative(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, RegisterEntryRow>> {
    let rows = register_entries::table
        .filter(register_entries::cooperative_id.eq_any(ids))
        .select(RegisterEntryRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.cooperative_id, r)).collect())
}

pub fn set_entry_status_dates(
    conn: &mut DbConn,
    cooperative_id: i64,
    dissolved_on: Option<NaiveDate>,
    changed_at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    bump_version(conn)?;
    diesel::update(register_entries::table.find(cooperative_id))
        .set((register_entries::dissolved_on.eq(dissolved_on), register_entries::status_changed_at.eq(changed_at)))
        .execute(conn)
}

/// Entries whose name keys were never computed (those backfilled by the migration).
pub fn entries_without_keys(conn: &mut DbConn) -> QueryResult<Vec<(CooperativeRow, RegisterEntryRow)>> {
    register_entries::table
        .inner_join(cooperatives::table)
        .filter(register_entries::name_folded.eq(""))
        .select((CooperativeRow::as_select(), RegisterEntryRow::as_select()))
        .load(conn)
}

pub fn set_entry_names(conn: &mut DbConn, cooperative_id: i64, folded: &str, keys: &str) -> QueryResult<usize> {
    diesel::update(register_entries::table.find(cooperative_id))
        .set((register_entries::name_folded.eq(folded), register_entries::name_keys.eq(keys)))
        .execute(conn)
}

/// A cooperative with its register entry.
pub type Registered = (CooperativeRow, RegisterEntryRow);

type EntryJoin = diesel::dsl::InnerJoin<register_entries::table, cooperatives::table>;

fn register_filtered(q: &RegisterQuery) -> diesel::dsl::IntoBoxed<'static, EntryJoin, Backend> {
    let mut query = register_entries::table.inner_join(cooperatives::table).into_boxed();
    if let Some(name) = &q.name {
        query = query.filter(register_entries::name_folded.like(format!("%{name}%")));
    }
    if let Some(id) = q.region_id {
        query = query.filter(cooperatives::region_id.eq(id));
    }
    if let Some(id) = q.sector_id {
        query = query.filter(cooperatives::sector_id.eq(id));
    }
    if let Some(form) = q.legal_form {
        query = query.filter(register_entries::legal_form.eq(form.as_str()));
    }
    if let Some(status) = &q.status {
        query = query.filter(cooperatives::status.eq(status.clone()));
    }
    query
}

pub fn search_entries(
    conn: &mut DbConn,
    q: &RegisterQuery,
    seek: &Seek,
) -> Result<Vec<(CooperativeRow, RegisterEntryRow)>, AppError> {
    let query = register_filtered(q);
    Ok(crate::seek_by_id!(query, cooperatives::id, seek, ascending)
        .select((CooperativeRow::as_select(), RegisterEntryRow::as_select()))
        .load(conn)?)
}

pub fn count_entries(conn: &mut DbConn, q: &RegisterQuery) -> QueryResult<i64> {
    register_filtered(q).select(count_star()).first(conn)
}

/// Register entries and pending applications whose folded name or a key equals one given.
pub fn name_candidates(
    conn: &mut DbConn,
    folded: &[String],
    keys: &[String],
    except_application: Option<i64>,
) -> QueryResult<(Vec<Registered>, Vec<ApplicationRow>)> {
    let patterns: Vec<String> = folded.iter().chain(keys).map(|k| format!("%|{k}|%")).collect();
    if patterns.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let pending: Vec<&str> = [
        ApplicationStatus::NameRequested,
        ApplicationStatus::NameApproved,
        ApplicationStatus::Filed,
        ApplicationStatus::ChangesRequested,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    // A handful of patterns: one small query each, merged.
    let mut found_entries: Vec<(CooperativeRow, RegisterEntryRow)> = Vec::new();
    let mut found_applications: Vec<ApplicationRow> = Vec::new();
    for p in &patterns {
        let entries: Vec<(CooperativeRow, RegisterEntryRow)> = register_entries::table
            .inner_join(cooperatives::table)
            .filter(register_entries::name_folded.like(p.clone()).or(register_entries::name_keys.like(p.clone())))
            .order(cooperatives::id.asc())
            .limit(50)
            .select((CooperativeRow::as_select(), RegisterEntryRow::as_select()))
            .load(conn)?;
        for e in entries {
            if !found_entries.iter().any(|(c, _)| c.id == e.0.id) {
                found_entries.push(e);
            }
        }
        let mut applications = registration_applications::table
            .filter(registration_applications::status.eq_any(pending.clone()))
            .filter(
                registration_applications::name_folded
                    .like(p.clone())
                    .or(registration_applications::name_keys.like(p.clone())),
            )
            .into_boxed::<Backend>();
        if let Some(id) = except_application {
            applications = applications.filter(registration_applications::id.ne(id));
        }
        for a in applications
            .order(registration_applications::id.asc())
            .limit(50)
            .select(ApplicationRow::as_select())
            .load(conn)?
        {
            if !found_applications.iter().any(|x| x.id == a.id) {
                found_applications.push(a);
            }
        }
    }
    Ok((found_entries, found_applications))
}

/// The next number in a region's yearly sequence. Inside the caller's write transaction the
/// row lock (PostgreSQL) or the write lock (SQLite) makes concurrent registrations queue.
pub fn next_sequence(conn: &mut DbConn, region_id: i64, year: i32) -> QueryResult<i64> {
    let row = (
        registration_sequences::region_id.eq(region_id),
        registration_sequences::year.eq(year),
        registration_sequences::last_value.eq(0i64),
    );
    match conn {
        DbConn::Sqlite(c) => {
            diesel::insert_into(registration_sequences::table).values(row).on_conflict_do_nothing().execute(c)?
        }
        DbConn::Postgres(c) => {
            diesel::insert_into(registration_sequences::table).values(row).on_conflict_do_nothing().execute(c)?
        }
    };
    let target = registration_sequences::table.find((region_id, year));
    diesel::update(target)
        .set(registration_sequences::last_value.eq(registration_sequences::last_value + 1))
        .execute(conn)?;
    target.select(registration_sequences::last_value).first(conn)
}

/// Moves a sequence forward to at least `value` (after a bulk load).
pub fn raise_sequence(conn: &mut DbConn, region_id: i64, year: i32, value: i64) -> QueryResult<()> {
    next_sequence(conn, region_id, year)?;
    let target = registration_sequences::table.find((region_id, year));
    diesel::update(target.filter(registration_sequences::last_value.lt(value)))
        .set(registration_sequences::last_value.eq(value))
        .execute(conn)?;
    Ok(())
}

// ---- status history ----

pub fn insert_status_change(conn: &mut DbConn, change: &NewStatusChange) -> QueryResult<usize> {
    diesel::insert_into(cooperative_status_changes::table).values(change).execute(conn)
}

pub fn insert_status_changes(conn: &mut DbConn, changes: &[NewStatusChange]) -> QueryResult<usize> {
    crate::insert_batch!(conn, cooperative_status_changes::table, changes)
}

pub fn status_history(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<StatusChangeRow>> {
    cooperative_status_changes::table
        .filter(cooperative_status_changes::cooperative_id.eq(cooperative_id))
        .order(cooperative_status_changes::id.asc())
        .select(StatusChangeRow::as_select())
        .load(conn)
}

// ---- applications ----

pub fn insert_application(
    conn: &mut DbConn,
    applicant: i64,
    status: ApplicationStatus,
    fields: &ApplicationFields,
    at: chrono::NaiveDateTime,
) -> QueryResult<i64> {
    crate::insert_returning_id!(
        conn,
        registration_applications::table,
        registration_applications::id,
        (
            fields,
            registration_applications::applicant_account_id.eq(applicant),
            registration_applications::status.eq(status.as_str()),
            registration_applications::created_at.eq(at),
        )
    )
}

pub fn find_application(conn: &mut DbConn, id: i64) -> QueryResult<Option<ApplicationRow>> {
    registration_applications::table.find(id).select(ApplicationRow::as_select()).first(conn).optional()
}

pub fn update_application(conn: &mut DbConn, id: i64, fields: &ApplicationFields) -> QueryResult<usize> {
    diesel::update(registration_applications::table.find(id)).set(fields).execute(conn)
}

/// Moves an application only if it is still in `from` (a concurrent decision loses cleanly).
pub fn set_application_status(
    conn: &mut DbConn,
    id: i64,
    from: ApplicationStatus,
    to: ApplicationStatus,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        registration_applications::table.find(id).filter(registration_applications::status.eq(from.as_str())),
    )
    .set((registration_applications::status.eq(to.as_str()), registration_applications::updated_at.eq(at)))
    .execute(conn)
}

pub fn set_application_registered(conn: &mut DbConn, id: i64, number: &str, cooperative_id: i64) -> QueryResult<usize> {
    diesel::update(registration_applications::table.find(id))
        .set((
            registration_applications::registration_number.eq(number),
            registration_applications::cooperative_id.eq(cooperative_id),
        ))
        .execute(conn)
}

fn applications_filtered(
    applicant: Option<i64>,
    status: Option<ApplicationStatus>,
) -> registration_applications::BoxedQuery<'static, Backend> {
    let mut q = registration_applications::table.into_boxed::<Backend>();
    if let Some(a) = applicant {
        q = q.filter(registration_applications::applicant_account_id.eq(a));
    }
    if let Some(s) = status {
        q = q.filter(registration_applications::status.eq(s.as_str()));
    }
    q
}

pub fn count_applications(
    conn: &mut DbConn,
    applicant: Option<i64>,
    status: Option<ApplicationStatus>,
) -> QueryResult<i64> {
    applications_filtered(applicant, status).select(count_star()).first(conn)
}

pub fn list_applications(
    conn: &mut DbConn,
    applicant: Option<i64>,
    status: Option<ApplicationStatus>,
    seek: &Seek,
) -> Result<Vec<ApplicationRow>, AppError> {
    let query = applications_filtered(applicant, status);
    Ok(crate::seek_by_id!(query, registration_applications::id, seek, ascending)
        .select(ApplicationRow::as_select())
        .load(conn)?)
}

pub fn set_project_application(conn: &mut DbConn, id: i64, project_application_id: i64) -> QueryResult<usize> {
    diesel::update(registration_applications::table.find(id))
        .set(registration_applications::project_application_id.eq(project_application_id))
        .execute(conn)
}

pub fn insert_application_event(conn: &mut DbConn, event: &NewApplicationEvent) -> QueryResult<usize> {
    diesel::insert_into(registration_application_events::table).values(event).execute(conn)
}

pub fn application_events(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<ApplicationEventRow>> {
    registration_application_events::table
        .filter(registration_application_events::application_id.eq(application_id))
        .order(registration_application_events::id.asc())
        .select(ApplicationEventRow::as_select())
        .load(conn)
}

pub fn replace_founders(conn: &mut DbConn, application_id: i64, founders: &[FounderRow]) -> QueryResult<()> {
    diesel::delete(registration_founders::table.filter(registration_founders::application_id.eq(application_id)))
        .execute(conn)?;
    if !founders.is_empty() {
        crate::insert_batch!(conn, registration_founders::table, founders)?;
    }
    Ok(())
}

pub fn founders(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<FounderRow>> {
    registration_founders::table
        .filter(registration_founders::application_id.eq(application_id))
        .order(registration_founders::position.asc())
        .select(FounderRow::as_select())
        .load(conn)
}

// ---- documents ----

pub fn insert_document(conn: &mut DbConn, document: &DocumentRow) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, registry_documents::table, registry_documents::id, document)
}

pub fn find_document(conn: &mut DbConn, id: i64) -> QueryResult<Option<DocumentRow>> {
    registry_documents::table.find(id).select(DocumentRow::as_select()).first(conn).optional()
}

pub fn application_documents(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<DocumentRow>> {
    registry_documents::table
        .filter(registry_documents::application_id.eq(application_id))
        .order(registry_documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

pub fn filing_documents(conn: &mut DbConn, filing_ids: &[i64]) -> QueryResult<Vec<DocumentRow>> {
    registry_documents::table
        .filter(registry_documents::filing_id.eq_any(filing_ids))
        .order(registry_documents::id.asc())
        .select(DocumentRow::as_select())
        .load(conn)
}

// ---- members ----

pub fn insert_members(conn: &mut DbConn, rows: &[MemberRow]) -> QueryResult<usize> {
    bump_version(conn)?;
    crate::insert_batch!(conn, members::table, rows)
}

pub fn insert_member(conn: &mut DbConn, row: &MemberRow) -> QueryResult<i64> {
    bump_version(conn)?;
    crate::insert_returning_id!(conn, members::table, members::id, row)
}

pub fn find_member(conn: &mut DbConn, id: i64) -> QueryResult<Option<MemberRow>> {
    members::table.find(id).select(MemberRow::as_select()).first(conn).optional()
}

pub fn update_member(
    conn: &mut DbConn,
    id: i64,
    role: &str,
    is_employee: bool,
    phone: Option<&str>,
    left_on: Option<NaiveDate>,
) -> QueryResult<usize> {
    bump_version(conn)?;
    diesel::update(members::table.find(id))
        .set((
            members::role.eq(role),
            members::is_employee.eq(is_employee),
            members::phone.eq(phone),
            members::left_on.eq(left_on),
        ))
        .execute(conn)
}

fn members_filtered(cooperative_id: i64, current_only: bool) -> members::BoxedQuery<'static, Backend> {
    let mut q = members::table.filter(members::cooperative_id.eq(cooperative_id)).into_boxed::<Backend>();
    if current_only {
        q = q.filter(members::left_on.is_null());
    }
    q
}

pub fn count_members(conn: &mut DbConn, cooperative_id: i64, current_only: bool) -> QueryResult<i64> {
    members_filtered(cooperative_id, current_only).select(count_star()).first(conn)
}

pub fn list_members(
    conn: &mut DbConn,
    cooperative_id: i64,
    current_only: bool,
    seek: &Seek,
) -> Result<Vec<MemberRow>, AppError> {
    let query = members_filtered(cooperative_id, current_only);
    Ok(crate::seek_by_id!(query, members::id, seek, ascending).select(MemberRow::as_select()).load(conn)?)
}

/// Whether a current member of the cooperative already holds this national ID.
pub fn member_with_national_id(conn: &mut DbConn, cooperative_id: i64, national_id: &str) -> QueryResult<bool> {
    let n: i64 = members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::national_id.eq(national_id))
        .filter(members::left_on.is_null())
        .select(count_star())
        .first(conn)?;
    Ok(n > 0)
}

pub fn insert_personal_data_read(conn: &mut DbConn, read: &NewPersonalDataRead) -> QueryResult<usize> {
    diesel::insert_into(personal_data_reads::table).values(read).execute(conn)
}

fn personal_data_reads_filtered(cooperative_id: Option<i64>) -> personal_data_reads::BoxedQuery<'static, Backend> {
    let mut q = personal_data_reads::table.into_boxed::<Backend>();
    if let Some(id) = cooperative_id {
        q = q.filter(personal_data_reads::cooperative_id.eq(id));
    }
    q
}

pub fn count_personal_data_reads(conn: &mut DbConn, cooperative_id: Option<i64>) -> QueryResult<i64> {
    personal_data_reads_filtered(cooperative_id).select(count_star()).first(conn)
}

pub fn personal_data_reads(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    seek: &Seek,
) -> Result<Vec<PersonalDataReadRow>, AppError> {
    let query = personal_data_reads_filtered(cooperative_id);
    Ok(crate::seek_by_id!(query, personal_data_reads::id, seek, descending)
        .select(PersonalDataReadRow::as_select())
        .load(conn)?)
}

// ---- filings ----

pub fn insert_filing(conn: &mut DbConn, filing: &FilingRow) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, annual_filings::table, annual_filings::id, filing)
}

pub fn insert_filings(conn: &mut DbConn, filings: &[FilingRow]) -> QueryResult<usize> {
    crate::insert_batch!(conn, annual_filings::table, filings)
}

pub fn find_filing(conn: &mut DbConn, id: i64) -> QueryResult<Option<FilingRow>> {
    annual_filings::table.find(id).select(FilingRow::as_select()).first(conn).optional()
}

pub fn filing_of_year(conn: &mut DbConn, cooperative_id: i64, fiscal_year: i32) -> QueryResult<Option<FilingRow>> {
    annual_filings::table
        .filter(annual_filings::cooperative_id.eq(cooperative_id))
        .filter(annual_filings::fiscal_year.eq(fiscal_year))
        .select(FilingRow::as_select())
        .first(conn)
        .optional()
}

pub fn filings_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<FilingRow>> {
    annual_filings::table
        .filter(annual_filings::cooperative_id.eq(cooperative_id))
        .order(annual_filings::fiscal_year.desc())
        .select(FilingRow::as_select())
        .load(conn)
}

/// Statuses of cooperatives that still owe filings.
pub const FILING_STATUSES: [&str; 3] = ["ACTIVE", "NON_COMPLIANT", "UNDER_CONTROL"];

fn expected_filers(fiscal_year: i32, region_id: Option<i64>) -> diesel::dsl::IntoBoxed<'static, EntryJoin, Backend> {
    let year_end = NaiveDate::from_ymd_opt(fiscal_year, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut q = register_entries::table
        .inner_join(cooperatives::table)
        .into_boxed()
        .filter(register_entries::registration_date.le(year_end))
        .filter(cooperatives::status.eq_any(FILING_STATUSES));
    if let Some(r) = region_id {
        q = q.filter(cooperatives::region_id.eq(r));
    }
    q
}

fn missing_filers(fiscal_year: i32, region_id: Option<i64>) -> diesel::dsl::IntoBoxed<'static, EntryJoin, Backend> {
    expected_filers(fiscal_year, region_id).filter(not(exists(
        annual_filings::table
            .filter(annual_filings::cooperative_id.eq(register_entries::cooperative_id))
            .filter(annual_filings::fiscal_year.eq(fiscal_year)),
    )))
}

pub fn count_missing_filings(conn: &mut DbConn, fiscal_year: i32, region_id: Option<i64>) -> QueryResult<i64> {
    missing_filers(fiscal_year, region_id).select(count_star()).first(conn)
}

pub fn missing_filings(
    conn: &mut DbConn,
    fiscal_year: i32,
    region_id: Option<i64>,
    seek: &Seek,
) -> Result<Vec<(CooperativeRow, RegisterEntryRow)>, AppError> {
    let query = missing_filers(fiscal_year, region_id);
    Ok(crate::seek_by_id!(query, cooperatives::id, seek, ascending)
        .select((CooperativeRow::as_select(), RegisterEntryRow::as_select()))
        .load(conn)?)
}

#[derive(QueryableByName)]
struct RegionFilingRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    region_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    expected: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    missing: i64,
}

/// Per region: cooperatives that owe the year's filing, and those that have not filed it.
pub fn filing_counts_by_region(conn: &mut DbConn, fiscal_year: i32) -> QueryResult<Vec<(i64, i64, i64)>> {
    let year_end = NaiveDate::from_ymd_opt(fiscal_year, 12, 31).unwrap_or(NaiveDate::MAX);
    let statuses = FILING_STATUSES.map(|s| format!("'{s}'")).join(", ");
    let sql = crate::kernel::db::placeholders(
        conn,
        &format!(
            "SELECT c.region_id AS region_id, CAST(COUNT(*) AS BIGINT) AS expected, \
               CAST(SUM(CASE WHEN f.id IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS missing \
             FROM register_entries e \
             JOIN cooperatives c ON c.id = e.cooperative_id \
             LEFT JOIN annual_filings f ON f.cooperative_id = e.cooperative_id AND f.fiscal_year = ? \
             WHERE e.registration_date <= ? AND c.status IN ({statuses}) \
             GROUP BY c.region_id"
        ),
    );
    let rows: Vec<RegionFilingRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Integer, _>(fiscal_year)
        .bind::<diesel::sql_types::Date, _>(year_end)
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.region_id, r.expected, r.missing)).collect())
}

// ---- national figures (one grouped pass over the members' covering index `members_figures_idx`) ----

#[derive(Debug, Clone, QueryableByName)]
pub struct YearCount {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub year: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub registrations: i64,
}

/// Cooperatives in the register on `as_of` (registered by then, not dissolved before), with
/// their members on that day: women, those born after `young_born_after`, and employees.
pub fn figure_cells(conn: &mut DbConn, as_of: NaiveDate, young_born_after: NaiveDate) -> QueryResult<Vec<FigureCell>> {
    let sql = crate::kernel::db::placeholders(
        conn,
        "SELECT c.region_id AS region_id, c.sector_id AS sector_id, e.legal_form AS legal_form, \
           CAST(COUNT(*) AS BIGINT) AS cooperatives, \
           CAST(COALESCE(SUM(m.members), 0) AS BIGINT) AS members, \
           CAST(COALESCE(SUM(m.women), 0) AS BIGINT) AS women, \
           CAST(COALESCE(SUM(m.young), 0) AS BIGINT) AS young, \
           CAST(COALESCE(SUM(m.jobs), 0) AS BIGINT) AS jobs \
         FROM register_entries e \
         JOIN cooperatives c ON c.id = e.cooperative_id \
         LEFT JOIN ( \
           SELECT cooperative_id, COUNT(*) AS members, \
             SUM(CASE WHEN gender = 'F' THEN 1 ELSE 0 END) AS women, \
             SUM(CASE WHEN birth_date > ? THEN 1 ELSE 0 END) AS young, \
             SUM(CASE WHEN is_employee THEN 1 ELSE 0 END) AS jobs \
           FROM members \
           WHERE joined_on <= ? AND (left_on IS NULL OR left_on > ?) \
           GROUP BY cooperative_id \
         ) m ON m.cooperative_id = e.cooperative_id \
         WHERE e.registration_date <= ? AND (e.dissolved_on IS NULL OR e.dissolved_on > ?) \
         GROUP BY c.region_id, c.sector_id, e.legal_form",
    );
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Date, _>(young_born_after)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .load(conn)
}

/// New registrations per year up to `as_of` (cooperatives dissolved since included).
pub fn registrations_by_year(conn: &mut DbConn, as_of: NaiveDate) -> QueryResult<Vec<YearCount>> {
    let sql = crate::kernel::db::placeholders(
        conn,
        "SELECT registration_year AS year, CAST(COUNT(*) AS BIGINT) AS registrations \
         FROM register_entries WHERE registration_date <= ? GROUP BY registration_year ORDER BY registration_year",
    );
    diesel::sql_query(sql).bind::<diesel::sql_types::Date, _>(as_of).load(conn)
}

// ---- cooperatives, regions and sectors ----

pub fn list_regions(conn: &mut DbConn) -> QueryResult<Vec<RegionRow>> {
    regions::table.order(regions::code.asc()).select(RegionRow::as_select()).load(conn)
}

pub fn regions_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, RegionRow>> {
    let rows = regions::table.filter(id_in(regions::id, ids)).select(RegionRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn region_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<RegionRow>> {
    regions::table.filter(regions::code.eq(code)).select(RegionRow::as_select()).first(conn).optional()
}

pub fn list_sectors(conn: &mut DbConn) -> QueryResult<Vec<SectorRow>> {
    sectors::table.order(sectors::id.asc()).select(SectorRow::as_select()).load(conn)
}

pub fn sectors_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, SectorRow>> {
    let rows = sectors::table.filter(id_in(sectors::id, ids)).select(SectorRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn sector_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<SectorRow>> {
    sectors::table.filter(sectors::code.eq(code)).select(SectorRow::as_select()).first(conn).optional()
}

fn cooperatives_filtered(q: &CooperativeQuery) -> cooperatives::BoxedQuery<'static, Backend> {
    let mut query = cooperatives::table.into_boxed();
    if let Some(id) = q.region_id {
        query = query.filter(cooperatives::region_id.eq(id));
    }
    if let Some(id) = q.sector_id {
        query = query.filter(cooperatives::sector_id.eq(id));
    }
    if let Some(w) = q.women {
        query = query.filter(cooperatives::is_women_cooperative.eq(w));
    }
    if let Some(y) = q.youth {
        query = query.filter(cooperatives::is_youth_cooperative.eq(y));
    }
    if let Some(s) = q.status {
        query = query.filter(cooperatives::status.eq(s.as_str()));
    }
    query
}

pub fn list_cooperatives(
    conn: &mut DbConn,
    q: &CooperativeQuery,
    seek: &Seek,
) -> Result<Vec<CooperativeRow>, AppError> {
    let query = cooperatives_filtered(q);
    Ok(crate::seek_by_id!(query, cooperatives::id, seek, ascending).select(CooperativeRow::as_select()).load(conn)?)
}

pub fn count_cooperatives(conn: &mut DbConn, q: &CooperativeQuery) -> QueryResult<i64> {
    cooperatives_filtered(q).select(count_star()).first(conn)
}

pub fn find_cooperative(conn: &mut DbConn, id: i64) -> QueryResult<Option<CooperativeRow>> {
    cooperatives::table.find(id).select(CooperativeRow::as_select()).first(conn).optional()
}

pub fn cooperative_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<CooperativeRow>> {
    cooperatives::table.filter(cooperatives::slug.eq(slug)).select(CooperativeRow::as_select()).first(conn).optional()
}

pub fn cooperatives_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, CooperativeRow>> {
    let rows =
        cooperatives::table.filter(id_in(cooperatives::id, ids)).select(CooperativeRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn cooperative_ids_in_region(conn: &mut DbConn, region_id: i64) -> QueryResult<Vec<i64>> {
    cooperatives::table.filter(cooperatives::region_id.eq(region_id)).select(cooperatives::id).load(conn)
}

/// Whether the slug or the registration number is already used by another cooperative.
pub fn cooperative_identity_taken(
    conn: &mut DbConn,
    slug: &str,
    registration_number: &str,
) -> QueryResult<(bool, bool)> {
    let slug_taken =
        cooperatives::table.filter(cooperatives::slug.eq(slug)).select(count_star()).first::<i64>(conn)? > 0;
    let number_taken = cooperatives::table
        .filter(cooperatives::registration_number.eq(registration_number))
        .select(count_star())
        .first::<i64>(conn)?
        > 0;
    Ok((slug_taken, number_taken))
}

pub fn insert_cooperative(
    conn: &mut DbConn,
    fields: &CooperativeFields,
    created_at: chrono::NaiveDateTime,
) -> QueryResult<i64> {
    crate::insert_returning_id!(
        conn,
        cooperatives::table,
        cooperatives::id,
        (fields, cooperatives::created_at.eq(created_at))
    )
}

pub fn insert_cooperatives(
    conn: &mut DbConn,
    fields: &[CooperativeFields],
    created_at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    let rows: Vec<_> = fields.iter().map(|f| (f, cooperatives::created_at.eq(created_at))).collect();
    crate::insert_batch!(conn, cooperatives::table, rows)
}

pub fn cooperatives_by_numbers(conn: &mut DbConn, numbers: &[&str]) -> QueryResult<Vec<CooperativeRow>> {
    cooperatives::table
        .filter(cooperatives::registration_number.eq_any(numbers))
        .select(CooperativeRow::as_select())
        .load(conn)
}

pub fn set_cooperative_status(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(cooperatives::table.find(id))
        .set((cooperatives::status.eq(status), cooperatives::updated_at.eq(at)))
        .execute(conn)
}

pub fn update_cooperative(conn: &mut DbConn, id: i64, fields: &CooperativeFields) -> QueryResult<usize> {
    diesel::update(cooperatives::table.find(id)).set(fields).execute(conn)
}

/// Active cooperatives as (id, region id), in id order.
pub fn active_cooperatives(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    cooperatives::table
        .filter(cooperatives::status.eq(CooperativeStatus::Active.as_str()))
        .order(cooperatives::id.asc())
        .select((cooperatives::id, cooperatives::region_id))
        .load(conn)
}

// ---- what the scoring reads of the register, in a few grouped passes ----

#[derive(Debug, Clone, QueryableByName)]
pub struct ScoredCooperative {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub region_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub sector_id: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub registration_date: NaiveDate,
}

/// Cooperatives in the register on `as_of` whose status still owes filings (the ones a
/// score and a control make sense for).
pub fn scored_cooperatives(conn: &mut DbConn, as_of: NaiveDate) -> QueryResult<Vec<ScoredCooperative>> {
    let statuses = FILING_STATUSES.map(|s| format!("'{s}'")).join(", ");
    let sql = crate::kernel::db::placeholders(
        conn,
        &format!(
            "SELECT c.id AS id, c.region_id AS region_id, c.sector_id AS sector_id, \
               e.registration_date AS registration_date \
             FROM register_entries e JOIN cooperatives c ON c.id = e.cooperative_id \
             WHERE e.registration_date <= ? AND c.status IN ({statuses}) ORDER BY c.id"
        ),
    );
    diesel::sql_query(sql).bind::<diesel::sql_types::Date, _>(as_of).load(conn)
}

/// One cooperative's members on a day, counted.
#[derive(Debug, Clone, Default, PartialEq, QueryableByName)]
pub struct MemberCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cooperative_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub members: i64,
    /// Natural persons whose gender is recorded.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub gendered: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub women: i64,
    /// Natural persons whose birth date is recorded.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub dated: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub young: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub last_joined: Option<NaiveDate>,
}

/// Members of every cooperative on `as_of` (one pass over `members_figures_idx`).
pub fn member_counts(
    conn: &mut DbConn,
    as_of: NaiveDate,
    young_born_after: NaiveDate,
) -> QueryResult<Vec<MemberCounts>> {
    let sql = crate::kernel::db::placeholders(
        conn,
        "SELECT cooperative_id, CAST(COUNT(*) AS BIGINT) AS members, \
           CAST(SUM(CASE WHEN gender IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS gendered, \
           CAST(SUM(CASE WHEN gender = 'F' THEN 1 ELSE 0 END) AS BIGINT) AS women, \
           CAST(SUM(CASE WHEN birth_date IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS dated, \
           CAST(SUM(CASE WHEN birth_date > ? THEN 1 ELSE 0 END) AS BIGINT) AS young, \
           MAX(joined_on) AS last_joined \
         FROM members WHERE joined_on <= ? AND (left_on IS NULL OR left_on > ?) \
         GROUP BY cooperative_id",
    );
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Date, _>(young_born_after)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .bind::<diesel::sql_types::Date, _>(as_of)
        .load(conn)
}

/// The filings of fiscal years `from_year` and later, every cooperative's.
pub fn filings_since(conn: &mut DbConn, from_year: i32) -> QueryResult<Vec<FilingRow>> {
    annual_filings::table
        .filter(annual_filings::fiscal_year.ge(from_year))
        .order((annual_filings::cooperative_id.asc(), annual_filings::fiscal_year.asc()))
        .select(FilingRow::as_select())
        .load(conn)
}

/// Every cooperative's last general assembly, whatever the year.
pub fn last_assemblies(conn: &mut DbConn) -> QueryResult<Vec<(i64, Option<NaiveDate>)>> {
    annual_filings::table
        .group_by(annual_filings::cooperative_id)
        .select((annual_filings::cooperative_id, diesel::dsl::max(annual_filings::assembly_date)))
        .load(conn)
}
