//! The register over HTTP: creation applications from draft to registration and each way they
//! are refused, personal data by role, filings against the configured deadlines, the national
//! figures against counts made here, the public extract and the CSV import.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const APPLICATION_FIELDS: &str = "id status legalForm nameFr nameAr capital { amount } capitalPaid { amount }
    founders { position fullName nationalId sharesSubscribed amountPaid { amount } }
    documents { documentType fileName contentType size sha256 }
    history { fromStatus toStatus actorId reason at }
    registrationNumber";

fn create_mutation() -> String {
    format!(
        "mutation($i: RegistrationApplicationCreateInput!) {{ registrationApplicationCreate(input: $i) {{ application {{ {APPLICATION_FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($i: RegistrationApplicationUpdateInput!) {{ registrationApplicationUpdate(input: $i) {{ application {{ {APPLICATION_FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn transition_mutation() -> String {
    format!(
        "mutation($i: RegistrationApplicationTransitionInput!) {{ registrationApplicationTransition(input: $i) {{ application {{ {APPLICATION_FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn founder(i: usize, shares: i32, paid: &str) -> Value {
    let born = today() - Duration::days(365 * (25 + i as i64));
    json!({
        "fullName": format!("Fondatrice {i}"), "nationalId": format!("JB{:06}", 400_100 + i),
        "gender": if i.is_multiple_of(2) { "FEMALE" } else { "MALE" }, "birthDate": born.to_string(),
        "role": if i == 0 { "PRESIDENT" } else { "MEMBER" }, "sharesSubscribed": shares, "amountPaid": paid
    })
}

fn founders(n: usize, shares: i32, paid: &str) -> Value {
    Value::Array((0..n).map(|i| founder(i, shares, paid)).collect())
}

fn application_input(name_fr: &str, name_ar: &str, founders: Value) -> Value {
    json!({ "i": {
        "nameFr": name_fr, "nameAr": name_ar, "regionCode": "09", "province": "Taroudant", "sectorCode": "argan",
        "address": "Douar Imi n'Tlit", "shareValue": "100.00", "founders": founders } })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app.gql_as(token, &create_mutation(), input).await;
    ok_payload(&body, "registrationApplicationCreate")["application"].clone()
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str, reason: Option<&str>) -> Value {
    app.gql_as(token, &transition_mutation(), json!({ "i": { "id": id, "action": action, "reason": reason } })).await
}

async fn application(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ registrationApplication(id: $id) {{ {APPLICATION_FIELDS} }} }}");
    app.gql_as(token, &q, json!({ "id": id })).await["data"]["registrationApplication"].clone()
}

/// A document sent with the GraphQL multipart request spec, built by hand so the test shows the wire format.
pub(crate) async fn upload(
    app: &TestApp,
    token: &str,
    application_id: &str,
    doc_type: &str,
    bytes: &[u8],
    mime: &str,
) -> Value {
    let boundary = "----taawun-test-boundary";
    let operations = json!({
        "query": "mutation($i: RegistryDocumentUploadInput!) { registryDocumentUpload(input: $i) { document { id documentType fileName size sha256 contentType } userErrors { field message code } } }",
        "variables": { "i": { "applicationId": application_id, "documentType": doc_type, "file": null } }
    });
    let mut body = Vec::new();
    for (name, value) in
        [("operations", operations.to_string()), ("map", json!({ "0": ["variables.i.file"] }).to_string())]
    {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{}.pdf\"\r\nContent-Type: {mime}\r\n\r\n",
            doc_type.to_lowercase()
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

pub(crate) fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

async fn attach_required_documents(app: &TestApp, token: &str, id: &str) {
    for doc in ["STATUTES", "CONSTITUTIVE_MINUTES", "BANK_CERTIFICATE"] {
        let body = upload(app, token, id, doc, &pdf(doc), "application/pdf").await;
        let document = &ok_payload(&body, "registryDocumentUpload")["document"];
        assert_eq!(document["documentType"], doc);
        assert_eq!(document["sha256"].as_str().unwrap().len(), 64);
    }
}

async fn creation_from_draft_to_registered(app: TestApp) {
    let applicant = app.login_as("customer").await;
    let agent = app.login_as("agent").await;
    let draft = create(
        &app,
        &applicant,
        application_input("Coopérative Tafrawt Amlal", "تعاونية تافراوت أملال", founders(5, 3, "100.00")),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["capital"]["amount"], "1500.00");

    let body = act(&app, &applicant, &id, "REQUEST_NAME", None).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "NAME_REQUESTED");
    let admin = app.login_as("admin").await;
    let log = "{ personalDataReads(first: 5) { totalCount nodes { applicationId cooperativeId fields memberCount } } }";
    assert_eq!(
        app.gql_as(&admin, log, json!({})).await["data"]["personalDataReads"]["totalCount"],
        0,
        "the applicant's own"
    );
    let body = act(&app, &agent, &id, "APPROVE_NAME", None).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "NAME_APPROVED");
    // The agent read the founders' national IDs: recorded against the application.
    let reads = app.gql_as(&admin, log, json!({})).await;
    assert_eq!(
        reads["data"]["personalDataReads"]["nodes"],
        json!([{ "applicationId": id, "cooperativeId": null, "fields": ["nationalId"], "memberCount": 5 }]),
        "{reads}"
    );

    // Filing before the documents are in is refused, and changes nothing.
    let body = act(&app, &applicant, &id, "FILE", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["DOCUMENTS_MISSING"]);
    assert_eq!(body["data"]["registrationApplicationTransition"]["userErrors"][0]["field"], json!(["documents"]));
    assert_eq!(application(&app, &applicant, &id).await["status"], "NAME_APPROVED");

    attach_required_documents(&app, &applicant, &id).await;
    let body = act(&app, &applicant, &id, "FILE", None).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "FILED");

    // Changes asked for need a reason; the applicant edits and files again.
    let body = act(&app, &agent, &id, "REQUEST_CHANGES", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["REQUIRED"]);
    let body = act(&app, &agent, &id, "REQUEST_CHANGES", Some("L'adresse du siège est incomplète")).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "CHANGES_REQUESTED");
    let body = app
        .gql_as(
            &applicant,
            &update_mutation(),
            json!({ "i": { "id": id, "address": "Douar Imi n'Tlit, commune Tioute, Taroudant" } }),
        )
        .await;
    ok_payload(&body, "registrationApplicationUpdate");
    let body = act(&app, &applicant, &id, "FILE", None).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "FILED");

    let body = act(&app, &agent, &id, "REGISTER", None).await;
    let registered = &ok_payload(&body, "registrationApplicationTransition")["application"];
    assert_eq!(registered["status"], "REGISTERED");
    let number = registered["registrationNumber"].as_str().unwrap().to_string();
    assert_eq!(number, format!("09/{}/00001", today().year()), "first number of the region's year");

    // Every transition is recorded: who, from, to, why.
    let history = registered["history"].as_array().unwrap();
    let steps: Vec<(Value, Value)> = history.iter().map(|e| (e["fromStatus"].clone(), e["toStatus"].clone())).collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("DRAFT")),
            (json!("DRAFT"), json!("NAME_REQUESTED")),
            (json!("NAME_REQUESTED"), json!("NAME_APPROVED")),
            (json!("NAME_APPROVED"), json!("FILED")),
            (json!("FILED"), json!("CHANGES_REQUESTED")),
            (json!("CHANGES_REQUESTED"), json!("FILED")),
            (json!("FILED"), json!("REGISTERED")),
        ]
    );
    assert_eq!(history[4]["reason"], "L'adresse du siège est incomplète");
    assert_ne!(history[2]["actorId"], history[1]["actorId"], "the agent decided, the applicant asked");

    // The register: public extract, and the founders are its members.
    let body = app
        .gql(
            "query($n: String!) { registryEntry(registrationNumber: $n) { registrationNumber nameFr legalForm status maySell province registrationDate region { code } sector { code } } }",
            json!({ "n": number }),
        )
        .await;
    let entry = &body["data"]["registryEntry"];
    assert_eq!(entry["nameFr"], "Coopérative Tafrawt Amlal");
    assert_eq!((entry["legalForm"].as_str(), entry["status"].as_str()), (Some("COOPERATIVE"), Some("ACTIVE")));
    assert_eq!(entry["maySell"], true);
    assert_eq!(entry["registrationDate"], today().to_string());
    assert_eq!(entry["region"]["code"], "09");
    let body = app
        .gql_as(
            &agent,
            "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 10) { totalCount nodes { fullName role nationalId } } } }",
            json!({ "n": number }),
        )
        .await;
    let members = &body["data"]["cooperativeRegister"]["members"];
    assert_eq!(members["totalCount"], 5, "{body}");
    assert_eq!(members["nodes"][0]["role"], "PRESIDENT");
    // The same cooperative entity the catalogue uses.
    let body = app.gql("{ registrySearch(name: \"tafrawt amlal\", regionCode: \"09\") { totalCount nodes { registrationNumber } } }", json!({})).await;
    assert_eq!(body["data"]["registrySearch"]["nodes"][0]["registrationNumber"], number.as_str(), "{body}");

    // The applicant is told by email, through the outbox.
    let wanted = number.clone();
    app.eventually("registration email", || {
        let files = app.mail_files();
        let wanted = wanted.clone();
        async move { files.iter().any(|m| m.contains(&wanted)) }
    })
    .await;

    // Nobody else learns the application exists; nothing moves after the decision.
    let other = app.login_as("other_manager").await;
    assert_eq!(application(&app, &other, &id).await, Value::Null);
    let body = act(&app, &applicant, &id, "WITHDRAW", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["INVALID_TRANSITION"]);
}
on_both_backends!(creation_from_draft_to_registered);

async fn creation_refusals(app: TestApp) {
    let applicant = app.login_as("customer").await;
    let agent = app.login_as("agent").await;

    // A share under 100 MAD, and names that are only generic words.
    let mut input = application_input("Coopérative", "تعاونية", founders(5, 3, "100.00"));
    input["i"]["shareValue"] = json!("50.00");
    let body = app.gql_as(&applicant, &create_mutation(), input).await;
    let fields: Vec<Value> = body["data"]["registrationApplicationCreate"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert!(fields.contains(&json!(["input", "shareValue"])), "{body}");
    assert!(fields.contains(&json!(["input", "nameFr"])), "{body}");
    assert_eq!(body["data"]["registrationApplicationCreate"]["application"], Value::Null);
    let listed = app.gql_as(&applicant, "{ registrationApplications { totalCount } }", json!({})).await;
    assert_eq!(listed["data"]["registrationApplications"]["totalCount"], 0, "nothing was written");

    // A national ID given twice: refused on the spot, the message never repeats the number.
    let app_id = create(
        &app,
        &applicant,
        application_input("Coopérative Ighil Ouzal", "تعاونية إغيل أوزال", founders(4, 3, "100.00")),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut dup = founders(5, 3, "100.00");
    dup[3]["nationalId"] = dup[1]["nationalId"].clone();
    let body = app.gql_as(&applicant, &update_mutation(), json!({ "i": { "id": app_id, "founders": dup } })).await;
    let errors = &body["data"]["registrationApplicationUpdate"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["input", "founders", "3", "nationalId"]), "{body}");
    let errors = body["data"]["registrationApplicationUpdate"]["userErrors"].to_string();
    assert!(!errors.contains("JB400101"), "the national ID is not echoed: {errors}");
    // Refused: the answer is the application as it still is.
    let unchanged = &body["data"]["registrationApplicationUpdate"]["application"];
    assert_eq!(unchanged["founders"].as_array().unwrap().len(), 4, "{body}");
    assert_eq!(application(&app, &applicant, &app_id).await["founders"].as_array().unwrap().len(), 4);

    // The applicant cannot approve their own name; an agent who applies cannot either.
    ok_payload(&act(&app, &applicant, &app_id, "REQUEST_NAME", None).await, "registrationApplicationTransition");
    let body = act(&app, &applicant, &app_id, "APPROVE_NAME", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["FORBIDDEN"]);
    let own = create(
        &app,
        &agent,
        application_input("Coopérative Tizi n'Test", "تعاونية تيزي نتاست", founders(5, 3, "100.00")),
    )
    .await;
    let own_id = own["id"].as_str().unwrap();
    ok_payload(&act(&app, &agent, own_id, "REQUEST_NAME", None).await, "registrationApplicationTransition");
    let body = act(&app, &agent, own_id, "APPROVE_NAME", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["FORBIDDEN"]);
    assert_eq!(application(&app, &agent, own_id).await["status"], "NAME_REQUESTED");

    // Four founders: the file cannot be filed.
    ok_payload(&act(&app, &agent, &app_id, "APPROVE_NAME", None).await, "registrationApplicationTransition");
    attach_required_documents(&app, &applicant, &app_id).await;
    let body = act(&app, &applicant, &app_id, "FILE", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["BAD_USER_INPUT"]);
    let message = body["data"]["registrationApplicationTransition"]["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("au moins 5 membres fondateurs"), "in the shop's default language, French: {message}");

    // Five founders with one share each: 500 MAD of capital, under the minimum.
    let body = app
        .gql_as(&applicant, &update_mutation(), json!({ "i": { "id": app_id, "founders": founders(5, 1, "25.00") } }))
        .await;
    ok_payload(&body, "registrationApplicationUpdate");
    let body = act(&app, &applicant, &app_id, "FILE", None).await;
    let errors = body["data"]["registrationApplicationTransition"]["userErrors"].as_array().unwrap().clone();
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap().contains("le minimum est de 1000.00 MAD")), "{body}");
    assert_eq!(application(&app, &applicant, &app_id).await["status"], "NAME_APPROVED");

    // Less than a quarter paid.
    let body = app
        .gql_as(&applicant, &update_mutation(), json!({ "i": { "id": app_id, "founders": founders(5, 4, "50.00") } }))
        .await;
    ok_payload(&body, "registrationApplicationUpdate");
    let body = act(&app, &applicant, &app_id, "FILE", None).await;
    let errors = &body["data"]["registrationApplicationTransition"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["founders", "0", "amountPaid"]), "{body}");

    // A near-duplicate of a registered name is flagged for the agent; an exact one cannot be approved.
    let near = create(
        &app,
        &applicant,
        application_input("Cooperative Tighanimin", "تعاونية تيغانيمن", founders(5, 3, "100.00")),
    )
    .await;
    let near_id = near["id"].as_str().unwrap();
    ok_payload(&act(&app, &applicant, near_id, "REQUEST_NAME", None).await, "registrationApplicationTransition");
    let body = app
        .gql_as(
            &agent,
            "query($id: ID!) { registrationApplication(id: $id) { nameMatches { name registrationNumber exact } } }",
            json!({ "id": near_id }),
        )
        .await;
    let matches = body["data"]["registrationApplication"]["nameMatches"].as_array().unwrap().clone();
    assert!(matches.iter().any(|m| m["name"] == "Coopérative Tighanimine" && m["exact"] == false), "{body}");
    let body = app
        .gql_as(
            &applicant,
            "query($id: ID!) { registrationApplication(id: $id) { nameMatches { name } } }",
            json!({ "id": near_id }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "only agents see matches: {body}");
    let same = create(
        &app,
        &applicant,
        application_input("COOPERATIVE TIGHANIMINE", "تعاونية تيغانيمين", founders(5, 3, "100.00")),
    )
    .await;
    let same_id = same["id"].as_str().unwrap();
    ok_payload(&act(&app, &applicant, same_id, "REQUEST_NAME", None).await, "registrationApplicationTransition");
    let body = act(&app, &agent, same_id, "APPROVE_NAME", None).await;
    assert_eq!(error_codes(&body, "registrationApplicationTransition"), ["NAME_TAKEN"]);
    let body = act(&app, &agent, same_id, "REJECT_NAME", Some("Nom déjà immatriculé")).await;
    assert_eq!(ok_payload(&body, "registrationApplicationTransition")["application"]["status"], "NAME_REJECTED");

    // A document over the size limit (2 KiB in this test), and one that is not what it claims.
    let big = pdf(&"x".repeat(3000));
    let body = upload(&app, &applicant, near_id, "STATUTES", &big, "application/pdf").await;
    assert_eq!(error_codes(&body, "registryDocumentUpload"), ["DOCUMENT_REJECTED"]);
    assert_eq!(body["data"]["registryDocumentUpload"]["userErrors"][0]["field"], json!(["input", "file"]));
    let body = upload(&app, &applicant, near_id, "STATUTES", b"MZ\x90\x00 not a pdf", "application/pdf").await;
    assert_eq!(error_codes(&body, "registryDocumentUpload"), ["DOCUMENT_REJECTED"]);
    // A PDF header in front of a web page is not a PDF.
    let page = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>";
    let body = upload(&app, &applicant, near_id, "STATUTES", page, "application/pdf").await;
    assert_eq!(error_codes(&body, "registryDocumentUpload"), ["DOCUMENT_REJECTED"]);
    // An application holds a bounded number of documents.
    let draft = create(
        &app,
        &applicant,
        application_input("Coopérative Tifawin Nour", "تعاونية تيفاوين نور", founders(5, 3, "100.00")),
    )
    .await;
    let draft_id = draft["id"].as_str().unwrap();
    for i in 0..30 {
        let body = upload(&app, &applicant, draft_id, "STATUTES", &pdf(&format!("copy {i}")), "application/pdf").await;
        ok_payload(&body, "registryDocumentUpload");
    }
    let body = upload(&app, &applicant, draft_id, "STATUTES", &pdf("one too many"), "application/pdf").await;
    assert_eq!(error_codes(&body, "registryDocumentUpload"), ["DOCUMENT_REJECTED"]);
    assert_eq!(application(&app, &applicant, draft_id).await["documents"].as_array().unwrap().len(), 30);
    assert_eq!(application(&app, &applicant, near_id).await["documents"], json!([]));
}
on_both_backends!(creation_refusals, crate::helpers::Options::with(|c| c.registry.max_document_bytes = 2048));

/// The demo's Tighanimine cooperative (managed by the demo `manager`).
async fn tighanimine_number(app: &TestApp) -> String {
    let body = app.gql("{ cooperative(slug: \"tighanimine\") { registrationNumber } }", json!({})).await;
    body["data"]["cooperative"]["registrationNumber"].as_str().unwrap().to_string()
}

async fn personal_data_by_role(app: TestApp) {
    let number = tighanimine_number(&app).await;
    let query = "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 50) { nodes { fullName nationalId birthDate phone } } } }";
    let mut national_ids = Vec::new();
    for who in ["manager", "agent", "admin"] {
        let token = app.login_as(who).await;
        let body = app.gql_as(&token, query, json!({ "n": number })).await;
        assert!(body.get("errors").is_none(), "{who}: {body}");
        let nodes = body["data"]["cooperativeRegister"]["members"]["nodes"].as_array().unwrap().clone();
        assert!(nodes.len() >= 5, "{who}: {body}");
        assert!(nodes.iter().all(|m| m["nationalId"].as_str().is_some_and(|id| id.starts_with('J'))), "{who}: {body}");
        national_ids = nodes.iter().map(|m| m["nationalId"].as_str().unwrap().to_string()).collect();
    }
    for who in [None, Some("customer"), Some("other_manager")] {
        let token = match who {
            Some(w) => Some(app.login_as(w).await),
            None => None,
        };
        let body = app.gql_with(token.as_deref(), &[], query, json!({ "n": number })).await;
        assert_eq!(body["data"]["cooperativeRegister"], Value::Null, "{who:?}: {body}");
        let code = body["errors"][0]["extensions"]["code"].as_str().unwrap();
        assert_eq!(code, if who.is_none() { "UNAUTHENTICATED" } else { "FORBIDDEN" }, "{who:?}: {body}");
        assert!(national_ids.iter().all(|id| !body.to_string().contains(id.as_str())), "{who:?}: {body}");
    }

    // The public extract and search have no personal field at all, and never carry one.
    let body = app
        .gql("query($n: String!) { registryEntry(registrationNumber: $n) { nationalId } }", json!({ "n": number }))
        .await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("nationalId"), "{body}");
    let body = app
        .gql(
            "query($n: String!) { registryEntry(registrationNumber: $n) { registrationNumber nameAr nameFr legalForm status province registrationDate statusSince region { code } sector { code } } registrySearch(name: \"tighanimine\") { nodes { registrationNumber nameFr } } }",
            json!({ "n": number }),
        )
        .await;
    assert_eq!(body["data"]["registryEntry"]["registrationNumber"], number.as_str());
    assert_eq!(body["data"]["registrySearch"]["nodes"][0]["registrationNumber"], number.as_str());
    for id in &national_ids {
        assert!(!body.to_string().contains(id.as_str()), "{body}");
        // Searching the register by a national ID finds nothing.
        let found = app.gql("query($q: String!) { registrySearch(name: $q) { totalCount } }", json!({ "q": id })).await;
        assert_eq!(found["data"]["registrySearch"]["totalCount"], 0, "{found}");
    }

    // Each read by the office is recorded; the managers' own reads are theirs.
    let admin = app.login_as("admin").await;
    let body = app
        .gql_as(&admin, "query($n: String) { personalDataReads(registrationNumber: $n) { totalCount nodes { fields memberCount } } }", json!({ "n": number }))
        .await;
    let reads = &body["data"]["personalDataReads"];
    assert_eq!(reads["totalCount"], 2, "the agent's read and the administrator's: {body}");
    assert_eq!(reads["nodes"][0]["fields"], json!(["birthDate", "nationalId", "phone"]));
    let agent = app.login_as("agent").await;
    let body = app.gql_as(&agent, "{ personalDataReads { totalCount } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    // Reading names only is not a read of personal data.
    app.gql_as(
        &agent,
        "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members { nodes { fullName role } } } }",
        json!({ "n": number }),
    )
    .await;
    let body = app
        .gql_as(
            &admin,
            "query($n: String) { personalDataReads(registrationNumber: $n) { totalCount } }",
            json!({ "n": number }),
        )
        .await;
    assert_eq!(body["data"]["personalDataReads"]["totalCount"], 2);

    // Whatever operation answers the fields, an agent's read is recorded: a `memberUpdate`
    // that changes nothing, a member by id, its phone alone.
    let members = app
        .gql_as(
            &agent,
            "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 3) { nodes { id } } } }",
            json!({ "n": number }),
        )
        .await;
    let ids: Vec<Value> = members["data"]["cooperativeRegister"]["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    let update = "mutation($i: MemberUpdateInput!) { memberUpdate(input: $i) { member { nationalId birthDate } userErrors { code } } }";
    let body = app.gql_as(&agent, update, json!({ "i": { "id": ids[0] } })).await;
    assert!(body["data"]["memberUpdate"]["member"]["nationalId"].is_string(), "{body}");
    let body = app
        .gql_as(&agent, "query($id: ID!) { node(id: $id) { ... on Member { phone } } }", json!({ "id": ids[1] }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let log = "query($n: String) { personalDataReads(registrationNumber: $n, first: 10) { totalCount nodes { fields memberCount } } }";
    let body = app.gql_as(&admin, log, json!({ "n": number })).await;
    let reads = &body["data"]["personalDataReads"];
    assert_eq!(reads["totalCount"], 4, "{body}");
    assert_eq!(reads["nodes"][0]["fields"], json!(["phone"]), "newest first: {body}");
    assert_eq!(reads["nodes"][1]["fields"], json!(["birthDate", "nationalId"]), "{body}");
    // The cooperative's own manager reads without a trace.
    let manager = app.login_as("manager").await;
    app.gql_as(&manager, update, json!({ "i": { "id": ids[2] } })).await;
    assert_eq!(app.gql_as(&admin, log, json!({ "n": number })).await["data"]["personalDataReads"]["totalCount"], 4);
}
on_both_backends!(personal_data_by_role);

const FILE: &str = "mutation($i: AnnualFilingSubmitInput!) { annualFilingSubmit(input: $i) { filing { fiscalYear assemblyDate filedOn turnover { amount } } userErrors { field message code } } }";
const COMPLIANCE: &str = "query($n: String!) { cooperativeRegister(registrationNumber: $n) { filingCompliance(years: 3) { fiscalYear status assemblyDeadline finalDeadline filing { filedOn } } } }";

fn filing(number: &str, year: i32, assembly: NaiveDate, filed_on: Option<NaiveDate>) -> Value {
    json!({ "i": { "registrationNumber": number, "fiscalYear": year, "assemblyDate": assembly.to_string(),
        "filedOn": filed_on.map(|d| d.to_string()), "turnover": "480000.00", "result": "-1250.50", "equity": "90000.00",
        "debts": "12000.00", "membersAtYearEnd": 12, "employeesAtYearEnd": 2 } })
}

/// A demo cooperative with no filing at all (one in seven of them), found through the office's list.
async fn cooperative_without_filings(app: &TestApp, agent: &str) -> String {
    let year = today().year() - 3;
    let body = app
        .gql_as(
            agent,
            "query($y: Int!) { missingFilings(fiscalYear: $y, first: 50) { totalCount nodes { registrationNumber } } }",
            json!({ "y": year }),
        )
        .await;
    let nodes = body["data"]["missingFilings"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}")).clone();
    assert!(!nodes.is_empty(), "{body}");
    nodes[0]["registrationNumber"].as_str().unwrap().to_string()
}

async fn filings_on_time_late_and_missing(app: TestApp) {
    let agent = app.login_as("agent").await;
    let number = cooperative_without_filings(&app, &agent).await;
    let (y1, y2, y3) = (today().year() - 3, today().year() - 2, today().year() - 1);
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();

    // Assembly by 30 June, statements within 30 days of it (the defaults).
    let body = app.gql_as(&agent, FILE, filing(&number, y1, date(y1 + 1, 6, 10), Some(date(y1 + 1, 7, 1)))).await;
    ok_payload(&body, "annualFilingSubmit");
    let body = app.gql_as(&agent, FILE, filing(&number, y2, date(y2 + 1, 6, 10), Some(date(y2 + 1, 8, 20)))).await;
    ok_payload(&body, "annualFilingSubmit");
    // A second filing for the same year, or a year not over yet, is refused.
    let body = app.gql_as(&agent, FILE, filing(&number, y2, date(y2 + 1, 6, 10), None)).await;
    assert_eq!(error_codes(&body, "annualFilingSubmit"), ["ALREADY_FILED"]);
    let body = app.gql_as(&agent, FILE, filing(&number, today().year(), today(), None)).await;
    assert!(error_codes(&body, "annualFilingSubmit").iter().all(|c| c == "BAD_USER_INPUT"));
    assert_eq!(body["data"]["annualFilingSubmit"]["userErrors"][0]["field"], json!(["input", "fiscalYear"]));

    let body = app.gql_as(&agent, COMPLIANCE, json!({ "n": number })).await;
    let rows = body["data"]["cooperativeRegister"]["filingCompliance"].as_array().unwrap().clone();
    let status_of =
        |y: i32| rows.iter().find(|r| r["fiscalYear"] == y).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!(status_of(y1), "ON_TIME", "{body}");
    assert_eq!(status_of(y2), "LATE", "{body}");
    let y3_final = date(y3 + 1, 6, 30) + Duration::days(30);
    assert_eq!(status_of(y3), if today() > y3_final { "MISSING" } else { "NOT_YET_DUE" }, "{body}");
    assert_eq!(rows[0]["finalDeadline"], y3_final.to_string());

    // The office's list by region counts the cooperatives that owe the year and those missing.
    let body = app
        .gql_as(
            &agent,
            "query($y: Int!) { missingFilingsByRegion(fiscalYear: $y) { region { code } expected missing } }",
            json!({ "y": y1 }),
        )
        .await;
    let regions = body["data"]["missingFilingsByRegion"].as_array().unwrap().clone();
    let missing: i64 = regions.iter().map(|r| r["missing"].as_i64().unwrap()).sum();
    let listed = app
        .gql_as(&agent, "query($y: Int!) { missingFilings(fiscalYear: $y) { totalCount } }", json!({ "y": y1 }))
        .await;
    assert_eq!(listed["data"]["missingFilings"]["totalCount"].as_i64().unwrap(), missing, "{body}");
    let customer = app.login_as("customer").await;
    let body = app
        .gql_as(&customer, "query($y: Int!) { missingFilings(fiscalYear: $y) { totalCount } }", json!({ "y": y1 }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Managers file for their own cooperative only, dated today; paper dates are the office's.
    let manager = app.login_as("manager").await;
    let own = tighanimine_number(&app).await;
    let body = app.gql_as(&manager, FILE, filing(&number, y3, date(y3 + 1, 6, 1), None)).await;
    assert_eq!(error_codes(&body, "annualFilingSubmit"), ["FORBIDDEN"]);
    let body = app.gql_as(&manager, FILE, filing(&own, y3, date(y3 + 1, 6, 1), Some(date(y3 + 1, 6, 5)))).await;
    assert!(error_codes(&body, "annualFilingSubmit").contains(&"BAD_USER_INPUT".to_string()));
}
on_both_backends!(filings_on_time_late_and_missing);

/// With a later assembly deadline and a longer delay, the same dates are on time and not yet due.
async fn filing_deadlines_come_from_configuration(app: TestApp) {
    let agent = app.login_as("agent").await;
    let number = cooperative_without_filings(&app, &agent).await;
    let y2 = today().year() - 2;
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let body = app.gql_as(&agent, FILE, filing(&number, y2, date(y2 + 1, 6, 10), Some(date(y2 + 1, 8, 20)))).await;
    ok_payload(&body, "annualFilingSubmit");
    let body = app.gql_as(&agent, COMPLIANCE, json!({ "n": number })).await;
    let rows = body["data"]["cooperativeRegister"]["filingCompliance"].as_array().unwrap().clone();
    let status_of =
        |y: i32| rows.iter().find(|r| r["fiscalYear"] == y).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!(status_of(y2), "ON_TIME", "{body}");
    assert_eq!(status_of(y2 + 1), "NOT_YET_DUE", "{body}");
}
on_both_backends!(
    filing_deadlines_come_from_configuration,
    crate::helpers::Options::with(|c| {
        c.registry.assembly_deadline = "12-31".into();
        c.registry.statements_within_days = 120;
    })
);

async fn tighanimine_products(app: &TestApp) -> Value {
    let id = app.cooperative_id("tighanimine").await;
    let body = app
        .gql("query($c: ID!) { products(first: 100, filter: { cooperative: $c }) { totalCount } }", json!({ "c": id }))
        .await;
    body["data"]["products"]["totalCount"].clone()
}

async fn register_status_lifecycle(app: TestApp) {
    let agent = app.login_as("agent").await;
    let number = tighanimine_number(&app).await;
    let change = "mutation($i: CooperativeStatusChangeInput!) { cooperativeStatusChange(input: $i) { entry { status maySell dissolvedOn } userErrors { field message code } } }";
    let customer = app.login_as("customer").await;
    let body = app
        .gql_as(
            &customer,
            change,
            json!({ "i": { "registrationNumber": number, "status": "NON_COMPLIANT", "reason": "x" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "cooperativeStatusChange"), ["FORBIDDEN"]);
    let body = app
        .gql_as(
            &agent,
            change,
            json!({ "i": { "registrationNumber": number, "status": "STRUCK_OFF", "reason": "test" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "cooperativeStatusChange"), ["INVALID_TRANSITION"]);
    let body = app
        .gql_as(
            &agent,
            change,
            json!({ "i": { "registrationNumber": number, "status": "NON_COMPLIANT", "reason": "" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "cooperativeStatusChange"), ["REQUIRED"]);

    let before = tighanimine_products(&app).await;
    assert!(before.as_i64().unwrap() > 0);
    let body = app.gql_as(&agent, change, json!({ "i": { "registrationNumber": number, "status": "NON_COMPLIANT", "reason": "Comptes non déposés" } })).await;
    let entry = &ok_payload(&body, "cooperativeStatusChange")["entry"];
    assert_eq!((entry["status"].as_str(), entry["maySell"].as_bool()), (Some("NON_COMPLIANT"), Some(false)));
    let after = tighanimine_products(&app).await;
    assert_ne!(before, after, "a non-compliant cooperative's products leave the shop: {before} {after}");
    let body = app
        .gql_as(
            &agent,
            change,
            json!({ "i": { "registrationNumber": number, "status": "ACTIVE", "reason": "Comptes déposés" } }),
        )
        .await;
    ok_payload(&body, "cooperativeStatusChange");
    let body = app
        .gql_as(&agent, "query($n: String!) { cooperativeRegister(registrationNumber: $n) { statusHistory { fromStatus toStatus reason } } }", json!({ "n": number }))
        .await;
    let history = body["data"]["cooperativeRegister"]["statusHistory"].as_array().unwrap().clone();
    assert_eq!(history.len(), 3, "entered, non-compliant, active again: {body}");
    assert_eq!(history[1]["reason"], "Comptes non déposés");
    assert_eq!(tighanimine_products(&app).await, before);
}
on_both_backends!(register_status_lifecycle);

#[derive(diesel::QueryableByName)]
struct MemberFact {
    #[diesel(sql_type = diesel::sql_types::Text)]
    region: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sector: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    legal_form: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    registered: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    dissolved: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    member: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    gender: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    birth: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    employee: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    joined: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    left: Option<NaiveDate>,
}

/// Counts made here, row by row, from the tables: (cooperatives, members, women, young, jobs) per key.
fn count_by_hand(
    facts: &[MemberFact],
    as_of: NaiveDate,
    key: impl Fn(&MemberFact) -> String,
) -> std::collections::BTreeMap<String, [i64; 5]> {
    let mut out: std::collections::BTreeMap<String, [i64; 5]> = Default::default();
    for f in facts {
        if f.registered > as_of || f.dissolved.is_some_and(|d| d <= as_of) {
            continue;
        }
        let cell = out.entry(key(f)).or_default();
        if f.member.is_none() || f.joined.is_some_and(|j| j > as_of) || f.left.is_some_and(|l| l <= as_of) {
            continue;
        }
        cell[1] += 1;
        if f.gender.as_deref() == Some("F") {
            cell[2] += 1;
        }
        // Young: under 35 on the day, computed from the birthday.
        if let Some(b) = f.birth {
            let mut age = as_of.year() - b.year();
            if (as_of.month(), as_of.day()) < (b.month(), b.day()) {
                age -= 1;
            }
            if age < 35 {
                cell[3] += 1;
            }
        }
        if f.employee == Some(true) {
            cell[4] += 1;
        }
    }
    out
}

/// What a breakdown groups by.
type Key<T> = Box<dyn Fn(&T) -> String>;

#[derive(diesel::QueryableByName)]
struct CooperativeFact {
    #[diesel(sql_type = diesel::sql_types::Text)]
    region: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sector: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    legal_form: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    registered: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    dissolved: Option<NaiveDate>,
}

async fn national_figures_match_counts_made_by_hand(app: TestApp) {
    let as_of = today();
    let yesterday = as_of - Duration::days(1);
    let spec = taawun::seed::national::NationalSpec {
        cooperatives: 600,
        members: 7_000,
        women: 2_400,
        young: 160,
        as_of: yesterday,
        filing_years: 2,
        seed: 7,
    };
    {
        let mut conn = app.db.conn().unwrap();
        taawun::seed::national::seed(&mut conn, &app.config.registry, &spec, |_, _| {}).unwrap();
    }
    // Figures are cached per version of the register: computed once here, they must follow the changes below.
    let before = app.gql("{ nationalFigures { cooperatives members } }", json!({})).await;
    assert_eq!(before["data"]["nationalFigures"]["cooperatives"], spec.cooperatives, "{before}");

    // Life goes on: a member leaves, a cooperative is dissolved.
    let agent = app.login("registry-admin@test.taawun.ma", "registry-admin-password").await;
    let search =
        app.gql("{ registrySearch(regionCode: \"09\", first: 2) { nodes { registrationNumber } } }", json!({})).await;
    let dissolved = search["data"]["registrySearch"]["nodes"][0]["registrationNumber"].as_str().unwrap().to_string();
    let leaving_from = search["data"]["registrySearch"]["nodes"][1]["registrationNumber"].as_str().unwrap().to_string();
    let change =
        "mutation($i: CooperativeStatusChangeInput!) { cooperativeStatusChange(input: $i) { userErrors { message } } }";
    for status in ["UNDER_CONTROL", "DISSOLVED"] {
        let body = app
            .gql_as(
                &agent,
                change,
                json!({ "i": { "registrationNumber": dissolved, "status": status, "reason": "Contrôle" } }),
            )
            .await;
        ok_payload(&body, "cooperativeStatusChange");
    }
    let body = app
        .gql_as(&agent, "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 1) { nodes { id joinedOn } } } }", json!({ "n": leaving_from }))
        .await;
    let member = body["data"]["cooperativeRegister"]["members"]["nodes"][0].clone();
    let body = app
        .gql_as(
            &agent,
            "mutation($i: MemberUpdateInput!) { memberUpdate(input: $i) { member { leftOn } userErrors { message } } }",
            json!({ "i": { "id": member["id"], "leftOn": as_of.to_string() } }),
        )
        .await;
    ok_payload(&body, "memberUpdate");

    let figures_query = "query($d: Date) { nationalFigures(asOf: $d) { asOf cooperatives members women young jobs
        byRegion { region { code } cooperatives members women young jobs }
        bySector { sector { code } cooperatives members women young jobs }
        byLegalForm { legalForm cooperatives members women young jobs }
        registrationsByYear { year registrations } } }";

    // The generated totals hold exactly on their day (the departure and the dissolution are today).
    let body = app.gql(figures_query, json!({ "d": yesterday.to_string() })).await;
    let f = &body["data"]["nationalFigures"];
    let born_young_yesterday = f["young"].as_i64().unwrap();
    assert_eq!(f["cooperatives"], spec.cooperatives, "{body}");
    assert_eq!(f["members"], spec.members);
    assert_eq!(f["women"], spec.women);
    assert_eq!(born_young_yesterday, spec.young as i64);

    // Counted by hand from the rows, on several dates.
    let (members, cooperatives): (Vec<MemberFact>, Vec<CooperativeFact>) = {
        use diesel::RunQueryDsl;
        let mut conn = app.db.conn().unwrap();
        let members = diesel::sql_query(
            "SELECT r.code AS region, s.code AS sector, e.legal_form AS legal_form, e.registration_date AS registered, \
             e.dissolved_on AS dissolved, m.id AS member, m.gender AS gender, m.birth_date AS birth, m.is_employee AS employee, \
             m.joined_on AS joined, m.left_on AS left \
             FROM register_entries e JOIN cooperatives c ON c.id = e.cooperative_id JOIN regions r ON r.id = c.region_id \
             JOIN sectors s ON s.id = c.sector_id JOIN members m ON m.cooperative_id = c.id",
        )
        .load(&mut *conn)
        .unwrap();
        let cooperatives = diesel::sql_query(
            "SELECT r.code AS region, s.code AS sector, e.legal_form AS legal_form, e.registration_date AS registered, \
             e.dissolved_on AS dissolved FROM register_entries e JOIN cooperatives c ON c.id = e.cooperative_id \
             JOIN regions r ON r.id = c.region_id JOIN sectors s ON s.id = c.sector_id",
        )
        .load(&mut *conn)
        .unwrap();
        (members, cooperatives)
    };
    for day in [as_of, yesterday, NaiveDate::from_ymd_opt(2012, 6, 30).unwrap()] {
        let body = app.gql(figures_query, json!({ "d": day.to_string() })).await;
        let f = &body["data"]["nationalFigures"];
        let keys: [(&str, &str, Key<MemberFact>, Key<CooperativeFact>); 3] = [
            ("byRegion", "region", Box::new(|m| m.region.clone()), Box::new(|c| c.region.clone())),
            ("bySector", "sector", Box::new(|m| m.sector.clone()), Box::new(|c| c.sector.clone())),
            ("byLegalForm", "legalForm", Box::new(|m| m.legal_form.clone()), Box::new(|c| c.legal_form.clone())),
        ];
        let mut total = [0i64; 5];
        for (field, key, member_key, cooperative_key) in keys {
            let mut expected = count_by_hand(&members, day, member_key);
            for c in &cooperatives {
                if c.registered <= day && c.dissolved.is_none_or(|d| d > day) {
                    expected.entry(cooperative_key(c)).or_default()[0] += 1;
                }
            }
            let got: std::collections::BTreeMap<String, [i64; 5]> = f[field]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    let k = if key == "legalForm" {
                        row[key].as_str().unwrap().to_string()
                    } else {
                        row[key]["code"].as_str().unwrap().to_string()
                    };
                    let n = |name: &str| row[name].as_i64().unwrap();
                    (k, [n("cooperatives"), n("members"), n("women"), n("young"), n("jobs")])
                })
                .collect();
            let expected: std::collections::BTreeMap<String, [i64; 5]> =
                expected.into_iter().filter(|(_, v)| v[0] > 0).collect();
            assert_eq!(got, expected, "{field} on {day}");
            if field == "byRegion" {
                total = expected.values().fold([0; 5], |mut acc, v| {
                    (0..5).for_each(|i| acc[i] += v[i]);
                    acc
                });
            }
        }
        let n = |name: &str| f[name].as_i64().unwrap();
        assert_eq!([n("cooperatives"), n("members"), n("women"), n("young"), n("jobs")], total, "totals on {day}");
        let mut per_year: std::collections::BTreeMap<i32, i64> = Default::default();
        for c in cooperatives.iter().filter(|c| c.registered <= day) {
            *per_year.entry(c.registered.year()).or_default() += 1;
        }
        let got: std::collections::BTreeMap<i32, i64> = f["registrationsByYear"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["year"].as_i64().unwrap() as i32, r["registrations"].as_i64().unwrap()))
            .collect();
        assert_eq!(got, per_year, "registrations per year on {day}");
    }
    // Today: one cooperative fewer, and its members and the one who left no longer count.
    let after = app.gql("{ nationalFigures { cooperatives members } }", json!({})).await;
    assert_eq!(after["data"]["nationalFigures"]["cooperatives"], spec.cooperatives - 1, "{after}");
    assert!(
        after["data"]["nationalFigures"]["members"].as_i64() < before["data"]["nationalFigures"]["members"].as_i64()
    );
}
on_both_backends!(
    national_figures_match_counts_made_by_hand,
    crate::helpers::Options {
        demo: false,
        tweak: Box::new(|c| {
            c.admin_email = Some("registry-admin@test.taawun.ma".into());
            c.admin_password = Some(taawun::kernel::config::Secret::new("registry-admin-password"));
        }),
    }
);

async fn register_import_reports_rejected_rows(app: TestApp) {
    let csv = "registration_number,name_ar,name_fr,legal_form,region_code,sector_code,province,registration_date,status\n\
        07/2019/00101,تعاونية الوفاء,Coopérative Al Wafaa,COOPERATIVE,07,agriculture,Al Haouz,2019-04-23,ACTIVE\n\
        07/2019/00102,,\"Coopérative Atlas, Amizmiz\",cooperative,07,handicrafts,Al Haouz,2019-05-02,\n\
        13/2019/00001,تعاونية,Coopérative X,COOPERATIVE,13,agriculture,,2019-05-02,ACTIVE\n\
        07/2019/00101,تعاونية مكررة,Coopérative Doublon,COOPERATIVE,07,agriculture,,2019-05-02,ACTIVE\n\
        07/2019/00103,تعاونية الغد,Coopérative Al Ghad,SOCIETE,07,fishing,,23/05/2019,PENDING\n\
        09/2015/01000,تعاونية,Déjà là,COOPERATIVE,09,argan,,2015-01-01,ACTIVE\n\
        08/2020/00007,اتحاد تعاونيات درعة,Union des coopératives du Drâa,UNION,08,agriculture,Zagora,2020-09-14,NON_COMPLIANT\n";
    let report = {
        let mut conn = app.db.conn().unwrap();
        taawun::registry::import::import_csv(&mut conn, csv.as_bytes(), |_| {}).unwrap()
    };
    assert_eq!(report.loaded, 3);
    let lines: Vec<u64> = report.rejected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [4, 5, 6, 7], "{:?}", report.rejected);
    let reasons = |line: u64| report.rejected.iter().find(|(l, _)| *l == line).unwrap().1.join("; ");
    assert!(reasons(4).contains("region_code"), "{}", reasons(4));
    assert!(reasons(5).contains("earlier in the file"), "{}", reasons(5));
    let r6 = reasons(6);
    assert!(r6.contains("legal_form") && r6.contains("registration_date") && r6.contains("status"), "{r6}");
    assert!(reasons(7).contains("already in the register"), "{}", reasons(7));

    let body = app
        .gql("{ a: registryEntry(registrationNumber: \"07/2019/00102\") { nameFr legalForm status province registrationDate }
                b: registryEntry(registrationNumber: \"08/2020/00007\") { legalForm status maySell }
                c: registryEntry(registrationNumber: \"07/2019/00103\") { nameFr }
                d: registrySearch(name: \"doublon\") { totalCount } }", json!({}))
        .await;
    let d = &body["data"];
    assert_eq!(d["a"]["nameFr"], "Coopérative Atlas, Amizmiz");
    assert_eq!((d["a"]["status"].as_str(), d["a"]["registrationDate"].as_str()), (Some("ACTIVE"), Some("2019-05-02")));
    assert_eq!((d["b"]["legalForm"].as_str(), d["b"]["maySell"].as_bool()), (Some("UNION"), Some(false)));
    assert_eq!(d["c"], Value::Null, "a rejected row is not loaded at all");
    assert_eq!(d["d"]["totalCount"], 0);
}
on_both_backends!(register_import_reports_rejected_rows);
