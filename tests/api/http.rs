//! The HTTP surface: GraphQL over HTTP, limits, CORS, persisted queries, health and metrics.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Options, TestApp};
use crate::on_both_backends;

fn small_limits() -> Options {
    Options::with(|c| {
        c.max_body_bytes = 4096;
        c.max_query_depth = 8;
        c.max_query_complexity = 2000;
        c.cors_origins = vec!["https://shop.example.ma".into()];
    })
}

async fn limits_are_enforced(app: TestApp) {
    // Page size.
    let body = app.gql("{ products(first: 101) { nodes { id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("at most 100"));
    // Depth.
    let deep = "{ categories { nodes { parent { parent { parent { parent { parent { parent { parent { slug } } } } } } } } } }";
    let body = app.gql(deep, json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("nested"), "{body}");
    // Complexity: 100 products × 100 variants.
    let heavy = "{ products(first: 100) { nodes { variants(first: 100) { nodes { sku price { amount } } } } } }";
    let body = app.gql(heavy, json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("complex"), "{body}");
    // Body size.
    let big = "x".repeat(10_000);
    let res = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ products {{ totalCount }} }} # {big}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // None of these hurt the server.
    let ok = app.gql("{ products(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(ok["data"]["products"]["totalCount"], 160);
}
on_both_backends!(limits_are_enforced, super::small_limits());

async fn graphql_over_http(app: TestApp) {
    let post = |body: String, content_type: &'static str, accept: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("content-type", content_type)
            .header("accept", accept)
            .body(body)
            .send()
    };
    // Unparsable JSON body: 400.
    let res = post("{not json".into(), "application/json", "application/graphql-response+json").await.unwrap();
    assert_eq!(res.status(), 400);
    // Not JSON at all: 415.
    let res = post("query=x".into(), "application/x-www-form-urlencoded", "application/json").await.unwrap();
    assert_eq!(res.status(), 415);
    // A GraphQL syntax error: 400 with the new media type, 200 with legacy JSON.
    let bad = json!({ "query": "{ products(first: 1) { nodes { id }" }).to_string();
    let res = post(bad.clone(), "application/json", "application/graphql-response+json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
    let res = post(bad, "application/json", "application/json").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["errors"].is_array());
    // GET runs queries and refuses mutations.
    let res =
        app.client.get(app.url("/graphql")).query(&[("query", "{ regions { totalCount } }")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["data"]["regions"]["totalCount"], 12);
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { logout { revoked } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    // A browser gets GraphiQL.
    let res = app.client.get(app.url("/graphql")).header("accept", "text/html").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("graphiql"));
    // Request ids are echoed, or made up.
    let res = app.client.get(app.url("/healthz")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"].len(), 16);
}
on_both_backends!(graphql_over_http);

async fn persisted_queries_cors_health_and_metrics(app: TestApp) {
    // Automatic persisted queries: the hash alone is unknown until the query is sent once.
    let query = "{ regions { totalCount } }";
    let hash: String = Sha256::digest(query.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let only_hash = app.client.post(app.url("/graphql")).json(&json!({ "extensions": ext })).send().await.unwrap();
    let body: Value = only_hash.json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "{body}");
    let first =
        app.client.post(app.url("/graphql")).json(&json!({ "query": query, "extensions": ext })).send().await.unwrap();
    assert_eq!(first.json::<Value>().await.unwrap()["data"]["regions"]["totalCount"], 12);
    let again = app.client.post(app.url("/graphql")).json(&json!({ "extensions": ext })).send().await.unwrap();
    assert_eq!(again.json::<Value>().await.unwrap()["data"]["regions"]["totalCount"], 12);

    // CORS: the allow-listed storefront may call from the browser; others may not.
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,authorization")
            .send()
    };
    let allowed = preflight("https://shop.example.ma").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://shop.example.ma");
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().text().await.unwrap(), "ready");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for name in [
        "taawun_http_requests_total{",
        "taawun_http_request_duration_seconds_bucket{",
        "taawun_db_pool_connections",
        "taawun_db_statements_total",
    ] {
        assert!(metrics.contains(name), "missing {name} in\n{metrics}");
    }
}
on_both_backends!(persisted_queries_cors_health_and_metrics, super::small_limits());

async fn clients_over_their_rate_get_429(app: TestApp) {
    let query = || app.client.post(app.url("/graphql")).json(&json!({ "query": "{ regions { totalCount } }" })).send();
    for _ in 0..5 {
        assert_eq!(query().await.unwrap().status(), 200);
    }
    let refused = query().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // Health checks are never limited.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
on_both_backends!(
    clients_over_their_rate_get_429,
    crate::helpers::Options::with(|c| {
        c.rate_limit_per_minute = 1;
        c.rate_limit_burst = 5;
    })
);
