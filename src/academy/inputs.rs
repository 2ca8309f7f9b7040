//! What the academy's mutations take.

use async_graphql::{ID, InputObject};

use super::model::*;
use crate::kernel::graphql::DateTime;
use crate::kernel::i18n::{Locale, LocalizedTextInput};

/// A course's metadata and its whole content: creates the course without `id`, otherwise
/// replaces its draft. Learners see a change only once the course is published again.
#[derive(InputObject)]
pub struct CourseSaveInput {
    pub id: Option<ID>,
    /// A short code, unique (letters, digits and dashes).
    pub code: String,
    pub title: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    pub sector_code: Option<String>,
    pub level: CourseLevel,
    /// The languages it is taught in.
    pub languages: Vec<Locale>,
    /// Study hours printed on the certificate.
    pub hours: i32,
    /// How many required activities complete the course; unset: all of them.
    pub min_activities: Option<i32>,
    pub modules: Vec<ModuleInput>,
}

#[derive(InputObject)]
pub struct ModuleInput {
    /// An existing module of this course keeps its id; unset: a new module.
    pub id: Option<ID>,
    pub title: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    /// Activities are taken in order.
    #[graphql(default)]
    pub sequential: bool,
    /// Positions (0-based) of earlier modules in this list that must be complete first.
    #[graphql(default)]
    pub prerequisites: Vec<i32>,
    pub activities: Vec<ActivityInput>,
}

#[derive(InputObject)]
pub struct ActivityInput {
    /// An existing activity of this course keeps its id (and learners' progress on it).
    pub id: Option<ID>,
    pub kind: ActivityKind,
    pub title: Vec<LocalizedTextInput>,
    /// PAGE: the text (HTML-free rich text, Markdown).
    #[graphql(default)]
    pub body: Vec<LocalizedTextInput>,
    /// VIDEO and DOCUMENT: an https URL.
    pub url: Option<String>,
    /// VIDEO: a small rendition for mobile data.
    pub low_bandwidth_url: Option<String>,
    /// VIDEO: its length.
    pub duration_seconds: Option<i32>,
    /// DOCUMENT: the PDF's size, shown before a download on mobile data.
    pub size_bytes: Option<i64>,
    pub completion: CompletionRuleKind,
    /// MIN_SCORE: the percentage (0–100) to reach.
    pub min_score: Option<f64>,
    #[graphql(default = true)]
    pub required: bool,
    pub estimated_minutes: i32,
    /// QUIZ: its settings and questions.
    pub quiz: Option<QuizInput>,
}

#[derive(InputObject)]
pub struct QuizInput {
    /// Percentage (0–100) to pass.
    pub pass_mark: f64,
    /// 0: unlimited.
    #[graphql(default)]
    pub attempts_allowed: i32,
    pub time_limit_seconds: Option<i32>,
    #[graphql(default_with = "QuizGrading::Highest")]
    pub grading: QuizGrading,
    #[graphql(default)]
    pub shuffle: bool,
    pub questions: Vec<QuestionInput>,
}

#[derive(InputObject)]
pub struct QuestionInput {
    pub kind: QuestionKind,
    pub prompt: Vec<LocalizedTextInput>,
    #[graphql(default = 1)]
    pub points: i32,
    /// SINGLE_CHOICE, MULTIPLE_CHOICE: the choices; ORDERING: the items in their right order;
    /// MATCHING: the left items.
    #[graphql(default)]
    pub choices: Vec<ChoiceInput>,
    /// MATCHING: the right items, `matches[i]` pairing with `choices[i]`.
    #[graphql(default)]
    pub matches: Vec<ChoiceInput>,
    /// SINGLE_CHOICE, MULTIPLE_CHOICE: positions (0-based) of the right choices.
    #[graphql(default)]
    pub correct_choices: Vec<i32>,
    /// TRUE_FALSE.
    pub correct_boolean: Option<bool>,
    /// SHORT_TEXT: accepted answers.
    #[graphql(default)]
    pub accepted_texts: Vec<String>,
    /// NUMERIC.
    pub numeric_answer: Option<f64>,
    #[graphql(default)]
    pub tolerance: f64,
}

#[derive(InputObject)]
pub struct ChoiceInput {
    pub text: Vec<LocalizedTextInput>,
}

#[derive(InputObject)]
pub struct CoursePublishInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct CourseArchiveInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct LearningPathSaveInput {
    pub id: Option<ID>,
    pub code: String,
    pub title: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub summary: Vec<LocalizedTextInput>,
    pub sector_code: Option<String>,
    pub level: CourseLevel,
    /// The courses, in order.
    pub course_ids: Vec<ID>,
    pub status: CourseStatus,
}

#[derive(InputObject)]
pub struct EnrollmentCreateInput {
    /// A course, or
    pub course_id: Option<ID>,
    /// a learning path (enrols in each of its courses).
    pub path_id: Option<ID>,
    /// Another learner, by the email of their account (cooperative managers for their
    /// cooperative, agents, administrators); unset: yourself.
    pub learner_email: Option<String>,
    /// The cooperative the learner studies for (agents and administrators; a manager's is
    /// their own).
    pub cooperative_id: Option<ID>,
}

/// One xAPI-shaped statement. The actor is the signed-in account.
#[derive(InputObject, Clone)]
pub struct LearningEventInput {
    /// A UUID the client generated: the statement's identity, so a resend changes nothing.
    pub id: String,
    pub verb: LearningVerb,
    /// The activity (the statement's object).
    pub activity_id: ID,
    /// When it happened on the device.
    pub timestamp: DateTime,
    pub result: Option<LearningResultInput>,
}

#[derive(InputObject, Clone)]
pub struct LearningResultInput {
    /// xAPI `score.scaled`, from 0 to 1.
    pub score_scaled: Option<f64>,
    pub success: Option<bool>,
    pub completion: Option<bool>,
    /// ISO 8601 duration, e.g. `PT4M30S`.
    pub duration: Option<String>,
}

#[derive(InputObject)]
pub struct LearningEventsRecordInput {
    /// At most 500.
    pub events: Vec<LearningEventInput>,
}

#[derive(InputObject)]
pub struct QuizAttemptStartInput {
    pub activity_id: ID,
}

/// Answers to a quiz: for an attempt started online (`attemptId`), or for one answered offline
/// (`activityId`, `attemptKey`, `startedAt`), accepted when it started within the limits.
#[derive(InputObject)]
pub struct QuizAttemptSubmitInput {
    pub attempt_id: Option<ID>,
    pub activity_id: Option<ID>,
    /// A UUID the device made for an offline attempt.
    pub attempt_key: Option<String>,
    /// When the offline attempt started on the device.
    pub started_at: Option<DateTime>,
    /// When it was answered on the device (offline); unset: now.
    pub submitted_at: Option<DateTime>,
    pub answers: Vec<QuizAnswerInput>,
}

/// One answer; fill the field its question's kind asks for.
#[derive(InputObject)]
pub struct QuizAnswerInput {
    pub question: String,
    /// SINGLE_CHOICE, MULTIPLE_CHOICE (choice keys); ORDERING (keys in order).
    pub choices: Option<Vec<String>>,
    /// TRUE_FALSE.
    pub boolean: Option<bool>,
    /// SHORT_TEXT.
    pub text: Option<String>,
    /// NUMERIC.
    pub number: Option<f64>,
    /// MATCHING.
    pub pairs: Option<Vec<MatchPairInput>>,
}

#[derive(InputObject)]
pub struct MatchPairInput {
    pub left: String,
    pub right: String,
}

#[derive(InputObject)]
pub struct CertificateRevokeInput {
    pub code: String,
    pub reason: String,
}
