//! What the scoring and control mutations take.

use async_graphql::{ID, InputObject};

use super::model::*;
use crate::kernel::graphql::Date;
use crate::kernel::i18n::LocalizedTextInput;

#[derive(InputObject, Clone)]
pub struct BandInput {
    pub bound: f64,
    pub points: f64,
}

#[derive(InputObject, Clone)]
pub struct TransformInput {
    pub kind: TransformKind,
    pub direction: Direction,
    /// Linear: the value worth 0 points (higher is better) or 100 (lower is better).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Bands, by increasing bound.
    #[graphql(default)]
    pub bands: Vec<BandInput>,
}

#[derive(InputObject, Clone)]
pub struct IndicatorInput {
    pub code: String,
    pub family: Family,
    pub measure: Measure,
    pub transform: TransformInput,
    pub weight: i32,
    /// In Arabic, French and English at least.
    pub label: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub advice: Vec<LocalizedTextInput>,
}

#[derive(InputObject, Clone)]
pub struct IndicatorWeightInput {
    pub code: String,
    pub weight: i32,
}

#[derive(InputObject, Clone)]
pub struct GradeBandInput {
    pub grade: String,
    pub min: f64,
}

#[derive(InputObject, Clone)]
pub struct RiskParametersInput {
    pub low_score_weight: i32,
    pub missing_filings_weight: i32,
    pub open_findings_weight: i32,
    pub inactivity_weight: i32,
    pub findings_cap: f64,
    pub inactive_months_cap: f64,
    pub members_cap: f64,
    pub jobs_cap: f64,
    pub turnover_cap_mad: f64,
}

/// A new draft model (without `id`) or a change to a draft. The definition starts from
/// `basedOnVersion` (a new draft) or the draft itself; `indicators`, `gradeBands` and `risk`
/// replace their part, then `weights` changes single indicators' weights by code.
#[derive(InputObject)]
pub struct ScoringModelSaveInput {
    pub id: Option<ID>,
    pub based_on_version: Option<i32>,
    pub indicators: Option<Vec<IndicatorInput>>,
    #[graphql(default)]
    pub weights: Vec<IndicatorWeightInput>,
    pub grade_bands: Option<Vec<GradeBandInput>>,
    pub risk: Option<RiskParametersInput>,
    /// What changes and why (kept with the model's history).
    pub note: String,
}

#[derive(InputObject)]
pub struct ScoringModelPublishInput {
    /// A draft model.
    pub id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ScoringModelRollbackInput {
    /// A retired version, published before, to publish again.
    pub version: i32,
    pub reason: String,
}

#[derive(InputObject)]
pub struct ControlPlanInput {
    pub cooperative_id: ID,
    pub kind: ControlKind,
    /// Required for an ad-hoc control: what triggered it (a complaint, an alert, a report…).
    pub trigger_event: Option<String>,
    pub reason: String,
    pub planned_for: Date,
    /// An agent or administrator to carry it out.
    pub assignee_email: Option<String>,
}

#[derive(InputObject)]
pub struct ControlAssignInput {
    pub id: ID,
    pub assignee_email: String,
    pub reason: String,
}

#[derive(InputObject, Clone)]
pub struct FindingInput {
    pub category: FindingCategory,
    pub severity: Severity,
    pub description: String,
    pub corrective_action: String,
    /// When the corrective action is due; after it passes with the finding still open, a
    /// follow-up control is scheduled.
    pub deadline: Date,
}

#[derive(InputObject)]
pub struct ControlCompleteInput {
    pub id: ID,
    pub held_on: Date,
    pub note: Option<String>,
    /// None: the control found nothing to correct.
    #[graphql(default)]
    pub findings: Vec<FindingInput>,
}

#[derive(InputObject)]
pub struct ControlCancelInput {
    pub id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct FindingResolveInput {
    pub id: ID,
    /// How the corrective action was carried out.
    pub note: String,
}
