//! Registry rules: who may do what, validation of applications, founders, members and
//! filings, and the transactions that apply them.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{ID, MaybeUndefined};
use chrono::{Datelike, NaiveDate};

use super::model::*;
use super::names;
use super::store;
use crate::msg;

mod cooperatives;
use crate::kernel::config::RegistryRules;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::money::{CurrencyCode, parse_amount};
use crate::kernel::validate::{is_valid_email, is_valid_phone, normalize_email, normalize_phone};
use crate::kernel::viewer::{Role, Viewer, require_admin, require_office_staff, require_viewer};
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::path;
pub use cooperatives::*;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_FOUNDERS: usize = 500;
pub const MAX_REASON_LEN: usize = 2000;

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

// ---- access ----

/// Managers of the cooperative, agents and administrators: the only readers of members' personal data.
pub fn can_read_register(viewer: Option<&Viewer>, cooperative_id: i64) -> bool {
    viewer.is_some_and(|v| {
        v.is_office_staff() || (v.role == Role::CooperativeManager && v.cooperative_id == Some(cooperative_id))
    })
}

fn require_register_reader(viewer: Option<&Viewer>, cooperative_id: i64) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if can_read_register(Some(viewer), cooperative_id) {
        Ok(viewer)
    } else {
        Err(AppError::forbidden(msg!("only the cooperative's managers and office agents see its register")))
    }
}

// ---- the register ----

/// The counts behind the national figures on `as_of`, per (region, sector, legal form).
pub fn figure_cells(
    conn: &mut DbConn,
    as_of: NaiveDate,
    young_born_after: NaiveDate,
) -> Result<Vec<FigureCell>, AppError> {
    Ok(store::figure_cells(conn, as_of, young_born_after)?)
}

/// New registrations per year up to `as_of`.
pub fn registrations_by_year(conn: &mut DbConn, as_of: NaiveDate) -> Result<Vec<store::YearCount>, AppError> {
    Ok(store::registrations_by_year(conn, as_of)?)
}

pub use store::{MemberCounts, ScoredCooperative};

/// What the performance score reads of the register on one day.
pub struct RegisterScoringInputs {
    /// Cooperatives registered by then whose status still owes filings, by id.
    pub cooperatives: Vec<ScoredCooperative>,
    pub members: Vec<MemberCounts>,
    /// Filings of the fiscal years from the one asked for, by cooperative and year.
    pub filings: Vec<FilingRow>,
    /// Each cooperative's last general assembly, whatever the year.
    pub last_assemblies: Vec<(i64, Option<NaiveDate>)>,
}

/// The register's side of a scoring run, in four grouped queries whatever the number of
/// cooperatives. Members count as young when born after `young_born_after`.
pub fn scoring_inputs(
    conn: &mut DbConn,
    as_of: NaiveDate,
    young_born_after: NaiveDate,
    filings_from_year: i32,
) -> Result<RegisterScoringInputs, AppError> {
    Ok(RegisterScoringInputs {
        cooperatives: store::scored_cooperatives(conn, as_of)?,
        members: store::member_counts(conn, as_of, young_born_after)?,
        filings: store::filings_since(conn, filings_from_year)?,
        last_assemblies: store::last_assemblies(conn)?,
    })
}

/// The register's version: it changes with every change the national figures count.
pub fn register_version(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(store::version(conn)?)
}

/// What the register records about a cooperative when it enters it.
pub struct RegisterFacts {
    pub legal_form: LegalForm,
    pub province: Option<String>,
    pub registration_date: NaiveDate,
}

impl RegisterFacts {
    pub fn today() -> RegisterFacts {
        RegisterFacts { legal_form: LegalForm::Cooperative, province: None, registration_date: today() }
    }
}

pub fn entry_row(cooperative: &CooperativeRow, facts: &RegisterFacts) -> RegisterEntryRow {
    let (name_folded, name_keys) = names::keys(&[cooperative.name_ar.as_deref(), cooperative.name_fr.as_deref()]);
    RegisterEntryRow {
        cooperative_id: cooperative.id,
        legal_form: facts.legal_form.as_str().into(),
        province: facts.province.clone(),
        registration_date: facts.registration_date,
        registration_year: facts.registration_date.year(),
        dissolved_on: None,
        name_folded,
        name_keys,
        status_changed_at: now(),
    }
}

/// The first line of a cooperative's status history, written when it enters the register.
pub fn entered(cooperative: &CooperativeRow, reason: &str) -> NewStatusChange {
    NewStatusChange {
        cooperative_id: cooperative.id,
        from_status: None,
        to_status: cooperative.status.clone(),
        reason: reason.into(),
        actor_account_id: None,
        changed_at: now(),
    }
}

/// Enters a cooperative created outside an application (by an administrator, the demo) in the register.
pub fn enter_in_register(
    conn: &mut DbConn,
    cooperative: &CooperativeRow,
    facts: &RegisterFacts,
) -> Result<(), AppError> {
    store::insert_entry(conn, &entry_row(cooperative, facts))?;
    store::insert_status_change(conn, &entered(cooperative, "entered in the register"))?;
    Ok(())
}

/// Computes the name keys of entries the migration brought in without them.
pub fn fill_missing_name_keys(conn: &mut DbConn) -> Result<usize, AppError> {
    let rows = store::entries_without_keys(conn)?;
    let mut filled = 0;
    for (cooperative, _) in rows {
        let (folded, keys) = names::keys(&[cooperative.name_ar.as_deref(), cooperative.name_fr.as_deref()]);
        if !folded.is_empty() {
            filled += store::set_entry_names(conn, cooperative.id, &folded, &keys)?;
        }
    }
    Ok(filled)
}

/// Records a status change after checking the lifecycle allows it (the catalogue's own
/// status edits by administrators come through here too).
pub fn record_status_change(
    conn: &mut DbConn,
    cooperative_id: i64,
    from: CooperativeStatus,
    to: CooperativeStatus,
    actor: Option<i64>,
    reason: &str,
    effective_on: Option<NaiveDate>,
) -> Result<(), AppError> {
    if !status_change_allowed(from, to) {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "status"],
            msg!("a cooperative cannot go from {from} to {to}", from = from.as_str(), to = to.as_str()),
        ));
    }
    let at = now();
    store::insert_status_change(
        conn,
        &NewStatusChange {
            cooperative_id,
            from_status: Some(from.as_str().into()),
            to_status: to.as_str().into(),
            reason: reason.into(),
            actor_account_id: actor,
            changed_at: at,
        },
    )?;
    let entry = store::entries_by_cooperative(conn, &[cooperative_id])?.remove(&cooperative_id);
    let dissolved_on = match (entry.and_then(|e| e.dissolved_on), to) {
        (Some(d), _) => Some(d),
        (None, CooperativeStatus::Dissolved | CooperativeStatus::InLiquidation | CooperativeStatus::StruckOff) => {
            Some(effective_on.unwrap_or_else(today))
        }
        (None, _) => None,
    };
    store::set_entry_status_dates(conn, cooperative_id, dissolved_on, at)?;
    Ok(())
}

fn reason(checks: &mut Checks, field: Vec<String>, reason: Option<&str>, required: bool) -> Option<String> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(String::from);
    match &reason {
        None if required => checks.fail_with(ErrorCode::Required, field, msg!("a reason is required")),
        Some(r) if r.chars().count() > MAX_REASON_LEN => {
            checks.fail(field, msg!("must be at most {max_reason_len} characters", max_reason_len = MAX_REASON_LEN))
        }
        _ => {}
    }
    reason
}

pub fn change_status(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CooperativeStatusChangeInput,
) -> Result<(CooperativeRow, RegisterEntryRow), AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let why = reason(&mut checks, path!["input", "reason"], Some(&input.reason), true);
    if let Some(d) = input.effective_on
        && d.0 > today()
    {
        checks.fail(path!["input", "effectiveOn"], msg!("cannot be in the future"));
    }
    checks.finish()?;
    let number = input.registration_number.trim().to_string();
    write_tx(conn, |conn| {
        let (cooperative, _) = store::entry_with_cooperative(conn, &number)?.ok_or_else(|| {
            AppError::user(
                ErrorCode::CooperativeNotFound,
                &["input", "registrationNumber"],
                msg!("no cooperative with this number"),
            )
        })?;
        record_status_change(
            conn,
            cooperative.id,
            cooperative.status(),
            input.status,
            Some(viewer.account_id),
            why.as_deref().unwrap_or_default(),
            input.effective_on.map(|d| d.0),
        )?;
        set_cooperative_status(conn, cooperative.id, input.status)?;
        store::entry_with_cooperative(conn, &number)?.ok_or_else(|| AppError::internal("entry vanished"))
    })
}

pub fn status_history(conn: &mut DbConn, cooperative_id: i64) -> Result<Vec<StatusChangeRow>, AppError> {
    Ok(store::status_history(conn, cooperative_id)?)
}

/// When each of these cooperatives was entered in the register.
pub fn registration_dates(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, NaiveDate>, AppError> {
    Ok(store::entries_by_cooperative(conn, ids)?.into_iter().map(|(id, e)| (id, e.registration_date)).collect())
}

pub fn find_entry(conn: &mut DbConn, number: &str) -> Result<Option<(CooperativeRow, RegisterEntryRow)>, AppError> {
    Ok(store::entry_with_cooperative(conn, number.trim())?)
}

/// The register record of a cooperative, for its managers and the office.
pub fn register_record(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    number: &str,
) -> Result<Option<(CooperativeRow, RegisterEntryRow)>, AppError> {
    let Some(found) = find_entry(conn, number)? else { return Ok(None) };
    require_register_reader(viewer, found.0.id)?;
    Ok(Some(found))
}

pub fn search_register(
    conn: &mut DbConn,
    query: &RegisterQuery,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<(CooperativeRow, RegisterEntryRow)>, AppError> {
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_entries(c, query)?),
        |c, seek| store::search_entries(c, query, seek),
        |(cooperative, _)| Key::id(cooperative.id),
    )
}

/// Builds the register query from the public search's arguments; unknown codes are input errors.
pub fn register_query(
    conn: &mut DbConn,
    name: Option<String>,
    region_code: Option<String>,
    sector_code: Option<String>,
    legal_form: Option<LegalForm>,
    status: Option<CooperativeStatus>,
) -> Result<RegisterQuery, AppError> {
    let mut checks = Checks::new();
    let region = match &region_code {
        Some(code) => region_id(conn, &mut checks, path!["regionCode"], code)?,
        None => None,
    };
    let sector = match &sector_code {
        Some(code) => sector_id(conn, &mut checks, path!["sectorCode"], code)?,
        None => None,
    };
    let name = name.map(|n| names::folded(&n)).filter(|n| !n.is_empty());
    checks.finish()?;
    Ok(RegisterQuery {
        name,
        region_id: region,
        sector_id: sector,
        legal_form,
        status: status.map(|s| s.as_str().to_string()),
    })
}

// ---- applications ----

/// An application with everything shown about it.
pub struct ApplicationView {
    pub row: ApplicationRow,
    pub founders: Vec<FounderRow>,
    pub documents: Vec<DocumentRow>,
    pub events: Vec<ApplicationEventRow>,
}

pub fn application_view(conn: &mut DbConn, id: i64) -> Result<ApplicationView, AppError> {
    let row = store::find_application(conn, id)?
        .ok_or_else(|| AppError::user(ErrorCode::ApplicationNotFound, &["id"], msg!("no such application")))?;
    Ok(ApplicationView {
        founders: store::founders(conn, id)?,
        documents: store::application_documents(conn, id)?,
        events: store::application_events(conn, id)?,
        row,
    })
}

/// A member, for the cooperative's managers and the office (reads of the personal fields
/// are recorded where they are resolved).
pub fn visible_member(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<MemberRow>, AppError> {
    Ok(store::find_member(conn, id)?.filter(|m| can_read_register(viewer, m.cooperative_id)))
}

/// Whether these personal data are the viewer's own to read without a trace: a cooperative's
/// managers reading its members, an applicant reading their own application's founders.
pub fn reads_own_personal_data(viewer: Option<&Viewer>, subject: PersonalDataSubject, applicant: Option<i64>) -> bool {
    match (viewer, subject) {
        (Some(v), PersonalDataSubject::Cooperative(c)) => {
            v.role == Role::CooperativeManager && v.cooperative_id == Some(c)
        }
        (Some(v), PersonalDataSubject::Application(_) | PersonalDataSubject::ProjectApplication(_)) => {
            applicant == Some(v.account_id)
        }
        (None, _) => false,
    }
}

/// Law 09-08: records a batch of personal field reads, one row per cooperative or
/// application with the fields read and how many people.
pub fn record_personal_data_reads(conn: &mut DbConn, viewer: &Viewer, reads: &[PersonalRead]) -> Result<(), AppError> {
    let mut by_subject: BTreeMap<PersonalDataSubject, (BTreeSet<&str>, BTreeSet<i64>)> = BTreeMap::new();
    for read in reads {
        let entry = by_subject.entry(read.subject).or_default();
        entry.0.insert(read.field);
        entry.1.insert(read.person);
    }
    let at = now();
    write_tx(conn, |conn| {
        for (subject, (fields, people)) in &by_subject {
            let (cooperative_id, application_id, project_application_id) = match subject {
                PersonalDataSubject::Cooperative(c) => (Some(*c), None, None),
                PersonalDataSubject::Application(a) => (None, Some(*a), None),
                PersonalDataSubject::ProjectApplication(p) => (None, None, Some(*p)),
            };
            store::insert_personal_data_read(
                conn,
                &NewPersonalDataRead {
                    account_id: viewer.account_id,
                    cooperative_id,
                    application_id,
                    fields: fields.iter().copied().collect::<Vec<_>>().join(","),
                    member_count: people.len() as i32,
                    read_at: at,
                    project_application_id,
                },
            )?;
        }
        Ok(())
    })
}

/// A filing, for the cooperative's managers and the office.
pub fn visible_filing(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<FilingRow>, AppError> {
    Ok(store::find_filing(conn, id)?.filter(|f| can_read_register(viewer, f.cooperative_id)))
}

/// A document: an application's for its applicant and the office, a filing's for the
/// cooperative's managers and the office.
pub fn visible_document(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<DocumentRow>, AppError> {
    let Some(document) = store::find_document(conn, id)? else { return Ok(None) };
    let visible = match (document.application_id, document.filing_id) {
        (Some(application), _) if viewer.is_some() => visible_application(conn, viewer, application)?.is_some(),
        (_, Some(filing)) => visible_filing(conn, viewer, filing)?.is_some(),
        _ => false,
    };
    Ok(visible.then_some(document))
}

/// An application's summary, for its applicant and the office.
pub fn visible_application_row(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<ApplicationRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    Ok(store::find_application(conn, id)?
        .filter(|a| a.applicant_account_id == viewer.account_id || viewer.is_office_staff()))
}

/// The applicant and the office see an application; nobody else learns it exists.
pub fn visible_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<ApplicationView>, AppError> {
    require_viewer(viewer)?;
    match visible_application_row(conn, viewer, id)? {
        Some(_) => application_view(conn, id).map(Some),
        None => Ok(None),
    }
}

pub fn list_applications(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    status: Option<ApplicationStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ApplicationRow>, AppError> {
    let viewer = require_viewer(viewer)?;
    let applicant = (!viewer.is_office_staff()).then_some(viewer.account_id);
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_applications(c, applicant, status)?),
        |c, seek| store::list_applications(c, applicant, status, seek),
        |a| Key::id(a.id),
    )
}

fn share_value(checks: &mut Checks, rules: &RegistryRules, field: Vec<String>, text: &str) -> i64 {
    match parse_amount(text, CurrencyCode::Mad.exponent()) {
        Ok(v) if v >= rules.min_share_value_minor => v,
        Ok(_) => {
            checks.fail(
                field,
                msg!(
                    "a share is worth at least {minimum} MAD",
                    minimum = crate::kernel::money::format_minor(rules.min_share_value_minor, 2)
                ),
            );
            0
        }
        Err(_) => {
            checks.fail(field, msg!("must be an amount in dirhams such as 100.00"));
            0
        }
    }
}

fn optional_text(checks: &mut Checks, field: Vec<String>, value: Option<String>, max: usize) -> Option<String> {
    let value = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(v) = &value
        && v.chars().count() > max
    {
        checks.fail(field, msg!("must be at most {max} characters", max = max));
    }
    value
}

fn names_of(checks: &mut Checks, name_ar: &Option<String>, name_fr: &Option<String>) {
    if name_ar.is_none() && name_fr.is_none() {
        checks.fail(path!["input", "nameFr"], msg!("give the proposed name in Arabic, in Latin letters, or both"));
    }
    for (field, name) in [("nameAr", name_ar), ("nameFr", name_fr)] {
        if let Some(n) = name
            && names::folded(n).is_empty()
        {
            checks.fail(path!["input", field], msg!("must contain more than generic words such as « coopérative »"));
        }
    }
}

/// Checks each founder's own fields (identity, age, shares) and that no national ID appears twice.
fn founder_rows(
    checks: &mut Checks,
    application_id: i64,
    share_value_minor: i64,
    founders: &[FounderInput],
) -> Vec<FounderRow> {
    if founders.len() > MAX_FOUNDERS {
        checks.fail(path!["input", "founders"], msg!("at most {max_founders} founders", max_founders = MAX_FOUNDERS));
        return Vec::new();
    }
    let mut seen = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for (i, f) in founders.iter().enumerate() {
        let field = |name: &str| path!["input", "founders", i, name];
        let party = validate_party(
            checks,
            &field,
            PartyFields {
                kind: f.kind,
                full_name: &f.full_name,
                national_id: f.national_id.as_deref(),
                gender: f.gender,
                birth_date: f.birth_date.as_ref().map(|d| d.0),
                phone: f.phone.as_deref(),
                registration_number: f.registration_number.as_deref(),
            },
        );
        if let Some(id) = &party.national_id
            && let Some(first) = seen.insert(id.clone(), i)
        {
            // The message names the other founder's position, never the number itself.
            checks.fail(field("nationalId"), msg!("is already given for founder {number}", number = first + 1));
        }
        checks.check(
            f.shares_subscribed >= 1,
            field("sharesSubscribed"),
            msg!("a founder subscribes at least one share"),
        );
        checks.check_with(
            ErrorCode::OutOfRange,
            i64::from(f.shares_subscribed) <= MAX_SHARES_PER_FOUNDER,
            field("sharesSubscribed"),
            msg!("at most {max} shares per founder", max = MAX_SHARES_PER_FOUNDER),
        );
        let paid = match parse_amount(&f.amount_paid.0, 2) {
            Ok(v) if v >= 0 => v,
            _ => {
                checks.fail(field("amountPaid"), msg!("must be an amount in dirhams such as 250.00"));
                0
            }
        };
        let subscribed_minor = (f.shares_subscribed.max(0) as i64).saturating_mul(share_value_minor);
        checks.check(
            paid <= subscribed_minor,
            field("amountPaid"),
            msg!("is more than the shares subscribed are worth"),
        );
        rows.push(FounderRow {
            id: 0,
            application_id,
            position: i as i32,
            kind: f.kind.as_str().into(),
            full_name: party.full_name,
            national_id: party.national_id,
            gender: party.gender.map(|g| g.as_str().into()),
            birth_date: party.birth_date,
            phone: party.phone,
            legal_registration_number: party.registration_number,
            role: f.role.as_str().into(),
            shares_subscribed: f.shares_subscribed.max(0) as i64,
            paid_minor: paid,
        });
    }
    rows
}

pub struct PartyFields<'a> {
    pub kind: PartyKind,
    pub full_name: &'a str,
    pub national_id: Option<&'a str>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<&'a str>,
    pub registration_number: Option<&'a str>,
}

pub struct ValidParty {
    pub full_name: String,
    pub national_id: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub registration_number: Option<String>,
}

/// A founder or member: a natural person needs a valid national ID, a gender and an adult's
/// birth date; a legal person needs its registration number. Messages never repeat the values.
pub fn validate_party(checks: &mut Checks, field: &dyn Fn(&str) -> Vec<String>, p: PartyFields<'_>) -> ValidParty {
    let full_name = p.full_name.trim().to_string();
    checks.check(
        (1..=MAX_NAME_LEN).contains(&full_name.chars().count()),
        field("fullName"),
        msg!("must be 1 to {max_name_len} characters", max_name_len = MAX_NAME_LEN),
    );
    let phone = p.phone.map(normalize_phone).filter(|s| !s.is_empty());
    if let Some(ph) = &phone {
        checks.check(is_valid_phone(ph), field("phone"), msg!("must be a phone number such as +212612345678"));
    }
    let mut party = ValidParty {
        full_name,
        national_id: None,
        gender: p.gender,
        birth_date: p.birth_date,
        phone,
        registration_number: None,
    };
    match p.kind {
        PartyKind::Person => {
            match p.national_id.map(normalize_national_id) {
                Some(Some(id)) => party.national_id = Some(id),
                Some(None) => checks.fail(
                    field("nationalId"),
                    msg!("is not a national identity card number (one or two letters and up to six digits)"),
                ),
                None => checks.fail(field("nationalId"), msg!("is required for a person")),
            }
            checks.check(p.gender.is_some(), field("gender"), msg!("is required for a person"));
            match p.birth_date {
                None => checks.fail(field("birthDate"), msg!("is required for a person")),
                Some(d) => {
                    let adult_from = today().with_year(today().year() - 18).unwrap_or(today());
                    checks.check(
                        d <= adult_from && d.year() > 1900,
                        field("birthDate"),
                        msg!("a member must be an adult (18 or older)"),
                    );
                }
            }
        }
        PartyKind::LegalPerson => {
            let number = p.registration_number.map(str::trim).filter(|s| !s.is_empty());
            match number {
                Some(n) if n.chars().count() <= 64 => party.registration_number = Some(n.to_string()),
                Some(_) => checks.fail(field("registrationNumber"), msg!("must be at most 64 characters")),
                None => checks.fail(field("registrationNumber"), msg!("is required for a legal person")),
            }
            party.gender = None;
            party.birth_date = None;
        }
    }
    party
}

pub fn create_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    input: RegistrationApplicationCreateInput,
) -> Result<ApplicationView, AppError> {
    let viewer = require_viewer(viewer)?;
    let mut checks = Checks::new();
    let name_ar = optional_text(&mut checks, path!["input", "nameAr"], input.name_ar, MAX_NAME_LEN);
    let name_fr = optional_text(&mut checks, path!["input", "nameFr"], input.name_fr, MAX_NAME_LEN);
    names_of(&mut checks, &name_ar, &name_fr);
    let region = region_id(conn, &mut checks, path!["input", "regionCode"], &input.region_code)?;
    let sector = sector_id(conn, &mut checks, path!["input", "sectorCode"], &input.sector_code)?;
    let share = share_value(&mut checks, rules, path!["input", "shareValue"], &input.share_value.0);
    let contact_email = contact_email(&mut checks, input.contact_email);
    let (name_folded, name_keys) = names::keys(&[name_ar.as_deref(), name_fr.as_deref()]);
    let fields = ApplicationFields {
        legal_form: input.legal_form.as_str().into(),
        name_folded,
        name_keys,
        name_ar,
        name_fr,
        region_id: region.unwrap_or_default(),
        province: optional_text(&mut checks, path!["input", "province"], input.province, 100),
        sector_id: sector.unwrap_or_default(),
        address: optional_text(&mut checks, path!["input", "address"], input.address, 500),
        contact_email,
        share_value_minor: share,
        updated_at: now(),
    };
    let founders = founder_rows(&mut checks, 0, share, input.founders.as_deref().unwrap_or_default());
    checks.finish()?;
    let id = write_tx(conn, |conn| {
        let at = now();
        let id = store::insert_application(conn, viewer.account_id, ApplicationStatus::Draft, &fields, at)?;
        let founders: Vec<FounderRow> = founders.into_iter().map(|f| FounderRow { application_id: id, ..f }).collect();
        store::replace_founders(conn, id, &founders)?;
        store::insert_application_event(
            conn,
            &NewApplicationEvent {
                application_id: id,
                from_status: None,
                to_status: ApplicationStatus::Draft.as_str().into(),
                actor_account_id: viewer.account_id,
                reason: None,
                created_at: at,
            },
        )?;
        Ok(id)
    })?;
    application_view(conn, id)
}

/// A founder of a prefilled application: a natural person, one share, nothing paid yet.
pub struct PrefilledFounder {
    pub full_name: String,
    pub national_id: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
}

/// A creation application prepared for someone else to continue (the project bank prepares
/// one for a selected team that finished its training).
pub struct Prefill {
    pub applicant_account_id: i64,
    pub actor_account_id: Option<i64>,
    pub legal_form: LegalForm,
    pub proposed_name: String,
    pub region_id: i64,
    pub province: Option<String>,
    pub sector_id: i64,
    pub contact_email: Option<String>,
    pub founders: Vec<PrefilledFounder>,
    pub project_application_id: i64,
    pub reason: String,
}

/// Writes a draft creation application from `prefill`, in the caller's transaction; the
/// applicant reviews and completes it (shares, payments, documents) before filing it.
pub fn create_prefilled_application(
    conn: &mut DbConn,
    rules: &RegistryRules,
    prefill: Prefill,
) -> Result<i64, AppError> {
    let name: String = prefill.proposed_name.chars().take(MAX_NAME_LEN).collect();
    let arabic = name.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    let (name_ar, name_fr) = if arabic { (Some(name), None) } else { (None, Some(name)) };
    let (name_folded, name_keys) = names::keys(&[name_ar.as_deref(), name_fr.as_deref()]);
    let at = now();
    let fields = ApplicationFields {
        legal_form: prefill.legal_form.as_str().into(),
        name_ar,
        name_fr,
        name_folded,
        name_keys,
        region_id: prefill.region_id,
        province: prefill.province,
        sector_id: prefill.sector_id,
        address: None,
        contact_email: prefill.contact_email,
        share_value_minor: rules.min_share_value_minor,
        updated_at: at,
    };
    let id = store::insert_application(conn, prefill.applicant_account_id, ApplicationStatus::Draft, &fields, at)?;
    let founders: Vec<FounderRow> = prefill
        .founders
        .into_iter()
        .enumerate()
        .map(|(i, f)| FounderRow {
            id: 0,
            application_id: id,
            position: i as i32,
            kind: PartyKind::Person.as_str().into(),
            full_name: f.full_name,
            national_id: Some(f.national_id),
            gender: Some(f.gender.as_str().into()),
            birth_date: Some(f.birth_date),
            phone: f.phone,
            legal_registration_number: None,
            role: MemberRole::Member.as_str().into(),
            shares_subscribed: 1,
            paid_minor: 0,
        })
        .collect();
    store::replace_founders(conn, id, &founders)?;
    store::set_project_application(conn, id, prefill.project_application_id)?;
    store::insert_application_event(
        conn,
        &NewApplicationEvent {
            application_id: id,
            from_status: None,
            to_status: ApplicationStatus::Draft.as_str().into(),
            actor_account_id: prefill.actor_account_id.unwrap_or(prefill.applicant_account_id),
            reason: Some(prefill.reason),
            created_at: at,
        },
    )?;
    Ok(id)
}

fn contact_email(checks: &mut Checks, email: Option<String>) -> Option<String> {
    let email = email.map(|e| normalize_email(&e)).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        checks.check(is_valid_email(e), path!["input", "contactEmail"], msg!("is not a valid email address"));
    }
    email
}

fn own_application(conn: &mut DbConn, viewer: &Viewer, id: &ID) -> Result<ApplicationRow, AppError> {
    let mut checks = Checks::new();
    let raw = ids::decode_input(id, "RegistrationApplication", path!["input", "id"], &mut checks);
    checks.finish()?;
    let row = store::find_application(conn, raw.unwrap_or_default())?
        .filter(|r| r.applicant_account_id == viewer.account_id || viewer.is_office_staff())
        .ok_or_else(|| AppError::user(ErrorCode::ApplicationNotFound, &["input", "id"], msg!("no such application")))?;
    Ok(row)
}

pub fn update_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    input: RegistrationApplicationUpdateInput,
) -> Result<ApplicationView, AppError> {
    let viewer = require_viewer(viewer)?;
    let current = own_application(conn, viewer, &input.id)?;
    if current.applicant_account_id != viewer.account_id {
        return Err(AppError::forbidden(msg!("only the applicant edits an application")));
    }
    let status = current.status();
    if !status.editable() {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "id"],
            msg!("an application in state {status} can no longer be changed", status = status.as_str()),
        ));
    }
    let mut checks = Checks::new();
    let pick =
        |checks: &mut Checks, field: &str, m: MaybeUndefined<String>, current: Option<String>, max: usize| match m {
            MaybeUndefined::Undefined => current,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(v) => optional_text(checks, path!["input", field], Some(v), max),
        };
    let name_changes = !input.name_ar.is_undefined() || !input.name_fr.is_undefined();
    if name_changes && !status.name_editable() {
        checks.fail(path!["input", "nameFr"], msg!("the name cannot change once it is requested or approved"));
    }
    let name_ar = pick(&mut checks, "nameAr", input.name_ar, current.name_ar.clone(), MAX_NAME_LEN);
    let name_fr = pick(&mut checks, "nameFr", input.name_fr, current.name_fr.clone(), MAX_NAME_LEN);
    names_of(&mut checks, &name_ar, &name_fr);
    let region = match &input.region_code {
        Some(code) => region_id(conn, &mut checks, path!["input", "regionCode"], code)?.unwrap_or_default(),
        None => current.region_id,
    };
    let sector = match &input.sector_code {
        Some(code) => sector_id(conn, &mut checks, path!["input", "sectorCode"], code)?.unwrap_or_default(),
        None => current.sector_id,
    };
    let share = match &input.share_value {
        Some(v) => share_value(&mut checks, rules, path!["input", "shareValue"], &v.0),
        None => current.share_value_minor,
    };
    let contact = match input.contact_email {
        MaybeUndefined::Undefined => current.contact_email.clone(),
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => contact_email(&mut checks, Some(v)),
    };
    let (name_folded, name_keys) = names::keys(&[name_ar.as_deref(), name_fr.as_deref()]);
    let fields = ApplicationFields {
        legal_form: input.legal_form.map(|f| f.as_str().to_string()).unwrap_or(current.legal_form.clone()),
        name_ar,
        name_fr,
        name_folded,
        name_keys,
        region_id: region,
        province: pick(&mut checks, "province", input.province, current.province.clone(), 100),
        sector_id: sector,
        address: pick(&mut checks, "address", input.address, current.address.clone(), 500),
        contact_email: contact,
        share_value_minor: share,
        updated_at: now(),
    };
    let founders = input.founders.as_ref().map(|f| founder_rows(&mut checks, current.id, share, f));
    checks.finish()?;
    write_tx(conn, |conn| {
        // Edits only apply to the state they were checked against.
        let still = store::find_application(conn, current.id)?.map(|r| r.status());
        if still != Some(status) {
            return Err(AppError::user(
                ErrorCode::Conflict,
                &["input", "id"],
                msg!("the application changed state meanwhile; reload it"),
            ));
        }
        store::update_application(conn, current.id, &fields)?;
        if let Some(founders) = &founders {
            store::replace_founders(conn, current.id, founders)?;
        }
        Ok(())
    })?;
    application_view(conn, current.id)
}

/// Everything that must hold before a file is filed, each problem with its field.
fn check_complete(rules: &RegistryRules, view: &ApplicationView) -> Result<(), AppError> {
    let mut checks = Checks::new();
    let min = match view.row.legal_form() {
        LegalForm::Cooperative => rules.min_founders,
        LegalForm::Union => rules.min_founders_union,
        LegalForm::Federation => rules.min_founders_federation,
    };
    checks.check(
        view.founders.len() >= min,
        path!["founders"],
        msg!(
            "this legal form needs at least {min} founders; this one has {count}",
            min = min,
            count = view.founders.len()
        ),
    );
    let capital: i64 = view
        .founders
        .iter()
        .map(|f| f.shares_subscribed.saturating_mul(view.row.share_value_minor))
        .fold(0i64, i64::saturating_add);
    checks.check(
        capital >= rules.min_capital_minor,
        path!["founders"],
        msg!(
            "the capital subscribed is {capital} MAD; the minimum is {minimum} MAD",
            capital = crate::kernel::money::format_minor(capital, 2),
            minimum = crate::kernel::money::format_minor(rules.min_capital_minor, 2)
        ),
    );
    for f in &view.founders {
        let worth = i128::from(f.shares_subscribed) * i128::from(view.row.share_value_minor);
        let due = i64::try_from((worth * i128::from(rules.min_paid_bps) + 9999) / 10_000).unwrap_or(i64::MAX);
        checks.check(
            f.paid_minor >= due,
            path!["founders", f.position, "amountPaid"],
            msg!(
                "at least {due} MAD of this founder's shares must be paid",
                due = crate::kernel::money::format_minor(due, 2)
            ),
        );
    }
    let present: Vec<&str> = view.documents.iter().map(|d| d.document_type.as_str()).collect();
    let missing: Vec<&str> =
        rules.required_documents.iter().map(String::as_str).filter(|t| !present.contains(t)).collect();
    if !missing.is_empty() {
        checks.fail_with(
            ErrorCode::DocumentsMissing,
            path!["documents"],
            msg!("missing documents: {documents}", documents = missing.join(", ")),
        );
    }
    checks.finish()
}

/// Register entries and pending applications whose name is the same or nearly the same.
pub struct NameMatch {
    pub name: String,
    pub registration_number: Option<String>,
    pub application_id: Option<i64>,
    pub exact: bool,
}

pub fn name_matches(conn: &mut DbConn, row: &ApplicationRow) -> Result<Vec<NameMatch>, AppError> {
    let split = |s: &str| s.split('|').filter(|p| !p.is_empty()).map(String::from).collect::<Vec<_>>();
    let folded = split(&row.name_folded);
    let keys = split(&row.name_keys);
    let (entries, applications) = store::name_candidates(conn, &folded, &keys, Some(row.id))?;
    let is_exact = |other: &str| split(other).iter().any(|f| folded.contains(f));
    let mut out: Vec<NameMatch> = entries
        .into_iter()
        .map(|(c, e)| NameMatch {
            name: c.name_fr.clone().or(c.name_ar.clone()).unwrap_or_default(),
            registration_number: Some(c.registration_number.clone()),
            application_id: None,
            exact: is_exact(&e.name_folded),
        })
        .collect();
    out.extend(applications.into_iter().map(|a| NameMatch {
        name: a.name_fr.clone().or(a.name_ar.clone()).unwrap_or_default(),
        registration_number: None,
        application_id: Some(a.id),
        exact: is_exact(&a.name_folded),
    }));
    out.sort_by_key(|m| !m.exact);
    Ok(out)
}

pub fn transition(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    input: RegistrationApplicationTransitionInput,
) -> Result<ApplicationView, AppError> {
    let viewer = require_viewer(viewer)?;
    let current = own_application(conn, viewer, &input.id)?;
    let action = input.action;
    if action.by_agent() {
        if !viewer.is_office_staff() {
            return Err(AppError::forbidden(msg!("only office agents decide on applications")));
        }
        if current.applicant_account_id == viewer.account_id {
            return Err(AppError::forbidden(msg!("an agent cannot decide on their own application")));
        }
    } else if current.applicant_account_id != viewer.account_id {
        return Err(AppError::forbidden(msg!("only the applicant does this")));
    }
    let from = current.status();
    let to = action.next(from).ok_or_else(|| {
        AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "action"],
            msg!(
                "an application in state {state} cannot {action}",
                state = from.as_str(),
                action = format!("{action:?}")
            ),
        )
    })?;
    let mut checks = Checks::new();
    let why = reason(&mut checks, path!["input", "reason"], input.reason.as_deref(), action.needs_reason());
    checks.finish()?;
    let view = application_view(conn, current.id)?;
    match action {
        ApplicationAction::File => check_complete(rules, &view)?,
        ApplicationAction::ApproveName => {
            if let Some(m) =
                name_matches(conn, &current)?.into_iter().find(|m| m.exact && m.registration_number.is_some())
            {
                return Err(AppError::user(
                    ErrorCode::NameTaken,
                    &["input", "id"],
                    msg!(
                        "the name is already registered ({number})",
                        number = m.registration_number.unwrap_or_default()
                    ),
                ));
            }
        }
        _ => {}
    }
    let applicant = crate::auth::service::find_account(conn, current.applicant_account_id)?;
    write_tx(conn, |conn| {
        let at = now();
        if store::set_application_status(conn, current.id, from, to, at)? == 0 {
            return Err(AppError::user(
                ErrorCode::Conflict,
                &["input", "id"],
                msg!("the application changed state meanwhile; reload it"),
            ));
        }
        store::insert_application_event(
            conn,
            &NewApplicationEvent {
                application_id: current.id,
                from_status: Some(from.as_str().into()),
                to_status: to.as_str().into(),
                actor_account_id: viewer.account_id,
                reason: why.clone(),
                created_at: at,
            },
        )?;
        if to == ApplicationStatus::Registered {
            register(conn, rules, viewer, &view, applicant.as_ref())?;
        }
        Ok(())
    })?;
    application_view(conn, current.id)
}

/// The registration itself: number, cooperative, register entry, founders as members, email.
fn register(
    conn: &mut DbConn,
    rules: &RegistryRules,
    agent: &Viewer,
    view: &ApplicationView,
    applicant: Option<&crate::auth::model::AccountRow>,
) -> Result<(), AppError> {
    let app = &view.row;
    let date = today();
    let number = next_free_number(conn, rules, app.region_id, date.year())?;
    let slug = free_slug(conn, app.name_fr.as_deref().or(app.name_ar.as_deref()))?;
    let women = view.founders.iter().filter(|f| f.gender.as_deref() == Some("F")).count();
    let cooperative = insert_registered_cooperative(
        conn,
        &CooperativeFields {
            slug,
            registration_number: number.clone(),
            name_ar: app.name_ar.clone(),
            name_fr: app.name_fr.clone(),
            name_en: None,
            name_zgh: None,
            description_ar: None,
            description_fr: None,
            description_en: None,
            description_zgh: None,
            region_id: app.region_id,
            sector_id: app.sector_id,
            logo_url: None,
            contact_email: app.contact_email.clone().or(applicant.map(|a| a.email.clone())),
            contact_phone: None,
            is_women_cooperative: !view.founders.is_empty() && women * 2 > view.founders.len(),
            is_youth_cooperative: false,
            status: CooperativeStatus::Active.as_str().into(),
            updated_at: now(),
            commission_rate_bps: None,
        },
    )?;
    enter_in_register(
        conn,
        &cooperative,
        &RegisterFacts { legal_form: app.legal_form(), province: app.province.clone(), registration_date: date },
    )?;
    let members = founders_as_members(view, cooperative.id, date);
    if !members.is_empty() {
        store::insert_members(conn, &members)?;
    }
    store::set_application_registered(conn, app.id, &number, cooperative.id)?;
    let data = serde_json::json!({
        "cooperativeId": crate::kernel::graphql::ids::encode("Cooperative", cooperative.id),
        "registrationNumber": number,
        "registeredOn": date.format("%Y-%m-%d").to_string(),
    });
    crate::outbox::events::emit(
        conn,
        crate::outbox::events::EventType::CooperativeRegistered,
        &[cooperative.id],
        data,
    )?;
    if let Some(applicant) = applicant {
        notify::enqueue(
            conn,
            &EmailJob {
                template: EmailTemplate::CooperativeRegistered,
                to: applicant.email.clone(),
                locale: applicant.locale.clone(),
                data: serde_json::json!({
                    "number": number,
                    "name": cooperative.name_ar.clone().or(cooperative.name_fr.clone()),
                    "name_fr": cooperative.name_fr,
                    "date": date.format("%Y-%m-%d").to_string(),
                    "agent": agent.account_id,
                }),
            },
        )?;
    }
    Ok(())
}

/// How many numbers of a region's sequence may be skipped because an imported register
/// already holds them, before giving up.
const MAX_TAKEN_NUMBERS: usize = 10_000;

/// The next registration number of the region and year that no cooperative holds yet (an
/// imported register may hold numbers the sequence has not reached). Never a taken one:
/// after `MAX_TAKEN_NUMBERS` taken numbers in a row it fails, and nothing is registered.
fn next_free_number(conn: &mut DbConn, rules: &RegistryRules, region_id: i64, year: i32) -> Result<String, AppError> {
    let region = find_region(conn, region_id)?.ok_or_else(|| AppError::internal("the application's region is gone"))?;
    for _ in 0..MAX_TAKEN_NUMBERS {
        let seq = store::next_sequence(conn, region_id, year)?;
        let number =
            format_registration_number(&rules.number_format, &region.code, year, seq).map_err(AppError::internal)?;
        if !registration_number_taken(conn, &number)? {
            return Ok(number);
        }
    }
    Err(AppError::internal(format!(
        "no free registration number in region {} for {year} after {MAX_TAKEN_NUMBERS} tries",
        region.code
    )))
}

/// A slug from the cooperative's name that no cooperative uses yet (`name`, `name-2`, …).
fn free_slug(conn: &mut DbConn, name: Option<&str>) -> Result<String, AppError> {
    let base = crate::kernel::text::slug(name.unwrap_or("cooperative"));
    let base = if base.is_empty() { "cooperative".to_string() } else { base };
    let mut slug = base.clone();
    let mut n = 1;
    while slug_taken(conn, &slug)? {
        n += 1;
        slug = format!("{base}-{n}");
    }
    Ok(slug)
}

/// The founders of an application, as the new cooperative's first members.
fn founders_as_members(view: &ApplicationView, cooperative_id: i64, joined_on: NaiveDate) -> Vec<MemberRow> {
    view.founders
        .iter()
        .map(|f| MemberRow {
            id: 0,
            cooperative_id,
            kind: f.kind.clone(),
            full_name: f.full_name.clone(),
            national_id: f.national_id.clone(),
            gender: f.gender.clone(),
            birth_date: f.birth_date,
            phone: f.phone.clone(),
            legal_registration_number: f.legal_registration_number.clone(),
            role: f.role.clone(),
            is_employee: false,
            shares: f.shares_subscribed,
            joined_on,
            left_on: None,
            created_at: now(),
        })
        .collect()
}

// ---- documents ----

pub struct Upload {
    pub application_id: Option<ID>,
    pub filing_id: Option<ID>,
    pub document_type: DocumentType,
    pub file_name: String,
    pub declared_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Documents one application may hold (each at most the configured size).
pub const MAX_DOCUMENTS_PER_APPLICATION: usize = 30;

pub fn upload_document(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    documents: &super::documents::DocumentStore,
    upload: Upload,
) -> Result<DocumentRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let mut checks = Checks::new();
    let (application_id, filing_id) = match (&upload.application_id, &upload.filing_id) {
        (Some(a), None) => {
            (ids::decode_input(a, "RegistrationApplication", path!["input", "applicationId"], &mut checks), None)
        }
        (None, Some(f)) => (None, ids::decode_input(f, "AnnualFiling", path!["input", "filingId"], &mut checks)),
        _ => {
            checks.fail(path!["input", "applicationId"], msg!("give either an application or a filing"));
            (None, None)
        }
    };
    let size = upload.bytes.len();
    if size > rules.max_document_bytes {
        checks.fail_with(
            ErrorCode::DocumentRejected,
            path!["input", "file"],
            msg!(
                "is larger than the limit of {max_document_bytes} bytes",
                max_document_bytes = rules.max_document_bytes
            ),
        );
    }
    checks.check_with(ErrorCode::DocumentRejected, size > 0, path!["input", "file"], msg!("is empty"));
    let sniffed = super::documents::sniff(&upload.bytes);
    let allowed = |t: &str| rules.document_content_types.iter().any(|a| a == t);
    match sniffed {
        // (A file over the limit was cut when read: its size is the one error.)
        Some(t) if allowed(t) && size <= rules.max_document_bytes && !super::documents::is_whole(t, &upload.bytes) => {
            checks.fail_with(
                ErrorCode::DocumentRejected,
                path!["input", "file"],
                msg!("is not a whole {t} file", t = t),
            )
        }
        Some(t) if allowed(t) => {
            if let Some(declared) = &upload.declared_type
                && declared.split(';').next().unwrap_or("").trim() != t
                && declared != "application/octet-stream"
            {
                checks.fail_with(
                    ErrorCode::DocumentRejected,
                    path!["input", "file"],
                    msg!("is declared as {declared} but is a {t} file", declared = declared, t = t),
                );
            }
        }
        _ => checks.fail_with(
            ErrorCode::DocumentRejected,
            path!["input", "file"],
            msg!("must be one of: {types}", types = rules.document_content_types.join(", ")),
        ),
    }
    let file_name: String =
        upload.file_name.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(200).collect();
    checks.finish()?;
    // Who may attach: the applicant while the file is editable; for a filing, whoever may file it.
    if let Some(id) = application_id {
        let app = store::find_application(conn, id)?
            .filter(|a| a.applicant_account_id == viewer.account_id || viewer.is_office_staff())
            .ok_or_else(|| {
                AppError::user(ErrorCode::ApplicationNotFound, &["input", "applicationId"], msg!("no such application"))
            })?;
        if app.applicant_account_id != viewer.account_id {
            return Err(AppError::forbidden(msg!("only the applicant adds documents to an application")));
        }
        if !app.status().editable() {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "applicationId"],
                msg!("the application can no longer be changed"),
            ));
        }
        if store::application_documents(conn, id)?.len() >= MAX_DOCUMENTS_PER_APPLICATION {
            return Err(AppError::user(
                ErrorCode::DocumentRejected,
                &["input", "applicationId"],
                msg!("an application holds at most {max} documents", max = MAX_DOCUMENTS_PER_APPLICATION),
            ));
        }
    }
    if let Some(id) = filing_id {
        let filing = store::find_filing(conn, id)?
            .ok_or_else(|| AppError::user(ErrorCode::FilingNotFound, &["input", "filingId"], msg!("no such filing")))?;
        require_filer(viewer, filing.cooperative_id)?;
    }
    let sha256 = documents.save(&upload.bytes).map_err(AppError::internal)?;
    let row = DocumentRow {
        id: 0,
        application_id,
        filing_id,
        document_type: upload.document_type.as_str().into(),
        file_name: if file_name.is_empty() { "document".into() } else { file_name },
        content_type: sniffed.unwrap_or_default().into(),
        size_bytes: size as i64,
        sha256,
        uploaded_by: viewer.account_id,
        uploaded_at: now(),
    };
    let id = write_tx(conn, |conn| Ok(store::insert_document(conn, &row)?))?;
    store::find_document(conn, id)?.ok_or_else(|| AppError::internal("document vanished"))
}

/// Shares one founder may subscribe: with a share worth at most a billion dirhams, a
/// founder's subscription stays far inside 64 bits.
pub const MAX_SHARES_PER_FOUNDER: i64 = 1_000_000;

// ---- members ----

pub fn members(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative_id: i64,
    current_only: bool,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<MemberRow>, AppError> {
    require_register_reader(viewer, cooperative_id)?;
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_members(c, cooperative_id, current_only)?),
        |c, seek| store::list_members(c, cooperative_id, current_only, seek),
        |m| Key::id(m.id),
    )
}

pub fn add_member(conn: &mut DbConn, viewer: Option<&Viewer>, input: MemberAddInput) -> Result<MemberRow, AppError> {
    let (cooperative, _) = find_entry(conn, &input.registration_number)?.ok_or_else(|| {
        AppError::user(
            ErrorCode::CooperativeNotFound,
            &["input", "registrationNumber"],
            msg!("no cooperative with this number"),
        )
    })?;
    require_register_reader(viewer, cooperative.id)?;
    let mut checks = Checks::new();
    let field = |name: &str| path!["input", name];
    let party = validate_party(
        &mut checks,
        &field,
        PartyFields {
            kind: input.kind,
            full_name: &input.full_name,
            national_id: input.national_id.as_deref(),
            gender: input.gender,
            birth_date: input.birth_date.as_ref().map(|d| d.0),
            phone: input.phone.as_deref(),
            registration_number: input.legal_registration_number.as_deref(),
        },
    );
    let joined_on = input.joined_on.map(|d| d.0).unwrap_or_else(today);
    checks.check(joined_on <= today(), path!["input", "joinedOn"], msg!("cannot be in the future"));
    checks.check(input.shares >= 0, path!["input", "shares"], msg!("cannot be negative"));
    checks.finish()?;
    let row = MemberRow {
        id: 0,
        cooperative_id: cooperative.id,
        kind: input.kind.as_str().into(),
        full_name: party.full_name,
        national_id: party.national_id,
        gender: party.gender.map(|g| g.as_str().into()),
        birth_date: party.birth_date,
        phone: party.phone,
        legal_registration_number: party.registration_number,
        role: input.role.as_str().into(),
        is_employee: input.is_employee,
        shares: input.shares as i64,
        joined_on,
        left_on: None,
        created_at: now(),
    };
    let id = write_tx(conn, |conn| {
        if let Some(nid) = &row.national_id
            && store::member_with_national_id(conn, cooperative.id, nid)?
        {
            return Err(AppError::user(
                ErrorCode::Taken,
                &["input", "nationalId"],
                msg!("a current member already holds this national ID"),
            ));
        }
        Ok(store::insert_member(conn, &row)?)
    })?;
    store::find_member(conn, id)?.ok_or_else(|| AppError::internal("member vanished"))
}

pub fn update_member(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: MemberUpdateInput,
) -> Result<MemberRow, AppError> {
    let mut checks = Checks::new();
    let id = ids::decode_input(&input.id, "Member", path!["input", "id"], &mut checks);
    checks.finish()?;
    let current = store::find_member(conn, id.unwrap_or_default())?
        .filter(|m| can_read_register(viewer, m.cooperative_id))
        .ok_or_else(|| match viewer {
            None => AppError::Unauthenticated,
            Some(_) => AppError::user(ErrorCode::MemberNotFound, &["input", "id"], msg!("no such member")),
        })?;
    let mut checks = Checks::new();
    let phone = match input.phone {
        MaybeUndefined::Undefined => current.phone.clone(),
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(p) => {
            let p = normalize_phone(&p);
            checks.check(
                is_valid_phone(&p),
                path!["input", "phone"],
                msg!("must be a phone number such as +212612345678"),
            );
            Some(p)
        }
    };
    let left_on = match input.left_on {
        MaybeUndefined::Undefined => current.left_on,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(d) => {
            checks.check(
                d.0 >= current.joined_on,
                path!["input", "leftOn"],
                msg!("cannot be before the member joined"),
            );
            checks.check(d.0 <= today(), path!["input", "leftOn"], msg!("cannot be in the future"));
            Some(d.0)
        }
    };
    checks.finish()?;
    let role = input.role.map(|r| r.as_str().to_string()).unwrap_or(current.role.clone());
    let is_employee = input.is_employee.unwrap_or(current.is_employee);
    write_tx(conn, |conn| Ok(store::update_member(conn, current.id, &role, is_employee, phone.as_deref(), left_on)?))?;
    store::find_member(conn, current.id)?.ok_or_else(|| AppError::internal("member vanished"))
}

pub fn personal_data_reads(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    registration_number: Option<String>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<PersonalDataReadRow>, AppError> {
    require_admin(viewer)?;
    let cooperative_id = match registration_number {
        Some(n) => Some(
            find_entry(conn, &n)?
                .ok_or_else(|| {
                    AppError::user(
                        ErrorCode::CooperativeNotFound,
                        &["registrationNumber"],
                        msg!("no cooperative with this number"),
                    )
                })?
                .0
                .id,
        ),
        None => None,
    };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_personal_data_reads(c, cooperative_id)?),
        |c, seek| store::personal_data_reads(c, cooperative_id, seek),
        |r| Key::id(r.id),
    )
}

// ---- filings ----

fn require_filer(viewer: &Viewer, cooperative_id: i64) -> Result<(), AppError> {
    if viewer.is_office_staff()
        || (viewer.role == Role::CooperativeManager && viewer.cooperative_id == Some(cooperative_id))
    {
        Ok(())
    } else {
        Err(AppError::forbidden(msg!("only the cooperative's managers and office agents file for it")))
    }
}

/// A fiscal year the register can have: from the first cooperative law to next year (dates of
/// years far outside would not exist).
fn check_fiscal_year(fiscal_year: i32) -> Result<(), AppError> {
    let last = today().year() + 1;
    if (1900..=last).contains(&fiscal_year) {
        Ok(())
    } else {
        Err(AppError::user(
            ErrorCode::OutOfRange,
            &["fiscalYear"],
            msg!("must be a year from 1900 to {last}", last = last),
        ))
    }
}

pub fn deadlines(rules: &RegistryRules, fiscal_year: i32) -> FilingDeadlines {
    let md = parse_month_day(&rules.assembly_deadline).unwrap_or((6, 30));
    FilingDeadlines::for_year(fiscal_year, md, rules.statements_within_days)
}

pub fn submit_filing(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: AnnualFilingSubmitInput,
) -> Result<FilingRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let (cooperative, entry) = find_entry(conn, &input.registration_number)?.ok_or_else(|| {
        AppError::user(
            ErrorCode::CooperativeNotFound,
            &["input", "registrationNumber"],
            msg!("no cooperative with this number"),
        )
    })?;
    require_filer(viewer, cooperative.id)?;
    let mut checks = Checks::new();
    let today = today();
    let year = input.fiscal_year;
    checks.check(
        year >= entry.registration_year && year < today.year(),
        path!["input", "fiscalYear"],
        msg!(
            "must be a finished fiscal year since registration ({first} to {last})",
            first = entry.registration_year,
            last = today.year() - 1
        ),
    );
    let filed_on = match input.filed_on {
        Some(d) if !viewer.is_office_staff() => {
            checks.fail(path!["input", "filedOn"], msg!("only the office records the date of a paper filing"));
            d.0
        }
        Some(d) => d.0,
        None => today,
    };
    checks.check(filed_on <= today, path!["input", "filedOn"], msg!("cannot be in the future"));
    let assembly = input.assembly_date.0;
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    checks.check(
        assembly > year_end && assembly <= filed_on,
        path!["input", "assemblyDate"],
        msg!("must be after the fiscal year and no later than the filing"),
    );
    let amount =
        |checks: &mut Checks, field: &str, text: &str, signed: bool| match crate::kernel::money::parse_signed_amount(
            text, 2,
        ) {
            Ok(v) if signed || v >= 0 => v,
            _ => {
                checks.fail(
                    path!["input", field],
                    if signed {
                        msg!("must be an amount such as -1200.50")
                    } else {
                        msg!("must be an amount of zero or more")
                    },
                );
                0
            }
        };
    let row = FilingRow {
        id: 0,
        cooperative_id: cooperative.id,
        fiscal_year: year,
        assembly_date: assembly,
        filed_on,
        turnover_minor: amount(&mut checks, "turnover", &input.turnover, false),
        result_minor: amount(&mut checks, "result", &input.result, true),
        equity_minor: amount(&mut checks, "equity", &input.equity, true),
        debts_minor: amount(&mut checks, "debts", &input.debts, false),
        members_at_year_end: input.members_at_year_end,
        employees_at_year_end: input.employees_at_year_end,
        submitted_by: Some(viewer.account_id),
        created_at: now(),
    };
    checks.check(row.members_at_year_end >= 0, path!["input", "membersAtYearEnd"], msg!("cannot be negative"));
    checks.check(row.employees_at_year_end >= 0, path!["input", "employeesAtYearEnd"], msg!("cannot be negative"));
    checks.finish()?;
    let id = write_tx(conn, |conn| {
        if store::filing_of_year(conn, cooperative.id, year)?.is_some() {
            return Err(AppError::user(
                ErrorCode::AlreadyFiled,
                &["input", "fiscalYear"],
                msg!("this year's filing is already in"),
            ));
        }
        Ok(store::insert_filing(conn, &row)?)
    })?;
    store::find_filing(conn, id)?.ok_or_else(|| AppError::internal("filing vanished"))
}

/// One fiscal year's standing for a cooperative.
pub struct Compliance {
    pub fiscal_year: i32,
    pub status: FilingStatus,
    pub deadlines: FilingDeadlines,
    pub filing: Option<FilingRow>,
}

pub fn compliance(
    conn: &mut DbConn,
    rules: &RegistryRules,
    entry: &RegisterEntryRow,
    years: std::ops::RangeInclusive<i32>,
) -> Result<Vec<Compliance>, AppError> {
    let filings = store::filings_of(conn, entry.cooperative_id)?;
    let today = today();
    Ok(years
        .rev()
        .map(|year| {
            let filing = filings.iter().find(|f| f.fiscal_year == year).cloned();
            let deadlines = deadlines(rules, year);
            let status = deadlines.status(
                year,
                entry.registration_date,
                filing.as_ref().map(|f| (f.assembly_date, f.filed_on)),
                today,
            );
            Compliance { fiscal_year: year, status, deadlines, filing }
        })
        .collect())
}

pub fn filings(conn: &mut DbConn, cooperative_id: i64) -> Result<Vec<FilingRow>, AppError> {
    Ok(store::filings_of(conn, cooperative_id)?)
}

pub fn filing_documents(conn: &mut DbConn, filing_ids: &[i64]) -> Result<Vec<DocumentRow>, AppError> {
    Ok(store::filing_documents(conn, filing_ids)?)
}

/// The office's list of cooperatives whose filing for a year is missing (once its last deadline passed).
pub fn missing_filings(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    fiscal_year: i32,
    region_code: Option<String>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<(CooperativeRow, RegisterEntryRow)>, AppError> {
    require_office_staff(viewer)?;
    check_fiscal_year(fiscal_year)?;
    let mut checks = Checks::new();
    let region = match &region_code {
        Some(code) => region_id(conn, &mut checks, path!["regionCode"], code)?,
        None => None,
    };
    checks.finish()?;
    if today() <= deadlines(rules, fiscal_year).final_deadline() {
        return Ok(Page::empty());
    }
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_missing_filings(c, fiscal_year, region)?),
        |c, seek| store::missing_filings(c, fiscal_year, region, seek),
        |(cooperative, _)| Key::id(cooperative.id),
    )
}

/// Per region: (region id, cooperatives that owe the filing, of which missing).
pub fn missing_filings_by_region(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    fiscal_year: i32,
) -> Result<Vec<(i64, i64, i64)>, AppError> {
    require_office_staff(viewer)?;
    check_fiscal_year(fiscal_year)?;
    let due = today() > deadlines(rules, fiscal_year).final_deadline();
    let counts = store::filing_counts_by_region(conn, fiscal_year)?;
    Ok(counts.into_iter().map(|(r, expected, missing)| (r, expected, if due { missing } else { 0 })).collect())
}
