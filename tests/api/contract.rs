//! The contract with front ends: the SDL file matches the code, and every example
//! operation in `graphql/examples/` runs cleanly against the demo data.

use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

#[test]
fn schema_file_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/schema.graphql");
    let generated = taawun::api::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "graphql/schema.graphql is out of date: run `cargo run -- schema > graphql/schema.graphql` \
         (or the tests with UPDATE_SCHEMA=1) and commit it"
    );
}

struct Example {
    name: String,
    query: String,
    auth: Option<String>,
    variables: String,
}

fn examples() -> Vec<Example> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "graphql"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let query = std::fs::read_to_string(&path).unwrap();
            let header = |key: &str| {
                query
                    .lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.trim_start_matches('#').trim().strip_prefix(key).map(|v| v.trim().to_string()))
            };
            Example {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                auth: header("auth:").filter(|a| a != "none"),
                variables: header("variables:").unwrap_or_else(|| "{}".into()),
                query,
            }
        })
        .collect()
}

/// Replaces `{{product:slug}}`, `{{variant:slug}}`, `{{cooperative:slug}}`, `{{registration:slug}}` and `{{category:slug}}`
/// with the ids of the demo data, and `{{cart:slug}}` with a new cart holding that product.
async fn resolve_placeholders(app: &TestApp, text: &str) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("{{") {
        let end = out[start..].find("}}").map(|e| start + e).expect("closed placeholder");
        let (kind, slug) = out[start + 2..end].split_once(':').expect("kind:slug");
        let id = match kind {
            "product" => app.product_id(slug).await,
            "cooperative" => app.cooperative_id(slug).await,
            "registration" => {
                let body = app
                    .gql("query($s: String) { cooperative(slug: $s) { registrationNumber } }", json!({ "s": slug }))
                    .await;
                body["data"]["cooperative"]["registrationNumber"].as_str().unwrap().to_string()
            }
            "category" => {
                let body = app.gql("query($s: String) { category(slug: $s) { id } }", json!({ "s": slug })).await;
                body["data"]["category"]["id"].as_str().unwrap().to_string()
            }
            "variant" => {
                let body = app
                    .gql(
                        "query($s: String) { product(slug: $s) { variants(first: 1) { nodes { id } } } }",
                        json!({ "s": slug }),
                    )
                    .await;
                body["data"]["product"]["variants"]["nodes"][0]["id"].as_str().unwrap().to_string()
            }
            "cart" => {
                let body = app
                    .gql(
                        "query($s: String) { product(slug: $s) { variants(first: 1) { nodes { id } } } }",
                        json!({ "s": slug }),
                    )
                    .await;
                let variant = body["data"]["product"]["variants"]["nodes"][0]["id"].clone();
                let cart = app
                    .gql("mutation($v: ID!) { cartCreate(input: { lines: [{ variantId: $v, quantity: 1 }] }) { cart { id } } }", json!({ "v": variant }))
                    .await;
                cart["data"]["cartCreate"]["cart"]["id"].as_str().unwrap().to_string()
            }
            "course" => {
                let body = app.gql("query($c: String) { course(code: $c) { id } }", json!({ "c": slug })).await;
                body["data"]["course"]["id"].as_str().unwrap_or_else(|| panic!("no course {slug}")).to_string()
            }
            // `{{activity:course-code/n}}`: the course's n-th activity (from 1).
            "activity" => {
                let (code, n) = slug.split_once('/').expect("course/n");
                let body = app
                    .gql(
                        "query($c: String) { course(code: $c) { modules { activities { id } } } }",
                        json!({ "c": code }),
                    )
                    .await;
                let ids: Vec<String> = body["data"]["course"]["modules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|m| {
                        m["activities"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string())
                    })
                    .collect();
                ids[n.parse::<usize>().unwrap() - 1].clone()
            }
            // `{{certificate:who}}`: the code of a demo account's first certificate.
            "certificate" => {
                let token = app.login_as(slug).await;
                let body = app.gql_as(&token, "{ myCertificates { code } }", json!({})).await;
                body["data"]["myCertificates"][0]["code"].as_str().unwrap().to_string()
            }
            // `{{application:who}}`: the id of a demo account's first project application.
            "application" => {
                let token = app.login_as(slug).await;
                let body = app.gql_as(&token, "{ myProjectApplications(first: 1) { nodes { id } } }", json!({})).await;
                body["data"]["myProjectApplications"]["nodes"][0]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no application for {slug}: {body}"))
                    .to_string()
            }
            // `{{verify-token:new}}`: the token of the verification email of an account registered now.
            "verify-token" => {
                let email = "contract.verify@example.ma";
                let body = app
                    .gql(
                        "mutation($e: String!) { customerRegister(input: { email: $e, password: \"a long enough secret\", fullName: \"V\" }) { userErrors { code } } }",
                        json!({ "e": email }),
                    )
                    .await;
                assert_eq!(body["data"]["customerRegister"]["userErrors"], json!([]), "{body}");
                crate::account_flows::new_link_token(app, email, "verify-email", &mut Vec::new()).await
            }
            // `{{reset-token:email}}`: the token of a reset email asked for now.
            "reset-token" => {
                crate::account_flows::outbox_drained(app).await;
                let mut seen = crate::account_flows::link_tokens(app, slug, "reset-password");
                let body = app
                    .gql(
                        "mutation($e: String!) { passwordResetRequest(input: { email: $e }) { userErrors { code } } }",
                        json!({ "e": slug }),
                    )
                    .await;
                assert_eq!(body["data"]["passwordResetRequest"]["userErrors"], json!([]), "{body}");
                crate::account_flows::new_link_token(app, slug, "reset-password", &mut seen).await
            }
            // `{{review:product-slug}}`: the id of the product's newest published review.
            "review" => {
                let body = app
                    .gql(
                        "query($s: String) { product(slug: $s) { reviews(first: 1) { nodes { id } } } }",
                        json!({ "s": slug }),
                    )
                    .await;
                body["data"]["product"]["reviews"]["nodes"][0]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no review of {slug}: {body}"))
                    .to_string()
            }
            // `{{saved-address:who}}`: the id of a demo account's default saved address.
            "saved-address" => {
                let token = app.login_as(slug).await;
                let body = app.gql_as(&token, "{ me { defaultAddress { id } } }", json!({})).await;
                body["data"]["me"]["defaultAddress"]["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_string()
            }
            // `{{delivered-fulfilment:who}}`: a new cash order of theirs from Tighanimine, delivered.
            "delivered-fulfilment" => {
                let token = app.login_as(slug).await;
                let variant = app
                    .gql(r#"{ product(slug: "huile-argan-alimentaire-tighanimine") { variants(first: 1) { nodes { id } } } }"#, json!({}))
                    .await["data"]["product"]["variants"]["nodes"][0]["id"]
                    .clone();
                let cart = app
                    .gql_as(&token, "mutation($v: ID!) { cartCreate(input: { lines: [{ variantId: $v, quantity: 2 }] }) { cart { id } } }", json!({ "v": variant }))
                    .await["data"]["cartCreate"]["cart"]["id"]
                    .clone();
                let placed = app
                    .gql_as(
                        &token,
                        "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { fulfilments { id } } userErrors { code } } }",
                        json!({ "i": { "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "0612345678",
                            "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": "contract-delivered-0001",
                            "shippingAddress": { "fullName": "Salma", "line1": "12 rue", "city": "Agadir", "regionCode": "09" } } }),
                    )
                    .await;
                let fulfilment = placed["data"]["checkoutComplete"]["order"]["fulfilments"][0]["id"].clone();
                let manager = app.login_as("manager").await;
                let update =
                    "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { userErrors { code } } }";
                for step in [
                    json!({ "fulfilmentId": fulfilment, "status": "PROCESSING" }),
                    json!({ "fulfilmentId": fulfilment, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM1" }),
                    json!({ "fulfilmentId": fulfilment, "status": "DELIVERED", "cashCollected": true }),
                ] {
                    app.gql_as(&manager, update, json!({ "i": step })).await;
                }
                fulfilment.as_str().unwrap_or_else(|| panic!("{placed}")).to_string()
            }
            // `{{delivered-line:who}}`: the first line of their latest order.
            "delivered-line" => {
                let token = app.login_as(slug).await;
                let body =
                    app.gql_as(&token, "{ me { orders(first: 1) { nodes { lines { id } } } } }", json!({})).await;
                body["data"]["me"]["orders"]["nodes"][0]["lines"][0]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{body}"))
                    .to_string()
            }
            // `{{now:-30}}`: now, shifted by so many seconds.
            "now" => {
                let at = chrono::Utc::now() + chrono::Duration::seconds(slug.parse::<i64>().unwrap());
                at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            }
            other => panic!("unknown placeholder kind {other}"),
        };
        out.replace_range(start..end + 2, &id);
    }
    out
}

fn assert_no_user_errors(example: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(errors) = map.get("userErrors") {
                assert_eq!(errors, &json!([]), "{example}: userErrors");
            }
            map.values().for_each(|v| assert_no_user_errors(example, v));
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_user_errors(example, v)),
        _ => {}
    }
}

async fn storefront_examples_run_against_the_demo(app: TestApp) {
    // The demo's index updates and emails delivered first: a read asked twice must not see the
    // index fill up in between.
    let admin = app.login_as("admin").await;
    app.eventually("the demo's outbox delivered", || async {
        let body = app.gql_as(&admin, "{ outboxMessages(status: PENDING) { totalCount } }", json!({})).await;
        body["data"]["outboxMessages"]["totalCount"] == 0
    })
    .await;
    let examples = examples();
    assert!(examples.len() >= 8, "expected the storefront examples, found {}", examples.len());
    for example in examples {
        let token = match example.auth.as_deref() {
            Some(who) => Some(app.login_as(who).await),
            None => None,
        };
        let variables: Value = serde_json::from_str(&resolve_placeholders(&app, &example.variables).await)
            .unwrap_or_else(|e| panic!("{}: variables are not JSON: {e}", example.name));
        let body =
            app.gql_with(token.as_deref(), &[("accept-language", "ar")], &example.query, variables.clone()).await;
        assert!(body.get("errors").is_none(), "{}: {body}", example.name);
        // A read asked twice answers the same bytes: fields in the query's order, lists in
        // a stable order (snapshot tests and HTTP caches rely on it).
        if example.query.lines().any(|l| l.starts_with("query")) {
            let raw = |variables: Value| {
                let mut req = app.client.post(app.url("/graphql")).header("accept-language", "ar");
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                req.json(&json!({ "query": example.query, "variables": variables })).send()
            };
            let first = raw(variables.clone()).await.unwrap().text().await.unwrap();
            let second = raw(variables).await.unwrap().text().await.unwrap();
            assert_eq!(first, second, "{}: two identical reads answered differently", example.name);
            if example.name.starts_with("01-") {
                // Sync fields and fields that wait for a loader, in the query's order.
                let keys = [
                    "\"featuredImage\"",
                    "\"priceRange\"",
                    "\"inStock\"",
                    "\"labels\"",
                    "\"cooperative\"",
                    "\"variants\"",
                ];
                let at: Vec<usize> = keys.iter().map(|k| first.find(k).unwrap()).collect();
                assert!(at.windows(2).all(|w| w[0] < w[1]), "fields out of the query's order: {first}");
            }
        }
        assert!(body["data"].is_object(), "{}: {body}", example.name);
        assert_no_user_errors(&example.name, &body["data"]);
    }
}
on_both_backends!(storefront_examples_run_against_the_demo);

/// What `graphql/CONVENTIONS.md` asks of every domain, checked on the SDL front ends read.
#[test]
fn the_schema_follows_the_conventions() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/schema.graphql")).unwrap();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let types: Vec<_> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some(&t.node),
            _ => None,
        })
        .collect();
    let by_name = |name: &str| types.iter().find(|t| t.name.node == name);
    let mut problems = Vec::new();
    for t in &types {
        let name = t.name.node.as_str();
        // Every enum and scalar says what it is, so generated clients document it.
        if matches!(t.kind, TypeKind::Enum(_) | TypeKind::Scalar) && t.description.is_none() {
            problems.push(format!("{name} has no description"));
        }
        // Error codes are the domains' contract with clients: each one says when it is raised.
        if let (TypeKind::Enum(e), "ErrorCode") = (&t.kind, name) {
            for value in e.values.iter().filter(|v| v.node.description.is_none()) {
                problems.push(format!("ErrorCode.{} has no description", value.node.value.node));
            }
        }
    }
    // Every mutation returns a payload with its `userErrors`.
    let Some(mutation) = by_name("Mutation") else { panic!("no Mutation type") };
    let TypeKind::Object(mutation) = &mutation.kind else { panic!("Mutation is not an object") };
    for field in &mutation.fields {
        let payload = field.node.ty.node.to_string().trim_end_matches('!').to_string();
        let has_user_errors = by_name(&payload).is_some_and(|p| match &p.kind {
            TypeKind::Object(o) => o.fields.iter().any(|f| f.node.name.node == "userErrors"),
            _ => false,
        });
        if !has_user_errors {
            problems.push(format!("mutation {} returns {payload}, which has no userErrors", field.node.name.node));
        }
    }
    assert!(problems.is_empty(), "the schema breaks its conventions:\n  {}", problems.join("\n  "));
}
