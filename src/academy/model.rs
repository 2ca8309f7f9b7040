//! The academy's rows, the course content that drafts and versions hold (as JSON), and the
//! enums both the store and the API speak.

use async_graphql::Enum;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kernel::db::schema::{
    academy_activity_progress, academy_certificates, academy_course_versions, academy_courses, academy_enrollments,
    academy_events, academy_path_enrollments, academy_paths, academy_quiz_attempts,
};
use crate::kernel::i18n::Localized;

/// A course's or a path's place in its life: edited, open to learners, withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CourseStatus {
    Draft,
    Published,
    /// No new enrolments; enrolled learners keep learning and their certificates stay valid.
    Archived,
}
crate::text_enum!(CourseStatus { Draft = "DRAFT", Published = "PUBLISHED", Archived = "ARCHIVED" });

/// Who a course or path is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum CourseLevel {
    Beginner,
    Intermediate,
    Advanced,
}
crate::text_enum!(CourseLevel { Beginner = "BEGINNER", Intermediate = "INTERMEDIATE", Advanced = "ADVANCED" });

/// What an activity is: a page to read, a video, a document or a quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum ActivityKind {
    /// Rich text.
    Page,
    Video,
    /// A PDF.
    Document,
    Quiz,
}

/// When an activity counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum CompletionRuleKind {
    /// Opened (an EXPERIENCED or COMPLETED event).
    View,
    /// The learner says they are done (a COMPLETED event).
    MarkDone,
    /// A reported score of at least `minScore` percent (a SCORED event).
    MinScore,
    /// A quiz passed at its pass mark (graded on the server).
    Pass,
}

/// How a quiz's attempts make its grade: the best one, the last one, or their mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum QuizGrading {
    Highest,
    Last,
    Average,
}

/// The kinds of quiz question; each asks for one shape of answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    /// Compared with the accepted answers after the same folding as search (case, accents, Arabic forms).
    ShortText,
    /// Right within the tolerance.
    Numeric,
    /// Each left item paired with one right item; partial credit per right pair.
    Matching,
    /// The choices put in order.
    Ordering,
}

/// The verbs of the learning events (xAPI verbs of ADL's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum LearningVerb {
    /// `http://adlnet.gov/expapi/verbs/experienced`: the activity was opened.
    Experienced,
    /// `http://adlnet.gov/expapi/verbs/progressed`: partly done (part of a video watched).
    Progressed,
    /// `http://adlnet.gov/expapi/verbs/completed`: the learner finished it.
    Completed,
    /// `http://adlnet.gov/expapi/verbs/scored`: a score reported by a scored activity (not a quiz).
    Scored,
    /// `http://adlnet.gov/expapi/verbs/passed`: a quiz attempt graded at or above the pass mark (server only).
    Passed,
    /// `http://adlnet.gov/expapi/verbs/failed`: a quiz attempt graded below the pass mark (server only).
    Failed,
}
crate::text_enum!(LearningVerb {
    Experienced = "experienced",
    Progressed = "progressed",
    Completed = "completed",
    Scored = "scored",
    Passed = "passed",
    Failed = "failed",
});

impl LearningVerb {
    pub fn iri(self) -> String {
        format!("http://adlnet.gov/expapi/verbs/{}", self.as_str())
    }
}

/// An activity's state for a learner, as the server computed it from the learning events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProgressStatus {
    NotStarted,
    InProgress,
    /// Done (rules without a score).
    Complete,
    /// Done with a score at or above the requirement.
    CompletePass,
    /// Attempted with a score below the requirement: not yet counted.
    CompleteFail,
}
crate::text_enum!(ProgressStatus {
    NotStarted = "NOT_STARTED",
    InProgress = "IN_PROGRESS",
    Complete = "COMPLETE",
    CompletePass = "COMPLETE_PASS",
    CompleteFail = "COMPLETE_FAIL",
});

impl ProgressStatus {
    /// Whether the activity counts towards its module and course.
    pub fn satisfied(self) -> bool {
        matches!(self, ProgressStatus::Complete | ProgressStatus::CompletePass)
    }
}

/// Whether a certificate still holds: revoked ones say why and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CertificateStatus {
    Active,
    Revoked,
}
crate::text_enum!(CertificateStatus { Active = "ACTIVE", Revoked = "REVOKED" });

// ---- content (draft and versions) ----

/// A course's content: what a version freezes. Quizzes hold their answers; the API never
/// serves them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseContent {
    pub title: Localized,
    pub summary: Localized,
    pub hours: i32,
    /// `None`: every required activity; `Some(n)`: any `n` of them.
    pub min_activities: Option<i32>,
    pub modules: Vec<ModuleContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleContent {
    pub id: i64,
    pub title: Localized,
    pub summary: Localized,
    /// Activities are taken in order.
    pub sequential: bool,
    /// Modules (ids) that must be complete before this one opens.
    pub prerequisites: Vec<i64>,
    pub activities: Vec<ActivityContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityContent {
    pub id: i64,
    pub kind: ActivityKind,
    pub title: Localized,
    pub body: Localized,
    pub url: Option<String>,
    pub low_bandwidth_url: Option<String>,
    pub duration_seconds: Option<i32>,
    pub size_bytes: Option<i64>,
    pub rule: CompletionRuleKind,
    /// Basis points (0–10000) for MIN_SCORE.
    pub min_score_bp: Option<i32>,
    pub required: bool,
    pub estimated_minutes: i32,
    pub quiz: Option<QuizContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizContent {
    /// Basis points (0–10000).
    pub pass_mark_bp: i32,
    /// 0: unlimited.
    pub attempts_allowed: i32,
    pub time_limit_seconds: Option<i32>,
    pub grading: QuizGrading,
    pub shuffle: bool,
    pub questions: Vec<QuestionContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionContent {
    pub key: String,
    pub kind: QuestionKind,
    pub prompt: Localized,
    pub points: i32,
    /// Choices (single, multiple, ordering in the right order) or the left items (matching).
    pub choices: Vec<Choice>,
    /// Matching: the right items, `choices[i]` pairs with `matches[i]`.
    pub matches: Vec<Choice>,
    pub answer: Answer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub key: String,
    pub text: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// Keys of the right choices (one for single choice).
    Choices(Vec<String>),
    Boolean(bool),
    /// Accepted texts, compared folded.
    Texts(Vec<String>),
    Number {
        value: f64,
        tolerance: f64,
    },
    /// Matching and ordering: the right arrangement is the content's own order.
    Arrangement,
}

impl CourseContent {
    pub fn activities(&self) -> impl Iterator<Item = &ActivityContent> {
        self.modules.iter().flat_map(|m| m.activities.iter())
    }
    pub fn activity(&self, id: i64) -> Option<&ActivityContent> {
        self.activities().find(|a| a.id == id)
    }
    pub fn module_of(&self, activity_id: i64) -> Option<&ModuleContent> {
        self.modules.iter().find(|m| m.activities.iter().any(|a| a.id == activity_id))
    }
    /// Required activities, and how many of them complete the course.
    pub fn requirement(&self) -> (i32, i32) {
        let required = self.activities().filter(|a| a.required).count() as i32;
        (required, self.min_activities.map_or(required, |n| n.min(required)))
    }
}

// ---- rows ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_courses)]
pub struct CourseRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub sector_id: Option<i64>,
    pub level: String,
    pub languages: String,
    pub hours: i32,
    pub status: String,
    pub draft: String,
    pub published_version: Option<i32>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CourseRow {
    pub fn status(&self) -> CourseStatus {
        CourseStatus::parse(&self.status).unwrap_or(CourseStatus::Draft)
    }
    pub fn level(&self) -> CourseLevel {
        CourseLevel::parse(&self.level).unwrap_or(CourseLevel::Beginner)
    }
    pub fn title(&self) -> Localized {
        serde_json::from_str(&self.title).unwrap_or_default()
    }
    pub fn summary(&self) -> Localized {
        serde_json::from_str(&self.summary).unwrap_or_default()
    }
    pub fn draft(&self) -> CourseContent {
        serde_json::from_str(&self.draft).unwrap_or_default()
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = academy_courses)]
pub struct CourseFields {
    pub code: String,
    pub title: String,
    pub summary: String,
    pub sector_id: Option<i64>,
    pub level: String,
    pub languages: String,
    pub hours: i32,
    pub draft: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_course_versions)]
pub struct VersionRow {
    pub id: i64,
    pub course_id: i64,
    pub version: i32,
    pub content: String,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

impl VersionRow {
    pub fn content(&self) -> CourseContent {
        serde_json::from_str(&self.content).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_paths)]
pub struct PathRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub sector_id: Option<i64>,
    pub level: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PathRow {
    pub fn status(&self) -> CourseStatus {
        CourseStatus::parse(&self.status).unwrap_or(CourseStatus::Draft)
    }
    pub fn level(&self) -> CourseLevel {
        CourseLevel::parse(&self.level).unwrap_or(CourseLevel::Beginner)
    }
    pub fn title(&self) -> Localized {
        serde_json::from_str(&self.title).unwrap_or_default()
    }
    pub fn summary(&self) -> Localized {
        serde_json::from_str(&self.summary).unwrap_or_default()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = academy_paths)]
pub struct NewPath<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub sector_id: Option<i64>,
    pub level: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = academy_enrollments, treat_none_as_default_value = false)]
pub struct NewEnrollment {
    pub account_id: i64,
    pub course_id: i64,
    pub version_id: i64,
    pub cooperative_id: Option<i64>,
    pub enrolled_by: i64,
    pub created_at: NaiveDateTime,
    pub completed_activities: i32,
    pub required_activities: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_enrollments)]
pub struct EnrollmentRow {
    pub id: i64,
    pub account_id: i64,
    pub course_id: i64,
    pub version_id: i64,
    pub cooperative_id: Option<i64>,
    pub enrolled_by: i64,
    pub created_at: NaiveDateTime,
    pub completed_activities: i32,
    pub required_activities: i32,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_path_enrollments)]
pub struct PathEnrollmentRow {
    pub id: i64,
    pub account_id: i64,
    pub path_id: i64,
    pub cooperative_id: Option<i64>,
    pub enrolled_by: i64,
    pub created_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

/// One recorded learning event. `None` is written as NULL (not as a column left out), so a
/// batch is one multi-row `INSERT` on SQLite too rather than one statement per event.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = academy_events, treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EventRow {
    pub event_id: String,
    pub enrollment_id: i64,
    pub activity_id: i64,
    pub verb: String,
    pub score_bp: Option<i32>,
    pub success: Option<bool>,
    pub completion: Option<bool>,
    pub duration_ms: Option<i64>,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
}

impl EventRow {
    pub fn verb(&self) -> Option<LearningVerb> {
        LearningVerb::parse(&self.verb)
    }
    /// The same statement (the time it was recorded aside).
    pub fn same_statement(&self, other: &EventRow) -> bool {
        (&self.event_id, self.enrollment_id, self.activity_id, &self.verb, self.score_bp, self.success)
            == (&other.event_id, other.enrollment_id, other.activity_id, &other.verb, other.score_bp, other.success)
            && (self.completion, self.duration_ms, self.occurred_at)
                == (other.completion, other.duration_ms, other.occurred_at)
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = academy_activity_progress, treat_none_as_default_value = false)]
pub struct ActivityProgressRow {
    pub enrollment_id: i64,
    pub activity_id: i64,
    pub status: String,
    pub score_bp: Option<i32>,
    pub attempts: i32,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_quiz_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub attempt_key: String,
    pub enrollment_id: i64,
    pub activity_id: i64,
    pub layout: String,
    pub started_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub answers: Option<String>,
    pub score_bp: Option<i32>,
    pub passed: Option<bool>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = academy_certificates)]
pub struct CertificateRow {
    pub id: i64,
    pub code: String,
    pub account_id: i64,
    pub course_id: Option<i64>,
    pub path_id: Option<i64>,
    pub holder_name: String,
    pub title: String,
    pub hours: i32,
    pub result_bp: Option<i32>,
    pub issued_at: NaiveDateTime,
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<i64>,
    pub credential: String,
}

impl CertificateRow {
    pub fn status(&self) -> CertificateStatus {
        CertificateStatus::parse(&self.status).unwrap_or(CertificateStatus::Active)
    }
    pub fn title(&self) -> Localized {
        serde_json::from_str(&self.title).unwrap_or_default()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = academy_certificates)]
pub struct NewCertificate {
    pub code: String,
    pub account_id: i64,
    pub course_id: Option<i64>,
    pub path_id: Option<i64>,
    pub holder_name: String,
    pub title: String,
    pub hours: i32,
    pub result_bp: Option<i32>,
    pub issued_at: NaiveDateTime,
    pub status: String,
    pub credential: String,
}
