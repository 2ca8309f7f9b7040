//! The completion engine: an activity's, a module's and a course's state computed from the
//! recorded events and the rules of the learner's version, nothing else. It is a pure function
//! of the *set* of events (they are put in one order, by time then id, before anything is
//! read), so duplicates, out-of-order arrival and offline batches cannot change the answer;
//! the store keeps its result only as a cache that every write recomputes.
//!
//! Quizzes are graded here too: answers are compared on the server, never on the client.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::model::*;
use crate::kernel::text::fold;

pub const FULL_SCORE_BP: i32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityState {
    pub status: ProgressStatus,
    pub score_bp: Option<i32>,
    pub attempts: i32,
    pub completed_at: Option<NaiveDateTime>,
}

impl ActivityState {
    pub fn not_started() -> Self {
        ActivityState { status: ProgressStatus::NotStarted, score_bp: None, attempts: 0, completed_at: None }
    }

    pub fn from_row(row: &ActivityProgressRow) -> Self {
        ActivityState {
            status: ProgressStatus::parse(&row.status).unwrap_or(ProgressStatus::NotStarted),
            score_bp: row.score_bp,
            attempts: row.attempts,
            completed_at: row.completed_at,
        }
    }

    pub fn to_row(&self, enrollment_id: i64, activity_id: i64) -> ActivityProgressRow {
        ActivityProgressRow {
            enrollment_id,
            activity_id,
            status: self.status.as_str().to_string(),
            score_bp: self.score_bp,
            attempts: self.attempts,
            completed_at: self.completed_at,
        }
    }
}

/// The one order events are read in.
fn sorted(events: &[&EventRow]) -> Vec<EventRow> {
    let mut events: Vec<EventRow> = events.iter().map(|e| (*e).clone()).collect();
    events.sort_by(|a, b| (a.occurred_at, &a.event_id).cmp(&(b.occurred_at, &b.event_id)));
    events.dedup_by(|a, b| a.event_id == b.event_id);
    events
}

fn has(events: &[EventRow], verbs: &[LearningVerb]) -> Option<NaiveDateTime> {
    events.iter().find(|e| e.verb().is_some_and(|v| verbs.contains(&v))).map(|e| e.occurred_at)
}

/// The grade of a series of scores under a grading method.
fn grade(scores: &[i32], grading: QuizGrading) -> Option<i32> {
    if scores.is_empty() {
        return None;
    }
    Some(match grading {
        QuizGrading::Highest => *scores.iter().max().unwrap_or(&0),
        QuizGrading::Last => *scores.last().unwrap_or(&0),
        QuizGrading::Average => (scores.iter().map(|s| *s as i64).sum::<i64>() / scores.len() as i64) as i32,
    })
}

/// Scores `(time, score)` in event order against a bar: the final grade, and since when the
/// grade has stayed at or above the bar (the moment the requirement was met for good).
fn graded(scored: &[(NaiveDateTime, i32)], grading: QuizGrading, bar: i32) -> (Option<i32>, Option<NaiveDateTime>) {
    let mut running = Vec::with_capacity(scored.len());
    let mut met_since = None;
    for (at, score) in scored {
        running.push(*score);
        let now = grade(&running, grading).unwrap_or(0);
        if now >= bar {
            met_since = met_since.or(Some(*at));
        } else {
            met_since = None;
        }
    }
    (grade(&running, grading), met_since)
}

/// An activity's state from its events (any order, duplicates allowed).
pub fn activity_state(activity: &ActivityContent, events: &[&EventRow]) -> ActivityState {
    let events = sorted(events);
    if events.is_empty() {
        return ActivityState::not_started();
    }
    let in_progress = ActivityState { status: ProgressStatus::InProgress, ..ActivityState::not_started() };
    match activity.rule {
        CompletionRuleKind::View => match has(&events, &[LearningVerb::Experienced, LearningVerb::Completed]) {
            Some(at) => ActivityState { status: ProgressStatus::Complete, completed_at: Some(at), ..in_progress },
            None => in_progress,
        },
        CompletionRuleKind::MarkDone => match has(&events, &[LearningVerb::Completed]) {
            Some(at) => ActivityState { status: ProgressStatus::Complete, completed_at: Some(at), ..in_progress },
            None => in_progress,
        },
        CompletionRuleKind::MinScore | CompletionRuleKind::Pass => {
            let (verbs, grading, bar) = match (&activity.quiz, activity.rule) {
                (Some(quiz), CompletionRuleKind::Pass) => {
                    (&[LearningVerb::Passed, LearningVerb::Failed][..], quiz.grading, quiz.pass_mark_bp)
                }
                _ => {
                    (&[LearningVerb::Scored][..], QuizGrading::Highest, activity.min_score_bp.unwrap_or(FULL_SCORE_BP))
                }
            };
            let scored: Vec<(NaiveDateTime, i32)> = events
                .iter()
                .filter(|e| e.verb().is_some_and(|v| verbs.contains(&v)))
                .filter_map(|e| e.score_bp.map(|s| (e.occurred_at, s)))
                .collect();
            if scored.is_empty() {
                return in_progress;
            }
            let (score, met_since) = graded(&scored, grading, bar);
            let status = if met_since.is_some() { ProgressStatus::CompletePass } else { ProgressStatus::CompleteFail };
            ActivityState { status, score_bp: score, attempts: scored.len() as i32, completed_at: met_since }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleState {
    pub module_id: i64,
    pub completed: i32,
    pub total: i32,
    pub complete: bool,
    /// Its prerequisite modules are complete.
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseState {
    /// Required activities done.
    pub completed: i32,
    /// Required activities.
    pub total: i32,
    /// How many of them complete the course.
    pub needed: i32,
    pub percent: i32,
    pub completed_at: Option<NaiveDateTime>,
    pub next_activity: Option<i64>,
    pub modules: Vec<ModuleState>,
}

impl CourseState {
    pub fn complete(&self) -> bool {
        self.completed_at.is_some()
    }
}

fn state_of(states: &HashMap<i64, ActivityState>, id: i64) -> ActivityState {
    states.get(&id).cloned().unwrap_or_else(ActivityState::not_started)
}

/// The course's state from its activities' states.
pub fn course_state(content: &CourseContent, states: &HashMap<i64, ActivityState>) -> CourseState {
    let done = |id: i64| state_of(states, id).status.satisfied();
    let mut module_done: HashMap<i64, bool> = HashMap::new();
    let mut modules = Vec::with_capacity(content.modules.len());
    for module in &content.modules {
        let required: Vec<&ActivityContent> = module.activities.iter().filter(|a| a.required).collect();
        let completed = required.iter().filter(|a| done(a.id)).count() as i32;
        let complete = completed == required.len() as i32;
        module_done.insert(module.id, complete);
        let available = module.prerequisites.iter().all(|p| module_done.get(p).copied().unwrap_or(false));
        modules.push(ModuleState {
            module_id: module.id,
            completed,
            total: required.len() as i32,
            complete,
            available,
        });
    }
    let (total, needed) = content.requirement();
    let mut completions: Vec<NaiveDateTime> = content
        .activities()
        .filter(|a| a.required)
        .filter_map(|a| {
            let s = state_of(states, a.id);
            if s.status.satisfied() { s.completed_at } else { None }
        })
        .collect();
    completions.sort();
    let completed = completions.len() as i32;
    let completed_at =
        if needed > 0 && completed >= needed { completions.get(needed as usize - 1).copied() } else { None };
    let percent = if needed == 0 { 0 } else { (completed.min(needed) * 100) / needed };
    let next_activity = content
        .modules
        .iter()
        .zip(&modules)
        .filter(|(_, m)| m.available)
        .flat_map(|(module, _)| module.activities.iter())
        .find(|a| a.required && !done(a.id))
        .map(|a| a.id);
    CourseState { completed, total, needed, percent, completed_at, next_activity, modules }
}

/// Whether an activity may be taken now: its module is open and, in a sequential module, the
/// required activities before it are done.
pub fn activity_available(
    content: &CourseContent,
    state: &CourseState,
    activity_id: i64,
    states: &HashMap<i64, ActivityState>,
) -> bool {
    let Some((module, module_state)) =
        content.modules.iter().zip(&state.modules).find(|(m, _)| m.activities.iter().any(|a| a.id == activity_id))
    else {
        return false;
    };
    if !module_state.available {
        return false;
    }
    if !module.sequential {
        return true;
    }
    module
        .activities
        .iter()
        .take_while(|a| a.id != activity_id)
        .filter(|a| a.required)
        .all(|a| state_of(states, a.id).status.satisfied())
}

/// Every activity's state and the course's, from the whole event log of one enrolment: what
/// the stored progress must always equal.
pub fn replay(content: &CourseContent, events: &[EventRow]) -> (HashMap<i64, ActivityState>, CourseState) {
    let mut by_activity: HashMap<i64, Vec<&EventRow>> = HashMap::new();
    for e in events {
        by_activity.entry(e.activity_id).or_default().push(e);
    }
    let states: HashMap<i64, ActivityState> =
        content.activities().filter_map(|a| by_activity.get(&a.id).map(|evs| (a.id, activity_state(a, evs)))).collect();
    let course = course_state(content, &states);
    (states, course)
}

/// The result printed on a certificate: the mean of the scored activities' grades, if any.
pub fn result_bp(content: &CourseContent, states: &HashMap<i64, ActivityState>) -> Option<i32> {
    let scores: Vec<i64> =
        content.activities().filter_map(|a| states.get(&a.id).and_then(|s| s.score_bp)).map(i64::from).collect();
    (!scores.is_empty()).then(|| (scores.iter().sum::<i64>() / scores.len() as i64) as i32)
}

// ---- quizzes ----

/// A learner's answer to one question, of the shape its kind asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum GivenAnswer {
    Choices(Vec<String>),
    Boolean(bool),
    Text(String),
    Number(f64),
    Pairs(Vec<(String, String)>),
}

/// Whether an answer has the shape its question's kind asks for.
pub fn answer_fits(question: &QuestionContent, answer: &GivenAnswer) -> bool {
    matches!(
        (question.kind, answer),
        (QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::Ordering, GivenAnswer::Choices(_))
            | (QuestionKind::TrueFalse, GivenAnswer::Boolean(_))
            | (QuestionKind::ShortText, GivenAnswer::Text(_))
            | (QuestionKind::Numeric, GivenAnswer::Number(_))
            | (QuestionKind::Matching, GivenAnswer::Pairs(_))
    )
}

/// The share of a question's points an answer earns, in basis points.
pub fn question_credit_bp(question: &QuestionContent, answer: Option<&GivenAnswer>) -> i32 {
    let Some(answer) = answer else { return 0 };
    let full = |ok: bool| if ok { FULL_SCORE_BP } else { 0 };
    match (&question.answer, answer) {
        (Answer::Choices(right), GivenAnswer::Choices(given)) => {
            let mut r = right.clone();
            let mut g = given.clone();
            r.sort();
            g.sort();
            g.dedup();
            full((question.kind != QuestionKind::SingleChoice || g.len() == 1) && r == g)
        }
        (Answer::Boolean(right), GivenAnswer::Boolean(given)) => full(right == given),
        (Answer::Texts(accepted), GivenAnswer::Text(given)) => {
            let given = fold(given.trim());
            full(!given.is_empty() && accepted.iter().any(|a| fold(a.trim()) == given))
        }
        (Answer::Number { value, tolerance }, GivenAnswer::Number(given)) => {
            full(given.is_finite() && (given - value).abs() <= tolerance.abs() + f64::EPSILON * value.abs().max(1.0))
        }
        (Answer::Arrangement, GivenAnswer::Choices(order)) => {
            let right: Vec<&String> = question.choices.iter().map(|c| &c.key).collect();
            full(order.iter().collect::<Vec<_>>() == right)
        }
        (Answer::Arrangement, GivenAnswer::Pairs(pairs)) => {
            let n = question.choices.len().max(1) as i32;
            let right = question
                .choices
                .iter()
                .zip(&question.matches)
                .filter(|(l, r)| {
                    pairs.iter().filter(|(gl, _)| *gl == l.key).count() == 1
                        && pairs.iter().any(|(gl, gr)| *gl == l.key && *gr == r.key)
                })
                .count() as i32;
            right * FULL_SCORE_BP / n
        }
        _ => 0,
    }
}

/// A quiz attempt's score in basis points of the quiz's points.
pub fn grade_attempt(quiz: &QuizContent, answers: &HashMap<String, GivenAnswer>) -> i32 {
    let total: i64 = quiz.questions.iter().map(|q| q.points.max(0) as i64).sum();
    if total == 0 {
        return 0;
    }
    let earned: i64 =
        quiz.questions.iter().map(|q| q.points.max(0) as i64 * question_credit_bp(q, answers.get(&q.key)) as i64).sum();
    (earned / total) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::i18n::Localized;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap().and_hms_opt(10, minute, 0).unwrap()
    }

    fn event(id: &str, activity: i64, verb: LearningVerb, score: Option<i32>, minute: u32) -> EventRow {
        EventRow {
            event_id: id.into(),
            enrollment_id: 1,
            activity_id: activity,
            verb: verb.as_str().into(),
            score_bp: score,
            success: None,
            completion: None,
            duration_ms: None,
            occurred_at: at(minute),
            recorded_at: at(59),
        }
    }

    fn activity(id: i64, rule: CompletionRuleKind, quiz: Option<QuizContent>) -> ActivityContent {
        ActivityContent {
            id,
            kind: if quiz.is_some() { ActivityKind::Quiz } else { ActivityKind::Page },
            title: Localized::default(),
            body: Localized::default(),
            url: None,
            low_bandwidth_url: None,
            duration_seconds: None,
            size_bytes: None,
            rule,
            min_score_bp: Some(7000),
            required: true,
            estimated_minutes: 5,
            quiz,
        }
    }

    fn quiz(grading: QuizGrading) -> QuizContent {
        QuizContent {
            pass_mark_bp: 6000,
            attempts_allowed: 0,
            time_limit_seconds: None,
            grading,
            shuffle: false,
            questions: vec![],
        }
    }

    #[test]
    fn a_view_completes_at_its_earliest_event_whatever_the_arrival_order() {
        let a = activity(1, CompletionRuleKind::View, None);
        let e1 = event("b", 1, LearningVerb::Experienced, None, 20);
        let e2 = event("a", 1, LearningVerb::Experienced, None, 10);
        let one = activity_state(&a, &[&e1, &e2, &e1]);
        let two = activity_state(&a, &[&e2, &e1]);
        assert_eq!(one, two);
        assert_eq!(one.completed_at, Some(at(10)));
        assert_eq!(one.status, ProgressStatus::Complete);
    }

    #[test]
    fn quiz_grading_methods_and_the_moment_a_pass_holds() {
        let scores = [(at(1), 5000), (at(2), 8000), (at(3), 4000)];
        assert_eq!(graded(&scores, QuizGrading::Highest, 6000), (Some(8000), Some(at(2))));
        assert_eq!(graded(&scores, QuizGrading::Last, 6000), (Some(4000), None));
        assert_eq!(graded(&scores, QuizGrading::Average, 5500), (Some(5666), Some(at(2))));
        assert_eq!(graded(&scores, QuizGrading::Average, 6000), (Some(5666), None));
        let a = activity(2, CompletionRuleKind::Pass, Some(quiz(QuizGrading::Last)));
        let e =
            [event("x", 2, LearningVerb::Failed, Some(4000), 1), event("y", 2, LearningVerb::Passed, Some(9000), 2)];
        let s = activity_state(&a, &[&e[1], &e[0]]);
        assert_eq!((s.status, s.score_bp, s.attempts), (ProgressStatus::CompletePass, Some(9000), 2));
    }

    #[test]
    fn short_text_answers_compare_folded() {
        let q = QuestionContent {
            key: "q1".into(),
            kind: QuestionKind::ShortText,
            prompt: Localized::default(),
            points: 1,
            choices: vec![],
            matches: vec![],
            answer: Answer::Texts(vec!["Coopérative".into(), "تعاونية".into()]),
        };
        assert_eq!(question_credit_bp(&q, Some(&GivenAnswer::Text(" COOPERATIVE ".into()))), FULL_SCORE_BP);
        assert_eq!(question_credit_bp(&q, Some(&GivenAnswer::Text("تعاونيه".into()))), FULL_SCORE_BP);
        assert_eq!(question_credit_bp(&q, Some(&GivenAnswer::Text("".into()))), 0);
        assert_eq!(question_credit_bp(&q, Some(&GivenAnswer::Number(1.0))), 0);
    }
}
