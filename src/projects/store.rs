//! The project bank's queries.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::schema::{
    funding_programmes, project_application_events, project_application_members, project_application_reviews,
    project_applications, project_call_reviewers, project_calls, project_idea_courses, project_idea_paths,
    project_ideas, project_saved_searches, provinces,
};
use crate::kernel::db::{Backend, DbConn, by_id, group_by};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;
use crate::{insert_batch, insert_returning_id, seek_by_id};

// ---- provinces ----

pub fn provinces(conn: &mut DbConn, region_id: Option<i64>) -> QueryResult<Vec<ProvinceRow>> {
    let mut q = provinces::table.into_boxed::<Backend>();
    if let Some(r) = region_id {
        q = q.filter(provinces::region_id.eq(r));
    }
    q.order(provinces::id).select(ProvinceRow::as_select()).load(conn)
}

pub fn provinces_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ProvinceRow>> {
    let rows = provinces::table.filter(provinces::id.eq_any(ids)).select(ProvinceRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn province_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ProvinceRow>> {
    provinces::table.filter(provinces::code.eq(code)).select(ProvinceRow::as_select()).first(conn).optional()
}

// ---- programmes ----

pub fn insert_programme(conn: &mut DbConn, fields: &ProgrammeFields, at: NaiveDateTime) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        funding_programmes::table,
        funding_programmes::id,
        (fields, funding_programmes::created_at.eq(at))
    )
}

pub fn update_programme(conn: &mut DbConn, id: i64, fields: &ProgrammeFields) -> QueryResult<usize> {
    diesel::update(funding_programmes::table.find(id)).set(fields).execute(conn)
}

pub fn programme_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ProgrammeRow>> {
    funding_programmes::table
        .filter(funding_programmes::code.eq(code))
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()
}

pub fn programmes(conn: &mut DbConn) -> QueryResult<Vec<ProgrammeRow>> {
    funding_programmes::table.order(funding_programmes::id).select(ProgrammeRow::as_select()).load(conn)
}

pub fn programmes_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, ProgrammeRow>> {
    let rows = funding_programmes::table
        .filter(funding_programmes::id.eq_any(ids))
        .select(ProgrammeRow::as_select())
        .load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

// ---- ideas ----

pub fn insert_idea(conn: &mut DbConn, fields: &IdeaFields, created_by: i64, at: NaiveDateTime) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        project_ideas::table,
        project_ideas::id,
        (
            fields,
            project_ideas::status.eq(IdeaStatus::Draft.as_str()),
            project_ideas::version.eq(1),
            project_ideas::created_by.eq(created_by),
            project_ideas::created_at.eq(at),
        )
    )
}

/// Saves an idea's fields when its version is still `version`; the version moves on by one.
pub fn update_idea(conn: &mut DbConn, id: i64, version: i32, fields: &IdeaFields) -> QueryResult<usize> {
    diesel::update(project_ideas::table.find(id).filter(project_ideas::version.eq(version)))
        .set((fields, project_ideas::version.eq(version + 1)))
        .execute(conn)
}

/// Moves an idea from `from` to `to` (0 rows when it is no longer in `from`).
pub fn set_idea_status(
    conn: &mut DbConn,
    id: i64,
    from: IdeaStatus,
    to: IdeaStatus,
    submitted_by: Option<i64>,
    published_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(project_ideas::table.find(id).filter(project_ideas::status.eq(from.as_str())))
        .set((
            project_ideas::status.eq(to.as_str()),
            project_ideas::submitted_by.eq(submitted_by),
            project_ideas::published_at.eq(published_at),
            project_ideas::version.eq(project_ideas::version + 1),
            project_ideas::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn idea(conn: &mut DbConn, id: i64) -> QueryResult<Option<IdeaRow>> {
    project_ideas::table.find(id).select(IdeaRow::as_select()).first(conn).optional()
}

pub fn idea_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<IdeaRow>> {
    project_ideas::table.filter(project_ideas::code.eq(code)).select(IdeaRow::as_select()).first(conn).optional()
}

pub fn ideas_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, IdeaRow>> {
    let rows = project_ideas::table.filter(project_ideas::id.eq_any(ids)).select(IdeaRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

/// The database's side of an idea search: the same filters, for lists and for checking counts.
#[derive(Default, Clone)]
pub struct IdeaQuery {
    pub statuses: Option<Vec<&'static str>>,
    pub region_ids: Vec<i64>,
    pub province_ids: Vec<i64>,
    pub sector_ids: Vec<i64>,
    pub target_groups: Vec<&'static str>,
    pub funding: Vec<&'static str>,
    pub max_investment_minor: Option<i64>,
    pub min_jobs: Option<i32>,
    pub published_after: Option<NaiveDateTime>,
}

fn idea_filter(q: &IdeaQuery) -> project_ideas::BoxedQuery<'static, Backend> {
    let mut query = project_ideas::table.into_boxed::<Backend>();
    if let Some(statuses) = &q.statuses {
        query = query.filter(project_ideas::status.eq_any(statuses.clone()));
    }
    if !q.region_ids.is_empty() {
        query = query.filter(project_ideas::region_id.eq_any(q.region_ids.clone()));
    }
    if !q.province_ids.is_empty() {
        query = query.filter(project_ideas::province_id.eq_any(q.province_ids.clone()));
    }
    if !q.sector_ids.is_empty() {
        query = query.filter(project_ideas::sector_id.eq_any(q.sector_ids.clone()));
    }
    // The lists are stored `,A,B,`: one value is `%,A,%`.
    if let Some((first, rest)) = q.target_groups.split_first() {
        let mut any: Box<dyn BoxableExpression<project_ideas::table, Backend, SqlType = diesel::sql_types::Bool>> =
            Box::new(project_ideas::target_groups.like(format!("%,{first},%")));
        for g in rest {
            any = Box::new(any.or(project_ideas::target_groups.like(format!("%,{g},%"))));
        }
        query = query.filter(any);
    }
    if let Some((first, rest)) = q.funding.split_first() {
        let mut any: Box<dyn BoxableExpression<project_ideas::table, Backend, SqlType = diesel::sql_types::Bool>> =
            Box::new(project_ideas::funding_instruments.like(format!("%,{first},%")));
        for f in rest {
            any = Box::new(any.or(project_ideas::funding_instruments.like(format!("%,{f},%"))));
        }
        query = query.filter(any);
    }
    if let Some(max) = q.max_investment_minor {
        query = query.filter(project_ideas::investment_min_minor.le(max));
    }
    if let Some(min) = q.min_jobs {
        query = query.filter(project_ideas::expected_jobs.ge(min));
    }
    if let Some(after) = q.published_after {
        query = query.filter(project_ideas::published_at.gt(after));
    }
    query
}

pub fn count_ideas(conn: &mut DbConn, q: &IdeaQuery) -> QueryResult<i64> {
    idea_filter(q).count().get_result(conn)
}

pub fn list_ideas(conn: &mut DbConn, q: &IdeaQuery, seek: &Seek) -> Result<Vec<IdeaRow>, AppError> {
    let query = seek_by_id!(idea_filter(q), project_ideas::id, seek, ascending);
    Ok(query.select(IdeaRow::as_select()).load(conn)?)
}

pub fn published_idea_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    project_ideas::table
        .filter(project_ideas::status.eq(IdeaStatus::Published.as_str()))
        .order(project_ideas::id)
        .select(project_ideas::id)
        .load(conn)
}

pub fn replace_idea_requirements(
    conn: &mut DbConn,
    idea_id: i64,
    course_ids: &[i64],
    path_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(project_idea_courses::table.filter(project_idea_courses::idea_id.eq(idea_id))).execute(conn)?;
    diesel::delete(project_idea_paths::table.filter(project_idea_paths::idea_id.eq(idea_id))).execute(conn)?;
    if !course_ids.is_empty() {
        let rows: Vec<_> = course_ids
            .iter()
            .map(|c| (project_idea_courses::idea_id.eq(idea_id), project_idea_courses::course_id.eq(*c)))
            .collect();
        insert_batch!(conn, project_idea_courses::table, &rows)?;
    }
    if !path_ids.is_empty() {
        let rows: Vec<_> = path_ids
            .iter()
            .map(|p| (project_idea_paths::idea_id.eq(idea_id), project_idea_paths::path_id.eq(*p)))
            .collect();
        insert_batch!(conn, project_idea_paths::table, &rows)?;
    }
    Ok(())
}

pub fn idea_courses(conn: &mut DbConn, idea_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = project_idea_courses::table
        .filter(project_idea_courses::idea_id.eq_any(idea_ids))
        .order((project_idea_courses::idea_id, project_idea_courses::course_id))
        .select((project_idea_courses::idea_id, project_idea_courses::course_id))
        .load(conn)?;
    Ok(group_by(rows, |r| r.0).into_iter().map(|(k, v)| (k, v.into_iter().map(|r| r.1).collect())).collect())
}

pub fn idea_paths(conn: &mut DbConn, idea_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = project_idea_paths::table
        .filter(project_idea_paths::idea_id.eq_any(idea_ids))
        .order((project_idea_paths::idea_id, project_idea_paths::path_id))
        .select((project_idea_paths::idea_id, project_idea_paths::path_id))
        .load(conn)?;
    Ok(group_by(rows, |r| r.0).into_iter().map(|(k, v)| (k, v.into_iter().map(|r| r.1).collect())).collect())
}

// ---- calls ----

pub fn insert_call(conn: &mut DbConn, fields: &CallFields, created_by: i64, at: NaiveDateTime) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        project_calls::table,
        project_calls::id,
        (
            fields,
            project_calls::status.eq(CallStatus::Forecast.as_str()),
            project_calls::created_by.eq(created_by),
            project_calls::created_at.eq(at),
        )
    )
}

pub fn update_call(conn: &mut DbConn, id: i64, fields: &CallFields) -> QueryResult<usize> {
    diesel::update(project_calls::table.find(id)).set(fields).execute(conn)
}

pub fn set_call_status(
    conn: &mut DbConn,
    id: i64,
    from: CallStatus,
    to: CallStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(project_calls::table.find(id).filter(project_calls::status.eq(from.as_str())))
        .set((project_calls::status.eq(to.as_str()), project_calls::updated_at.eq(at)))
        .execute(conn)
}

pub fn call(conn: &mut DbConn, id: i64) -> QueryResult<Option<CallRow>> {
    project_calls::table.find(id).select(CallRow::as_select()).first(conn).optional()
}

pub fn call_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<CallRow>> {
    project_calls::table.filter(project_calls::code.eq(code)).select(CallRow::as_select()).first(conn).optional()
}

pub fn calls_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, CallRow>> {
    let rows = project_calls::table.filter(project_calls::id.eq_any(ids)).select(CallRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn calls(conn: &mut DbConn, statuses: &[&'static str]) -> QueryResult<Vec<CallRow>> {
    project_calls::table
        .filter(project_calls::status.eq_any(statuses))
        .order((project_calls::opens_at.desc(), project_calls::id))
        .select(CallRow::as_select())
        .load(conn)
}

/// Calls that opened after `after` and are open.
pub fn calls_opened_after(conn: &mut DbConn, after: NaiveDateTime) -> QueryResult<Vec<CallRow>> {
    project_calls::table
        .filter(project_calls::status.eq(CallStatus::Open.as_str()))
        .filter(project_calls::updated_at.gt(after))
        .order(project_calls::id)
        .select(CallRow::as_select())
        .load(conn)
}

pub fn replace_reviewers(conn: &mut DbConn, call_id: i64, account_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(project_call_reviewers::table.filter(project_call_reviewers::call_id.eq(call_id))).execute(conn)?;
    if !account_ids.is_empty() {
        let rows: Vec<_> = account_ids
            .iter()
            .map(|a| (project_call_reviewers::call_id.eq(call_id), project_call_reviewers::account_id.eq(*a)))
            .collect();
        insert_batch!(conn, project_call_reviewers::table, &rows)?;
    }
    Ok(())
}

pub fn is_reviewer(conn: &mut DbConn, call_id: i64, account_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        project_call_reviewers::table
            .filter(project_call_reviewers::call_id.eq(call_id))
            .filter(project_call_reviewers::account_id.eq(account_id)),
    ))
    .get_result(conn)
}

// ---- applications ----

pub fn insert_application(conn: &mut DbConn, row: &NewApplication) -> QueryResult<i64> {
    insert_returning_id!(conn, project_applications::table, project_applications::id, row)
}

pub fn insert_applications(conn: &mut DbConn, rows: &[NewApplication]) -> QueryResult<usize> {
    insert_batch!(conn, project_applications::table, rows)
}

pub fn count_generated(conn: &mut DbConn, call_id: i64) -> QueryResult<i64> {
    project_applications::table
        .filter(project_applications::call_id.eq(call_id))
        .filter(project_applications::applicant_key.like("gen:%"))
        .count()
        .get_result(conn)
}

pub fn update_application(conn: &mut DbConn, id: i64, fields: &ApplicationFields) -> QueryResult<usize> {
    diesel::update(project_applications::table.find(id)).set(fields).execute(conn)
}

/// Moves an application from `from` to `to` (0 rows when another request moved it first).
pub fn set_stage(conn: &mut DbConn, id: i64, from: Stage, to: Stage, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(project_applications::table.find(id).filter(project_applications::stage.eq(from.as_str())))
        .set((project_applications::stage.eq(to.as_str()), project_applications::updated_at.eq(at)))
        .execute(conn)
}

/// Records an evaluation at submission, if the application is still as it was read (`seen`).
pub fn set_submitted(
    conn: &mut DbConn,
    id: i64,
    seen: NaiveDateTime,
    eligibility: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(project_applications::table.find(id).filter(project_applications::updated_at.eq(seen)))
        .set((
            project_applications::eligibility.eq(eligibility),
            project_applications::submitted_at.eq(at),
            project_applications::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_score(conn: &mut DbConn, id: i64, score_bp: i32) -> QueryResult<usize> {
    diesel::update(project_applications::table.find(id)).set(project_applications::score_bp.eq(score_bp)).execute(conn)
}

pub fn set_registration_application(conn: &mut DbConn, id: i64, registration_id: i64) -> QueryResult<usize> {
    diesel::update(project_applications::table.find(id))
        .set(project_applications::registration_application_id.eq(registration_id))
        .execute(conn)
}

pub fn application(conn: &mut DbConn, id: i64) -> QueryResult<Option<ApplicationRow>> {
    project_applications::table.find(id).select(ApplicationRow::as_select()).first(conn).optional()
}

pub fn application_by_key(conn: &mut DbConn, call_id: i64, key: &str) -> QueryResult<Option<ApplicationRow>> {
    project_applications::table
        .filter(project_applications::call_id.eq(call_id))
        .filter(project_applications::applicant_key.eq(key))
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

pub fn applications_of_account_in_call(
    conn: &mut DbConn,
    call_id: i64,
    account_id: i64,
) -> QueryResult<Vec<ApplicationRow>> {
    project_applications::table
        .filter(project_applications::call_id.eq(call_id))
        .filter(project_applications::applicant_account_id.eq(account_id))
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// Which applications a list shows.
#[derive(Default, Clone)]
pub struct ApplicationQuery {
    pub call_id: Option<i64>,
    pub stage: Option<&'static str>,
    pub applicant_account_id: Option<i64>,
    pub region_id: Option<i64>,
}

fn application_filter(q: &ApplicationQuery) -> project_applications::BoxedQuery<'static, Backend> {
    let mut query = project_applications::table.into_boxed::<Backend>();
    if let Some(c) = q.call_id {
        query = query.filter(project_applications::call_id.eq(c));
    }
    if let Some(s) = q.stage {
        query = query.filter(project_applications::stage.eq(s));
    }
    if let Some(a) = q.applicant_account_id {
        query = query.filter(project_applications::applicant_account_id.eq(a));
    }
    if let Some(r) = q.region_id {
        query = query.filter(project_applications::region_id.eq(r));
    }
    query
}

pub fn count_applications(conn: &mut DbConn, q: &ApplicationQuery) -> QueryResult<i64> {
    application_filter(q).count().get_result(conn)
}

pub fn list_applications(
    conn: &mut DbConn,
    q: &ApplicationQuery,
    seek: &Seek,
) -> Result<Vec<ApplicationRow>, AppError> {
    let query = seek_by_id!(application_filter(q), project_applications::id, seek, ascending);
    Ok(query.select(ApplicationRow::as_select()).load(conn)?)
}

/// Applications past selection, waiting for their team's training, that name this account.
pub fn training_applications_of_member(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<ApplicationRow>> {
    let ids = project_application_members::table
        .filter(project_application_members::account_id.eq(account_id))
        .select(project_application_members::application_id);
    project_applications::table
        .filter(project_applications::id.eq_any(ids))
        .filter(project_applications::stage.eq(Stage::Training.as_str()))
        .filter(project_applications::registration_application_id.is_null())
        .select(ApplicationRow::as_select())
        .load(conn)
}

pub fn replace_members(conn: &mut DbConn, application_id: i64, members: &[MemberRow]) -> QueryResult<()> {
    diesel::delete(
        project_application_members::table.filter(project_application_members::application_id.eq(application_id)),
    )
    .execute(conn)?;
    if !members.is_empty() {
        insert_batch!(conn, project_application_members::table, members)?;
    }
    Ok(())
}

pub fn members(conn: &mut DbConn, application_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<MemberRow>>> {
    let rows = project_application_members::table
        .filter(project_application_members::application_id.eq_any(application_ids))
        .order((project_application_members::application_id, project_application_members::position))
        .select(MemberRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |m| m.application_id))
}

pub fn insert_event(conn: &mut DbConn, event: &NewEvent) -> QueryResult<usize> {
    diesel::insert_into(project_application_events::table).values(event).execute(conn)
}

pub fn events(conn: &mut DbConn, application_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<EventRow>>> {
    let rows = project_application_events::table
        .filter(project_application_events::application_id.eq_any(application_ids))
        .order((project_application_events::application_id, project_application_events::id))
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(group_by(rows, |e| e.application_id))
}

pub fn insert_review(conn: &mut DbConn, review: &NewReview) -> QueryResult<usize> {
    diesel::insert_into(project_application_reviews::table).values(review).execute(conn)
}

pub fn reviews(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<ReviewRow>> {
    project_application_reviews::table
        .filter(project_application_reviews::application_id.eq(application_id))
        .order(project_application_reviews::id)
        .select(ReviewRow::as_select())
        .load(conn)
}

/// Applications of a call already selected or further on (the budget and quota count them).
pub fn selected_of_call(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<ApplicationRow>> {
    let past_selection =
        [Stage::Selected, Stage::Training, Stage::FinancingReview, Stage::Funded, Stage::Monitoring, Stage::Closed]
            .map(|s| s.as_str());
    project_applications::table
        .filter(project_applications::call_id.eq(call_id))
        .filter(project_applications::stage.eq_any(past_selection))
        .select(ApplicationRow::as_select())
        .load(conn)
}

/// (stage, region, lead gender, lead birth year, count) of the submitted applications, of one
/// call or of all: the one grouped scan the statistics are computed from.
/// (stage, region id, lead's gender, lead's birth year, count).
pub type FigureRow = (String, i64, String, i32, i64);

pub fn figures(conn: &mut DbConn, call_id: Option<i64>) -> QueryResult<Vec<FigureRow>> {
    use project_applications::dsl as a;
    let columns = (a::stage, a::region_id, a::lead_gender, a::lead_birth_year);
    let selected = (a::stage, a::region_id, a::lead_gender, a::lead_birth_year, diesel::dsl::count_star());
    let submitted = a::stage.ne(Stage::Draft.as_str());
    match call_id {
        Some(c) => a::project_applications
            .filter(a::call_id.eq(c))
            .filter(submitted)
            .group_by(columns)
            .select(selected)
            .load(conn),
        None => a::project_applications.filter(submitted).group_by(columns).select(selected).load(conn),
    }
}

// ---- saved searches ----

pub fn insert_saved_search(conn: &mut DbConn, row: &NewSavedSearch) -> QueryResult<i64> {
    insert_returning_id!(conn, project_saved_searches::table, project_saved_searches::id, row)
}

pub fn saved_search(conn: &mut DbConn, id: i64) -> QueryResult<Option<SavedSearchRow>> {
    project_saved_searches::table.find(id).select(SavedSearchRow::as_select()).first(conn).optional()
}

pub fn saved_searches_of(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<SavedSearchRow>> {
    project_saved_searches::table
        .filter(project_saved_searches::account_id.eq(account_id))
        .order(project_saved_searches::id)
        .select(SavedSearchRow::as_select())
        .load(conn)
}

pub fn count_saved_searches_of(conn: &mut DbConn, account_id: i64) -> QueryResult<i64> {
    project_saved_searches::table.filter(project_saved_searches::account_id.eq(account_id)).count().get_result(conn)
}

pub fn delete_saved_search(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(project_saved_searches::table.find(id)).execute(conn)
}

pub fn set_alerts(conn: &mut DbConn, id: i64, alerts: bool) -> QueryResult<usize> {
    diesel::update(project_saved_searches::table.find(id)).set(project_saved_searches::alerts.eq(alerts)).execute(conn)
}

pub fn set_unsubscribe_hash(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(project_saved_searches::table.find(id))
        .set(project_saved_searches::unsubscribe_hash.eq(hash))
        .execute(conn)
}

pub fn unsubscribe(conn: &mut DbConn, hash: &str) -> QueryResult<usize> {
    diesel::update(project_saved_searches::table.filter(project_saved_searches::unsubscribe_hash.eq(hash)))
        .set(project_saved_searches::alerts.eq(false))
        .execute(conn)
}

/// Saved searches with alerts whose last digest is older than `before`.
pub fn due_alerts(
    conn: &mut DbConn,
    before: NaiveDateTime,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<SavedSearchRow>> {
    project_saved_searches::table
        .filter(project_saved_searches::id.gt(after_id))
        .filter(project_saved_searches::alerts.eq(true))
        .filter(project_saved_searches::last_alerted_at.le(before))
        .order(project_saved_searches::id)
        .limit(limit)
        .select(SavedSearchRow::as_select())
        .load(conn)
}

/// Marks a digest sent, once: 0 rows when another worker sent it first.
pub fn mark_alerted(conn: &mut DbConn, id: i64, previous: NaiveDateTime, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(project_saved_searches::table.find(id).filter(project_saved_searches::last_alerted_at.eq(previous)))
        .set(project_saved_searches::last_alerted_at.eq(at))
        .execute(conn)
}
