//! The real server process killed with SIGKILL in the middle of checkouts, then restarted:
//! retried with their idempotency keys, the checkouts end with exactly one order each, the
//! stock is exact, and each order's confirmation email has one Message-ID (a delivery cut
//! short is sent again with the same id, never as a second message).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { id number } userErrors { code } } }"#;

fn start(bin: &str, dir: &std::path::Path, port: u16) -> Child {
    start_with(bin, dir, port, &[])
}

fn start_with(bin: &str, dir: &std::path::Path, port: u16, env: &[(&str, &str)]) -> Child {
    Command::new(bin)
        .args(["serve", "--demo"])
        .envs(env.iter().copied())
        .env("TAAWUN_DATA_DIR", dir)
        .env("TAAWUN_BIND", format!("127.0.0.1:{port}"))
        .env("TAAWUN_LOG", "error")
        .env("TAAWUN_RATE_LIMIT_PER_MINUTE", "0")
        .env("TAAWUN_OUTBOX_POLL_MS", "20")
        .env("TAAWUN_WORKERS", "2")
        .env_remove("TAAWUN_DATABASE_URL")
        .env_remove("TAAWUN_MEILISEARCH_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server")
}

async fn ready(client: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Option<Value> {
    let mut request = client.post(format!("{base}/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.ok()?.json().await.ok()
}

fn checkout(cart: &str, key: &str) -> Value {
    json!({ "i": { "cartId": cart, "email": "crash@example.ma", "phone": "+212612345678", "paymentMethod": "CASH_ON_DELIVERY",
        "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09", "postalCode": "80000" } } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_and_duplicates_nothing() {
    let bin = env!("CARGO_BIN_EXE_taawun");
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut server = start(bin, dir.path(), port);
    ready(&client, &base).await;

    let product = "{ product(slug: \"amlou-tighanimine\") { variants(first: 1) { nodes { id quantityAvailable } } } }";
    let variant =
        gql(&client, &base, None, product, json!({})).await.unwrap()["data"]["product"]["variants"]["nodes"][0].clone();
    let stock_before = variant["quantityAvailable"].as_i64().unwrap();
    let count = 24.min(stock_before) as usize;
    let mut carts = Vec::new();
    for _ in 0..count {
        let body = gql(
            &client,
            &base,
            None,
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } } }",
            json!({ "i": { "lines": [{ "variantId": variant["id"], "quantity": 1 }] } }),
        )
        .await
        .unwrap();
        carts.push(body["data"]["cartCreate"]["cart"]["id"].as_str().unwrap().to_string());
    }

    // All checkouts at once; the process is killed while they run.
    let attempts = carts.iter().enumerate().map(|(i, cart)| {
        let (client, base) = (client.clone(), base.clone());
        let cart = cart.clone();
        async move { gql(&client, &base, None, CHECKOUT, checkout(&cart, &format!("crash-{i:03}"))).await }
    });
    let running = tokio::spawn(futures_util::future::join_all(attempts));
    tokio::time::sleep(Duration::from_millis(60)).await;
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    let first: Vec<Option<Value>> = running.await.unwrap();
    let answered_before: BTreeMap<usize, String> = first
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            b.as_ref()?["data"]["checkoutComplete"]["order"]["id"].as_str().map(|id| (i, id.to_string()))
        })
        .collect();

    eprintln!("{} of {count} checkouts answered before the kill", answered_before.len());
    // Restarted on the same data: every checkout retried with its own key.
    let mut server = start(bin, dir.path(), port);
    ready(&client, &base).await;
    let mut orders = BTreeSet::new();
    for (i, cart) in carts.iter().enumerate() {
        let body = gql(&client, &base, None, CHECKOUT, checkout(cart, &format!("crash-{i:03}"))).await.unwrap();
        let id =
            body["data"]["checkoutComplete"]["order"]["id"].as_str().unwrap_or_else(|| panic!("retry {i}: {body}"));
        if let Some(before) = answered_before.get(&i) {
            assert_eq!(before, id, "a retry answers the order already placed");
        }
        orders.insert(id.to_string());
    }
    assert_eq!(orders.len(), count, "one order per checkout");
    let after = gql(&client, &base, None, product, json!({})).await.unwrap();
    let stock_after = after["data"]["product"]["variants"]["nodes"][0]["quantityAvailable"].as_i64().unwrap();
    assert_eq!(stock_after, stock_before - count as i64, "the stock was taken once per order");
    let login = gql(
        &client,
        &base,
        None,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken { token } } }",
        json!({ "i": { "email": "admin@demo.taawun.ma", "password": crate::helpers::DEMO_PASSWORD } }),
    )
    .await
    .unwrap();
    let token = login["data"]["login"]["accessToken"]["token"].as_str().unwrap().to_string();
    let total = gql(&client, &base, Some(&token), "{ orders(first: 1) { totalCount } }", json!({})).await.unwrap();
    assert_eq!(total["data"]["orders"]["totalCount"], count);

    // Every order's confirmation is delivered, each under one Message-ID.
    let mail = dir.path().join("mail");
    let mut ids_by_order: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for _ in 0..400 {
        ids_by_order.clear();
        for entry in std::fs::read_dir(&mail).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let text = crate::mail::decode(&raw);
            let message_id = raw.lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap_or("").trim().to_string();
            if !text.contains("crash@example.ma") {
                continue;
            }
            if let Some(number) = text.split_whitespace().find(|w| w.starts_with("TW-")) {
                let number = number.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_string();
                ids_by_order.entry(number).or_default().insert(message_id);
            }
        }
        if ids_by_order.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ids_by_order.len(), count, "a confirmation per order: {ids_by_order:?}");
    assert!(ids_by_order.values().all(|ids| ids.len() == 1), "one Message-ID per order: {ids_by_order:?}");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::sqlite::SqliteConnection::establish(&db.to_string_lossy()).unwrap();
    diesel::sql_query(sql).get_result::<Count>(&mut conn).unwrap().n
}

/// A server stopped as a deploy stops it (SIGTERM) while it delivers hands back the outbox rows
/// it holds: the next instance sends them at once, not after the lease (26 minutes for 50).
#[tokio::test]
async fn a_stopped_server_hands_back_its_outbox_leases() {
    // An SMTP server that accepts and never greets: the demo's certificate emails stall.
    let smtp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let smtp_url = format!("smtp://{}", smtp.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in smtp.incoming().flatten() {
            held.push(connection);
        }
    });
    let bin = env!("CARGO_BIN_EXE_taawun");
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut server = start_with(bin, dir.path(), port, &[("TAAWUN_SMTP_URL", &smtp_url)]);
    ready(&client, &format!("http://127.0.0.1:{port}")).await;
    let db = dir.path().join("taawun.db");
    let held = "SELECT COUNT(*) AS n FROM outbox WHERE status = 'PENDING' AND locked_by IS NOT NULL";
    for _ in 0..200 {
        if count(&db, held) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(count(&db, held) > 0, "the worker holds the stalled emails");

    // SAFETY: a plain signal to the child this test started.
    assert_eq!(unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let mut exited = None;
    for _ in 0..600 {
        exited = server.try_wait().unwrap();
        if exited.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if exited.is_none() {
        server.kill().unwrap();
        panic!("the server did not stop within 30 s of SIGTERM");
    }
    assert_eq!(count(&db, held), 0, "nothing stays leased to a stopped server");
    let waiting = "SELECT COUNT(*) AS n FROM outbox WHERE status = 'PENDING' AND attempts = 0";
    assert!(count(&db, waiting) > 0, "the cut-off emails wait, unattempted, for the next instance");
}
