//! Registration, login, tokens and roles.

use serde_json::json;

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const REGISTER: &str = r#"mutation($i: CustomerRegisterInput!) { customerRegister(input: $i) {
    account { email role locale } accessToken { token expiresAt } userErrors { field message code } } }"#;

async fn customer_registers_logs_in_and_out(app: TestApp) {
    let body = app
        .gql(REGISTER, json!({ "i": { "email": " Salma@Example.MA ", "password": "a long enough secret", "fullName": "Salma B.", "locale": "AR" } }))
        .await;
    let payload = ok_payload(&body, "customerRegister");
    assert_eq!(payload["account"], json!({ "email": "salma@example.ma", "role": "CUSTOMER", "locale": "AR" }));
    let token = payload["accessToken"]["token"].as_str().unwrap().to_string();

    let me = app.gql_as(&token, "{ me { email role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "salma@example.ma");
    assert_eq!(app.gql("{ me { email } }", json!({})).await["data"]["me"], serde_json::Value::Null);

    // The same email again, in another case.
    let again = app
        .gql(
            REGISTER,
            json!({ "i": { "email": "SALMA@example.ma", "password": "another long secret", "fullName": "X" } }),
        )
        .await;
    assert_eq!(error_codes(&again, "customerRegister"), ["TAKEN"]);

    // Wrong password: a userError, no token.
    let wrong = app
        .gql(
            "mutation { login(input: {email: \"salma@example.ma\", password: \"not the secret\"}) { accessToken { token } userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&wrong, "login"), ["INVALID_CREDENTIALS"]);
    assert_eq!(wrong["data"]["login"]["accessToken"], serde_json::Value::Null);

    let second = app.login("salma@example.ma", "a long enough secret").await;
    let out = app.gql_as(&second, "mutation { logout { revoked userErrors { code } } }", json!({})).await;
    assert_eq!(out["data"]["logout"]["revoked"], true);
    // A revoked token no longer signs in: reads run anonymously and say so; the other
    // session still works.
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&second)
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["data"]["me"], serde_json::Value::Null);
    assert_eq!(body["extensions"]["authentication"]["code"], "TOKEN_REJECTED");
    let me = app.gql_as(&token, "{ me { email } }", json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "salma@example.ma");
}
on_both_backends!(customer_registers_logs_in_and_out, crate::helpers::Options { demo: false, ..Default::default() });

async fn bad_registrations_say_why_and_write_nothing(app: TestApp) {
    let body =
        app.gql(REGISTER, json!({ "i": { "email": "not-an-email", "password": "short", "fullName": " " } })).await;
    let errors = &body["data"]["customerRegister"]["userErrors"];
    let fields: Vec<String> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_array().unwrap().last().unwrap().as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["email", "password", "fullName"], "{body}");
    assert!(errors.as_array().unwrap().iter().all(|e| e["code"] == "BAD_USER_INPUT"));
    // A language the API does not speak is refused by the schema itself (`Locale` is an enum).
    let body = app
        .gql(
            REGISTER,
            json!({ "i": { "email": "de@x.ma", "password": "long enough secret", "fullName": "A", "locale": "DE" } }),
        )
        .await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("locale"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["data"], serde_json::Value::Null);
    // Nothing was written: a valid registration with that email's corrected form works.
    let ok = app
        .gql(
            REGISTER,
            json!({ "i": { "email": "not-an-email@x.ma", "password": "long enough secret", "fullName": "A" } }),
        )
        .await;
    ok_payload(&ok, "customerRegister");
}
on_both_backends!(
    bad_registrations_say_why_and_write_nothing,
    crate::helpers::Options { demo: false, ..Default::default() }
);

async fn admins_create_staff_and_assign_managers(app: TestApp) {
    let admin = app.login_as("admin").await;
    let customer = app.login_as("customer").await;
    let coop = app.cooperative_id("ajddig").await;
    let create = r#"mutation($i: AccountCreateGqlInput!) { accountCreate(input: $i) { account { email role cooperative { slug } } userErrors { field code } } }"#;
    let input = json!({ "i": { "email": "new.manager@ajddig.ma", "password": "manager secret 1", "fullName": "Khadija", "role": "COOPERATIVE_MANAGER", "cooperativeId": coop } });

    // Customers and anonymous callers cannot.
    assert_eq!(error_codes(&app.gql_as(&customer, create, input.clone()).await, "accountCreate"), ["FORBIDDEN"]);
    assert_eq!(error_codes(&app.gql(create, input.clone()).await, "accountCreate"), ["UNAUTHENTICATED"]);
    // A manager needs a cooperative.
    let no_coop = json!({ "i": { "email": "x@y.ma", "password": "manager secret 1", "fullName": "X", "role": "COOPERATIVE_MANAGER" } });
    assert_eq!(error_codes(&app.gql_as(&admin, create, no_coop).await, "accountCreate"), ["BAD_USER_INPUT"]);

    let body = app.gql_as(&admin, create, input).await;
    let account = &ok_payload(&body, "accountCreate")["account"];
    assert_eq!(account["cooperative"]["slug"], "ajddig");
    let manager = app.login("new.manager@ajddig.ma", "manager secret 1").await;
    let me = app.gql_as(&manager, "{ me { role cooperative { slug } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "COOPERATIVE_MANAGER");

    // An existing customer becomes the manager of another cooperative.
    let assign = r#"mutation($i: CooperativeManagerAssignInput!) { cooperativeManagerAssign(input: $i) { account { role cooperative { slug } } userErrors { code } } }"#;
    let other = app.cooperative_id("poterie-safi").await;
    let body = app
        .gql_as(&admin, assign, json!({ "i": { "email": "customer@demo.taawun.ma", "cooperativeId": other } }))
        .await;
    assert_eq!(ok_payload(&body, "cooperativeManagerAssign")["account"]["cooperative"]["slug"], "poterie-safi");
    let unknown = app.gql_as(&admin, assign, json!({ "i": { "email": "nobody@x.ma", "cooperativeId": other } })).await;
    assert_eq!(error_codes(&unknown, "cooperativeManagerAssign"), ["ACCOUNT_NOT_FOUND"]);
}
on_both_backends!(admins_create_staff_and_assign_managers);

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken { token } userErrors { code } } }";

async fn try_login(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let body = app.gql(LOGIN, json!({ "i": { "email": email, "password": password } })).await;
    body["data"]["login"]["accessToken"]["token"].as_str().map(String::from)
}

async fn one_request_guesses_one_password(app: TestApp) {
    // 150 aliased logins in one document: refused before any runs.
    let guesses: String = (0..150)
        .map(|i| format!("g{i}: login(input: {{ email: \"admin@demo.taawun.ma\", password: \"guess-{i}-xxxx\" }}) {{ accessToken {{ token }} }} "))
        .collect();
    let body = app.gql(&format!("mutation {{ {guesses} }}"), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(body["data"].is_null(), "{body}");
    // Even two are one too many, with the right password among them.
    let two = format!(
        "mutation {{ a: login(input: {{ email: \"admin@demo.taawun.ma\", password: \"wrong-password\" }}) {{ accessToken {{ token }} }} b: login(input: {{ email: \"admin@demo.taawun.ma\", password: \"{}\" }}) {{ accessToken {{ token }} }} }}",
        crate::helpers::DEMO_PASSWORD
    );
    let body = app.gql(&two, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(!body.to_string().contains("tw_"), "no token: {body}");
    // Many root mutations in one document are refused whole: no product was created.
    let manager = app.login_as("manager").await;
    let count = "{ products(first: 1) { totalCount } }";
    let before = app.gql_as(&manager, count, json!({})).await;
    let creates: String = (0..25)
        .map(|i| format!("p{i}: categoryCreate(input: {{ slug: \"flood-{i}\", name: [{{ locale: FR, text: \"F\" }}] }}) {{ category {{ id }} }} "))
        .collect();
    let body = app.gql_as(&app.login_as("admin").await, &format!("mutation {{ {creates} }}"), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
    let created = app.gql("{ category(slug: \"flood-0\") { id } }", json!({})).await;
    assert!(created["data"]["category"].is_null(), "{created}");
    assert_eq!(app.gql_as(&manager, count, json!({})).await, before);
    // Aliases are bounded on queries too.
    let reads: String = (0..40).map(|i| format!("r{i}: shop {{ currencies }} ")).collect();
    let body = app.gql(&format!("{{ {reads} }}"), json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
}
on_both_backends!(one_request_guesses_one_password);

async fn failed_logins_make_the_next_ones_wait(app: TestApp) {
    let email = "manager@tighanimine.demo.taawun.ma";
    let right = crate::helpers::DEMO_PASSWORD;
    for i in 0..6 {
        assert_eq!(try_login(&app, email, &format!("wrong password {i}")).await, None);
    }
    // Locked for a moment: even the right password answers like a wrong one.
    let body = app.gql(LOGIN, json!({ "i": { "email": email, "password": right } })).await;
    assert_eq!(error_codes(&body, "login"), ["INVALID_CREDENTIALS"]);
    // Other accounts are not affected below the address's own threshold.
    assert!(try_login(&app, "customer@demo.taawun.ma", right).await.is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert!(try_login(&app, email, right).await.is_some(), "the wait is over");
    // A success forgets the account's failures: five more are free again.
    for i in 0..5 {
        assert_eq!(try_login(&app, email, &format!("again wrong {i}")).await, None);
    }
    assert!(try_login(&app, email, right).await.is_some());

    // One address trying many accounts waits too, whatever the account.
    for i in 0..21 {
        assert_eq!(try_login(&app, &format!("nobody{i}@example.ma"), "wrong password").await, None);
    }
    assert_eq!(try_login(&app, "customer@demo.taawun.ma", right).await, None, "the address waits");
}
on_both_backends!(failed_logins_make_the_next_ones_wait);

async fn probing_emails_by_registration_costs_like_guessing_passwords(app: TestApp) {
    let register = |email: String| {
        let app = &app;
        async move {
            let body = app
                .gql(REGISTER, json!({ "i": { "email": email, "password": "a long enough secret", "fullName": "P" } }))
                .await;
            error_codes(&body, "customerRegister")
        }
    };
    // Each "this email has an account" counts against the client's address...
    for _ in 0..21 {
        assert_eq!(register("customer@demo.taawun.ma".into()).await, ["TAKEN"]);
    }
    // ... which then waits, whatever it asks.
    assert_eq!(register("someone.new@example.ma".into()).await, ["TRY_LATER"]);
    assert_eq!(register("customer@demo.taawun.ma".into()).await, ["TRY_LATER"], "no answer about the email");
}
on_both_backends!(probing_emails_by_registration_costs_like_guessing_passwords);
