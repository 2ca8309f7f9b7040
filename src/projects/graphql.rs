//! The project bank's GraphQL types, queries and mutations.

use std::collections::HashMap;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::inputs::*;
use super::loaders::*;
use super::model::*;
use super::search::{IdeaSearch, filters};
use super::{eligibility, service, stats};
use crate::academy::graphql::{Course, LearningPath};
use crate::academy::loaders::{AcademyLoader, CourseKey};
use crate::catalog::graphql::Cooperative;
use crate::kernel::config::RegistryRules;
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::{Conn, OffsetCursor};
use crate::kernel::graphql::{Date, DateTime, ids, loader_error, or_unchanged, page_cost, run_mutation};
use crate::kernel::i18n::{Locale, LocalizedText};
use crate::kernel::money::Money;
use crate::kernel::viewer::require_viewer;
use crate::msg;
use crate::registry::graphql::{Region, RegistrationApplication, Sector, record_read};
use crate::registry::loaders::{CooperativeKey, RegionKey, RegistryLoader, SectorKey};
use crate::registry::model::{Gender, LegalForm, PersonalDataSubject};
use crate::search::embedded::{SearchQuery, Sort, words};
use crate::search::graphql::highlight;

async fn region(ctx: &Context<'_>, id: i64) -> Result<Option<Region>> {
    Ok(ctx.loader::<RegistryLoader>().load_one(RegionKey(id)).await.map_err(loader_error)?.map(Region))
}

async fn sector(ctx: &Context<'_>, id: i64) -> Result<Option<Sector>> {
    Ok(ctx.loader::<RegistryLoader>().load_one(SectorKey(id)).await.map_err(loader_error)?.map(Sector))
}

async fn province(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Province>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx.loader::<ProjectsLoader>().load_one(ProvinceKey(id)).await.map_err(loader_error)?.map(Province))
}

fn youth(ctx: &Context<'_>) -> (i32, i32) {
    service::youth_band(ctx.data_unchecked::<RegistryRules>())
}

pub struct Province(pub ProvinceRow);

#[Object]
impl Province {
    pub async fn id(&self) -> ID {
        ids::encode("Province", self.0.id)
    }
    /// A stable code such as `taroudant` or `inezgane-ait-melloul`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn kind(&self) -> ProvinceKind {
        self.0.kind()
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.region_id).await
    }
}

pub struct FundingProgramme(pub ProgrammeRow);

#[Object]
impl FundingProgramme {
    pub async fn id(&self) -> ID {
        ids::encode("FundingProgramme", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.name).resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.summary).resolve(ctx.locale(locale))
    }
    async fn instrument(&self) -> FundingInstrument {
        self.0.instrument()
    }
}

/// Market, inputs, land and competition, in the caller's language.
pub struct FeasibilitySummary(Feasibility, Locale);

#[Object]
impl FeasibilitySummary {
    async fn market(&self) -> LocalizedText {
        self.0.market.resolve(self.1)
    }
    async fn inputs(&self) -> LocalizedText {
        self.0.inputs.resolve(self.1)
    }
    async fn land(&self) -> LocalizedText {
        self.0.land.resolve(self.1)
    }
    async fn competition(&self) -> LocalizedText {
        self.0.competition.resolve(self.1)
    }
}

#[derive(Clone)]
pub struct ProjectIdea(pub IdeaRow);

#[Object]
impl ProjectIdea {
    pub async fn id(&self) -> ID {
        ids::encode("ProjectIdea", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Moves on with every change; send it back as `expectedVersion` to save safely.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn status(&self) -> IdeaStatus {
        self.0.status()
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.title).resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.summary).resolve(ctx.locale(locale))
    }
    async fn description(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.description).resolve(ctx.locale(locale))
    }
    /// Why this idea suits its territory.
    async fn rationale(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.rationale).resolve(ctx.locale(locale))
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        sector(ctx, self.0.sector_id).await
    }
    async fn value_chain(&self) -> &str {
        &self.0.value_chain
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.region_id).await
    }
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        province(ctx, self.0.province_id).await
    }
    async fn target_groups(&self) -> Vec<TargetGroup> {
        self.0.target_groups()
    }
    async fn legal_forms(&self) -> Vec<LegalForm> {
        self.0.legal_forms()
    }
    async fn funding_instruments(&self) -> Vec<FundingInstrument> {
        self.0.funding_instruments()
    }
    async fn min_members(&self) -> i32 {
        self.0.min_members
    }
    async fn investment_min(&self) -> Money {
        Money::mad(self.0.investment_min_minor)
    }
    async fn investment_max(&self) -> Money {
        Money::mad(self.0.investment_max_minor)
    }
    async fn expected_jobs(&self) -> i32 {
        self.0.expected_jobs
    }
    /// Expected yearly turnover.
    async fn expected_turnover(&self) -> Money {
        Money::mad(self.0.expected_turnover_minor)
    }
    async fn feasibility(&self, ctx: &Context<'_>, locale: Option<Locale>) -> FeasibilitySummary {
        FeasibilitySummary(self.0.feasibility(), ctx.locale(locale))
    }
    /// Academy courses the team completes before its cooperative is created.
    async fn required_courses(&self, ctx: &Context<'_>) -> Result<Vec<Course>> {
        let ids = ctx.loader::<ProjectsLoader>().load_one(IdeaCoursesKey(self.0.id)).await.map_err(loader_error)?;
        let found = ctx
            .loader::<AcademyLoader>()
            .load_many(ids.unwrap_or_default().into_iter().map(CourseKey))
            .await
            .map_err(loader_error)?;
        let mut courses: Vec<Course> = found.into_values().map(Course).collect();
        courses.sort_by_key(|c| c.0.id);
        Ok(courses)
    }
    async fn required_paths(&self, ctx: &Context<'_>) -> Result<Vec<LearningPath>> {
        let ids = ctx.loader::<ProjectsLoader>().load_one(IdeaPathsKey(self.0.id)).await.map_err(loader_error)?;
        let ids = ids.unwrap_or_default();
        let found = ctx.db().run(move |conn| crate::academy::service::paths_by_ids(conn, &ids)).await?;
        let mut paths: Vec<LearningPath> = found.into_values().map(LearningPath).collect();
        paths.sort_by_key(|p| p.0.id);
        Ok(paths)
    }
    /// Labels and authorisations needed.
    async fn requirements(&self) -> Vec<String> {
        self.0.requirements()
    }
    async fn source(&self) -> IdeaSource {
        self.0.source()
    }
    async fn source_detail(&self) -> Option<&str> {
        self.0.source_detail.as_deref()
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(SimpleObject)]
pub struct EligibilityRulesView {
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub region_codes: Vec<String>,
    pub genders: Vec<Gender>,
    pub target_groups: Vec<TargetGroup>,
    pub legal_forms: Vec<LegalForm>,
    pub applicant_kinds: Vec<ApplicantKind>,
    pub team_size_min: Option<i32>,
    pub team_size_max: Option<i32>,
    pub enterprise_age_max_years: Option<i32>,
}

#[derive(SimpleObject)]
pub struct QuotasView {
    pub min_women_led_percent: Option<i32>,
    pub min_youth_led_percent: Option<i32>,
}

pub struct CriterionView(Criterion);

#[Object]
impl CriterionView {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn label(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.label.resolve(ctx.locale(locale))
    }
    async fn weight(&self) -> i32 {
        self.0.weight
    }
}

/// How the call's selection stands: applications selected (or further on), the money they
/// commit, and the shares led by women and by young people against the quotas.
#[derive(SimpleObject)]
pub struct CallProgressView {
    pub selected: i64,
    pub committed: Money,
    pub women_led_percent: Option<i32>,
    pub youth_led_percent: Option<i32>,
    /// Whether every quota is met by the selection so far.
    pub quotas_met: bool,
}

#[derive(Clone)]
pub struct Call(pub CallRow);

#[Object]
impl Call {
    pub async fn id(&self) -> ID {
        ids::encode("Call", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<FundingProgramme>> {
        Ok(ctx
            .loader::<ProjectsLoader>()
            .load_one(ProgrammeKey(self.0.programme_id))
            .await
            .map_err(loader_error)?
            .map(FundingProgramme))
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.title).resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        json_localized(&self.0.summary).resolve(ctx.locale(locale))
    }
    async fn status(&self) -> CallStatus {
        self.0.status()
    }
    async fn opens_at(&self) -> DateTime {
        DateTime(self.0.opens_at)
    }
    async fn closes_at(&self) -> DateTime {
        DateTime(self.0.closes_at)
    }
    /// Open and within its dates now.
    async fn accepting_applications(&self) -> bool {
        self.0.accepts_at(crate::kernel::db::now())
    }
    /// The eligibility rules, as data: who may apply.
    async fn rules(&self) -> EligibilityRulesView {
        let r = self.0.rules();
        EligibilityRulesView {
            age_min: r.age_min,
            age_max: r.age_max,
            region_codes: r.region_codes,
            genders: r.genders.iter().filter_map(|g| Gender::parse(g)).collect(),
            target_groups: r.target_groups,
            legal_forms: r.legal_forms.iter().filter_map(|f| LegalForm::parse(f)).collect(),
            applicant_kinds: r.applicant_kinds,
            team_size_min: r.team_size_min,
            team_size_max: r.team_size_max,
            enterprise_age_max_years: r.enterprise_age_max_years,
        }
    }
    async fn quotas(&self) -> QuotasView {
        let q = self.0.quotas();
        QuotasView { min_women_led_percent: q.min_women_led_percent, min_youth_led_percent: q.min_youth_led_percent }
    }
    /// The review rubric (weights sum to 100).
    async fn criteria(&self) -> Vec<CriterionView> {
        self.0.review().criteria.into_iter().map(CriterionView).collect()
    }
    async fn exclude_own_cooperative(&self) -> bool {
        self.0.review().exclude_own_cooperative
    }
    async fn exclude_own_region(&self) -> bool {
        self.0.review().exclude_own_region
    }
    async fn budget(&self) -> Money {
        Money::mad(self.0.budget_minor)
    }
    async fn max_award(&self) -> Money {
        Money::mad(self.0.max_award_minor)
    }
    async fn progress(&self, ctx: &Context<'_>) -> Result<CallProgressView> {
        let call = self.0.clone();
        let youth = youth(ctx);
        let p = ctx.db().run(move |conn| service::call_progress(conn, &call, youth)).await?;
        let q = self.0.quotas();
        let met = |min: Option<i32>, got: Option<i32>| min.is_none_or(|m| got.unwrap_or(0) >= m);
        Ok(CallProgressView {
            selected: p.selected,
            committed: Money::mad(p.committed_minor),
            women_led_percent: p.women_led_percent,
            youth_led_percent: p.youth_led_percent,
            quotas_met: met(q.min_women_led_percent, p.women_led_percent)
                && met(q.min_youth_led_percent, p.youth_led_percent),
        })
    }
}

/// A rule the application does not meet, and why, in the caller's language.
pub struct EligibilityReason(RuleFailure);

#[Object]
impl EligibilityReason {
    async fn rule(&self) -> EligibilityRule {
        self.0.rule
    }
    /// The team member concerned (1 is the lead), for rules about a person.
    async fn member(&self) -> Option<i32> {
        self.0.member
    }
    async fn message(&self, ctx: &Context<'_>) -> String {
        ctx.translate(&eligibility::reason(&self.0))
    }
}

/// The call's rules applied to the application: at submission, or (for a draft) as it is now.
pub struct Eligibility {
    failures: Vec<RuleFailure>,
    evaluated_at_submission: bool,
}

#[Object]
impl Eligibility {
    async fn eligible(&self) -> bool {
        self.failures.is_empty()
    }
    /// False for a draft: the answer is what a submission would get now.
    async fn evaluated_at_submission(&self) -> bool {
        self.evaluated_at_submission
    }
    async fn reasons(&self) -> Vec<EligibilityReason> {
        self.failures.iter().cloned().map(EligibilityReason).collect()
    }
}

/// Who made a stage change, as the applicant may know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StageActor {
    Applicant,
    Office,
    /// The server itself (the eligibility check, the training step).
    System,
}

pub struct StageChange {
    row: EventRow,
    applicant: Option<i64>,
    filed_by: i64,
    staff_view: bool,
}

#[Object]
impl StageChange {
    async fn from(&self) -> Option<Stage> {
        self.row.from_stage.as_deref().and_then(Stage::parse)
    }
    async fn to(&self) -> Option<Stage> {
        Stage::parse(&self.row.to_stage)
    }
    async fn at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }
    async fn reason(&self) -> Option<&str> {
        self.row.reason.as_deref()
    }
    async fn by(&self) -> StageActor {
        match self.row.actor_account_id {
            None => StageActor::System,
            Some(a) if Some(a) == self.applicant || (a == self.filed_by && self.applicant.is_none()) => {
                if self.applicant == Some(a) { StageActor::Applicant } else { StageActor::Office }
            }
            Some(_) => StageActor::Office,
        }
    }
    /// The account that made the change (office staff only).
    async fn actor_id(&self) -> Option<ID> {
        if self.staff_view { self.row.actor_account_id.map(|a| ids::encode("Account", a)) } else { None }
    }
}

/// A team member with the application's applicant (who reads the team without a trace).
pub struct TeamMember(MemberRow, Option<i64>);

impl TeamMember {
    /// Law 09-08: a personal field is answered after its read is logged (unless the
    /// applicant's own), through the register's `PersonalDataLog`.
    async fn personal<T>(&self, ctx: &Context<'_>, field: &'static str, value: T) -> Result<T> {
        let subject = PersonalDataSubject::ProjectApplication(self.0.application_id);
        record_read(ctx, subject, self.1, self.0.id, field).await?;
        Ok(value)
    }
}

#[Object]
impl TeamMember {
    /// 1 is the lead.
    async fn position(&self) -> i32 {
        self.0.position + 1
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn national_id(&self, ctx: &Context<'_>) -> Result<&str> {
        self.personal(ctx, "nationalId", self.0.national_id.as_str()).await
    }
    async fn gender(&self) -> Gender {
        self.0.gender()
    }
    async fn birth_date(&self, ctx: &Context<'_>) -> Result<Date> {
        self.personal(ctx, "birthDate", Date(self.0.birth_date)).await
    }
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "email", self.0.email.as_deref()).await
    }
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.personal(ctx, "phone", self.0.phone.as_deref()).await
    }
    /// Whether the member has an account (the academy enrols it once the application is selected).
    async fn has_account(&self) -> bool {
        self.0.account_id.is_some()
    }
    async fn neet(&self) -> bool {
        self.0.neet
    }
    async fn graduate(&self) -> bool {
        self.0.graduate
    }
    async fn rural(&self) -> bool {
        self.0.rural
    }
}

#[derive(SimpleObject)]
pub struct CriterionScore {
    pub criterion: String,
    pub points: i32,
}

pub struct ProjectReview(ReviewRow);

#[Object]
impl ProjectReview {
    async fn scores(&self) -> Vec<CriterionScore> {
        let map: std::collections::BTreeMap<String, i32> = serde_json::from_str(&self.0.scores).unwrap_or_default();
        map.into_iter().map(|(criterion, points)| CriterionScore { criterion, points }).collect()
    }
    /// The weighted total, 0 to 100.
    async fn total(&self) -> f64 {
        self.0.total_bp as f64 / 100.0
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn reviewer_id(&self) -> ID {
        ids::encode("Account", self.0.reviewer_account_id)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(Clone)]
pub struct ProjectApplication(pub ApplicationRow);

#[Object]
impl ProjectApplication {
    pub async fn id(&self) -> ID {
        ids::encode("ProjectApplication", self.0.id)
    }
    /// The reference to quote to the office, e.g. `PB-7K3M-Q2XD`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn call(&self, ctx: &Context<'_>) -> Result<Option<Call>> {
        Ok(ctx.loader::<ProjectsLoader>().load_one(CallKey(self.0.call_id)).await.map_err(loader_error)?.map(Call))
    }
    async fn idea(&self, ctx: &Context<'_>) -> Result<Option<ProjectIdea>> {
        let Some(id) = self.0.idea_id else { return Ok(None) };
        Ok(ctx.loader::<ProjectsLoader>().load_one(IdeaKey(id)).await.map_err(loader_error)?.map(ProjectIdea))
    }
    async fn kind(&self) -> ApplicantKind {
        self.0.kind()
    }
    async fn channel(&self) -> Channel {
        self.0.channel()
    }
    /// Filed by an agent for someone (who may have no account).
    async fn assisted(&self) -> bool {
        self.0.assisted
    }
    async fn stage(&self) -> Stage {
        self.0.stage()
    }
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        let Some(id) = self.0.cooperative_id else { return Ok(None) };
        Ok(ctx.loader::<RegistryLoader>().load_one(CooperativeKey(id)).await.map_err(loader_error)?.map(Cooperative))
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        region(ctx, self.0.region_id).await
    }
    async fn province(&self, ctx: &Context<'_>) -> Result<Option<Province>> {
        province(ctx, self.0.province_id).await
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        sector(ctx, self.0.sector_id).await
    }
    async fn legal_form(&self) -> LegalForm {
        self.0.legal_form()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn requested_amount(&self) -> Money {
        Money::mad(self.0.requested_minor)
    }
    async fn team_size(&self) -> i32 {
        self.0.team_size
    }
    /// The team with its personal data: for the applicant, who filed it and the office staff
    /// handling it; null for reviewers.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Vec<TeamMember>>> {
        if !service::can_see_team(ctx.viewer(), &self.0) {
            return Ok(None);
        }
        let members = ctx.loader::<ProjectsLoader>().load_one(MembersKey(self.0.id)).await.map_err(loader_error)?;
        let applicant = self.0.applicant_account_id;
        Ok(Some(members.unwrap_or_default().into_iter().map(|m| TeamMember(m, applicant)).collect()))
    }
    async fn contact_email(&self, ctx: &Context<'_>) -> Option<String> {
        service::can_see_team(ctx.viewer(), &self.0).then(|| self.0.contact_email.clone()).flatten()
    }
    async fn contact_phone(&self, ctx: &Context<'_>) -> Option<String> {
        service::can_see_team(ctx.viewer(), &self.0).then(|| self.0.contact_phone.clone()).flatten()
    }
    /// Why the application is (or would be) eligible or not, rule by rule.
    async fn eligibility(&self, ctx: &Context<'_>) -> Result<Eligibility> {
        if let Some(failures) = self.0.failures().filter(|_| !self.0.stage().editable()) {
            return Ok(Eligibility { failures, evaluated_at_submission: true });
        }
        let app = self.0.clone();
        let youth = youth(ctx);
        let failures = ctx.db().run(move |conn| service::evaluate(conn, &app, youth)).await?;
        Ok(Eligibility { failures, evaluated_at_submission: false })
    }
    /// The average of the reviewers' weighted totals, 0 to 100.
    async fn score(&self) -> Option<f64> {
        self.0.score_bp.map(|s| s as f64 / 100.0)
    }
    /// Every review for the office; a reviewer's own; none for the applicant.
    async fn reviews(&self, ctx: &Context<'_>) -> Result<Vec<ProjectReview>> {
        let viewer = ctx.viewer().cloned();
        let app = self.0.clone();
        let rows = ctx.db().run(move |conn| service::reviews(conn, viewer.as_ref(), &app)).await?;
        Ok(rows.into_iter().map(ProjectReview).collect())
    }
    /// Every stage change, oldest first: who, when and why (append-only).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<StageChange>> {
        let events = ctx.loader::<ProjectsLoader>().load_one(EventsKey(self.0.id)).await.map_err(loader_error)?;
        let staff_view = ctx.viewer().is_some_and(|v| v.is_office_staff());
        Ok(events
            .unwrap_or_default()
            .into_iter()
            .map(|row| StageChange {
                row,
                applicant: self.0.applicant_account_id,
                filed_by: self.0.filed_by,
                staff_view,
            })
            .collect())
    }
    /// The registration application prefilled for the team once its training was completed.
    async fn registration_application(&self, ctx: &Context<'_>) -> Result<Option<RegistrationApplication>> {
        let Some(id) = self.0.registration_application_id else { return Ok(None) };
        let viewer = ctx.viewer().cloned();
        let view = ctx
            .db()
            .run(move |conn| {
                if viewer.is_none() {
                    return Ok(None);
                }
                crate::registry::service::visible_application(conn, viewer.as_ref(), id)
            })
            .await?;
        Ok(view.map(RegistrationApplication))
    }
    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.submitted_at.map(DateTime)
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// The filter a saved search keeps.
#[derive(SimpleObject)]
pub struct SavedIdeaFilter {
    pub region_codes: Vec<String>,
    pub province_codes: Vec<String>,
    pub sector_codes: Vec<String>,
    pub target_groups: Vec<TargetGroup>,
    pub funding_instruments: Vec<FundingInstrument>,
    pub max_investment: Option<i64>,
    pub min_jobs: Option<i32>,
}

pub struct SavedSearch(pub SavedSearchRow);

#[Object]
impl SavedSearch {
    pub async fn id(&self) -> ID {
        ids::encode("SavedSearch", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn query(&self) -> &str {
        &self.0.query
    }
    async fn filter(&self) -> SavedIdeaFilter {
        let f: IdeaFilter = serde_json::from_str(&self.0.filter).unwrap_or_default();
        SavedIdeaFilter {
            region_codes: f.region_codes,
            province_codes: f.province_codes,
            sector_codes: f.sector_codes,
            target_groups: f.target_groups,
            funding_instruments: f.funding_instruments,
            max_investment: f.max_investment,
            min_jobs: f.min_jobs,
        }
    }
    /// Whether the owner opted in to the daily email of new matching ideas and calls.
    async fn alerts(&self) -> bool {
        self.0.alerts
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

// ---- search ----

/// What idea search results can be counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum ProjectIdeaFacet {
    Region,
    Province,
    Sector,
    TargetGroup,
    FundingInstrument,
    /// `UNDER_50K`, `50K_200K`, `200K_500K`, `500K_1M`, `1M_PLUS` (bottom of the range, MAD).
    InvestmentBand,
    /// `UNDER_5`, `5_9`, `10_19`, `20_PLUS` expected direct jobs.
    JobsBand,
}

impl ProjectIdeaFacet {
    fn field(self) -> &'static str {
        match self {
            ProjectIdeaFacet::Region => "region",
            ProjectIdeaFacet::Province => "province",
            ProjectIdeaFacet::Sector => "sector",
            ProjectIdeaFacet::TargetGroup => "target_groups",
            ProjectIdeaFacet::FundingInstrument => "funding",
            ProjectIdeaFacet::InvestmentBand => "investment_band",
            ProjectIdeaFacet::JobsBand => "jobs_band",
        }
    }
}

/// The order of idea search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum ProjectIdeaSortKey {
    /// Best match first (newest first without a query).
    #[default]
    Relevance,
    /// Most expected jobs first.
    Jobs,
    /// Smallest investment first.
    Investment,
    Newest,
}

#[derive(SimpleObject)]
pub struct ProjectIdeaFacetValue {
    /// A region, province or sector code, an enum value or a band.
    pub value: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct ProjectIdeaFacetResult {
    pub name: ProjectIdeaFacet,
    pub values: Vec<ProjectIdeaFacetValue>,
}

#[derive(SimpleObject)]
pub struct ProjectIdeaSearchExtras {
    pub total_count: i64,
    pub facets: Vec<ProjectIdeaFacetResult>,
}

/// An idea found, with its title in the request's language, matched words in `<mark>`.
#[derive(SimpleObject)]
pub struct ProjectIdeaSearchHit {
    pub idea: ProjectIdea,
    pub highlighted_title: String,
}

pub type ProjectIdeaSearchConnection = Connection<OffsetCursor, ProjectIdeaSearchHit, ProjectIdeaSearchExtras>;

// ---- statistics ----

#[derive(SimpleObject)]
pub struct StatisticsCell {
    pub stage: Stage,
    /// A region code, `F`/`M`, or an age band (`UNDER_25`, `25_29`, `30_34`, `35_44`, `45_PLUS`);
    /// empty for a stage's total.
    pub key: String,
    /// Null when withheld (fewer than 5 applications, or to protect a withheld cell).
    pub count: Option<i64>,
}

/// Applications per stage by region, by the lead's gender and by the lead's age band. Cells
/// of fewer than 5 are withheld, and so is whatever would let one work them out.
#[derive(SimpleObject)]
pub struct ProjectBankStatistics {
    pub call: Option<Call>,
    /// Cells below this are withheld.
    pub threshold: i64,
    /// Submitted applications (drafts are not counted); null when withheld.
    pub total: Option<i64>,
    pub by_stage: Vec<StatisticsCell>,
    pub by_region: Vec<StatisticsCell>,
    pub by_gender: Vec<StatisticsCell>,
    pub by_age_band: Vec<StatisticsCell>,
}

fn cells(list: Vec<stats::Cell>) -> Vec<StatisticsCell> {
    list.into_iter().map(|c| StatisticsCell { stage: c.stage, key: c.key, count: c.count }).collect()
}

// ---- queries ----

#[derive(Default)]
pub struct ProjectsQuery;

#[Object]
impl ProjectsQuery {
    /// The 75 provinces and prefectures (2015 division), of one region when `regionCode` is given.
    async fn provinces(&self, ctx: &Context<'_>, region_code: Option<String>) -> Result<Vec<Province>> {
        let rows = ctx.db().run(move |conn| service::provinces(conn, region_code.as_deref())).await?;
        Ok(rows.into_iter().map(Province).collect())
    }

    async fn funding_programmes(&self, ctx: &Context<'_>) -> Result<Vec<FundingProgramme>> {
        Ok(ctx.db().run(service::programmes).await?.into_iter().map(FundingProgramme).collect())
    }

    /// A project idea by id or code: published ones for everyone, others for office staff.
    async fn project_idea(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> Result<Option<ProjectIdea>> {
        let viewer = ctx.viewer().cloned();
        let found = match (id, code) {
            (Some(id), _) => match ids::decode(&id, "ProjectIdea") {
                Some(raw) => ctx.db().run(move |conn| service::visible_idea(conn, viewer.as_ref(), raw)).await?,
                None => None,
            },
            (None, Some(code)) => {
                ctx.db().run(move |conn| service::visible_idea_by_code(conn, viewer.as_ref(), &code)).await?
            }
            (None, None) => {
                return Err(AppError::user(ErrorCode::Required, &["id"], msg!("give an id or a code")).into());
            }
        };
        Ok(found.map(ProjectIdea))
    }

    /// Project ideas from the database, oldest first: published ones for everyone, any
    /// status for office staff. `projectIdeaSearch` ranks and counts by facet.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn project_ideas(
        &self,
        ctx: &Context<'_>,
        filter: Option<IdeaFilter>,
        status: Option<IdeaStatus>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ProjectIdea>> {
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let viewer = ctx.viewer().cloned();
        let filter = filter.unwrap_or_default();
        let page =
            ctx.db().run(move |conn| service::ideas(conn, viewer.as_ref(), filter, status, args, want_total)).await?;
        Ok(page.into_connection(ProjectIdea))
    }

    /// Full-text search over published project ideas (titles, summaries, places, descriptions)
    /// in every language, with the catalogue's folding, typo tolerance and synonyms; facet
    /// counts by region, province, sector, target group, funding instrument, investment and
    /// jobs bands. An empty query browses.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, None, child_complexity) + facets.as_ref().map_or(0, |f| f.len()) * 100")]
    async fn project_idea_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] query: String,
        filter: Option<IdeaFilter>,
        facets: Option<Vec<ProjectIdeaFacet>>,
        sort_key: Option<ProjectIdeaSortKey>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectIdeaSearchConnection> {
        let facets = facets.unwrap_or_default();
        if query.chars().count() > 200 {
            return Err(AppError::user(ErrorCode::TooLong, &["query"], msg!("at most 200 characters")).into());
        }
        if facets.iter().collect::<std::collections::HashSet<_>>().len() != facets.len() {
            return Err(AppError::user(ErrorCode::Duplicate, &["facets"], msg!("each facet at most once")).into());
        }
        let filter = filter.unwrap_or_default();
        let sort_key = sort_key.unwrap_or_default();
        let args = ctx.page_args(after, None, first, None)?;
        let window = args.offset_window()?;
        ctx.data_unchecked::<std::sync::Arc<service::ReferenceCodes>>().check(ctx.db(), &filter, "filter").await?;
        let sort = match sort_key {
            ProjectIdeaSortKey::Relevance if !query.trim().is_empty() => Sort::Relevance,
            ProjectIdeaSortKey::Relevance | ProjectIdeaSortKey::Newest => {
                Sort::Field { field: "published_at".into(), descending: true }
            }
            ProjectIdeaSortKey::Jobs => Sort::Field { field: "jobs".into(), descending: true },
            ProjectIdeaSortKey::Investment => Sort::Field { field: "investment_min".into(), descending: false },
        };
        let query_words: Vec<String> = words(&query).into_iter().map(|(_, _, w)| w).collect();
        let locale = ctx.locale(None);
        let search = SearchQuery {
            text: query,
            filters: filters(&filter),
            facets: facets.iter().map(|f| f.field().to_string()).collect(),
            sort,
            offset: window.offset,
            limit: window.limit + 1,
            range_of: None,
        };
        let engine = ctx.data_unchecked::<IdeaSearch>();
        let results = engine.0.search(search).await.map_err(AppError::internal)?;
        let has_next = results.ids.len() > window.limit;
        let page: Vec<i64> = results.ids.iter().take(window.limit).copied().collect();
        let found: HashMap<IdeaKey, IdeaRow> =
            ctx.loader::<ProjectsLoader>().load_many(page.iter().map(|id| IdeaKey(*id))).await.map_err(loader_error)?;
        // The index may lag an archiving by a moment: only published ideas are answered.
        let hits: Vec<ProjectIdeaSearchHit> = page
            .iter()
            .filter_map(|id| found.get(&IdeaKey(*id)).cloned())
            .filter(|i| i.status() == IdeaStatus::Published)
            .map(|i| ProjectIdeaSearchHit {
                highlighted_title: highlight(&json_localized(&i.title).resolve(locale).text, &query_words, None).0,
                idea: ProjectIdea(i),
            })
            .collect();
        let facet_results = facets
            .into_iter()
            .map(|f| ProjectIdeaFacetResult {
                name: f,
                values: results
                    .facets
                    .get(f.field())
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(value, count)| ProjectIdeaFacetValue { value, count: count as i64 })
                    .collect(),
            })
            .collect();
        let mut connection = Connection::with_additional_fields(
            window.offset > 0,
            has_next,
            ProjectIdeaSearchExtras { total_count: results.total as i64, facets: facet_results },
        );
        connection
            .edges
            .extend(hits.into_iter().enumerate().map(|(i, h)| Edge::new(OffsetCursor(window.offset + i), h)));
        Ok(connection)
    }

    /// Calls for applications, newest first (archived ones for office staff only).
    async fn calls(&self, ctx: &Context<'_>, status: Option<CallStatus>) -> Result<Vec<Call>> {
        let viewer = ctx.viewer().cloned();
        Ok(ctx
            .db()
            .run(move |conn| service::calls(conn, viewer.as_ref(), status))
            .await?
            .into_iter()
            .map(Call)
            .collect())
    }

    async fn call(&self, ctx: &Context<'_>, id: Option<ID>, code: Option<String>) -> Result<Option<Call>> {
        let viewer = ctx.viewer().cloned();
        let found = match (id, code) {
            (Some(id), _) => match ids::decode(&id, "Call") {
                Some(raw) => ctx.db().run(move |conn| service::visible_call(conn, viewer.as_ref(), raw)).await?,
                None => None,
            },
            (None, Some(code)) => {
                ctx.db().run(move |conn| service::visible_call_by_code(conn, viewer.as_ref(), &code)).await?
            }
            (None, None) => {
                return Err(AppError::user(ErrorCode::Required, &["id"], msg!("give an id or a code")).into());
            }
        };
        Ok(found.map(Call))
    }

    /// An application its applicant, its filer, the office staff handling it or (past the
    /// eligibility check) the call's reviewers may see; null otherwise.
    async fn project_application(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ProjectApplication>> {
        let Some(raw) = ids::decode(&id, "ProjectApplication") else { return Ok(None) };
        let viewer = ctx.viewer().cloned();
        Ok(ctx
            .db()
            .run(move |conn| service::visible_application(conn, viewer.as_ref(), raw))
            .await?
            .map(ProjectApplication))
    }

    /// The signed-in person's applications.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn my_project_applications(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ProjectApplication>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let page = ctx.db().run(move |conn| service::my_applications(conn, &viewer, args, want_total)).await?;
        Ok(page.into_connection(ProjectApplication))
    }

    /// A call's applications, for office staff (agents see their region's).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn project_applications(
        &self,
        ctx: &Context<'_>,
        call_code: String,
        stage: Option<Stage>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ProjectApplication>> {
        let viewer = ctx.viewer().cloned();
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let page = ctx
            .db()
            .run(move |conn| service::applications(conn, viewer.as_ref(), &call_code, stage, args, want_total))
            .await?;
        Ok(page.into_connection(ProjectApplication))
    }

    async fn my_saved_searches(&self, ctx: &Context<'_>) -> Result<Vec<SavedSearch>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        Ok(ctx
            .db()
            .run(move |conn| service::saved_searches(conn, &viewer))
            .await?
            .into_iter()
            .map(SavedSearch)
            .collect())
    }

    /// Anonymised statistics of one call (by code), or of every call. Public; computed at
    /// most every 30 seconds per call.
    async fn project_bank_statistics(
        &self,
        ctx: &Context<'_>,
        call_code: Option<String>,
    ) -> Result<ProjectBankStatistics> {
        let viewer = ctx.viewer().cloned();
        let call = match call_code {
            Some(code) => Some(
                ctx.db()
                    .run(move |conn| service::visible_call_by_code(conn, viewer.as_ref(), &code))
                    .await?
                    .ok_or_else(|| AppError::user(ErrorCode::CallNotFound, &["callCode"], msg!("no such call")))?,
            ),
            None => None,
        };
        let call_id = call.as_ref().map(|c| c.id);
        let cache = ctx.data_unchecked::<std::sync::Arc<stats::FiguresCache>>();
        let figures = match cache.get(call_id) {
            Some(f) => f,
            None => {
                let f = ctx.db().run(move |conn| stats::figures(conn, call_id)).await?;
                cache.put(call_id, f.clone());
                f
            }
        };
        Ok(ProjectBankStatistics {
            call: call.map(Call),
            threshold: stats::THRESHOLD,
            total: figures.total,
            by_stage: cells(figures.by_stage),
            by_region: cells(figures.by_region),
            by_gender: cells(figures.by_gender),
            by_age_band: cells(figures.by_age_band),
        })
    }
}

// ---- mutations ----

crate::mutation_payload!(FundingProgrammeSavePayload, programme: FundingProgramme);
crate::mutation_payload!(ProjectIdeaSavePayload, idea: ProjectIdea);
crate::mutation_payload!(CallSavePayload, call: Call);
crate::mutation_payload!(ProjectApplicationPayload, application: ProjectApplication);
crate::mutation_payload!(SavedSearchPayload, saved_search: SavedSearch);
crate::mutation_payload!(SavedSearchDeletePayload, deleted_id: ID);

async fn current_idea(ctx: &Context<'_>, id: &ID) -> Result<Option<ProjectIdea>> {
    let Some(raw) = ids::decode(id, "ProjectIdea") else { return Ok(None) };
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_idea(conn, viewer.as_ref(), raw)).await?.map(ProjectIdea))
}

async fn current_application(ctx: &Context<'_>, id: &ID) -> Result<Option<ProjectApplication>> {
    let Some(raw) = ids::decode(id, "ProjectApplication") else { return Ok(None) };
    let viewer = ctx.viewer().cloned();
    Ok(ctx
        .db()
        .run(move |conn| service::visible_application(conn, viewer.as_ref(), raw))
        .await?
        .map(ProjectApplication))
}

#[derive(Default)]
pub struct ProjectsMutation;

#[Object]
impl ProjectsMutation {
    /// Creates or changes a funding programme (administrators).
    async fn funding_programme_save(
        &self,
        ctx: &Context<'_>,
        input: FundingProgrammeSaveInput,
    ) -> Result<FundingProgrammeSavePayload> {
        let (programme, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::save_programme(conn, viewer, input)).await?;
        Ok(FundingProgrammeSavePayload { programme: programme.map(FundingProgramme), user_errors })
    }

    /// Creates or changes a project idea (office agents and administrators).
    async fn project_idea_save(
        &self,
        ctx: &Context<'_>,
        input: ProjectIdeaSaveInput,
    ) -> Result<ProjectIdeaSavePayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::save_idea(conn, viewer, input)).await?;
        let (idea, user_errors) = or_unchanged((outcome.0.map(ProjectIdea), outcome.1), || async {
            match &id {
                Some(id) => current_idea(ctx, id).await,
                None => Ok(None),
            }
        })
        .await?;
        Ok(ProjectIdeaSavePayload { idea, user_errors })
    }

    /// Sends an idea to review, back to draft, publishes it (someone other than who sent it
    /// to review, unless an administrator) or archives it.
    async fn project_idea_transition(
        &self,
        ctx: &Context<'_>,
        input: ProjectIdeaTransitionInput,
    ) -> Result<ProjectIdeaSavePayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::transition_idea(conn, viewer, input)).await?;
        let (idea, user_errors) =
            or_unchanged((outcome.0.map(ProjectIdea), outcome.1), || current_idea(ctx, &id)).await?;
        Ok(ProjectIdeaSavePayload { idea, user_errors })
    }

    /// Creates or changes a call (administrators; only before it opens).
    async fn call_save(&self, ctx: &Context<'_>, input: CallSaveInput) -> Result<CallSavePayload> {
        let (call, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::save_call(conn, viewer, input)).await?;
        Ok(CallSavePayload { call: call.map(Call), user_errors })
    }

    /// Opens, closes or archives a call (administrators).
    async fn call_transition(&self, ctx: &Context<'_>, input: CallTransitionInput) -> Result<CallSavePayload> {
        let (call, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::transition_call(conn, viewer, input)).await?;
        Ok(CallSavePayload { call: call.map(Call), user_errors })
    }

    /// Creates or changes an application draft (or one returned as incomplete).
    async fn project_application_save(
        &self,
        ctx: &Context<'_>,
        input: ProjectApplicationSaveInput,
    ) -> Result<ProjectApplicationPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::save_application(conn, viewer, input)).await?;
        let (application, user_errors) = or_unchanged((outcome.0.map(ProjectApplication), outcome.1), || async {
            match &id {
                Some(id) => current_application(ctx, id).await,
                None => Ok(None),
            }
        })
        .await?;
        Ok(ProjectApplicationPayload { application, user_errors })
    }

    /// Submits an application: the call's rules are applied at once, and it becomes
    /// `ELIGIBLE` or `INELIGIBLE` with one reason per rule not met.
    async fn project_application_submit(
        &self,
        ctx: &Context<'_>,
        input: ProjectApplicationSubmitInput,
    ) -> Result<ProjectApplicationPayload> {
        let id = input.id.clone();
        let youth = youth(ctx);
        let outcome =
            run_mutation(ctx, move |conn, viewer| service::submit_application(conn, viewer, youth, input)).await?;
        let (application, user_errors) =
            or_unchanged((outcome.0.map(ProjectApplication), outcome.1), || current_application(ctx, &id)).await?;
        Ok(ProjectApplicationPayload { application, user_errors })
    }

    /// Moves an application to its next stage (office staff), or withdraws it (its
    /// applicant, before a decision). Selecting enrols the team in the idea's required
    /// courses; once they complete them a registration application is prefilled.
    async fn project_application_transition(
        &self,
        ctx: &Context<'_>,
        input: ProjectApplicationTransitionInput,
    ) -> Result<ProjectApplicationPayload> {
        let id = input.id.clone();
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let outcome =
            run_mutation(ctx, move |conn, viewer| service::transition_application(conn, viewer, &rules, input)).await?;
        let (application, user_errors) =
            or_unchanged((outcome.0.map(ProjectApplication), outcome.1), || current_application(ctx, &id)).await?;
        Ok(ProjectApplicationPayload { application, user_errors })
    }

    /// A reviewer scores an application against the call's criteria (0–100 each).
    async fn project_application_score(
        &self,
        ctx: &Context<'_>,
        input: ProjectApplicationScoreInput,
    ) -> Result<ProjectApplicationPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::score_application(conn, viewer, input)).await?;
        let (application, user_errors) =
            or_unchanged((outcome.0.map(ProjectApplication), outcome.1), || current_application(ctx, &id)).await?;
        Ok(ProjectApplicationPayload { application, user_errors })
    }

    /// Saves an idea search. Email alerts are sent only with `alerts: true`, an explicit
    /// opt-in: at most one email a day listing newly published ideas and newly opened calls
    /// that match, each with a one-click unsubscribe link.
    async fn saved_search_create(
        &self,
        ctx: &Context<'_>,
        input: SavedSearchCreateInput,
    ) -> Result<SavedSearchPayload> {
        let (saved, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_saved_search(conn, viewer, input)).await?;
        Ok(SavedSearchPayload { saved_search: saved.map(SavedSearch), user_errors })
    }

    /// Opts a saved search in to (or out of) the daily email alerts.
    async fn saved_search_update(
        &self,
        ctx: &Context<'_>,
        input: SavedSearchUpdateInput,
    ) -> Result<SavedSearchPayload> {
        let (saved, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::update_saved_search(conn, viewer, input)).await?;
        Ok(SavedSearchPayload { saved_search: saved.map(SavedSearch), user_errors })
    }

    async fn saved_search_delete(
        &self,
        ctx: &Context<'_>,
        input: SavedSearchDeleteInput,
    ) -> Result<SavedSearchDeletePayload> {
        let (deleted_id, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::delete_saved_search(conn, viewer, input)).await?;
        Ok(SavedSearchDeletePayload { deleted_id, user_errors })
    }
}

// ---- nodes ----

pub async fn idea_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ProjectIdea>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_idea(conn, viewer.as_ref(), id)).await?.map(ProjectIdea))
}

pub async fn call_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Call>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_call(conn, viewer.as_ref(), id)).await?.map(Call))
}

pub async fn application_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ProjectApplication>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_application(conn, viewer.as_ref(), id)).await?.map(ProjectApplication))
}

pub async fn province_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Province>> {
    province(ctx, Some(id)).await
}

pub async fn programme_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<FundingProgramme>> {
    Ok(ctx.loader::<ProjectsLoader>().load_one(ProgrammeKey(id)).await.map_err(loader_error)?.map(FundingProgramme))
}

/// A saved search, for its owner only.
pub async fn saved_search_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<SavedSearch>> {
    let Some(viewer) = ctx.viewer().cloned() else { return Ok(None) };
    let mine = ctx.db().run(move |conn| service::saved_searches(conn, &viewer)).await?;
    Ok(mine.into_iter().find(|s| s.id == id).map(SavedSearch))
}
