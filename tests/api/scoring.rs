//! Scoring and control over HTTP: cooperatives built with known inputs get exactly the
//! indicator values, points, total, grade and explanation the model says; model versions
//! change the next run and never a stored snapshot, and a rollback brings the earlier
//! results back; members' gender moves a score only through the social-impact indicator the
//! model names; each role sees only what it may; controls keep who, when and why, and
//! their findings feed the next score.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::{Value, json};
use taawun::kernel::db::schema::{annual_filings, cooperatives, members, register_entries};
use taawun::registry::service::today;

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const RUN: &str = "mutation { scoringRun { run { cooperatives modelVersion asOf origin durationMs } userErrors { field message code } } }";
const SCORE: &str = "query($id: ID!) { cooperativeScore(cooperativeId: $id) {
    current { modelVersion total grade missingShare
      indicators { code family measure unit rawValue missing points weight effectiveWeight contribution } }
    history { modelVersion total grade indicators { code weight points } }
    improvements { code potentialGain points advice { text locale } }
    findings { severity status overdue followUpPlanned } } }";
const MODEL_SAVE: &str = "mutation($i: ScoringModelSaveInput!) { scoringModelSave(input: $i) {
    model { id version status indicators { code weight } } userErrors { field message code } } }";
const MODEL_PUBLISH: &str = "mutation($i: ScoringModelPublishInput!) { scoringModelPublish(input: $i) {
    model { id version status } userErrors { field message code } } }";
const MODEL_ROLLBACK: &str = "mutation($i: ScoringModelRollbackInput!) { scoringModelRollback(input: $i) {
    model { id version status } userErrors { field message code } } }";
const PLAN: &str = "mutation($i: ControlPlanInput!) { controlPlan(input: $i) {
    control { id kind status assignee { email } } userErrors { field message code } } }";
const ASSIGN: &str = "mutation($i: ControlAssignInput!) { controlAssign(input: $i) {
    control { id status assignee { email } } userErrors { field message code } } }";
const COMPLETE: &str = "mutation($i: ControlCompleteInput!) { controlComplete(input: $i) {
    control { id status outcome heldOn findings { id severity status deadline }
      history { action reason actorEmail } } userErrors { field message code } } }";

/// Members of a fixture cooperative: (gender, born young).
struct Known {
    slug: &'static str,
    women: usize,
    men: usize,
    young: usize,
}

/// A cooperative registered six years ago with `women + men` members (the first `young` of
/// them born 20 years ago, the others 50), three filings all on time (members 8 then 10 at
/// the last two year ends, 4 employees, a 5 % margin, equity 60 % of equity and debts).
fn insert_known(app: &TestApp, known: &Known) -> (i64, String) {
    let mut conn = app.db.conn().unwrap();
    let (region, sector): (i64, i64) = cooperatives::table
        .filter(cooperatives::slug.eq("tighanimine"))
        .select((cooperatives::region_id, cooperatives::sector_id))
        .first(&mut *conn)
        .unwrap();
    let day = today();
    let registered = day - Duration::days(6 * 365);
    let at = chrono::Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(cooperatives::table)
        .values((
            cooperatives::slug.eq(known.slug),
            cooperatives::registration_number.eq(format!("{}/2020/TEST", known.slug)),
            cooperatives::name_fr.eq(format!("Coopérative {}", known.slug)),
            cooperatives::region_id.eq(region),
            cooperatives::sector_id.eq(sector),
            cooperatives::is_women_cooperative.eq(false),
            cooperatives::is_youth_cooperative.eq(false),
            cooperatives::status.eq("ACTIVE"),
            cooperatives::created_at.eq(at),
            cooperatives::updated_at.eq(at),
        ))
        .returning(cooperatives::id)
        .get_result(&mut *conn)
        .unwrap();
    diesel::insert_into(register_entries::table)
        .values((
            register_entries::cooperative_id.eq(id),
            register_entries::legal_form.eq("COOPERATIVE"),
            register_entries::registration_date.eq(registered),
            register_entries::registration_year.eq(registered.year()),
            register_entries::name_folded.eq(known.slug),
            register_entries::name_keys.eq(known.slug),
            register_entries::status_changed_at.eq(at),
        ))
        .execute(&mut *conn)
        .unwrap();
    for n in 0..known.women + known.men {
        let born = if n < known.young { day - Duration::days(20 * 365) } else { day - Duration::days(50 * 365) };
        diesel::insert_into(members::table)
            .values((
                members::cooperative_id.eq(id),
                members::kind.eq("PERSON"),
                members::full_name.eq(format!("Member {n}")),
                members::national_id.eq(format!("ZZ{id:03}{n:03}")),
                members::gender.eq(if n < known.women { "F" } else { "M" }),
                members::birth_date.eq(born),
                members::role.eq("MEMBER"),
                members::is_employee.eq(false),
                members::shares.eq(1i64),
                members::joined_on.eq(registered),
                members::created_at.eq(at),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    for (k, year) in (day.year() - 3..day.year()).enumerate() {
        diesel::insert_into(annual_filings::table)
            .values((
                annual_filings::cooperative_id.eq(id),
                annual_filings::fiscal_year.eq(year),
                annual_filings::assembly_date.eq(NaiveDate::from_ymd_opt(year + 1, 3, 15).unwrap()),
                annual_filings::filed_on.eq(NaiveDate::from_ymd_opt(year + 1, 3, 20).unwrap()),
                annual_filings::turnover_minor.eq(100_000_000i64),
                annual_filings::result_minor.eq(5_000_000i64),
                annual_filings::equity_minor.eq(30_000_000i64),
                annual_filings::debts_minor.eq(20_000_000i64),
                annual_filings::members_at_year_end.eq([6, 8, 10][k]),
                annual_filings::employees_at_year_end.eq(4),
                annual_filings::created_at.eq(at),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    (id, taawun::kernel::graphql::ids::encode("Cooperative", id).to_string())
}

async fn run(app: &TestApp, admin: &str) -> Value {
    let body = app.gql_as(admin, RUN, json!({})).await;
    ok_payload(&body, "scoringRun")["run"].clone()
}

async fn score(app: &TestApp, token: &str, id: &str) -> Value {
    let body = app.gql_as(token, SCORE, json!({ "id": id })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["cooperativeScore"].clone()
}

fn indicator<'a>(snapshot: &'a Value, code: &str) -> &'a Value {
    snapshot["indicators"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("{code}"))
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{what}: {a}"));
    assert!((a - b).abs() < 0.015, "{what}: {a} ≠ {b}");
}

/// The code of a refusal: a query's GraphQL error, or a mutation payload's first user error.
fn error_code(body: &Value) -> &str {
    let from_payload = || body["data"].as_object()?.values().next()?["userErrors"][0]["code"].as_str();
    body["errors"][0]["extensions"]["code"].as_str().or_else(from_payload).unwrap_or_else(|| panic!("no error: {body}"))
}

async fn a_score_from_known_inputs_is_exact_and_explained(app: TestApp) {
    let admin = app.login_as("admin").await;
    let agent = app.login_as("agent").await;
    let (_, id) = insert_known(&app, &Known { slug: "known-inputs", women: 4, men: 6, young: 2 });
    let done = run(&app, &admin).await;
    assert_eq!(done["modelVersion"], 1);
    assert_eq!(done["origin"], "ADMIN");
    assert!(done["cooperatives"].as_i64().unwrap() > 10, "{done}");
    let first = score(&app, &admin, &id).await;
    let current = &first["current"];

    // The last filing was filed on 20 March of this year: months since then.
    let last_filed = NaiveDate::from_ymd_opt(today().year(), 3, 20).unwrap();
    let months = ((today() - last_filed).num_days().max(0) as f64) / 30.4375;
    let recency = (100.0 * (1.0 - (months - 3.0) / 21.0)).clamp(0.0, 100.0);
    // code, raw value, points, weight (the default model's).
    let expected: [(&str, Option<f64>, f64, f64); 14] = [
        ("filings_on_time", Some(1.0), 100.0, 15.0),
        ("assembly_recency", None, 100.0, 10.0),
        ("members", Some(10.0), 60.0, 5.0),
        ("members_change", Some(0.25), 100.0, 5.0),
        ("result_margin", Some(0.05), 100.0 * 0.25 / 0.35, 8.0),
        ("equity_ratio", Some(0.6), 100.0, 7.0),
        ("marketplace_sales", None, f64::NAN, 6.0),
        ("fulfilment_on_time", None, f64::NAN, 4.0),
        ("activity_recency", Some(months), recency, 10.0),
        ("women_share", Some(0.4), 80.0, 5.0),
        ("youth_share", Some(0.2), 100.0 * 0.2 / 0.3, 5.0),
        ("jobs", Some(4.0), 70.0, 5.0),
        ("certificates", Some(0.0), 0.0, 5.0),
        ("open_findings", Some(0.0), 100.0, 10.0),
    ];
    let present = 90.0;
    let mut total = 0.0;
    for (code, raw, points, weight) in expected {
        let got = indicator(current, code);
        assert_eq!(got["weight"].as_f64().unwrap(), weight, "{code}");
        if points.is_nan() {
            assert_eq!(got["missing"], true, "{code}: a marketplace figure without a shop is missing, not zero");
            assert_eq!(
                (got["rawValue"].clone(), got["points"].clone(), got["contribution"].clone()),
                (Value::Null, Value::Null, Value::Null)
            );
            continue;
        }
        assert_eq!(got["missing"], false, "{code}");
        if let Some(raw) = raw {
            close(&got["rawValue"], raw, code);
        }
        close(&got["points"], points, code);
        close(&got["effectiveWeight"], weight * 100.0 / present, code);
        close(&got["contribution"], points * weight / present, code);
        total += points * weight / present;
    }
    assert!(indicator(current, "assembly_recency")["rawValue"].as_f64().unwrap() < 1.0);
    close(&current["total"], total, "total");
    close(&current["missingShare"], 0.1, "missing share");
    let grade = match total {
        t if t >= 80.0 => "A",
        t if t >= 65.0 => "B",
        t if t >= 50.0 => "C",
        t if t >= 35.0 => "D",
        _ => "E",
    };
    assert_eq!(current["grade"], grade);
    let sum: f64 = current["indicators"].as_array().unwrap().iter().filter_map(|i| i["contribution"].as_f64()).sum();
    assert!((sum - current["total"].as_f64().unwrap()).abs() < 0.1, "the contributions add up to the total");

    // A control finds a serious problem: the next run counts the open finding.
    let planned = app
        .gql_as(
            &agent,
            PLAN,
            json!({ "i": { "cooperativeId": id, "kind": "AD_HOC", "triggerEvent": "complaint from a buyer",
                "reason": "check the labels", "plannedFor": today().to_string(), "assigneeEmail": "agent@demo.taawun.ma" } }),
        )
        .await;
    let control = ok_payload(&planned, "controlPlan")["control"]["id"].clone();
    let completed = app
        .gql_as(
            &agent,
            COMPLETE,
            json!({ "i": { "id": control, "heldOn": today().to_string(), "findings": [{ "category": "HYGIENE_AND_LABELS",
                "severity": "HIGH", "description": "no composition on the labels", "correctiveAction": "relabel",
                "deadline": (today() + Duration::days(30)).to_string() }] } }),
        )
        .await;
    assert_eq!(ok_payload(&completed, "controlComplete")["control"]["outcome"], "FINDINGS");
    run(&app, &admin).await;
    let second = score(&app, &admin, &id).await;
    let findings = indicator(&second["current"], "open_findings");
    close(&findings["rawValue"], 3.0, "a high finding weighs 3");
    close(&findings["points"], 20.0, "3 is within the third band");
    assert!(second["current"]["total"].as_f64() < first["current"]["total"].as_f64());
    assert_eq!(second["history"].as_array().unwrap().len(), 2, "one snapshot per run");
    assert_eq!(second["history"][1]["total"], first["current"]["total"], "the earlier snapshot is kept as it was");
    assert_eq!(
        second["findings"],
        json!([{ "severity": "HIGH", "status": "OPEN", "overdue": false, "followUpPlanned": false }])
    );
    assert_eq!(second["improvements"], Value::Null, "advice is for the cooperative's managers");
}
on_both_backends!(a_score_from_known_inputs_is_exact_and_explained);

async fn model_versions_change_the_next_run_and_never_a_snapshot(app: TestApp) {
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;
    let (_, id) = insert_known(&app, &Known { slug: "versioned", women: 5, men: 5, young: 1 });
    run(&app, &admin).await;
    let v1 = score(&app, &admin, &id).await["current"].clone();
    let models = || async {
        app.gql_as(&admin, "{ scoringModels { version status } }", json!({})).await["data"]["scoringModels"].clone()
    };

    // Weights that do not sum to 100 are refused, and nothing is saved.
    let refused = app
        .gql_as(
            &admin,
            MODEL_SAVE,
            json!({ "i": { "basedOnVersion": 1, "note": "try",
            "weights": [{ "code": "filings_on_time", "weight": 50 }] } }),
        )
        .await;
    assert_eq!(error_codes(&refused, "scoringModelSave"), vec!["BAD_USER_INPUT"]);
    assert_eq!(refused["data"]["scoringModelSave"]["userErrors"][0]["field"], json!(["input", "indicators"]));
    let unknown = app
        .gql_as(&admin, MODEL_SAVE, json!({ "i": { "note": "try", "weights": [{ "code": "nope", "weight": 5 }] } }))
        .await;
    assert_eq!(error_codes(&unknown, "scoringModelSave"), vec!["NOT_FOUND"]);
    assert_eq!(models().await, json!([{ "version": 1, "status": "PUBLISHED" }]));
    let forbidden = app.gql_as(&manager, MODEL_SAVE, json!({ "i": { "note": "mine" } })).await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");

    let saved = app
        .gql_as(
            &admin,
            MODEL_SAVE,
            json!({ "i": { "basedOnVersion": 1, "note": "training matters more",
            "weights": [{ "code": "filings_on_time", "weight": 5 }, { "code": "certificates", "weight": 15 }] } }),
        )
        .await;
    let draft = ok_payload(&saved, "scoringModelSave")["model"].clone();
    assert_eq!((draft["version"].clone(), draft["status"].clone()), (json!(2), json!("DRAFT")));
    let published = app
        .gql_as(&admin, MODEL_PUBLISH, json!({ "i": { "id": draft["id"], "reason": "board decision 2026-11" } }))
        .await;
    assert_eq!(ok_payload(&published, "scoringModelPublish")["model"]["status"], "PUBLISHED");
    assert_eq!(models().await, json!([{ "version": 2, "status": "PUBLISHED" }, { "version": 1, "status": "RETIRED" }]));
    let history = app.gql_as(&admin, "{ scoringModel(version: 1) { history { action reason } } }", json!({})).await;
    let actions: Vec<&str> = history["data"]["scoringModel"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["CREATED", "PUBLISHED", "RETIRED"]);
    let again = app.gql_as(&admin, MODEL_PUBLISH, json!({ "i": { "id": draft["id"], "reason": "again" } })).await;
    assert_eq!(error_codes(&again, "scoringModelPublish"), vec!["INVALID_TRANSITION"]);

    run(&app, &admin).await;
    let after = score(&app, &admin, &id).await;
    let v2 = &after["current"];
    assert_eq!(v2["modelVersion"], 2);
    assert_eq!(indicator(v2, "filings_on_time")["weight"], 5);
    assert!(
        v2["total"].as_f64() < v1["total"].as_f64(),
        "the new weights change the next run (no certificates): {v1} {v2}"
    );
    assert_eq!(after["history"][1]["modelVersion"], 1);
    assert_eq!(after["history"][1]["total"], v1["total"], "the stored snapshot did not move");
    assert_eq!(indicator(&after["history"][1], "filings_on_time")["weight"], 15);

    let current = app.gql_as(&admin, MODEL_ROLLBACK, json!({ "i": { "version": 2, "reason": "no" } })).await;
    assert_eq!(error_codes(&current, "scoringModelRollback"), vec!["INVALID_TRANSITION"]);
    let rolled = app.gql_as(&admin, MODEL_ROLLBACK, json!({ "i": { "version": 1, "reason": "appeal upheld" } })).await;
    assert_eq!(ok_payload(&rolled, "scoringModelRollback")["model"]["status"], "PUBLISHED");
    run(&app, &admin).await;
    let back = score(&app, &admin, &id).await["current"].clone();
    assert_eq!(back["modelVersion"], 1);
    assert_eq!(back["total"], v1["total"], "the earlier model gives the earlier results");
    assert_eq!(back["grade"], v1["grade"]);
}
on_both_backends!(model_versions_change_the_next_run_and_never_a_snapshot);

async fn gender_moves_a_score_only_through_the_indicator_the_model_names(app: TestApp) {
    let admin = app.login_as("admin").await;
    let (_, women) = insert_known(&app, &Known { slug: "all-women", women: 10, men: 0, young: 3 });
    let (_, men) = insert_known(&app, &Known { slug: "all-men", women: 0, men: 10, young: 3 });
    run(&app, &admin).await;
    let (w, m) = (score(&app, &admin, &women).await, score(&app, &admin, &men).await);
    let (w, m) = (&w["current"], &m["current"]);
    close(&indicator(w, "women_share")["rawValue"], 1.0, "all women");
    close(&indicator(m, "women_share")["rawValue"], 0.0, "all men");
    let differing: Vec<&Value> = w["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .zip(m["indicators"].as_array().unwrap())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    assert!(!differing.is_empty());
    for d in &differing {
        assert_eq!((d["family"].as_str(), d["measure"].as_str()), (Some("SOCIAL_IMPACT"), Some("WOMEN_SHARE")), "{d}");
    }
    let model = app.gql("{ scoringModel { indicators { measure family } } }", json!({})).await;
    let named: Vec<&Value> = model["data"]["scoringModel"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["measure"] == "WOMEN_SHARE")
        .collect();
    assert_eq!(named, vec![&json!({ "measure": "WOMEN_SHARE", "family": "SOCIAL_IMPACT" })]);
}
on_both_backends!(gender_moves_a_score_only_through_the_indicator_the_model_names);

async fn each_role_sees_only_what_it_may(app: TestApp) {
    let (admin, agent, manager, customer) = (
        app.login_as("admin").await,
        app.login_as("agent").await,
        app.login_as("manager").await,
        app.login_as("customer").await,
    );
    let own = app.cooperative_id("tighanimine").await;
    let other = app.cooperative_id("tissage-taznakht").await;

    let mine = score(&app, &manager, &own).await;
    let advice = mine["improvements"].as_array().unwrap();
    assert_eq!(advice.len(), 3, "{mine}");
    assert!(advice.windows(2).all(|w| w[0]["potentialGain"].as_f64() >= w[1]["potentialGain"].as_f64()));
    assert!(advice.iter().all(|a| !a["advice"]["text"].as_str().unwrap().is_empty()));
    let in_arabic = app
        .gql_as(&manager, "query($id: ID!) { cooperativeScore(cooperativeId: $id) { improvements(locale: AR) { advice { locale } } } }", json!({ "id": own }))
        .await;
    assert_eq!(in_arabic["data"]["cooperativeScore"]["improvements"][0]["advice"]["locale"], "AR");
    for (who, token) in [("manager of another", &manager), ("customer", &customer)] {
        let body = app.gql_as(token, SCORE, json!({ "id": other })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}");
    }
    assert_eq!(error_code(&app.gql(SCORE, json!({ "id": other })).await), "UNAUTHENTICATED");
    let office = score(&app, &agent, &other).await;
    assert_eq!(office["improvements"], Value::Null);
    let findings = office["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["severity"] == "HIGH" && f["overdue"] == true && f["followUpPlanned"] == true),
        "the demo's overdue corrective action got its follow-up: {office}"
    );

    const PRIORITIES: &str = "query($r: String) { controlPriorities(first: 50, regionCode: $r) { totalCount
        nodes { rank risk cooperative { id region { code } } reasons { code value message } } } }";
    for token in [&manager, &customer] {
        assert_eq!(error_code(&app.gql_as(token, PRIORITIES, json!({})).await), "FORBIDDEN");
    }
    let list = app.gql_as(&agent, PRIORITIES, json!({})).await;
    let list = &list["data"]["controlPriorities"];
    let nodes = list["nodes"].as_array().unwrap();
    assert_eq!(list["totalCount"].as_i64().unwrap() as usize, nodes.len());
    let latest = app.gql_as(&admin, "{ latestScoringRun { cooperatives } }", json!({})).await;
    assert_eq!(latest["data"]["latestScoringRun"]["cooperatives"].as_i64().unwrap() as usize, nodes.len());
    for (n, node) in nodes.iter().enumerate() {
        assert_eq!(node["rank"].as_i64().unwrap() as usize, n + 1);
        assert!(node["reasons"].as_array().unwrap().iter().all(|r| !r["message"].as_str().unwrap().is_empty()));
    }
    assert!(!nodes[0]["reasons"].as_array().unwrap().is_empty(), "the first rank says why: {}", nodes[0]);
    assert!(nodes.windows(2).all(|w| w[0]["risk"].as_f64() >= w[1]["risk"].as_f64()));
    let souss = app.gql_as(&agent, PRIORITIES, json!({ "r": "09" })).await;
    let souss = souss["data"]["controlPriorities"]["nodes"].as_array().unwrap().clone();
    assert!(!souss.is_empty() && souss.iter().all(|n| n["cooperative"]["region"]["code"] == "09"));
    assert_eq!(souss[0]["rank"], 1, "ranks count within the filtered list");
    let unknown = app.gql_as(&agent, PRIORITIES, json!({ "r": "99" })).await;
    assert_eq!(error_code(&unknown), "REGION_NOT_FOUND");

    // Grades are not public unless the office says so.
    let grade =
        app.gql("query($id: ID!) { cooperativeGrade(cooperativeId: $id) { grade } }", json!({ "id": own })).await;
    assert_eq!(grade["data"]["cooperativeGrade"], Value::Null);
    // Nor are runs or model drafts.
    assert_eq!(
        error_code(&app.gql_as(&manager, "{ latestScoringRun { cooperatives } }", json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(error_code(&app.gql_as(&manager, "{ scoringModels { version } }", json!({})).await), "FORBIDDEN");
    assert_eq!(error_code(&app.gql_as(&manager, RUN, json!({})).await), "FORBIDDEN");
}
on_both_backends!(each_role_sees_only_what_it_may);

async fn grades_are_public_when_configured(app: TestApp) {
    let admin = app.login_as("admin").await;
    let own = app.cooperative_id("tighanimine").await;
    let grade = app
        .gql(
            "query($id: ID!) { cooperativeGrade(cooperativeId: $id) { grade modelVersion asOf } }",
            json!({ "id": own }),
        )
        .await;
    let current = score(&app, &admin, &own).await["current"].clone();
    assert_eq!(grade["data"]["cooperativeGrade"]["grade"], current["grade"]);
    assert_eq!(grade["data"]["cooperativeGrade"]["modelVersion"], 1);
}
on_both_backends!(grades_are_public_when_configured, crate::helpers::Options::with(|c| c.scoring.public_grades = true));

async fn controls_keep_who_when_and_why(app: TestApp) {
    let (admin, agent, manager) =
        (app.login_as("admin").await, app.login_as("agent").await, app.login_as("manager").await);
    let own = app.cooperative_id("tighanimine").await;
    let count = || async {
        let body = app
            .gql_as(&admin, "query($c: ID) { controls(cooperativeId: $c) { totalCount } }", json!({ "c": own }))
            .await;
        body["data"]["controls"]["totalCount"].as_i64().unwrap()
    };
    let before = count().await;
    let plan = |extra: Value| {
        let mut input = json!({ "cooperativeId": own, "kind": "ROUTINE", "reason": "yearly", "plannedFor": (today() + Duration::days(7)).to_string() });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({ "i": input })
    };
    let bad = app.gql_as(&agent, PLAN, plan(json!({ "kind": "AD_HOC" }))).await;
    assert_eq!(error_codes(&bad, "controlPlan"), vec!["REQUIRED"]);
    assert_eq!(bad["data"]["controlPlan"]["userErrors"][0]["field"], json!(["input", "triggerEvent"]));
    let past = app.gql_as(&agent, PLAN, plan(json!({ "plannedFor": (today() - Duration::days(1)).to_string() }))).await;
    assert_eq!(error_codes(&past, "controlPlan"), vec!["OUT_OF_RANGE"]);
    let nobody = app.gql_as(&agent, PLAN, plan(json!({ "assigneeEmail": "customer@demo.taawun.ma" }))).await;
    assert_eq!(error_codes(&nobody, "controlPlan"), vec!["ACCOUNT_NOT_FOUND"]);
    assert_eq!(error_code(&app.gql_as(&manager, PLAN, plan(json!({}))).await), "FORBIDDEN");
    assert_eq!(count().await, before, "refused plans leave nothing behind");

    let planned = app.gql_as(&agent, PLAN, plan(json!({}))).await;
    let control = ok_payload(&planned, "controlPlan")["control"].clone();
    assert_eq!(control["status"], "PLANNED");
    let unassigned =
        app.gql_as(&agent, COMPLETE, json!({ "i": { "id": control["id"], "heldOn": today().to_string() } })).await;
    assert_eq!(error_code(&unassigned), "FORBIDDEN", "only the assigned agent records the outcome");
    let assigned = app
        .gql_as(
            &admin,
            ASSIGN,
            json!({ "i": { "id": control["id"], "assigneeEmail": "agent@demo.taawun.ma", "reason": "closest agent" } }),
        )
        .await;
    assert_eq!(ok_payload(&assigned, "controlAssign")["control"]["status"], "ASSIGNED");
    let early = app
        .gql_as(
            &agent,
            COMPLETE,
            json!({ "i": { "id": control["id"], "heldOn": today().to_string(), "findings": [{
            "category": "FILINGS", "severity": "LOW", "description": "late filing", "correctiveAction": "file",
            "deadline": (today() - Duration::days(1)).to_string() }] } }),
        )
        .await;
    assert_eq!(error_codes(&early, "controlComplete"), vec!["OUT_OF_RANGE"]);
    // The last day a date can hold, plus a year, is refused, not a panic.
    let far = app
        .gql_as(
            &agent,
            COMPLETE,
            json!({ "i": { "id": control["id"], "heldOn": "+262142-12-31", "findings": [{
            "category": "FILINGS", "severity": "LOW", "description": "x", "correctiveAction": "y",
            "deadline": "+262142-12-31" }] } }),
        )
        .await;
    assert!(far.get("errors").is_some() || !error_codes(&far, "controlComplete").is_empty(), "{far}");
    assert_eq!(early["data"]["controlComplete"]["control"]["status"], "ASSIGNED", "the control as it still is");
    let done = app
        .gql_as(
            &agent,
            COMPLETE,
            json!({ "i": { "id": control["id"], "heldOn": today().to_string(), "note": "all in order" } }),
        )
        .await;
    let done = ok_payload(&done, "controlComplete")["control"].clone();
    assert_eq!((done["status"].clone(), done["outcome"].clone()), (json!("COMPLETED"), json!("NO_FINDINGS")));
    assert_eq!(
        done["history"],
        json!([
            { "action": "PLANNED", "reason": "yearly", "actorEmail": "agent@demo.taawun.ma" },
            { "action": "ASSIGNED", "reason": "closest agent", "actorEmail": "admin@demo.taawun.ma" },
            { "action": "COMPLETED", "reason": "all in order", "actorEmail": "agent@demo.taawun.ma" },
        ])
    );
    let twice =
        app.gql_as(&agent, COMPLETE, json!({ "i": { "id": control["id"], "heldOn": today().to_string() } })).await;
    assert_eq!(error_codes(&twice, "controlComplete"), vec!["INVALID_TRANSITION"]);

    // The demo's overdue corrective action has one follow-up, however many runs follow.
    let other = app.cooperative_id("tissage-taznakht").await;
    const FOLLOW_UPS: &str =
        "query($c: ID) { controls(cooperativeId: $c) { nodes { kind followsFinding { id severity } } } }";
    let follow_ups = || async {
        let body = app.gql_as(&agent, FOLLOW_UPS, json!({ "c": other })).await;
        body["data"]["controls"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "FOLLOW_UP")
            .cloned()
            .collect::<Vec<Value>>()
    };
    let first = follow_ups().await;
    assert_eq!(first.len(), 1, "{first:?}");
    run(&app, &admin).await;
    assert_eq!(follow_ups().await.len(), 1);
    let finding = first[0]["followsFinding"]["id"].clone();
    const RESOLVE: &str = "mutation($i: FindingResolveInput!) { findingResolve(input: $i) { finding { status resolutionNote } userErrors { code } } }";
    let resolved =
        app.gql_as(&agent, RESOLVE, json!({ "i": { "id": finding, "note": "relabelled, seen on site" } })).await;
    assert_eq!(ok_payload(&resolved, "findingResolve")["finding"]["status"], "RESOLVED");
    let again = app.gql_as(&agent, RESOLVE, json!({ "i": { "id": finding, "note": "again" } })).await;
    assert_eq!(error_codes(&again, "findingResolve"), vec!["INVALID_TRANSITION"]);
    assert_eq!(error_code(&app.gql_as(&manager, FOLLOW_UPS, json!({ "c": own })).await), "FORBIDDEN");
}
on_both_backends!(controls_keep_who_when_and_why);
