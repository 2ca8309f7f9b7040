//! What the project bank's mutations take.

use async_graphql::{ID, InputObject};

use super::model::*;
use crate::kernel::graphql::{Date, DateTime};
use crate::kernel::i18n::LocalizedTextInput;
use crate::kernel::money::Decimal;
use crate::registry::model::{Gender, LegalForm};

#[derive(InputObject)]
pub struct FundingProgrammeSaveInput {
    /// Created when no programme has this code, changed otherwise.
    pub code: String,
    pub name: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    pub instrument: FundingInstrument,
}

#[derive(InputObject, Default)]
pub struct FeasibilityInput {
    #[graphql(default)]
    pub market: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub inputs: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub land: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub competition: Vec<LocalizedTextInput>,
}

/// A project idea's whole content. Without `id` a new draft is made; with it the idea is
/// changed, and `expectedVersion` (when given) refuses the change if someone saved it since.
#[derive(InputObject)]
pub struct ProjectIdeaSaveInput {
    pub id: Option<ID>,
    pub expected_version: Option<i32>,
    pub code: String,
    pub title: Vec<LocalizedTextInput>,
    pub summary: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    pub sector_code: String,
    /// The value chain, e.g. "argan oil: harvest, cracking, pressing, bottling".
    #[graphql(default)]
    pub value_chain: String,
    pub region_code: String,
    pub province_code: Option<String>,
    /// Why this idea suits this territory.
    #[graphql(default)]
    pub rationale: Vec<LocalizedTextInput>,
    pub target_groups: Vec<TargetGroup>,
    pub legal_forms: Vec<LegalForm>,
    #[graphql(default)]
    pub funding_instruments: Vec<FundingInstrument>,
    pub min_members: i32,
    /// Investment range, in MAD.
    pub investment_min: Decimal,
    pub investment_max: Decimal,
    pub expected_jobs: i32,
    /// Expected yearly turnover, in MAD.
    pub expected_turnover: Decimal,
    #[graphql(default)]
    pub feasibility: FeasibilityInput,
    /// Academy courses the team must complete (by code).
    #[graphql(default)]
    pub required_course_codes: Vec<String>,
    /// Academy learning paths the team must complete (by code).
    #[graphql(default)]
    pub required_path_codes: Vec<String>,
    /// Labels and authorisations needed (e.g. "ONSSA sanitary authorisation").
    #[graphql(default)]
    pub requirements: Vec<String>,
    pub source: IdeaSource,
    pub source_detail: Option<String>,
}

#[derive(InputObject)]
pub struct ProjectIdeaTransitionInput {
    pub id: ID,
    /// `IN_REVIEW` (sent to review), `DRAFT` (sent back), `PUBLISHED` (by someone other than who
    /// sent it to review, unless an administrator) or `ARCHIVED`.
    pub to: IdeaStatus,
}

#[derive(InputObject, Default)]
pub struct EligibilityRulesInput {
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    #[graphql(default)]
    pub region_codes: Vec<String>,
    #[graphql(default)]
    pub genders: Vec<Gender>,
    #[graphql(default)]
    pub target_groups: Vec<TargetGroup>,
    #[graphql(default)]
    pub legal_forms: Vec<LegalForm>,
    #[graphql(default)]
    pub applicant_kinds: Vec<ApplicantKind>,
    pub team_size_min: Option<i32>,
    pub team_size_max: Option<i32>,
    pub enterprise_age_max_years: Option<i32>,
}

#[derive(InputObject, Default)]
pub struct QuotasInput {
    pub min_women_led_percent: Option<i32>,
    pub min_youth_led_percent: Option<i32>,
}

#[derive(InputObject)]
pub struct CriterionInput {
    pub key: String,
    pub label: Vec<LocalizedTextInput>,
    /// Weights of all criteria sum to 100.
    pub weight: i32,
}

/// A call's whole content; only a call not yet open (`FORECAST`) can be changed.
#[derive(InputObject)]
pub struct CallSaveInput {
    pub id: Option<ID>,
    pub code: String,
    pub programme_code: String,
    pub title: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    pub opens_at: DateTime,
    pub closes_at: DateTime,
    #[graphql(default)]
    pub rules: EligibilityRulesInput,
    #[graphql(default)]
    pub quotas: QuotasInput,
    pub criteria: Vec<CriterionInput>,
    #[graphql(default)]
    pub exclude_own_cooperative: bool,
    #[graphql(default)]
    pub exclude_own_region: bool,
    /// In MAD.
    pub budget: Decimal,
    pub max_award: Decimal,
    /// Accounts that review this call's applications (replaces the list when given).
    pub reviewer_emails: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct CallTransitionInput {
    pub id: ID,
    /// `OPEN`, `CLOSED` or `ARCHIVED`, in that order.
    pub to: CallStatus,
}

#[derive(InputObject, Clone)]
pub struct TeamMemberInput {
    pub full_name: String,
    pub national_id: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// When an account has this email, the academy enrols it once the application is selected.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Not in education, employment or training.
    #[graphql(default)]
    pub neet: bool,
    #[graphql(default)]
    pub graduate: bool,
    /// Lives in a rural commune.
    #[graphql(default)]
    pub rural: bool,
}

/// An application's content. Without `id` a draft is made for `callCode`; with it the draft
/// (or the application returned as incomplete) is changed.
#[derive(InputObject)]
pub struct ProjectApplicationSaveInput {
    pub id: Option<ID>,
    pub call_code: Option<String>,
    pub idea_code: Option<String>,
    pub kind: ApplicantKind,
    /// `WEB` for applicants; agents record `DESK`, `PHONE` or `AGENT`.
    #[graphql(default_with = "Channel::Web")]
    pub channel: Channel,
    /// Agents filing for someone: the applicant's account, when they have one (assisted mode otherwise).
    pub applicant_email: Option<String>,
    /// For `COOPERATIVE` applicants: the cooperative (its managers apply for it).
    pub cooperative_id: Option<ID>,
    pub region_code: String,
    pub province_code: Option<String>,
    /// Defaults to the idea's sector.
    pub sector_code: Option<String>,
    #[graphql(default_with = "LegalForm::Cooperative")]
    pub legal_form: LegalForm,
    pub title: String,
    pub summary: String,
    /// In MAD.
    pub requested_amount: Decimal,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// The team, lead first: one person for `PERSON`, at least five future founders for `GROUP`.
    pub members: Vec<TeamMemberInput>,
}

#[derive(InputObject)]
pub struct ProjectApplicationSubmitInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct ProjectApplicationTransitionInput {
    pub id: ID,
    pub to: Stage,
    /// Why; required to return, reject or decline.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct CriterionScoreInput {
    pub criterion: String,
    /// 0 to 100.
    pub points: i32,
}

#[derive(InputObject)]
pub struct ProjectApplicationScoreInput {
    pub id: ID,
    pub scores: Vec<CriterionScoreInput>,
    pub comment: Option<String>,
}

/// A search to keep. `alerts: true` is an explicit opt-in: a daily email lists the ideas newly
/// published and the calls newly opened that match it, each email with a one-click
/// unsubscribe link. Nothing is sent without it.
#[derive(InputObject)]
pub struct SavedSearchCreateInput {
    pub name: String,
    #[graphql(default)]
    pub query: String,
    pub filter: Option<IdeaFilter>,
    #[graphql(default)]
    pub alerts: bool,
}

#[derive(InputObject)]
pub struct SavedSearchUpdateInput {
    pub id: ID,
    /// Opt in to (true) or out of (false) the daily email alerts.
    pub alerts: bool,
}

#[derive(InputObject)]
pub struct SavedSearchDeleteInput {
    pub id: ID,
}
