//! The project bank's rows, enums and the JSON documents stored in them (eligibility rules,
//! quotas, the review rubric, feasibility, the last eligibility evaluation).

use async_graphql::Enum;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kernel::db::schema::*;
use crate::kernel::i18n::Localized;
use crate::registry::model::{Gender, LegalForm};

/// A province (إقليم) or a prefecture (عمالة, urban).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProvinceKind {
    Prefecture,
    Province,
}
crate::text_enum!(ProvinceKind { Prefecture = "PREFECTURE", Province = "PROVINCE" });

/// Where a project idea is: drafted, in review, public, or withdrawn from the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum IdeaStatus {
    Draft,
    InReview,
    Published,
    Archived,
}
crate::text_enum!(IdeaStatus { Draft = "DRAFT", InReview = "IN_REVIEW", Published = "PUBLISHED", Archived = "ARCHIVED" });

/// Who a project idea, or a call, is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetGroup {
    /// Young people not in education, employment or training.
    NeetYouth,
    Women,
    /// Young people (the age band is the configuration's, 18–35 by default).
    Youth,
    Graduates,
    Rural,
}
crate::text_enum!(TargetGroup {
    NeetYouth = "NEET_YOUTH",
    Women = "WOMEN",
    Youth = "YOUTH",
    Graduates = "GRADUATES",
    Rural = "RURAL"
});

/// The ways a project can be financed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FundingInstrument {
    /// The INDH's youth economic inclusion programme (grants).
    IndhYouth,
    /// Forsa: interest-free honour loan up to 100,000 MAD, of which up to 10,000 MAD grant.
    Forsa,
    /// Intelaka: loans up to 1.2 million MAD at 2% (urban) or 1.75% (rural); cooperatives eligible.
    Intelaka,
    RegionalGrant,
    Microcredit,
    PartnerGrant,
}
crate::text_enum!(FundingInstrument {
    IndhYouth = "INDH_YOUTH",
    Forsa = "FORSA",
    Intelaka = "INTELAKA",
    RegionalGrant = "REGIONAL_GRANT",
    Microcredit = "MICROCREDIT",
    PartnerGrant = "PARTNER_GRANT"
});

/// Where an idea comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum IdeaSource {
    TerritorialStudy,
    Ideathon,
    Partner,
}
crate::text_enum!(IdeaSource { TerritorialStudy = "TERRITORIAL_STUDY", Ideathon = "IDEATHON", Partner = "PARTNER" });

/// Where a call for applications is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CallStatus {
    /// Announced, not yet open.
    Forecast,
    Open,
    Closed,
    Archived,
}
crate::text_enum!(CallStatus { Forecast = "FORECAST", Open = "OPEN", Closed = "CLOSED", Archived = "ARCHIVED" });

/// Who applies: one person, a group of future founders, or an existing cooperative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicantKind {
    Person,
    Group,
    Cooperative,
}
crate::text_enum!(ApplicantKind { Person = "PERSON", Group = "GROUP", Cooperative = "COOPERATIVE" });

/// How an application reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Channel {
    Web,
    /// At an office desk.
    Desk,
    Phone,
    /// Filed by an agent in the field, possibly for someone without an account (assisted mode).
    Agent,
}
crate::text_enum!(Channel { Web = "WEB", Desk = "DESK", Phone = "PHONE", Agent = "AGENT" });

/// Where an application is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Enum)]
pub enum Stage {
    Draft,
    Submitted,
    /// Sent back to the applicant to complete; submitting again re-evaluates it.
    ReturnedIncomplete,
    Eligible,
    Ineligible,
    Scored,
    Shortlisted,
    Interviewed,
    Selected,
    Reserve,
    Rejected,
    /// The team follows the idea's required academy courses.
    Training,
    FinancingReview,
    Funded,
    Declined,
    Monitoring,
    Closed,
    Withdrawn,
}
crate::text_enum!(Stage {
    Draft = "DRAFT",
    Submitted = "SUBMITTED",
    ReturnedIncomplete = "RETURNED_INCOMPLETE",
    Eligible = "ELIGIBLE",
    Ineligible = "INELIGIBLE",
    Scored = "SCORED",
    Shortlisted = "SHORTLISTED",
    Interviewed = "INTERVIEWED",
    Selected = "SELECTED",
    Reserve = "RESERVE",
    Rejected = "REJECTED",
    Training = "TRAINING",
    FinancingReview = "FINANCING_REVIEW",
    Funded = "FUNDED",
    Declined = "DECLINED",
    Monitoring = "MONITORING",
    Closed = "CLOSED",
    Withdrawn = "WITHDRAWN"
});

impl Stage {
    pub const ALL: [Stage; 18] = [
        Stage::Draft,
        Stage::Submitted,
        Stage::ReturnedIncomplete,
        Stage::Eligible,
        Stage::Ineligible,
        Stage::Scored,
        Stage::Shortlisted,
        Stage::Interviewed,
        Stage::Selected,
        Stage::Reserve,
        Stage::Rejected,
        Stage::Training,
        Stage::FinancingReview,
        Stage::Funded,
        Stage::Declined,
        Stage::Monitoring,
        Stage::Closed,
        Stage::Withdrawn,
    ];

    /// The stages the office may move an application to from this one (submission,
    /// eligibility and the training step are the system's; withdrawal is the applicant's).
    pub fn office_moves(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Submitted | Eligible => &[ReturnedIncomplete],
            Scored => &[Shortlisted, Rejected],
            Shortlisted => &[Interviewed, Rejected],
            Interviewed => &[Selected, Reserve, Rejected],
            Reserve => &[Selected, Rejected],
            Training => &[FinancingReview],
            FinancingReview => &[Funded, Declined],
            Funded => &[Monitoring],
            Monitoring => &[Closed],
            _ => &[],
        }
    }

    /// Whether the applicant may still withdraw (before a decision).
    pub fn can_withdraw(self) -> bool {
        use Stage::*;
        matches!(self, Draft | Submitted | ReturnedIncomplete | Eligible | Scored | Shortlisted | Interviewed | Reserve)
    }

    /// Whether the applicant may still edit the application.
    pub fn editable(self) -> bool {
        matches!(self, Stage::Draft | Stage::ReturnedIncomplete)
    }
}

/// The rules a call's applicants must meet, as data the office edits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EligibilityRules {
    /// Every natural person on the team must be within these ages (inclusive).
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// Region codes where the project must be; empty: anywhere.
    pub region_codes: Vec<String>,
    /// Genders every team member must have; empty: any (a call for women lists F only).
    pub genders: Vec<String>,
    /// The applicant must belong to at least one; empty: anyone.
    pub target_groups: Vec<TargetGroup>,
    /// Legal forms the project may take; empty: any.
    pub legal_forms: Vec<String>,
    /// Kinds of applicants accepted; empty: any.
    pub applicant_kinds: Vec<ApplicantKind>,
    pub team_size_min: Option<i32>,
    pub team_size_max: Option<i32>,
    /// For existing cooperatives: at most this many full years since registration.
    pub enterprise_age_max_years: Option<i32>,
}

/// Targets over the call's selected applications, reported on the call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Quotas {
    /// Minimum share (percent) of selected applications led by women.
    pub min_women_led_percent: Option<i32>,
    /// Minimum share (percent) of selected applications led by young people.
    pub min_youth_led_percent: Option<i32>,
}

/// One line of the review rubric: points 0–100 weighted by `weight` (weights sum to 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub key: String,
    pub label: Localized,
    pub weight: i32,
}

/// How applications are reviewed: the rubric and who may not review whom.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReviewRules {
    pub criteria: Vec<Criterion>,
    /// A reviewer may not score an application of their own cooperative.
    pub exclude_own_cooperative: bool,
    /// A reviewer may not score an application from their own region.
    pub exclude_own_region: bool,
}

/// The rules of eligibility, by name (what a failure is about).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EligibilityRule {
    Age,
    Region,
    Gender,
    TargetGroup,
    LegalForm,
    ApplicantKind,
    TeamSize,
    EnterpriseAge,
}

/// One rule an application failed, with the values that explain it (no personal data beyond
/// the member's position and age).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleFailure {
    pub rule: EligibilityRule,
    /// The team member concerned (1-based), for rules about a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// A feasibility summary: four localised texts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Feasibility {
    pub market: Localized,
    pub inputs: Localized,
    pub land: Localized,
    pub competition: Localized,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = provinces)]
pub struct ProvinceRow {
    pub id: i64,
    pub code: String,
    pub region_id: i64,
    pub kind: String,
    pub name_fr: String,
    pub name_ar: String,
}

impl ProvinceRow {
    pub fn name(&self) -> Localized {
        Localized::new(Some(self.name_ar.clone()), Some(self.name_fr.clone()), Some(self.name_fr.clone()), None)
    }
    pub fn kind(&self) -> ProvinceKind {
        ProvinceKind::parse(&self.kind).unwrap_or(ProvinceKind::Province)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = funding_programmes)]
pub struct ProgrammeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub summary: String,
    pub instrument: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = funding_programmes)]
pub struct ProgrammeFields {
    pub code: String,
    pub name: String,
    pub summary: String,
    pub instrument: String,
    pub updated_at: NaiveDateTime,
}

pub fn json_localized(text: &str) -> Localized {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn comma_list<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    text.split(',').filter(|s| !s.is_empty()).filter_map(parse).collect()
}

impl ProgrammeRow {
    pub fn instrument(&self) -> FundingInstrument {
        FundingInstrument::parse(&self.instrument).unwrap_or(FundingInstrument::PartnerGrant)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_ideas)]
pub struct IdeaRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub sector_id: i64,
    pub value_chain: String,
    pub region_id: i64,
    pub province_id: Option<i64>,
    pub rationale: String,
    pub target_groups: String,
    pub legal_forms: String,
    pub funding_instruments: String,
    pub min_members: i32,
    pub investment_min_minor: i64,
    pub investment_max_minor: i64,
    pub expected_jobs: i32,
    pub expected_turnover_minor: i64,
    pub feasibility: String,
    pub requirements: String,
    pub source: String,
    pub source_detail: Option<String>,
    pub status: String,
    pub version: i32,
    pub submitted_by: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl IdeaRow {
    pub fn status(&self) -> IdeaStatus {
        IdeaStatus::parse(&self.status).unwrap_or(IdeaStatus::Draft)
    }
    pub fn target_groups(&self) -> Vec<TargetGroup> {
        comma_list(&self.target_groups, TargetGroup::parse)
    }
    pub fn legal_forms(&self) -> Vec<LegalForm> {
        comma_list(&self.legal_forms, LegalForm::parse)
    }
    pub fn funding_instruments(&self) -> Vec<FundingInstrument> {
        comma_list(&self.funding_instruments, FundingInstrument::parse)
    }
    pub fn feasibility(&self) -> Feasibility {
        serde_json::from_str(&self.feasibility).unwrap_or_default()
    }
    pub fn requirements(&self) -> Vec<String> {
        serde_json::from_str(&self.requirements).unwrap_or_default()
    }
    pub fn source(&self) -> IdeaSource {
        IdeaSource::parse(&self.source).unwrap_or(IdeaSource::Partner)
    }
}

/// The editable fields of an idea (the row minus identity, status and bookkeeping).
#[derive(Insertable, AsChangeset, Clone)]
#[diesel(table_name = project_ideas)]
pub struct IdeaFields {
    pub code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub sector_id: i64,
    pub value_chain: String,
    pub region_id: i64,
    #[diesel(treat_none_as_null = true)]
    pub province_id: Option<i64>,
    pub rationale: String,
    pub target_groups: String,
    pub legal_forms: String,
    pub funding_instruments: String,
    pub min_members: i32,
    pub investment_min_minor: i64,
    pub investment_max_minor: i64,
    pub expected_jobs: i32,
    pub expected_turnover_minor: i64,
    pub feasibility: String,
    pub requirements: String,
    pub source: String,
    #[diesel(treat_none_as_null = true)]
    pub source_detail: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_calls)]
pub struct CallRow {
    pub id: i64,
    pub code: String,
    pub programme_id: i64,
    pub title: String,
    pub summary: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub status: String,
    pub rules: String,
    pub quotas: String,
    pub criteria: String,
    pub budget_minor: i64,
    pub max_award_minor: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CallRow {
    pub fn status(&self) -> CallStatus {
        CallStatus::parse(&self.status).unwrap_or(CallStatus::Forecast)
    }
    pub fn rules(&self) -> EligibilityRules {
        serde_json::from_str(&self.rules).unwrap_or_default()
    }
    pub fn quotas(&self) -> Quotas {
        serde_json::from_str(&self.quotas).unwrap_or_default()
    }
    pub fn review(&self) -> ReviewRules {
        serde_json::from_str(&self.criteria).unwrap_or_default()
    }
    /// Open for applications at `at`: its status says so and `at` is within its dates.
    pub fn accepts_at(&self, at: NaiveDateTime) -> bool {
        self.status() == CallStatus::Open && self.opens_at <= at && at < self.closes_at
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = project_calls)]
pub struct CallFields {
    pub code: String,
    pub programme_id: i64,
    pub title: String,
    pub summary: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub rules: String,
    pub quotas: String,
    pub criteria: String,
    pub budget_minor: i64,
    pub max_award_minor: i64,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_applications)]
pub struct ApplicationRow {
    pub id: i64,
    pub reference: String,
    pub call_id: i64,
    pub idea_id: Option<i64>,
    pub applicant_key: String,
    pub applicant_account_id: Option<i64>,
    pub filed_by: i64,
    pub channel: String,
    pub assisted: bool,
    pub kind: String,
    pub cooperative_id: Option<i64>,
    pub region_id: i64,
    pub province_id: Option<i64>,
    pub sector_id: i64,
    pub legal_form: String,
    pub title: String,
    pub summary: String,
    pub requested_minor: i64,
    pub locale: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub team_size: i32,
    pub women_count: i32,
    pub lead_gender: String,
    pub lead_birth_year: i32,
    pub stage: String,
    pub eligibility: Option<String>,
    pub score_bp: Option<i32>,
    pub registration_application_id: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ApplicationRow {
    pub fn stage(&self) -> Stage {
        Stage::parse(&self.stage).unwrap_or(Stage::Draft)
    }
    pub fn kind(&self) -> ApplicantKind {
        ApplicantKind::parse(&self.kind).unwrap_or(ApplicantKind::Person)
    }
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Web)
    }
    pub fn legal_form(&self) -> LegalForm {
        LegalForm::parse(&self.legal_form).unwrap_or(LegalForm::Cooperative)
    }
    pub fn failures(&self) -> Option<Vec<RuleFailure>> {
        self.eligibility.as_deref().map(|e| serde_json::from_str(e).unwrap_or_default())
    }
}

/// What an applicant fills in (and the figures kept beside it).
#[derive(Insertable, AsChangeset, Clone)]
#[diesel(table_name = project_applications)]
pub struct ApplicationFields {
    #[diesel(treat_none_as_null = true)]
    pub idea_id: Option<i64>,
    pub applicant_key: String,
    pub kind: String,
    #[diesel(treat_none_as_null = true)]
    pub cooperative_id: Option<i64>,
    pub region_id: i64,
    #[diesel(treat_none_as_null = true)]
    pub province_id: Option<i64>,
    pub sector_id: i64,
    pub legal_form: String,
    pub title: String,
    pub summary: String,
    pub requested_minor: i64,
    pub locale: String,
    #[diesel(treat_none_as_null = true)]
    pub contact_email: Option<String>,
    #[diesel(treat_none_as_null = true)]
    pub contact_phone: Option<String>,
    pub team_size: i32,
    pub women_count: i32,
    pub lead_gender: String,
    pub lead_birth_year: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = project_applications)]
pub struct NewApplication {
    pub reference: String,
    pub call_id: i64,
    pub applicant_account_id: Option<i64>,
    pub filed_by: i64,
    pub channel: String,
    pub assisted: bool,
    pub stage: String,
    pub created_at: NaiveDateTime,
    #[diesel(embed)]
    pub fields: ApplicationFields,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_application_members)]
pub struct MemberRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub application_id: i64,
    pub position: i32,
    pub full_name: String,
    pub national_id: String,
    pub gender: String,
    pub birth_date: NaiveDate,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub account_id: Option<i64>,
    pub neet: bool,
    pub graduate: bool,
    pub rural: bool,
}

impl MemberRow {
    pub fn gender(&self) -> Gender {
        Gender::parse(&self.gender).unwrap_or(Gender::Female)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_application_events)]
pub struct EventRow {
    pub id: i64,
    pub application_id: i64,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub actor_account_id: Option<i64>,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = project_application_events)]
pub struct NewEvent {
    pub application_id: i64,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub actor_account_id: Option<i64>,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_application_reviews)]
pub struct ReviewRow {
    pub id: i64,
    pub application_id: i64,
    pub reviewer_account_id: i64,
    pub scores: String,
    pub total_bp: i32,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = project_application_reviews)]
pub struct NewReview {
    pub application_id: i64,
    pub reviewer_account_id: i64,
    pub scores: String,
    pub total_bp: i32,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = project_saved_searches)]
pub struct SavedSearchRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub query: String,
    pub filter: String,
    pub alerts: bool,
    pub locale: String,
    pub unsubscribe_hash: String,
    pub last_alerted_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = project_saved_searches)]
pub struct NewSavedSearch {
    pub account_id: i64,
    pub name: String,
    pub query: String,
    pub filter: String,
    pub alerts: bool,
    pub locale: String,
    pub unsubscribe_hash: String,
    pub last_alerted_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// What an idea search is narrowed by (saved with a saved search as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, async_graphql::InputObject)]
#[serde(rename_all = "camelCase", default)]
#[graphql(name = "ProjectIdeaFilter")]
pub struct IdeaFilter {
    #[graphql(default)]
    pub region_codes: Vec<String>,
    #[graphql(default)]
    pub province_codes: Vec<String>,
    #[graphql(default)]
    pub sector_codes: Vec<String>,
    #[graphql(default)]
    pub target_groups: Vec<TargetGroup>,
    #[graphql(default)]
    pub funding_instruments: Vec<FundingInstrument>,
    /// Ideas whose investment range reaches below this (MAD, whole dirhams).
    pub max_investment: Option<i64>,
    /// Ideas expected to create at least this many direct jobs.
    pub min_jobs: Option<i32>,
}
