//! Storefront keys: a registered app's key narrows what requests ask for (scopes), where
//! browsers may send it from (origins) and how fast (its own rate); revoked or unknown keys
//! are refused; requests without a key keep working.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const CREATE: &str = r#"mutation($i: StorefrontAppCreateInput!) { storefrontAppCreate(input: $i) {
    app { id name keyPrefix scopes allowedOrigins rateLimitPerMinute status } key userErrors { field code } } }"#;
const LISTING: &str = "{ products(first: 2) { totalCount nodes { slug } } }";

async fn post(app: &TestApp, key: Option<&str>, origin: Option<&str>, query: &str) -> (u16, Option<String>, Value) {
    let mut req = app.client.post(app.url("/graphql")).json(&json!({ "query": query }));
    if let Some(key) = key {
        req = req.header("x-taawun-storefront-key", key);
    }
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let allowed = res.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string());
    (status, allowed, res.json().await.unwrap_or(Value::Null))
}

async fn storefront_keys_narrow_and_limit_what_requests_ask(app: TestApp) {
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;
    let input = json!({ "i": { "name": "Souk Argan", "allowedOrigins": ["https://souk-argan.ma"], "scopes": ["CATALOG"], "rateLimitPerMinute": 60 } });
    assert_eq!(error_codes(&app.gql_as(&manager, CREATE, input.clone()).await, "storefrontAppCreate"), ["FORBIDDEN"]);
    let bad = app
        .gql_as(&admin, CREATE, json!({ "i": { "name": " ", "allowedOrigins": ["souk-argan.ma/path"], "scopes": [], "rateLimitPerMinute": 0 } }))
        .await;
    assert_eq!(error_codes(&bad, "storefrontAppCreate").len(), 4, "{bad}");
    let created = app.gql_as(&admin, CREATE, input).await;
    let payload = ok_payload(&created, "storefrontAppCreate");
    let key = payload["key"].as_str().unwrap().to_string();
    let id = payload["app"]["id"].clone();
    assert!(key.starts_with("pk_") && key.starts_with(payload["app"]["keyPrefix"].as_str().unwrap()));

    // Within its scopes, from its origin: answered, with the CORS header for that origin.
    let (status, allowed, body) = post(&app, Some(&key), Some("https://souk-argan.ma"), LISTING).await;
    assert_eq!((status, allowed.as_deref()), (200, Some("https://souk-argan.ma")), "{body}");
    assert!(body["data"]["products"]["totalCount"].as_i64().unwrap() > 0);
    // A server-side storefront sends no origin.
    assert_eq!(post(&app, Some(&key), None, LISTING).await.0, 200);
    // Another origin, an unknown key, a scope it lacks, a back-office field: refused.
    let (status, _, body) = post(&app, Some(&key), Some("https://evil.example"), LISTING).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].clone()), (403, json!("ORIGIN_NOT_ALLOWED")));
    let (status, _, body) = post(&app, Some("pk_not-a-key"), None, LISTING).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].clone()), (401, json!("INVALID_STOREFRONT_KEY")));
    let cart = "mutation { cartCreate(input: { lines: [] }) { cart { id } } }";
    let (_, _, body) = post(&app, Some(&key), None, cart).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("CHECKOUT"), "{body}");
    assert!(body["data"].is_null(), "nothing ran: {body}");
    let (_, _, body) = post(&app, Some(&key), None, "{ outboxMessages(status: FAILED) { totalCount } }").await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("not available to storefront keys"), "{body}");
    // Without a key, the same requests work as before (scopes are the key's, not the server's).
    let (status, _, body) = post(&app, None, None, cart).await;
    assert_eq!(status, 200);
    assert!(body["data"]["cartCreate"].is_object(), "{body}");

    // A browser preflight from the app's origin is answered; from another origin it is not.
    let preflight = |origin: &'static str| {
        let app = &app;
        async move {
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/graphql"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,x-taawun-storefront-key")
                .send()
                .await
                .unwrap()
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_string())
        }
    };
    assert_eq!(preflight("https://souk-argan.ma").await.as_deref(), Some("https://souk-argan.ma"));
    assert_eq!(preflight("https://evil.example").await, None);

    // Its own rate: 60 a minute, 10 at once, per client; keyless requests are not counted.
    let mut limited = None;
    for i in 0..30 {
        let (status, _, _) = post(&app, Some(&key), None, "{ shop { currencies } }").await;
        if status == 429 {
            limited = Some(i);
            break;
        }
    }
    assert!(limited.is_some_and(|i| i <= 10), "{limited:?}");
    assert_eq!(post(&app, None, None, "{ shop { currencies } }").await.0, 200);

    // Usage per key in /metrics.
    assert!(app.metric("taawun_storefront_requests_total{app=\"Souk Argan\"}").await >= 10.0);

    // Rotation: the new key works, and the old one for a grace period; revocation ends both.
    let rotate = "mutation($id: ID!) { storefrontAppRotateKey(id: $id) { key app { previousKeyExpiresAt } userErrors { code } } }";
    let rotated = app.gql_as(&admin, rotate, json!({ "id": id })).await;
    let new_key = ok_payload(&rotated, "storefrontAppRotateKey")["key"].as_str().unwrap().to_string();
    assert_ne!(new_key, key);
    assert!(rotated["data"]["storefrontAppRotateKey"]["app"]["previousKeyExpiresAt"].is_string());
    let revoke = "mutation($id: ID!) { storefrontAppRevoke(id: $id) { app { status } userErrors { code } } }";
    ok_payload(&app.gql_as(&admin, revoke, json!({ "id": id })).await, "storefrontAppRevoke");
    for k in [&key, &new_key] {
        assert_eq!(post(&app, Some(k), None, LISTING).await.0, 401);
    }
    let listed = app.gql_as(&admin, "{ storefrontApps { name status } }", json!({})).await;
    assert_eq!(listed["data"]["storefrontApps"], json!([{ "name": "Souk Argan", "status": "REVOKED" }]));
    assert!(app.gql_as(&manager, "{ storefrontApps { name } }", json!({})).await.get("errors").is_some());
}
on_both_backends!(storefront_keys_narrow_and_limit_what_requests_ask);

async fn a_rotated_key_keeps_working_through_its_grace(app: TestApp) {
    let admin = app.login_as("admin").await;
    let created =
        app.gql_as(&admin, CREATE, json!({ "i": { "name": "SSR shop", "scopes": ["CATALOG", "CHECKOUT"] } })).await;
    let payload = ok_payload(&created, "storefrontAppCreate");
    let (old, id) = (payload["key"].as_str().unwrap().to_string(), payload["app"]["id"].clone());
    let rotated = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { storefrontAppRotateKey(id: $id) { key userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    let new = ok_payload(&rotated, "storefrontAppRotateKey")["key"].as_str().unwrap().to_string();
    for k in [&old, &new] {
        let (status, _, body) = post(&app, Some(k), None, LISTING).await;
        assert_eq!(status, 200, "{body}");
    }
}
on_both_backends!(a_rotated_key_keeps_working_through_its_grace);

async fn made_up_keys_are_no_way_around_the_rate_limit(app: TestApp) {
    // The anonymous limit (5 at once here) pays for looking up keys nobody knows.
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(post(&app, Some(&format!("pk_made-up-{i}")), None, LISTING).await.0);
    }
    assert!(statuses.iter().take(5).all(|s| *s == 401), "{statuses:?}");
    assert!(statuses.iter().skip(6).all(|s| *s == 429), "{statuses:?}");
}
on_both_backends!(
    made_up_keys_are_no_way_around_the_rate_limit,
    crate::helpers::Options::with(|c| {
        c.rate_limit_per_minute = 60;
        c.rate_limit_burst = 5;
    })
);
