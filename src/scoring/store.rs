//! The scoring tables: models and their history, runs and score snapshots, controls, their
//! history and findings.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::schema::{
    control_events, control_findings, controls, cooperative_scores, scoring_model_events, scoring_models, scoring_runs,
};
use crate::kernel::db::{DbConn, by_id};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::{Seek, foreign_cursor};
use crate::{insert_batch, insert_returning_id};

// ---- models ----

pub fn model_count(conn: &mut DbConn) -> QueryResult<i64> {
    scoring_models::table.select(count_star()).first(conn)
}

pub fn next_version(conn: &mut DbConn) -> QueryResult<i32> {
    let max: Option<i32> = scoring_models::table.select(diesel::dsl::max(scoring_models::version)).first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_model(conn: &mut DbConn, row: &ModelRow) -> QueryResult<i64> {
    insert_returning_id!(conn, scoring_models::table, scoring_models::id, row)
}

pub fn model(conn: &mut DbConn, id: i64) -> QueryResult<Option<ModelRow>> {
    scoring_models::table.find(id).select(ModelRow::as_select()).first(conn).optional()
}

pub fn model_by_version(conn: &mut DbConn, version: i32) -> QueryResult<Option<ModelRow>> {
    scoring_models::table
        .filter(scoring_models::version.eq(version))
        .select(ModelRow::as_select())
        .first(conn)
        .optional()
}

pub fn published_model(conn: &mut DbConn) -> QueryResult<Option<ModelRow>> {
    scoring_models::table
        .filter(scoring_models::status.eq(ModelStatus::Published.as_str()))
        .select(ModelRow::as_select())
        .first(conn)
        .optional()
}

pub fn models(conn: &mut DbConn) -> QueryResult<Vec<ModelRow>> {
    scoring_models::table.order(scoring_models::version.desc()).select(ModelRow::as_select()).load(conn)
}

pub fn models_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ModelRow>> {
    let rows = scoring_models::table.filter(scoring_models::id.eq_any(ids)).select(ModelRow::as_select()).load(conn)?;
    Ok(by_id(rows, |m| m.id))
}

/// Changes a draft's definition; 0 when the model is no longer a draft.
pub fn update_draft(conn: &mut DbConn, id: i64, definition: &str, note: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        scoring_models::table
            .filter(scoring_models::id.eq(id))
            .filter(scoring_models::status.eq(ModelStatus::Draft.as_str())),
    )
    .set((scoring_models::definition.eq(definition), scoring_models::note.eq(note), scoring_models::updated_at.eq(at)))
    .execute(conn)
}

/// Moves a model from one status to another; 0 when it was not in `from`.
pub fn set_model_status(
    conn: &mut DbConn,
    id: i64,
    from: ModelStatus,
    to: ModelStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let target =
        scoring_models::table.filter(scoring_models::id.eq(id)).filter(scoring_models::status.eq(from.as_str()));
    if to == ModelStatus::Published {
        diesel::update(target)
            .set((
                scoring_models::status.eq(to.as_str()),
                scoring_models::updated_at.eq(at),
                scoring_models::published_at.eq(Some(at)),
            ))
            .execute(conn)
    } else {
        diesel::update(target)
            .set((scoring_models::status.eq(to.as_str()), scoring_models::updated_at.eq(at)))
            .execute(conn)
    }
}

pub fn insert_model_event(conn: &mut DbConn, row: &ModelEventRow) -> QueryResult<usize> {
    diesel::insert_into(scoring_model_events::table).values(row).execute(conn)
}

pub fn model_events(conn: &mut DbConn, model_id: i64) -> QueryResult<Vec<ModelEventRow>> {
    scoring_model_events::table
        .filter(scoring_model_events::model_id.eq(model_id))
        .order(scoring_model_events::id.asc())
        .select(ModelEventRow::as_select())
        .load(conn)
}

// ---- runs and snapshots ----

pub fn insert_run(conn: &mut DbConn, row: &RunRow) -> QueryResult<i64> {
    insert_returning_id!(conn, scoring_runs::table, scoring_runs::id, row)
}

pub fn latest_run(conn: &mut DbConn) -> QueryResult<Option<RunRow>> {
    scoring_runs::table.order(scoring_runs::id.desc()).select(RunRow::as_select()).first(conn).optional()
}

pub fn run_on(conn: &mut DbConn, as_of: NaiveDate, origin: RunOrigin) -> QueryResult<Option<RunRow>> {
    scoring_runs::table
        .filter(scoring_runs::as_of.eq(as_of))
        .filter(scoring_runs::origin.eq(origin.as_str()))
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

pub fn runs_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, RunRow>> {
    let rows = scoring_runs::table.filter(scoring_runs::id.eq_any(ids)).select(RunRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

/// Rows per `INSERT`: 12 values each stays well under SQLite's and PostgreSQL's bind limits.
const SCORE_BATCH: usize = 1_000;

pub fn insert_scores(conn: &mut DbConn, rows: &[ScoreRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(SCORE_BATCH) {
        inserted += insert_batch!(conn, cooperative_scores::table, chunk)?;
    }
    Ok(inserted)
}

/// A cooperative's snapshots, newest first.
pub fn score_history(conn: &mut DbConn, cooperative_id: i64, limit: i64) -> QueryResult<Vec<ScoreRow>> {
    cooperative_scores::table
        .filter(cooperative_scores::cooperative_id.eq(cooperative_id))
        .order(cooperative_scores::run_id.desc())
        .limit(limit)
        .select(ScoreRow::as_select())
        .load(conn)
}

type ScoresQuery<'a> = cooperative_scores::BoxedQuery<'a, crate::kernel::db::Backend>;

fn ranked(run_id: i64, region_id: Option<i64>, sector_id: Option<i64>) -> ScoresQuery<'static> {
    let mut q = cooperative_scores::table.filter(cooperative_scores::run_id.eq(run_id)).into_boxed();
    if let Some(r) = region_id {
        q = q.filter(cooperative_scores::region_id.eq(r));
    }
    if let Some(s) = sector_id {
        q = q.filter(cooperative_scores::sector_id.eq(s));
    }
    q
}

pub fn count_ranked(
    conn: &mut DbConn,
    run_id: i64,
    region_id: Option<i64>,
    sector_id: Option<i64>,
) -> QueryResult<i64> {
    ranked(run_id, region_id, sector_id).select(count_star()).first(conn)
}

/// A page of a run's snapshots by risk, highest first (ties by cooperative id): the key is
/// `[risk_bp, cooperative_id]`.
pub fn ranked_page(
    conn: &mut DbConn,
    run_id: i64,
    region_id: Option<i64>,
    sector_id: Option<i64>,
    seek: &Seek,
) -> Result<Vec<ScoreRow>, AppError> {
    use cooperative_scores::{cooperative_id as coop, risk_bp as risk};
    let bound = |key: &Option<crate::kernel::graphql::relay::Key>, which: &str| {
        key.as_ref()
            .map(|k| match (k.int(0), k.int(1), k.0.len()) {
                (Some(r), Some(c), 2) => Ok((r as i32, c)),
                _ => Err(foreign_cursor(which)),
            })
            .transpose()
    };
    let mut q = ranked(run_id, region_id, sector_id);
    if let Some((r, c)) = bound(&seek.after, "after")? {
        q = q.filter(risk.lt(r).or(risk.eq(r).and(coop.gt(c))));
    }
    if let Some((r, c)) = bound(&seek.before, "before")? {
        q = q.filter(risk.gt(r).or(risk.eq(r).and(coop.lt(c))));
    }
    let q = if seek.backwards { q.order((risk.asc(), coop.desc())) } else { q.order((risk.desc(), coop.asc())) };
    Ok(q.limit(seek.fetch as i64).select(ScoreRow::as_select()).load(conn)?)
}

/// How many of a run's snapshots rank before `(risk_bp, cooperative_id)`.
pub fn rank_of(
    conn: &mut DbConn,
    run_id: i64,
    region_id: Option<i64>,
    sector_id: Option<i64>,
    risk_bp: i32,
    cooperative_id: i64,
) -> QueryResult<i64> {
    use cooperative_scores::{cooperative_id as coop, risk_bp as risk};
    ranked(run_id, region_id, sector_id)
        .filter(risk.gt(risk_bp).or(risk.eq(risk_bp).and(coop.lt(cooperative_id))))
        .select(count_star())
        .first(conn)
}

// ---- controls and findings ----

pub fn insert_control(conn: &mut DbConn, row: &ControlRow) -> QueryResult<i64> {
    insert_returning_id!(conn, controls::table, controls::id, row)
}

pub fn control(conn: &mut DbConn, id: i64) -> QueryResult<Option<ControlRow>> {
    controls::table.find(id).select(ControlRow::as_select()).first(conn).optional()
}

pub fn controls_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ControlRow>> {
    let rows = controls::table.filter(controls::id.eq_any(ids)).select(ControlRow::as_select()).load(conn)?;
    Ok(by_id(rows, |c| c.id))
}

/// Assigns a control still open; 0 when it is completed or cancelled.
pub fn assign_control(conn: &mut DbConn, id: i64, account_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        controls::table
            .filter(controls::id.eq(id))
            .filter(controls::status.eq_any([ControlStatus::Planned.as_str(), ControlStatus::Assigned.as_str()])),
    )
    .set((
        controls::assigned_to.eq(Some(account_id)),
        controls::status.eq(ControlStatus::Assigned.as_str()),
        controls::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Closes a control still open (completed with its outcome, or cancelled); 0 when it was not open.
pub fn close_control(
    conn: &mut DbConn,
    id: i64,
    to: ControlStatus,
    held_on: Option<NaiveDate>,
    outcome: Option<ControlOutcome>,
    note: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        controls::table
            .filter(controls::id.eq(id))
            .filter(controls::status.eq_any([ControlStatus::Planned.as_str(), ControlStatus::Assigned.as_str()])),
    )
    .set((
        controls::status.eq(to.as_str()),
        controls::held_on.eq(held_on),
        controls::outcome.eq(outcome.map(|o| o.as_str())),
        controls::outcome_note.eq(note),
        controls::updated_at.eq(at),
    ))
    .execute(conn)
}

type ControlsQuery<'a> = controls::BoxedQuery<'a, crate::kernel::db::Backend>;

fn controls_where(
    cooperative_id: Option<i64>,
    status: Option<ControlStatus>,
    assigned_to: Option<i64>,
) -> ControlsQuery<'static> {
    let mut q = controls::table.into_boxed();
    if let Some(c) = cooperative_id {
        q = q.filter(controls::cooperative_id.eq(c));
    }
    if let Some(s) = status {
        q = q.filter(controls::status.eq(s.as_str()));
    }
    if let Some(a) = assigned_to {
        q = q.filter(controls::assigned_to.eq(a));
    }
    q
}

pub fn count_controls(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    status: Option<ControlStatus>,
    assigned_to: Option<i64>,
) -> QueryResult<i64> {
    controls_where(cooperative_id, status, assigned_to).select(count_star()).first(conn)
}

/// Controls, newest first.
pub fn controls_page(
    conn: &mut DbConn,
    cooperative_id: Option<i64>,
    status: Option<ControlStatus>,
    assigned_to: Option<i64>,
    seek: &Seek,
) -> Result<Vec<ControlRow>, AppError> {
    let q = controls_where(cooperative_id, status, assigned_to);
    Ok(crate::seek_by_id!(q, controls::id, seek, descending).select(ControlRow::as_select()).load(conn)?)
}

pub fn insert_control_event(conn: &mut DbConn, row: &ControlEventRow) -> QueryResult<usize> {
    diesel::insert_into(control_events::table).values(row).execute(conn)
}

pub fn control_events(conn: &mut DbConn, control_ids: &[i64]) -> QueryResult<Vec<ControlEventRow>> {
    control_events::table
        .filter(control_events::control_id.eq_any(control_ids))
        .order(control_events::id.asc())
        .select(ControlEventRow::as_select())
        .load(conn)
}

pub fn insert_findings(conn: &mut DbConn, rows: &[FindingRow]) -> QueryResult<usize> {
    insert_batch!(conn, control_findings::table, rows)
}

pub fn finding(conn: &mut DbConn, id: i64) -> QueryResult<Option<FindingRow>> {
    control_findings::table.find(id).select(FindingRow::as_select()).first(conn).optional()
}

pub fn findings_of_controls(conn: &mut DbConn, control_ids: &[i64]) -> QueryResult<Vec<FindingRow>> {
    control_findings::table
        .filter(control_findings::control_id.eq_any(control_ids))
        .order(control_findings::id.asc())
        .select(FindingRow::as_select())
        .load(conn)
}

/// A cooperative's findings, open ones first, newest first within.
pub fn findings_of_cooperative(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<FindingRow>> {
    control_findings::table
        .filter(control_findings::cooperative_id.eq(cooperative_id))
        .order((control_findings::status.asc(), control_findings::id.desc()))
        .select(FindingRow::as_select())
        .load(conn)
}

pub fn resolve_finding(conn: &mut DbConn, id: i64, by: i64, note: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        control_findings::table
            .filter(control_findings::id.eq(id))
            .filter(control_findings::status.eq(FindingStatus::Open.as_str())),
    )
    .set((
        control_findings::status.eq(FindingStatus::Resolved.as_str()),
        control_findings::resolved_at.eq(Some(at)),
        control_findings::resolved_by.eq(Some(by)),
        control_findings::resolution_note.eq(Some(note)),
    ))
    .execute(conn)
}

/// Open findings whose corrective action is past its deadline and has no follow-up yet.
pub fn overdue_findings(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<FindingRow>> {
    control_findings::table
        .filter(control_findings::status.eq(FindingStatus::Open.as_str()))
        .filter(control_findings::deadline.lt(today))
        .filter(control_findings::follow_up_control_id.is_null())
        .order(control_findings::id.asc())
        .select(FindingRow::as_select())
        .load(conn)
}

/// Links a finding to its follow-up; 0 when another process linked one first.
pub fn set_follow_up(conn: &mut DbConn, finding_id: i64, control_id: i64) -> QueryResult<usize> {
    diesel::update(
        control_findings::table
            .filter(control_findings::id.eq(finding_id))
            .filter(control_findings::follow_up_control_id.is_null()),
    )
    .set(control_findings::follow_up_control_id.eq(Some(control_id)))
    .execute(conn)
}

/// Open findings per cooperative and severity.
pub fn open_findings_by_severity(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, i64)>> {
    control_findings::table
        .filter(control_findings::status.eq(FindingStatus::Open.as_str()))
        .group_by((control_findings::cooperative_id, control_findings::severity))
        .select((control_findings::cooperative_id, control_findings::severity, count_star()))
        .load(conn)
}
