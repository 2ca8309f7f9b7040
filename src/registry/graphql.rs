//! GraphQL of the register: the public extract and search, applications, members (personal
//! data only for the cooperative's managers and the office), filings, and their mutations.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::loaders::{PersonalDataLog, RegionKey, RegistryLoader, SectorKey};
use super::model::*;
use super::service::{self, ApplicationView, Compliance};
use crate::kernel::config::RegistryRules;
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::{Conn, Key, connection_from_vec};
use crate::kernel::graphql::{Date, DateTime, ids, loader_error, or_unchanged, page_cost, run_mutation};
use crate::kernel::i18n::{Locale, LocalizedText};
use crate::kernel::money::Money;
use crate::msg;

// ---- the public extract ----

/// The public extract of the register: what anyone may check about a cooperative.
pub struct RegistryEntry {
    pub cooperative: CooperativeRow,
    pub entry: RegisterEntryRow,
}

impl RegistryEntry {
    fn new((cooperative, entry): (CooperativeRow, RegisterEntryRow)) -> Self {
        RegistryEntry { cooperative, entry }
    }
}

#[Object]
impl RegistryEntry {
    async fn registration_number(&self) -> &str {
        &self.cooperative.registration_number
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.cooperative.name().resolve(ctx.locale(locale))
    }
    async fn name_ar(&self) -> Option<&str> {
        self.cooperative.name_ar.as_deref()
    }
    async fn name_fr(&self) -> Option<&str> {
        self.cooperative.name_fr.as_deref()
    }
    async fn legal_form(&self) -> LegalForm {
        self.entry.legal_form()
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(RegionKey(self.cooperative.region_id))
            .await
            .map_err(loader_error)?
            .map(Region))
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(SectorKey(self.cooperative.sector_id))
            .await
            .map_err(loader_error)?
            .map(Sector))
    }
    async fn province(&self) -> Option<&str> {
        self.entry.province.as_deref()
    }
    async fn registration_date(&self) -> Date {
        Date(self.entry.registration_date)
    }
    async fn status(&self) -> CooperativeStatus {
        self.cooperative.status()
    }
    /// When the status last changed.
    async fn status_since(&self) -> DateTime {
        DateTime(self.entry.status_changed_at)
    }
    /// The day the cooperative was dissolved or put into liquidation, if it was.
    async fn dissolved_on(&self) -> Option<Date> {
        self.entry.dissolved_on.map(Date)
    }
    /// Whether it may sell on the marketplace (only ACTIVE cooperatives do).
    async fn may_sell(&self) -> bool {
        self.cooperative.status() == CooperativeStatus::Active
    }
}

// ---- the register record (managers and office) ----

/// A cooperative's register record with its members, filings and history: for its managers and the office.
pub struct CooperativeRegisterRecord(RegistryEntry);

#[derive(SimpleObject)]
pub struct StatusChange {
    pub from_status: Option<CooperativeStatus>,
    pub to_status: CooperativeStatus,
    pub reason: String,
    pub changed_at: DateTime,
}

#[Object]
impl CooperativeRegisterRecord {
    async fn entry(&self) -> &RegistryEntry {
        &self.0
    }

    /// Members, current only unless `includeLeft`. Reading national IDs, birth dates or phones as
    /// an agent or administrator is recorded.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(default = false)] include_left: bool,
    ) -> Result<Conn<Member>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let cooperative_id = self.0.cooperative.id;
        let page = ctx
            .db()
            .run(move |conn| service::members(conn, viewer.as_ref(), cooperative_id, !include_left, args, want_total))
            .await?;
        Ok(page.into_connection(Member))
    }

    /// Filing standing for the last `years` fiscal years (3 by default).
    async fn filing_compliance(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 3)] years: i32,
    ) -> Result<Vec<FilingCompliance>> {
        if !(1..=30).contains(&years) {
            return Err(AppError::bad_input(&["years"], msg!("must be 1 to 30")).into());
        }
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let entry = self.0.entry.clone();
        let last = chrono::Datelike::year(&service::today()) - 1;
        let rows =
            ctx.db().run(move |conn| service::compliance(conn, &rules, &entry, (last - years + 1)..=last)).await?;
        Ok(rows.into_iter().map(FilingCompliance).collect())
    }

    async fn filings(&self, ctx: &Context<'_>) -> Result<Vec<AnnualFiling>> {
        let id = self.0.cooperative.id;
        let rows = ctx.db().run(move |conn| service::filings(conn, id)).await?;
        Ok(rows.into_iter().map(AnnualFiling).collect())
    }

    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<StatusChange>> {
        let id = self.0.cooperative.id;
        let rows = ctx.db().run(move |conn| service::status_history(conn, id)).await?;
        Ok(rows
            .into_iter()
            .map(|r| StatusChange {
                from_status: r.from_status.as_deref().and_then(CooperativeStatus::parse),
                to_status: CooperativeStatus::parse(&r.to_status).unwrap_or(CooperativeStatus::Active),
                reason: r.reason,
                changed_at: DateTime(r.changed_at),
            })
            .collect())
    }
}

/// A member of a cooperative. National ID, birth date and phone are personal data.
pub struct Member(pub MemberRow);

impl Member {
    /// Defence in depth: the record is already guarded, the personal fields are checked
    /// again; and the read is recorded before the value is answered.
    async fn personal<T>(&self, ctx: &Context<'_>, field: &'static str, value: T) -> Result<T> {
        if !service::can_read_register(ctx.viewer(), self.0.cooperative_id) {
            return Err(AppError::forbidden(msg!("personal data")).into());
        }
        let subject = PersonalDataSubject::Cooperative(self.0.cooperative_id);
        record_read(ctx, subject, None, self.0.id, field).await?;
        Ok(value)
    }
}

/// Records the read of one personal field (through the request's `PersonalDataLog`, which
/// writes a request's reads together) unless the data are the viewer's own to read.
pub async fn record_read(
    ctx: &Context<'_>,
    subject: PersonalDataSubject,
    applicant: Option<i64>,
    person: i64,
    field: &'static str,
) -> Result<()> {
    if service::reads_own_personal_data(ctx.viewer(), subject, applicant) {
        return Ok(());
    }
    let read = PersonalRead { subject, person, field };
    ctx.loader::<PersonalDataLog>().load_one(read).await.map_err(loader_error)?;
    Ok(())
}

#[Object]
impl Member {
    pub async fn id(&self) -> ID {
        ids::encode("Member", self.0.id)
    }
    async fn kind(&self) -> PartyKind {
        PartyKind::parse(&self.0.kind).unwrap_or_default()
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn gender(&self) -> Option<Gender> {
        self.0.gender.as_deref().and_then(Gender::parse)
    }
    async fn role(&self) -> MemberRole {
        MemberRole::parse(&self.0.role).unwrap_or_default()
    }
    async fn is_employee(&self) -> bool {
        self.0.is_employee
    }
    async fn shares(&self) -> i64 {
        self.0.shares
    }
    async fn joined_on(&self) -> Date {
        Date(self.0.joined_on)
    }
    async fn left_on(&self) -> Option<Date> {
        self.0.left_on.map(Date)
    }
    /// A legal person's registration number.
    async fn registration_number(&self) -> Option<&str> {
        self.0.legal_registration_number.as_deref()
    }
    /// Personal data: reads by anyone but the cooperative's managers are recorded.
    async fn national_id(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "nationalId", self.0.national_id.as_deref()).await
    }
    /// Personal data: reads by anyone but the cooperative's managers are recorded.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "phone", self.0.phone.as_deref()).await
    }
    /// Personal data: reads by anyone but the cooperative's managers are recorded.
    async fn birth_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.personal(ctx, "birthDate", self.0.birth_date.map(Date)).await
    }
}

pub struct AnnualFiling(pub FilingRow);

#[Object]
impl AnnualFiling {
    pub async fn id(&self) -> ID {
        ids::encode("AnnualFiling", self.0.id)
    }
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }
    async fn assembly_date(&self) -> Date {
        Date(self.0.assembly_date)
    }
    async fn filed_on(&self) -> Date {
        Date(self.0.filed_on)
    }
    async fn turnover(&self) -> Money {
        Money::mad(self.0.turnover_minor)
    }
    async fn result(&self) -> Money {
        Money::mad(self.0.result_minor)
    }
    async fn equity(&self) -> Money {
        Money::mad(self.0.equity_minor)
    }
    async fn debts(&self) -> Money {
        Money::mad(self.0.debts_minor)
    }
    async fn members_at_year_end(&self) -> i32 {
        self.0.members_at_year_end
    }
    async fn employees_at_year_end(&self) -> i32 {
        self.0.employees_at_year_end
    }
    async fn documents(&self, ctx: &Context<'_>) -> Result<Vec<RegistryDocument>> {
        let id = self.0.id;
        let rows = ctx.db().run(move |conn| service::filing_documents(conn, &[id])).await?;
        Ok(rows.into_iter().map(RegistryDocument).collect())
    }
}

pub struct FilingCompliance(Compliance);

#[Object]
impl FilingCompliance {
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }
    async fn status(&self) -> FilingStatus {
        self.0.status
    }
    /// The general assembly is due by this day.
    async fn assembly_deadline(&self) -> Date {
        Date(self.0.deadlines.assembly_by)
    }
    /// Without a filing, it becomes missing after this day.
    async fn final_deadline(&self) -> Date {
        Date(self.0.deadlines.final_deadline())
    }
    async fn filing(&self) -> Option<AnnualFiling> {
        self.0.filing.clone().map(AnnualFiling)
    }
}

pub struct RegistryDocument(pub DocumentRow);

#[Object]
impl RegistryDocument {
    pub async fn id(&self) -> ID {
        ids::encode("RegistryDocument", self.0.id)
    }
    async fn document_type(&self) -> DocumentType {
        DocumentType::parse(&self.0.document_type).unwrap_or(DocumentType::Other)
    }
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    async fn size(&self) -> i64 {
        self.0.size_bytes
    }
    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn uploaded_at(&self) -> DateTime {
        DateTime(self.0.uploaded_at)
    }
}

// ---- applications ----

pub struct RegistrationApplication(pub ApplicationView);

#[derive(SimpleObject)]
pub struct ApplicationEvent {
    pub from_status: Option<ApplicationStatus>,
    pub to_status: ApplicationStatus,
    pub actor_id: ID,
    pub reason: Option<String>,
    pub at: DateTime,
}

/// A name in the register or in another pending application that is the same or nearly the same.
#[derive(SimpleObject)]
pub struct NameMatch {
    pub name: String,
    /// Set when the match is a registered cooperative.
    pub registration_number: Option<String>,
    /// Set when the match is another pending application.
    pub application_id: Option<ID>,
    /// Equal after folding (otherwise the spellings are near-equal).
    pub exact: bool,
}

/// A founder in an application, with the applicant's account (who reads them without a trace).
pub struct Founder(FounderRow, i64);

impl Founder {
    async fn personal<T>(&self, ctx: &Context<'_>, field: &'static str, value: T) -> Result<T> {
        let subject = PersonalDataSubject::Application(self.0.application_id);
        record_read(ctx, subject, Some(self.1), self.0.id, field).await?;
        Ok(value)
    }
}

#[Object]
impl Founder {
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn kind(&self) -> PartyKind {
        PartyKind::parse(&self.0.kind).unwrap_or_default()
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    /// Personal data: reads by anyone but the applicant are recorded.
    async fn national_id(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "nationalId", self.0.national_id.as_deref()).await
    }
    async fn gender(&self) -> Option<Gender> {
        self.0.gender.as_deref().and_then(Gender::parse)
    }
    /// Personal data: reads by anyone but the applicant are recorded.
    async fn birth_date(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.personal(ctx, "birthDate", self.0.birth_date.map(Date)).await
    }
    /// Personal data: reads by anyone but the applicant are recorded.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "phone", self.0.phone.as_deref()).await
    }
    async fn registration_number(&self) -> Option<&str> {
        self.0.legal_registration_number.as_deref()
    }
    async fn role(&self) -> MemberRole {
        MemberRole::parse(&self.0.role).unwrap_or_default()
    }
    async fn shares_subscribed(&self) -> i64 {
        self.0.shares_subscribed
    }
    async fn amount_paid(&self) -> Money {
        Money::mad(self.0.paid_minor)
    }
}

#[Object]
impl RegistrationApplication {
    pub async fn id(&self) -> ID {
        ids::encode("RegistrationApplication", self.0.row.id)
    }
    async fn status(&self) -> ApplicationStatus {
        self.0.row.status()
    }
    /// The project-bank application this one was prefilled from (a `ProjectApplication` id,
    /// for `node`), when it was.
    async fn project_application_id(&self) -> Option<ID> {
        self.0.row.project_application_id.map(|id| ids::encode("ProjectApplication", id))
    }
    async fn legal_form(&self) -> LegalForm {
        self.0.row.legal_form()
    }
    async fn name_ar(&self) -> Option<&str> {
        self.0.row.name_ar.as_deref()
    }
    async fn name_fr(&self) -> Option<&str> {
        self.0.row.name_fr.as_deref()
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(RegionKey(self.0.row.region_id))
            .await
            .map_err(loader_error)?
            .map(Region))
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(SectorKey(self.0.row.sector_id))
            .await
            .map_err(loader_error)?
            .map(Sector))
    }
    async fn province(&self) -> Option<&str> {
        self.0.row.province.as_deref()
    }
    async fn address(&self) -> Option<&str> {
        self.0.row.address.as_deref()
    }
    async fn contact_email(&self) -> Option<&str> {
        self.0.row.contact_email.as_deref()
    }
    async fn share_value(&self) -> Money {
        Money::mad(self.0.row.share_value_minor)
    }
    /// Shares subscribed by all founders times the share value.
    async fn capital(&self) -> Money {
        Money::mad(self.0.founders.iter().map(|f| f.shares_subscribed * self.0.row.share_value_minor).sum())
    }
    async fn capital_paid(&self) -> Money {
        Money::mad(self.0.founders.iter().map(|f| f.paid_minor).sum())
    }
    async fn founders(&self) -> Vec<Founder> {
        let applicant = self.0.row.applicant_account_id;
        self.0.founders.iter().cloned().map(|f| Founder(f, applicant)).collect()
    }
    async fn documents(&self) -> Vec<RegistryDocument> {
        self.0.documents.iter().cloned().map(RegistryDocument).collect()
    }
    /// Every transition: who, when, from, to, why.
    async fn history(&self) -> Vec<ApplicationEvent> {
        self.0
            .events
            .iter()
            .map(|e| ApplicationEvent {
                from_status: e.from_status.as_deref().and_then(ApplicationStatus::parse),
                to_status: ApplicationStatus::parse(&e.to_status).unwrap_or(ApplicationStatus::Draft),
                actor_id: ids::encode("Account", e.actor_account_id),
                reason: e.reason.clone(),
                at: DateTime(e.created_at),
            })
            .collect()
    }
    /// Existing or pending names equal or near-equal to the proposed one (office only).
    async fn name_matches(&self, ctx: &Context<'_>) -> Result<Vec<NameMatch>> {
        if !ctx.viewer().is_some_and(|v| v.is_office_staff()) {
            return Err(AppError::forbidden(msg!("only office agents see name matches")).into());
        }
        let row = self.0.row.clone();
        let found = ctx.db().run(move |conn| service::name_matches(conn, &row)).await?;
        Ok(found
            .into_iter()
            .map(|m| NameMatch {
                name: m.name,
                registration_number: m.registration_number,
                application_id: m.application_id.map(|id| ids::encode("RegistrationApplication", id)),
                exact: m.exact,
            })
            .collect())
    }
    /// Once registered: the register entry.
    async fn registration_number(&self) -> Option<&str> {
        self.0.row.registration_number.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.row.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.row.updated_at)
    }
}

/// Summary row of an application in lists.
pub struct RegistrationApplicationSummary(pub ApplicationRow);

#[Object]
impl RegistrationApplicationSummary {
    pub async fn id(&self) -> ID {
        ids::encode("RegistrationApplicationSummary", self.0.id)
    }
    async fn status(&self) -> ApplicationStatus {
        self.0.status()
    }
    async fn name_ar(&self) -> Option<&str> {
        self.0.name_ar.as_deref()
    }
    async fn name_fr(&self) -> Option<&str> {
        self.0.name_fr.as_deref()
    }
    async fn legal_form(&self) -> LegalForm {
        self.0.legal_form()
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(SimpleObject)]
pub struct RegionFilingCount {
    pub region: Region,
    /// Cooperatives that owe the year's filing.
    pub expected: i64,
    /// Of which not filed after the last deadline.
    pub missing: i64,
}

pub struct PersonalDataRead(PersonalDataReadRow);

#[Object]
impl PersonalDataRead {
    async fn account_id(&self) -> ID {
        ids::encode("Account", self.0.account_id)
    }
    /// The cooperative whose members were read (null for an application's founders).
    async fn cooperative_id(&self) -> Option<ID> {
        self.0.cooperative_id.map(|id| ids::encode("Cooperative", id))
    }
    /// The application whose founders were read (null for a cooperative's members).
    async fn application_id(&self) -> Option<ID> {
        self.0.application_id.map(|id| ids::encode("RegistrationApplication", id))
    }
    /// The personal fields read.
    async fn fields(&self) -> Vec<String> {
        self.0.fields.split(',').map(String::from).collect()
    }
    async fn member_count(&self) -> i32 {
        self.0.member_count
    }
    async fn read_at(&self) -> DateTime {
        DateTime(self.0.read_at)
    }
}

// ---- queries ----

#[derive(Default)]
pub struct RegistryQuery;

#[Object]
impl RegistryQuery {
    /// The public extract of a cooperative by registration number.
    async fn registry_entry(&self, ctx: &Context<'_>, registration_number: String) -> Result<Option<RegistryEntry>> {
        let found = ctx.db().run(move |conn| service::find_entry(conn, &registration_number)).await?;
        Ok(found.map(RegistryEntry::new))
    }

    /// Searches the register (public extract only). `name` matches after folding case, accents and Arabic letter forms.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn registry_search(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        region_code: Option<String>,
        sector_code: Option<String>,
        legal_form: Option<LegalForm>,
        status: Option<CooperativeStatus>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<RegistryEntry>> {
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let page = ctx
            .db()
            .run(move |conn| {
                let query = service::register_query(conn, name, region_code, sector_code, legal_form, status)?;
                service::search_register(conn, &query, args, want_total)
            })
            .await?;
        Ok(page.into_connection(RegistryEntry::new))
    }

    /// A cooperative's full register record: for its managers, agents and administrators.
    async fn cooperative_register(
        &self,
        ctx: &Context<'_>,
        registration_number: String,
    ) -> Result<Option<CooperativeRegisterRecord>> {
        let viewer = ctx.viewer().cloned();
        let found =
            ctx.db().run(move |conn| service::register_record(conn, viewer.as_ref(), &registration_number)).await?;
        Ok(found.map(|f| CooperativeRegisterRecord(RegistryEntry::new(f))))
    }

    /// An application, for its applicant and the office.
    async fn registration_application(&self, ctx: &Context<'_>, id: ID) -> Result<Option<RegistrationApplication>> {
        // A summary's id names the same application.
        let raw =
            ids::decode(&id, "RegistrationApplication").or_else(|| ids::decode(&id, "RegistrationApplicationSummary"));
        let Some(raw) = raw else { return Ok(None) };
        let viewer = ctx.viewer().cloned();
        let found = ctx.db().run(move |conn| service::visible_application(conn, viewer.as_ref(), raw)).await?;
        Ok(found.map(RegistrationApplication))
    }

    /// The viewer's applications; all of them for the office.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn registration_applications(
        &self,
        ctx: &Context<'_>,
        status: Option<ApplicationStatus>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<RegistrationApplicationSummary>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| service::list_applications(conn, viewer.as_ref(), status, args, want_total))
            .await?;
        Ok(page.into_connection(RegistrationApplicationSummary))
    }

    /// Cooperatives whose filing for `fiscalYear` is missing after its last deadline (office only).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn missing_filings(
        &self,
        ctx: &Context<'_>,
        fiscal_year: i32,
        region_code: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<RegistryEntry>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let page = ctx
            .db()
            .run(move |conn| {
                service::missing_filings(conn, viewer.as_ref(), &rules, fiscal_year, region_code, args, want_total)
            })
            .await?;
        Ok(page.into_connection(RegistryEntry::new))
    }

    /// Per region, how many cooperatives owe the year's filing and how many have not filed it (office only).
    async fn missing_filings_by_region(&self, ctx: &Context<'_>, fiscal_year: i32) -> Result<Vec<RegionFilingCount>> {
        let viewer = ctx.viewer().cloned();
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let counts = ctx
            .db()
            .run(move |conn| service::missing_filings_by_region(conn, viewer.as_ref(), &rules, fiscal_year))
            .await?;
        let regions = ctx
            .loader::<RegistryLoader>()
            .load_many(counts.iter().map(|(id, _, _)| RegionKey(*id)))
            .await
            .map_err(loader_error)?;
        let mut out: Vec<RegionFilingCount> = counts
            .into_iter()
            .filter_map(|(id, expected, missing)| {
                regions.get(&RegionKey(id)).map(|r| RegionFilingCount { region: Region(r.clone()), expected, missing })
            })
            .collect();
        out.sort_by(|a, b| a.region.0.code.cmp(&b.region.0.code));
        Ok(out)
    }

    /// The log of reads of members' personal data (administrators).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn personal_data_reads(
        &self,
        ctx: &Context<'_>,
        registration_number: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<PersonalDataRead>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| service::personal_data_reads(conn, viewer.as_ref(), registration_number, args, want_total))
            .await?;
        Ok(page.into_connection(PersonalDataRead))
    }
}

// ---- inputs ----

crate::mutation_payload!(RegistrationApplicationPayload, application: RegistrationApplication);
crate::mutation_payload!(RegistryDocumentUploadPayload, document: RegistryDocument);
crate::mutation_payload!(CooperativeStatusChangePayload, entry: RegistryEntry);
crate::mutation_payload!(MemberPayload, member: Member);
crate::mutation_payload!(AnnualFilingSubmitPayload, filing: AnnualFiling);

/// An application by global id, when the viewer may see it (its applicant and the office).
pub async fn application_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<RegistrationApplication>> {
    let Some(raw) = ids::decode(id, "RegistrationApplication") else { return Ok(None) };
    let Some(viewer) = ctx.viewer().cloned() else { return Ok(None) };
    let found = ctx.db().run(move |c| service::visible_application(c, Some(&viewer), raw)).await?;
    Ok(found.map(RegistrationApplication))
}

/// A member by global id, when the viewer may read that register.
pub async fn member_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Member>> {
    let Some(raw) = ids::decode(id, "Member") else { return Ok(None) };
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |c| service::visible_member(c, viewer.as_ref(), raw)).await?.map(Member))
}

#[derive(Default)]
pub struct RegistryMutation;

#[Object]
impl RegistryMutation {
    /// Starts a creation application (DRAFT) as its applicant.
    async fn registration_application_create(
        &self,
        ctx: &Context<'_>,
        input: RegistrationApplicationCreateInput,
    ) -> Result<RegistrationApplicationPayload> {
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let (application, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_application(conn, viewer, &rules, input)).await?;
        Ok(RegistrationApplicationPayload { application: application.map(RegistrationApplication), user_errors })
    }

    /// Changes a draft (the name only before it is requested; founders replace the list).
    async fn registration_application_update(
        &self,
        ctx: &Context<'_>,
        input: RegistrationApplicationUpdateInput,
    ) -> Result<RegistrationApplicationPayload> {
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let id = input.id.clone();
        let (application, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::update_application(conn, viewer, &rules, input)).await?;
        let (application, user_errors) =
            or_unchanged((application.map(RegistrationApplication), user_errors), || application_by_id(ctx, &id))
                .await?;
        Ok(RegistrationApplicationPayload { application, user_errors })
    }

    /// Moves an application: the applicant requests the name, files, withdraws; agents decide.
    async fn registration_application_transition(
        &self,
        ctx: &Context<'_>,
        input: RegistrationApplicationTransitionInput,
    ) -> Result<RegistrationApplicationPayload> {
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let id = input.id.clone();
        let (application, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::transition(conn, viewer, &rules, input)).await?;
        let (application, user_errors) =
            or_unchanged((application.map(RegistrationApplication), user_errors), || application_by_id(ctx, &id))
                .await?;
        Ok(RegistrationApplicationPayload { application, user_errors })
    }

    /// Attaches a document (PDF, PNG or JPEG) to an application or a filing.
    async fn registry_document_upload(
        &self,
        ctx: &Context<'_>,
        input: RegistryDocumentUploadInput,
    ) -> Result<RegistryDocumentUploadPayload> {
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let store = ctx.data_unchecked::<super::documents::DocumentStore>().clone();
        let unreadable = |e: std::io::Error| {
            AppError::user(
                ErrorCode::DocumentRejected,
                &["input", "file"],
                msg!("cannot read the file: {error}", error = e),
            )
        };
        let file = input.file.value(ctx).map_err(unreadable)?;
        let (file_name, declared_type) = (file.filename.clone(), file.content_type.clone());
        let mut bytes = Vec::new();
        // One byte over the limit is enough to say it is over.
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file.into_read(), rules.max_document_bytes as u64 + 1),
            &mut bytes,
        )
        .map_err(unreadable)?;
        let upload = service::Upload {
            application_id: input.application_id,
            filing_id: input.filing_id,
            document_type: input.document_type,
            file_name,
            declared_type,
            bytes,
        };
        let (document, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::upload_document(conn, viewer, &rules, &store, upload))
                .await?;
        Ok(RegistryDocumentUploadPayload { document: document.map(RegistryDocument), user_errors })
    }

    /// Changes a cooperative's register status, with a reason (office only).
    async fn cooperative_status_change(
        &self,
        ctx: &Context<'_>,
        input: CooperativeStatusChangeInput,
    ) -> Result<CooperativeStatusChangePayload> {
        let (entry, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::change_status(conn, viewer, input)).await?;
        Ok(CooperativeStatusChangePayload { entry: entry.map(RegistryEntry::new), user_errors })
    }

    /// Adds a member to a cooperative's register (its managers and the office).
    async fn member_add(&self, ctx: &Context<'_>, input: MemberAddInput) -> Result<MemberPayload> {
        let (member, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::add_member(conn, viewer, input)).await?;
        Ok(MemberPayload { member: member.map(Member), user_errors })
    }

    /// Changes a member's role, employment, phone, or records their leaving.
    async fn member_update(&self, ctx: &Context<'_>, input: MemberUpdateInput) -> Result<MemberPayload> {
        let id = input.id.clone();
        let (member, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::update_member(conn, viewer, input)).await?;
        let (member, user_errors) = or_unchanged((member.map(Member), user_errors), || member_by_id(ctx, &id)).await?;
        Ok(MemberPayload { member, user_errors })
    }

    /// Files a fiscal year's declaration (télédéclaration).
    async fn annual_filing_submit(
        &self,
        ctx: &Context<'_>,
        input: AnnualFilingSubmitInput,
    ) -> Result<AnnualFilingSubmitPayload> {
        let (filing, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::submit_filing(conn, viewer, input)).await?;
        Ok(AnnualFilingSubmitPayload { filing: filing.map(AnnualFiling), user_errors })
    }
}

pub struct Region(pub RegionRow);

#[Object]
impl Region {
    pub async fn id(&self) -> ID {
        ids::encode("Region", self.0.id)
    }
    /// Official code, `01` (Tanger-Tétouan-Al Hoceïma) to `12` (Dakhla-Oued Ed-Dahab).
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
}

pub struct Sector(pub SectorRow);

#[Object]
impl Sector {
    pub async fn id(&self) -> ID {
        ids::encode("Sector", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
}

/// Reference data of the register: the regions and the sectors.
#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// The 12 regions of the 2015 division.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Region>> {
        let args = ctx.page_args(after, before, first, last)?;
        let rows = ctx.db().run(service::list_regions).await?;
        Ok(connection_from_vec(args, rows.into_iter().map(Region).collect(), |r| Key(vec![r.0.code.clone().into()]))?)
    }

    async fn sectors(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Sector>> {
        let args = ctx.page_args(after, before, first, last)?;
        let rows = ctx.db().run(service::list_sectors).await?;
        Ok(connection_from_vec(args, rows.into_iter().map(Sector).collect(), |s| Key::id(s.0.id))?)
    }
}
