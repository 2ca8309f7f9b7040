//! The academy's rules: who edits content and who sees whose progress, content validation and
//! publishing into versions, enrolment, recording learning events, quiz attempts, and issuing
//! and revoking certificates. Every write runs in one transaction with its side effects.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use serde_json::json;

use super::credentials::{self, Issuer};
use super::engine::{self, ActivityState, CourseState, GivenAnswer};
use super::inputs::*;
use super::model::*;
use super::store::{self, CourseQuery, LearnerScope, PathQuery};
use crate::auth::{self, model::AccountRow};
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::{Localized, LocalizedTextInput, MAX_DESCRIPTION_LEN, MAX_NAME_LEN, localized};
use crate::kernel::validate::normalize_email;
use crate::kernel::viewer::{Role, Viewer, require_viewer};
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::registry;
use crate::{msg, path};

pub const MAX_EVENTS_PER_BATCH: usize = 500;
pub const MAX_MODULES: usize = 50;
pub const MAX_ACTIVITIES_PER_MODULE: usize = 100;
pub const MAX_QUESTIONS: usize = 100;
pub const MAX_CHOICES: usize = 20;
/// How far ahead of the server's clock a device's timestamp may be.
const CLOCK_SKEW_SECONDS: i64 = 300;
/// Time allowed beyond a quiz's limit for the network.
const SUBMIT_GRACE_SECONDS: i64 = 30;

// ---- access ----

/// Administrators and trainers edit content.
pub fn require_editor(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if matches!(viewer.role, Role::Admin | Role::Trainer) {
        Ok(viewer)
    } else {
        Err(AppError::forbidden(msg!("only trainers and administrators edit courses")))
    }
}

fn is_editor(viewer: Option<&Viewer>) -> bool {
    viewer.is_some_and(|v| matches!(v.role, Role::Admin | Role::Trainer))
}

/// Whose progress a viewer sees: learners their own, managers their cooperative's, agents
/// their region's (or the country's when they have none), administrators everyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Account(i64),
    Cooperative(i64),
    Region(i64),
    All,
}

pub fn audience(viewer: &Viewer) -> Audience {
    match viewer.role {
        Role::Admin => Audience::All,
        Role::Agent => viewer.region_id.map_or(Audience::All, Audience::Region),
        Role::CooperativeManager => {
            viewer.cooperative_id.map_or(Audience::Account(viewer.account_id), Audience::Cooperative)
        }
        _ => Audience::Account(viewer.account_id),
    }
}

/// Whether the viewer may see this enrolment's progress.
pub fn can_see_enrollment(conn: &mut DbConn, viewer: Option<&Viewer>, e: &EnrollmentRow) -> Result<bool, AppError> {
    let Some(viewer) = viewer else { return Ok(false) };
    if viewer.account_id == e.account_id {
        return Ok(true);
    }
    Ok(match audience(viewer) {
        Audience::All => true,
        Audience::Account(_) => false,
        Audience::Cooperative(c) => e.cooperative_id == Some(c),
        Audience::Region(r) => match e.cooperative_id {
            Some(c) => {
                registry::service::cooperatives_by_ids(conn, &[c])?.get(&c).is_some_and(|coop| coop.region_id == r)
            }
            None => false,
        },
    })
}

// ---- content ----

fn check_code(checks: &mut Checks, code: &str) {
    let ok = (2..=40).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !code.starts_with('-');
    checks.check(ok, path!["code"], msg!("2 to 40 letters, digits or dashes"));
}

fn check_url(checks: &mut Checks, field: Vec<String>, url: Option<&str>, required: bool) -> Option<String> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => {
            if required {
                checks.fail_with(ErrorCode::Required, field, msg!("is required for this kind of activity"));
            }
            None
        }
        Some(u) => {
            let ok = (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 2000 && !u.contains(' ');
            checks.check(ok, field, msg!("must be an http(s) URL of at most 2000 characters"));
            ok.then(|| u.to_string())
        }
    }
}

fn percent_bp(checks: &mut Checks, field: Vec<String>, value: f64) -> i32 {
    let ok = value.is_finite() && (0.0..=100.0).contains(&value);
    checks.check_with(ErrorCode::OutOfRange, ok, field, msg!("must be a percentage from 0 to 100"));
    if ok { (value * 100.0).round() as i32 } else { 0 }
}

fn sector_id(conn: &mut DbConn, checks: &mut Checks, code: Option<&str>) -> Result<Option<i64>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let sector = registry::service::sector_by_code(conn, code)?;
    if sector.is_none() {
        checks.fail_with(ErrorCode::SectorNotFound, path!["sectorCode"], msg!("no such sector"));
    }
    Ok(sector.map(|s| s.id))
}

fn text(
    checks: &mut Checks,
    field: Vec<String>,
    input: &[LocalizedTextInput],
    max: usize,
    required: bool,
) -> Localized {
    localized(checks, &field, input, max, required)
}

fn question(checks: &mut Checks, at: Vec<String>, n: usize, q: &QuestionInput) -> QuestionContent {
    let key = format!("q{}", n + 1);
    let field = |f: &str| [at.clone(), path![f]].concat();
    let prompt = text(checks, field("prompt"), &q.prompt, MAX_DESCRIPTION_LEN, true);
    checks.check_with(ErrorCode::OutOfRange, (0..=100).contains(&q.points), field("points"), msg!("must be 0 to 100"));
    let choice_list = |checks: &mut Checks, name: &str, list: &[ChoiceInput], prefix: &str| -> Vec<Choice> {
        list.iter()
            .enumerate()
            .map(|(i, c)| Choice {
                key: format!("{key}{prefix}{}", i + 1),
                text: text(checks, [field(name), path![i, "text"]].concat(), &c.text, MAX_NAME_LEN, true),
            })
            .collect()
    };
    let needs_choices = matches!(
        q.kind,
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::Ordering | QuestionKind::Matching
    );
    if needs_choices {
        checks.check_with(
            ErrorCode::OutOfRange,
            (2..=MAX_CHOICES).contains(&q.choices.len()),
            field("choices"),
            msg!("needs 2 to {max} choices", max = MAX_CHOICES),
        );
    }
    let choices = if needs_choices { choice_list(checks, "choices", &q.choices, "c") } else { Vec::new() };
    let mut matches = Vec::new();
    let answer = match q.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            let mut right = Vec::new();
            for (i, c) in q.correct_choices.iter().enumerate() {
                match choices.get(*c as usize).filter(|_| *c >= 0) {
                    Some(choice) if !right.contains(&choice.key) => right.push(choice.key.clone()),
                    _ => checks.fail(
                        [field("correctChoices"), path![i]].concat(),
                        msg!("is not the position of a choice (or is given twice)"),
                    ),
                }
            }
            let count_ok = if q.kind == QuestionKind::SingleChoice { right.len() == 1 } else { !right.is_empty() };
            checks.check_with(
                ErrorCode::Required,
                count_ok || q.correct_choices.len() != right.len(),
                field("correctChoices"),
                msg!("a single-choice question has one right choice, a multiple-choice one at least one"),
            );
            Answer::Choices(right)
        }
        QuestionKind::TrueFalse => match q.correct_boolean {
            Some(b) => Answer::Boolean(b),
            None => {
                checks.fail_with(
                    ErrorCode::Required,
                    field("correctBoolean"),
                    msg!("is required for this kind of question"),
                );
                Answer::Boolean(true)
            }
        },
        QuestionKind::ShortText => {
            let texts: Vec<String> =
                q.accepted_texts.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
            checks.check_with(
                ErrorCode::Required,
                (1..=MAX_CHOICES).contains(&texts.len()) && texts.iter().all(|t| t.chars().count() <= MAX_NAME_LEN),
                field("acceptedTexts"),
                msg!("needs 1 to {max} accepted answers", max = MAX_CHOICES),
            );
            Answer::Texts(texts)
        }
        QuestionKind::Numeric => match q.numeric_answer.filter(|v| v.is_finite()) {
            Some(value) => {
                checks.check_with(
                    ErrorCode::OutOfRange,
                    q.tolerance.is_finite() && q.tolerance >= 0.0,
                    field("tolerance"),
                    msg!("must not be negative"),
                );
                Answer::Number { value, tolerance: q.tolerance }
            }
            None => {
                checks.fail_with(
                    ErrorCode::Required,
                    field("numericAnswer"),
                    msg!("is required for this kind of question"),
                );
                Answer::Number { value: 0.0, tolerance: 0.0 }
            }
        },
        QuestionKind::Ordering => Answer::Arrangement,
        QuestionKind::Matching => {
            checks.check(
                q.matches.len() == q.choices.len(),
                field("matches"),
                msg!("needs one right item per left item"),
            );
            matches = choice_list(checks, "matches", &q.matches, "m");
            Answer::Arrangement
        }
    };
    QuestionContent { key, kind: q.kind, prompt, points: q.points, choices, matches, answer }
}

fn quiz(checks: &mut Checks, at: Vec<String>, q: &QuizInput) -> QuizContent {
    let field = |f: &str| [at.clone(), path![f]].concat();
    let pass_mark_bp = percent_bp(checks, field("passMark"), q.pass_mark);
    checks.check_with(
        ErrorCode::OutOfRange,
        (0..=100).contains(&q.attempts_allowed),
        field("attemptsAllowed"),
        msg!("must be 0 (unlimited) to 100"),
    );
    if let Some(limit) = q.time_limit_seconds {
        checks.check_with(
            ErrorCode::OutOfRange,
            (10..=86_400).contains(&limit),
            field("timeLimitSeconds"),
            msg!("must be 10 seconds to one day"),
        );
    }
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=MAX_QUESTIONS).contains(&q.questions.len()),
        field("questions"),
        msg!("needs 1 to {max} questions", max = MAX_QUESTIONS),
    );
    let questions = q
        .questions
        .iter()
        .take(MAX_QUESTIONS)
        .enumerate()
        .map(|(n, question_input)| question(checks, [field("questions"), path![n]].concat(), n, question_input))
        .collect();
    QuizContent {
        pass_mark_bp,
        attempts_allowed: q.attempts_allowed,
        time_limit_seconds: q.time_limit_seconds,
        grading: q.grading,
        shuffle: q.shuffle,
        questions,
    }
}

/// An id given for a module or an activity: one of this course's, used once.
fn kept_id(
    checks: &mut Checks,
    field: Vec<String>,
    id: &Option<async_graphql::ID>,
    type_name: &str,
    existing: &HashSet<i64>,
    used: &mut HashSet<i64>,
) -> Option<i64> {
    let id = id.as_ref()?;
    let decoded = ids::decode_input(id, type_name, field.clone(), checks)?;
    if !existing.contains(&decoded) {
        checks.fail_with(
            if type_name == "Activity" { ErrorCode::ActivityNotFound } else { ErrorCode::NotFound },
            field,
            msg!("is not part of this course"),
        );
        return None;
    }
    if !used.insert(decoded) {
        checks.fail_with(ErrorCode::Duplicate, field, msg!("is given twice"));
        return None;
    }
    Some(decoded)
}

/// Validates a course's input into its fields and content; new modules and activities get
/// their ids once everything is valid.
fn course_content(
    conn: &mut DbConn,
    input: &CourseSaveInput,
    course_id: Option<i64>,
) -> Result<(CourseFields, CourseContent, Option<i64>), AppError> {
    let mut checks = Checks::new();
    let code = input.code.trim().to_string();
    check_code(&mut checks, &code);
    let title = text(&mut checks, path!["title"], &input.title, MAX_NAME_LEN, true);
    let summary = text(&mut checks, path!["summary"], &input.summary, MAX_DESCRIPTION_LEN, false);
    let sector = sector_id(conn, &mut checks, input.sector_code.as_deref())?;
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=1000).contains(&input.hours),
        path!["hours"],
        msg!("must be 1 to 1000"),
    );
    checks.check_with(
        ErrorCode::Required,
        !input.languages.is_empty(),
        path!["languages"],
        msg!("needs at least one language"),
    );
    checks.check_with(
        ErrorCode::OutOfRange,
        input.modules.len() <= MAX_MODULES,
        path!["modules"],
        msg!("at most {max} modules", max = MAX_MODULES),
    );
    let (existing_modules, existing_activities): (HashSet<i64>, HashSet<i64>) = match course_id {
        Some(id) => {
            (store::module_ids(conn, id)?.into_iter().collect(), store::activity_ids(conn, id)?.into_iter().collect())
        }
        None => Default::default(),
    };
    let (mut used_modules, mut used_activities) = (HashSet::new(), HashSet::new());
    let mut modules = Vec::new();
    // Ids of new modules and activities are negative placeholders until they are allocated.
    let mut placeholder = 0i64;
    for (m, module) in input.modules.iter().take(MAX_MODULES).enumerate() {
        let at = path!["modules", m];
        let field = |f: &str| [at.clone(), path![f]].concat();
        let id = kept_id(&mut checks, field("id"), &module.id, "Module", &existing_modules, &mut used_modules)
            .unwrap_or_else(|| {
                placeholder -= 1;
                placeholder
            });
        let mut prerequisites = Vec::new();
        for (i, p) in module.prerequisites.iter().enumerate() {
            if *p < 0 || *p as usize >= m {
                checks.fail(
                    [field("prerequisites"), path![i]].concat(),
                    msg!("must be the position of an earlier module"),
                );
            } else if let Some(earlier) = modules.get(*p as usize) {
                let earlier: &ModuleContent = earlier;
                prerequisites.push(earlier.id);
            }
        }
        checks.check_with(
            ErrorCode::OutOfRange,
            module.activities.len() <= MAX_ACTIVITIES_PER_MODULE,
            field("activities"),
            msg!("at most {max} activities", max = MAX_ACTIVITIES_PER_MODULE),
        );
        let mut activities = Vec::new();
        for (a, activity) in module.activities.iter().take(MAX_ACTIVITIES_PER_MODULE).enumerate() {
            let at = [field("activities"), path![a]].concat();
            let f = |name: &str| [at.clone(), path![name]].concat();
            let id =
                kept_id(&mut checks, f("id"), &activity.id, "Activity", &existing_activities, &mut used_activities)
                    .unwrap_or_else(|| {
                        placeholder -= 1;
                        placeholder
                    });
            let kind = activity.kind;
            let url = check_url(
                &mut checks,
                f("url"),
                activity.url.as_deref(),
                matches!(kind, ActivityKind::Video | ActivityKind::Document),
            );
            let low_bandwidth_url =
                check_url(&mut checks, f("lowBandwidthUrl"), activity.low_bandwidth_url.as_deref(), false);
            let body = text(&mut checks, f("body"), &activity.body, 200_000, kind == ActivityKind::Page);
            if kind == ActivityKind::Video {
                checks.check_with(
                    ErrorCode::Required,
                    activity.duration_seconds.is_some_and(|d| (1..=86_400).contains(&d)),
                    f("durationSeconds"),
                    msg!("a video needs its length (1 second to one day)"),
                );
            }
            if kind == ActivityKind::Document {
                checks.check_with(
                    ErrorCode::Required,
                    activity.size_bytes.is_some_and(|s| (1..=1_000_000_000).contains(&s)),
                    f("sizeBytes"),
                    msg!("a document needs its size in bytes"),
                );
            }
            checks.check_with(
                ErrorCode::OutOfRange,
                (0..=10_000).contains(&activity.estimated_minutes),
                f("estimatedMinutes"),
                msg!("must be 0 to 10000"),
            );
            let rule = activity.completion;
            let is_quiz = kind == ActivityKind::Quiz;
            checks.check(
                (rule == CompletionRuleKind::Pass) == is_quiz,
                f("completion"),
                msg!("a quiz completes when passed (PASS), and only a quiz does"),
            );
            let min_score_bp = match (rule, activity.min_score) {
                (CompletionRuleKind::MinScore, Some(s)) => Some(percent_bp(&mut checks, f("minScore"), s)),
                (CompletionRuleKind::MinScore, None) => {
                    checks.fail_with(ErrorCode::Required, f("minScore"), msg!("is required for MIN_SCORE"));
                    None
                }
                _ => None,
            };
            let quiz_content = match (&activity.quiz, is_quiz) {
                (Some(q), true) => Some(quiz(&mut checks, f("quiz"), q)),
                (None, true) => {
                    checks.fail_with(ErrorCode::Required, f("quiz"), msg!("a quiz needs its questions"));
                    None
                }
                (Some(_), false) => {
                    checks.fail(f("quiz"), msg!("only a QUIZ activity has questions"));
                    None
                }
                (None, false) => None,
            };
            activities.push(ActivityContent {
                id,
                kind,
                title: text(&mut checks, f("title"), &activity.title, MAX_NAME_LEN, true),
                body,
                url,
                low_bandwidth_url,
                duration_seconds: activity.duration_seconds,
                size_bytes: activity.size_bytes,
                rule,
                min_score_bp,
                required: activity.required,
                estimated_minutes: activity.estimated_minutes,
                quiz: quiz_content,
            });
        }
        modules.push(ModuleContent {
            id,
            title: text(&mut checks, field("title"), &module.title, MAX_NAME_LEN, true),
            summary: text(&mut checks, field("summary"), &module.summary, MAX_DESCRIPTION_LEN, false),
            sequential: module.sequential,
            prerequisites,
            activities,
        });
    }
    let mut content = CourseContent {
        title: title.clone(),
        summary: summary.clone(),
        hours: input.hours,
        min_activities: input.min_activities,
        modules,
    };
    if let Some(n) = input.min_activities {
        let (required, _) = content.requirement();
        checks.check_with(
            ErrorCode::OutOfRange,
            n >= 1 && n <= required.max(1),
            path!["minActivities"],
            msg!("must be 1 to the number of required activities ({required})", required = required),
        );
    }
    if let Some(other) = store::course_by_code(conn, &code)?
        && Some(other.id) != course_id
    {
        checks.fail_with(ErrorCode::Taken, path!["code"], msg!("another course has this code"));
    }
    checks.finish()?;
    let mut languages: Vec<&str> = input.languages.iter().map(|l| l.code()).collect();
    languages.dedup();
    let fields = CourseFields {
        code,
        title: serde_json::to_string(&title).map_err(AppError::internal)?,
        summary: serde_json::to_string(&summary).map_err(AppError::internal)?,
        sector_id: sector,
        level: input.level.as_str().to_string(),
        languages: languages.join(","),
        hours: input.hours,
        draft: String::new(),
        updated_at: now(),
    };
    content.title = title;
    content.summary = summary;
    Ok((fields, content, course_id))
}

/// Gives new modules and activities their ids (and remaps prerequisites to them).
fn allocate_ids(conn: &mut DbConn, course_id: i64, content: &mut CourseContent) -> Result<(), AppError> {
    let mut remap: HashMap<i64, i64> = HashMap::new();
    for module in &mut content.modules {
        if module.id < 0 {
            let id = store::insert_module(conn, course_id)?;
            remap.insert(module.id, id);
            module.id = id;
        }
        module.prerequisites = module.prerequisites.iter().map(|p| *remap.get(p).unwrap_or(p)).collect();
        for activity in &mut module.activities {
            if activity.id < 0 {
                activity.id = store::insert_activity(conn, course_id)?;
            }
        }
    }
    Ok(())
}

pub fn save_course(conn: &mut DbConn, viewer: Option<&Viewer>, input: CourseSaveInput) -> Result<CourseRow, AppError> {
    let viewer = require_editor(viewer)?.clone();
    let course_id = match &input.id {
        Some(id) => {
            let mut checks = Checks::new();
            let id = ids::decode_input(id, "Course", path!["id"], &mut checks);
            checks.finish()?;
            id
        }
        None => None,
    };
    write_tx(conn, |conn| {
        if let Some(id) = course_id {
            let course = store::course(conn, id)?.ok_or_else(course_not_found)?;
            if course.status() == CourseStatus::Archived {
                return Err(AppError::user(
                    ErrorCode::InvalidTransition,
                    &["id"],
                    msg!("an archived course is no longer edited"),
                ));
            }
        }
        let (mut fields, mut content, _) = course_content(conn, &input, course_id)?;
        let id = match course_id {
            Some(id) => id,
            None => store::insert_course(conn, &fields, viewer.account_id, now())?,
        };
        allocate_ids(conn, id, &mut content)?;
        fields.draft = serde_json::to_string(&content).map_err(AppError::internal)?;
        store::update_course(conn, id, &fields)?;
        store::course(conn, id)?.ok_or_else(course_not_found)
    })
}

fn course_not_found() -> AppError {
    AppError::user(ErrorCode::CourseNotFound, &["id"], msg!("no such course"))
}

fn decode(id: &async_graphql::ID, type_name: &str, field: &str) -> Result<i64, AppError> {
    let mut checks = Checks::new();
    let decoded = ids::decode_input(id, type_name, path![field], &mut checks);
    checks.finish()?;
    decoded.ok_or_else(|| AppError::bad_input(&[field], msg!("invalid id")))
}

/// Freezes the draft into a new version (unless it equals the last one) and opens the course.
pub fn publish_course(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CoursePublishInput,
) -> Result<CourseRow, AppError> {
    let viewer = require_editor(viewer)?.clone();
    let id = decode(&input.id, "Course", "id")?;
    write_tx(conn, |conn| {
        let course = store::course(conn, id)?.ok_or_else(course_not_found)?;
        let draft = course.draft();
        let (required, needed) = draft.requirement();
        if required == 0 || needed == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["id"],
                msg!("a course needs at least one required activity to be published"),
            ));
        }
        let latest = store::latest_version(conn, id)?;
        let version = match &latest {
            Some(v) if v.content() == draft => v.version,
            _ => {
                let next = latest.as_ref().map_or(1, |v| v.version + 1);
                let text = serde_json::to_string(&draft).map_err(AppError::internal)?;
                store::insert_version(conn, id, next, &text, viewer.account_id, now())?;
                next
            }
        };
        store::set_course_status(conn, id, CourseStatus::Published, Some(version), now())?;
        super::search::enqueue_sync(conn, &[id])?;
        store::course(conn, id)?.ok_or_else(course_not_found)
    })
}

pub fn archive_course(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CourseArchiveInput,
) -> Result<CourseRow, AppError> {
    require_editor(viewer)?;
    let id = decode(&input.id, "Course", "id")?;
    write_tx(conn, |conn| {
        let course = store::course(conn, id)?.ok_or_else(course_not_found)?;
        store::set_course_status(conn, id, CourseStatus::Archived, course.published_version, now())?;
        super::search::enqueue_sync(conn, &[id])?;
        store::course(conn, id)?.ok_or_else(course_not_found)
    })
}

/// A course as the viewer may see it: published and archived ones to anyone, drafts to editors.
pub fn visible_course(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<CourseRow>, AppError> {
    Ok(store::course(conn, id)?.filter(|c| c.status() != CourseStatus::Draft || is_editor(viewer)))
}

pub fn visible_course_by_code(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    code: &str,
) -> Result<Option<CourseRow>, AppError> {
    Ok(store::course_by_code(conn, code)?.filter(|c| c.status() != CourseStatus::Draft || is_editor(viewer)))
}

/// A module or activity of a course the viewer may see, as its published version has it (as
/// the draft has it for trainers, when it is not published yet).
fn visible_content(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    course_id: Option<i64>,
) -> Result<Option<CourseContent>, AppError> {
    let Some(course) = course_id.map(|c| visible_course(conn, viewer, c)).transpose()?.flatten() else {
        return Ok(None);
    };
    Ok(match store::latest_version(conn, course.id)? {
        Some(v) if !is_editor(viewer) || course.status() != CourseStatus::Draft => Some(v.content()),
        _ if is_editor(viewer) => Some(course.draft()),
        _ => None,
    })
}

pub fn visible_activity(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<ActivityContent>, AppError> {
    let course = store::activity_courses(conn, &[id])?.remove(&id);
    Ok(visible_content(conn, viewer, course)?.and_then(|c| c.activity(id).cloned()))
}

pub fn visible_module(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<ModuleContent>, AppError> {
    let course = store::module_course(conn, id)?;
    Ok(visible_content(conn, viewer, course)?.and_then(|c| c.modules.into_iter().find(|m| m.id == id)))
}

pub fn courses_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, CourseRow>, AppError> {
    Ok(store::courses_by_ids(conn, ids)?)
}

pub struct CourseFilter {
    pub sector_code: Option<String>,
    pub level: Option<CourseLevel>,
    pub language: Option<crate::kernel::i18n::Locale>,
    pub status: Option<CourseStatus>,
}

pub fn courses(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    filter: CourseFilter,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<CourseRow>, AppError> {
    let mut checks = Checks::new();
    let sector = sector_id(conn, &mut checks, filter.sector_code.as_deref())?;
    checks.finish()?;
    let statuses = match filter.status {
        Some(CourseStatus::Draft) if !is_editor(viewer) => return Ok(Page::empty()),
        Some(s) => Some(vec![s.as_str()]),
        None if is_editor(viewer) => None,
        None => Some(vec![CourseStatus::Published.as_str()]),
    };
    let q = CourseQuery {
        statuses,
        sector_id: sector,
        level: filter.level.map(|l| l.as_str()),
        language: filter.language.map(|l| l.code()),
        ids: None,
    };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_courses(c, &q)?),
        |c, seek| store::list_courses(c, &q, seek),
        |r| Key::id(r.id),
    )
}

pub fn version_content(conn: &mut DbConn, version_id: i64) -> Result<Option<(VersionRow, CourseContent)>, AppError> {
    Ok(store::versions_by_ids(conn, &[version_id])?.remove(&version_id).map(|v| {
        let content = v.content();
        (v, content)
    }))
}

pub fn latest_version(conn: &mut DbConn, course_id: i64) -> Result<Option<VersionRow>, AppError> {
    Ok(store::latest_version(conn, course_id)?)
}

// ---- paths ----

pub fn save_path(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: LearningPathSaveInput,
) -> Result<PathRow, AppError> {
    require_editor(viewer)?;
    let mut checks = Checks::new();
    let path_id = input.id.as_ref().and_then(|id| ids::decode_input(id, "LearningPath", path!["id"], &mut checks));
    let code = input.code.trim().to_string();
    check_code(&mut checks, &code);
    let title = text(&mut checks, path!["title"], &input.title, MAX_NAME_LEN, true);
    let summary = text(&mut checks, path!["summary"], &input.summary, MAX_DESCRIPTION_LEN, false);
    let mut course_ids = Vec::new();
    for (i, id) in input.course_ids.iter().enumerate() {
        if let Some(c) = ids::decode_input(id, "Course", path!["courseIds", i], &mut checks) {
            if course_ids.contains(&c) {
                checks.fail_with(ErrorCode::Duplicate, path!["courseIds", i], msg!("is given twice"));
            }
            course_ids.push(c);
        }
    }
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=50).contains(&input.course_ids.len()),
        path!["courseIds"],
        msg!("a path has 1 to 50 courses"),
    );
    write_tx(conn, |conn| {
        let sector = sector_id(conn, &mut checks, input.sector_code.as_deref())?;
        let found = store::courses_by_ids(conn, &course_ids)?;
        for (i, c) in course_ids.iter().enumerate() {
            match found.get(c) {
                None => checks.fail_with(ErrorCode::CourseNotFound, path!["courseIds", i], msg!("no such course")),
                Some(course)
                    if input.status == CourseStatus::Published && course.status() != CourseStatus::Published =>
                {
                    checks.fail_with(
                        ErrorCode::CourseNotPublished,
                        path!["courseIds", i],
                        msg!("a published path holds published courses only"),
                    )
                }
                _ => {}
            }
        }
        if let Some(id) = path_id
            && store::path(conn, id)?.is_none()
        {
            checks.fail_with(ErrorCode::PathNotFound, path!["id"], msg!("no such learning path"));
        }
        checks.finish()?;
        let title = serde_json::to_string(&title).map_err(AppError::internal)?;
        let summary = serde_json::to_string(&summary).map_err(AppError::internal)?;
        let id = match path_id {
            Some(id) => {
                use crate::kernel::db::schema::academy_paths as p;
                use diesel::prelude::*;
                diesel::update(p::table.find(id))
                    .set((
                        p::code.eq(&code),
                        p::title.eq(&title),
                        p::summary.eq(&summary),
                        p::sector_id.eq(sector),
                        p::level.eq(input.level.as_str()),
                        p::status.eq(input.status.as_str()),
                        p::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                id
            }
            None => store::insert_path(
                conn,
                &NewPath {
                    code: &code,
                    title: &title,
                    summary: &summary,
                    sector_id: sector,
                    level: input.level.as_str(),
                    status: input.status.as_str(),
                    created_at: now(),
                    updated_at: now(),
                },
            )?,
        };
        store::set_path_courses(conn, id, &course_ids)?;
        store::path(conn, id)?
            .ok_or_else(|| AppError::user(ErrorCode::PathNotFound, &["id"], msg!("no such learning path")))
    })
    .map_err(|e| match e {
        AppError::Rejected(errors) if errors.iter().any(|e| e.code == ErrorCode::Taken) => {
            AppError::user(ErrorCode::Taken, &["code"], msg!("another path has this code"))
        }
        other => other,
    })
}

pub fn visible_path(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<PathRow>, AppError> {
    Ok(store::path(conn, id)?.filter(|p| p.status() != CourseStatus::Draft || is_editor(viewer)))
}

pub fn visible_path_by_code(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    code: &str,
) -> Result<Option<PathRow>, AppError> {
    Ok(store::path_by_code(conn, code)?.filter(|p| p.status() != CourseStatus::Draft || is_editor(viewer)))
}

pub fn paths(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    sector_code: Option<String>,
    level: Option<CourseLevel>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<PathRow>, AppError> {
    let mut checks = Checks::new();
    let sector = sector_id(conn, &mut checks, sector_code.as_deref())?;
    checks.finish()?;
    let statuses: Vec<&'static str> =
        if is_editor(viewer) { vec!["DRAFT", "PUBLISHED", "ARCHIVED"] } else { vec![CourseStatus::Published.as_str()] };
    let q = PathQuery { statuses, sector_id: sector, level: level.map(|l| l.as_str()) };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_paths(c, &q)?),
        |c, seek| store::list_paths(c, &q, seek),
        |r| Key::id(r.id),
    )
}

pub fn path_courses(conn: &mut DbConn, path_ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, AppError> {
    Ok(store::path_courses(conn, path_ids)?)
}

// ---- enrolment ----

/// What an enrolment answers: the course enrolments made or found, and the path's if any.
pub struct Enrolled {
    pub enrollments: Vec<EnrollmentRow>,
    pub path: Option<PathEnrollmentRow>,
}

pub fn enroll(conn: &mut DbConn, viewer: Option<&Viewer>, input: EnrollmentCreateInput) -> Result<Enrolled, AppError> {
    let viewer = require_viewer(viewer)?.clone();
    let mut checks = Checks::new();
    let course_id =
        input.course_id.as_ref().and_then(|id| ids::decode_input(id, "Course", path!["courseId"], &mut checks));
    let path_id =
        input.path_id.as_ref().and_then(|id| ids::decode_input(id, "LearningPath", path!["pathId"], &mut checks));
    if input.course_id.is_some() == input.path_id.is_some() {
        checks.fail_with(ErrorCode::Required, path!["courseId"], msg!("give a course or a learning path, not both"));
    }
    let cooperative_given = input
        .cooperative_id
        .as_ref()
        .and_then(|id| ids::decode_input(id, "Cooperative", path!["cooperativeId"], &mut checks));
    checks.finish()?;
    write_tx(conn, |conn| {
        // Who learns, and for which cooperative.
        let (learner, cooperative_id) = match input.learner_email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => {
                (viewer.account_id, viewer.cooperative_id.or(cooperative_given.filter(|_| viewer.is_office_staff())))
            }
            Some(email) => {
                let cooperative_id = match viewer.role {
                    Role::CooperativeManager => {
                        if cooperative_given.is_some_and(|c| Some(c) != viewer.cooperative_id) {
                            return Err(AppError::forbidden(msg!("you may only manage your own cooperative")));
                        }
                        viewer.cooperative_id
                    }
                    Role::Agent | Role::Admin => cooperative_given,
                    _ => {
                        return Err(AppError::forbidden(msg!("only managers, agents and administrators enrol others")));
                    }
                };
                if let Some(c) = cooperative_id {
                    let found = registry::service::cooperatives_by_ids(conn, &[c])?;
                    let Some(coop) = found.get(&c) else {
                        return Err(AppError::user(
                            ErrorCode::CooperativeNotFound,
                            &["cooperativeId"],
                            msg!("no such cooperative"),
                        ));
                    };
                    if viewer.role == Role::Agent && viewer.region_id.is_some_and(|r| r != coop.region_id) {
                        return Err(AppError::forbidden(msg!("this cooperative is outside your region")));
                    }
                } else if viewer.role == Role::Agent && viewer.region_id.is_some() {
                    return Err(AppError::user(
                        ErrorCode::Required,
                        &["cooperativeId"],
                        msg!("name the learner's cooperative in your region"),
                    ));
                }
                let account =
                    auth::service::find_account_by_email(conn, &normalize_email(email))?.ok_or_else(|| {
                        AppError::user(ErrorCode::AccountNotFound, &["learnerEmail"], msg!("no account has this email"))
                    })?;
                (account.id, cooperative_id)
            }
        };
        let course_ids = match (course_id, path_id) {
            (Some(c), _) => vec![c],
            (None, Some(p)) => {
                let path =
                    store::path(conn, p)?.filter(|p| p.status() == CourseStatus::Published).ok_or_else(|| {
                        AppError::user(ErrorCode::PathNotFound, &["pathId"], msg!("no such learning path"))
                    })?;
                store::path_courses(conn, &[path.id])?.remove(&path.id).unwrap_or_default()
            }
            (None, None) => Vec::new(),
        };
        let mut enrollments = Vec::new();
        for c in course_ids {
            let course = store::course(conn, c)?
                .ok_or_else(|| AppError::user(ErrorCode::CourseNotFound, &["courseId"], msg!("no such course")))?;
            if let Some(existing) = store::enrollment_of(conn, learner, c)? {
                enrollments.push(existing);
                continue;
            }
            if course.status() != CourseStatus::Published {
                return Err(AppError::user(
                    ErrorCode::CourseNotPublished,
                    &["courseId"],
                    msg!("this course is not open for enrolment"),
                ));
            }
            let version = store::latest_version(conn, c)?.ok_or_else(|| {
                AppError::user(
                    ErrorCode::CourseNotPublished,
                    &["courseId"],
                    msg!("this course is not open for enrolment"),
                )
            })?;
            let (_, needed) = version.content().requirement();
            let id = store::insert_enrollment(
                conn,
                &NewEnrollment {
                    account_id: learner,
                    course_id: c,
                    version_id: version.id,
                    cooperative_id,
                    enrolled_by: viewer.account_id,
                    created_at: now(),
                    completed_activities: 0,
                    required_activities: needed,
                },
            )?;
            enrollments.push(store::enrollment(conn, id)?.ok_or_else(|| AppError::internal("enrolment vanished"))?);
        }
        let path = match path_id {
            Some(p) => Some(match store::path_enrollment_of(conn, learner, p)? {
                Some(existing) => existing,
                None => {
                    store::insert_path_enrollment(conn, learner, p, cooperative_id, viewer.account_id, now())?;
                    store::path_enrollment_of(conn, learner, p)?
                        .ok_or_else(|| AppError::internal("enrolment vanished"))?
                }
            }),
            None => None,
        };
        Ok(Enrolled { enrollments, path })
    })
}

/// The outbox kind written when a learner completes a course: later domains (the project
/// bank's training step) follow it.
pub const COURSE_COMPLETED_KIND: &str = "course_completed";

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CourseCompleted {
    pub account_id: i64,
    pub course_id: i64,
}

/// A course by its code, when it is published (open for enrolment).
pub fn published_course_by_code(conn: &mut DbConn, code: &str) -> Result<Option<CourseRow>, AppError> {
    Ok(store::course_by_code(conn, code)?.filter(|c| c.status() == CourseStatus::Published))
}

/// A learning path by its code, when it is published.
pub fn published_path_by_code(conn: &mut DbConn, code: &str) -> Result<Option<PathRow>, AppError> {
    Ok(store::path_by_code(conn, code)?.filter(|p| p.status() == CourseStatus::Published))
}

pub fn paths_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, PathRow>, AppError> {
    Ok(store::paths_by_ids(conn, ids)?)
}

/// The courses a set of required courses and paths comes to (a path's courses included),
/// without repeats, in a stable order.
pub fn required_courses(conn: &mut DbConn, course_ids: &[i64], path_ids: &[i64]) -> Result<Vec<i64>, AppError> {
    let mut all: Vec<i64> = course_ids.to_vec();
    for courses in store::path_courses(conn, path_ids)?.into_values() {
        all.extend(courses);
    }
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

/// Enrols these accounts in these courses and paths on behalf of a programme, in the caller's
/// transaction. Existing enrolments are kept; a course no longer open for enrolment is
/// skipped. Answers how many course enrolments were made.
pub fn enroll_team(
    conn: &mut DbConn,
    accounts: &[i64],
    course_ids: &[i64],
    path_ids: &[i64],
    enrolled_by: i64,
) -> Result<usize, AppError> {
    let courses = required_courses(conn, course_ids, path_ids)?;
    let versions = store::latest_versions(conn, &courses)?;
    let open: HashSet<i64> = store::courses_by_ids(conn, &courses)?
        .into_values()
        .filter(|c| c.status() == CourseStatus::Published)
        .map(|c| c.id)
        .collect();
    let at = now();
    let mut made = 0;
    for account in accounts {
        let existing = store::enrollments_of_account(conn, *account, &courses)?;
        for course in &courses {
            let (Some(version), true) = (versions.get(course), open.contains(course)) else { continue };
            if existing.contains_key(course) {
                continue;
            }
            let (_, needed) = version.content().requirement();
            store::insert_enrollment(
                conn,
                &NewEnrollment {
                    account_id: *account,
                    course_id: *course,
                    version_id: version.id,
                    cooperative_id: None,
                    enrolled_by,
                    created_at: at,
                    completed_activities: 0,
                    required_activities: needed,
                },
            )?;
            made += 1;
        }
        for path in path_ids {
            if store::path_enrollment_of(conn, *account, *path)?.is_none() {
                store::insert_path_enrollment(conn, *account, *path, None, enrolled_by, at)?;
            }
        }
    }
    Ok(made)
}

/// Whether every one of these accounts has completed every one of these courses.
pub fn all_completed(conn: &mut DbConn, accounts: &[i64], course_ids: &[i64]) -> Result<bool, AppError> {
    for account in accounts {
        let enrolled = store::enrollments_of_account(conn, *account, course_ids)?;
        if course_ids.iter().any(|c| enrolled.get(c).is_none_or(|e| e.completed_at.is_none())) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Enrols generated learners `(account, course)` on each course's published version, in the
/// caller's transaction (the `seed academy` generator).
pub fn enroll_generated(conn: &mut DbConn, pairs: &[(i64, i64)]) -> Result<usize, AppError> {
    let courses: Vec<i64> = pairs.iter().map(|(_, c)| *c).collect::<HashSet<_>>().into_iter().collect();
    let versions = store::latest_versions(conn, &courses)?;
    let at = now();
    let mut rows = Vec::with_capacity(pairs.len());
    for (account, course) in pairs {
        let version = versions.get(course).ok_or_else(|| AppError::internal("course not published"))?;
        let (_, needed) = version.content().requirement();
        rows.push(NewEnrollment {
            account_id: *account,
            course_id: *course,
            version_id: version.id,
            cooperative_id: None,
            enrolled_by: *account,
            created_at: at,
            completed_activities: 0,
            required_activities: needed,
        });
    }
    let mut inserted = 0;
    for chunk in rows.chunks(1_000) {
        inserted += store::insert_enrollments(conn, chunk)?;
    }
    Ok(inserted)
}

pub fn enrollment(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<EnrollmentRow>, AppError> {
    let Some(e) = store::enrollment(conn, id)? else { return Ok(None) };
    Ok(if can_see_enrollment(conn, viewer, &e)? { Some(e) } else { None })
}

pub fn viewer_enrollments(
    conn: &mut DbConn,
    viewer: &Viewer,
    course_ids: &[i64],
) -> Result<HashMap<i64, EnrollmentRow>, AppError> {
    Ok(store::enrollments_of_account(conn, viewer.account_id, course_ids)?)
}

pub fn learner_enrollments(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    course_id: Option<i64>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<EnrollmentRow>, AppError> {
    let viewer = require_viewer(viewer)?;
    let in_region;
    let scope = match audience(viewer) {
        Audience::Account(a) => LearnerScope::Account(a),
        Audience::Cooperative(c) => LearnerScope::Cooperative(c),
        Audience::Region(r) => {
            in_region = registry::service::cooperative_ids_in_region(conn, r)?;
            LearnerScope::Cooperatives(&in_region)
        }
        Audience::All => LearnerScope::All,
    };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_enrollments(c, scope, course_id)?),
        |c, seek| store::list_enrollments(c, scope, course_id, seek),
        |r| Key::id(r.id),
    )
}

pub fn my_enrollments(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<EnrollmentRow>, AppError> {
    Ok(store::enrollments_by_account(conn, viewer.account_id)?)
}

pub fn my_paths(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<PathEnrollmentRow>, AppError> {
    Ok(store::path_enrollments_of_account(conn, viewer.account_id)?)
}

/// The stored state of an enrolment's activities.
pub fn progress_of(
    conn: &mut DbConn,
    enrollment_ids: &[i64],
) -> Result<HashMap<i64, HashMap<i64, ActivityState>>, AppError> {
    let mut map: HashMap<i64, HashMap<i64, ActivityState>> = HashMap::new();
    for row in store::progress_of(conn, enrollment_ids)? {
        map.entry(row.enrollment_id).or_default().insert(row.activity_id, ActivityState::from_row(&row));
    }
    Ok(map)
}

pub fn all_events_of(conn: &mut DbConn, enrollment_id: i64) -> Result<Vec<EventRow>, AppError> {
    Ok(store::all_events_of(conn, enrollment_id)?)
}

// ---- learning events ----

/// What recording a batch answers: the ids now on record, and the state of everything touched.
pub struct Recorded {
    pub accepted: Vec<String>,
    pub touched: Vec<Touched>,
    pub certificates: Vec<CertificateRow>,
}

/// One enrolment a batch touched: its content, the activities' states and the course's.
pub struct Touched {
    pub enrollment: EnrollmentRow,
    pub content: CourseContent,
    pub activities: Vec<i64>,
    pub states: HashMap<i64, ActivityState>,
    pub course: CourseState,
}

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An ISO 8601 duration (`PT1H2M3.5S`, `P1DT2H`) in milliseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total = 0f64;
    let mut read = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let (_, scale) = units.iter().find(|(u, _)| *u == c)?;
                total += number.parse::<f64>().ok()? * scale;
                number.clear();
            }
        }
        number.is_empty().then_some(())
    };
    read(date, &[('W', 604_800.0), ('D', 86_400.0)])?;
    if let Some(t) = time {
        if t.is_empty() {
            return None;
        }
        read(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    (total.is_finite() && total <= 3.2e7).then(|| (total * 1000.0).round() as i64)
}

fn statement_of(input: &LearningEventInput, enrollment_id: i64, activity_id: i64, at: NaiveDateTime) -> EventRow {
    let result = input.result.as_ref();
    EventRow {
        event_id: input.id.trim().to_ascii_lowercase(),
        enrollment_id,
        activity_id,
        verb: input.verb.as_str().to_string(),
        score_bp: result.and_then(|r| r.score_scaled).map(|s| (s * 10_000.0).round() as i32),
        success: result.and_then(|r| r.success),
        completion: result.and_then(|r| r.completion),
        duration_ms: result.and_then(|r| r.duration.as_deref()).and_then(parse_duration),
        occurred_at: input.timestamp.0,
        recorded_at: at,
    }
}

pub fn record_events(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    issuer: &Issuer,
    input: LearningEventsRecordInput,
) -> Result<Recorded, AppError> {
    let viewer = require_viewer(viewer)?.clone();
    let events = input.events;
    if events.is_empty() || events.len() > MAX_EVENTS_PER_BATCH {
        return Err(AppError::user(
            ErrorCode::OutOfRange,
            &["events"],
            msg!("a batch holds 1 to {max} events", max = MAX_EVENTS_PER_BATCH),
        ));
    }
    let at = now();
    let mut checks = Checks::new();
    let mut activity_of = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let field = |f: &str| path!["events", i, f];
        checks.check(is_uuid(e.id.trim()), field("id"), msg!("must be a UUID made by the client"));
        if matches!(e.verb, LearningVerb::Passed | LearningVerb::Failed) {
            checks.fail(field("verb"), msg!("quiz results come from quizAttemptSubmit, graded on the server"));
        }
        if e.timestamp.0 > at + chrono::Duration::seconds(CLOCK_SKEW_SECONDS) {
            checks.fail_with(ErrorCode::OutOfRange, field("timestamp"), msg!("is in the future"));
        }
        if let Some(r) = &e.result {
            if let Some(s) = r.score_scaled {
                checks.check_with(
                    ErrorCode::OutOfRange,
                    s.is_finite() && (0.0..=1.0).contains(&s),
                    path!["events", i, "result", "scoreScaled"],
                    msg!("must be from 0 to 1"),
                );
            }
            if let Some(d) = &r.duration {
                checks.check(
                    parse_duration(d).is_some(),
                    path!["events", i, "result", "duration"],
                    msg!("must be an ISO 8601 duration such as PT4M30S"),
                );
            }
        }
        if e.verb == LearningVerb::Scored && e.result.as_ref().and_then(|r| r.score_scaled).is_none() {
            checks.fail_with(
                ErrorCode::Required,
                path!["events", i, "result", "scoreScaled"],
                msg!("a SCORED event carries its score"),
            );
        }
        activity_of.push(ids::decode_input(&e.activity_id, "Activity", field("activityId"), &mut checks));
    }
    checks.finish()?;
    write_tx(conn, |conn| {
        let mut checks = Checks::new();
        let activity_ids: Vec<i64> = activity_of.iter().flatten().copied().collect();
        let course_of = store::activity_courses(conn, &activity_ids)?;
        let course_ids: Vec<i64> = course_of.values().copied().collect::<HashSet<_>>().into_iter().collect();
        let enrollments = store::enrollments_of_account(conn, viewer.account_id, &course_ids)?;
        let version_ids: Vec<i64> = enrollments.values().map(|e| e.version_id).collect();
        let contents: HashMap<i64, CourseContent> =
            store::versions_by_ids(conn, &version_ids)?.into_iter().map(|(id, v)| (id, v.content())).collect();
        let ids_sent: Vec<String> = events.iter().map(|e| e.id.trim().to_ascii_lowercase()).collect();
        let on_record: HashMap<String, EventRow> =
            store::events_by_ids(conn, &ids_sent)?.into_iter().map(|e| (e.event_id.clone(), e)).collect();
        let mut batch: HashMap<String, EventRow> = HashMap::new();
        let mut fresh = Vec::new();
        for (i, (e, activity)) in events.iter().zip(&activity_of).enumerate() {
            let Some(activity) = activity else { continue };
            let field = |f: &str| path!["events", i, f];
            let Some(course) = course_of.get(activity) else {
                checks.fail_with(ErrorCode::ActivityNotFound, field("activityId"), msg!("no such activity"));
                continue;
            };
            let Some(enrollment) = enrollments.get(course) else {
                checks.fail_with(
                    ErrorCode::NotEnrolled,
                    field("activityId"),
                    msg!("you are not enrolled in this activity's course"),
                );
                continue;
            };
            let content = &contents[&enrollment.version_id];
            let Some(activity_content) = content.activity(*activity) else {
                checks.fail_with(
                    ErrorCode::ActivityNotFound,
                    field("activityId"),
                    msg!("this activity is not part of the course version you are enrolled on"),
                );
                continue;
            };
            if activity_content.kind == ActivityKind::Quiz
                && !matches!(e.verb, LearningVerb::Experienced | LearningVerb::Progressed)
            {
                checks.fail(field("verb"), msg!("quiz results come from quizAttemptSubmit, graded on the server"));
                continue;
            }
            let row = statement_of(e, enrollment.id, *activity, at);
            let earlier = on_record.get(&row.event_id).or_else(|| batch.get(&row.event_id));
            match earlier {
                Some(earlier) if earlier.same_statement(&row) => {}
                Some(_) => checks.fail_with(
                    ErrorCode::EventIdReused,
                    field("id"),
                    msg!("this id was already used for a different statement"),
                ),
                None => {
                    batch.insert(row.event_id.clone(), row.clone());
                    fresh.push(row);
                }
            }
        }
        checks.finish()?;
        store::insert_events(conn, &fresh)?;
        // Every enrolment the batch names is answered, resent events included.
        let mut touched_by: HashMap<i64, HashSet<i64>> = HashMap::new();
        for activity in activity_of.iter().flatten() {
            if let Some(e) = course_of.get(activity).and_then(|c| enrollments.get(c)) {
                touched_by.entry(e.id).or_default().insert(*activity);
            }
        }
        let mut touched = Vec::new();
        let mut certificates = Vec::new();
        let mut by_id: Vec<&EnrollmentRow> = enrollments.values().filter(|e| touched_by.contains_key(&e.id)).collect();
        by_id.sort_by_key(|e| e.id);
        for enrollment in by_id {
            let content = contents[&enrollment.version_id].clone();
            let activities: Vec<i64> = touched_by[&enrollment.id].iter().copied().collect();
            let (t, issued) = recompute(conn, issuer, enrollment, content, &activities)?;
            touched.push(t);
            certificates.extend(issued);
        }
        Ok(Recorded { accepted: ids_sent, touched, certificates })
    })
}

/// Recomputes some activities of an enrolment from their events, stores them, then the
/// course's state; issues the certificates a completion earns.
fn recompute(
    conn: &mut DbConn,
    issuer: &Issuer,
    enrollment: &EnrollmentRow,
    content: CourseContent,
    activities: &[i64],
) -> Result<(Touched, Vec<CertificateRow>), AppError> {
    let events = store::events_of(conn, enrollment.id, activities)?;
    let mut rows = Vec::new();
    for id in activities {
        if let Some(activity) = content.activity(*id) {
            let mine: Vec<&EventRow> = events.iter().filter(|e| e.activity_id == *id).collect();
            let state = engine::activity_state(activity, &mine);
            rows.push(state.to_row(enrollment.id, *id));
        }
    }
    store::replace_progress(conn, enrollment.id, activities, &rows)?;
    let states = progress_of(conn, &[enrollment.id])?.remove(&enrollment.id).unwrap_or_default();
    let course = engine::course_state(&content, &states);
    store::set_enrollment_state(
        conn,
        enrollment.id,
        course.completed.min(course.needed),
        course.needed,
        course.completed_at,
    )?;
    let mut issued = Vec::new();
    if let Some(completed_at) = course.completed_at
        && enrollment.completed_at.is_none()
    {
        let account = auth::service::find_account(conn, enrollment.account_id)?
            .ok_or_else(|| AppError::internal("learner missing"))?;
        let result = engine::result_bp(&content, &states);
        issued.extend(issue_course_certificate(conn, issuer, &account, enrollment, &content, result, completed_at)?);
        issued.extend(issue_path_certificates(conn, issuer, &account, enrollment)?);
        crate::outbox::enqueue(
            conn,
            COURSE_COMPLETED_KIND,
            &CourseCompleted { account_id: enrollment.account_id, course_id: enrollment.course_id },
        )?;
    }
    let enrollment = store::enrollment(conn, enrollment.id)?.ok_or_else(|| AppError::internal("enrolment vanished"))?;
    Ok((Touched { enrollment, content, activities: activities.to_vec(), states, course }, issued))
}

// ---- quizzes ----

/// The order an attempt serves its questions and choices in.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub questions: Vec<String>,
    pub choices: HashMap<String, Vec<String>>,
    pub matches: HashMap<String, Vec<String>>,
}

fn layout(quiz: &QuizContent, shuffle_seed: Option<u64>) -> Layout {
    let mut rng = shuffle_seed.map(SplitMix);
    let mut order = |keys: Vec<String>| -> Vec<String> {
        let mut keys = keys;
        if let Some(rng) = rng.as_mut() {
            for i in (1..keys.len()).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                keys.swap(i, j);
            }
        }
        keys
    };
    let questions = order(quiz.questions.iter().map(|q| q.key.clone()).collect());
    let mut choices = HashMap::new();
    let mut matches = HashMap::new();
    for q in &quiz.questions {
        let keys: Vec<String> = q.choices.iter().map(|c| c.key.clone()).collect();
        // Ordering questions are always served shuffled: their order is the answer.
        let keys = if q.kind == QuestionKind::Ordering && shuffle_seed.is_none() {
            let mut k = keys;
            k.reverse();
            k
        } else {
            order(keys)
        };
        choices.insert(q.key.clone(), keys);
        matches.insert(q.key.clone(), order(q.matches.iter().map(|c| c.key.clone()).collect()));
    }
    Layout { questions, choices, matches }
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn random_seed() -> Result<u64, AppError> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}

/// A quiz the viewer is enrolled on: their enrolment, the version's content and the quiz.
fn quiz_of(
    conn: &mut DbConn,
    viewer: &Viewer,
    activity_id: i64,
    field: &str,
) -> Result<(EnrollmentRow, CourseContent, ActivityContent, QuizContent), AppError> {
    let course = store::activity_courses(conn, &[activity_id])?
        .remove(&activity_id)
        .ok_or_else(|| AppError::user(ErrorCode::ActivityNotFound, &[field], msg!("no such activity")))?;
    let enrollment = store::enrollment_of(conn, viewer.account_id, course)?.ok_or_else(|| {
        AppError::user(ErrorCode::NotEnrolled, &[field], msg!("you are not enrolled in this activity's course"))
    })?;
    let (_, content) =
        version_content(conn, enrollment.version_id)?.ok_or_else(|| AppError::internal("version missing"))?;
    let activity = content.activity(activity_id).cloned().ok_or_else(|| {
        AppError::user(
            ErrorCode::ActivityNotFound,
            &[field],
            msg!("this activity is not part of the course version you are enrolled on"),
        )
    })?;
    let quiz = activity
        .quiz
        .clone()
        .ok_or_else(|| AppError::user(ErrorCode::ActivityNotFound, &[field], msg!("this activity is not a quiz")))?;
    Ok((enrollment, content, activity, quiz))
}

fn check_attempts_left(quiz: &QuizContent, attempts: &[AttemptRow]) -> Result<(), AppError> {
    if quiz.attempts_allowed > 0 && attempts.len() as i32 >= quiz.attempts_allowed {
        return Err(AppError::user(
            ErrorCode::AttemptsExhausted,
            &["activityId"],
            msg!("no attempts left ({allowed} allowed)", allowed = quiz.attempts_allowed),
        ));
    }
    Ok(())
}

/// An attempt with what it needs to be served.
pub struct AttemptView {
    pub attempt: AttemptRow,
    pub quiz: QuizContent,
    pub layout: Layout,
    pub touched: Option<Touched>,
    pub certificates: Vec<CertificateRow>,
}

pub fn start_attempt(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: QuizAttemptStartInput,
) -> Result<AttemptView, AppError> {
    let viewer = require_viewer(viewer)?.clone();
    let activity_id = decode(&input.activity_id, "Activity", "activityId")?;
    write_tx(conn, |conn| {
        let (enrollment, _, _, quiz) = quiz_of(conn, &viewer, activity_id, "activityId")?;
        let attempts = store::attempts_of(conn, enrollment.id, activity_id)?;
        // An open attempt still within its time is resumed, not restarted.
        let at = now();
        if let Some(open) = attempts.iter().find(|a| a.submitted_at.is_none() && within_limit(&quiz, a.started_at, at))
        {
            let layout: Layout = serde_json::from_str(&open.layout).unwrap_or_default();
            return Ok(AttemptView { attempt: open.clone(), quiz, layout, touched: None, certificates: Vec::new() });
        }
        check_attempts_left(&quiz, &attempts)?;
        let layout = layout(&quiz, if quiz.shuffle { Some(random_seed()?) } else { None });
        let key = format!("online-{}", credentials::new_code()?);
        let text = serde_json::to_string(&layout).map_err(AppError::internal)?;
        let id = store::insert_attempt(conn, &key, enrollment.id, activity_id, &text, at, at)?;
        let attempt = store::attempt(conn, id)?.ok_or_else(|| AppError::internal("attempt vanished"))?;
        Ok(AttemptView { attempt, quiz, layout, touched: None, certificates: Vec::new() })
    })
}

fn within_limit(quiz: &QuizContent, started: NaiveDateTime, submitted: NaiveDateTime) -> bool {
    match quiz.time_limit_seconds {
        Some(limit) => submitted <= started + chrono::Duration::seconds(limit as i64 + SUBMIT_GRACE_SECONDS),
        None => true,
    }
}

fn answers_of(checks: &mut Checks, quiz: &QuizContent, input: &[QuizAnswerInput]) -> HashMap<String, GivenAnswer> {
    let mut answers = HashMap::new();
    checks.check_with(
        ErrorCode::OutOfRange,
        input.len() <= quiz.questions.len(),
        path!["answers"],
        msg!("more answers than questions"),
    );
    for (i, a) in input.iter().enumerate().take(quiz.questions.len()) {
        let field = |f: &str| path!["answers", i, f];
        let Some(question) = quiz.questions.iter().find(|q| q.key == a.question) else {
            checks.fail_with(ErrorCode::NotFound, field("question"), msg!("no such question in this quiz"));
            continue;
        };
        let given: Vec<GivenAnswer> = [
            a.choices.clone().map(GivenAnswer::Choices),
            a.boolean.map(GivenAnswer::Boolean),
            a.text.clone().map(GivenAnswer::Text),
            a.number.map(GivenAnswer::Number),
            a.pairs.as_ref().map(|p| GivenAnswer::Pairs(p.iter().map(|p| (p.left.clone(), p.right.clone())).collect())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let [answer] = given.as_slice() else {
            checks.fail(field("question"), msg!("give exactly one kind of answer, the one the question asks for"));
            continue;
        };
        if !engine::answer_fits(question, answer) {
            checks.fail(field("question"), msg!("this answer's type does not fit the question"));
            continue;
        }
        let known = |k: &String, list: &[Choice]| list.iter().any(|c| &c.key == k);
        let keys_ok = match answer {
            GivenAnswer::Choices(keys) => keys.len() <= MAX_CHOICES && keys.iter().all(|k| known(k, &question.choices)),
            GivenAnswer::Pairs(pairs) => {
                pairs.len() <= MAX_CHOICES
                    && pairs.iter().all(|(l, r)| known(l, &question.choices) && known(r, &question.matches))
            }
            GivenAnswer::Text(t) => t.chars().count() <= MAX_NAME_LEN,
            GivenAnswer::Number(n) => n.is_finite(),
            GivenAnswer::Boolean(_) => true,
        };
        if !keys_ok {
            checks.fail(field("question"), msg!("names a choice this question does not have"));
            continue;
        }
        if answers.insert(question.key.clone(), answer.clone()).is_some() {
            checks.fail_with(ErrorCode::Duplicate, field("question"), msg!("is answered twice"));
        }
    }
    answers
}

pub fn submit_attempt(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    issuer: &Issuer,
    input: QuizAttemptSubmitInput,
) -> Result<AttemptView, AppError> {
    let viewer = require_viewer(viewer)?.clone();
    let mut checks = Checks::new();
    let attempt_id =
        input.attempt_id.as_ref().and_then(|id| ids::decode_input(id, "QuizAttempt", path!["attemptId"], &mut checks));
    let activity_id =
        input.activity_id.as_ref().and_then(|id| ids::decode_input(id, "Activity", path!["activityId"], &mut checks));
    let offline = input.attempt_id.is_none();
    if offline {
        checks.check_with(
            ErrorCode::Required,
            input.activity_id.is_some(),
            path!["activityId"],
            msg!("an offline attempt names its quiz"),
        );
        checks.check(
            input.attempt_key.as_deref().is_some_and(|k| is_uuid(k.trim())),
            path!["attemptKey"],
            msg!("an offline attempt carries a UUID made by the device"),
        );
        checks.check_with(
            ErrorCode::Required,
            input.started_at.is_some(),
            path!["startedAt"],
            msg!("an offline attempt says when it started"),
        );
    }
    checks.finish()?;
    let at = now();
    let submitted_at = input.submitted_at.as_ref().map(|d| d.0).unwrap_or(at).min(at);
    write_tx(conn, |conn| {
        let attempt = match attempt_id {
            Some(id) => store::attempt(conn, id)?.ok_or_else(|| {
                AppError::user(ErrorCode::QuizAttemptNotFound, &["attemptId"], msg!("no such attempt"))
            })?,
            None => {
                let key = input.attempt_key.as_deref().unwrap_or_default().trim().to_ascii_lowercase();
                match store::attempt_by_key(conn, &key)? {
                    Some(existing) => existing,
                    None => {
                        let activity_id = activity_id.unwrap_or_default();
                        let (enrollment, _, _, quiz) = quiz_of(conn, &viewer, activity_id, "activityId")?;
                        let started = input.started_at.as_ref().map(|d| d.0).unwrap_or(at);
                        let skew = chrono::Duration::seconds(CLOCK_SKEW_SECONDS);
                        if started > at + skew || started < enrollment.created_at - skew {
                            return Err(AppError::user(
                                ErrorCode::OutOfRange,
                                &["startedAt"],
                                msg!("an attempt starts after the enrolment and not in the future"),
                            ));
                        }
                        if submitted_at < started {
                            return Err(AppError::user(
                                ErrorCode::OutOfRange,
                                &["submittedAt"],
                                msg!("is before the attempt started"),
                            ));
                        }
                        check_attempts_left(&quiz, &store::attempts_of(conn, enrollment.id, activity_id)?)?;
                        let text = serde_json::to_string(&layout(&quiz, None)).map_err(AppError::internal)?;
                        let id = store::insert_attempt(conn, &key, enrollment.id, activity_id, &text, started, at)?;
                        store::attempt(conn, id)?.ok_or_else(|| AppError::internal("attempt vanished"))?
                    }
                }
            }
        };
        let enrollment = store::enrollment(conn, attempt.enrollment_id)?.filter(|e| e.account_id == viewer.account_id);
        let Some(enrollment) = enrollment else {
            return Err(AppError::user(ErrorCode::QuizAttemptNotFound, &["attemptId"], msg!("no such attempt")));
        };
        if attempt.submitted_at.is_some() {
            return Err(AppError::user(
                ErrorCode::AttemptAlreadySubmitted,
                &["attemptId"],
                msg!("this attempt was already submitted"),
            ));
        }
        let (_, content, _, quiz) = quiz_of(conn, &viewer, attempt.activity_id, "attemptId")?;
        if !within_limit(&quiz, attempt.started_at, submitted_at) {
            return Err(AppError::user(
                ErrorCode::TimeLimitExceeded,
                &["submittedAt"],
                msg!("answered after the quiz's time limit"),
            ));
        }
        let mut checks = Checks::new();
        let answers = answers_of(&mut checks, &quiz, &input.answers);
        checks.finish()?;
        let score = engine::grade_attempt(&quiz, &answers);
        let passed = score >= quiz.pass_mark_bp;
        let answers_text = serde_json::to_string(&answers).map_err(AppError::internal)?;
        if store::submit_attempt(conn, attempt.id, &answers_text, score, passed, submitted_at)? == 0 {
            return Err(AppError::user(
                ErrorCode::AttemptAlreadySubmitted,
                &["attemptId"],
                msg!("this attempt was already submitted"),
            ));
        }
        let event = EventRow {
            event_id: format!("attempt-{}", attempt.attempt_key),
            enrollment_id: enrollment.id,
            activity_id: attempt.activity_id,
            verb: if passed { LearningVerb::Passed } else { LearningVerb::Failed }.as_str().to_string(),
            score_bp: Some(score),
            success: Some(passed),
            completion: Some(true),
            duration_ms: Some((submitted_at - attempt.started_at).num_milliseconds().max(0)),
            occurred_at: submitted_at,
            recorded_at: at,
        };
        store::insert_events(conn, &[event])?;
        let (touched, certificates) = recompute(conn, issuer, &enrollment, content, &[attempt.activity_id])?;
        let attempt = store::attempt(conn, attempt.id)?.ok_or_else(|| AppError::internal("attempt vanished"))?;
        let layout: Layout = serde_json::from_str(&attempt.layout).unwrap_or_default();
        Ok(AttemptView { attempt, quiz, layout, touched: Some(touched), certificates })
    })
}

pub fn attempt_for(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<AttemptView>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    let Some(attempt) = store::attempt(conn, id)? else { return Ok(None) };
    let Some(enrollment) = store::enrollment(conn, attempt.enrollment_id)? else { return Ok(None) };
    if enrollment.account_id != viewer.account_id {
        return Ok(None);
    }
    let (_, content, ..) = quiz_of(conn, viewer, attempt.activity_id, "id")?;
    let Some(quiz) = content.activity(attempt.activity_id).and_then(|a| a.quiz.clone()) else { return Ok(None) };
    let layout: Layout = serde_json::from_str(&attempt.layout).unwrap_or_default();
    Ok(Some(AttemptView { attempt, quiz, layout, touched: None, certificates: Vec::new() }))
}

// ---- certificates ----

/// What a certificate states, before it has a code.
struct Claim<'a> {
    course_id: Option<i64>,
    path_id: Option<i64>,
    title: &'a Localized,
    hours: i32,
    result_bp: Option<i32>,
    /// Where the course or path is described, and its code.
    achievement: (String, &'a str),
    issued_at: NaiveDateTime,
}

fn credential(issuer: &Issuer, code: &str, holder: &str, claim: &Claim<'_>) -> Result<String, AppError> {
    let when = claim.issued_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let title = claim.title;
    let name = title.fr.clone().or(title.ar.clone()).or(title.en.clone()).unwrap_or_default();
    let mut subject = json!({
        "type": ["AchievementSubject"],
        "identifier": [{ "type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": holder }],
        "achievement": {
            "id": claim.achievement.0,
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "humanCode": claim.achievement.1,
            "name": name,
            "description": title.ar.clone().unwrap_or_else(|| name.clone()),
            "criteria": { "narrative": format!("{} h", claim.hours) },
        },
    });
    if let Some(r) = claim.result_bp {
        subject["result"] = json!([{ "type": ["Result"], "value": format!("{}%", r / 100) }]);
    }
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": issuer.page_url(code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": issuer.did(), "type": ["Profile"], "name": issuer.name, "url": issuer.base_url },
        "validFrom": when,
        "name": name,
        "credentialSubject": subject,
    });
    let signed = issuer.sign(unsigned, &when)?;
    serde_json::to_string(&signed).map_err(AppError::internal)
}

/// Issues a certificate once (a second completion finds the first) and queues its email.
fn issue(
    conn: &mut DbConn,
    issuer: &Issuer,
    account: &AccountRow,
    claim: Claim<'_>,
) -> Result<Option<CertificateRow>, AppError> {
    if store::certificate_for(conn, account.id, claim.course_id, claim.path_id)?.is_some() {
        return Ok(None);
    }
    let code = credentials::new_code()?;
    let credential = credential(issuer, &code, &account.full_name, &claim)?;
    let id = store::insert_certificate(
        conn,
        &NewCertificate {
            code: code.clone(),
            account_id: account.id,
            course_id: claim.course_id,
            path_id: claim.path_id,
            holder_name: account.full_name.clone(),
            title: serde_json::to_string(claim.title).map_err(AppError::internal)?,
            hours: claim.hours,
            result_bp: claim.result_bp,
            issued_at: claim.issued_at,
            status: CertificateStatus::Active.as_str().to_string(),
            credential,
        },
    )?;
    let locale = crate::kernel::i18n::Locale::parse(&account.locale).unwrap_or(crate::kernel::i18n::Locale::Fr);
    notify::enqueue(
        conn,
        &EmailJob {
            template: EmailTemplate::CertificateIssued,
            to: account.email.clone(),
            locale: account.locale.clone(),
            data: json!({
                "name": account.full_name,
                "title": claim.title.resolve(locale).text,
                "hours": claim.hours,
                "code": code,
                "url": issuer.page_url(&code),
            }),
        },
    )?;
    Ok(store::certificate(conn, id)?)
}

fn issue_course_certificate(
    conn: &mut DbConn,
    issuer: &Issuer,
    account: &AccountRow,
    enrollment: &EnrollmentRow,
    content: &CourseContent,
    result_bp: Option<i32>,
    completed_at: NaiveDateTime,
) -> Result<Option<CertificateRow>, AppError> {
    let course = store::course(conn, enrollment.course_id)?.ok_or_else(|| AppError::internal("course missing"))?;
    let claim = Claim {
        course_id: Some(course.id),
        path_id: None,
        title: &content.title,
        hours: content.hours,
        result_bp,
        achievement: (format!("{}/academy/courses/{}", issuer.base_url, course.code), course.code.as_str()),
        issued_at: completed_at.max(enrollment.created_at).min(now()),
    };
    issue(conn, issuer, account, claim)
}

/// Certificates of the paths whose every course the learner has now completed.
fn issue_path_certificates(
    conn: &mut DbConn,
    issuer: &Issuer,
    account: &AccountRow,
    enrollment: &EnrollmentRow,
) -> Result<Vec<CertificateRow>, AppError> {
    let mut issued = Vec::new();
    for path_id in store::paths_of_course(conn, enrollment.course_id)? {
        let Some(path_enrollment) = store::path_enrollment_of(conn, enrollment.account_id, path_id)? else { continue };
        let courses = store::path_courses(conn, &[path_id])?.remove(&path_id).unwrap_or_default();
        let enrolled = store::enrollments_of_account(conn, enrollment.account_id, &courses)?;
        let done: Vec<&EnrollmentRow> = courses
            .iter()
            .filter_map(|c| enrolled.get(c))
            .filter(|e| e.completed_at.is_some() || e.id == enrollment.id)
            .collect();
        if done.len() != courses.len() {
            continue;
        }
        let Some(path) = store::path(conn, path_id)? else { continue };
        let completed_at = now();
        store::set_path_completed(conn, path_enrollment.id, completed_at)?;
        let hours: i32 = store::courses_by_ids(conn, &courses)?.values().map(|c| c.hours).sum();
        let title = path.title();
        let claim = Claim {
            course_id: None,
            path_id: Some(path_id),
            title: &title,
            hours,
            result_bp: None,
            achievement: (format!("{}/academy/paths/{}", issuer.base_url, path.code), path.code.as_str()),
            issued_at: completed_at,
        };
        issued.extend(issue(conn, issuer, account, claim)?);
    }
    Ok(issued)
}

/// A certificate by its public code (anyone may verify one).
pub fn certificate_by_code(conn: &mut DbConn, code: &str) -> Result<Option<CertificateRow>, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if !credentials::is_code(&code) {
        return Ok(None);
    }
    Ok(store::certificate_by_code(conn, &code)?)
}

pub fn certificates_of(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<CertificateRow>, AppError> {
    Ok(store::certificates_of(conn, viewer.account_id)?)
}

pub fn revoke_certificate(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CertificateRevokeInput,
) -> Result<CertificateRow, AppError> {
    let viewer = crate::kernel::viewer::require_office_staff(viewer)?.clone();
    let reason = input.reason.trim().to_string();
    let mut checks = Checks::new();
    checks.check_with(ErrorCode::Required, !reason.is_empty(), path!["reason"], msg!("say why"));
    checks.check_with(
        ErrorCode::TooLong,
        reason.chars().count() <= 2000,
        path!["reason"],
        msg!("must be at most {max_len} characters", max_len = 2000),
    );
    checks.finish()?;
    write_tx(conn, |conn| {
        let cert = certificate_by_code(conn, &input.code)?
            .ok_or_else(|| AppError::user(ErrorCode::CertificateNotFound, &["code"], msg!("no such certificate")))?;
        if store::revoke_certificate(conn, cert.id, &reason, viewer.account_id, now())? == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["code"],
                msg!("this certificate is already revoked"),
            ));
        }
        store::certificate(conn, cert.id)?.ok_or_else(|| AppError::internal("certificate vanished"))
    })
}

pub fn course_code_of(conn: &mut DbConn, cert: &CertificateRow) -> Result<Option<String>, AppError> {
    Ok(match (cert.course_id, cert.path_id) {
        (Some(c), _) => store::course(conn, c)?.map(|c| c.code),
        (None, Some(p)) => store::path(conn, p)?.map(|p| p.code),
        _ => None,
    })
}

pub use store::CooperativeCertificates;

/// The academy's side of a scoring run: valid certificates per cooperative (one query).
pub fn certificates_by_cooperative(conn: &mut DbConn) -> Result<Vec<CooperativeCertificates>, AppError> {
    Ok(store::certificates_by_cooperative(conn)?)
}
