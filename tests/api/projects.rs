//! The project bank over HTTP: the office edits and publishes ideas that everyone searches
//! (facet counts equal the database's), calls carry their rules as data, applications go
//! from draft to a prefilled registration application through eligibility, review,
//! selection and academy training; bad input changes nothing; no one sees another's
//! application; statistics never show a cell under 5; alerts are opt-in and one click stops them.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};
use taawun::kernel::db::schema::{project_applications, project_saved_searches};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const IDEA_SAVE: &str = "mutation($i: ProjectIdeaSaveInput!) { projectIdeaSave(input: $i) {
    idea { id code version status title { text } province { code } } userErrors { field message code } } }";
const IDEA_MOVE: &str = "mutation($i: ProjectIdeaTransitionInput!) { projectIdeaTransition(input: $i) {
    idea { id status version } userErrors { field message code } } }";
const SEARCH: &str =
    "query($q: String!, $f: ProjectIdeaFilter, $facets: [ProjectIdeaFacet!], $s: ProjectIdeaSortKey, $first: Int) {
    projectIdeaSearch(query: $q, filter: $f, facets: $facets, sortKey: $s, first: $first) {
    totalCount facets { name values { value count } }
    nodes { highlightedTitle idea { code expectedJobs investmentMin { amount } } } } }";
const IDEAS: &str = "query($f: ProjectIdeaFilter, $status: IdeaStatus) { projectIdeas(filter: $f, status: $status, first: 1) { totalCount } }";
const CALL_SAVE: &str = "mutation($i: CallSaveInput!) { callSave(input: $i) { call { id code status } userErrors { field message code } } }";
const CALL_MOVE: &str = "mutation($i: CallTransitionInput!) { callTransition(input: $i) { call { id status } userErrors { field message code } } }";
const APPLY: &str = "mutation($i: ProjectApplicationSaveInput!) { projectApplicationSave(input: $i) {
    application { id reference stage assisted team { fullName hasAccount } eligibility { eligible reasons { rule member message } } }
    userErrors { field message code } } }";
const SUBMIT: &str = "mutation($i: ProjectApplicationSubmitInput!) { projectApplicationSubmit(input: $i) {
    application { id stage eligibility { eligible evaluatedAtSubmission reasons { rule member message } } history { from to by reason } }
    userErrors { field message code } } }";
const MOVE: &str = "mutation($i: ProjectApplicationTransitionInput!) { projectApplicationTransition(input: $i) {
    application { id stage history { from to by reason } } userErrors { field message code } } }";
const SCORE: &str = "mutation($i: ProjectApplicationScoreInput!) { projectApplicationScore(input: $i) {
    application { id stage score } userErrors { field message code } } }";
const FOLLOW: &str = "query($id: ID!) { projectApplication(id: $id) { id reference stage score
    team { fullName nationalId } contactEmail history { from to by reason }
    registrationApplication { id status nameFr founders { fullName } projectApplicationId } } }";

fn t(fr: &str, ar: &str) -> Value {
    json!([{ "locale": "FR", "text": fr }, { "locale": "AR", "text": ar }])
}

fn idea(code: &str) -> Value {
    json!({ "code": code, "title": t("Séchoir solaire de figues", "وحدة التجفيف الشمسي للتين"),
        "summary": t("Séchage solaire des figues de montagne.", "تجفيف شمسي لتين الجبال."),
        "sectorCode": "agriculture", "regionCode": "09", "provinceCode": "taroudant",
        "targetGroups": ["WOMEN", "RURAL"], "legalForms": ["COOPERATIVE"], "fundingInstruments": ["FORSA"],
        "minMembers": 5, "investmentMin": "60000", "investmentMax": "120000", "expectedJobs": 7,
        "expectedTurnover": "200000", "requiredCourseCodes": ["creer-cooperative"], "source": "IDEATHON",
        "requirements": ["autorisation sanitaire ONSSA"] })
}

fn person(name: &str, nid: &str, gender: &str, born: &str) -> Value {
    json!({ "fullName": name, "nationalId": nid, "gender": gender, "birthDate": born, "neet": true })
}

fn team(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| person(&format!("Membre {i}"), &format!("{prefix}{:04}", 1000 + i), "FEMALE", "1999-04-01"))
        .collect()
}

fn application(call: &str, members: Vec<Value>) -> Value {
    json!({ "callCode": call, "kind": "GROUP", "regionCode": "09", "provinceCode": "taroudant", "sectorCode": "agriculture",
        "title": "Figues séchées", "summary": "Cinq femmes sèchent les figues.", "requestedAmount": "90000", "members": members })
}

async fn wait_outbox(app: &TestApp) {
    let admin = app.login_as("admin").await;
    app.eventually("the outbox delivered", || async {
        let body = app.gql_as(&admin, "{ outboxMessages(status: PENDING) { totalCount } }", json!({})).await;
        body["data"]["outboxMessages"]["totalCount"] == 0
    })
    .await;
}

/// A call opened for the test: groups of 5+ aged 18–40 in Souss-Massa, two reviewers.
async fn open_call(app: &TestApp, code: &str, extra: Value) -> String {
    let admin = app.login_as("admin").await;
    let now = chrono::Utc::now();
    let mut input = json!({ "code": code, "programmeCode": "indh-jeunes", "title": t("Appel test", "دعوة تجريبية"),
        "opensAt": (now - Duration::days(1)).to_rfc3339(), "closesAt": (now + Duration::days(30)).to_rfc3339(),
        "rules": { "ageMin": 18, "ageMax": 40, "regionCodes": ["09"], "applicantKinds": ["GROUP", "COOPERATIVE"], "teamSizeMin": 5 },
        "criteria": [{ "key": "fit", "label": t("Pertinence", "الملاءمة"), "weight": 60 }, { "key": "team", "label": t("Équipe", "الفريق"), "weight": 40 }],
        "budget": "1000000", "maxAward": "100000",
        "reviewerEmails": ["agent@demo.taawun.ma", "manager@tighanimine.demo.taawun.ma", "manager@tissage-taznakht.demo.taawun.ma"] });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let body = app.gql_as(&admin, CALL_SAVE, json!({ "i": input })).await;
    let id = ok_payload(&body, "callSave")["call"]["id"].as_str().unwrap().to_string();
    let body = app.gql_as(&admin, CALL_MOVE, json!({ "i": { "id": id, "to": "OPEN" } })).await;
    assert_eq!(ok_payload(&body, "callTransition")["call"]["status"], "OPEN");
    id
}

async fn application_count(app: &TestApp, call: &str) -> i64 {
    let admin = app.login_as("admin").await;
    let body = app
        .gql_as(
            &admin,
            "query($c: String!) { projectApplications(callCode: $c, first: 1) { totalCount } }",
            json!({ "c": call }),
        )
        .await;
    body["data"]["projectApplications"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
}

async fn ideas_are_edited_by_the_office_and_found_by_everyone(app: TestApp) {
    let (agent, admin, customer) =
        (app.login_as("agent").await, app.login_as("admin").await, app.login_as("customer").await);
    let drafts = || async {
        let body = app.gql_as(&admin, IDEAS, json!({ "status": "DRAFT" })).await;
        body["data"]["projectIdeas"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
    };
    let before = drafts().await;
    // Customers do not edit the bank; bad input is refused whole.
    let body = app.gql_as(&customer, IDEA_SAVE, json!({ "i": idea("figues-taroudant") })).await;
    assert_eq!(error_codes(&body, "projectIdeaSave"), ["FORBIDDEN"]);
    let mut bad = idea("figues-taroudant");
    bad["provinceCode"] = json!("tanger-assilah");
    bad["investmentMax"] = json!("1000");
    bad["requiredCourseCodes"] = json!(["no-such-course"]);
    bad["targetGroups"] = json!([]);
    let body = app.gql_as(&agent, IDEA_SAVE, json!({ "i": bad })).await;
    let mut codes = error_codes(&body, "projectIdeaSave");
    codes.sort();
    assert_eq!(codes, ["COURSE_NOT_FOUND", "OUT_OF_RANGE", "PROVINCE_NOT_FOUND", "REQUIRED"], "{body}");
    assert_eq!(drafts().await, before);
    // A draft, invisible to the public.
    let body = app.gql_as(&agent, IDEA_SAVE, json!({ "i": idea("figues-taroudant") })).await;
    let saved = ok_payload(&body, "projectIdeaSave")["idea"].clone();
    let id = saved["id"].as_str().unwrap().to_string();
    assert_eq!((saved["status"].as_str(), saved["version"].as_i64()), (Some("DRAFT"), Some(1)));
    let public =
        app.gql("query($c: String) { projectIdea(code: $c) { id } }", json!({ "c": "figues-taroudant" })).await;
    assert!(public["data"]["projectIdea"].is_null());
    // Saving from a stale version is refused.
    let mut edit = idea("figues-taroudant");
    edit["id"] = json!(id);
    edit["expectedVersion"] = json!(1);
    ok_payload(&app.gql_as(&agent, IDEA_SAVE, json!({ "i": edit.clone() })).await, "projectIdeaSave");
    let stale = app.gql_as(&agent, IDEA_SAVE, json!({ "i": edit })).await;
    assert_eq!(error_codes(&stale, "projectIdeaSave"), ["CONFLICT"]);
    assert_eq!(stale["data"]["projectIdeaSave"]["idea"]["version"], 2, "the idea as it is: {stale}");
    // Four eyes: the agent who sent it to review does not publish it; an administrator does.
    ok_payload(
        &app.gql_as(&agent, IDEA_MOVE, json!({ "i": { "id": id, "to": "IN_REVIEW" } })).await,
        "projectIdeaTransition",
    );
    let body = app.gql_as(&agent, IDEA_MOVE, json!({ "i": { "id": id, "to": "PUBLISHED" } })).await;
    assert_eq!(error_codes(&body, "projectIdeaTransition"), ["FORBIDDEN"]);
    let body = app.gql_as(&admin, IDEA_MOVE, json!({ "i": { "id": id, "to": "ARCHIVED" } })).await;
    assert_eq!(error_codes(&body, "projectIdeaTransition"), ["INVALID_TRANSITION"]);
    ok_payload(
        &app.gql_as(&admin, IDEA_MOVE, json!({ "i": { "id": id, "to": "PUBLISHED" } })).await,
        "projectIdeaTransition",
    );
    // Found through the index in Arabic (folded) and French, with its province's names.
    wait_outbox(&app).await;
    for query in ["التجفيف الشمسي", "sechoir figues", "تجفيف تارودانت"] {
        let body = app.gql(SEARCH, json!({ "q": query, "first": 5 })).await;
        let codes: Vec<&str> = body["data"]["projectIdeaSearch"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["idea"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes.first(), Some(&"figues-taroudant"), "{query}: {body}");
    }
    // Archived: gone from the search and the public catalogue.
    ok_payload(
        &app.gql_as(&admin, IDEA_MOVE, json!({ "i": { "id": id, "to": "ARCHIVED" } })).await,
        "projectIdeaTransition",
    );
    wait_outbox(&app).await;
    let body = app.gql(SEARCH, json!({ "q": "sechoir figues", "first": 5 })).await;
    assert!(
        body["data"]["projectIdeaSearch"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["idea"]["code"] != "figues-taroudant")
    );
    let node = app.gql("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
    assert!(node["data"]["node"].is_null());
}
on_both_backends!(ideas_are_edited_by_the_office_and_found_by_everyone);

async fn search_facets_and_filters_equal_the_database(app: TestApp) {
    wait_outbox(&app).await;
    let facets = ["REGION", "PROVINCE", "SECTOR", "TARGET_GROUP", "FUNDING_INSTRUMENT"];
    let filter_key = |facet: &str| match facet {
        "REGION" => "regionCodes",
        "PROVINCE" => "provinceCodes",
        "SECTOR" => "sectorCodes",
        "TARGET_GROUP" => "targetGroups",
        _ => "fundingInstruments",
    };
    let db_count = |filter: Value| {
        let app = &app;
        async move { app.gql(IDEAS, json!({ "f": filter })).await["data"]["projectIdeas"]["totalCount"].as_i64().unwrap() }
    };
    let all = db_count(json!({})).await;
    assert!(all >= 60, "the demo publishes at least 60 ideas, found {all}");
    for base in [
        json!({}),
        json!({ "regionCodes": ["09", "10"] }),
        json!({ "targetGroups": ["WOMEN"], "maxInvestment": 300000 }),
        json!({ "minJobs": 10 }),
    ] {
        let body = app.gql(SEARCH, json!({ "q": "", "f": base, "facets": facets, "first": 1 })).await;
        let result = &body["data"]["projectIdeaSearch"];
        assert_eq!(result["totalCount"].as_i64().unwrap(), db_count(base.clone()).await, "{base}: {body}");
        for facet in result["facets"].as_array().unwrap() {
            let name = facet["name"].as_str().unwrap();
            let values = facet["values"].as_array().unwrap();
            assert!(!values.is_empty(), "{name}");
            // A list field already in the filter counts its intersection, which the database's
            // list filter (any of) does not express.
            if matches!(name, "TARGET_GROUP" | "FUNDING_INSTRUMENT") && base.get(filter_key(name)).is_some() {
                continue;
            }
            for v in values {
                let mut narrowed = base.clone();
                narrowed[filter_key(name)] = json!([v["value"]]);
                assert_eq!(v["count"].as_i64().unwrap(), db_count(narrowed).await, "{base} {name}={}", v["value"]);
            }
        }
    }
    // Sort keys.
    let sorted = |key: &'static str, field: &'static str| {
        let app = &app;
        async move {
            let body = app.gql(SEARCH, json!({ "q": "", "s": key, "first": 50 })).await;
            body["data"]["projectIdeaSearch"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|n| match field {
                    "jobs" => n["idea"]["expectedJobs"].as_f64().unwrap(),
                    _ => n["idea"]["investmentMin"]["amount"].as_str().unwrap().parse::<f64>().unwrap(),
                })
                .collect::<Vec<f64>>()
        }
    };
    let jobs = sorted("JOBS", "jobs").await;
    assert!(jobs.windows(2).all(|w| w[0] >= w[1]), "{jobs:?}");
    let investment = sorted("INVESTMENT", "investment").await;
    assert!(investment.windows(2).all(|w| w[0] <= w[1]), "{investment:?}");
    // Unknown codes are the caller's mistake.
    let body = app.gql(SEARCH, json!({ "q": "", "f": { "regionCodes": ["99"] } })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "REGION_NOT_FOUND", "{body}");
}
on_both_backends!(search_facets_and_filters_equal_the_database);

/// Completes the demo course `creer-cooperative` as a learner would (its answers are the demo's).
async fn complete_creer_cooperative(app: &TestApp, token: &str) {
    let body = app
        .gql("{ course(code: \"creer-cooperative\") { modules { activities { id kind completion } } } }", json!({}))
        .await;
    let activities: Vec<Value> = body["data"]["course"]["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["activities"].as_array().unwrap().clone())
        .collect();
    let now = chrono::Utc::now();
    let events: Vec<Value> = activities
        .iter()
        .filter(|a| a["kind"] != "QUIZ")
        .enumerate()
        .map(|(i, a)| {
            json!({ "id": format!("9e57{:04x}-0000-4000-8000-{:012x}", i, rand_suffix()),
                "verb": if a["completion"] == "MARK_DONE" { "COMPLETED" } else { "EXPERIENCED" },
                "activityId": a["id"], "timestamp": now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string() })
        })
        .collect();
    let body = app
        .gql_as(token, "mutation($i: LearningEventsRecordInput!) { learningEventsRecord(input: $i) { accepted userErrors { code message } } }", json!({ "i": { "events": events } }))
        .await;
    ok_payload(&body, "learningEventsRecord");
    let quiz = activities.iter().find(|a| a["kind"] == "QUIZ").unwrap()["id"].clone();
    let body = app
        .gql_as(token, "mutation($i: QuizAttemptStartInput!) { quizAttemptStart(input: $i) { attempt { id } userErrors { code } } }", json!({ "i": { "activityId": quiz } }))
        .await;
    let attempt = ok_payload(&body, "quizAttemptStart")["attempt"]["id"].clone();
    let answers = json!([{ "question": "q1", "choices": ["q1c1"] }, { "question": "q2", "boolean": false }, { "question": "q3", "number": 5.0 }]);
    let body = app
        .gql_as(token, "mutation($i: QuizAttemptSubmitInput!) { quizAttemptSubmit(input: $i) { attempt { passed } course { complete } userErrors { code } } }", json!({ "i": { "attemptId": attempt, "answers": answers } }))
        .await;
    let submitted = ok_payload(&body, "quizAttemptSubmit");
    assert_eq!(submitted["course"]["complete"], true, "{body}");
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 & 0xffff_ffff_ffff
}

async fn an_application_goes_from_draft_to_a_prefilled_registration(app: TestApp) {
    let call = "chain-2026";
    open_call(&app, call, json!({})).await;
    // The idea requires `creer-cooperative`; Salma leads a group of five, with her account.
    let agent = app.login_as("agent").await;
    let admin = app.login_as("admin").await;
    let body = app.gql_as(&agent, IDEA_SAVE, json!({ "i": idea("figues-chain") })).await;
    let idea_id = ok_payload(&body, "projectIdeaSave")["idea"]["id"].clone();
    ok_payload(
        &app.gql_as(&agent, IDEA_MOVE, json!({ "i": { "id": idea_id, "to": "IN_REVIEW" } })).await,
        "projectIdeaTransition",
    );
    ok_payload(
        &app.gql_as(&admin, IDEA_MOVE, json!({ "i": { "id": idea_id, "to": "PUBLISHED" } })).await,
        "projectIdeaTransition",
    );
    let salma = app.login_as("customer").await;
    let mut members = team("SA", 5);
    members[0] = json!({ "fullName": "Salma Customer", "nationalId": "SA009999", "gender": "FEMALE", "birthDate": "1996-02-02",
        "email": "customer@demo.taawun.ma", "neet": true });
    let mut input = application(call, members);
    input["ideaCode"] = json!("figues-chain");
    let body = app.gql_as(&salma, APPLY, json!({ "i": input })).await;
    let draft = ok_payload(&body, "projectApplicationSave")["application"].clone();
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["stage"], "DRAFT");
    assert_eq!(draft["eligibility"]["eligible"], true, "a draft is evaluated as it stands: {body}");
    assert_eq!(draft["team"][0]["hasAccount"], true);
    // Out of order: the office cannot select a draft.
    let body = app.gql_as(&agent, MOVE, json!({ "i": { "id": id, "to": "SELECTED" } })).await;
    assert_eq!(error_codes(&body, "projectApplicationTransition"), ["INVALID_TRANSITION"]);
    let body = app.gql_as(&salma, SUBMIT, json!({ "i": { "id": id } })).await;
    let submitted = ok_payload(&body, "projectApplicationSubmit")["application"].clone();
    assert_eq!(submitted["stage"], "ELIGIBLE", "{body}");
    let steps: Vec<(Value, Value)> =
        submitted["history"].as_array().unwrap().iter().map(|h| (h["to"].clone(), h["by"].clone())).collect();
    assert_eq!(
        steps,
        [
            (json!("DRAFT"), json!("APPLICANT")),
            (json!("SUBMITTED"), json!("APPLICANT")),
            (json!("ELIGIBLE"), json!("SYSTEM"))
        ]
    );
    // She is told by email, in her language, with the reference to quote.
    let reference = draft["reference"].as_str().unwrap().to_string();
    app.eventually("the eligibility email", || async {
        app.mail_files()
            .iter()
            .any(|m| m.contains("customer@demo.taawun.ma") && m.contains(&reference) && m.contains("éligible"))
    })
    .await;
    // Scored by two reviewers; not yet scored means no SCORED stage.
    let body = app.gql_as(&agent, MOVE, json!({ "i": { "id": id, "to": "SCORED" } })).await;
    assert_eq!(error_codes(&body, "projectApplicationTransition"), ["INVALID_TRANSITION"]);
    let score = |points: [i64; 2]| json!({ "i": { "id": id, "scores": [{ "criterion": "fit", "points": points[0] }, { "criterion": "team", "points": points[1] }] } });
    let body = app.gql_as(&agent, SCORE, score([80, 50])).await;
    assert_eq!(ok_payload(&body, "projectApplicationScore")["application"]["score"], 68.0);
    let again = app.gql_as(&agent, SCORE, score([10, 10])).await;
    assert_eq!(error_codes(&again, "projectApplicationScore"), ["ALREADY_REVIEWED"]);
    let bad = app.gql_as(&app.login_as("other_manager").await, SCORE, json!({ "i": { "id": id, "scores": [{ "criterion": "fit", "points": 101 }, { "criterion": "nope", "points": 1 }] } })).await;
    let mut codes = error_codes(&bad, "projectApplicationScore");
    codes.sort();
    assert_eq!(codes, ["BAD_USER_INPUT", "OUT_OF_RANGE", "REQUIRED"], "{bad}");
    // The applicant cannot move her own application on.
    let body = app.gql_as(&salma, MOVE, json!({ "i": { "id": id, "to": "SCORED" } })).await;
    assert_eq!(error_codes(&body, "projectApplicationTransition"), ["FORBIDDEN"]);
    for (to, reason) in
        [("SCORED", None), ("SHORTLISTED", None), ("INTERVIEWED", Some("entretien")), ("SELECTED", Some("retenue"))]
    {
        let body = app.gql_as(&agent, MOVE, json!({ "i": { "id": id, "to": to, "reason": reason } })).await;
        ok_payload(&body, "projectApplicationTransition");
    }
    // Selected: Salma is enrolled in the idea's course, and the application is in training.
    let body = app.gql_as(&salma, FOLLOW, json!({ "id": id })).await;
    let followed = &body["data"]["projectApplication"];
    assert_eq!(followed["stage"], "TRAINING", "{body}");
    assert!(followed["registrationApplication"].is_null());
    let enrolments = app.gql_as(&salma, "{ myEnrollments { course { code } } }", json!({})).await;
    assert!(
        enrolments["data"]["myEnrollments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["course"]["code"] == "creer-cooperative"),
        "{enrolments}"
    );
    // She completes it: the registration application is prefilled with the team, linked both ways.
    complete_creer_cooperative(&app, &salma).await;
    app.eventually("the prefilled registration application", || async {
        let body = app.gql_as(&salma, FOLLOW, json!({ "id": id })).await;
        !body["data"]["projectApplication"]["registrationApplication"].is_null()
    })
    .await;
    let body = app.gql_as(&salma, FOLLOW, json!({ "id": id })).await;
    let registration = &body["data"]["projectApplication"]["registrationApplication"];
    assert_eq!(registration["status"], "DRAFT");
    assert_eq!(registration["nameFr"], "Figues séchées");
    assert_eq!(registration["founders"].as_array().unwrap().len(), 5);
    assert_eq!(registration["projectApplicationId"], json!(id));
    let last = body["data"]["projectApplication"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["by"], "SYSTEM");
    // Withdrawing after the decision is refused.
    let body = app.gql_as(&salma, MOVE, json!({ "i": { "id": id, "to": "WITHDRAWN" } })).await;
    assert_eq!(error_codes(&body, "projectApplicationTransition"), ["INVALID_TRANSITION"]);
}
on_both_backends!(an_application_goes_from_draft_to_a_prefilled_registration);

async fn bad_applications_are_refused_and_change_nothing(app: TestApp) {
    let call = "refusals-2026";
    open_call(&app, call, json!({ "excludeOwnCooperative": true, "excludeOwnRegion": true })).await;
    let salma = app.login_as("customer").await;
    let before = application_count(&app, call).await;
    // A call not open (the demo's forecast call).
    let body = app.gql_as(&salma, APPLY, json!({ "i": application("forsa-2027", team("FC", 5)) })).await;
    assert_eq!(error_codes(&body, "projectApplicationSave"), ["CALL_NOT_OPEN"]);
    // A group of 4 when a group of future founders is at least 5.
    let body = app.gql_as(&salma, APPLY, json!({ "i": application(call, team("FO", 4)) })).await;
    assert_eq!(error_codes(&body, "projectApplicationSave"), ["TEAM_TOO_SMALL"]);
    // Bad national IDs and duplicates, a desk channel from an applicant: all at once.
    let mut members = team("DU", 5);
    members[1]["nationalId"] = members[0]["nationalId"].clone();
    members[2]["nationalId"] = json!("123");
    let mut input = application(call, members);
    input["channel"] = json!("DESK");
    let body = app.gql_as(&salma, APPLY, json!({ "i": input })).await;
    let mut codes = error_codes(&body, "projectApplicationSave");
    codes.sort();
    assert_eq!(codes, ["BAD_USER_INPUT", "DUPLICATE", "FORBIDDEN"], "{body}");
    assert_eq!(application_count(&app, call).await, before);
    // One application per applicant and call.
    let body = app.gql_as(&salma, APPLY, json!({ "i": application(call, team("ON", 5)) })).await;
    let first = ok_payload(&body, "projectApplicationSave")["application"]["id"].clone();
    let body = app.gql_as(&salma, APPLY, json!({ "i": application(call, team("TW", 5)) })).await;
    assert_eq!(error_codes(&body, "projectApplicationSave"), ["ALREADY_APPLIED"]);
    let learner = app.login_as("learner").await;
    let body = app.gql_as(&learner, APPLY, json!({ "i": application(call, team("ON", 5)) })).await;
    assert_eq!(error_codes(&body, "projectApplicationSave"), ["ALREADY_APPLIED"], "the same lead's national ID");
    assert_eq!(application_count(&app, call).await, before + 1);
    // Ineligible: too old, with one reason per rule, in the applicant's language.
    let mut old = team("OL", 5);
    old[3]["birthDate"] = json!("1960-01-01");
    let body = app.gql_as(&learner, APPLY, json!({ "i": application(call, old) })).await;
    let id = ok_payload(&body, "projectApplicationSave")["application"]["id"].clone();
    let body = app.gql_with(Some(&learner), &[("accept-language", "ar")], SUBMIT, json!({ "i": { "id": id } })).await;
    let submitted = ok_payload(&body, "projectApplicationSubmit")["application"].clone();
    assert_eq!(submitted["stage"], "INELIGIBLE");
    let reasons = submitted["eligibility"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{body}");
    assert_eq!((reasons[0]["rule"].as_str(), reasons[0]["member"].as_i64()), (Some("AGE"), Some(4)));
    let message = reasons[0]["message"].as_str().unwrap();
    assert!(message.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) && message.contains("40"), "{message}");
    // Submitting twice, and editing once submitted, are refused.
    let again = app.gql_as(&learner, SUBMIT, json!({ "i": { "id": id } })).await;
    assert_eq!(error_codes(&again, "projectApplicationSubmit"), ["INVALID_TRANSITION"]);
    // Conflicts of interest: an agent files for Tighanimine; its manager may not score it
    // (own cooperative), nor may the Taznakht manager score one from the Taznakht region.
    let agent = app.login_as("agent").await;
    let tighanimine = app.cooperative_id("tighanimine").await;
    let mut filed = application(call, team("TG", 5));
    filed["kind"] = json!("COOPERATIVE");
    filed["cooperativeId"] = json!(tighanimine);
    filed["channel"] = json!("DESK");
    let body = app.gql_as(&agent, APPLY, json!({ "i": filed })).await;
    let filed = ok_payload(&body, "projectApplicationSave")["application"].clone();
    assert_eq!(filed["assisted"], true);
    let filed_id = filed["id"].clone();
    ok_payload(&app.gql_as(&agent, SUBMIT, json!({ "i": { "id": filed_id } })).await, "projectApplicationSubmit");
    let manager = app.login_as("manager").await;
    let scores = json!([{ "criterion": "fit", "points": 50 }, { "criterion": "team", "points": 50 }]);
    let body = app.gql_as(&manager, SCORE, json!({ "i": { "id": filed_id, "scores": scores } })).await;
    assert_eq!(error_codes(&body, "projectApplicationScore"), ["CONFLICT_OF_INTEREST"]);
    // Tighanimine is in Souss-Massa (09), like the application: the Taznakht manager is not.
    let other = app.login_as("other_manager").await;
    let region = app
        .gql("query($s: String) { cooperative(slug: $s) { region { code } } }", json!({ "s": "tissage-taznakht" }))
        .await;
    let body = app.gql_as(&other, SCORE, json!({ "i": { "id": filed_id, "scores": scores } })).await;
    if region["data"]["cooperative"]["region"]["code"] == "09" {
        assert_eq!(error_codes(&body, "projectApplicationScore"), ["CONFLICT_OF_INTEREST"]);
    } else {
        ok_payload(&body, "projectApplicationScore");
    }
    // Returned as incomplete: the agent completes it and submits again; it is evaluated again.
    let body = app.gql_as(&agent, MOVE, json!({ "i": { "id": filed_id, "to": "RETURNED_INCOMPLETE" } })).await;
    assert_eq!(error_codes(&body, "projectApplicationTransition"), ["REQUIRED"], "a reason is required");
    let body = app
        .gql_as(
            &agent,
            MOVE,
            json!({ "i": { "id": filed_id, "to": "RETURNED_INCOMPLETE", "reason": "pièce manquante" } }),
        )
        .await;
    assert_eq!(ok_payload(&body, "projectApplicationTransition")["application"]["stage"], "RETURNED_INCOMPLETE");
    let mut completed = application(call, team("TG", 6));
    completed["id"] = filed_id.clone();
    completed["kind"] = json!("COOPERATIVE");
    completed["cooperativeId"] = json!(tighanimine);
    completed["channel"] = json!("DESK");
    let body = app.gql_as(&agent, APPLY, json!({ "i": completed })).await;
    assert_eq!(ok_payload(&body, "projectApplicationSave")["application"]["team"].as_array().unwrap().len(), 6);
    let body = app.gql_as(&agent, SUBMIT, json!({ "i": { "id": filed_id } })).await;
    let history: Vec<Value> = ok_payload(&body, "projectApplicationSubmit")["application"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].clone())
        .collect();
    assert_eq!(history, ["DRAFT", "SUBMITTED", "ELIGIBLE", "RETURNED_INCOMPLETE", "SUBMITTED", "ELIGIBLE"]);
    // A customer who is not a reviewer does not learn the application exists.
    let body = app.gql_as(&salma, SCORE, json!({ "i": { "id": filed_id, "scores": scores } })).await;
    assert_eq!(error_codes(&body, "projectApplicationScore"), ["PROJECT_APPLICATION_NOT_FOUND"]);
    // Withdrawn before a decision: allowed, recorded, and it frees the applicant to apply again.
    let body =
        app.gql_as(&salma, MOVE, json!({ "i": { "id": first, "to": "WITHDRAWN", "reason": "autre projet" } })).await;
    let withdrawn = ok_payload(&body, "projectApplicationTransition")["application"].clone();
    assert_eq!(withdrawn["history"].as_array().unwrap().last().unwrap()["reason"], "autre projet");
}
on_both_backends!(bad_applications_are_refused_and_change_nothing);

async fn no_one_sees_another_applicants_data_and_statistics_hide_small_cells(app: TestApp) {
    let learner = app.login_as("learner").await;
    let mine = app.gql_as(&learner, "{ myProjectApplications(first: 5) { nodes { id } } }", json!({})).await;
    let id = mine["data"]["myProjectApplications"]["nodes"][0]["id"].as_str().unwrap().to_string();
    // The applicant sees the team; another customer, anonymous callers and `node` see nothing.
    let own = app.gql_as(&learner, FOLLOW, json!({ "id": id })).await;
    assert_eq!(own["data"]["projectApplication"]["team"].as_array().unwrap().len(), 5);
    for token in [Some(app.login_as("customer").await), Some(app.login_as("manager").await), None] {
        let body = app.gql_with(token.as_deref(), &[], FOLLOW, json!({ "id": id })).await;
        assert!(body["data"]["projectApplication"].is_null(), "{body}");
        let node =
            app.gql_with(token.as_deref(), &[], "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(node["data"]["node"].is_null(), "{node}");
        let mine = app
            .gql_with(token.as_deref(), &[], "{ myProjectApplications(first: 50) { nodes { id } } }", json!({}))
            .await;
        assert!(!mine.to_string().contains(&id));
    }
    // A reviewer of the call sees the application, without the team's personal data.
    let agent = app.login_as("agent").await;
    let admin = app.login_as("admin").await;
    let reads = || async {
        let body = app.gql_as(&admin, "{ personalDataReads(first: 1) { totalCount } }", json!({})).await;
        body["data"]["personalDataReads"]["totalCount"].as_i64().unwrap_or_else(|| panic!("{body}"))
    };
    let before = reads().await;
    let body = app.gql_as(&agent, FOLLOW, json!({ "id": id })).await;
    assert!(!body["data"]["projectApplication"]["team"].is_null(), "the agent handles it");
    // The agent's read of the team's national IDs is logged (law 09-08); the applicant's is not.
    assert_eq!(reads().await, before + 1, "{body}");
    app.gql_as(&learner, FOLLOW, json!({ "id": id })).await;
    assert_eq!(reads().await, before + 1);
    // Statistics: generated applications, then every published cell is 5 or more, and a
    // stage's breakdown never has a single withheld cell that its total would give away.
    {
        let mut conn = app.db.conn().unwrap();
        taawun::seed::projects::generate_applications(&mut conn, 400, |_, _| {}).unwrap();
    }
    let body = app
        .gql(
            include_str!("../../graphql/examples/36-project-bank-statistics.graphql"),
            json!({ "callCode": "indh-jeunes-2026" }),
        )
        .await;
    let stats = &body["data"]["projectBankStatistics"];
    assert!(stats["total"].as_i64().unwrap() >= 400, "{body}");
    let published_stages: Vec<String> = stats["byStage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["count"].is_null())
        .map(|c| c["stage"].as_str().unwrap().to_string())
        .collect();
    let mut withheld = 0;
    for list in ["byStage", "byRegion", "byGender", "byAgeBand"] {
        let cells = stats[list].as_array().unwrap();
        for c in cells {
            match c["count"].as_i64() {
                Some(n) => assert!(n >= 5, "{list}: {c}"),
                None => withheld += 1,
            }
        }
        if list != "byStage" {
            for stage in &published_stages {
                let hidden = cells.iter().filter(|c| c["stage"] == json!(stage) && c["count"].is_null()).count();
                assert_ne!(hidden, 1, "{list} {stage}: a lone withheld cell");
            }
        }
    }
    assert!(withheld > 0, "the demo's few applications are withheld");
    let national = app.gql("{ projectBankStatistics { total byStage { stage count } } }", json!({})).await;
    assert!(national["data"]["projectBankStatistics"]["total"].as_i64().unwrap() >= stats["total"].as_i64().unwrap());
}
on_both_backends!(no_one_sees_another_applicants_data_and_statistics_hide_small_cells);

const SAVE_SEARCH: &str = "mutation($i: SavedSearchCreateInput!) { savedSearchCreate(input: $i) {
    savedSearch { id name alerts filter { regionCodes } } userErrors { field message code } } }";

async fn saved_search_alerts_are_opted_into_and_stopped_in_one_click(app: TestApp) {
    let learner = app.login_as("learner").await;
    let body = app
        .gql_as(
            &learner,
            SAVE_SEARCH,
            json!({ "i": { "name": "Souss", "filter": { "regionCodes": ["09"] }, "alerts": true } }),
        )
        .await;
    let with_alerts = ok_payload(&body, "savedSearchCreate")["savedSearch"].clone();
    assert_eq!(with_alerts["alerts"], true);
    let body = app
        .gql_as(&learner, SAVE_SEARCH, json!({ "i": { "name": "Oriental", "filter": { "regionCodes": ["02"] } } }))
        .await;
    assert_eq!(ok_payload(&body, "savedSearchCreate")["savedSearch"]["alerts"], false);
    let body =
        app.gql_as(&learner, SAVE_SEARCH, json!({ "i": { "name": "x", "filter": { "regionCodes": ["99"] } } })).await;
    assert_eq!(error_codes(&body, "savedSearchCreate"), ["REGION_NOT_FOUND"]);
    // A new idea in Souss-Massa is published; a day passes (the digests' clock is moved back).
    let (agent, admin) = (app.login_as("agent").await, app.login_as("admin").await);
    let body = app.gql_as(&agent, IDEA_SAVE, json!({ "i": idea("figues-alerte") })).await;
    let idea_id = ok_payload(&body, "projectIdeaSave")["idea"]["id"].clone();
    ok_payload(
        &app.gql_as(&agent, IDEA_MOVE, json!({ "i": { "id": idea_id, "to": "IN_REVIEW" } })).await,
        "projectIdeaTransition",
    );
    ok_payload(
        &app.gql_as(&admin, IDEA_MOVE, json!({ "i": { "id": idea_id, "to": "PUBLISHED" } })).await,
        "projectIdeaTransition",
    );
    wait_outbox(&app).await;
    let mails_to_learner = || {
        app.mail_files()
            .into_iter()
            .filter(|m| m.contains("learner@demo.taawun.ma") && m.contains("/projects/alerts/unsubscribe/"))
            .collect::<Vec<_>>()
    };
    assert!(mails_to_learner().is_empty());
    let a_day_ago = taawun::kernel::db::now() - Duration::hours(25);
    let backdate = |ago: chrono::NaiveDateTime| {
        let mut conn = app.db.conn().unwrap();
        diesel::update(project_saved_searches::table)
            .set(project_saved_searches::last_alerted_at.eq(ago))
            .execute(&mut *conn)
            .unwrap();
        // The demo's own saved search stays quiet in this test.
        diesel::update(project_saved_searches::table.filter(project_saved_searches::name.ne("Souss")))
            .set(project_saved_searches::last_alerted_at.eq(taawun::kernel::db::now()))
            .execute(&mut *conn)
            .unwrap();
    };
    backdate(a_day_ago);
    app.eventually("the daily digest", || async { !mails_to_learner().is_empty() }).await;
    let mail = mails_to_learner().remove(0);
    assert!(mail.contains("Séchoir solaire de figues"), "{mail}");
    let start = mail.find("/projects/alerts/unsubscribe/").unwrap();
    let path: String =
        mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '_').collect();
    // One email for the search with alerts, none for the other.
    assert_eq!(mails_to_learner().len(), 1);
    // The link shows one button; pressing it stops the alerts.
    let page = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<form method=\"post\">"));
    let done = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let searches = app.gql_as(&learner, "{ mySavedSearches { name alerts } }", json!({})).await;
    let souss =
        searches["data"]["mySavedSearches"].as_array().unwrap().iter().find(|s| s["name"] == "Souss").unwrap().clone();
    assert_eq!(souss["alerts"], false);
    // Another day: nothing more is sent. A forged link finds nothing.
    backdate(a_day_ago);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(mails_to_learner().len(), 1);
    let forged =
        app.client.post(app.url(&format!("/projects/alerts/unsubscribe/{}", "ab".repeat(24)))).send().await.unwrap();
    assert_eq!(forged.status(), 404);
    // Applications of the test and the seed are untouched by alerts.
    let mut conn = app.db.conn().unwrap();
    let n: i64 = project_applications::table.count().get_result(&mut *conn).unwrap();
    assert!(n >= 3);
}
on_both_backends!(
    saved_search_alerts_are_opted_into_and_stopped_in_one_click,
    crate::helpers::Options::with(|c| c.project_alerts_every_secs = 1)
);

/// On Meilisearch the `project_ideas` index is its own index: settings from `search-config/`,
/// the published ideas sent folded with their places, and lists filtered with `IN`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_ideas_index_speaks_meilisearch() {
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
    app.eventually("the project ideas index settings", || async {
        !mock.requests("PATCH", "/indexes/project_ideas/settings").is_empty()
    })
    .await;
    let settings = mock.requests("PATCH", "/indexes/project_ideas/settings");
    assert_eq!(settings[0].body, config.indexes["project_ideas"].meili_settings(&config));
    app.eventually("the demo's published ideas sent", || async {
        mock.requests("POST", "/indexes/project_ideas/documents")
            .iter()
            .map(|r| r.body.as_array().map_or(0, Vec::len))
            .sum::<usize>()
            >= 63
    })
    .await;
    let sent: Vec<Value> = mock
        .requests("POST", "/indexes/project_ideas/documents")
        .into_iter()
        .flat_map(|r| r.body.as_array().cloned().unwrap_or_default())
        .collect();
    let saffron = sent
        .iter()
        .find(|d| d["province"] == json!(["taroudant"]) && d["title"].as_str().is_some_and(|t| t.contains("safran")))
        .unwrap_or_else(|| panic!("no saffron idea among {} documents", sent.len()));
    assert!(saffron["places"].as_str().unwrap().contains("تارودانت"), "{saffron}");
    assert!(saffron["title"].as_str().unwrap().contains("زعفران"), "folded: {saffron}");
    assert_eq!(saffron["region"], json!(["09"]));
    assert!(saffron["target_groups"].as_array().unwrap().contains(&json!("WOMEN")));
    let body = app
        .gql(SEARCH, json!({ "q": "زعفران", "f": { "regionCodes": ["09", "10"], "targetGroups": ["WOMEN"], "minJobs": 10 }, "s": "JOBS", "facets": ["PROVINCE"] }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let search = &mock.requests("POST", "/indexes/project_ideas/search")[0].body;
    assert_eq!(search["filter"], r#"region IN ["09", "10"] AND target_groups IN ["WOMEN"] AND jobs >= 10"#);
    assert_eq!(search["sort"], json!(["jobs:desc"]));
    assert_eq!(search["facets"], json!(["province"]));
}

async fn programmes_calls_and_saved_searches_refuse_bad_input_whole(app: TestApp) {
    let (agent, admin, salma) =
        (app.login_as("agent").await, app.login_as("admin").await, app.login_as("customer").await);
    let calls = || async {
        let body = app.gql_as(&admin, "{ calls { code } archived: calls(status: ARCHIVED) { code } }", json!({})).await;
        body["data"]["calls"].as_array().unwrap().len()
    };
    let before = calls().await;
    // Programmes and calls are the administrators'.
    let programme = json!({ "i": { "code": "intelaka", "name": t("Intelaka", "انطلاقة"), "instrument": "INTELAKA" } });
    let body = app.gql_as(&agent, "mutation($i: FundingProgrammeSaveInput!) { fundingProgrammeSave(input: $i) { programme { code } userErrors { code } } }", programme.clone()).await;
    assert_eq!(error_codes(&body, "fundingProgrammeSave"), ["FORBIDDEN"]);
    let body = app.gql_as(&admin, "mutation($i: FundingProgrammeSaveInput!) { fundingProgrammeSave(input: $i) { programme { code name { text } instrument } userErrors { code } } }", programme).await;
    assert_eq!(ok_payload(&body, "fundingProgrammeSave")["programme"]["instrument"], "INTELAKA");
    let now = chrono::Utc::now();
    let call = json!({ "code": "mauvais", "programmeCode": "nope", "title": t("x", "x"),
        "opensAt": now.to_rfc3339(), "closesAt": (now - Duration::days(1)).to_rfc3339(),
        "rules": { "ageMin": 40, "ageMax": 18, "regionCodes": ["77"] },
        "criteria": [{ "key": "a", "label": t("A", "أ"), "weight": 50 }, { "key": "a", "label": t("B", "ب"), "weight": 40 }],
        "budget": "1000", "maxAward": "5000", "reviewerEmails": ["nobody@example.org"] });
    let body = app.gql_as(&agent, CALL_SAVE, json!({ "i": call.clone() })).await;
    assert_eq!(error_codes(&body, "callSave"), ["FORBIDDEN"]);
    let body = app.gql_as(&admin, CALL_SAVE, json!({ "i": call })).await;
    let mut codes = error_codes(&body, "callSave");
    codes.sort();
    assert_eq!(
        codes,
        [
            "ACCOUNT_NOT_FOUND",
            "DUPLICATE",
            "OUT_OF_RANGE",
            "OUT_OF_RANGE",
            "OUT_OF_RANGE",
            "OUT_OF_RANGE",
            "PROGRAMME_NOT_FOUND",
            "REGION_NOT_FOUND"
        ],
        "{body}"
    );
    assert_eq!(calls().await, before);
    // An open call's rules are fixed; calls move forward only.
    let id = open_call(&app, "fige-2026", json!({})).await;
    let mut change = json!({ "id": id, "code": "fige-2026", "programmeCode": "indh-jeunes", "title": t("Changé", "تغيير"),
        "opensAt": now.to_rfc3339(), "closesAt": (now + Duration::days(9)).to_rfc3339(),
        "criteria": [{ "key": "fit", "label": t("A", "أ"), "weight": 100 }], "budget": "1000", "maxAward": "100" });
    let body = app.gql_as(&admin, CALL_SAVE, json!({ "i": change.clone() })).await;
    assert_eq!(error_codes(&body, "callSave"), ["INVALID_TRANSITION"]);
    change["id"] = Value::Null;
    let body = app.gql_as(&admin, CALL_SAVE, json!({ "i": change })).await;
    assert_eq!(error_codes(&body, "callSave"), ["TAKEN"]);
    let body = app.gql_as(&admin, CALL_MOVE, json!({ "i": { "id": id, "to": "ARCHIVED" } })).await;
    assert_eq!(error_codes(&body, "callTransition"), ["INVALID_TRANSITION"]);
    for to in ["CLOSED", "ARCHIVED"] {
        ok_payload(&app.gql_as(&admin, CALL_MOVE, json!({ "i": { "id": id, "to": to } })).await, "callTransition");
    }
    // Archived: gone from the public list, still there for the office.
    let public = app.gql("{ calls { code } }", json!({})).await;
    assert!(!public.to_string().contains("fige-2026"));
    let office = app.gql_as(&agent, "{ calls(status: ARCHIVED) { code } }", json!({})).await;
    assert!(office.to_string().contains("fige-2026"), "{office}");
    // A closed call takes no applications.
    let body = app.gql_as(&salma, APPLY, json!({ "i": application("fige-2026", team("CL", 5)) })).await;
    assert_eq!(error_codes(&body, "projectApplicationSave"), ["CALL_NOT_FOUND"]);
    // Saved searches: one's own only; opting in and out; deleting.
    let body = app.gql_as(&salma, SAVE_SEARCH, json!({ "i": { "name": "  ", "query": "x".repeat(201) } })).await;
    let mut codes = error_codes(&body, "savedSearchCreate");
    codes.sort();
    assert_eq!(codes, ["BAD_USER_INPUT", "TOO_LONG"]);
    let mine = app.gql_as(&salma, "{ mySavedSearches { id alerts } }", json!({})).await;
    let search = mine["data"]["mySavedSearches"][0]["id"].clone();
    let update = "mutation($i: SavedSearchUpdateInput!) { savedSearchUpdate(input: $i) { savedSearch { alerts } userErrors { code } } }";
    let delete =
        "mutation($i: SavedSearchDeleteInput!) { savedSearchDelete(input: $i) { deletedId userErrors { code } } }";
    let learner = app.login_as("learner").await;
    let body = app.gql_as(&learner, update, json!({ "i": { "id": search, "alerts": false } })).await;
    assert_eq!(error_codes(&body, "savedSearchUpdate"), ["SAVED_SEARCH_NOT_FOUND"]);
    let body = app.gql_as(&learner, delete, json!({ "i": { "id": search } })).await;
    assert_eq!(error_codes(&body, "savedSearchDelete"), ["SAVED_SEARCH_NOT_FOUND"]);
    let body = app.gql_as(&salma, update, json!({ "i": { "id": search, "alerts": false } })).await;
    assert_eq!(ok_payload(&body, "savedSearchUpdate")["savedSearch"]["alerts"], false);
    let body = app.gql_as(&salma, delete, json!({ "i": { "id": search } })).await;
    assert_eq!(ok_payload(&body, "savedSearchDelete")["deletedId"], search);
    let after = app.gql_as(&salma, "{ mySavedSearches { id } }", json!({})).await;
    assert_eq!(after["data"]["mySavedSearches"], json!([]));
}
on_both_backends!(programmes_calls_and_saved_searches_refuse_bad_input_whole);
