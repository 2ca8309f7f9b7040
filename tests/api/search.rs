//! Product search through the API, kept in step with the database by the outbox.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_payload};
use crate::on_both_backends;

const SEARCH: &str = r#"query($q: String!, $filter: ProductFilterInput, $facets: [SearchFacet!]!, $first: Int, $sort: SearchSortKey) {
  productSearch(query: $q, filter: $filter, facets: $facets, first: $first, sortKey: $sort) {
    totalCount
    priceRange { min { amount } max { amount } }
    facets { name values { value label count } }
    edges { node { highlightedName snippet product { slug cooperative { slug } category { slug } } } }
  } }"#;

async fn search(app: &TestApp, q: &str, filter: Value, facets: Value) -> Value {
    let body = app
        .gql_with(
            None,
            &[("accept-language", "ar")],
            SEARCH,
            json!({ "q": q, "filter": filter, "facets": facets, "first": 100 }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["productSearch"].clone()
}

fn slugs(result: &Value) -> BTreeSet<String> {
    result["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["product"]["slug"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until the outbox has indexed the whole demo catalogue.
async fn indexed(app: &TestApp) {
    app.eventually("the demo catalogue indexed", || async { app.search.count() == 160 }).await;
}

async fn products_are_found_in_every_script(app: TestApp) {
    indexed(&app).await;
    let argan: BTreeSet<String> = slugs(&search(&app, "argan", json!(null), json!([])).await);
    assert!(argan.iter().any(|s| s.starts_with("huile-argan-alimentaire")), "{argan:?}");
    // Named with argan, or in the argan cosmetics category.
    assert!(
        argan.iter().all(|s| s.contains("argan") || s.starts_with("amlou") || s.starts_with("huile-figue-barbarie")),
        "only argan products: {argan:?}"
    );
    for query in ["أركان", "الأركان", "اركان", "argane", "ⴰⵔⴳⴰⵏ", "Argan"] {
        let found = slugs(&search(&app, query, json!(null), json!([])).await);
        assert!(argan.iter().filter(|s| s.starts_with("huile-argan")).all(|s| found.contains(s)), "{query}: {found:?}");
    }
    let zafran = search(&app, "zafran", json!(null), json!([])).await;
    let saffron = slugs(&zafran);
    // Saffron itself first; then what mentions it elsewhere (spice category, a cooperative's name).
    assert!(
        zafran["edges"][0]["node"]["product"]["slug"].as_str().unwrap().starts_with("safran-taliouine"),
        "{zafran}"
    );
    assert!(saffron.iter().filter(|s| s.starts_with("safran")).count() >= 5, "{saffron:?}");
    assert_eq!(slugs(&search(&app, "زَعْفَرَان", json!(null), json!([])).await), saffron);
    assert_eq!(slugs(&search(&app, "safran", json!(null), json!([])).await), saffron);
    // One typo in a five-letter word still finds argan; an unrelated word does not.
    assert!(!slugs(&search(&app, "argam", json!(null), json!([])).await).is_empty());
    let carpets = slugs(&search(&app, "tapis", json!(null), json!([])).await);
    assert!(
        carpets.iter().any(|s| s.starts_with("tapis")) && !carpets.iter().any(|s| s.contains("argan")),
        "{carpets:?}"
    );
    // Highlights in the request's language.
    let hit = &search(&app, "عسل", json!(null), json!([])).await["edges"][0]["node"];
    assert!(hit["highlightedName"].as_str().unwrap().contains("<mark>عسل</mark>"), "{hit}");
}
on_both_backends!(products_are_found_in_every_script);

async fn facets_and_filters_agree_with_the_database(app: TestApp) {
    indexed(&app).await;
    let all = search(&app, "", json!(null), json!(["REGION", "LABEL", "SECTOR"])).await;
    assert_eq!(all["totalCount"], 160);
    for facet in all["facets"].as_array().unwrap() {
        let key = match facet["name"].as_str().unwrap() {
            "REGION" => "region",
            "LABEL" => "label",
            _ => "sector",
        };
        for value in facet["values"].as_array().unwrap() {
            let listing = app
                .gql(
                    "query($f: ProductFilterInput) { products(filter: $f) { totalCount } }",
                    json!({ "f": { key: value["value"] } }),
                )
                .await;
            assert_eq!(listing["data"]["products"]["totalCount"], value["count"], "{key}={}", value["value"]);
        }
    }
    // The same filter gives exactly the same products as the catalogue listing.
    let filter = json!({ "region": "09", "priceMin": "50", "priceMax": "200", "inStock": true });
    let found = slugs(&search(&app, "", filter.clone(), json!([])).await);
    let listing = app
        .gql(
            "query($f: ProductFilterInput) { products(first: 100, filter: $f) { nodes { slug } } }",
            json!({ "f": filter }),
        )
        .await;
    let expected: BTreeSet<String> = listing["data"]["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
    let ranged = search(&app, "", filter, json!([])).await;
    let min: f64 = ranged["priceRange"]["min"]["amount"].as_str().unwrap().parse().unwrap();
    assert!(min >= 50.0);
    // Bad filters are errors, as in the catalogue.
    let body = app.gql(SEARCH, json!({ "q": "", "filter": { "region": "99" }, "facets": [] })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}
on_both_backends!(facets_and_filters_agree_with_the_database);

async fn archived_products_and_suspended_cooperatives_leave_the_results(app: TestApp) {
    indexed(&app).await;
    let manager = app.login_as("manager").await;
    let id = app.product_id("amlou-tighanimine").await;
    let body = app
        .gql_as(
            &manager,
            "mutation($i: ProductArchiveInput!) { productArchive(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id } }),
        )
        .await;
    ok_payload(&body, "productArchive");
    app.eventually("the archived product gone from search", || async {
        !slugs(&search(&app, "amlou", json!(null), json!([])).await).contains("amlou-tighanimine")
    })
    .await;
    let admin = app.login_as("admin").await;
    let coop = app.cooperative_id("tissage-taznakht").await;
    let body = app
        .gql_as(
            &admin,
            "mutation($i: CooperativeUpdateInput!) { cooperativeUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": coop, "status": "UNDER_CONTROL" } }),
        )
        .await;
    ok_payload(&body, "cooperativeUpdate");
    app.eventually("the suspended cooperative's products gone", || async {
        let found = search(&app, "tapis", json!(null), json!([])).await;
        found["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["product"]["cooperative"]["slug"] != "tissage-taznakht")
    })
    .await;
    assert_eq!(app.search.count(), 160 - 1 - 5);
}
on_both_backends!(archived_products_and_suspended_cooperatives_leave_the_results);

async fn a_rebuild_matches_incremental_sync(app: TestApp) {
    indexed(&app).await;
    // Changes flow through the outbox…
    let manager = app.login_as("manager").await;
    let (variant, _) = {
        let b = app
            .gql("{ product(slug: \"amlou-tighanimine\") { variants(first: 1) { nodes { id } } } }", json!({}))
            .await;
        (b["data"]["product"]["variants"]["nodes"][0]["id"].clone(), ())
    };
    let body = app
        .gql_as(
            &manager,
            "mutation($i: VariantUpdateInput!) { variantUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": variant, "price": "123.45" } }),
        )
        .await;
    ok_payload(&body, "variantUpdate");
    let db = app.db.clone();
    let live = app.search.clone();
    app.eventually("no drift between the index and the database", || {
        let (db, live) = (db.clone(), live.clone());
        async move {
            tokio::task::spawn_blocking(move || taawun::search::verify(&mut db.conn().unwrap(), &live).unwrap())
                .await
                .unwrap()
                == taawun::search::Drift::default()
        }
    })
    .await;
    // …and a rebuild from the database gives the same documents.
    let (db, live) = (app.db.clone(), app.search.clone());
    tokio::task::spawn_blocking(move || {
        let config = std::sync::Arc::new(taawun::search::config::SearchConfig::builtin().unwrap());
        let fresh = taawun::search::embedded::EmbeddedIndex::in_memory("products", config).unwrap();
        let n = taawun::search::rebuild(&mut db.conn().unwrap(), &fresh, |_| {}).unwrap();
        assert_eq!(n, 160);
        assert_eq!(fresh.versions().unwrap(), live.versions().unwrap());
    })
    .await
    .unwrap();
}
on_both_backends!(a_rebuild_matches_incremental_sync);

async fn suggestions_as_you_type(app: TestApp) {
    indexed(&app).await;
    let body = app
        .gql_with(None, &[("accept-language", "fr")], "{ searchSuggest(prefix: \"saf\") { products { highlightedName product { slug } } categories { slug } cooperatives { slug } } }", json!({}))
        .await;
    let s = &body["data"]["searchSuggest"];
    assert!(body.get("errors").is_none(), "{body}");
    let first = &s["products"][0];
    assert!(first["product"]["slug"].as_str().unwrap().starts_with("safran"), "{body}");
    assert!(first["highlightedName"].as_str().unwrap().contains("<mark>Safran</mark>"), "{body}");
    assert!(s["categories"].as_array().unwrap().iter().any(|c| c["slug"] == "spices-saffron"), "{body}");
    assert!(!s["cooperatives"].as_array().unwrap().is_empty());
    let empty = app.gql("{ searchSuggest(prefix: \"  \") { products { highlightedName } } }", json!({})).await;
    assert_eq!(empty["data"]["searchSuggest"]["products"], json!([]));
}
on_both_backends!(suggestions_as_you_type);
