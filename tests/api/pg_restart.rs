//! PostgreSQL stopped (as by a crash) and started again while buyers check out, on a cluster
//! of the test's own (the machine's main server is shared by the other tests): while it is
//! down checkouts fail with a code, never a half-written order; once it is back the same
//! checkouts, retried with their keys, each end with exactly one order and exact stock.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, Options, TestApp, error_codes};

const CLUSTER: &str = "taawunfaults";
const PORT: u16 = 5544;
const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { id } userErrors { code field message } } }"#;

fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).status().is_ok_and(|s| s.success())
}

/// The installed PostgreSQL version, when Debian's cluster tools are there to make a cluster.
fn version() -> Option<String> {
    if !run("pg_lsclusters", &["-h"]) {
        return None;
    }
    let mut versions: Vec<String> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    versions.pop()
}

fn checkout(cart: &Value, key: &str) -> Value {
    json!({ "i": { "cartId": cart, "email": "pg@example.ma", "phone": "+212612345678", "paymentMethod": "CASH_ON_DELIVERY",
        "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09", "postalCode": "80000" } } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarting_loses_and_duplicates_no_order() {
    let Some(version) = version() else {
        eprintln!("skipped: needs Debian's PostgreSQL cluster tools");
        return;
    };
    let exists = Command::new("pg_lsclusters")
        .args(["-h"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.split_whitespace().nth(1) == Some(CLUSTER)))
        .unwrap_or(false);
    if !exists
        && !run("pg_createcluster", &[&version, CLUSTER, "-p", &PORT.to_string(), "--", "--auth=trust", "-E", "UTF8"])
    {
        eprintln!("skipped: cannot create a PostgreSQL cluster here");
        return;
    }
    let start = || run("pg_ctlcluster", &[&version, CLUSTER, "start"]);
    let crash = || run("pg_ctlcluster", &[&version, CLUSTER, "stop", "-m", "immediate"]);
    assert!(start() || run("pg_ctlcluster", &[&version, CLUSTER, "status"]), "the test cluster starts");
    let admin_url = format!("postgres://postgres@127.0.0.1:{PORT}/postgres");
    let mut ready = false;
    for _ in 0..100 {
        if run("psql", &[&admin_url, "-qc", "DROP DATABASE IF EXISTS faults"]) {
            ready = run("psql", &[&admin_url, "-qc", "CREATE DATABASE faults"]);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the test database is created");

    let url = format!("postgres://postgres@127.0.0.1:{PORT}/faults");
    let app = TestApp::spawn(Backend::Sqlite, Options::with(move |c| c.database_url = Some(url))).await.unwrap();
    let product = "{ product(slug: \"amlou-tighanimine\") { variants(first: 1) { nodes { id quantityAvailable } } } }";
    let variant = app.gql(product, json!({})).await["data"]["product"]["variants"]["nodes"][0].clone();
    let before = variant["quantityAvailable"].as_i64().unwrap();
    let mut carts = Vec::new();
    for _ in 0..6 {
        let body = app
            .gql(
                "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } } }",
                json!({ "i": { "lines": [{ "variantId": variant["id"], "quantity": 1 }] } }),
            )
            .await;
        carts.push(body["data"]["cartCreate"]["cart"]["id"].clone());
    }
    // Two checkouts before, then PostgreSQL crashes: the next ones fail with a code.
    for (i, cart) in carts.iter().enumerate().take(2) {
        let body = app.gql(CHECKOUT, checkout(cart, &format!("pg-restart-{i}"))).await;
        assert!(error_codes(&body, "checkoutComplete").is_empty(), "{body}");
    }
    assert!(crash(), "the test cluster stops");
    for (i, cart) in carts.iter().enumerate().skip(2) {
        let res = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": CHECKOUT, "variables": checkout(cart, &format!("pg-restart-{i}")) }))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("");
        assert!(body["data"]["checkoutComplete"]["order"].is_null(), "no order while down: {body}");
        assert!(status == 200 || status == 503, "{status}: {body}");
        assert!(code == "INTERNAL" || status == 503, "{body}");
    }
    // Back up: every checkout retried with its key ends with one order.
    assert!(start(), "the test cluster starts again");
    let mut orders = std::collections::BTreeSet::new();
    for (i, cart) in carts.iter().enumerate() {
        let mut placed = None;
        for _ in 0..100 {
            let body = app.gql(CHECKOUT, checkout(cart, &format!("pg-restart-{i}"))).await;
            if let Some(id) = body["data"]["checkoutComplete"]["order"]["id"].as_str() {
                placed = Some(id.to_string());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        orders.insert(placed.unwrap_or_else(|| panic!("checkout {i} never succeeded after the restart")));
    }
    assert_eq!(orders.len(), carts.len());
    let after = app.gql(product, json!({})).await["data"]["product"]["variants"]["nodes"][0]["quantityAvailable"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before - carts.len() as i64, "the stock was taken once per order");
    let admin = app.login_as("admin").await;
    let total = app.gql_as(&admin, "{ orders(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(total["data"]["orders"]["totalCount"], carts.len());
    drop(app);
    run("pg_ctlcluster", &[&version, CLUSTER, "stop"]);
}
