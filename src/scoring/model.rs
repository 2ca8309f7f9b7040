//! A scoring model is data: indicators (each a measure from the catalogue the code implements,
//! a transformation into points, a weight, labels and advice), grade bands and the risk
//! parameters of control targeting. This module holds that definition, its checks, and the
//! pure arithmetic that turns measured values into a score, a grade, an explanation and a risk.

use async_graphql::Enum;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kernel::db::schema::{
    control_events, control_findings, controls, cooperative_scores, scoring_model_events, scoring_models, scoring_runs,
};
use crate::kernel::error::Checks;
use crate::kernel::i18n::{Locale, Localized};
use crate::msg;

/// The families regulators and rating tools group indicators in (WOCCU PEARLS, CAMELS,
/// producer-organisation ratings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Family {
    LegalCompliance,
    Governance,
    FinancialHealth,
    Activity,
    SocialImpact,
    Capacity,
    RiskSignals,
}

/// The catalogue of measures the code knows how to compute for every cooperative at once.
/// A model picks among them; it cannot invent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Measure {
    /// Share (0–1) of the last three fiscal years' filings, of those due, made on time.
    FilingsOnTimeShare,
    /// Years since the last general assembly (since registration when none was ever held
    /// although one was due).
    YearsSinceAssembly,
    /// Members on the day of the run.
    MembersCount,
    /// Relative change of the members at year end between the last two filings (0.1 = +10 %).
    MembersChange,
    /// Share (0–1) of women among members whose gender is recorded.
    WomenShare,
    /// Share (0–1) of young members (under the youth age limit) among those with a birth date.
    YouthShare,
    /// Employees at the end of the last filed year.
    Jobs,
    /// Result over turnover in the last filed year.
    ResultMargin,
    /// Equity over equity plus debts in the last filed year.
    EquityRatio,
    /// Marketplace sales over the last 12 months, net of refunds, in MAD.
    MarketplaceSales,
    /// Share (0–1) of the last 12 months' fulfilments shipped within the promised days.
    FulfilmentOnTimeShare,
    /// Valid academy certificates of the cooperative's people per member.
    CertificatesPerMember,
    /// Open control findings, weighted by severity (low 1, medium 2, high 3, critical 5).
    OpenFindings,
    /// Months since the last sign of activity (filing, assembly, new member, sale, certificate).
    MonthsWithoutActivity,
}

/// What a measure's raw value is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum MeasureUnit {
    Share,
    Ratio,
    Years,
    Months,
    Count,
    Mad,
}

impl Measure {
    pub const ALL: [Measure; 14] = [
        Measure::FilingsOnTimeShare,
        Measure::YearsSinceAssembly,
        Measure::MembersCount,
        Measure::MembersChange,
        Measure::WomenShare,
        Measure::YouthShare,
        Measure::Jobs,
        Measure::ResultMargin,
        Measure::EquityRatio,
        Measure::MarketplaceSales,
        Measure::FulfilmentOnTimeShare,
        Measure::CertificatesPerMember,
        Measure::OpenFindings,
        Measure::MonthsWithoutActivity,
    ];

    pub fn unit(self) -> MeasureUnit {
        match self {
            Measure::FilingsOnTimeShare
            | Measure::WomenShare
            | Measure::YouthShare
            | Measure::FulfilmentOnTimeShare => MeasureUnit::Share,
            Measure::MembersChange | Measure::ResultMargin | Measure::EquityRatio | Measure::CertificatesPerMember => {
                MeasureUnit::Ratio
            }
            Measure::YearsSinceAssembly => MeasureUnit::Years,
            Measure::MonthsWithoutActivity => MeasureUnit::Months,
            Measure::MembersCount | Measure::Jobs | Measure::OpenFindings => MeasureUnit::Count,
            Measure::MarketplaceSales => MeasureUnit::Mad,
        }
    }

    /// Whether the measure reads the members' gender. Such a measure may only sit in the social
    /// impact family: nowhere else may two cooperatives differing only by their members' gender
    /// score differently (the fairness guard).
    pub fn reads_gender(self) -> bool {
        self == Measure::WomenShare
    }
}

/// Which way a raw value earns points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// How a raw value becomes points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransformKind {
    /// 0 points at one bound, 100 at the other, in a straight line between (clamped).
    Linear,
    /// Steps: see [`Band`].
    Bands,
}

/// One step of a banded transformation. Higher is better: a value earns the points of the
/// highest bound it reaches (0 below the first). Lower is better: the points of the lowest
/// bound it stays within (0 above the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub bound: f64,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    pub kind: TransformKind,
    pub direction: Direction,
    #[serde(default)]
    pub lower: f64,
    #[serde(default)]
    pub upper: f64,
    #[serde(default)]
    pub bands: Vec<Band>,
}

impl Transform {
    pub fn linear(direction: Direction, lower: f64, upper: f64) -> Transform {
        Transform { kind: TransformKind::Linear, direction, lower, upper, bands: Vec::new() }
    }

    pub fn bands(direction: Direction, bands: &[(f64, f64)]) -> Transform {
        Transform {
            kind: TransformKind::Bands,
            direction,
            lower: 0.0,
            upper: 0.0,
            bands: bands.iter().map(|(bound, points)| Band { bound: *bound, points: *points }).collect(),
        }
    }

    /// Points (0–100) for a raw value.
    pub fn points(&self, value: f64) -> f64 {
        let points = match self.kind {
            TransformKind::Linear => {
                let t = ((value - self.lower) / (self.upper - self.lower)).clamp(0.0, 1.0);
                match self.direction {
                    Direction::HigherIsBetter => 100.0 * t,
                    Direction::LowerIsBetter => 100.0 * (1.0 - t),
                }
            }
            TransformKind::Bands => match self.direction {
                Direction::HigherIsBetter => {
                    self.bands.iter().rev().find(|b| value >= b.bound).map_or(0.0, |b| b.points)
                }
                Direction::LowerIsBetter => self.bands.iter().find(|b| value <= b.bound).map_or(0.0, |b| b.points),
            },
        };
        points.clamp(0.0, 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable within a model (`filings_on_time`); explanations and advice refer to it.
    pub code: String,
    pub family: Family,
    pub measure: Measure,
    pub transform: Transform,
    /// Out of the model's 100.
    pub weight: u32,
    pub label: Localized,
    /// What a cooperative can do to raise this indicator.
    pub advice: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeBand {
    pub grade: String,
    /// The lowest total (0–100) that earns this grade.
    pub min: f64,
}

/// Risk = likelihood × severity. The likelihood mixes four signals with these weights (out of
/// 100); the severity is the cooperative's size, each dimension on a log scale up to its cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskParameters {
    pub low_score_weight: u32,
    pub missing_filings_weight: u32,
    pub open_findings_weight: u32,
    pub inactivity_weight: u32,
    /// Severity-weighted open findings at which that signal is full.
    pub findings_cap: f64,
    /// Months without activity at which that signal is full.
    pub inactive_months_cap: f64,
    pub members_cap: f64,
    pub jobs_cap: f64,
    /// Yearly turnover (filed, or marketplace sales when larger), in MAD.
    pub turnover_cap_mad: f64,
}

impl Default for RiskParameters {
    fn default() -> Self {
        RiskParameters {
            low_score_weight: 50,
            missing_filings_weight: 20,
            open_findings_weight: 20,
            inactivity_weight: 10,
            findings_cap: 6.0,
            inactive_months_cap: 24.0,
            members_cap: 300.0,
            jobs_cap: 50.0,
            turnover_cap_mad: 5_000_000.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub indicators: Vec<Indicator>,
    pub grade_bands: Vec<GradeBand>,
    #[serde(default)]
    pub risk: RiskParameters,
}

pub const MAX_INDICATORS: usize = 40;
pub const MAX_TEXT: usize = 600;

impl Definition {
    /// Every rule a model must meet before it is saved; problems are reported at `field`.
    pub fn check(&self, checks: &mut Checks, field: &[&str]) {
        let at = |rest: &[String]| -> Vec<String> {
            field.iter().map(|s| s.to_string()).chain(rest.iter().cloned()).collect::<Vec<_>>()
        };
        if self.indicators.is_empty() || self.indicators.len() > MAX_INDICATORS {
            checks.fail(
                at(&["indicators".into()]),
                msg!("a model has between 1 and {max} indicators", max = MAX_INDICATORS),
            );
        }
        let total: u32 = self.indicators.iter().map(|i| i.weight).sum();
        if total != 100 {
            checks.fail(
                at(&["indicators".into()]),
                msg!("the indicators' weights must sum to 100 (they sum to {total})", total = total),
            );
        }
        let mut codes = std::collections::HashSet::new();
        for (n, indicator) in self.indicators.iter().enumerate() {
            let here = |f: &str| at(&["indicators".into(), n.to_string(), f.into()]);
            let code = &indicator.code;
            if code.is_empty()
                || code.len() > 40
                || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                checks.fail(here("code"), msg!("a code is 1 to 40 lowercase letters, digits or _"));
            } else if !codes.insert(code.clone()) {
                checks.fail(here("code"), msg!("two indicators have the code {code}", code = code.as_str()));
            }
            if indicator.weight == 0 {
                checks.fail(here("weight"), msg!("a weight is at least 1"));
            }
            if indicator.measure.reads_gender() && indicator.family != Family::SocialImpact {
                checks.fail(
                    here("family"),
                    msg!("a measure that reads the members' gender belongs to the social impact family"),
                );
            }
            if indicator.label.get(Locale::Ar).is_none()
                || indicator.label.get(Locale::Fr).is_none()
                || indicator.label.get(Locale::En).is_none()
            {
                checks.fail(here("label"), msg!("a label is given in Arabic, French and English"));
            }
            for text in [&indicator.label, &indicator.advice] {
                if Locale::ALL.iter().any(|l| text.get(*l).is_some_and(|t| t.chars().count() > MAX_TEXT)) {
                    checks.fail(here("advice"), msg!("a text is at most {max} characters", max = MAX_TEXT));
                }
            }
            let t = &indicator.transform;
            match t.kind {
                TransformKind::Linear => {
                    if !(t.lower.is_finite() && t.upper.is_finite()) || t.upper <= t.lower {
                        checks.fail(here("transform"), msg!("a linear transformation needs lower < upper"));
                    }
                }
                TransformKind::Bands => {
                    let ordered = t.bands.windows(2).all(|w| w[0].bound < w[1].bound);
                    let in_range = t.bands.iter().all(|b| b.bound.is_finite() && (0.0..=100.0).contains(&b.points));
                    if t.bands.is_empty() || t.bands.len() > 10 || !ordered || !in_range {
                        checks.fail(
                            here("transform"),
                            msg!("bands are 1 to 10 increasing bounds, each worth 0 to 100 points"),
                        );
                    }
                }
            }
        }
        let bands = &self.grade_bands;
        let decreasing = bands.windows(2).all(|w| w[0].min > w[1].min);
        let grades_ok = bands.iter().all(|b| !b.grade.trim().is_empty() && b.grade.len() <= 4);
        if bands.len() < 2
            || bands.len() > 10
            || !decreasing
            || !grades_ok
            || bands.last().is_some_and(|b| b.min != 0.0)
        {
            checks.fail(
                at(&["gradeBands".into()]),
                msg!("grade bands go from the best grade down, with decreasing minimums, the last at 0"),
            );
        }
        let r = &self.risk;
        let weights = r.low_score_weight + r.missing_filings_weight + r.open_findings_weight + r.inactivity_weight;
        let caps = [r.findings_cap, r.inactive_months_cap, r.members_cap, r.jobs_cap, r.turnover_cap_mad];
        if weights != 100 || caps.iter().any(|c| !c.is_finite() || *c <= 0.0) {
            checks.fail(at(&["risk".into()]), msg!("the likelihood weights sum to 100 and every cap is above 0"));
        }
    }

    pub fn grade(&self, total: f64) -> Option<&str> {
        self.grade_bands.iter().find(|b| total >= b.min).map(|b| b.grade.as_str())
    }
}

/// One indicator's part in a score. `raw` is `None` when the measure had no data: the
/// indicator is then missing and the others' weights are renormalised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub raw: Option<f64>,
    pub points: Option<f64>,
    pub weight: u32,
    /// Points × weight ÷ the weights present: the contributions sum to the total.
    pub contribution: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0–100, rounded to hundredths; `None` when every indicator is missing.
    pub total: Option<f64>,
    pub grade: Option<String>,
    /// Share (0–1) of the model's weight that was missing.
    pub missing_share: f64,
    pub indicators: Vec<IndicatorScore>,
}

fn round(value: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (value * f).round() / f
}

/// Scores measured values (one per indicator, in the model's order).
pub fn score(definition: &Definition, values: &[Option<f64>]) -> Score {
    let total_weight: u32 = definition.indicators.iter().map(|i| i.weight).sum();
    let present: u32 =
        definition.indicators.iter().zip(values).filter(|(_, v)| v.is_some()).map(|(i, _)| i.weight).sum();
    let indicators: Vec<IndicatorScore> = definition
        .indicators
        .iter()
        .zip(values)
        .map(|(indicator, value)| {
            let raw = value.filter(|v| v.is_finite()).map(|v| round(v, 4));
            let points = raw.map(|v| round(indicator.transform.points(v), 2));
            let contribution =
                points.filter(|_| present > 0).map(|p| round(p * f64::from(indicator.weight) / f64::from(present), 2));
            IndicatorScore { raw, points, weight: indicator.weight, contribution }
        })
        .collect();
    let total = (present > 0).then(|| {
        let sum: f64 = indicators.iter().filter_map(|i| i.points.map(|p| p * f64::from(i.weight))).sum::<f64>()
            / f64::from(present);
        round(sum, 2)
    });
    Score {
        grade: total.and_then(|t| definition.grade(t)).map(String::from),
        total,
        missing_share: if total_weight == 0 { 1.0 } else { 1.0 - f64::from(present) / f64::from(total_weight) },
        indicators,
    }
}

/// The changes that would raise a score most: indicators with data, by the points of total
/// they would add at full marks, best first.
pub fn improvements(score: &Score, limit: usize) -> Vec<(usize, f64)> {
    let present: u32 = score.indicators.iter().filter(|i| i.points.is_some()).map(|i| i.weight).sum();
    if present == 0 {
        return Vec::new();
    }
    let mut gains: Vec<(usize, f64)> = score
        .indicators
        .iter()
        .enumerate()
        .filter_map(|(n, i)| {
            let gain = (100.0 - i.points?) * f64::from(i.weight) / f64::from(present);
            (gain >= 0.01).then_some((n, round(gain, 2)))
        })
        .collect();
    gains.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    gains.truncate(limit);
    gains
}

/// Why a cooperative ranks where it does in the control priorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriorityReason {
    /// The score is below 50 (value: the score).
    LowScore,
    /// Filings of the last three years missing (value: how many).
    MissingFilings,
    /// Open control findings (value: weighted by severity).
    OpenFindings,
    /// No activity for at least six months (value: months).
    Inactive,
    /// A quarter or more of the model had no data (value: the share, in %).
    DataMissing,
    /// Many members (value: members).
    ManyMembers,
    /// Many jobs (value: jobs).
    ManyJobs,
    /// A large turnover (value: MAD).
    LargeTurnover,
}

/// What control targeting reads besides the score.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RiskInputs {
    pub missing_filings: u32,
    pub open_findings: f64,
    pub months_inactive: f64,
    pub members: f64,
    pub jobs: f64,
    pub turnover_mad: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// 0–1.
    pub likelihood: f64,
    /// 0.1–1: the smallest cooperative still ranks by its likelihood.
    pub severity: f64,
    pub risk: f64,
    /// Strongest first.
    pub reasons: Vec<(PriorityReason, f64)>,
}

fn log_scale(value: f64, cap: f64) -> f64 {
    ((1.0 + value.max(0.0)).ln() / (1.0 + cap).ln()).clamp(0.0, 1.0)
}

pub fn risk(params: &RiskParameters, score: &Score, inputs: &RiskInputs) -> Risk {
    let low_score = 1.0 - score.total.unwrap_or(0.0) / 100.0;
    let missing = (f64::from(inputs.missing_filings) / 3.0).min(1.0);
    let findings = (inputs.open_findings / params.findings_cap).min(1.0);
    let inactive = (inputs.months_inactive / params.inactive_months_cap).clamp(0.0, 1.0);
    let parts = [
        (
            f64::from(params.low_score_weight) * low_score,
            PriorityReason::LowScore,
            score.total.unwrap_or(0.0),
            low_score >= 0.5,
        ),
        (
            f64::from(params.missing_filings_weight) * missing,
            PriorityReason::MissingFilings,
            f64::from(inputs.missing_filings),
            inputs.missing_filings > 0,
        ),
        (
            f64::from(params.open_findings_weight) * findings,
            PriorityReason::OpenFindings,
            inputs.open_findings,
            inputs.open_findings > 0.0,
        ),
        (
            f64::from(params.inactivity_weight) * inactive,
            PriorityReason::Inactive,
            inputs.months_inactive.floor(),
            inputs.months_inactive >= 6.0,
        ),
    ];
    let likelihood = (parts.iter().map(|p| p.0).sum::<f64>() / 100.0).clamp(0.0, 1.0);
    let sizes = [
        (log_scale(inputs.members, params.members_cap), PriorityReason::ManyMembers, inputs.members),
        (log_scale(inputs.jobs, params.jobs_cap), PriorityReason::ManyJobs, inputs.jobs),
        (log_scale(inputs.turnover_mad, params.turnover_cap_mad), PriorityReason::LargeTurnover, inputs.turnover_mad),
    ];
    let severity = 0.1 + 0.9 * sizes.iter().map(|s| s.0).sum::<f64>() / 3.0;
    let mut reasons: Vec<(f64, PriorityReason, f64)> =
        parts.iter().filter(|p| p.3).map(|p| (p.0, p.1, round(p.2, 2))).collect();
    if score.missing_share >= 0.25 {
        reasons.push((score.missing_share * 10.0, PriorityReason::DataMissing, round(score.missing_share * 100.0, 0)));
    }
    reasons.extend(sizes.iter().filter(|s| s.0 >= 0.7).map(|s| (s.0, s.1, round(s.2, 0))));
    reasons.sort_by(|a, b| b.0.total_cmp(&a.0));
    Risk {
        likelihood: round(likelihood, 4),
        severity: round(severity, 4),
        risk: round(likelihood * severity, 4),
        reasons: reasons.into_iter().map(|(_, r, v)| (r, v)).collect(),
    }
}

// ---- rows ----

/// Where a scoring model version stands: a draft being edited, the one published model, or retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ModelStatus {
    Draft,
    Published,
    Retired,
}
crate::text_enum!(ModelStatus { Draft = "DRAFT", Published = "PUBLISHED", Retired = "RETIRED" });

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scoring_models)]
pub struct ModelRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub version: i32,
    pub status: String,
    pub definition: String,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

impl ModelRow {
    pub fn status(&self) -> ModelStatus {
        ModelStatus::parse(&self.status).unwrap_or(ModelStatus::Retired)
    }
    /// The stored definition; it was checked when saved.
    pub fn definition(&self) -> Definition {
        serde_json::from_str(&self.definition).unwrap_or_else(|_| Definition {
            indicators: Vec::new(),
            grade_bands: Vec::new(),
            risk: RiskParameters::default(),
        })
    }
}

/// A step in a scoring model's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ModelAction {
    Created,
    Changed,
    Published,
    Retired,
    RolledBack,
}
crate::text_enum!(ModelAction {
    Created = "CREATED",
    Changed = "CHANGED",
    Published = "PUBLISHED",
    Retired = "RETIRED",
    RolledBack = "ROLLED_BACK",
});

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scoring_model_events)]
pub struct ModelEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub model_id: i64,
    pub action: String,
    pub actor_account_id: Option<i64>,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

/// What started a scoring run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum RunOrigin {
    /// `scoringRun` by an administrator.
    Admin,
    /// `taawun scoring run`.
    Command,
    /// The daily schedule.
    Schedule,
}
crate::text_enum!(RunOrigin { Admin = "ADMIN", Command = "COMMAND", Schedule = "SCHEDULE" });

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scoring_runs)]
pub struct RunRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub model_id: i64,
    pub as_of: NaiveDate,
    pub origin: String,
    pub actor_account_id: Option<i64>,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    pub cooperatives: i32,
    pub duration_ms: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cooperative_scores)]
pub struct ScoreRow {
    pub run_id: i64,
    pub cooperative_id: i64,
    pub region_id: i64,
    pub sector_id: i64,
    pub total_cp: Option<i32>,
    pub grade: Option<String>,
    pub missing_bp: i32,
    pub likelihood_bp: i32,
    pub severity_bp: i32,
    pub risk_bp: i32,
    pub reasons: String,
    pub breakdown: String,
}

/// `[raw, points, weight, contribution]`: the compact form a snapshot keeps per indicator.
type StoredIndicator = (Option<f64>, Option<f64>, u32, Option<f64>);

pub fn encode_breakdown(indicators: &[IndicatorScore]) -> String {
    let compact: Vec<StoredIndicator> =
        indicators.iter().map(|i| (i.raw, i.points, i.weight, i.contribution)).collect();
    serde_json::to_string(&compact).unwrap_or_else(|_| "[]".into())
}

impl ScoreRow {
    pub fn total(&self) -> Option<f64> {
        self.total_cp.map(|c| f64::from(c) / 100.0)
    }
    pub fn indicators(&self) -> Vec<IndicatorScore> {
        let compact: Vec<StoredIndicator> = serde_json::from_str(&self.breakdown).unwrap_or_default();
        compact
            .into_iter()
            .map(|(raw, points, weight, contribution)| IndicatorScore { raw, points, weight, contribution })
            .collect()
    }
    pub fn reasons(&self) -> Vec<(PriorityReason, f64)> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }
    /// The score as it was computed, for explanations and advice.
    pub fn score(&self) -> Score {
        Score {
            total: self.total(),
            grade: self.grade.clone(),
            missing_share: f64::from(self.missing_bp) / 10_000.0,
            indicators: self.indicators(),
        }
    }
}

// ---- controls ----

/// Why a control is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ControlKind {
    Routine,
    /// Triggered by an event (a complaint, an alert…), named in `triggerEvent`.
    AdHoc,
    /// Checks an overdue corrective action.
    FollowUp,
}
crate::text_enum!(ControlKind { Routine = "ROUTINE", AdHoc = "AD_HOC", FollowUp = "FOLLOW_UP" });

/// Where a control stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ControlStatus {
    Planned,
    Assigned,
    Completed,
    Cancelled,
}
crate::text_enum!(ControlStatus {
    Planned = "PLANNED",
    Assigned = "ASSIGNED",
    Completed = "COMPLETED",
    Cancelled = "CANCELLED",
});

/// What a completed control found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ControlOutcome {
    NoFindings,
    Findings,
}
crate::text_enum!(ControlOutcome { NoFindings = "NO_FINDINGS", Findings = "FINDINGS" });

/// A step in a control's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ControlAction {
    Planned,
    Assigned,
    Completed,
    Cancelled,
    FollowUpScheduled,
}
crate::text_enum!(ControlAction {
    Planned = "PLANNED",
    Assigned = "ASSIGNED",
    Completed = "COMPLETED",
    Cancelled = "CANCELLED",
    FollowUpScheduled = "FOLLOW_UP_SCHEDULED",
});

/// What a control finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FindingCategory {
    Governance,
    Filings,
    Accounting,
    Membership,
    HygieneAndLabels,
    Employment,
    Other,
}
crate::text_enum!(FindingCategory {
    Governance = "GOVERNANCE",
    Filings = "FILINGS",
    Accounting = "ACCOUNTING",
    Membership = "MEMBERSHIP",
    HygieneAndLabels = "HYGIENE_AND_LABELS",
    Employment = "EMPLOYMENT",
    Other = "OTHER",
});

/// How serious a control finding is (it weighs 1, 2, 3 or 5 in `OPEN_FINDINGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}
crate::text_enum!(Severity { Low = "LOW", Medium = "MEDIUM", High = "HIGH", Critical = "CRITICAL" });

impl Severity {
    /// What an open finding of this severity weighs in `OPEN_FINDINGS`.
    pub fn weight(self) -> f64 {
        match self {
            Severity::Low => 1.0,
            Severity::Medium => 2.0,
            Severity::High => 3.0,
            Severity::Critical => 5.0,
        }
    }
}

/// Whether a finding's corrective action is still awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FindingStatus {
    Open,
    Resolved,
}
crate::text_enum!(FindingStatus { Open = "OPEN", Resolved = "RESOLVED" });

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = controls)]
pub struct ControlRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: String,
    pub status: String,
    pub trigger_event: Option<String>,
    pub reason: String,
    pub planned_for: NaiveDate,
    pub assigned_to: Option<i64>,
    pub follows_finding_id: Option<i64>,
    pub held_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ControlRow {
    pub fn kind(&self) -> ControlKind {
        ControlKind::parse(&self.kind).unwrap_or(ControlKind::Routine)
    }
    pub fn status(&self) -> ControlStatus {
        ControlStatus::parse(&self.status).unwrap_or(ControlStatus::Planned)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = control_events)]
pub struct ControlEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub control_id: i64,
    pub action: String,
    pub actor_account_id: Option<i64>,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = control_findings)]
pub struct FindingRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub control_id: i64,
    pub cooperative_id: i64,
    pub category: String,
    pub severity: String,
    pub description: String,
    pub corrective_action: String,
    pub deadline: NaiveDate,
    pub status: String,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    pub resolution_note: Option<String>,
    pub follow_up_control_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl FindingRow {
    pub fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Medium)
    }
    pub fn status(&self) -> FindingStatus {
        FindingStatus::parse(&self.status).unwrap_or(FindingStatus::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::defaults::default_definition;

    #[test]
    fn transformations_turn_values_into_points() {
        let up = Transform::linear(Direction::HigherIsBetter, 0.0, 0.5);
        assert_eq!(up.points(0.25), 50.0);
        assert_eq!(up.points(0.9), 100.0);
        assert_eq!(up.points(-1.0), 0.0);
        let down = Transform::linear(Direction::LowerIsBetter, 1.0, 3.0);
        assert_eq!(down.points(1.0), 100.0);
        assert_eq!(down.points(2.5), 25.0);
        let steps = Transform::bands(Direction::HigherIsBetter, &[(7.0, 40.0), (15.0, 70.0), (50.0, 100.0)]);
        assert_eq!(steps.points(5.0), 0.0);
        assert_eq!(steps.points(15.0), 70.0);
        assert_eq!(steps.points(400.0), 100.0);
        let within = Transform::bands(Direction::LowerIsBetter, &[(0.0, 100.0), (2.0, 50.0), (5.0, 10.0)]);
        assert_eq!(within.points(0.0), 100.0);
        assert_eq!(within.points(1.0), 50.0);
        assert_eq!(within.points(6.0), 0.0);
    }

    #[test]
    fn missing_measures_renormalise_the_rest() {
        let mut definition = default_definition();
        definition.indicators.truncate(2);
        definition.indicators[0].weight = 60;
        definition.indicators[1].weight = 40;
        let full = score(&definition, &[Some(1.0), Some(0.5)]);
        let missing = score(&definition, &[Some(1.0), None]);
        assert_eq!(missing.indicators[1].points, None);
        assert_eq!(missing.indicators[1].contribution, None);
        assert!((missing.missing_share - 0.4).abs() < 1e-9);
        assert_eq!(missing.total, missing.indicators[0].points, "the one indicator present carries the whole weight");
        assert_eq!(full.missing_share, 0.0);
        let sum: f64 = full.indicators.iter().filter_map(|i| i.contribution).sum();
        assert!((sum - full.total.unwrap()).abs() < 0.02);
        let none = score(&definition, &[None, None]);
        assert_eq!((none.total, none.grade, none.missing_share), (None, None, 1.0));
    }

    #[test]
    fn the_default_model_uses_every_measure_and_passes_its_checks() {
        let definition = default_definition();
        let mut checks = Checks::new();
        definition.check(&mut checks, &["input"]);
        assert!(checks.finish().is_ok());
        for measure in Measure::ALL {
            assert!(definition.indicators.iter().any(|i| i.measure == measure), "{measure:?} unused");
        }
        assert_eq!(definition.indicators.iter().map(|i| i.weight).sum::<u32>(), 100);
        assert_eq!(definition.grade(80.0), Some("A"));
        assert_eq!(definition.grade(0.0), Some("E"));
    }

    #[test]
    fn checks_refuse_a_bad_model() {
        let mut definition = default_definition();
        definition.indicators[0].weight += 1;
        definition.indicators[1].code = definition.indicators[2].code.clone();
        let women = definition.indicators.iter().position(|i| i.measure == Measure::WomenShare).unwrap();
        definition.indicators[women].family = Family::Governance;
        definition.indicators[3].transform = Transform::linear(Direction::HigherIsBetter, 1.0, 1.0);
        definition.grade_bands[4].min = 5.0;
        let mut checks = Checks::new();
        definition.check(&mut checks, &["input"]);
        let errors = checks.finish().unwrap_err().user_errors().unwrap();
        let fields: Vec<String> = errors.iter().map(|e| e.field.clone().unwrap_or_default().join(".")).collect();
        assert!(fields.contains(&"input.indicators".to_string()), "{fields:?}");
        assert!(fields.contains(&"input.indicators.2.code".to_string()), "{fields:?}");
        assert!(fields.contains(&format!("input.indicators.{women}.family")), "{fields:?}");
        assert!(fields.contains(&"input.indicators.3.transform".to_string()), "{fields:?}");
        assert!(fields.contains(&"input.gradeBands".to_string()), "{fields:?}");
    }

    #[test]
    fn improvements_rank_by_what_full_marks_would_add() {
        let mut definition = default_definition();
        definition.indicators.truncate(3);
        for (i, w) in [50, 30, 20].into_iter().enumerate() {
            definition.indicators[i].weight = w;
            definition.indicators[i].transform = Transform::linear(Direction::HigherIsBetter, 0.0, 1.0);
        }
        let s = score(&definition, &[Some(0.9), Some(0.0), None]);
        // 50 weight at 90 points: +6.25; 30 weight at 0 points: +37.5 (of the 80 present).
        assert_eq!(improvements(&s, 3), vec![(1, 37.5), (0, 6.25)]);
    }

    #[test]
    fn risk_grows_with_signals_and_size() {
        let definition = default_definition();
        let params = &definition.risk;
        let good = Score { total: Some(90.0), grade: Some("A".into()), missing_share: 0.0, indicators: Vec::new() };
        let bad = Score { total: Some(20.0), grade: Some("E".into()), missing_share: 0.0, indicators: Vec::new() };
        let small = RiskInputs { members: 7.0, ..Default::default() };
        let big = RiskInputs { members: 400.0, jobs: 60.0, turnover_mad: 8_000_000.0, ..small };
        assert!(risk(params, &bad, &small).risk > risk(params, &good, &small).risk);
        assert!(risk(params, &bad, &big).risk > risk(params, &bad, &small).risk);
        let flagged =
            risk(params, &bad, &RiskInputs { missing_filings: 2, open_findings: 3.0, months_inactive: 30.0, ..big });
        let codes: Vec<PriorityReason> = flagged.reasons.iter().map(|r| r.0).collect();
        assert_eq!(codes[0], PriorityReason::LowScore);
        for code in [
            PriorityReason::MissingFilings,
            PriorityReason::OpenFindings,
            PriorityReason::Inactive,
            PriorityReason::ManyMembers,
        ] {
            assert!(codes.contains(&code), "{codes:?}");
        }
        assert!(flagged.likelihood <= 1.0 && flagged.severity <= 1.0);
    }
}
