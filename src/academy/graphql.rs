//! GraphQL of the academy: the public catalogue of paths and courses, learners' enrolments and
//! progress (as the server computed it), quiz attempts served without their answers, and
//! certificates anyone may verify.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use tokio::sync::OnceCell;

use super::credentials::Issuer;
use super::engine::{self, ActivityState, CourseState};
use super::inputs::*;
use super::loaders::{AcademyLoader, CourseKey, LatestVersionKey, PathCoursesKey, ProgressKey, VersionKey};
use super::model::*;
use super::service::{self, AttemptView, CourseFilter, Touched};
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::Conn;
use crate::kernel::graphql::{DateTime, ids, loader_error, or_unchanged, page_cost, run_mutation};
use crate::kernel::i18n::{Locale, Localized, LocalizedText};
use crate::kernel::viewer::require_viewer;
use crate::msg;
use crate::registry::graphql::Sector;
use crate::registry::loaders::{RegistryLoader, SectorKey};

fn percent(bp: i32) -> f64 {
    bp as f64 / 100.0
}

async fn sector(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Sector>> {
    let Some(id) = id else { return Ok(None) };
    Ok(ctx.loader::<RegistryLoader>().load_one(SectorKey(id)).await.map_err(loader_error)?.map(Sector))
}

// ---- content ----

pub struct Course(pub CourseRow);

#[Object]
impl Course {
    pub async fn id(&self) -> ID {
        ids::encode("Course", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.title().resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.summary().resolve(ctx.locale(locale))
    }
    async fn level(&self) -> CourseLevel {
        self.0.level()
    }
    /// The languages it is taught in.
    async fn languages(&self) -> Vec<Locale> {
        self.0.languages.split(',').filter_map(Locale::parse).collect()
    }
    /// Study hours printed on the certificate.
    async fn hours(&self) -> i32 {
        self.0.hours
    }
    async fn status(&self) -> CourseStatus {
        self.0.status()
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        sector(ctx, self.0.sector_id).await
    }
    /// The published version new learners enrol on.
    async fn version(&self) -> Option<i32> {
        self.0.published_version
    }
    /// The modules of the published version (of the draft with `draft: true`, for trainers and
    /// administrators).
    async fn modules(&self, ctx: &Context<'_>, #[graphql(default = false)] draft: bool) -> Result<Vec<Module>> {
        let content = if draft {
            service::require_editor(ctx.viewer())?;
            self.0.draft()
        } else {
            match ctx.loader::<AcademyLoader>().load_one(LatestVersionKey(self.0.id)).await.map_err(loader_error)? {
                Some(v) => v.content(),
                None => return Ok(Vec::new()),
            }
        };
        Ok(modules_of(&content))
    }
    /// How many required activities complete the course (all of them unless the course says).
    async fn min_activities(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        let version =
            ctx.loader::<AcademyLoader>().load_one(LatestVersionKey(self.0.id)).await.map_err(loader_error)?;
        Ok(version.map(|v| v.content().requirement().1))
    }
    /// The signed-in learner's enrolment, if any.
    async fn viewer_enrollment(&self, ctx: &Context<'_>) -> Result<Option<Enrollment>> {
        let Some(viewer) = ctx.viewer().cloned() else { return Ok(None) };
        let id = self.0.id;
        let mut found = ctx.db().run(move |conn| service::viewer_enrollments(conn, &viewer, &[id])).await?;
        Ok(found.remove(&id).map(Enrollment::new))
    }
}

fn modules_of(content: &CourseContent) -> Vec<Module> {
    content.modules.iter().map(|m| Module(m.clone())).collect()
}

pub struct Module(pub ModuleContent);

#[Object]
impl Module {
    pub async fn id(&self) -> ID {
        ids::encode("Module", self.0.id)
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.title.resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.summary.resolve(ctx.locale(locale))
    }
    /// Its activities are taken in order.
    async fn sequential(&self) -> bool {
        self.0.sequential
    }
    /// Modules to complete first.
    async fn prerequisites(&self) -> Vec<ID> {
        self.0.prerequisites.iter().map(|id| ids::encode("Module", *id)).collect()
    }
    async fn activities(&self) -> Vec<Activity> {
        self.0.activities.iter().map(|a| Activity(a.clone())).collect()
    }
}

#[derive(Clone)]
pub struct Activity(pub ActivityContent);

/// A quiz's settings (its questions come with an attempt, without their answers).
#[derive(SimpleObject)]
pub struct QuizSettings {
    /// Percentage to pass.
    pub pass_mark: f64,
    /// 0: unlimited.
    pub attempts_allowed: i32,
    pub time_limit_seconds: Option<i32>,
    pub grading: QuizGrading,
    pub shuffle: bool,
    pub question_count: i32,
}

#[Object]
impl Activity {
    pub async fn id(&self) -> ID {
        ids::encode("Activity", self.0.id)
    }
    async fn kind(&self) -> ActivityKind {
        self.0.kind
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.title.resolve(ctx.locale(locale))
    }
    /// PAGE: its text.
    async fn body(&self, ctx: &Context<'_>, locale: Option<Locale>) -> Option<LocalizedText> {
        (!self.0.body.is_empty()).then(|| self.0.body.resolve(ctx.locale(locale)))
    }
    /// VIDEO, DOCUMENT: where it is.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// VIDEO: a small rendition for mobile data.
    async fn low_bandwidth_url(&self) -> Option<&str> {
        self.0.low_bandwidth_url.as_deref()
    }
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }
    async fn completion(&self) -> CompletionRuleKind {
        self.0.rule
    }
    /// MIN_SCORE: the percentage to reach.
    async fn min_score(&self) -> Option<f64> {
        self.0.min_score_bp.map(percent)
    }
    async fn required(&self) -> bool {
        self.0.required
    }
    async fn estimated_minutes(&self) -> i32 {
        self.0.estimated_minutes
    }
    async fn quiz(&self) -> Option<QuizSettings> {
        self.0.quiz.as_ref().map(|q| QuizSettings {
            pass_mark: percent(q.pass_mark_bp),
            attempts_allowed: q.attempts_allowed,
            time_limit_seconds: q.time_limit_seconds,
            grading: q.grading,
            shuffle: q.shuffle,
            question_count: q.questions.len() as i32,
        })
    }
}

pub struct LearningPath(pub PathRow);

#[Object]
impl LearningPath {
    pub async fn id(&self) -> ID {
        ids::encode("LearningPath", self.0.id)
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.title().resolve(ctx.locale(locale))
    }
    async fn summary(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.summary().resolve(ctx.locale(locale))
    }
    async fn level(&self) -> CourseLevel {
        self.0.level()
    }
    async fn status(&self) -> CourseStatus {
        self.0.status()
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        sector(ctx, self.0.sector_id).await
    }
    /// Its courses, in order (those the viewer may see).
    async fn courses(&self, ctx: &Context<'_>) -> Result<Vec<Course>> {
        let loader = ctx.loader::<AcademyLoader>();
        let ids = loader.load_one(PathCoursesKey(self.0.id)).await.map_err(loader_error)?.unwrap_or_default();
        let found =
            ctx.loader::<AcademyLoader>().load_many(ids.iter().map(|c| CourseKey(*c))).await.map_err(loader_error)?;
        let editor = service::require_editor(ctx.viewer()).is_ok();
        Ok(ids
            .iter()
            .filter_map(|c| found.get(&CourseKey(*c)).cloned())
            .filter(|c| editor || c.status() != CourseStatus::Draft)
            .map(Course)
            .collect())
    }
    /// The signed-in learner's progress on this path.
    async fn viewer_progress(&self, ctx: &Context<'_>) -> Result<Option<PathProgress>> {
        let Some(viewer) = ctx.viewer().cloned() else { return Ok(None) };
        let path_id = self.0.id;
        let (enrolled, courses) = ctx
            .db()
            .run(move |conn| {
                let enrolled = service::my_paths(conn, &viewer)?.into_iter().find(|p| p.path_id == path_id);
                let courses = service::path_courses(conn, &[path_id])?.remove(&path_id).unwrap_or_default();
                let enrollments = service::viewer_enrollments(conn, &viewer, &courses)?;
                Ok((enrolled, courses.into_iter().map(|c| (c, enrollments.get(&c).cloned())).collect::<Vec<_>>()))
            })
            .await?;
        Ok(enrolled.map(|p| path_progress(&p, &courses)))
    }
}

// ---- progress ----

#[derive(SimpleObject, Clone)]
pub struct ActivityProgress {
    pub enrollment_id: ID,
    pub activity_id: ID,
    pub status: ProgressStatus,
    /// Percentage, by the activity's grading.
    pub score: Option<f64>,
    pub attempts: i32,
    pub completed_at: Option<DateTime>,
    /// Its module is open and, in a sequential module, the activities before it are done.
    pub available: bool,
}

#[derive(SimpleObject, Clone)]
pub struct ModuleProgress {
    pub enrollment_id: ID,
    pub module_id: ID,
    /// Required activities done.
    pub completed: i32,
    /// Required activities.
    pub total: i32,
    pub complete: bool,
    /// Its prerequisites are complete.
    pub available: bool,
}

#[derive(SimpleObject, Clone)]
pub struct CourseProgress {
    pub enrollment_id: ID,
    pub course_id: ID,
    /// Required activities done.
    pub completed: i32,
    /// Required activities.
    pub total: i32,
    /// How many complete the course.
    pub needed: i32,
    pub percent: i32,
    pub complete: bool,
    pub completed_at: Option<DateTime>,
    /// The first required activity not done yet in an open module.
    pub next_activity: Option<Activity>,
}

#[derive(SimpleObject, Clone)]
pub struct PathProgress {
    pub path_id: ID,
    pub completed_courses: i32,
    pub total_courses: i32,
    pub percent: i32,
    pub complete: bool,
    pub completed_at: Option<DateTime>,
    /// The first course not completed yet.
    pub next_course_id: Option<ID>,
}

fn path_progress(p: &PathEnrollmentRow, courses: &[(i64, Option<EnrollmentRow>)]) -> PathProgress {
    let done = courses.iter().filter(|(_, e)| e.as_ref().is_some_and(|e| e.completed_at.is_some())).count() as i32;
    let total = courses.len() as i32;
    PathProgress {
        path_id: ids::encode("LearningPath", p.path_id),
        completed_courses: done,
        total_courses: total,
        percent: if total == 0 { 0 } else { done * 100 / total },
        complete: p.completed_at.is_some(),
        completed_at: p.completed_at.map(DateTime),
        next_course_id: courses
            .iter()
            .find(|(_, e)| e.as_ref().is_none_or(|e| e.completed_at.is_none()))
            .map(|(c, _)| ids::encode("Course", *c)),
    }
}

fn activity_progress(
    enrollment_id: i64,
    content: &CourseContent,
    course: &CourseState,
    states: &HashMap<i64, ActivityState>,
    id: i64,
) -> ActivityProgress {
    let s = states.get(&id).cloned().unwrap_or_else(ActivityState::not_started);
    ActivityProgress {
        enrollment_id: ids::encode("Enrollment", enrollment_id),
        activity_id: ids::encode("Activity", id),
        status: s.status,
        score: s.score_bp.map(percent),
        attempts: s.attempts,
        completed_at: s.completed_at.map(DateTime),
        available: engine::activity_available(content, course, id, states),
    }
}

fn module_progress(enrollment_id: i64, course: &CourseState) -> Vec<ModuleProgress> {
    course
        .modules
        .iter()
        .map(|m| ModuleProgress {
            enrollment_id: ids::encode("Enrollment", enrollment_id),
            module_id: ids::encode("Module", m.module_id),
            completed: m.completed,
            total: m.total,
            complete: m.complete,
            available: m.available,
        })
        .collect()
}

fn course_progress(e: &EnrollmentRow, content: &CourseContent, course: &CourseState) -> CourseProgress {
    CourseProgress {
        enrollment_id: ids::encode("Enrollment", e.id),
        course_id: ids::encode("Course", e.course_id),
        completed: course.completed.min(course.needed),
        total: course.total,
        needed: course.needed,
        percent: course.percent,
        complete: course.complete(),
        completed_at: course.completed_at.map(DateTime),
        next_activity: course.next_activity.and_then(|id| content.activity(id)).map(|a| Activity(a.clone())),
    }
}

/// An enrolment's content and state, computed once per object.
struct EnrollmentState {
    content: CourseContent,
    states: HashMap<i64, ActivityState>,
    course: CourseState,
}

pub struct Enrollment {
    row: EnrollmentRow,
    state: OnceCell<Arc<EnrollmentState>>,
}

impl Enrollment {
    pub fn new(row: EnrollmentRow) -> Self {
        Enrollment { row, state: OnceCell::new() }
    }

    async fn state(&self, ctx: &Context<'_>) -> Result<Arc<EnrollmentState>> {
        self.state
            .get_or_try_init(|| async {
                let loader = ctx.loader::<AcademyLoader>();
                let version = loader
                    .load_one(VersionKey(self.row.version_id))
                    .await
                    .map_err(loader_error)?
                    .ok_or_else(|| AppError::internal("version missing"))?;
                let rows = loader.load_one(ProgressKey(self.row.id)).await.map_err(loader_error)?.unwrap_or_default();
                let states: HashMap<i64, ActivityState> =
                    rows.iter().map(|r| (r.activity_id, ActivityState::from_row(r))).collect();
                let content = version.content();
                let course = engine::course_state(&content, &states);
                Ok::<_, async_graphql::Error>(Arc::new(EnrollmentState { content, states, course }))
            })
            .await
            .cloned()
    }
}

#[Object]
impl Enrollment {
    pub async fn id(&self) -> ID {
        ids::encode("Enrollment", self.row.id)
    }
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<Course>> {
        Ok(ctx
            .loader::<AcademyLoader>()
            .load_one(CourseKey(self.row.course_id))
            .await
            .map_err(loader_error)?
            .map(Course))
    }
    /// The course version this learner follows (its requirements hold for them).
    async fn version(&self, ctx: &Context<'_>) -> Result<i32> {
        let v = ctx.loader::<AcademyLoader>().load_one(VersionKey(self.row.version_id)).await.map_err(loader_error)?;
        Ok(v.map(|v| v.version).unwrap_or(0))
    }
    async fn learner_id(&self) -> ID {
        ids::encode("Account", self.row.account_id)
    }
    async fn cooperative_id(&self) -> Option<ID> {
        self.row.cooperative_id.map(|c| ids::encode("Cooperative", c))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.row.created_at)
    }
    /// The modules of the learner's version.
    async fn modules(&self, ctx: &Context<'_>) -> Result<Vec<Module>> {
        Ok(modules_of(&self.state(ctx).await?.content))
    }
    async fn progress(&self, ctx: &Context<'_>) -> Result<CourseProgress> {
        let s = self.state(ctx).await?;
        Ok(course_progress(&self.row, &s.content, &s.course))
    }
    async fn module_progress(&self, ctx: &Context<'_>) -> Result<Vec<ModuleProgress>> {
        Ok(module_progress(self.row.id, &self.state(ctx).await?.course))
    }
    async fn activity_progress(&self, ctx: &Context<'_>) -> Result<Vec<ActivityProgress>> {
        let s = self.state(ctx).await?;
        Ok(s.content
            .activities()
            .map(|a| activity_progress(self.row.id, &s.content, &s.course, &s.states, a.id))
            .collect())
    }
}

// ---- quizzes ----

#[derive(SimpleObject)]
pub struct QuizChoice {
    pub key: String,
    pub text: LocalizedText,
}

#[derive(SimpleObject)]
pub struct QuizQuestion {
    pub key: String,
    pub kind: QuestionKind,
    pub prompt: LocalizedText,
    pub points: i32,
    /// Choices, items to order, or the left items to match, in this attempt's order.
    pub choices: Vec<QuizChoice>,
    /// MATCHING: the right items, in this attempt's order.
    pub matches: Vec<QuizChoice>,
}

pub struct QuizAttempt(AttemptView);

#[Object]
impl QuizAttempt {
    pub async fn id(&self) -> ID {
        ids::encode("QuizAttempt", self.0.attempt.id)
    }
    async fn activity_id(&self) -> ID {
        ids::encode("Activity", self.0.attempt.activity_id)
    }
    async fn started_at(&self) -> DateTime {
        DateTime(self.0.attempt.started_at)
    }
    /// When answers stop being accepted, if the quiz has a time limit.
    async fn deadline(&self) -> Option<DateTime> {
        self.0
            .quiz
            .time_limit_seconds
            .map(|s| DateTime(self.0.attempt.started_at + chrono::Duration::seconds(s as i64)))
    }
    async fn submitted_at(&self) -> Option<DateTime> {
        self.0.attempt.submitted_at.map(DateTime)
    }
    /// Percentage, once graded.
    async fn score(&self) -> Option<f64> {
        self.0.attempt.score_bp.map(percent)
    }
    async fn passed(&self) -> Option<bool> {
        self.0.attempt.passed
    }
    /// The questions, without their answers.
    async fn questions(&self, ctx: &Context<'_>, locale: Option<Locale>) -> Vec<QuizQuestion> {
        let locale = ctx.locale(locale);
        let layout = &self.0.layout;
        let by_key: HashMap<&str, &QuestionContent> =
            self.0.quiz.questions.iter().map(|q| (q.key.as_str(), q)).collect();
        let order: Vec<&str> = if layout.questions.is_empty() {
            self.0.quiz.questions.iter().map(|q| q.key.as_str()).collect()
        } else {
            layout.questions.iter().map(String::as_str).collect()
        };
        let arrange = |list: &[Choice], keys: Option<&Vec<String>>| -> Vec<QuizChoice> {
            let ordered: Vec<&Choice> = match keys {
                Some(keys) if keys.len() == list.len() => {
                    keys.iter().filter_map(|k| list.iter().find(|c| &c.key == k)).collect()
                }
                _ => list.iter().collect(),
            };
            ordered.into_iter().map(|c| QuizChoice { key: c.key.clone(), text: c.text.resolve(locale) }).collect()
        };
        order
            .into_iter()
            .filter_map(|k| by_key.get(k))
            .map(|q| QuizQuestion {
                key: q.key.clone(),
                kind: q.kind,
                prompt: q.prompt.resolve(locale),
                points: q.points,
                choices: arrange(&q.choices, layout.choices.get(&q.key)),
                matches: arrange(&q.matches, layout.matches.get(&q.key)),
            })
            .collect()
    }
}

// ---- certificates ----

/// What a certificate is for: a course or a whole learning path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CertificateKind {
    Course,
    Path,
}

/// Who signs the academy's certificates, and the key to verify them with.
#[derive(SimpleObject)]
pub struct CertificateIssuer {
    pub name: String,
    /// A `did:key` identifier: it carries the public key.
    pub id: String,
    pub url: String,
    /// The Ed25519 public key as a Multikey (`z6Mk…`).
    pub public_key_multibase: String,
    /// The same key in hexadecimal.
    pub public_key_hex: String,
}

fn issuer_info(issuer: &Issuer) -> CertificateIssuer {
    CertificateIssuer {
        name: issuer.name.clone(),
        id: issuer.did(),
        url: issuer.base_url.clone(),
        public_key_multibase: issuer.public_key_multibase(),
        public_key_hex: issuer.public_key_hex(),
    }
}

/// A certificate's full claim, as issued, and its status.
pub struct Certificate(pub CertificateRow);

#[Object]
impl Certificate {
    /// The public verification code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn kind(&self) -> CertificateKind {
        if self.0.path_id.is_some() { CertificateKind::Path } else { CertificateKind::Course }
    }
    /// The holder's name as printed.
    async fn holder_name(&self) -> &str {
        &self.0.holder_name
    }
    /// What it certifies: the course or path title as issued.
    async fn title(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.title().resolve(ctx.locale(locale))
    }
    async fn hours(&self) -> i32 {
        self.0.hours
    }
    /// The mean grade of the scored activities (percentage), if any were scored.
    async fn result(&self) -> Option<f64> {
        self.0.result_bp.map(percent)
    }
    async fn issued_at(&self) -> DateTime {
        DateTime(self.0.issued_at)
    }
    async fn issuer(&self, ctx: &Context<'_>) -> CertificateIssuer {
        issuer_info(ctx.data_unchecked::<Arc<Issuer>>())
    }
    async fn status(&self) -> CertificateStatus {
        self.0.status()
    }
    async fn revoked_reason(&self) -> Option<&str> {
        self.0.revoked_reason.as_deref()
    }
    async fn revoked_at(&self) -> Option<DateTime> {
        self.0.revoked_at.map(DateTime)
    }
    /// The verification page.
    async fn verification_url(&self, ctx: &Context<'_>) -> String {
        ctx.data_unchecked::<Arc<Issuer>>().page_url(&self.0.code)
    }
    /// The signed Open Badges 3.0 credential (JSON).
    async fn credential_url(&self, ctx: &Context<'_>) -> String {
        format!("{}.json", ctx.data_unchecked::<Arc<Issuer>>().page_url(&self.0.code))
    }
}

// ---- queries ----

#[derive(Default)]
pub struct AcademyQuery;

#[Object]
impl AcademyQuery {
    /// Published courses (trainers and administrators also see drafts and archived ones).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        sector_code: Option<String>,
        level: Option<CourseLevel>,
        language: Option<Locale>,
        status: Option<CourseStatus>,
    ) -> Result<Conn<Course>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let filter = CourseFilter { sector_code, level, language, status };
        let page = ctx.db().run(move |conn| service::courses(conn, viewer.as_ref(), filter, args, want_total)).await?;
        Ok(page.into_connection(Course))
    }

    /// A course by id or by code.
    async fn course(&self, ctx: &Context<'_>, id: Option<ID>, code: Option<String>) -> Result<Option<Course>> {
        let viewer = ctx.viewer().cloned();
        let id = match id {
            Some(id) => match ids::decode(&id, "Course") {
                Some(id) => Some(id),
                None => return Ok(None),
            },
            None => None,
        };
        let row = ctx
            .db()
            .run(move |conn| match (id, code) {
                (Some(id), _) => service::visible_course(conn, viewer.as_ref(), id),
                (None, Some(code)) => service::visible_course_by_code(conn, viewer.as_ref(), code.trim()),
                (None, None) => Ok(None),
            })
            .await?;
        Ok(row.map(Course))
    }

    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn learning_paths(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        sector_code: Option<String>,
        level: Option<CourseLevel>,
    ) -> Result<Conn<LearningPath>> {
        let args = ctx.page_args(after, before, first, last)?;
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| service::paths(conn, viewer.as_ref(), sector_code, level, args, want_total))
            .await?;
        Ok(page.into_connection(LearningPath))
    }

    /// A learning path by id or by code.
    async fn learning_path(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        code: Option<String>,
    ) -> Result<Option<LearningPath>> {
        let id = match id {
            Some(id) => match ids::decode(&id, "LearningPath") {
                Some(id) => Some(id),
                None => return Ok(None),
            },
            None => None,
        };
        let viewer = ctx.viewer().cloned();
        let row = ctx
            .db()
            .run(move |conn| match (id, code) {
                (Some(id), _) => service::visible_path(conn, viewer.as_ref(), id),
                (None, Some(code)) => service::visible_path_by_code(conn, viewer.as_ref(), code.trim()),
                (None, None) => Ok(None),
            })
            .await?;
        Ok(row.map(LearningPath))
    }

    /// The signed-in learner's enrolments.
    async fn my_enrollments(&self, ctx: &Context<'_>) -> Result<Vec<Enrollment>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        let rows = ctx.db().run(move |conn| service::my_enrollments(conn, &viewer)).await?;
        Ok(rows.into_iter().map(Enrollment::new).collect())
    }

    /// The signed-in learner's progress on the paths they enrolled in.
    async fn my_path_progress(&self, ctx: &Context<'_>) -> Result<Vec<PathProgress>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        let rows = ctx
            .db()
            .run(move |conn| {
                let mut out = Vec::new();
                for p in service::my_paths(conn, &viewer)? {
                    let courses = service::path_courses(conn, &[p.path_id])?.remove(&p.path_id).unwrap_or_default();
                    let enrollments = service::viewer_enrollments(conn, &viewer, &courses)?;
                    let courses: Vec<_> = courses.into_iter().map(|c| (c, enrollments.get(&c).cloned())).collect();
                    out.push(path_progress(&p, &courses));
                }
                Ok(out)
            })
            .await?;
        Ok(rows)
    }

    async fn my_certificates(&self, ctx: &Context<'_>) -> Result<Vec<Certificate>> {
        let viewer = require_viewer(ctx.viewer())?.clone();
        Ok(ctx
            .db()
            .run(move |conn| service::certificates_of(conn, &viewer))
            .await?
            .into_iter()
            .map(Certificate)
            .collect())
    }

    /// An enrolment the viewer may see (their own; managers their cooperative's; agents their
    /// region's; administrators all).
    async fn enrollment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Enrollment>> {
        let Some(id) = ids::decode(&id, "Enrollment") else { return Ok(None) };
        let viewer = ctx.viewer().cloned();
        Ok(ctx.db().run(move |conn| service::enrollment(conn, viewer.as_ref(), id)).await?.map(Enrollment::new))
    }

    /// Learners' enrolments the viewer may see, optionally for one course.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn learner_enrollments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        course_id: Option<ID>,
    ) -> Result<Conn<Enrollment>> {
        let args = ctx.page_args(after, before, first, last)?;
        let course = match course_id {
            Some(id) => Some(ids::decode(&id, "Course").ok_or_else(|| {
                AppError::user(ErrorCode::InvalidId, &["courseId"], msg!("is not a valid Course id"))
            })?),
            None => None,
        };
        let (viewer, want_total) = (ctx.viewer().cloned(), ctx.wants_total());
        let page = ctx
            .db()
            .run(move |conn| service::learner_enrollments(conn, viewer.as_ref(), course, args, want_total))
            .await?;
        Ok(page.into_connection(Enrollment::new))
    }

    /// One of the viewer's quiz attempts.
    async fn quiz_attempt(&self, ctx: &Context<'_>, id: ID) -> Result<Option<QuizAttempt>> {
        let Some(id) = ids::decode(&id, "QuizAttempt") else { return Ok(None) };
        let viewer = ctx.viewer().cloned();
        Ok(ctx.db().run(move |conn| service::attempt_for(conn, viewer.as_ref(), id)).await?.map(QuizAttempt))
    }

    /// A certificate by its public code: anyone may verify one.
    async fn certificate(&self, ctx: &Context<'_>, code: String) -> Result<Option<Certificate>> {
        Ok(ctx.db().run(move |conn| service::certificate_by_code(conn, &code)).await?.map(Certificate))
    }

    /// The academy's certificate issuer and its public key.
    async fn academy_issuer(&self, ctx: &Context<'_>) -> CertificateIssuer {
        issuer_info(ctx.data_unchecked::<Arc<Issuer>>())
    }
}

// ---- mutations ----

crate::mutation_payload!(CourseSavePayload, course: Course);
crate::mutation_payload!(LearningPathSavePayload, learning_path: LearningPath);
crate::mutation_payload!(CertificateRevokePayload, certificate: Certificate);

#[derive(SimpleObject)]
pub struct EnrollmentCreatePayload {
    pub enrollments: Vec<Enrollment>,
    pub path_progress: Option<PathProgress>,
    pub user_errors: Vec<crate::kernel::error::UserError>,
}

/// What a batch of events changed: the ids on record (resent ones included) and the state the
/// server computed for every activity, module and course the batch named.
#[derive(SimpleObject, Default)]
pub struct LearningEventsRecordPayload {
    pub accepted: Vec<String>,
    pub activities: Vec<ActivityProgress>,
    pub modules: Vec<ModuleProgress>,
    pub courses: Vec<CourseProgress>,
    /// Certificates the batch earned.
    pub certificates: Vec<Certificate>,
    pub user_errors: Vec<crate::kernel::error::UserError>,
}

#[derive(SimpleObject)]
pub struct QuizAttemptPayload {
    pub attempt: Option<QuizAttempt>,
    pub activity: Option<ActivityProgress>,
    pub course: Option<CourseProgress>,
    pub certificates: Vec<Certificate>,
    pub user_errors: Vec<crate::kernel::error::UserError>,
}

fn touched_parts(t: &Touched) -> (Vec<ActivityProgress>, Vec<ModuleProgress>, CourseProgress) {
    let activities =
        t.activities.iter().map(|a| activity_progress(t.enrollment.id, &t.content, &t.course, &t.states, *a)).collect();
    (activities, module_progress(t.enrollment.id, &t.course), course_progress(&t.enrollment, &t.content, &t.course))
}

/// A course change's payload: the course as changed or, when refused, as it still is (with the
/// caller's visibility), like every other update of the API.
async fn unchanged_course(
    ctx: &Context<'_>,
    (course, user_errors): (Option<CourseRow>, Vec<crate::kernel::error::UserError>),
    id: Option<i64>,
) -> Result<CourseSavePayload> {
    let (course, user_errors) = or_unchanged((course.map(Course), user_errors), || async {
        match id {
            Some(id) => course_by_id(ctx, id).await,
            None => Ok(None),
        }
    })
    .await?;
    Ok(CourseSavePayload { course, user_errors })
}

#[derive(Default)]
pub struct AcademyMutation;

#[Object]
impl AcademyMutation {
    /// Creates a course or replaces its draft (trainers, administrators).
    async fn course_save(&self, ctx: &Context<'_>, input: CourseSaveInput) -> Result<CourseSavePayload> {
        let id = input.id.as_ref().and_then(|id| ids::decode(id, "Course"));
        let outcome = run_mutation(ctx, move |conn, viewer| service::save_course(conn, viewer, input)).await?;
        unchanged_course(ctx, outcome, id).await
    }

    /// Freezes the draft into a new version and opens the course to learners.
    async fn course_publish(&self, ctx: &Context<'_>, input: CoursePublishInput) -> Result<CourseSavePayload> {
        let id = ids::decode(&input.id, "Course");
        let outcome = run_mutation(ctx, move |conn, viewer| service::publish_course(conn, viewer, input)).await?;
        unchanged_course(ctx, outcome, id).await
    }

    /// Closes the course to new learners; enrolled ones keep learning.
    async fn course_archive(&self, ctx: &Context<'_>, input: CourseArchiveInput) -> Result<CourseSavePayload> {
        let id = ids::decode(&input.id, "Course");
        let outcome = run_mutation(ctx, move |conn, viewer| service::archive_course(conn, viewer, input)).await?;
        unchanged_course(ctx, outcome, id).await
    }

    async fn learning_path_save(
        &self,
        ctx: &Context<'_>,
        input: LearningPathSaveInput,
    ) -> Result<LearningPathSavePayload> {
        let (path, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::save_path(conn, viewer, input)).await?;
        Ok(LearningPathSavePayload { learning_path: path.map(LearningPath), user_errors })
    }

    /// Enrols yourself, or a member of your cooperative (managers) or of a cooperative
    /// (agents, administrators), in a course or in every course of a path. Enrolling again
    /// answers the existing enrolment.
    async fn enrollment_create(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentCreateInput,
    ) -> Result<EnrollmentCreatePayload> {
        let (enrolled, user_errors) = run_mutation(ctx, move |conn, viewer| {
            let enrolled = service::enroll(conn, viewer, input)?;
            let path = match &enrolled.path {
                Some(p) => {
                    let courses = service::path_courses(conn, &[p.path_id])?.remove(&p.path_id).unwrap_or_default();
                    let by_course: HashMap<i64, EnrollmentRow> =
                        enrolled.enrollments.iter().map(|e| (e.course_id, e.clone())).collect();
                    let courses: Vec<_> = courses.into_iter().map(|c| (c, by_course.get(&c).cloned())).collect();
                    Some(path_progress(p, &courses))
                }
                None => None,
            };
            Ok((enrolled.enrollments, path))
        })
        .await?;
        let (enrollments, path_progress) = enrolled.unwrap_or_default();
        Ok(EnrollmentCreatePayload {
            enrollments: enrollments.into_iter().map(Enrollment::new).collect(),
            path_progress,
            user_errors,
        })
    }

    /// Records a batch of learning events (up to 500), idempotently by their ids, and answers
    /// the recomputed state of everything they touched. Any invalid event refuses the batch.
    async fn learning_events_record(
        &self,
        ctx: &Context<'_>,
        input: LearningEventsRecordInput,
    ) -> Result<LearningEventsRecordPayload> {
        let issuer = ctx.data_unchecked::<Arc<Issuer>>().clone();
        let (recorded, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::record_events(conn, viewer, &issuer, input)).await?;
        let Some(recorded) = recorded else {
            return Ok(LearningEventsRecordPayload { user_errors, ..Default::default() });
        };
        let mut payload = LearningEventsRecordPayload { accepted: recorded.accepted, ..Default::default() };
        for t in &recorded.touched {
            let (activities, modules, course) = touched_parts(t);
            payload.activities.extend(activities);
            payload.modules.extend(modules);
            payload.courses.push(course);
        }
        payload.certificates = recorded.certificates.into_iter().map(Certificate).collect();
        Ok(payload)
    }

    /// Starts an attempt (or resumes the open one) and serves its questions without answers.
    async fn quiz_attempt_start(&self, ctx: &Context<'_>, input: QuizAttemptStartInput) -> Result<QuizAttemptPayload> {
        let (view, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::start_attempt(conn, viewer, input)).await?;
        Ok(QuizAttemptPayload {
            attempt: view.map(QuizAttempt),
            activity: None,
            course: None,
            certificates: Vec::new(),
            user_errors,
        })
    }

    /// Grades an attempt on the server: one started online, or one answered offline with its
    /// device times. Answers once; a second submission is refused.
    async fn quiz_attempt_submit(
        &self,
        ctx: &Context<'_>,
        input: QuizAttemptSubmitInput,
    ) -> Result<QuizAttemptPayload> {
        let issuer = ctx.data_unchecked::<Arc<Issuer>>().clone();
        let (view, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::submit_attempt(conn, viewer, &issuer, input)).await?;
        let Some(mut view) = view else {
            return Ok(QuizAttemptPayload {
                attempt: None,
                activity: None,
                course: None,
                certificates: Vec::new(),
                user_errors,
            });
        };
        let touched = view.touched.take();
        let certificates = std::mem::take(&mut view.certificates).into_iter().map(Certificate).collect();
        let (activity, course) = match &touched {
            Some(t) => {
                let (mut activities, _, course) = touched_parts(t);
                (activities.pop(), Some(course))
            }
            None => (None, None),
        };
        Ok(QuizAttemptPayload { attempt: Some(QuizAttempt(view)), activity, course, certificates, user_errors })
    }

    /// Revokes a certificate, with the reason shown to whoever verifies it (agents, administrators).
    async fn certificate_revoke(
        &self,
        ctx: &Context<'_>,
        input: CertificateRevokeInput,
    ) -> Result<CertificateRevokePayload> {
        let (cert, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::revoke_certificate(conn, viewer, input)).await?;
        Ok(CertificateRevokePayload { certificate: cert.map(Certificate), user_errors })
    }
}

// ---- by id (for `node(id:)`), with the visibility of the fields that return them ----

pub async fn course_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Course>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_course(conn, viewer.as_ref(), id)).await?.map(Course))
}

pub async fn path_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<LearningPath>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_path(conn, viewer.as_ref(), id)).await?.map(LearningPath))
}

pub async fn enrollment_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Enrollment>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::enrollment(conn, viewer.as_ref(), id)).await?.map(Enrollment::new))
}

pub async fn attempt_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<QuizAttempt>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::attempt_for(conn, viewer.as_ref(), id)).await?.map(QuizAttempt))
}

pub async fn module_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Module>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_module(conn, viewer.as_ref(), id)).await?.map(Module))
}

pub async fn activity_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Activity>> {
    let viewer = ctx.viewer().cloned();
    Ok(ctx.db().run(move |conn| service::visible_activity(conn, viewer.as_ref(), id)).await?.map(Activity))
}

/// The title of a certificate in a locale (for the verification page).
pub fn title_in(cert: &CertificateRow, locale: Locale) -> String {
    let title: Localized = cert.title();
    title.resolve(locale).text
}
