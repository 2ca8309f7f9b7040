//! The academy's queries.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use crate::kernel::db::schema::{
    academy_activities, academy_activity_progress, academy_certificates, academy_course_versions, academy_courses,
    academy_enrollments, academy_events, academy_modules, academy_path_courses, academy_path_enrollments,
    academy_paths, academy_quiz_attempts,
};
use crate::kernel::db::{Backend, DbConn, by_id};
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::Seek;
use crate::{insert_batch, insert_returning_id, seek_by_id};

// ---- courses ----

pub fn insert_course(conn: &mut DbConn, fields: &CourseFields, created_by: i64, at: NaiveDateTime) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        academy_courses::table,
        academy_courses::id,
        (
            fields,
            academy_courses::status.eq(CourseStatus::Draft.as_str()),
            academy_courses::created_by.eq(created_by),
            academy_courses::created_at.eq(at),
        )
    )
}

pub fn update_course(conn: &mut DbConn, id: i64, fields: &CourseFields) -> QueryResult<usize> {
    diesel::update(academy_courses::table.find(id)).set(fields).execute(conn)
}

pub fn set_course_status(
    conn: &mut DbConn,
    id: i64,
    status: CourseStatus,
    published_version: Option<i32>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(academy_courses::table.find(id))
        .set((
            academy_courses::status.eq(status.as_str()),
            academy_courses::published_version.eq(published_version),
            academy_courses::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn course(conn: &mut DbConn, id: i64) -> QueryResult<Option<CourseRow>> {
    academy_courses::table.find(id).select(CourseRow::as_select()).first(conn).optional()
}

pub fn course_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<CourseRow>> {
    academy_courses::table.filter(academy_courses::code.eq(code)).select(CourseRow::as_select()).first(conn).optional()
}

/// Ids of the published courses (the search index holds those).
pub fn published_course_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    academy_courses::table
        .filter(academy_courses::status.eq(CourseStatus::Published.as_str()))
        .order(academy_courses::id)
        .select(academy_courses::id)
        .load(conn)
}

pub fn courses_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, CourseRow>> {
    let rows =
        academy_courses::table.filter(academy_courses::id.eq_any(ids)).select(CourseRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

/// What the course list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    /// `None`: every status (staff).
    pub statuses: Option<Vec<&'static str>>,
    pub sector_id: Option<i64>,
    pub level: Option<&'static str>,
    /// A locale code the course is taught in.
    pub language: Option<&'static str>,
    pub ids: Option<Vec<i64>>,
}

fn course_filter<'a>(q: &'a CourseQuery) -> academy_courses::BoxedQuery<'a, Backend> {
    let mut query = academy_courses::table.into_boxed();
    if let Some(statuses) = &q.statuses {
        query = query.filter(academy_courses::status.eq_any(statuses.clone()));
    }
    if let Some(sector) = q.sector_id {
        query = query.filter(academy_courses::sector_id.eq(sector));
    }
    if let Some(level) = q.level {
        query = query.filter(academy_courses::level.eq(level));
    }
    if let Some(language) = q.language {
        // `languages` is a comma-separated list without spaces.
        query = query.filter(
            academy_courses::languages
                .eq(language)
                .or(academy_courses::languages.like(format!("{language},%")))
                .or(academy_courses::languages.like(format!("%,{language}")))
                .or(academy_courses::languages.like(format!("%,{language},%"))),
        );
    }
    if let Some(ids) = &q.ids {
        query = query.filter(academy_courses::id.eq_any(ids.clone()));
    }
    query
}

pub fn count_courses(conn: &mut DbConn, q: &CourseQuery) -> QueryResult<i64> {
    course_filter(q).count().get_result(conn)
}

pub fn list_courses(conn: &mut DbConn, q: &CourseQuery, seek: &Seek) -> Result<Vec<CourseRow>, AppError> {
    let query = seek_by_id!(course_filter(q), academy_courses::id, seek, ascending);
    Ok(query.select(CourseRow::as_select()).load(conn)?)
}

pub fn insert_module(conn: &mut DbConn, course_id: i64) -> QueryResult<i64> {
    insert_returning_id!(conn, academy_modules::table, academy_modules::id, academy_modules::course_id.eq(course_id))
}

pub fn insert_activity(conn: &mut DbConn, course_id: i64) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        academy_activities::table,
        academy_activities::id,
        academy_activities::course_id.eq(course_id)
    )
}

pub fn module_course(conn: &mut DbConn, id: i64) -> QueryResult<Option<i64>> {
    academy_modules::table.find(id).select(academy_modules::course_id).first(conn).optional()
}

pub fn module_ids(conn: &mut DbConn, course_id: i64) -> QueryResult<Vec<i64>> {
    academy_modules::table.filter(academy_modules::course_id.eq(course_id)).select(academy_modules::id).load(conn)
}

pub fn activity_ids(conn: &mut DbConn, course_id: i64) -> QueryResult<Vec<i64>> {
    academy_activities::table
        .filter(academy_activities::course_id.eq(course_id))
        .select(academy_activities::id)
        .load(conn)
}

/// The course of each activity.
pub fn activity_courses(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    Ok(academy_activities::table
        .filter(academy_activities::id.eq_any(ids))
        .select((academy_activities::id, academy_activities::course_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

// ---- versions ----

pub fn insert_version(
    conn: &mut DbConn,
    course_id: i64,
    version: i32,
    content: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        academy_course_versions::table,
        academy_course_versions::id,
        (
            academy_course_versions::course_id.eq(course_id),
            academy_course_versions::version.eq(version),
            academy_course_versions::content.eq(content),
            academy_course_versions::published_by.eq(by),
            academy_course_versions::published_at.eq(at),
        )
    )
}

pub fn latest_version(conn: &mut DbConn, course_id: i64) -> QueryResult<Option<VersionRow>> {
    academy_course_versions::table
        .filter(academy_course_versions::course_id.eq(course_id))
        .order(academy_course_versions::version.desc())
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}

pub fn versions_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, VersionRow>> {
    let rows = academy_course_versions::table
        .filter(academy_course_versions::id.eq_any(ids))
        .select(VersionRow::as_select())
        .load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

// ---- paths ----

pub fn insert_path(conn: &mut DbConn, path: &NewPath<'_>) -> QueryResult<i64> {
    insert_returning_id!(conn, academy_paths::table, academy_paths::id, path)
}

pub fn set_path_courses(conn: &mut DbConn, path_id: i64, course_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(academy_path_courses::table.filter(academy_path_courses::path_id.eq(path_id))).execute(conn)?;
    let rows: Vec<_> = course_ids
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                academy_path_courses::path_id.eq(path_id),
                academy_path_courses::course_id.eq(*c),
                academy_path_courses::position.eq(i as i32),
            )
        })
        .collect();
    if !rows.is_empty() {
        insert_batch!(conn, academy_path_courses::table, &rows)?;
    }
    Ok(())
}

pub fn paths_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, PathRow>> {
    let rows = academy_paths::table.filter(academy_paths::id.eq_any(ids)).select(PathRow::as_select()).load(conn)?;
    Ok(by_id(rows, |r| r.id))
}

pub fn path(conn: &mut DbConn, id: i64) -> QueryResult<Option<PathRow>> {
    academy_paths::table.find(id).select(PathRow::as_select()).first(conn).optional()
}

pub fn path_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<PathRow>> {
    academy_paths::table.filter(academy_paths::code.eq(code)).select(PathRow::as_select()).first(conn).optional()
}

/// What the path list is filtered by.
#[derive(Debug, Clone)]
pub struct PathQuery {
    pub statuses: Vec<&'static str>,
    pub sector_id: Option<i64>,
    pub level: Option<&'static str>,
}

fn path_filter(q: &PathQuery) -> academy_paths::BoxedQuery<'_, Backend> {
    let mut query = academy_paths::table.filter(academy_paths::status.eq_any(q.statuses.clone())).into_boxed();
    if let Some(s) = q.sector_id {
        query = query.filter(academy_paths::sector_id.eq(s));
    }
    if let Some(level) = q.level {
        query = query.filter(academy_paths::level.eq(level));
    }
    query
}

pub fn count_paths(conn: &mut DbConn, q: &PathQuery) -> QueryResult<i64> {
    path_filter(q).count().get_result(conn)
}

pub fn list_paths(conn: &mut DbConn, q: &PathQuery, seek: &Seek) -> Result<Vec<PathRow>, AppError> {
    let query = seek_by_id!(path_filter(q), academy_paths::id, seek, ascending);
    Ok(query.select(PathRow::as_select()).load(conn)?)
}

/// The courses of each path, in order.
pub fn path_courses(conn: &mut DbConn, path_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<(i64, i64)> = academy_path_courses::table
        .filter(academy_path_courses::path_id.eq_any(path_ids))
        .order((academy_path_courses::path_id, academy_path_courses::position))
        .select((academy_path_courses::path_id, academy_path_courses::course_id))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (p, c) in rows {
        map.entry(p).or_default().push(c);
    }
    Ok(map)
}

/// The paths that contain a course.
pub fn paths_of_course(conn: &mut DbConn, course_id: i64) -> QueryResult<Vec<i64>> {
    academy_path_courses::table
        .filter(academy_path_courses::course_id.eq(course_id))
        .select(academy_path_courses::path_id)
        .load(conn)
}

// ---- enrolments ----

pub fn insert_enrollment(conn: &mut DbConn, enrollment: &NewEnrollment) -> QueryResult<i64> {
    insert_returning_id!(conn, academy_enrollments::table, academy_enrollments::id, enrollment)
}

pub fn insert_enrollments(conn: &mut DbConn, rows: &[NewEnrollment]) -> QueryResult<usize> {
    insert_batch!(conn, academy_enrollments::table, rows)
}

pub fn enrollment(conn: &mut DbConn, id: i64) -> QueryResult<Option<EnrollmentRow>> {
    academy_enrollments::table.find(id).select(EnrollmentRow::as_select()).first(conn).optional()
}

pub fn enrollment_of(conn: &mut DbConn, account_id: i64, course_id: i64) -> QueryResult<Option<EnrollmentRow>> {
    academy_enrollments::table
        .filter(academy_enrollments::account_id.eq(account_id))
        .filter(academy_enrollments::course_id.eq(course_id))
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn enrollments_of_account(
    conn: &mut DbConn,
    account_id: i64,
    course_ids: &[i64],
) -> QueryResult<HashMap<i64, EnrollmentRow>> {
    let rows = academy_enrollments::table
        .filter(academy_enrollments::account_id.eq(account_id))
        .filter(academy_enrollments::course_id.eq_any(course_ids))
        .select(EnrollmentRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.course_id, r)).collect())
}

pub fn enrollments_by_account(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<EnrollmentRow>> {
    academy_enrollments::table
        .filter(academy_enrollments::account_id.eq(account_id))
        .order(academy_enrollments::id)
        .select(EnrollmentRow::as_select())
        .load(conn)
}

/// Who may see an enrolment list: one learner, one cooperative's, one region's, or all.
#[derive(Debug, Clone, Copy)]
pub enum LearnerScope<'a> {
    Account(i64),
    Cooperative(i64),
    /// The cooperatives of a region (the register gives their ids).
    Cooperatives(&'a [i64]),
    All,
}

fn enrollment_filter<'a>(
    scope: LearnerScope<'a>,
    course_id: Option<i64>,
) -> academy_enrollments::BoxedQuery<'a, Backend> {
    let mut query = academy_enrollments::table.into_boxed();
    query = match scope {
        LearnerScope::Account(a) => query.filter(academy_enrollments::account_id.eq(a)),
        LearnerScope::Cooperative(c) => query.filter(academy_enrollments::cooperative_id.eq(c)),
        LearnerScope::Cooperatives(ids) => query.filter(academy_enrollments::cooperative_id.eq_any(ids)),
        LearnerScope::All => query,
    };
    if let Some(c) = course_id {
        query = query.filter(academy_enrollments::course_id.eq(c));
    }
    query
}

pub fn count_enrollments(conn: &mut DbConn, scope: LearnerScope<'_>, course_id: Option<i64>) -> QueryResult<i64> {
    enrollment_filter(scope, course_id).count().get_result(conn)
}

pub fn list_enrollments(
    conn: &mut DbConn,
    scope: LearnerScope<'_>,
    course_id: Option<i64>,
    seek: &Seek,
) -> Result<Vec<EnrollmentRow>, AppError> {
    let query = seek_by_id!(enrollment_filter(scope, course_id), academy_enrollments::id, seek, ascending);
    Ok(query.select(EnrollmentRow::as_select()).load(conn)?)
}

pub fn set_enrollment_state(
    conn: &mut DbConn,
    id: i64,
    completed: i32,
    required: i32,
    completed_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(academy_enrollments::table.find(id))
        .set((
            academy_enrollments::completed_activities.eq(completed),
            academy_enrollments::required_activities.eq(required),
            academy_enrollments::completed_at.eq(completed_at),
        ))
        .execute(conn)
}

pub fn insert_path_enrollment(
    conn: &mut DbConn,
    account_id: i64,
    path_id: i64,
    cooperative_id: Option<i64>,
    enrolled_by: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        academy_path_enrollments::table,
        academy_path_enrollments::id,
        (
            academy_path_enrollments::account_id.eq(account_id),
            academy_path_enrollments::path_id.eq(path_id),
            academy_path_enrollments::cooperative_id.eq(cooperative_id),
            academy_path_enrollments::enrolled_by.eq(enrolled_by),
            academy_path_enrollments::created_at.eq(at),
        )
    )
}

pub fn path_enrollment_of(conn: &mut DbConn, account_id: i64, path_id: i64) -> QueryResult<Option<PathEnrollmentRow>> {
    academy_path_enrollments::table
        .filter(academy_path_enrollments::account_id.eq(account_id))
        .filter(academy_path_enrollments::path_id.eq(path_id))
        .select(PathEnrollmentRow::as_select())
        .first(conn)
        .optional()
}

pub fn path_enrollments_of_account(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<PathEnrollmentRow>> {
    academy_path_enrollments::table
        .filter(academy_path_enrollments::account_id.eq(account_id))
        .order(academy_path_enrollments::id)
        .select(PathEnrollmentRow::as_select())
        .load(conn)
}

pub fn set_path_completed(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(academy_path_enrollments::table.find(id).filter(academy_path_enrollments::completed_at.is_null()))
        .set(academy_path_enrollments::completed_at.eq(at))
        .execute(conn)
}

// ---- events and progress ----

pub fn events_by_ids(conn: &mut DbConn, event_ids: &[String]) -> QueryResult<Vec<EventRow>> {
    academy_events::table.filter(academy_events::event_id.eq_any(event_ids)).select(EventRow::as_select()).load(conn)
}

/// Inserts events; one whose id is already recorded is skipped (a resent batch).
pub fn insert_events(conn: &mut DbConn, events: &[EventRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in events.chunks(500) {
        inserted += match conn {
            // SQLite writers are serialised (`BEGIN IMMEDIATE`) and the service has already set
            // aside the ids on record; diesel has no batch `ON CONFLICT` for SQLite.
            DbConn::Sqlite(c) => diesel::insert_into(academy_events::table).values(chunk).execute(c)?,
            DbConn::Postgres(c) => {
                diesel::insert_into(academy_events::table).values(chunk).on_conflict_do_nothing().execute(c)?
            }
        };
    }
    Ok(inserted)
}

/// The events of some activities of one enrolment.
pub fn events_of(conn: &mut DbConn, enrollment_id: i64, activity_ids: &[i64]) -> QueryResult<Vec<EventRow>> {
    academy_events::table
        .filter(academy_events::enrollment_id.eq(enrollment_id))
        .filter(academy_events::activity_id.eq_any(activity_ids))
        .select(EventRow::as_select())
        .load(conn)
}

pub fn all_events_of(conn: &mut DbConn, enrollment_id: i64) -> QueryResult<Vec<EventRow>> {
    academy_events::table
        .filter(academy_events::enrollment_id.eq(enrollment_id))
        .select(EventRow::as_select())
        .load(conn)
}

pub fn replace_progress(
    conn: &mut DbConn,
    enrollment_id: i64,
    activity_ids: &[i64],
    rows: &[ActivityProgressRow],
) -> QueryResult<()> {
    diesel::delete(
        academy_activity_progress::table
            .filter(academy_activity_progress::enrollment_id.eq(enrollment_id))
            .filter(academy_activity_progress::activity_id.eq_any(activity_ids)),
    )
    .execute(conn)?;
    if !rows.is_empty() {
        insert_batch!(conn, academy_activity_progress::table, rows)?;
    }
    Ok(())
}

pub fn progress_of(conn: &mut DbConn, enrollment_ids: &[i64]) -> QueryResult<Vec<ActivityProgressRow>> {
    academy_activity_progress::table
        .filter(academy_activity_progress::enrollment_id.eq_any(enrollment_ids))
        .select(ActivityProgressRow::as_select())
        .load(conn)
}

// ---- quiz attempts ----

pub fn insert_attempt(
    conn: &mut DbConn,
    key: &str,
    enrollment_id: i64,
    activity_id: i64,
    layout: &str,
    started_at: NaiveDateTime,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    insert_returning_id!(
        conn,
        academy_quiz_attempts::table,
        academy_quiz_attempts::id,
        (
            academy_quiz_attempts::attempt_key.eq(key),
            academy_quiz_attempts::enrollment_id.eq(enrollment_id),
            academy_quiz_attempts::activity_id.eq(activity_id),
            academy_quiz_attempts::layout.eq(layout),
            academy_quiz_attempts::started_at.eq(started_at),
            academy_quiz_attempts::created_at.eq(at),
        )
    )
}

pub fn attempt(conn: &mut DbConn, id: i64) -> QueryResult<Option<AttemptRow>> {
    academy_quiz_attempts::table.find(id).select(AttemptRow::as_select()).first(conn).optional()
}

pub fn attempt_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<AttemptRow>> {
    academy_quiz_attempts::table
        .filter(academy_quiz_attempts::attempt_key.eq(key))
        .select(AttemptRow::as_select())
        .first(conn)
        .optional()
}

pub fn attempts_of(conn: &mut DbConn, enrollment_id: i64, activity_id: i64) -> QueryResult<Vec<AttemptRow>> {
    academy_quiz_attempts::table
        .filter(academy_quiz_attempts::enrollment_id.eq(enrollment_id))
        .filter(academy_quiz_attempts::activity_id.eq(activity_id))
        .order(academy_quiz_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)
}

/// Records a submission once: 0 when the attempt was already submitted.
pub fn submit_attempt(
    conn: &mut DbConn,
    id: i64,
    answers: &str,
    score_bp: i32,
    passed: bool,
    submitted_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(academy_quiz_attempts::table.find(id).filter(academy_quiz_attempts::submitted_at.is_null()))
        .set((
            academy_quiz_attempts::answers.eq(answers),
            academy_quiz_attempts::score_bp.eq(score_bp),
            academy_quiz_attempts::passed.eq(passed),
            academy_quiz_attempts::submitted_at.eq(submitted_at),
        ))
        .execute(conn)
}

// ---- certificates ----

pub fn insert_certificate(conn: &mut DbConn, cert: &NewCertificate) -> QueryResult<i64> {
    insert_returning_id!(conn, academy_certificates::table, academy_certificates::id, cert)
}

pub fn certificate_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<CertificateRow>> {
    academy_certificates::table
        .filter(academy_certificates::code.eq(code))
        .select(CertificateRow::as_select())
        .first(conn)
        .optional()
}

pub fn certificate(conn: &mut DbConn, id: i64) -> QueryResult<Option<CertificateRow>> {
    academy_certificates::table.find(id).select(CertificateRow::as_select()).first(conn).optional()
}

pub fn certificate_for(
    conn: &mut DbConn,
    account_id: i64,
    course_id: Option<i64>,
    path_id: Option<i64>,
) -> QueryResult<Option<CertificateRow>> {
    let mut query = academy_certificates::table.filter(academy_certificates::account_id.eq(account_id)).into_boxed();
    query = match (course_id, path_id) {
        (Some(c), _) => query.filter(academy_certificates::course_id.eq(c)),
        (None, Some(p)) => query.filter(academy_certificates::path_id.eq(p)),
        (None, None) => return Ok(None),
    };
    query.select(CertificateRow::as_select()).first(conn).optional()
}

pub fn certificates_of(conn: &mut DbConn, account_id: i64) -> QueryResult<Vec<CertificateRow>> {
    academy_certificates::table
        .filter(academy_certificates::account_id.eq(account_id))
        .order(academy_certificates::id)
        .select(CertificateRow::as_select())
        .load(conn)
}

pub fn revoke_certificate(conn: &mut DbConn, id: i64, reason: &str, by: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        academy_certificates::table
            .find(id)
            .filter(academy_certificates::status.eq(CertificateStatus::Active.as_str())),
    )
    .set((
        academy_certificates::status.eq(CertificateStatus::Revoked.as_str()),
        academy_certificates::revoked_reason.eq(reason),
        academy_certificates::revoked_by.eq(by),
        academy_certificates::revoked_at.eq(at),
    ))
    .execute(conn)
}

// ---- batched loads ----

/// The latest published version of each course.
pub fn latest_versions(conn: &mut DbConn, course_ids: &[i64]) -> QueryResult<HashMap<i64, VersionRow>> {
    let rows = academy_course_versions::table
        .filter(academy_course_versions::course_id.eq_any(course_ids))
        .select(VersionRow::as_select())
        .load(conn)?;
    let mut latest: HashMap<i64, VersionRow> = HashMap::new();
    for row in rows {
        if latest.get(&row.course_id).is_none_or(|v| v.version < row.version) {
            latest.insert(row.course_id, row);
        }
    }
    Ok(latest)
}

/// The stored activity progress of each enrolment.
pub fn progress_rows(conn: &mut DbConn, enrollment_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<ActivityProgressRow>>> {
    let mut map: HashMap<i64, Vec<ActivityProgressRow>> = HashMap::new();
    for row in progress_of(conn, enrollment_ids)? {
        map.entry(row.enrollment_id).or_default().push(row);
    }
    Ok(map)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CooperativeCertificates {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub cooperative_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub certificates: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub last_issued_at: Option<NaiveDateTime>,
}

/// Valid certificates per cooperative: those earned in a course or path the learner took as
/// one of the cooperative's people (the enrolment names the cooperative).
pub fn certificates_by_cooperative(conn: &mut DbConn) -> QueryResult<Vec<CooperativeCertificates>> {
    diesel::sql_query(
        "SELECT cooperative_id, CAST(COUNT(*) AS BIGINT) AS certificates, MAX(issued_at) AS last_issued_at FROM ( \
           SELECT e.cooperative_id AS cooperative_id, c.issued_at AS issued_at FROM academy_certificates c \
             JOIN academy_enrollments e ON e.account_id = c.account_id AND e.course_id = c.course_id \
             WHERE c.status = 'ACTIVE' AND e.cooperative_id IS NOT NULL \
           UNION ALL \
           SELECT p.cooperative_id AS cooperative_id, c.issued_at AS issued_at FROM academy_certificates c \
             JOIN academy_path_enrollments p ON p.account_id = c.account_id AND p.path_id = c.path_id \
             WHERE c.status = 'ACTIVE' AND p.cooperative_id IS NOT NULL \
         ) held GROUP BY cooperative_id",
    )
    .load(conn)
}
