//! The academy over HTTP: a trainer writes and publishes a course, learners enrol, devices send
//! batches of learning events (resent, shuffled, out of order) and the server's progress always
//! equals a replay of the event log; quizzes are served without answers and graded once;
//! certificates are issued in the same transaction, shown on a public page (checked in a real
//! browser) and signed so that an independent Ed25519 implementation verifies them.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde_json::{Value, json};
use taawun::academy::engine;
use taawun::academy::model::{EventRow, VersionRow};
use taawun::kernel::db::schema::{academy_course_versions, academy_enrollments, academy_events};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const SAVE: &str = "mutation($i: CourseSaveInput!) { courseSave(input: $i) { course { id code status version
    modules(draft: true) { id activities { id kind } } } userErrors { field message code } } }";
const PUBLISH: &str = "mutation($i: CoursePublishInput!) { coursePublish(input: $i) { course { id status version } userErrors { field message code } } }";
const ENROL: &str = "mutation($i: EnrollmentCreateInput!) { enrollmentCreate(input: $i) {
    enrollments { id version progress { completed total needed percent complete } } userErrors { field message code } } }";
const RECORD: &str = "mutation($i: LearningEventsRecordInput!) { learningEventsRecord(input: $i) {
    accepted activities { activityId status score attempts completedAt available }
    modules { moduleId completed total complete available }
    courses { enrollmentId courseId completed total needed percent complete completedAt nextActivity { id } }
    certificates { code holderName hours status } userErrors { field message code } } }";
const START: &str = "mutation($i: QuizAttemptStartInput!) { quizAttemptStart(input: $i) {
    attempt { id deadline questions { key kind points choices { key text { text } } matches { key } } } userErrors { field message code } } }";
const SUBMIT: &str = "mutation($i: QuizAttemptSubmitInput!) { quizAttemptSubmit(input: $i) {
    attempt { id score passed submittedAt } activity { status score attempts } course { complete percent }
    certificates { code holderName title { text } hours result status } userErrors { field message code } } }";
const PROGRESS: &str = "query($id: ID!) { enrollment(id: $id) { id version
    progress { completed total needed percent complete completedAt nextActivity { id } }
    activityProgress { activityId status score attempts completedAt available } } }";

fn t(fr: &str) -> Value {
    json!([{ "locale": "FR", "text": fr }, { "locale": "AR", "text": format!("{fr} (ar)") }])
}

fn quiz_activity() -> Value {
    json!({ "kind": "QUIZ", "title": t("Quiz"), "completion": "PASS", "estimatedMinutes": 10,
        "quiz": { "passMark": 60, "attemptsAllowed": 2, "timeLimitSeconds": 120, "grading": "HIGHEST", "shuffle": true,
        "questions": [
            { "kind": "SINGLE_CHOICE", "prompt": t("Capitale ?"), "choices": [{ "text": t("Rabat") }, { "text": t("Fès") }], "correctChoices": [0] },
            { "kind": "MULTIPLE_CHOICE", "prompt": t("Labels ?"), "choices": [{ "text": t("IGP") }, { "text": t("AOP") }, { "text": t("XYZ") }], "correctChoices": [0, 1] },
            { "kind": "TRUE_FALSE", "prompt": t("Cinq fondateurs ?"), "correctBoolean": true },
            { "kind": "SHORT_TEXT", "prompt": t("Le mot ?"), "acceptedTexts": ["Coopérative", "تعاونية"] },
            { "kind": "NUMERIC", "prompt": t("Combien ?"), "numericAnswer": 12.5, "tolerance": 0.5 },
            { "kind": "MATCHING", "prompt": t("Associez"), "choices": [{ "text": t("Argan") }, { "text": t("Safran") }],
              "matches": [{ "text": t("Souss") }, { "text": t("Taliouine") }] },
            { "kind": "ORDERING", "prompt": t("Ordonnez"), "choices": [{ "text": t("Statuts") }, { "text": t("Dépôt") }, { "text": t("Registre") }] }
        ] } })
}

/// A course of two modules: a page (VIEW), a video (VIEW), a page (MARK_DONE), a scored
/// exercise (MIN_SCORE 70), then a quiz in a second, sequential module after the first.
fn course_input(code: &str) -> Value {
    json!({ "code": code, "title": t("Cours d'essai"), "level": "BEGINNER", "languages": ["FR", "AR"], "hours": 4,
        "sectorCode": "argan",
        "modules": [
            { "title": t("Un"), "activities": [
                { "kind": "PAGE", "title": t("Page"), "body": t("Texte"), "completion": "VIEW", "estimatedMinutes": 5 },
                { "kind": "VIDEO", "title": t("Vidéo"), "url": "https://media.example/v.mp4", "lowBandwidthUrl": "https://media.example/v-240.mp4",
                  "durationSeconds": 300, "completion": "VIEW", "estimatedMinutes": 5 },
                { "kind": "PAGE", "title": t("Fait"), "body": t("Texte"), "completion": "MARK_DONE", "estimatedMinutes": 5 },
                { "kind": "PAGE", "title": t("Exercice"), "body": t("Texte"), "completion": "MIN_SCORE", "minScore": 70, "estimatedMinutes": 5 }
            ] },
            { "title": t("Deux"), "sequential": true, "prerequisites": [0], "activities": [quiz_activity()] }
        ] })
}

struct Course {
    id: String,
    activities: Vec<String>,
}

async fn create_course(app: &TestApp, trainer: &str, code: &str) -> Course {
    let body = app.gql_as(trainer, SAVE, json!({ "i": course_input(code) })).await;
    let course = ok_payload(&body, "courseSave")["course"].clone();
    let id = course["id"].as_str().unwrap().to_string();
    let body = app.gql_as(trainer, PUBLISH, json!({ "i": { "id": id } })).await;
    assert_eq!(ok_payload(&body, "coursePublish")["course"]["version"], 1);
    let activities = course["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["activities"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()))
        .collect();
    Course { id, activities }
}

async fn enrol(app: &TestApp, token: &str, course: &str) -> String {
    let body = app.gql_as(token, ENROL, json!({ "i": { "courseId": course } })).await;
    ok_payload(&body, "enrollmentCreate")["enrollments"][0]["id"].as_str().unwrap().to_string()
}

fn uuid(n: u64) -> String {
    format!("7e57{:04x}-0000-4000-8000-{:012x}", n >> 48, n & 0xffff_ffff_ffff)
}

fn event(n: u64, verb: &str, activity: &str, minutes_ago: i64, score: Option<f64>) -> Value {
    let at = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
    let mut e = json!({ "id": uuid(n), "verb": verb, "activityId": activity,
        "timestamp": at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string() });
    if let Some(s) = score {
        e["result"] = json!({ "scoreScaled": s, "duration": "PT1M30S" });
    }
    e
}

fn right_answers() -> Value {
    json!([
        { "question": "q1", "choices": ["q1c1"] },
        { "question": "q2", "choices": ["q2c2", "q2c1"] },
        { "question": "q3", "boolean": true },
        { "question": "q4", "text": "  COOPERATIVE " },
        { "question": "q5", "number": 12.9 },
        { "question": "q6", "pairs": [{ "left": "q6c1", "right": "q6m1" }, { "left": "q6c2", "right": "q6m2" }] },
        { "question": "q7", "choices": ["q7c1", "q7c2", "q7c3"] }
    ])
}

async fn count_events(app: &TestApp) -> i64 {
    let db = app.db.clone();
    db.run(|conn| Ok(academy_events::table.count().get_result::<i64>(conn)?)).await.unwrap()
}

async fn a_learner_takes_a_course_to_its_certificate(app: TestApp) {
    let trainer = app.login_as("trainer").await;
    let course = create_course(&app, &trainer, "essai-certificat").await;
    let learner = app.login_as("customer").await;
    let enrollment = enrol(&app, &learner, &course.id).await;
    // Enrolling again answers the same enrolment.
    assert_eq!(enrol(&app, &learner, &course.id).await, enrollment);
    let a = &course.activities;
    let batch = json!({ "i": { "events": [
        event(1, "EXPERIENCED", &a[0], 50, None),
        event(2, "PROGRESSED", &a[1], 40, None),
        event(3, "EXPERIENCED", &a[1], 30, None),
        event(4, "COMPLETED", &a[2], 20, None),
        event(5, "SCORED", &a[3], 15, Some(0.5)),
        event(6, "SCORED", &a[3], 10, Some(0.8)),
    ] } });
    let body = app.gql_as(&learner, RECORD, batch.clone()).await;
    let first = ok_payload(&body, "learningEventsRecord").clone();
    assert_eq!(first["accepted"].as_array().unwrap().len(), 6);
    let statuses: Vec<&str> =
        first["activities"].as_array().unwrap().iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 4);
    assert!(statuses.iter().all(|s| *s == "COMPLETE" || *s == "COMPLETE_PASS"), "{first}");
    let course_state = &first["courses"][0];
    assert_eq!((course_state["completed"].as_i64(), course_state["needed"].as_i64()), (Some(4), Some(5)), "{first}");
    assert_eq!(course_state["nextActivity"]["id"], json!(a[4]), "the quiz is next once module one is done");
    // The same batch again (a dropped connection) records nothing and answers the same state.
    let events_before = count_events(&app).await;
    let again = app.gql_as(&learner, RECORD, batch).await;
    let again = ok_payload(&again, "learningEventsRecord");
    assert_eq!(count_events(&app).await, events_before);
    assert_eq!(again["courses"], first["courses"]);
    // The quiz: questions without answers, shuffled, graded on the server.
    let started = app.gql_as(&learner, START, json!({ "i": { "activityId": a[4] } })).await;
    let attempt = ok_payload(&started, "quizAttemptStart")["attempt"].clone();
    let text = attempt.to_string();
    assert!(!text.contains("correct") && !text.contains("answer") && !text.contains("accepted"), "{text}");
    assert_eq!(attempt["questions"].as_array().unwrap().len(), 7);
    assert!(attempt["deadline"].is_string());
    let attempt_id = attempt["id"].as_str().unwrap();
    // Starting again resumes the open attempt.
    let resumed = app.gql_as(&learner, START, json!({ "i": { "activityId": a[4] } })).await;
    assert_eq!(ok_payload(&resumed, "quizAttemptStart")["attempt"]["id"], json!(attempt_id));
    // An answer of the wrong type: refused, nothing graded.
    let wrong = app
        .gql_as(
            &learner,
            SUBMIT,
            json!({ "i": { "attemptId": attempt_id, "answers": [{ "question": "q3", "text": "oui" }] } }),
        )
        .await;
    assert_eq!(error_codes(&wrong, "quizAttemptSubmit"), ["BAD_USER_INPUT"]);
    assert_eq!(wrong["data"]["quizAttemptSubmit"]["userErrors"][0]["field"], json!(["answers", "0", "question"]));
    assert_eq!(count_events(&app).await, events_before);
    let graded =
        app.gql_as(&learner, SUBMIT, json!({ "i": { "attemptId": attempt_id, "answers": right_answers() } })).await;
    let graded = ok_payload(&graded, "quizAttemptSubmit").clone();
    assert_eq!(
        (graded["attempt"]["score"].as_f64(), graded["attempt"]["passed"].as_bool()),
        (Some(100.0), Some(true)),
        "{graded}"
    );
    assert_eq!(graded["activity"]["status"], "COMPLETE_PASS");
    assert_eq!(graded["course"]["complete"], true);
    // The certificate came with the event that completed the course.
    let cert = &graded["certificates"][0];
    assert_eq!(cert["holderName"], "Salma Customer");
    assert_eq!(cert["hours"], 4);
    assert_eq!(cert["status"], "ACTIVE");
    let code = cert["code"].as_str().unwrap().to_string();
    // Submitting the same attempt twice is refused.
    let twice =
        app.gql_as(&learner, SUBMIT, json!({ "i": { "attemptId": attempt_id, "answers": right_answers() } })).await;
    assert_eq!(error_codes(&twice, "quizAttemptSubmit"), ["ATTEMPT_ALREADY_SUBMITTED"]);
    // The email goes through the outbox, in the learner's language.
    app.eventually("the certificate email", || async { app.mail_files().iter().any(|m| m.contains(&code)) }).await;
    // Anyone verifies it by code, with the full claim.
    let public = app
        .gql("query($c: String!) { certificate(code: $c) { code holderName title { text } hours status issuer { id } } }", json!({ "c": code }))
        .await;
    assert_eq!(public["data"]["certificate"]["holderName"], "Salma Customer");
    assert_eq!(public["data"]["certificate"]["title"]["text"], "Cours d'essai");
    let progress = app.gql_as(&learner, PROGRESS, json!({ "id": enrollment })).await;
    assert_eq!(progress["data"]["enrollment"]["progress"]["percent"], 100);
    assert!(progress["data"]["enrollment"]["progress"]["nextActivity"].is_null());
}
on_both_backends!(a_learner_takes_a_course_to_its_certificate);

async fn bad_input_is_refused_whole(app: TestApp) {
    let trainer = app.login_as("trainer").await;
    let course = create_course(&app, &trainer, "essai-refus").await;
    let other = create_course(&app, &trainer, "essai-autre").await;
    let learner = app.login_as("customer").await;
    enrol(&app, &learner, &course.id).await;
    let before = count_events(&app).await;
    let send = |events: Vec<Value>| app.gql_as(&learner, RECORD, json!({ "i": { "events": events } }));
    // A good event with one for a course the learner is not enrolled in: nothing is recorded.
    let body = send(vec![
        event(11, "EXPERIENCED", &course.activities[0], 1, None),
        event(12, "EXPERIENCED", &other.activities[0], 1, None),
    ])
    .await;
    assert_eq!(error_codes(&body, "learningEventsRecord"), ["NOT_ENROLLED"]);
    assert_eq!(body["data"]["learningEventsRecord"]["userErrors"][0]["field"], json!(["events", "1", "activityId"]));
    // An unknown activity, an id that is not an activity, a bad UUID, a future time, a score above 1.
    let unknown = taawun::kernel::graphql::ids::encode("Activity", 999_999).0;
    let product = app.product_id("huile-argan-alimentaire-tighanimine").await;
    let mut future = event(13, "EXPERIENCED", &course.activities[0], -60, None);
    future["timestamp"] = json!("2100-01-01T00:00:00Z");
    let mut bad_uuid = event(14, "EXPERIENCED", &course.activities[0], 1, None);
    bad_uuid["id"] = json!("not-a-uuid");
    let body = send(vec![
        event(15, "EXPERIENCED", &unknown, 1, None),
        event(16, "EXPERIENCED", &product, 1, None),
        bad_uuid,
        future,
        event(17, "SCORED", &course.activities[3], 1, Some(1.5)),
        event(18, "PASSED", &course.activities[4], 1, Some(1.0)),
    ])
    .await;
    let codes = error_codes(&body, "learningEventsRecord");
    assert_eq!(codes, ["INVALID_ID", "BAD_USER_INPUT", "OUT_OF_RANGE", "OUT_OF_RANGE", "BAD_USER_INPUT"], "{body}");
    let body = send(vec![event(15, "EXPERIENCED", &unknown, 1, None)]).await;
    assert_eq!(error_codes(&body, "learningEventsRecord"), ["ACTIVITY_NOT_FOUND"]);
    // A client may not report a quiz result.
    let body = send(vec![event(19, "COMPLETED", &course.activities[4], 1, None)]).await;
    assert_eq!(error_codes(&body, "learningEventsRecord"), ["BAD_USER_INPUT"]);
    // 501 events.
    let many: Vec<Value> = (0..501).map(|n| event(1000 + n, "EXPERIENCED", &course.activities[0], 1, None)).collect();
    let body = send(many).await;
    assert_eq!(error_codes(&body, "learningEventsRecord"), ["OUT_OF_RANGE"]);
    // An id reused for a different statement.
    ok_payload(&send(vec![event(20, "EXPERIENCED", &course.activities[0], 5, None)]).await, "learningEventsRecord");
    let body = send(vec![event(20, "COMPLETED", &course.activities[2], 5, None)]).await;
    assert_eq!(error_codes(&body, "learningEventsRecord"), ["EVENT_ID_REUSED"]);
    assert_eq!(count_events(&app).await, before + 1, "only the one good batch was recorded");
    // A course that does not validate: each error at its field, nothing saved.
    let mut input = course_input("x");
    input["hours"] = json!(0);
    input["modules"][0]["activities"][1]["url"] = json!("ftp://nope");
    input["modules"][0]["activities"][0]["completion"] = json!("PASS");
    input["modules"][1]["prerequisites"] = json!([1]);
    input["modules"][1]["activities"][0]["quiz"]["questions"][0]["correctChoices"] = json!([5]);
    let body = app.gql_as(&trainer, SAVE, json!({ "i": input })).await;
    let errors = &body["data"]["courseSave"]["userErrors"];
    let fields: Vec<String> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect::<Vec<_>>().join("."))
        .collect();
    for expected in [
        "code",
        "hours",
        "modules.0.activities.1.url",
        "modules.0.activities.0.completion",
        "modules.1.prerequisites.0",
        "modules.1.activities.0.quiz.questions.0.correctChoices.0",
    ] {
        assert!(fields.contains(&expected.to_string()), "{expected} missing from {fields:?}");
    }
    // Quiz attempts: an attempt that is not the learner's, attempts exhausted, time limits.
    let stranger = app.login_as("learner").await;
    let started = app.gql_as(&learner, START, json!({ "i": { "activityId": course.activities[4] } })).await;
    let attempt = ok_payload(&started, "quizAttemptStart")["attempt"]["id"].as_str().unwrap().to_string();
    let body = app.gql_as(&stranger, SUBMIT, json!({ "i": { "attemptId": attempt, "answers": [] } })).await;
    assert_eq!(error_codes(&body, "quizAttemptSubmit"), ["QUIZ_ATTEMPT_NOT_FOUND"]);
    let wrong = json!([{ "question": "q1", "choices": ["q1c2"] }]);
    let body = app.gql_as(&learner, SUBMIT, json!({ "i": { "attemptId": attempt, "answers": wrong } })).await;
    assert_eq!(ok_payload(&body, "quizAttemptSubmit")["activity"]["status"], "COMPLETE_FAIL");
    // Offline: started three minutes ago with a two-minute limit is refused; a fresh one is accepted.
    let offline = |key: &str, started: i64| {
        let start =
            (chrono::Utc::now() - chrono::Duration::minutes(started)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        json!({ "i": { "activityId": course.activities[4], "attemptKey": key, "startedAt": start, "answers": right_answers() } })
    };
    let body = app.gql_as(&learner, SUBMIT, offline("7d3c2b1a-0000-4000-8000-000000000001", 3)).await;
    assert_eq!(error_codes(&body, "quizAttemptSubmit"), ["TIME_LIMIT_EXCEEDED"], "{body}");
    let body = app.gql_as(&learner, SUBMIT, offline("7d3c2b1a-0000-4000-8000-000000000002", 1)).await;
    assert_eq!(ok_payload(&body, "quizAttemptSubmit")["attempt"]["passed"], true, "{body}");
    // Two attempts allowed: a third is refused.
    let body = app.gql_as(&learner, SUBMIT, offline("7d3c2b1a-0000-4000-8000-000000000003", 1)).await;
    assert_eq!(error_codes(&body, "quizAttemptSubmit"), ["ATTEMPTS_EXHAUSTED"], "{body}");
}
on_both_backends!(bad_input_is_refused_whole);

async fn enrolled_learners_keep_their_version(app: TestApp) {
    let trainer = app.login_as("trainer").await;
    let course = create_course(&app, &trainer, "essai-versions").await;
    let first = app.login_as("customer").await;
    let first_enrollment = enrol(&app, &first, &course.id).await;
    // The trainer adds a required page and publishes again: version 2.
    let mut input = course_input("essai-versions");
    input["id"] = json!(course.id);
    for (m, module) in input["modules"].as_array_mut().unwrap().iter_mut().enumerate() {
        for (a, activity) in module["activities"].as_array_mut().unwrap().iter_mut().enumerate() {
            let index = if m == 0 { a } else { 4 + a };
            activity["id"] = json!(course.activities[index]);
        }
    }
    input["modules"][0]["activities"].as_array_mut().unwrap().push(
        json!({ "kind": "PAGE", "title": t("Nouveau"), "body": t("Texte"), "completion": "VIEW", "estimatedMinutes": 5 }),
    );
    let body = app.gql_as(&trainer, SAVE, json!({ "i": input })).await;
    let saved = ok_payload(&body, "courseSave");
    assert_eq!(saved["course"]["version"], 1, "a saved draft does not change what learners follow");
    let body = app.gql_as(&trainer, PUBLISH, json!({ "i": { "id": course.id } })).await;
    assert_eq!(ok_payload(&body, "coursePublish")["course"]["version"], 2);
    // Publishing an unchanged draft makes no new version.
    let body = app.gql_as(&trainer, PUBLISH, json!({ "i": { "id": course.id } })).await;
    assert_eq!(ok_payload(&body, "coursePublish")["course"]["version"], 2);
    let progress = app.gql_as(&first, PROGRESS, json!({ "id": first_enrollment })).await;
    assert_eq!(progress["data"]["enrollment"]["version"], 1);
    assert_eq!(progress["data"]["enrollment"]["progress"]["needed"], 5);
    let second = app.login_as("learner").await;
    let body = app.gql_as(&second, ENROL, json!({ "i": { "courseId": course.id } })).await;
    let enrolled = &ok_payload(&body, "enrollmentCreate")["enrollments"][0];
    assert_eq!((enrolled["version"].as_i64(), enrolled["progress"]["needed"].as_i64()), (Some(2), Some(6)));
}
on_both_backends!(enrolled_learners_keep_their_version);

/// A tiny deterministic generator for the replay test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn progress_equals_a_replay_of_the_event_log(app: TestApp) {
    let trainer = app.login_as("trainer").await;
    let course = create_course(&app, &trainer, "essai-rejeu").await;
    let learner = app.login_as("customer").await;
    let enrollment = enrol(&app, &learner, &course.id).await;
    let mut rng = Rng(0x5eed_cafe_f00d);
    let verbs = ["EXPERIENCED", "PROGRESSED", "COMPLETED"];
    // 120 statements on the four non-quiz activities, at random past times.
    let mut all: Vec<Value> = (0..120u64)
        .map(|n| {
            let activity = rng.below(4) as usize;
            let minutes = rng.below(7 * 24 * 60) as i64;
            if activity == 3 {
                let score = rng.below(101) as f64 / 100.0;
                event(5000 + n, "SCORED", &course.activities[3], minutes, Some(score))
            } else {
                event(5000 + n, verbs[rng.below(3) as usize], &course.activities[activity], minutes, None)
            }
        })
        .collect();
    // Shuffled, sent in random batches, a third of them sent again.
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut sent = 0;
    while sent < all.len() {
        let size = 1 + rng.below(25) as usize;
        let mut batch: Vec<Value> = all[sent..(sent + size).min(all.len())].to_vec();
        for _ in 0..batch.len() / 3 {
            batch.push(all[rng.below(all.len() as u64) as usize].clone());
        }
        let batch: Vec<Value> = batch.into_iter().filter(|e| all[..(sent + size).min(all.len())].contains(e)).collect();
        let body = app.gql_as(&learner, RECORD, json!({ "i": { "events": batch } })).await;
        ok_payload(&body, "learningEventsRecord");
        sent += size;
    }
    // What the server answers now…
    let body = app.gql_as(&learner, PROGRESS, json!({ "id": enrollment })).await;
    let answered = &body["data"]["enrollment"];
    // …equals a full replay of the recorded log with the version's rules.
    let enrollment_id = taawun::kernel::graphql::ids::decode(&enrollment, "Enrollment").unwrap();
    let (content, events) = app
        .db
        .clone()
        .run(move |conn| {
            let version_id: i64 =
                academy_enrollments::table.find(enrollment_id).select(academy_enrollments::version_id).first(conn)?;
            let version: VersionRow =
                academy_course_versions::table.find(version_id).select(VersionRow::as_select()).first(conn)?;
            let events: Vec<EventRow> = academy_events::table
                .filter(academy_events::enrollment_id.eq(enrollment_id))
                .select(EventRow::as_select())
                .load(conn)?;
            Ok((version.content(), events))
        })
        .await
        .unwrap();
    let unique: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(unique.len(), 120, "every statement once, resends ignored");
    let (states, course_state) = engine::replay(&content, &events);
    let by_activity: HashMap<String, &Value> = answered["activityProgress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["activityId"].as_str().unwrap().to_string(), a))
        .collect();
    for activity in content.activities() {
        let id = taawun::kernel::graphql::ids::encode("Activity", activity.id).0;
        let expected = states.get(&activity.id).cloned().unwrap_or_else(engine::ActivityState::not_started);
        let got = by_activity[&id];
        assert_eq!(got["status"], json!(expected.status.as_str()), "{id}: {got}");
        assert_eq!(got["score"].as_f64(), expected.score_bp.map(|s| s as f64 / 100.0), "{id}");
        assert_eq!(got["attempts"].as_i64(), Some(expected.attempts as i64), "{id}");
        let completed = expected.completed_at.map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        assert_eq!(got["completedAt"].as_str().map(str::to_string), completed, "{id}");
    }
    assert_eq!(
        answered["progress"]["completed"].as_i64(),
        Some(course_state.completed.min(course_state.needed) as i64)
    );
    assert_eq!(answered["progress"]["percent"].as_i64(), Some(course_state.percent as i64));
}
on_both_backends!(progress_equals_a_replay_of_the_event_log);

async fn who_sees_whose_progress(app: TestApp) {
    // The demo: Khadija (Tighanimine) was enrolled by her manager; Youssef enrolled himself.
    let manager = app.login_as("manager").await;
    let other_manager = app.login_as("other_manager").await;
    let agent = app.login_as("agent").await;
    let customer = app.login_as("customer").await;
    let member = app.login_as("member").await;
    let list = "{ learnerEnrollments(first: 50) { totalCount nodes { id learnerId cooperativeId progress { percent complete } } } }";
    let own = app.gql_as(&member, "{ myEnrollments { id progress { complete } } }", json!({})).await;
    let khadija = own["data"]["myEnrollments"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(own["data"]["myEnrollments"][0]["progress"]["complete"], true);
    let seen = |body: &Value| -> Vec<String> {
        body["data"]["learnerEnrollments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(seen(&app.gql_as(&manager, list, json!({})).await).contains(&khadija));
    assert!(!seen(&app.gql_as(&other_manager, list, json!({})).await).contains(&khadija));
    assert!(seen(&app.gql_as(&agent, list, json!({})).await).contains(&khadija));
    assert_eq!(seen(&app.gql_as(&customer, list, json!({})).await), Vec::<String>::new());
    // Agents of a region see its cooperatives' learners only.
    let admin = app.login_as("admin").await;
    let create = "mutation($i: AccountCreateGqlInput!) { accountCreate(input: $i) { account { id } userErrors { field code } } }";
    for (email, region) in [("agent-souss@demo.taawun.ma", "09"), ("agent-oriental@demo.taawun.ma", "02")] {
        let body = app
            .gql_as(
                &admin,
                create,
                json!({ "i": { "email": email, "password": "a-long-password-2026", "fullName": "Agent",
                "role": "AGENT", "regionCode": region } }),
            )
            .await;
        ok_payload(&body, "accountCreate");
    }
    let body = app
        .gql_as(
            &admin,
            create,
            json!({ "i": { "email": "x@demo.taawun.ma", "password": "a-long-password-2026", "fullName": "X",
            "role": "CUSTOMER", "regionCode": "09" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "accountCreate"), ["BAD_USER_INPUT"]);
    let body = app
        .gql_as(
            &admin,
            create,
            json!({ "i": { "email": "y@demo.taawun.ma", "password": "a-long-password-2026", "fullName": "Y",
            "role": "AGENT", "regionCode": "99" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "accountCreate"), ["REGION_NOT_FOUND"]);
    let souss = app.login("agent-souss@demo.taawun.ma", "a-long-password-2026").await;
    let oriental = app.login("agent-oriental@demo.taawun.ma", "a-long-password-2026").await;
    assert!(seen(&app.gql_as(&souss, list, json!({})).await).contains(&khadija));
    assert!(!seen(&app.gql_as(&oriental, list, json!({})).await).contains(&khadija));
    assert!(app.gql_as(&oriental, PROGRESS, json!({ "id": khadija })).await["data"]["enrollment"].is_null());
    let anonymous = app.gql(list, json!({})).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    for (who, token, visible) in
        [("manager", &manager, true), ("other manager", &other_manager, false), ("customer", &customer, false)]
    {
        let body = app.gql_as(token, PROGRESS, json!({ "id": khadija })).await;
        assert_eq!(body["data"]["enrollment"].is_object(), visible, "{who}: {body}");
    }
    // Content is the trainers' and administrators'.
    let body = app.gql_as(&customer, SAVE, json!({ "i": course_input("pirate") })).await;
    assert_eq!(error_codes(&body, "courseSave"), ["FORBIDDEN"]);
    let body = app.gql_as(&manager, SAVE, json!({ "i": course_input("pirate") })).await;
    assert_eq!(error_codes(&body, "courseSave"), ["FORBIDDEN"]);
    // A manager enrols only for their own cooperative.
    let tissage = app.cooperative_id("tissage-taznakht").await;
    let body = app
        .gql_as(&manager, ENROL, json!({ "i": { "courseId": taawun::kernel::graphql::ids::encode("Course", 1).0, "learnerEmail": "customer@demo.taawun.ma", "cooperativeId": tissage } }))
        .await;
    assert_eq!(error_codes(&body, "enrollmentCreate"), ["FORBIDDEN"]);
    let body = app
        .gql_as(&customer, ENROL, json!({ "i": { "courseId": taawun::kernel::graphql::ids::encode("Course", 1).0, "learnerEmail": "member@tighanimine.demo.taawun.ma" } }))
        .await;
    assert_eq!(error_codes(&body, "enrollmentCreate"), ["FORBIDDEN"]);
    // Drafts are not public.
    let trainer = app.login_as("trainer").await;
    let body = app.gql_as(&trainer, SAVE, json!({ "i": course_input("brouillon") })).await;
    let draft = ok_payload(&body, "courseSave")["course"]["id"].as_str().unwrap().to_string();
    let public = app.gql("query($id: ID) { course(id: $id) { id } }", json!({ "id": draft })).await;
    assert!(public["data"]["course"].is_null());
    let body = app.gql_as(&customer, ENROL, json!({ "i": { "courseId": draft } })).await;
    assert_eq!(error_codes(&body, "enrollmentCreate"), ["COURSE_NOT_PUBLISHED"]);
    // A refused change answers the course as it still is, to whoever may see it.
    let mut archived = course_input("brouillon");
    archived["id"] = json!(draft);
    archived["hours"] = json!(0);
    let body = app.gql_as(&trainer, SAVE, json!({ "i": archived })).await;
    assert_eq!(error_codes(&body, "courseSave"), ["OUT_OF_RANGE"]);
    assert_eq!(body["data"]["courseSave"]["course"]["status"], "DRAFT");
    let body = app.gql_as(&customer, PUBLISH, json!({ "i": { "id": draft } })).await;
    assert_eq!(error_codes(&body, "coursePublish"), ["FORBIDDEN"]);
    assert!(body["data"]["coursePublish"]["course"].is_null(), "a draft stays hidden from a customer");
    // Revocation: agents and administrators only, with a reason shown to verifiers.
    let learner = app.login_as("learner").await;
    let certs = app.gql_as(&learner, "{ myCertificates { code } }", json!({})).await;
    let code = certs["data"]["myCertificates"][0]["code"].as_str().unwrap().to_string();
    let revoke = "mutation($i: CertificateRevokeInput!) { certificateRevoke(input: $i) { certificate { status revokedReason } userErrors { code } } }";
    let body = app.gql_as(&learner, revoke, json!({ "i": { "code": code, "reason": "x" } })).await;
    assert_eq!(error_codes(&body, "certificateRevoke"), ["FORBIDDEN"]);
    let body = app.gql_as(&agent, revoke, json!({ "i": { "code": code, "reason": "" } })).await;
    assert_eq!(error_codes(&body, "certificateRevoke"), ["REQUIRED"]);
    let body = app.gql_as(&agent, revoke, json!({ "i": { "code": "TW-0000-0000", "reason": "fraude" } })).await;
    assert_eq!(error_codes(&body, "certificateRevoke"), ["CERTIFICATE_NOT_FOUND"]);
    let body =
        app.gql_as(&agent, revoke, json!({ "i": { "code": code, "reason": "Examen passé par un tiers" } })).await;
    assert_eq!(ok_payload(&body, "certificateRevoke")["certificate"]["status"], "REVOKED");
    let body = app.gql_as(&agent, revoke, json!({ "i": { "code": code, "reason": "encore" } })).await;
    assert_eq!(error_codes(&body, "certificateRevoke"), ["INVALID_TRANSITION"]);
    let public =
        app.gql("query($c: String!) { certificate(code: $c) { status revokedReason } }", json!({ "c": code })).await;
    assert_eq!(
        public["data"]["certificate"],
        json!({ "status": "REVOKED", "revokedReason": "Examen passé par un tiers" })
    );
}
on_both_backends!(who_sees_whose_progress);

/// The credential's signature, checked by Python's `cryptography` (an implementation of
/// Ed25519 that shares no code with the server), and broken by one changed character.
const VERIFY_PY: &str = r##"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58(text):
    n = 0
    for c in text:
        n = n * 58 + ALPHABET.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw
def jcs(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
credential = json.loads(sys.stdin.read())
proof = credential.pop("proof")
assert proof["cryptosuite"] == "eddsa-jcs-2022", proof
signature = b58(proof.pop("proofValue")[1:])
proof["@context"] = credential["@context"]
method = proof["verificationMethod"]
key = b58(method.split("#")[1][1:])
assert key[:2] == b"\xed\x01", key[:2]
data = hashlib.sha256(jcs(proof)).digest() + hashlib.sha256(jcs(credential)).digest()
try:
    Ed25519PublicKey.from_public_bytes(key[2:]).verify(signature, data)
    print("valid")
except Exception:
    print("invalid")
"##;

fn python_verifies(credential: &str) -> Option<String> {
    let check = std::process::Command::new("python3").args(["-c", "import cryptography"]).output().ok()?;
    if !check.status.success() {
        assert!(std::env::var("CI").is_err(), "CI must install python3-cryptography for the credential test");
        return None;
    }
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", VERIFY_PY])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(credential.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

async fn certificates_verify_offline_and_in_a_browser(app: TestApp) {
    let learner = app.login_as("learner").await;
    let certs = app.gql_as(&learner, "{ myCertificates { code holderName credentialUrl } }", json!({})).await;
    let code = certs["data"]["myCertificates"][0]["code"].as_str().unwrap().to_string();
    let json_url = app.url(&format!("/certificates/{code}.json"));
    let credential = app.client.get(&json_url).send().await.unwrap().text().await.unwrap();
    let parsed: Value = serde_json::from_str(&credential).unwrap();
    assert_eq!(parsed["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
    assert_eq!(parsed["credentialSubject"]["identifier"][0]["identityHash"], "Youssef Learner");
    let issuer =
        app.client.get(app.url("/certificates/issuer.json")).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(issuer["id"], parsed["issuer"]["id"], "the credential names the published issuer");
    match python_verifies(&credential) {
        Some(verdict) => {
            assert_eq!(verdict, "valid", "{credential}");
            let forged = credential.replacen("Youssef Learner", "Youssef Learnes", 1);
            assert_ne!(forged, credential);
            assert_eq!(python_verifies(&forged).unwrap(), "invalid");
        }
        None => eprintln!("skipped the signature check: no python3-cryptography"),
    }
    let missing = app.client.get(app.url("/certificates/TW-0000-0000")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let page = app.client.get(app.url(&format!("/certificates/{code}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"), "an inline QR code and no script");
    let Some(chromium) = crate::http::chromium() else {
        eprintln!("skipped: no /usr/bin/chromium");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = app.url(&format!("/certificates/{code}"));
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--user-data-dir={}", profile.path().display()),
        "--dump-dom".into(),
        url,
    ];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new(chromium).args(args).output())
        .await
        .unwrap()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let section = |id: &str| {
        let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no section {id}: {dom}"));
        dom[start..].split("</section>").next().unwrap().to_string()
    };
    let arabic = section("ar");
    assert!(
        arabic.contains("dir=\"rtl\"") && arabic.contains("Youssef Learner") && arabic.contains("إحداث تعاونية"),
        "{arabic}"
    );
    assert!(arabic.contains("صالحة"), "{arabic}");
    let french = section("fr");
    assert!(french.contains("Créer une coopérative (loi 112-12)") && french.contains("Valide"), "{french}");
    assert!(dom.contains(&code) && dom.contains("<svg"), "{dom}");
}
on_both_backends!(certificates_verify_offline_and_in_a_browser);

const COURSE_SEARCH: &str = "query($q: String!, $language: Locale, $level: CourseLevel, $sector: String) {
    courseSearch(query: $q, language: $language, level: $level, sectorCode: $sector, facets: [LEVEL, LANGUAGE, SECTOR], first: 20) {
    totalCount facets { name values { value count } } nodes { course { code } } } }";

async fn course_codes(app: &TestApp, q: &str, extra: Value) -> (Vec<String>, Value) {
    let mut vars = json!({ "q": q });
    if let (Some(v), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
        v.extend(e.clone());
    }
    let body = app.gql(COURSE_SEARCH, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    let found = &body["data"]["courseSearch"];
    let codes =
        found["nodes"].as_array().unwrap().iter().map(|n| n["course"]["code"].as_str().unwrap().to_string()).collect();
    (codes, found.clone())
}

async fn courses_are_searched_in_every_language(app: TestApp) {
    // The demo's six courses reach the index through the outbox.
    app.eventually("the demo courses indexed", || async { course_codes(&app, "", json!({})).await.0.len() == 6 }).await;
    // Arabic with its folding (ة → ه), French without accents, a typo.
    let (codes, _) = course_codes(&app, "تعاونيه", json!({})).await;
    assert!(codes.contains(&"creer-cooperative".to_string()), "{codes:?}");
    let (codes, _) = course_codes(&app, "comptabilite", json!({})).await;
    assert_eq!(codes.first().map(String::as_str), Some("comptabilite-cooperative"), "{codes:?}");
    let (codes, _) = course_codes(&app, "photographer", json!({})).await;
    assert_eq!(codes.first().map(String::as_str), Some("photographier-produits"), "{codes:?}");
    // A word of an activity's title finds its course (the outline is indexed).
    let (codes, _) = course_codes(&app, "fiche pratique", json!({ "sector": "argan" })).await;
    assert_eq!(codes, ["photographier-produits"]);
    // Filters and facet counts equal the catalogue's.
    let (codes, found) = course_codes(&app, "", json!({ "level": "INTERMEDIATE", "language": "AR" })).await;
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert_eq!(found["totalCount"], 3);
    let levels = found["facets"].as_array().unwrap().iter().find(|f| f["name"] == "LEVEL").unwrap().clone();
    assert_eq!(levels["values"], json!([{ "value": "INTERMEDIATE", "count": 3 }]));
    let listed = app.gql("{ courses(level: INTERMEDIATE, language: AR) { totalCount } }", json!({})).await;
    assert_eq!(listed["data"]["courses"]["totalCount"], 3);
    let paths = app
        .gql("{ beginner: learningPaths(level: BEGINNER) { totalCount } advanced: learningPaths(level: ADVANCED) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        (paths["data"]["beginner"]["totalCount"].as_i64(), paths["data"]["advanced"]["totalCount"].as_i64()),
        (Some(2), Some(0))
    );
    let bad = app.gql(COURSE_SEARCH, json!({ "q": "", "sector": "nope" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "SECTOR_NOT_FOUND");
    // An archived course leaves the index; a new one enters when published.
    let trainer = app.login_as("trainer").await;
    let id = app.gql(r#"{ course(code: "fiche-produit") { id } }"#, json!({})).await["data"]["course"]["id"].clone();
    let archive =
        "mutation($i: CourseArchiveInput!) { courseArchive(input: $i) { course { status } userErrors { code } } }";
    assert_eq!(
        ok_payload(&app.gql_as(&trainer, archive, json!({ "i": { "id": id } })).await, "courseArchive")["course"]["status"],
        "ARCHIVED"
    );
    create_course(&app, &trainer, "essai-recherche").await;
    app.eventually("the index follows", || async {
        let codes = course_codes(&app, "", json!({})).await.0;
        codes.len() == 6
            && !codes.contains(&"fiche-produit".to_string())
            && codes.contains(&"essai-recherche".to_string())
    })
    .await;
}
on_both_backends!(courses_are_searched_in_every_language);

/// On Meilisearch the `courses` index is its own index: settings from `search-config/`,
/// the published courses sent folded, and the filters compiled as for products.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courses_index_speaks_meilisearch() {
    use taawun::search::config::SearchConfig;
    let mock = crate::meili_mock::MeiliMock::start(false);
    let base = mock.base.clone();
    let app = TestApp::spawn(
        crate::helpers::Backend::Sqlite,
        crate::helpers::Options::with(move |c| {
            c.meilisearch_url = Some(base);
            c.meilisearch_index_prefix = String::new();
        }),
    )
    .await
    .unwrap();
    let config = SearchConfig::builtin().unwrap();
    app.eventually("the courses index settings", || async {
        !mock.requests("PATCH", "/indexes/courses/settings").is_empty()
    })
    .await;
    let settings = mock.requests("PATCH", "/indexes/courses/settings");
    assert_eq!(settings[0].body, config.indexes["courses"].meili_settings(&config));
    app.eventually("the six demo courses sent", || async {
        mock.requests("POST", "/indexes/courses/documents")
            .iter()
            .map(|r| r.body.as_array().map_or(0, Vec::len))
            .sum::<usize>()
            >= 6
    })
    .await;
    let sent: Vec<Value> = mock
        .requests("POST", "/indexes/courses/documents")
        .into_iter()
        .flat_map(|r| r.body.as_array().cloned().unwrap_or_default())
        .collect();
    let first = sent.iter().find(|d| d["id"] == 1).unwrap_or_else(|| panic!("{sent:?}"));
    assert!(first["title"].as_str().unwrap().contains("احداث تعاونيه"), "folded like the products: {first}");
    assert_eq!(first["languages"], json!(["ar", "fr"]));
    assert!(
        mock.requests("POST", "/indexes/products/documents")
            .iter()
            .all(|r| r.body.as_array().is_some_and(|docs| docs.iter().all(|d| d.get("outline").is_none())))
    );
    let body = app.gql(COURSE_SEARCH, json!({ "q": "التعاونية", "language": "AR", "level": "INTERMEDIATE" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let search = &mock.requests("POST", "/indexes/courses/search")[0].body;
    assert_eq!(search["q"], "التعاونيه");
    assert_eq!(search["filter"], r#"languages = "ar" AND level = "INTERMEDIATE""#);
}
