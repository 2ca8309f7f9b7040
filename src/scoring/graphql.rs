//! Scoring and control in the API: models, runs, a cooperative's explained score, the
//! control priorities and controls with their findings.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::inputs::*;
use super::loaders::*;
use super::model::*;
use super::service;
use crate::catalog::graphql::Cooperative;
use crate::kernel::config::{RegistryRules, ScoringRules};
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::Conn;
use crate::kernel::graphql::{Date, DateTime, ids, loader_error, or_unchanged, page_cost, run_mutation};
use crate::kernel::i18n::{Locale, LocalizedText, Translation};
use crate::kernel::viewer::require_viewer;
use crate::msg;
use crate::registry::loaders::{CooperativeKey, RegistryLoader};

async fn cooperative(ctx: &Context<'_>, id: i64) -> Result<Option<Cooperative>> {
    Ok(ctx.loader::<RegistryLoader>().load_one(CooperativeKey(id)).await.map_err(loader_error)?.map(Cooperative))
}

async fn model_of_run(ctx: &Context<'_>, run_id: i64) -> Result<Option<(RunRow, ModelRow)>> {
    let loader = ctx.loader::<ScoringLoader>();
    let Some(run) = loader.load_one(RunKey(run_id)).await.map_err(loader_error)? else { return Ok(None) };
    let model = loader.load_one(ModelKey(run.model_id)).await.map_err(loader_error)?;
    Ok(model.map(|m| (run, m)))
}

fn decode_cooperative(id: &ID, field: &str) -> Result<i64, AppError> {
    ids::decode(id, "Cooperative")
        .ok_or_else(|| AppError::user(ErrorCode::InvalidId, &[field], msg!("not a cooperative id")))
}

#[derive(SimpleObject)]
pub struct BandView {
    pub bound: f64,
    pub points: f64,
}

#[derive(SimpleObject)]
pub struct TransformView {
    pub kind: TransformKind,
    pub direction: Direction,
    /// Linear transformations: the two bounds.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub bands: Vec<BandView>,
}

impl From<&Transform> for TransformView {
    fn from(t: &Transform) -> Self {
        let linear = t.kind == TransformKind::Linear;
        TransformView {
            kind: t.kind,
            direction: t.direction,
            lower: linear.then_some(t.lower),
            upper: linear.then_some(t.upper),
            bands: t.bands.iter().map(|b| BandView { bound: b.bound, points: b.points }).collect(),
        }
    }
}

pub struct ScoringIndicator(Indicator, Locale);

#[Object]
impl ScoringIndicator {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn family(&self) -> Family {
        self.0.family
    }
    async fn measure(&self) -> Measure {
        self.0.measure
    }
    async fn unit(&self) -> MeasureUnit {
        self.0.measure.unit()
    }
    /// Out of 100.
    async fn weight(&self) -> i32 {
        self.0.weight as i32
    }
    async fn transform(&self) -> TransformView {
        (&self.0.transform).into()
    }
    async fn label(&self) -> LocalizedText {
        self.0.label.resolve(self.1)
    }
    async fn advice(&self) -> LocalizedText {
        self.0.advice.resolve(self.1)
    }
    /// The label in every language it has.
    async fn labels(&self) -> Vec<Translation> {
        self.0.label.translations()
    }
}

#[derive(SimpleObject)]
pub struct GradeBandView {
    pub grade: String,
    pub min: f64,
}

#[derive(SimpleObject)]
pub struct RiskParametersView {
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

#[derive(SimpleObject)]
pub struct ScoringModelEvent {
    pub action: ModelAction,
    pub reason: String,
    pub at: DateTime,
}

pub struct ScoringModel(pub ModelRow);

#[Object]
impl ScoringModel {
    pub async fn id(&self) -> ID {
        ids::encode("ScoringModel", self.0.id)
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn status(&self) -> ModelStatus {
        self.0.status()
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
    async fn indicators(&self, ctx: &Context<'_>, locale: Option<Locale>) -> Vec<ScoringIndicator> {
        let locale = ctx.locale(locale);
        self.0.definition().indicators.into_iter().map(|i| ScoringIndicator(i, locale)).collect()
    }
    /// Best grade first; a total earns the first grade whose minimum it reaches.
    async fn grade_bands(&self) -> Vec<GradeBandView> {
        self.0.definition().grade_bands.into_iter().map(|b| GradeBandView { grade: b.grade, min: b.min }).collect()
    }
    async fn risk(&self) -> RiskParametersView {
        let r = self.0.definition().risk;
        RiskParametersView {
            low_score_weight: r.low_score_weight as i32,
            missing_filings_weight: r.missing_filings_weight as i32,
            open_findings_weight: r.open_findings_weight as i32,
            inactivity_weight: r.inactivity_weight as i32,
            findings_cap: r.findings_cap,
            inactive_months_cap: r.inactive_months_cap,
            members_cap: r.members_cap,
            jobs_cap: r.jobs_cap,
            turnover_cap_mad: r.turnover_cap_mad,
        }
    }
    /// Who created, changed, published, retired or rolled back this version, and why (office staff).
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ScoringModelEvent>> {
        if !ctx.viewer().is_some_and(|v| v.is_office_staff()) {
            return Ok(Vec::new());
        }
        let id = self.0.id;
        let events = ctx.db().run(move |conn| service::model_events(conn, id)).await?;
        Ok(events
            .into_iter()
            .map(|e| ScoringModelEvent {
                action: ModelAction::parse(&e.action).unwrap_or(ModelAction::Changed),
                reason: e.reason,
                at: DateTime(e.created_at),
            })
            .collect())
    }
}

pub struct ScoringRun(pub RunRow);

#[Object]
impl ScoringRun {
    pub async fn id(&self) -> ID {
        ids::encode("ScoringRun", self.0.id)
    }
    async fn model_version(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        let model = ctx.loader::<ScoringLoader>().load_one(ModelKey(self.0.model_id)).await.map_err(loader_error)?;
        Ok(model.map(|m| m.version))
    }
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    async fn origin(&self) -> RunOrigin {
        RunOrigin::parse(&self.0.origin).unwrap_or(RunOrigin::Admin)
    }
    async fn started_at(&self) -> DateTime {
        DateTime(self.0.started_at)
    }
    async fn finished_at(&self) -> DateTime {
        DateTime(self.0.finished_at)
    }
    /// Cooperatives scored.
    async fn cooperatives(&self) -> i32 {
        self.0.cooperatives
    }
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms
    }
}

/// One indicator's part in a score: what was measured, the points it earned, and what those
/// points added to the total once the weights were renormalised over the indicators with data.
#[derive(SimpleObject)]
pub struct IndicatorScoreView {
    pub code: String,
    pub family: Family,
    pub measure: Measure,
    pub unit: MeasureUnit,
    pub label: LocalizedText,
    /// Null when the cooperative had no data for this measure.
    pub raw_value: Option<f64>,
    pub missing: bool,
    /// 0–100.
    pub points: Option<f64>,
    /// The model's weight, out of 100.
    pub weight: i32,
    /// The weight after renormalisation over the indicators with data, out of 100.
    pub effective_weight: Option<f64>,
    /// Points of the total this indicator gave.
    pub contribution: Option<f64>,
}

/// A score as computed by one run: it stays as it was, whatever the model became since.
pub struct ScoreSnapshot(pub ScoreRow);

#[Object]
impl ScoreSnapshot {
    async fn model_version(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        Ok(model_of_run(ctx, self.0.run_id).await?.map(|(_, m)| m.version))
    }
    async fn as_of(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        Ok(model_of_run(ctx, self.0.run_id).await?.map(|(r, _)| Date(r.as_of)))
    }
    async fn computed_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime>> {
        Ok(model_of_run(ctx, self.0.run_id).await?.map(|(r, _)| DateTime(r.finished_at)))
    }
    /// 0–100; null when the cooperative had no data for any indicator.
    async fn total(&self) -> Option<f64> {
        self.0.total()
    }
    async fn grade(&self) -> Option<&str> {
        self.0.grade.as_deref()
    }
    /// Share (0–1) of the model's weight that had no data.
    async fn missing_share(&self) -> f64 {
        f64::from(self.0.missing_bp) / 10_000.0
    }
    /// The explanation, indicator by indicator, in the model's order.
    async fn indicators(&self, ctx: &Context<'_>, locale: Option<Locale>) -> Result<Vec<IndicatorScoreView>> {
        let locale = ctx.locale(locale);
        let Some((_, model)) = model_of_run(ctx, self.0.run_id).await? else { return Ok(Vec::new()) };
        let definition = model.definition();
        let scores = self.0.indicators();
        let present: u32 = scores.iter().filter(|s| s.points.is_some()).map(|s| s.weight).sum();
        Ok(definition
            .indicators
            .iter()
            .zip(scores)
            .map(|(indicator, s)| IndicatorScoreView {
                code: indicator.code.clone(),
                family: indicator.family,
                measure: indicator.measure,
                unit: indicator.measure.unit(),
                label: indicator.label.resolve(locale),
                raw_value: s.raw,
                missing: s.raw.is_none(),
                points: s.points,
                weight: s.weight as i32,
                effective_weight: s
                    .points
                    .filter(|_| present > 0)
                    .map(|_| (f64::from(s.weight) * 10_000.0 / f64::from(present)).round() / 100.0),
                contribution: s.contribution,
            })
            .collect())
    }
}

/// A change that would raise the score: the indicator, what to do, and the points of total
/// full marks on it would add.
#[derive(SimpleObject)]
pub struct ScoreImprovement {
    pub code: String,
    pub label: LocalizedText,
    pub advice: LocalizedText,
    pub points: Option<f64>,
    pub potential_gain: f64,
}

pub struct ControlFinding(pub FindingRow);

#[Object]
impl ControlFinding {
    pub async fn id(&self) -> ID {
        ids::encode("ControlFinding", self.0.id)
    }
    async fn category(&self) -> FindingCategory {
        FindingCategory::parse(&self.0.category).unwrap_or(FindingCategory::Other)
    }
    async fn severity(&self) -> Severity {
        self.0.severity()
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn corrective_action(&self) -> &str {
        &self.0.corrective_action
    }
    async fn deadline(&self) -> Date {
        Date(self.0.deadline)
    }
    async fn status(&self) -> FindingStatus {
        self.0.status()
    }
    /// Open and past its deadline.
    async fn overdue(&self) -> bool {
        self.0.status() == FindingStatus::Open && self.0.deadline < crate::registry::service::today()
    }
    /// A follow-up control was planned for it.
    async fn follow_up_planned(&self) -> bool {
        self.0.follow_up_control_id.is_some()
    }
    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(DateTime)
    }
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
}

pub struct CooperativeScore(service::ScoreView);

#[Object]
impl CooperativeScore {
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        cooperative(ctx, self.0.cooperative_id).await
    }
    /// The latest snapshot; null before the first run that included the cooperative.
    async fn current(&self) -> Option<ScoreSnapshot> {
        self.0.history.first().cloned().map(ScoreSnapshot)
    }
    /// Snapshots, newest first (one per run).
    async fn history(&self) -> Vec<ScoreSnapshot> {
        self.0.history.iter().cloned().map(ScoreSnapshot).collect()
    }
    /// For the cooperative's managers: the three changes that would raise the latest score
    /// most, in their language. Null for the office.
    async fn improvements(&self, ctx: &Context<'_>, locale: Option<Locale>) -> Result<Option<Vec<ScoreImprovement>>> {
        if !self.0.for_manager {
            return Ok(None);
        }
        let Some(latest) = self.0.history.first() else { return Ok(Some(Vec::new())) };
        let Some((_, model)) = model_of_run(ctx, latest.run_id).await? else { return Ok(Some(Vec::new())) };
        let locale = ctx.locale(locale);
        let definition = model.definition();
        let score = latest.score();
        Ok(Some(
            improvements(&score, 3)
                .into_iter()
                .filter_map(|(n, gain)| {
                    let indicator = definition.indicators.get(n)?;
                    Some(ScoreImprovement {
                        code: indicator.code.clone(),
                        label: indicator.label.resolve(locale),
                        advice: indicator.advice.resolve(locale),
                        points: score.indicators.get(n).and_then(|i| i.points),
                        potential_gain: gain,
                    })
                })
                .collect(),
        ))
    }
    /// The cooperative's control findings, open ones first.
    async fn findings(&self) -> Vec<ControlFinding> {
        self.0.findings.iter().cloned().map(ControlFinding).collect()
    }
}

#[derive(SimpleObject)]
pub struct CooperativeGrade {
    pub grade: String,
    pub as_of: Date,
    pub model_version: i32,
}

#[derive(SimpleObject)]
pub struct PriorityReasonView {
    pub code: PriorityReason,
    pub value: f64,
    /// The reason in the caller's language.
    pub message: String,
}

fn reason_message(ctx: &Context<'_>, code: PriorityReason, value: f64) -> String {
    let message = match code {
        PriorityReason::LowScore => msg!("low score: {value} out of 100", value = value),
        PriorityReason::MissingFilings => {
            msg!("{value} annual filing(s) missing in the last three years", value = value)
        }
        PriorityReason::OpenFindings => msg!("open control findings (weight {value})", value = value),
        PriorityReason::Inactive => msg!("no activity for {value} months", value = value),
        PriorityReason::DataMissing => msg!("{value}% of the score had no data", value = value),
        PriorityReason::ManyMembers => msg!("{value} members", value = value),
        PriorityReason::ManyJobs => msg!("{value} jobs", value = value),
        PriorityReason::LargeTurnover => msg!("turnover of {value} MAD", value = value),
    };
    ctx.translate(&message)
}

pub struct ControlPriority {
    row: ScoreRow,
    rank: i64,
}

#[Object]
impl ControlPriority {
    /// 1 is the highest risk.
    async fn rank(&self) -> i64 {
        self.rank
    }
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        cooperative(ctx, self.row.cooperative_id).await
    }
    /// Likelihood × severity, 0–1.
    async fn risk(&self) -> f64 {
        f64::from(self.row.risk_bp) / 10_000.0
    }
    async fn likelihood(&self) -> f64 {
        f64::from(self.row.likelihood_bp) / 10_000.0
    }
    async fn severity(&self) -> f64 {
        f64::from(self.row.severity_bp) / 10_000.0
    }
    async fn score(&self) -> ScoreSnapshot {
        ScoreSnapshot(self.row.clone())
    }
    /// Why the cooperative ranks here, strongest first.
    async fn reasons(&self, ctx: &Context<'_>) -> Vec<PriorityReasonView> {
        self.row
            .reasons()
            .into_iter()
            .map(|(code, value)| PriorityReasonView { code, value, message: reason_message(ctx, code, value) })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct ControlEvent {
    pub action: ControlAction,
    pub reason: String,
    pub at: DateTime,
    /// Null for what the system did (a follow-up scheduled).
    pub actor_email: Option<String>,
}

#[derive(SimpleObject)]
pub struct ControlAssignee {
    pub full_name: String,
    pub email: String,
}

pub struct Control(pub ControlRow);

#[Object]
impl Control {
    pub async fn id(&self) -> ID {
        ids::encode("Control", self.0.id)
    }
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        cooperative(ctx, self.0.cooperative_id).await
    }
    async fn kind(&self) -> ControlKind {
        self.0.kind()
    }
    async fn status(&self) -> ControlStatus {
        self.0.status()
    }
    async fn trigger_event(&self) -> Option<&str> {
        self.0.trigger_event.as_deref()
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn planned_for(&self) -> Date {
        Date(self.0.planned_for)
    }
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<ControlAssignee>> {
        let Some(id) = self.0.assigned_to else { return Ok(None) };
        let account = ctx.db().run(move |conn| crate::auth::service::find_account(conn, id)).await?;
        Ok(account.map(|a| ControlAssignee { full_name: a.full_name, email: a.email }))
    }
    async fn held_on(&self) -> Option<Date> {
        self.0.held_on.map(Date)
    }
    async fn outcome(&self) -> Option<ControlOutcome> {
        self.0.outcome.as_deref().and_then(ControlOutcome::parse)
    }
    async fn outcome_note(&self) -> Option<&str> {
        self.0.outcome_note.as_deref()
    }
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<ControlFinding>> {
        let found = ctx.loader::<ScoringLoader>().load_one(FindingsKey(self.0.id)).await.map_err(loader_error)?;
        Ok(found.unwrap_or_default().into_iter().map(ControlFinding).collect())
    }
    /// The finding whose overdue corrective action this follow-up checks.
    async fn follows_finding(&self, ctx: &Context<'_>) -> Result<Option<ControlFinding>> {
        let Some(finding_id) = self.0.follows_finding_id else { return Ok(None) };
        let found = ctx.db().run(move |conn| service::finding_by_id(conn, finding_id)).await?;
        Ok(found.map(ControlFinding))
    }
    /// Every step: who, when, why.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<ControlEvent>> {
        let events = ctx.loader::<ScoringLoader>().load_one(ControlEventsKey(self.0.id)).await.map_err(loader_error)?;
        let events = events.unwrap_or_default();
        let actors: Vec<i64> = events.iter().filter_map(|e| e.actor_account_id).collect();
        let emails = ctx.db().run(move |conn| crate::auth::service::emails_of(conn, &actors)).await?;
        Ok(events
            .into_iter()
            .map(|e| ControlEvent {
                action: ControlAction::parse(&e.action).unwrap_or(ControlAction::Planned),
                reason: e.reason,
                at: DateTime(e.created_at),
                actor_email: e.actor_account_id.and_then(|a| emails.get(&a).cloned()),
            })
            .collect())
    }
}

crate::mutation_payload!(ScoringModelPayload, model: ScoringModel);
crate::mutation_payload!(ScoringRunPayload, run: ScoringRun);
crate::mutation_payload!(ControlPayload, control: Control);
crate::mutation_payload!(FindingPayload, finding: ControlFinding);

#[derive(Default)]
pub struct ScoringQuery;

#[Object]
impl ScoringQuery {
    /// A model by version (office staff), or the published one (anyone: how cooperatives are
    /// scored is public).
    async fn scoring_model(&self, ctx: &Context<'_>, version: Option<i32>) -> Result<Option<ScoringModel>> {
        let viewer = ctx.viewer().cloned();
        Ok(ctx.db().run(move |conn| service::model_by_version(conn, viewer.as_ref(), version)).await?.map(ScoringModel))
    }

    /// Every version, newest first (office staff).
    async fn scoring_models(&self, ctx: &Context<'_>) -> Result<Vec<ScoringModel>> {
        let viewer = ctx.viewer().cloned();
        Ok(ctx
            .db()
            .run(move |conn| service::models(conn, viewer.as_ref()))
            .await?
            .into_iter()
            .map(ScoringModel)
            .collect())
    }

    /// The latest scoring run (office staff).
    async fn latest_scoring_run(&self, ctx: &Context<'_>) -> Result<Option<ScoringRun>> {
        crate::kernel::viewer::require_office_staff(ctx.viewer())?;
        Ok(ctx.db().run(service::latest_run).await?.map(ScoringRun))
    }

    /// A cooperative's score with its explanation and history: for its managers (with the
    /// changes that would raise it most), agents and administrators.
    async fn cooperative_score(
        &self,
        ctx: &Context<'_>,
        cooperative_id: ID,
        #[graphql(default = 10)] history: i32,
    ) -> Result<Option<CooperativeScore>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        let id = decode_cooperative(&cooperative_id, "cooperativeId")?;
        let view =
            ctx.db().run(move |conn| service::cooperative_score(conn, Some(&viewer), id, i64::from(history))).await?;
        Ok(view.map(CooperativeScore))
    }

    /// A cooperative's latest grade, for anyone, when the office makes grades public
    /// (configuration `scoring.public_grades`); null otherwise.
    async fn cooperative_grade(&self, ctx: &Context<'_>, cooperative_id: ID) -> Result<Option<CooperativeGrade>> {
        let id = decode_cooperative(&cooperative_id, "cooperativeId")?;
        let rules = ctx.data_unchecked::<ScoringRules>().clone();
        let Some(row) = ctx.db().run(move |conn| service::public_grade(conn, &rules, id)).await? else {
            return Ok(None);
        };
        let Some((run, model)) = model_of_run(ctx, row.run_id).await? else { return Ok(None) };
        Ok(row.grade.map(|grade| CooperativeGrade { grade, as_of: Date(run.as_of), model_version: model.version }))
    }

    /// Cooperatives ranked by risk (likelihood × severity) in the latest run, with the reasons
    /// of each rank (office staff; an agent of a region sees that region).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn control_priorities(
        &self,
        ctx: &Context<'_>,
        region_code: Option<String>,
        sector_code: Option<String>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ControlPriority>> {
        let viewer = ctx.viewer().cloned();
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let found = ctx
            .db()
            .run(move |conn| {
                service::priorities(
                    conn,
                    viewer.as_ref(),
                    region_code.as_deref(),
                    sector_code.as_deref(),
                    args,
                    want_total,
                )
            })
            .await?;
        let mut rank = found.first_rank;
        Ok(found.page.into_connection(|row| {
            let priority = ControlPriority { row, rank };
            rank += 1;
            priority
        }))
    }

    /// Controls, newest first (office staff): one cooperative's, or those assigned to the caller.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn controls(
        &self,
        ctx: &Context<'_>,
        cooperative_id: Option<ID>,
        status: Option<ControlStatus>,
        #[graphql(default = false)] assigned_to_me: bool,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Control>> {
        let viewer = ctx.viewer().cloned();
        let cooperative = cooperative_id.as_ref().map(|id| decode_cooperative(id, "cooperativeId")).transpose()?;
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let page = ctx
            .db()
            .run(move |conn| {
                service::controls(conn, viewer.as_ref(), cooperative, status, assigned_to_me, args, want_total)
            })
            .await?;
        Ok(page.into_connection(Control))
    }

    async fn control(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Control>> {
        current_control(ctx, &id).await
    }
}

pub async fn model_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ScoringModel>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_model(conn, viewer.as_ref(), id)).await?.map(ScoringModel))
}

pub async fn run_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ScoringRun>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_run(conn, viewer.as_ref(), id)).await?.map(ScoringRun))
}

pub async fn control_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Control>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_control(conn, viewer.as_ref(), id)).await?.map(Control))
}

pub async fn finding_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ControlFinding>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_finding(conn, viewer.as_ref(), id)).await?.map(ControlFinding))
}

async fn current_control(ctx: &Context<'_>, id: &ID) -> Result<Option<Control>> {
    let Some(raw) = ids::decode(id, "Control") else { return Ok(None) };
    control_by_id(ctx, raw).await
}

#[derive(Default)]
pub struct ScoringMutation;

#[Object]
impl ScoringMutation {
    /// Creates a draft model, or changes one (administrators).
    async fn scoring_model_save(&self, ctx: &Context<'_>, input: ScoringModelSaveInput) -> Result<ScoringModelPayload> {
        let (model, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::save_model(conn, viewer, input)).await?;
        Ok(ScoringModelPayload { model: model.map(ScoringModel), user_errors })
    }

    /// Publishes a draft; the published model is retired (administrators).
    async fn scoring_model_publish(
        &self,
        ctx: &Context<'_>,
        input: ScoringModelPublishInput,
    ) -> Result<ScoringModelPayload> {
        let (model, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::publish_model(conn, viewer, input)).await?;
        Ok(ScoringModelPayload { model: model.map(ScoringModel), user_errors })
    }

    /// Publishes an earlier version again (administrators).
    async fn scoring_model_rollback(
        &self,
        ctx: &Context<'_>,
        input: ScoringModelRollbackInput,
    ) -> Result<ScoringModelPayload> {
        let (model, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::rollback_model(conn, viewer, input)).await?;
        Ok(ScoringModelPayload { model: model.map(ScoringModel), user_errors })
    }

    /// Scores every cooperative now with the published model (administrators).
    async fn scoring_run(&self, ctx: &Context<'_>) -> Result<ScoringRunPayload> {
        let rules = ctx.data_unchecked::<RegistryRules>().clone();
        let scoring = ctx.data_unchecked::<ScoringRules>().clone();
        let (run, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::run_now(conn, viewer, &rules, &scoring)).await?;
        Ok(ScoringRunPayload { run: run.map(ScoringRun), user_errors })
    }

    /// Plans a control (office staff).
    async fn control_plan(&self, ctx: &Context<'_>, input: ControlPlanInput) -> Result<ControlPayload> {
        let (control, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::plan_control(conn, viewer, input)).await?;
        Ok(ControlPayload { control: control.map(Control), user_errors })
    }

    /// Assigns a control to an agent or administrator (office staff).
    async fn control_assign(&self, ctx: &Context<'_>, input: ControlAssignInput) -> Result<ControlPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::assign_control(conn, viewer, input)).await?;
        let (control, user_errors) =
            or_unchanged((outcome.0.map(Control), outcome.1), || current_control(ctx, &id)).await?;
        Ok(ControlPayload { control, user_errors })
    }

    /// Records a control's outcome and findings (the assigned agent, or an administrator).
    async fn control_complete(&self, ctx: &Context<'_>, input: ControlCompleteInput) -> Result<ControlPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::complete_control(conn, viewer, input)).await?;
        let (control, user_errors) =
            or_unchanged((outcome.0.map(Control), outcome.1), || current_control(ctx, &id)).await?;
        Ok(ControlPayload { control, user_errors })
    }

    /// Cancels a control not yet held (office staff).
    async fn control_cancel(&self, ctx: &Context<'_>, input: ControlCancelInput) -> Result<ControlPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::cancel_control(conn, viewer, input)).await?;
        let (control, user_errors) =
            or_unchanged((outcome.0.map(Control), outcome.1), || current_control(ctx, &id)).await?;
        Ok(ControlPayload { control, user_errors })
    }

    /// Closes a finding once its corrective action is done (office staff).
    async fn finding_resolve(&self, ctx: &Context<'_>, input: FindingResolveInput) -> Result<FindingPayload> {
        let (finding, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::resolve_finding(conn, viewer, input)).await?;
        Ok(FindingPayload { finding: finding.map(ControlFinding), user_errors })
    }
}
