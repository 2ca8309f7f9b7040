//! Rows of the register and the pure rules over them: the application state machine,
//! registration numbers, filing deadlines.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, Upload};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::kernel::db::cached::Stamp;
use crate::kernel::db::schema::{
    annual_filings, cooperative_status_changes, cooperatives, members, personal_data_reads, regions, register_entries,
    registration_application_events, registration_applications, registration_founders, registry_documents, sectors,
};
use crate::kernel::graphql::Date;
use crate::kernel::i18n::{Localized, LocalizedTextInput};
use crate::kernel::money::Decimal;

/// Legal form under law 112-12: a cooperative, a union or a federation of cooperatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LegalForm {
    Cooperative,
    /// A union of cooperatives.
    Union,
    Federation,
}
crate::text_enum!(LegalForm { Cooperative = "COOPERATIVE", Union = "UNION", Federation = "FEDERATION" });

/// Gender of a natural person, as recorded in the register (F or M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Gender {
    Female,
    Male,
}
crate::text_enum!(Gender { Female = "F", Male = "M" });

/// A founder or member is a natural person or a legal person (a cooperative in a union…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum PartyKind {
    #[default]
    Person,
    LegalPerson,
}
crate::text_enum!(PartyKind { Person = "PERSON", LegalPerson = "LEGAL_PERSON" });

/// A member's role in the cooperative's governance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum MemberRole {
    President,
    Treasurer,
    BoardMember,
    #[default]
    Member,
}
crate::text_enum!(MemberRole {
    President = "PRESIDENT",
    Treasurer = "TREASURER",
    BoardMember = "BOARD_MEMBER",
    Member = "MEMBER",
});

/// What a document filed with the register is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DocumentType {
    Statutes,
    ConstitutiveMinutes,
    BankCertificate,
    NameApproval,
    FinancialStatements,
    AssemblyMinutes,
    Other,
}
crate::text_enum!(DocumentType {
    Statutes = "STATUTES",
    ConstitutiveMinutes = "CONSTITUTIVE_MINUTES",
    BankCertificate = "BANK_CERTIFICATE",
    NameApproval = "NAME_APPROVAL",
    FinancialStatements = "FINANCIAL_STATEMENTS",
    AssemblyMinutes = "ASSEMBLY_MINUTES",
    Other = "OTHER",
});

/// Where an application to create a cooperative stands: name request, filing, decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ApplicationStatus {
    Draft,
    NameRequested,
    NameApproved,
    NameRejected,
    Filed,
    ChangesRequested,
    Registered,
    Rejected,
    Withdrawn,
}
crate::text_enum!(ApplicationStatus {
    Draft = "DRAFT",
    NameRequested = "NAME_REQUESTED",
    NameApproved = "NAME_APPROVED",
    NameRejected = "NAME_REJECTED",
    Filed = "FILED",
    ChangesRequested = "CHANGES_REQUESTED",
    Registered = "REGISTERED",
    Rejected = "REJECTED",
    Withdrawn = "WITHDRAWN",
});

impl ApplicationStatus {
    /// Whether the applicant may still change the file.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::NameRejected | Self::NameApproved | Self::ChangesRequested)
    }
    /// Whether the proposed name may still change (it is fixed once approved).
    pub fn name_editable(self) -> bool {
        matches!(self, Self::Draft | Self::NameRejected)
    }
    /// Names of applications in these states are "pending" for the duplicate check.
    pub fn pending(self) -> bool {
        matches!(self, Self::NameRequested | Self::NameApproved | Self::Filed | Self::ChangesRequested)
    }
}

/// What someone does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ApplicationAction {
    RequestName,
    ApproveName,
    RejectName,
    File,
    RequestChanges,
    Register,
    Reject,
    Withdraw,
}

impl ApplicationAction {
    /// Decisions belong to the office; the rest to the applicant.
    pub fn by_agent(self) -> bool {
        matches!(self, Self::ApproveName | Self::RejectName | Self::RequestChanges | Self::Register | Self::Reject)
    }
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::RejectName | Self::RequestChanges | Self::Reject)
    }
    /// The state machine: where `self` leads from `from`, if it may be taken there.
    pub fn next(self, from: ApplicationStatus) -> Option<ApplicationStatus> {
        use ApplicationStatus::*;
        Some(match (self, from) {
            (Self::RequestName, Draft | NameRejected) => NameRequested,
            (Self::ApproveName, NameRequested) => NameApproved,
            (Self::RejectName, NameRequested) => NameRejected,
            (Self::File, NameApproved | ChangesRequested) => Filed,
            (Self::RequestChanges, Filed) => ChangesRequested,
            (Self::Register, Filed) => Registered,
            (Self::Reject, Filed) => Rejected,
            (Self::Withdraw, Draft | NameRequested | NameApproved | NameRejected | Filed | ChangesRequested) => {
                Withdrawn
            }
            _ => return None,
        })
    }
}

/// Whether a cooperative may move from one register status to another, ACTIVE ⇄ NON_COMPLIANT →
/// UNDER_CONTROL → DISSOLVED | IN_LIQUIDATION → STRUCK_OFF (a control may also clear it).
pub fn status_change_allowed(from: CooperativeStatus, to: CooperativeStatus) -> bool {
    use CooperativeStatus::*;
    matches!(
        (from, to),
        (Active, NonCompliant)
            | (NonCompliant, Active)
            | (Active | NonCompliant, UnderControl)
            | (UnderControl, Active | NonCompliant | Dissolved | InLiquidation)
            | (Dissolved | InLiquidation, StruckOff)
            | (Dissolved, InLiquidation)
    )
}

/// Fills a registration number format: `{region}`, `{year}`, `{seq}` or `{seq:0N}`.
pub fn format_registration_number(format: &str, region_code: &str, year: i32, seq: i64) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    let mut has = (false, false, false);
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or("unclosed `{` in the registration number format")? + open;
        let field = &rest[open + 1..close];
        match field {
            "region" => {
                out.push_str(region_code);
                has.0 = true;
            }
            "year" => {
                out.push_str(&year.to_string());
                has.1 = true;
            }
            "seq" => {
                out.push_str(&seq.to_string());
                has.2 = true;
            }
            f if f.starts_with("seq:0") => {
                let width: usize = f[5..].parse().map_err(|_| format!("bad width in `{{{f}}}`"))?;
                out.push_str(&format!("{seq:0width$}"));
                has.2 = true;
            }
            other => return Err(format!("unknown field `{{{other}}}` in the registration number format")),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    if has != (true, true, true) {
        return Err("the registration number format must contain {region}, {year} and {seq}".into());
    }
    Ok(out)
}

/// Where a cooperative stands for one fiscal year's filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FilingStatus {
    /// Assembly held and statements filed within the deadlines.
    OnTime,
    /// Filed, but the assembly or the statements came after their deadline.
    Late,
    /// Not filed and the last deadline has passed.
    Missing,
    /// Not filed yet, still within the deadlines.
    NotYetDue,
    /// The cooperative was registered after the fiscal year ended.
    NotRequired,
}

/// The deadlines of a fiscal year's filing, from the configured rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilingDeadlines {
    pub assembly_by: NaiveDate,
    pub statements_within_days: i64,
}

impl FilingDeadlines {
    pub fn for_year(fiscal_year: i32, assembly_month_day: (u32, u32), statements_within_days: i64) -> FilingDeadlines {
        let (m, d) = assembly_month_day;
        let assembly_by = NaiveDate::from_ymd_opt(fiscal_year + 1, m, d)
            .or_else(|| NaiveDate::from_ymd_opt(fiscal_year + 1, m, d - 1))
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(fiscal_year + 1, 6, 30).expect("valid date"));
        FilingDeadlines { assembly_by, statements_within_days }
    }
    /// The last day statements may be filed when nothing was held: the assembly deadline plus the delay.
    pub fn final_deadline(&self) -> NaiveDate {
        self.assembly_by + chrono::Duration::days(self.statements_within_days)
    }
    pub fn status(
        &self,
        fiscal_year: i32,
        registered_on: NaiveDate,
        filing: Option<(NaiveDate, NaiveDate)>,
        today: NaiveDate,
    ) -> FilingStatus {
        if registered_on.year() > fiscal_year {
            return FilingStatus::NotRequired;
        }
        match filing {
            Some((assembly, filed_on)) => {
                let on_time = assembly <= self.assembly_by
                    && filed_on <= assembly + chrono::Duration::days(self.statements_within_days);
                if on_time { FilingStatus::OnTime } else { FilingStatus::Late }
            }
            None if today > self.final_deadline() => FilingStatus::Missing,
            None => FilingStatus::NotYetDue,
        }
    }
}

/// The day before which a person born is no longer young on `as_of`.
pub fn young_born_after(as_of: NaiveDate, age_limit: u32) -> NaiveDate {
    let year = as_of.year() - age_limit as i32;
    as_of.with_year(year).or_else(|| NaiveDate::from_ymd_opt(year, 2, 28)).unwrap_or(NaiveDate::MIN)
}

/// `MM-DD` → (month, day), checked against a leap year so `02-29` passes.
pub fn parse_month_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.trim().split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// Moroccan national identity card (CNIE) numbers: one or two letters and up to six digits.
pub fn normalize_national_id(raw: &str) -> Option<String> {
    let id: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let letters = id.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = &id[letters..];
    let ok =
        (1..=2).contains(&letters) && (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(id)
}

// ---- rows ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = register_entries)]
pub struct RegisterEntryRow {
    pub cooperative_id: i64,
    pub legal_form: String,
    pub province: Option<String>,
    pub registration_date: NaiveDate,
    pub registration_year: i32,
    pub dissolved_on: Option<NaiveDate>,
    pub name_folded: String,
    pub name_keys: String,
    pub status_changed_at: NaiveDateTime,
}

impl RegisterEntryRow {
    pub fn legal_form(&self) -> LegalForm {
        LegalForm::parse(&self.legal_form).unwrap_or(LegalForm::Cooperative)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cooperative_status_changes)]
pub struct StatusChangeRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub actor_account_id: Option<i64>,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cooperative_status_changes)]
pub struct NewStatusChange {
    pub cooperative_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub actor_account_id: Option<i64>,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_applications)]
pub struct ApplicationRow {
    pub id: i64,
    pub applicant_account_id: i64,
    pub status: String,
    pub legal_form: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_folded: String,
    pub name_keys: String,
    pub region_id: i64,
    pub province: Option<String>,
    pub sector_id: i64,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub share_value_minor: i64,
    pub registration_number: Option<String>,
    pub cooperative_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The project-bank application this one was prefilled from.
    pub project_application_id: Option<i64>,
}

impl ApplicationRow {
    pub fn status(&self) -> ApplicationStatus {
        ApplicationStatus::parse(&self.status).unwrap_or(ApplicationStatus::Draft)
    }
    pub fn legal_form(&self) -> LegalForm {
        LegalForm::parse(&self.legal_form).unwrap_or(LegalForm::Cooperative)
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = registration_applications, treat_none_as_null = true)]
pub struct ApplicationFields {
    pub legal_form: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_folded: String,
    pub name_keys: String,
    pub region_id: i64,
    pub province: Option<String>,
    pub sector_id: i64,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    pub share_value_minor: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_application_events)]
pub struct ApplicationEventRow {
    pub id: i64,
    pub application_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_account_id: i64,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = registration_application_events)]
pub struct NewApplicationEvent {
    pub application_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_account_id: i64,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registration_founders)]
pub struct FounderRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub application_id: i64,
    pub position: i32,
    pub kind: String,
    pub full_name: String,
    pub national_id: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub legal_registration_number: Option<String>,
    pub role: String,
    pub shares_subscribed: i64,
    pub paid_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = members)]
pub struct MemberRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: String,
    pub full_name: String,
    pub national_id: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub legal_registration_number: Option<String>,
    pub role: String,
    pub is_employee: bool,
    pub shares: i64,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = personal_data_reads)]
pub struct NewPersonalDataRead {
    pub account_id: i64,
    /// A cooperative's members, or an application's founders.
    pub cooperative_id: Option<i64>,
    pub application_id: Option<i64>,
    pub fields: String,
    pub member_count: i32,
    pub read_at: NaiveDateTime,
    /// A project-bank application's team.
    pub project_application_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = personal_data_reads)]
pub struct PersonalDataReadRow {
    pub id: i64,
    pub account_id: i64,
    pub cooperative_id: Option<i64>,
    pub application_id: Option<i64>,
    pub fields: String,
    pub member_count: i32,
    pub read_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = annual_filings)]
pub struct FilingRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub fiscal_year: i32,
    pub assembly_date: NaiveDate,
    pub filed_on: NaiveDate,
    pub turnover_minor: i64,
    pub result_minor: i64,
    pub equity_minor: i64,
    pub debts_minor: i64,
    pub members_at_year_end: i32,
    pub employees_at_year_end: i32,
    pub submitted_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registry_documents)]
pub struct DocumentRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub application_id: Option<i64>,
    pub filing_id: Option<i64>,
    pub document_type: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

/// The legal lifecycle of a cooperative in the register; only ACTIVE ones sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CooperativeStatus {
    Active,
    NonCompliant,
    UnderControl,
    Dissolved,
    InLiquidation,
    StruckOff,
}

crate::text_enum!(CooperativeStatus {
    Active = "ACTIVE",
    NonCompliant = "NON_COMPLIANT",
    UnderControl = "UNDER_CONTROL",
    Dissolved = "DISSOLVED",
    InLiquidation = "IN_LIQUIDATION",
    StruckOff = "STRUCK_OFF",
});

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: i64,
    pub code: String,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

impl RegionRow {
    pub fn name(&self) -> Localized {
        Localized::new(
            Some(self.name_ar.clone()),
            Some(self.name_fr.clone()),
            self.name_en.clone(),
            self.name_zgh.clone(),
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sectors)]
pub struct SectorRow {
    pub id: i64,
    pub code: String,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

impl SectorRow {
    pub fn name(&self) -> Localized {
        Localized::new(
            Some(self.name_ar.clone()),
            Some(self.name_fr.clone()),
            self.name_en.clone(),
            self.name_zgh.clone(),
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cooperatives)]
pub struct CooperativeRow {
    pub id: i64,
    pub slug: String,
    pub registration_number: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    pub region_id: i64,
    pub sector_id: i64,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub is_women_cooperative: bool,
    pub is_youth_cooperative: bool,
    pub status: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// The marketplace's commission in basis points; the configured default when absent.
    pub commission_rate_bps: Option<i32>,
}

impl CooperativeRow {
    pub fn name(&self) -> Localized {
        Localized::new(self.name_ar.clone(), self.name_fr.clone(), self.name_en.clone(), self.name_zgh.clone())
    }
    pub fn description(&self) -> Localized {
        Localized::new(
            self.description_ar.clone(),
            self.description_fr.clone(),
            self.description_en.clone(),
            self.description_zgh.clone(),
        )
    }
    pub fn status(&self) -> CooperativeStatus {
        CooperativeStatus::parse(&self.status).unwrap_or(CooperativeStatus::NonCompliant)
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = cooperatives, treat_none_as_null = true)]
pub struct CooperativeFields {
    pub slug: String,
    pub registration_number: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    pub region_id: i64,
    pub sector_id: i64,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub is_women_cooperative: bool,
    pub is_youth_cooperative: bool,
    pub status: String,
    pub updated_at: NaiveDateTime,
    pub commission_rate_bps: Option<i32>,
}

impl From<&CooperativeRow> for CooperativeFields {
    fn from(row: &CooperativeRow) -> CooperativeFields {
        CooperativeFields {
            slug: row.slug.clone(),
            registration_number: row.registration_number.clone(),
            name_ar: row.name_ar.clone(),
            name_fr: row.name_fr.clone(),
            name_en: row.name_en.clone(),
            name_zgh: row.name_zgh.clone(),
            description_ar: row.description_ar.clone(),
            description_fr: row.description_fr.clone(),
            description_en: row.description_en.clone(),
            description_zgh: row.description_zgh.clone(),
            region_id: row.region_id,
            sector_id: row.sector_id,
            logo_url: row.logo_url.clone(),
            contact_email: row.contact_email.clone(),
            contact_phone: row.contact_phone.clone(),
            is_women_cooperative: row.is_women_cooperative,
            is_youth_cooperative: row.is_youth_cooperative,
            status: row.status.clone(),
            updated_at: row.updated_at,
            commission_rate_bps: row.commission_rate_bps,
        }
    }
}

#[derive(Debug, Clone, InputObject)]
pub struct CooperativeCreateInput {
    pub slug: String,
    pub registration_number: String,
    pub name: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    pub region_code: String,
    pub sector_code: String,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    #[graphql(default)]
    pub is_women_cooperative: bool,
    #[graphql(default)]
    pub is_youth_cooperative: bool,
}

/// Managers may change the shop-facing fields; the status and identity are the administrators'.
#[derive(Debug, Clone, InputObject)]
pub struct CooperativeUpdateInput {
    pub id: ID,
    pub name: Option<Vec<LocalizedTextInput>>,
    pub description: Option<Vec<LocalizedTextInput>>,
    pub logo_url: MaybeUndefined<String>,
    pub contact_email: MaybeUndefined<String>,
    pub contact_phone: MaybeUndefined<String>,
    pub is_women_cooperative: Option<bool>,
    pub is_youth_cooperative: Option<bool>,
    /// Administrators only.
    pub status: Option<CooperativeStatus>,
    /// Administrators only: the marketplace's commission in basis points (1000 = 10%); null for the default.
    pub commission_rate_bps: MaybeUndefined<i32>,
}

#[derive(Debug, Clone, Default, InputObject)]
pub struct CooperativeFilterInput {
    pub region: Option<String>,
    pub sector: Option<String>,
    pub is_women_cooperative: Option<bool>,
    pub is_youth_cooperative: Option<bool>,
    /// Staff only; everyone else sees ACTIVE cooperatives.
    pub status: Option<CooperativeStatus>,
}

/// Counts for one (region, sector, legal form) cell.
#[derive(Debug, Clone, QueryableByName)]
pub struct FigureCell {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub region_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub sector_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub legal_form: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cooperatives: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub members: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub women: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub young: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub jobs: i64,
}

// ---- listing queries ----

#[derive(Debug, Default, Clone)]
pub struct CooperativeQuery {
    pub region_id: Option<i64>,
    pub sector_id: Option<i64>,
    pub women: Option<bool>,
    pub youth: Option<bool>,
    pub status: Option<CooperativeStatus>,
}

/// Filters of the public register search.
#[derive(Debug, Clone, Default)]
pub struct RegisterQuery {
    /// Folded name fragment.
    pub name: Option<String>,
    pub region_id: Option<i64>,
    pub sector_id: Option<i64>,
    pub legal_form: Option<LegalForm>,
    pub status: Option<String>,
}

// ---- GraphQL inputs of the register ----

#[derive(InputObject)]
pub struct FounderInput {
    #[graphql(default)]
    pub kind: PartyKind,
    pub full_name: String,
    /// National identity card number (CNIE), for a person.
    pub national_id: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub phone: Option<String>,
    /// Registration number, for a legal person.
    pub registration_number: Option<String>,
    #[graphql(default)]
    pub role: MemberRole,
    pub shares_subscribed: i32,
    /// Amount paid up on the shares, in MAD.
    pub amount_paid: Decimal,
}

#[derive(InputObject)]
pub struct RegistrationApplicationCreateInput {
    #[graphql(default_with = "LegalForm::Cooperative")]
    pub legal_form: LegalForm,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub region_code: String,
    pub province: Option<String>,
    pub sector_code: String,
    pub address: Option<String>,
    pub contact_email: Option<String>,
    /// Value of one share, in MAD.
    pub share_value: Decimal,
    pub founders: Option<Vec<FounderInput>>,
}

#[derive(InputObject)]
pub struct RegistrationApplicationUpdateInput {
    pub id: ID,
    pub legal_form: Option<LegalForm>,
    pub name_ar: MaybeUndefined<String>,
    pub name_fr: MaybeUndefined<String>,
    pub region_code: Option<String>,
    pub province: MaybeUndefined<String>,
    pub sector_code: Option<String>,
    pub address: MaybeUndefined<String>,
    pub contact_email: MaybeUndefined<String>,
    pub share_value: Option<Decimal>,
    /// Replaces the whole list of founders.
    pub founders: Option<Vec<FounderInput>>,
}

#[derive(InputObject)]
pub struct RegistrationApplicationTransitionInput {
    pub id: ID,
    pub action: ApplicationAction,
    /// Required to reject a name or a file and to ask for changes.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct RegistryDocumentUploadInput {
    pub application_id: Option<ID>,
    pub filing_id: Option<ID>,
    pub document_type: DocumentType,
    /// The file, sent with the GraphQL multipart request spec.
    pub file: Upload,
}

#[derive(InputObject)]
pub struct CooperativeStatusChangeInput {
    pub registration_number: String,
    pub status: CooperativeStatus,
    pub reason: String,
    /// When the change took effect (a dissolution's date); today by default.
    pub effective_on: Option<Date>,
}

#[derive(InputObject)]
pub struct MemberAddInput {
    pub registration_number: String,
    #[graphql(default)]
    pub kind: PartyKind,
    pub full_name: String,
    pub national_id: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub phone: Option<String>,
    /// Registration number of a legal person.
    pub legal_registration_number: Option<String>,
    #[graphql(default)]
    pub role: MemberRole,
    #[graphql(default = false)]
    pub is_employee: bool,
    #[graphql(default = 1)]
    pub shares: i32,
    pub joined_on: Option<Date>,
}

#[derive(InputObject)]
pub struct MemberUpdateInput {
    pub id: ID,
    pub role: Option<MemberRole>,
    pub is_employee: Option<bool>,
    pub phone: MaybeUndefined<String>,
    /// The day the member left; null to reinstate.
    pub left_on: MaybeUndefined<Date>,
}

#[derive(InputObject)]
pub struct AnnualFilingSubmitInput {
    pub registration_number: String,
    pub fiscal_year: i32,
    pub assembly_date: Date,
    /// Amounts in MAD.
    pub turnover: String,
    pub result: String,
    pub equity: String,
    pub debts: String,
    pub members_at_year_end: i32,
    pub employees_at_year_end: i32,
    /// The office only: the date a paper filing was received (today otherwise).
    pub filed_on: Option<Date>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationAction::*;
    use ApplicationStatus::*;

    #[test]
    fn the_creation_path_and_its_branches() {
        let mut s = Draft;
        for action in [RequestName, ApproveName, File, RequestChanges, File, Register] {
            s = action.next(s).unwrap_or_else(|| panic!("{action:?} from {s:?}"));
        }
        assert_eq!(s, Registered);
        assert_eq!(RejectName.next(NameRequested), Some(NameRejected));
        assert_eq!(RequestName.next(NameRejected), Some(NameRequested));
        assert_eq!(Reject.next(Filed), Some(Rejected));
        assert_eq!(Withdraw.next(Filed), Some(Withdrawn));
        for done in [Registered, Rejected, Withdrawn] {
            for action in [RequestName, ApproveName, RejectName, File, RequestChanges, Register, Reject, Withdraw] {
                assert_eq!(action.next(done), None, "{action:?} after {done:?}");
            }
        }
        assert_eq!(File.next(Draft), None, "no filing before the name is approved");
        assert_eq!(Register.next(NameApproved), None);
    }

    #[test]
    fn registration_numbers_follow_the_format() {
        assert_eq!(format_registration_number("{region}/{year}/{seq:05}", "09", 2026, 42).unwrap(), "09/2026/00042");
        assert_eq!(format_registration_number("R{region}-{year}-{seq}", "01", 2025, 7).unwrap(), "R01-2025-7");
        assert!(format_registration_number("{year}-{seq}", "01", 2025, 7).is_err());
        assert!(format_registration_number("{region}{year}{nope}", "01", 2025, 7).is_err());
    }

    #[test]
    fn filing_deadlines() {
        let d = FilingDeadlines::for_year(2024, (6, 30), 30);
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let registered = date("2020-01-01");
        let today = date("2026-01-01");
        assert_eq!(
            d.status(2024, registered, Some((date("2025-06-10"), date("2025-07-01"))), today),
            FilingStatus::OnTime
        );
        assert_eq!(
            d.status(2024, registered, Some((date("2025-06-10"), date("2025-07-11"))), today),
            FilingStatus::Late
        );
        assert_eq!(
            d.status(2024, registered, Some((date("2025-07-02"), date("2025-07-03"))), today),
            FilingStatus::Late
        );
        assert_eq!(d.status(2024, registered, None, today), FilingStatus::Missing);
        assert_eq!(d.status(2024, registered, None, date("2025-07-30")), FilingStatus::NotYetDue);
        assert_eq!(d.status(2024, date("2025-02-01"), None, today), FilingStatus::NotRequired);
    }

    #[test]
    fn national_ids_and_status_changes() {
        assert_eq!(normalize_national_id(" be 123456 ").as_deref(), Some("BE123456"));
        assert_eq!(normalize_national_id("A1").as_deref(), Some("A1"));
        assert_eq!(normalize_national_id("ABC123"), None);
        assert_eq!(normalize_national_id("123456"), None);
        assert_eq!(normalize_national_id("AB1234567"), None);
        use CooperativeStatus as S;
        assert!(status_change_allowed(S::Active, S::NonCompliant));
        assert!(status_change_allowed(S::NonCompliant, S::Active));
        assert!(status_change_allowed(S::UnderControl, S::Dissolved));
        assert!(!status_change_allowed(S::Active, S::StruckOff));
        assert!(!status_change_allowed(S::StruckOff, S::Active));
    }
}

/// Whose personal data a read touches: a cooperative's members or an application's founders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonalDataSubject {
    Cooperative(i64),
    Application(i64),
    /// A project-bank application's team (its applicant reads it freely).
    ProjectApplication(i64),
}

/// One personal field of one person, as a resolver is about to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonalRead {
    pub subject: PersonalDataSubject,
    pub person: i64,
    pub field: &'static str,
}
