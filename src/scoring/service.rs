//! The rules of scoring and control: who may change the model and how its versions move,
//! the national run, who sees which score, the priority list and the life of a control.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};

use super::defaults::default_definition;
use super::facts::{self, Facts, Gathered};
use super::inputs::*;
use super::model::*;
use super::store;
use crate::kernel::config::{RegistryRules, ScoringRules};
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::localized;
use crate::kernel::viewer::{Role, Viewer, require_admin, require_office_staff, require_viewer};
use crate::msg;
use crate::path;
use crate::registry::service as registry;

pub const MAX_REASON: usize = 1_000;

fn decode(checks: &mut Checks, id: &async_graphql::ID, kind: &str, field: Vec<String>) -> i64 {
    ids::decode_input(id, kind, field, checks).unwrap_or(0)
}

fn reason_text(checks: &mut Checks, text: &str, field: Vec<String>) -> String {
    let text = text.trim();
    checks.check_with(ErrorCode::Required, !text.is_empty(), field.clone(), msg!("is required"));
    checks.check_with(
        ErrorCode::TooLong,
        text.chars().count() <= MAX_REASON,
        field,
        msg!("at most {max} characters", max = MAX_REASON),
    );
    text.to_string()
}

// ---- models ----

/// Installs the default model as version 1, published, when there is no model at all.
pub fn ensure_default_model(conn: &mut DbConn) -> Result<bool, AppError> {
    let installed = install_default_model(conn);
    match installed {
        // Another instance starting on the same database installed it first.
        Err(_) if store::model_count(conn)? > 0 => Ok(false),
        other => other,
    }
}

fn install_default_model(conn: &mut DbConn) -> Result<bool, AppError> {
    write_tx(conn, |conn| {
        if store::model_count(conn)? > 0 {
            return Ok(false);
        }
        let at = now();
        let definition = serde_json::to_string(&default_definition()).map_err(AppError::internal)?;
        let id = store::insert_model(
            conn,
            &ModelRow {
                id: 0,
                version: 1,
                status: ModelStatus::Published.as_str().into(),
                definition,
                note: "Default model: every measure of the catalogue, grades A–E.".into(),
                created_by: None,
                created_at: at,
                updated_at: at,
                published_at: Some(at),
            },
        )?;
        for (action, reason) in
            [(ModelAction::Created, "installed as the default"), (ModelAction::Published, "the first model")]
        {
            store::insert_model_event(
                conn,
                &ModelEventRow {
                    id: 0,
                    model_id: id,
                    action: action.as_str().into(),
                    actor_account_id: None,
                    reason: reason.into(),
                    created_at: at,
                },
            )?;
        }
        Ok(true)
    })
}

pub fn models(conn: &mut DbConn, viewer: Option<&Viewer>) -> Result<Vec<ModelRow>, AppError> {
    require_office_staff(viewer)?;
    Ok(store::models(conn)?)
}

pub fn model_by_version(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    version: Option<i32>,
) -> Result<Option<ModelRow>, AppError> {
    match version {
        Some(v) => {
            require_office_staff(viewer)?;
            Ok(store::model_by_version(conn, v)?)
        }
        // The published model is public: how cooperatives are scored is no secret.
        None => Ok(store::published_model(conn)?),
    }
}

pub fn model_events(conn: &mut DbConn, model_id: i64) -> Result<Vec<ModelEventRow>, AppError> {
    Ok(store::model_events(conn, model_id)?)
}

/// A model through `node`: the published one for anyone, every version for the office.
pub fn visible_model(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<ModelRow>, AppError> {
    let staff = viewer.is_some_and(|v| v.is_office_staff());
    Ok(store::model(conn, id)?.filter(|m| staff || m.status() == ModelStatus::Published))
}

/// A run through `node`: office staff only.
pub fn visible_run(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<RunRow>, AppError> {
    if !viewer.is_some_and(|v| v.is_office_staff()) {
        return Ok(None);
    }
    Ok(store::runs_by_ids(conn, &[id])?.remove(&id))
}

/// A finding through `node`: whoever may see its cooperative's score.
pub fn visible_finding(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<FindingRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    let Some(finding) = store::finding(conn, id)? else { return Ok(None) };
    let visible = registry::find_cooperative(conn, finding.cooperative_id)?
        .is_some_and(|c| can_see_score(viewer, c.id, c.region_id));
    Ok(visible.then_some(finding))
}

pub fn models_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, ModelRow>, AppError> {
    Ok(store::models_by_ids(conn, ids)?)
}

fn model_not_found(field: Vec<String>) -> AppError {
    AppError::user(
        ErrorCode::ScoringModelNotFound,
        &field.iter().map(String::as_str).collect::<Vec<_>>(),
        msg!("no such scoring model"),
    )
}

fn indicator_from(checks: &mut Checks, n: usize, input: &IndicatorInput) -> Indicator {
    let at = |f: &str| path!["input", "indicators", n.to_string(), f];
    let label = localized(checks, &at("label"), &input.label, MAX_TEXT, true);
    let advice = localized(checks, &at("advice"), &input.advice, MAX_TEXT, false);
    let t = &input.transform;
    let transform = Transform {
        kind: t.kind,
        direction: t.direction,
        lower: t.lower.unwrap_or(0.0),
        upper: t.upper.unwrap_or(0.0),
        bands: t.bands.iter().map(|b| Band { bound: b.bound, points: b.points }).collect(),
    };
    checks.check_with(ErrorCode::OutOfRange, (0..=100).contains(&input.weight), at("weight"), msg!("must be 0 to 100"));
    Indicator {
        code: input.code.trim().to_string(),
        family: input.family,
        measure: input.measure,
        transform,
        weight: input.weight.clamp(0, 100) as u32,
        label,
        advice,
    }
}

fn definition_from(checks: &mut Checks, base: Definition, input: &ScoringModelSaveInput) -> Definition {
    let mut definition = base;
    if let Some(indicators) = &input.indicators {
        definition.indicators = indicators.iter().enumerate().map(|(n, i)| indicator_from(checks, n, i)).collect();
    }
    for (n, w) in input.weights.iter().enumerate() {
        let at = |f: &str| path!["input", "weights", n.to_string(), f];
        match definition.indicators.iter_mut().find(|i| i.code == w.code.trim()) {
            Some(indicator) if (0..=100).contains(&w.weight) => indicator.weight = w.weight as u32,
            Some(_) => checks.fail_with(ErrorCode::OutOfRange, at("weight"), msg!("must be 0 to 100")),
            None => checks.fail_with(
                ErrorCode::NotFound,
                at("code"),
                msg!("no indicator has the code {code}", code = w.code.trim()),
            ),
        }
    }
    if let Some(bands) = &input.grade_bands {
        definition.grade_bands =
            bands.iter().map(|b| GradeBand { grade: b.grade.trim().to_string(), min: b.min }).collect();
    }
    if let Some(r) = &input.risk {
        let w = |v: i32| v.clamp(0, 100) as u32;
        let weights_ok = [r.low_score_weight, r.missing_filings_weight, r.open_findings_weight, r.inactivity_weight]
            .iter()
            .all(|v| (0..=100).contains(v));
        checks.check_with(ErrorCode::OutOfRange, weights_ok, path!["input", "risk"], msg!("must be 0 to 100"));
        definition.risk = RiskParameters {
            low_score_weight: w(r.low_score_weight),
            missing_filings_weight: w(r.missing_filings_weight),
            open_findings_weight: w(r.open_findings_weight),
            inactivity_weight: w(r.inactivity_weight),
            findings_cap: r.findings_cap,
            inactive_months_cap: r.inactive_months_cap,
            members_cap: r.members_cap,
            jobs_cap: r.jobs_cap,
            turnover_cap_mad: r.turnover_cap_mad,
        };
    }
    definition
}

fn record_model_event(
    conn: &mut DbConn,
    model_id: i64,
    action: ModelAction,
    actor: i64,
    reason: &str,
) -> Result<(), AppError> {
    store::insert_model_event(
        conn,
        &ModelEventRow {
            id: 0,
            model_id,
            action: action.as_str().into(),
            actor_account_id: Some(actor),
            reason: reason.into(),
            created_at: now(),
        },
    )?;
    Ok(())
}

/// Creates a draft model (from a published or retired version, or the published one) or
/// changes a draft (administrators).
pub fn save_model(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ScoringModelSaveInput,
) -> Result<ModelRow, AppError> {
    let viewer = require_admin(viewer)?;
    let mut checks = Checks::new();
    let id = input.id.as_ref().map(|id| decode(&mut checks, id, "ScoringModel", path!["input", "id"]));
    let note = reason_text(&mut checks, &input.note, path!["input", "note"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let base = match (id, input.based_on_version) {
            (Some(id), _) => {
                let draft = store::model(conn, id)?.ok_or_else(|| model_not_found(path!["input", "id"]))?;
                if draft.status() != ModelStatus::Draft {
                    return Err(AppError::user(
                        ErrorCode::InvalidTransition,
                        &["input", "id"],
                        msg!("only a draft model can change; save a new version instead"),
                    ));
                }
                draft
            }
            (None, Some(version)) => store::model_by_version(conn, version)?
                .ok_or_else(|| model_not_found(path!["input", "basedOnVersion"]))?,
            (None, None) => {
                store::published_model(conn)?.ok_or_else(|| model_not_found(path!["input", "basedOnVersion"]))?
            }
        };
        let mut checks = Checks::new();
        let definition = definition_from(&mut checks, base.definition(), &input);
        definition.check(&mut checks, &["input"]);
        checks.finish()?;
        let text = serde_json::to_string(&definition).map_err(AppError::internal)?;
        let at = now();
        let model_id = match id {
            Some(id) => {
                if store::update_draft(conn, id, &text, &note, at)? == 0 {
                    return Err(AppError::user(
                        ErrorCode::Conflict,
                        &["input", "id"],
                        msg!("the model changed meanwhile"),
                    ));
                }
                record_model_event(conn, id, ModelAction::Changed, viewer.account_id, &note)?;
                id
            }
            None => {
                let version = store::next_version(conn)?;
                let id = store::insert_model(
                    conn,
                    &ModelRow {
                        id: 0,
                        version,
                        status: ModelStatus::Draft.as_str().into(),
                        definition: text,
                        note: note.clone(),
                        created_by: Some(viewer.account_id),
                        created_at: at,
                        updated_at: at,
                        published_at: None,
                    },
                )?;
                let why = format!("from version {}: {note}", base.version);
                record_model_event(conn, id, ModelAction::Created, viewer.account_id, &why)?;
                id
            }
        };
        store::model(conn, model_id)?.ok_or_else(|| AppError::internal("model vanished"))
    })
}

/// Swaps the published model for `target` (which must be in `from`), retiring the current one.
fn swap_published(
    conn: &mut DbConn,
    viewer: &Viewer,
    target: &ModelRow,
    from: ModelStatus,
    action: ModelAction,
    reason: &str,
) -> Result<ModelRow, AppError> {
    let at = now();
    if let Some(current) = store::published_model(conn)? {
        store::set_model_status(conn, current.id, ModelStatus::Published, ModelStatus::Retired, at)?;
        let why = format!("replaced by version {}: {reason}", target.version);
        record_model_event(conn, current.id, ModelAction::Retired, viewer.account_id, &why)?;
    }
    if store::set_model_status(conn, target.id, from, ModelStatus::Published, at)? == 0 {
        return Err(AppError::user(ErrorCode::Conflict, &["input"], msg!("the model changed meanwhile")));
    }
    record_model_event(conn, target.id, action, viewer.account_id, reason)?;
    store::model(conn, target.id)?.ok_or_else(|| AppError::internal("model vanished"))
}

/// Publishes a draft: the next run scores with it (administrators).
pub fn publish_model(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ScoringModelPublishInput,
) -> Result<ModelRow, AppError> {
    let viewer = require_admin(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "ScoringModel", path!["input", "id"]);
    let reason = reason_text(&mut checks, &input.reason, path!["input", "reason"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let model = store::model(conn, id)?.ok_or_else(|| model_not_found(path!["input", "id"]))?;
        if model.status() != ModelStatus::Draft {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "id"],
                msg!("only a draft is published; to publish an earlier version again, roll back to it"),
            ));
        }
        swap_published(conn, viewer, &model, ModelStatus::Draft, ModelAction::Published, &reason)
    })
}

/// Publishes an earlier version again (administrators).
pub fn rollback_model(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ScoringModelRollbackInput,
) -> Result<ModelRow, AppError> {
    let viewer = require_admin(viewer)?;
    let mut checks = Checks::new();
    let reason = reason_text(&mut checks, &input.reason, path!["input", "reason"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let model =
            store::model_by_version(conn, input.version)?.ok_or_else(|| model_not_found(path!["input", "version"]))?;
        if model.status() != ModelStatus::Retired || model.published_at.is_none() {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "version"],
                msg!("only a version published before and retired since can be rolled back to"),
            ));
        }
        swap_published(conn, viewer, &model, ModelStatus::Retired, ModelAction::RolledBack, &reason)
    })
}

// ---- the run ----

/// Reads every measure's inputs for every scored cooperative, in grouped queries.
pub fn gather(
    conn: &mut DbConn,
    rules: &RegistryRules,
    scoring: &ScoringRules,
    as_of: NaiveDate,
) -> Result<Vec<Facts>, AppError> {
    let young_born_after = crate::registry::model::young_born_after(as_of, rules.youth_age_limit);
    let register = registry::scoring_inputs(conn, as_of, young_born_after, as_of.year() - facts::FILING_YEARS - 1)?;
    let year_ago = (as_of - Duration::days(365)).and_hms_opt(0, 0, 0).unwrap_or_default();
    let fulfilments = crate::orders::service::fulfilment_timings(conn, year_ago)?;
    let selling = crate::catalog::service::selling_cooperatives(conn)?;
    let certificates = crate::academy::service::certificates_by_cooperative(conn)?;
    let mut open_findings: HashMap<i64, f64> = HashMap::new();
    for (cooperative, severity, count) in store::open_findings_by_severity(conn)? {
        let weight = Severity::parse(&severity).map_or(1.0, Severity::weight);
        *open_findings.entry(cooperative).or_default() += weight * count as f64;
    }
    let gathered = Gathered { register, fulfilments, selling, certificates, open_findings };
    Ok(facts::join(gathered, rules, scoring.ship_within_days, as_of))
}

fn bp(share: f64) -> i32 {
    (share * 10_000.0).round() as i32
}

/// One cooperative's snapshot under a model.
pub fn snapshot(run_id: i64, definition: &Definition, f: &Facts, as_of: NaiveDate) -> ScoreRow {
    let values: Vec<Option<f64>> = definition.indicators.iter().map(|i| facts::measure(i.measure, f, as_of)).collect();
    let score = score(definition, &values);
    let risk = risk(&definition.risk, &score, &facts::risk_inputs(f, as_of));
    ScoreRow {
        run_id,
        cooperative_id: f.cooperative_id,
        region_id: f.region_id,
        sector_id: f.sector_id,
        total_cp: score.total.map(|t| (t * 100.0).round() as i32),
        grade: score.grade.clone(),
        missing_bp: bp(score.missing_share),
        likelihood_bp: bp(risk.likelihood),
        severity_bp: bp(risk.severity),
        risk_bp: bp(risk.risk),
        reasons: serde_json::to_string(&risk.reasons).unwrap_or_else(|_| "[]".into()),
        breakdown: encode_breakdown(&score.indicators),
    }
}

/// Scores every cooperative with the published model and keeps the snapshots; overdue
/// corrective actions get their follow-up control first, so the run sees them.
pub fn run(
    conn: &mut DbConn,
    rules: &RegistryRules,
    scoring: &ScoringRules,
    origin: RunOrigin,
    actor: Option<i64>,
    as_of: NaiveDate,
) -> Result<RunRow, AppError> {
    let started = Instant::now();
    let started_at = now();
    let model = store::published_model(conn)?
        .ok_or_else(|| AppError::user(ErrorCode::NoPublishedModel, &[], msg!("no scoring model is published")))?;
    let definition = model.definition();
    schedule_follow_ups(conn, scoring, as_of)?;
    let facts = gather(conn, rules, scoring, as_of)?;
    let gathered = started.elapsed();
    let mut rows: Vec<ScoreRow> = facts.iter().map(|f| snapshot(0, &definition, f, as_of)).collect();
    let computed = started.elapsed();
    let run = write_tx(conn, |conn| {
        let mut run = RunRow {
            id: 0,
            model_id: model.id,
            as_of,
            origin: origin.as_str().into(),
            actor_account_id: actor,
            started_at,
            finished_at: started_at,
            cooperatives: rows.len() as i32,
            duration_ms: 0,
        };
        run.id = store::insert_run(conn, &run)?;
        for row in &mut rows {
            row.run_id = run.id;
        }
        store::insert_scores(conn, &rows)?;
        // The duration recorded is the computation's; the commit follows right after.
        run.duration_ms = started.elapsed().as_millis() as i64;
        run.finished_at = now();
        finish_run(conn, &run)?;
        Ok(run)
    })?;
    tracing::info!(
        cooperatives = run.cooperatives,
        gather_ms = gathered.as_millis() as u64,
        compute_ms = (computed - gathered).as_millis() as u64,
        write_ms = (started.elapsed() - computed).as_millis() as u64,
        "scoring run"
    );
    Ok(run)
}

fn finish_run(conn: &mut DbConn, run: &RunRow) -> Result<(), AppError> {
    use crate::kernel::db::schema::scoring_runs;
    use diesel::prelude::*;
    diesel::update(scoring_runs::table.find(run.id))
        .set((scoring_runs::finished_at.eq(run.finished_at), scoring_runs::duration_ms.eq(run.duration_ms)))
        .execute(conn)?;
    Ok(())
}

/// `scoringRun`: administrators only.
pub fn run_now(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    scoring: &ScoringRules,
) -> Result<RunRow, AppError> {
    let viewer = require_admin(viewer)?;
    run(conn, rules, scoring, RunOrigin::Admin, Some(viewer.account_id), registry::today())
}

/// The daily run, unless one already ran today on schedule (several instances may share the
/// database: the first to get there runs it).
pub fn run_scheduled(
    conn: &mut DbConn,
    rules: &RegistryRules,
    scoring: &ScoringRules,
) -> Result<Option<RunRow>, AppError> {
    let today = registry::today();
    if store::run_on(conn, today, RunOrigin::Schedule)?.is_some() {
        return Ok(None);
    }
    match run(conn, rules, scoring, RunOrigin::Schedule, None, today) {
        Ok(run) => Ok(Some(run)),
        // Another instance wrote today's scheduled run first (`scoring_runs_one_scheduled_a_day`).
        Err(_) if store::run_on(conn, today, RunOrigin::Schedule)?.is_some() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `HH:MM` → the time of day of the daily run; `None` when empty or malformed.
pub fn parse_daily_at(text: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// How long until the next `at` (UTC) after `now`.
pub fn until_next(at: chrono::NaiveTime, now: chrono::NaiveDateTime) -> std::time::Duration {
    let today = now.date().and_time(at);
    let next = if today > now { today } else { today + Duration::days(1) };
    (next - now).to_std().unwrap_or_default()
}

pub fn latest_run(conn: &mut DbConn) -> Result<Option<RunRow>, AppError> {
    Ok(store::latest_run(conn)?)
}

pub fn runs_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, RunRow>, AppError> {
    Ok(store::runs_by_ids(conn, ids)?)
}

// ---- who sees a score ----

/// Whether the viewer may read a cooperative's score and findings: its managers, agents (of
/// its region, when they have one) and administrators.
pub fn can_see_score(viewer: &Viewer, cooperative_id: i64, region_id: i64) -> bool {
    match viewer.role {
        Role::Admin => true,
        Role::Agent => viewer.region_id.is_none_or(|r| r == region_id),
        Role::CooperativeManager => viewer.cooperative_id == Some(cooperative_id),
        _ => false,
    }
}

pub struct ScoreView {
    pub cooperative_id: i64,
    /// Newest first.
    pub history: Vec<ScoreRow>,
    pub findings: Vec<FindingRow>,
    /// The viewer manages this cooperative (advice is for them).
    pub for_manager: bool,
}

pub fn cooperative_score(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative_id: i64,
    history: i64,
) -> Result<Option<ScoreView>, AppError> {
    let viewer = require_viewer(viewer)?;
    let Some(cooperative) = registry::find_cooperative(conn, cooperative_id)? else { return Ok(None) };
    if !can_see_score(viewer, cooperative.id, cooperative.region_id) {
        return Err(AppError::forbidden(msg!("only the cooperative's managers and the office see its score")));
    }
    Ok(Some(ScoreView {
        cooperative_id,
        history: store::score_history(conn, cooperative_id, history.clamp(1, 50))?,
        findings: store::findings_of_cooperative(conn, cooperative_id)?,
        for_manager: viewer.role == Role::CooperativeManager,
    }))
}

/// A cooperative's latest grade, for anyone, when grades are public.
pub fn public_grade(
    conn: &mut DbConn,
    scoring: &ScoringRules,
    cooperative_id: i64,
) -> Result<Option<ScoreRow>, AppError> {
    if !scoring.public_grades {
        return Ok(None);
    }
    Ok(store::score_history(conn, cooperative_id, 1)?.into_iter().next().filter(|s| s.grade.is_some()))
}

// ---- control priorities ----

pub struct Priorities {
    pub run: Option<RunRow>,
    pub page: Page<ScoreRow>,
    /// The rank of the page's first row (1-based).
    pub first_rank: i64,
}

/// The latest run's cooperatives by risk (office staff; an agent of a region sees only it).
pub fn priorities(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    region_code: Option<&str>,
    sector_code: Option<&str>,
    args: PageArgs,
    want_total: bool,
) -> Result<Priorities, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let mut region_id = match region_code {
        Some(code) => registry::region_id(conn, &mut checks, path!["regionCode"], code)?,
        None => None,
    };
    let sector_id = match sector_code {
        Some(code) => registry::sector_id(conn, &mut checks, path!["sectorCode"], code)?,
        None => None,
    };
    checks.finish()?;
    if let Some(own) = viewer.region_id.filter(|_| viewer.role == Role::Agent) {
        if region_id.is_some_and(|r| r != own) {
            return Err(AppError::forbidden(msg!("an agent of a region sees that region's priorities")));
        }
        region_id = Some(own);
    }
    let Some(run) = store::latest_run(conn)? else {
        return Ok(Priorities { run: None, page: Page::empty(), first_rank: 1 });
    };
    let run_id = run.id;
    let page = paginate(
        conn,
        args,
        want_total,
        |conn| Ok(store::count_ranked(conn, run_id, region_id, sector_id)?),
        |conn, seek| store::ranked_page(conn, run_id, region_id, sector_id, seek),
        |row| Key(vec![row.risk_bp.into(), row.cooperative_id.into()]),
    )?;
    let first_rank = match page.rows.first() {
        Some(row) => store::rank_of(conn, run_id, region_id, sector_id, row.risk_bp, row.cooperative_id)? + 1,
        None => 1,
    };
    Ok(Priorities { run: Some(run), page, first_rank })
}

// ---- controls ----

fn control_not_found() -> AppError {
    AppError::user(ErrorCode::ControlNotFound, &["input", "id"], msg!("no such control"))
}

fn record_control_event(
    conn: &mut DbConn,
    control_id: i64,
    action: ControlAction,
    actor: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    store::insert_control_event(
        conn,
        &ControlEventRow {
            id: 0,
            control_id,
            action: action.as_str().into(),
            actor_account_id: actor,
            reason: reason.into(),
            created_at: now(),
        },
    )?;
    Ok(())
}

/// The office account an email names that may carry out a control in `region_id`: an
/// administrator, or an agent of that region (or of none).
fn office_account(conn: &mut DbConn, email: &str, region_id: i64, field: Vec<String>) -> Result<i64, AppError> {
    let account = crate::auth::service::find_account_by_email(conn, email.trim())?;
    let may = |a: &crate::auth::model::AccountRow| match a.role.as_str() {
        "ADMIN" => true,
        "AGENT" => a.region_id.is_none_or(|r| r == region_id),
        _ => false,
    };
    match account {
        Some(a) if may(&a) && !a.disabled => Ok(a.id),
        _ => Err(AppError::user(
            ErrorCode::AccountNotFound,
            &field.iter().map(String::as_str).collect::<Vec<_>>(),
            msg!("no agent of the cooperative's region or administrator has this email"),
        )),
    }
}

/// A control the viewer may act on: office staff, agents within their region.
fn control_for_staff(conn: &mut DbConn, viewer: &Viewer, id: i64) -> Result<ControlRow, AppError> {
    let control = store::control(conn, id)?.ok_or_else(control_not_found)?;
    let cooperative = registry::find_cooperative(conn, control.cooperative_id)?.ok_or_else(control_not_found)?;
    if !viewer.is_office_staff() || !can_see_score(viewer, cooperative.id, cooperative.region_id) {
        return Err(control_not_found());
    }
    Ok(control)
}

pub fn plan_control(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ControlPlanInput,
) -> Result<ControlRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let cooperative_id = decode(&mut checks, &input.cooperative_id, "Cooperative", path!["input", "cooperativeId"]);
    let reason = reason_text(&mut checks, &input.reason, path!["input", "reason"]);
    let trigger = input.trigger_event.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
    if input.kind == ControlKind::AdHoc {
        checks.check_with(
            ErrorCode::Required,
            trigger.is_some(),
            path!["input", "triggerEvent"],
            msg!("an ad-hoc control names the event that triggered it"),
        );
    }
    checks.check_with(
        ErrorCode::TooLong,
        trigger.as_ref().is_none_or(|t| t.chars().count() <= MAX_REASON),
        path!["input", "triggerEvent"],
        msg!("at most {max} characters", max = MAX_REASON),
    );
    let today = registry::today();
    checks.check_with(
        ErrorCode::OutOfRange,
        input.planned_for.0 >= today && input.planned_for.0 <= today + Duration::days(366),
        path!["input", "plannedFor"],
        msg!("a control is planned from today to a year ahead"),
    );
    checks.finish()?;
    write_tx(conn, |conn| {
        let cooperative = registry::find_cooperative(conn, cooperative_id)?
            .filter(|c| can_see_score(viewer, c.id, c.region_id))
            .ok_or_else(|| {
                AppError::user(ErrorCode::CooperativeNotFound, &["input", "cooperativeId"], msg!("no such cooperative"))
            })?;
        let assignee = match input.assignee_email.as_deref().filter(|e| !e.trim().is_empty()) {
            Some(email) => Some(office_account(conn, email, cooperative.region_id, path!["input", "assigneeEmail"])?),
            None => None,
        };
        let at = now();
        let status = if assignee.is_some() { ControlStatus::Assigned } else { ControlStatus::Planned };
        let id = store::insert_control(
            conn,
            &ControlRow {
                id: 0,
                cooperative_id: cooperative.id,
                kind: input.kind.as_str().into(),
                status: status.as_str().into(),
                trigger_event: trigger.clone(),
                reason: reason.clone(),
                planned_for: input.planned_for.0,
                assigned_to: assignee,
                follows_finding_id: None,
                held_on: None,
                outcome: None,
                outcome_note: None,
                created_by: Some(viewer.account_id),
                created_at: at,
                updated_at: at,
            },
        )?;
        record_control_event(conn, id, ControlAction::Planned, Some(viewer.account_id), &reason)?;
        if assignee.is_some() {
            record_control_event(conn, id, ControlAction::Assigned, Some(viewer.account_id), &reason)?;
        }
        store::control(conn, id)?.ok_or_else(|| AppError::internal("control vanished"))
    })
}

fn not_open(status: ControlStatus) -> AppError {
    AppError::user(
        ErrorCode::InvalidTransition,
        &["input", "id"],
        msg!("the control is {status}", status = status.as_str()),
    )
}

pub fn assign_control(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ControlAssignInput,
) -> Result<ControlRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "Control", path!["input", "id"]);
    let reason = reason_text(&mut checks, &input.reason, path!["input", "reason"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let control = control_for_staff(conn, viewer, id)?;
        let region_id = registry::find_cooperative(conn, control.cooperative_id)?.map_or(0, |c| c.region_id);
        let assignee = office_account(conn, &input.assignee_email, region_id, path!["input", "assigneeEmail"])?;
        if store::assign_control(conn, id, assignee, now())? == 0 {
            return Err(not_open(control.status()));
        }
        record_control_event(conn, id, ControlAction::Assigned, Some(viewer.account_id), &reason)?;
        store::control(conn, id)?.ok_or_else(|| AppError::internal("control vanished"))
    })
}

pub const MAX_FINDINGS: usize = 30;

/// Records a control's outcome and findings (the agent it is assigned to, or an administrator).
pub fn complete_control(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ControlCompleteInput,
) -> Result<ControlRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "Control", path!["input", "id"]);
    let today = registry::today();
    let held_on = input.held_on.0;
    checks.check_with(
        ErrorCode::OutOfRange,
        held_on <= today,
        path!["input", "heldOn"],
        msg!("a control is recorded once held"),
    );
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(String::from);
    checks.check_with(
        ErrorCode::TooLong,
        note.as_ref().is_none_or(|n| n.chars().count() <= MAX_REASON),
        path!["input", "note"],
        msg!("at most {max} characters", max = MAX_REASON),
    );
    checks.check_with(
        ErrorCode::TooLong,
        input.findings.len() <= MAX_FINDINGS,
        path!["input", "findings"],
        msg!("at most {max} findings", max = MAX_FINDINGS),
    );
    let mut findings = Vec::new();
    for (n, f) in input.findings.iter().enumerate() {
        let at = |field: &str| path!["input", "findings", n.to_string(), field];
        let description = reason_text(&mut checks, &f.description, at("description"));
        let corrective_action = reason_text(&mut checks, &f.corrective_action, at("correctiveAction"));
        checks.check_with(
            ErrorCode::OutOfRange,
            f.deadline.0 > held_on
                && held_on.checked_add_signed(Duration::days(366)).is_some_and(|end| f.deadline.0 <= end),
            at("deadline"),
            msg!("a corrective action is due after the control, within a year"),
        );
        findings.push((f.clone(), description, corrective_action));
    }
    checks.finish()?;
    write_tx(conn, |conn| {
        let control = control_for_staff(conn, viewer, id)?;
        if viewer.role == Role::Agent && control.assigned_to != Some(viewer.account_id) {
            return Err(AppError::forbidden(msg!("the agent the control is assigned to records its outcome")));
        }
        let outcome = if findings.is_empty() { ControlOutcome::NoFindings } else { ControlOutcome::Findings };
        let at = now();
        if store::close_control(conn, id, ControlStatus::Completed, Some(held_on), Some(outcome), note.as_deref(), at)?
            == 0
        {
            return Err(not_open(control.status()));
        }
        let rows: Vec<FindingRow> = findings
            .iter()
            .map(|(f, description, corrective_action)| FindingRow {
                id: 0,
                control_id: id,
                cooperative_id: control.cooperative_id,
                category: f.category.as_str().into(),
                severity: f.severity.as_str().into(),
                description: description.clone(),
                corrective_action: corrective_action.clone(),
                deadline: f.deadline.0,
                status: FindingStatus::Open.as_str().into(),
                resolved_at: None,
                resolved_by: None,
                resolution_note: None,
                follow_up_control_id: None,
                created_at: at,
            })
            .collect();
        if !rows.is_empty() {
            store::insert_findings(conn, &rows)?;
        }
        let why = note.clone().unwrap_or_else(|| format!("{} finding(s)", rows.len()));
        record_control_event(conn, id, ControlAction::Completed, Some(viewer.account_id), &why)?;
        store::control(conn, id)?.ok_or_else(|| AppError::internal("control vanished"))
    })
}

pub fn cancel_control(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ControlCancelInput,
) -> Result<ControlRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "Control", path!["input", "id"]);
    let reason = reason_text(&mut checks, &input.reason, path!["input", "reason"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let control = control_for_staff(conn, viewer, id)?;
        if store::close_control(conn, id, ControlStatus::Cancelled, None, None, None, now())? == 0 {
            return Err(not_open(control.status()));
        }
        record_control_event(conn, id, ControlAction::Cancelled, Some(viewer.account_id), &reason)?;
        store::control(conn, id)?.ok_or_else(|| AppError::internal("control vanished"))
    })
}

/// Closes a finding once its corrective action is seen done (office staff).
pub fn resolve_finding(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: FindingResolveInput,
) -> Result<FindingRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "ControlFinding", path!["input", "id"]);
    let note = reason_text(&mut checks, &input.note, path!["input", "note"]);
    checks.finish()?;
    let not_found = || AppError::user(ErrorCode::FindingNotFound, &["input", "id"], msg!("no such finding"));
    write_tx(conn, |conn| {
        let finding = store::finding(conn, id)?.ok_or_else(not_found)?;
        control_for_staff(conn, viewer, finding.control_id).map_err(|_| not_found())?;
        if store::resolve_finding(conn, id, viewer.account_id, &note, now())? == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "id"],
                msg!("the finding is already resolved"),
            ));
        }
        store::finding(conn, id)?.ok_or_else(|| AppError::internal("finding vanished"))
    })
}

/// Plans a follow-up control for every open finding whose deadline passed, once per finding.
pub fn schedule_follow_ups(conn: &mut DbConn, scoring: &ScoringRules, today: NaiveDate) -> Result<usize, AppError> {
    let overdue = store::overdue_findings(conn, today)?;
    let mut planned = 0;
    for finding in overdue {
        planned += write_tx(conn, |conn| {
            let at = now();
            let reason = format!("corrective action overdue since {}: {}", finding.deadline, finding.corrective_action);
            let id = store::insert_control(
                conn,
                &ControlRow {
                    id: 0,
                    cooperative_id: finding.cooperative_id,
                    kind: ControlKind::FollowUp.as_str().into(),
                    status: ControlStatus::Planned.as_str().into(),
                    trigger_event: None,
                    reason: reason.clone(),
                    planned_for: today + Duration::days(scoring.follow_up_within_days.max(0)),
                    assigned_to: None,
                    follows_finding_id: Some(finding.id),
                    held_on: None,
                    outcome: None,
                    outcome_note: None,
                    created_by: None,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            if store::set_follow_up(conn, finding.id, id)? == 0 {
                // Another instance planned it first: undo ours with the transaction.
                return Err(AppError::user(ErrorCode::Conflict, &[], msg!("the model changed meanwhile")));
            }
            record_control_event(conn, id, ControlAction::FollowUpScheduled, None, &reason)?;
            Ok(1)
        })
        .or_else(|e| if matches!(e, AppError::Rejected(_)) { Ok(0) } else { Err(e) })?;
    }
    Ok(planned)
}

pub fn controls(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    cooperative_id: Option<i64>,
    status: Option<ControlStatus>,
    assigned_to_me: bool,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ControlRow>, AppError> {
    let viewer = require_office_staff(viewer)?;
    if let Some(id) = cooperative_id {
        let visible = registry::find_cooperative(conn, id)?.is_some_and(|c| can_see_score(viewer, c.id, c.region_id));
        if !visible {
            return Ok(Page::empty());
        }
    } else if viewer.role == Role::Agent && viewer.region_id.is_some() && !assigned_to_me {
        return Err(AppError::forbidden(msg!("an agent of a region lists one cooperative's controls, or their own")));
    }
    let assigned = assigned_to_me.then_some(viewer.account_id);
    paginate(
        conn,
        args,
        want_total,
        |conn| Ok(store::count_controls(conn, cooperative_id, status, assigned)?),
        |conn, seek| store::controls_page(conn, cooperative_id, status, assigned, seek),
        |c| Key::id(c.id),
    )
}

pub fn finding_by_id(conn: &mut DbConn, id: i64) -> Result<Option<FindingRow>, AppError> {
    Ok(store::finding(conn, id)?)
}

pub fn control_events(conn: &mut DbConn, control_ids: &[i64]) -> Result<Vec<ControlEventRow>, AppError> {
    Ok(store::control_events(conn, control_ids)?)
}

pub fn findings_of_controls(conn: &mut DbConn, control_ids: &[i64]) -> Result<Vec<FindingRow>, AppError> {
    Ok(store::findings_of_controls(conn, control_ids)?)
}

pub fn visible_control(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<ControlRow>, AppError> {
    let Some(viewer) = viewer.filter(|v| v.is_office_staff()) else { return Ok(None) };
    Ok(control_for_staff(conn, viewer, id).ok())
}
