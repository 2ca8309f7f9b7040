//! Product search through the API, kept in step with the database by the outbox.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_payload};
use crate::on_both_backends;

const SEARCH: &str = r#"query($q: String!, $filter: ProductFilterInput, $facets: [SearchFacet!]!, $first: Int, $sort: SearchSortKey) {
  productSearch(query: $q, filter: $filter, facets: $facets, first: $first, sortKey: $sort) {
    totalCount
    relaxed
    ignoredWords
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

/// Waits until the outbox has indexed the whole demo catalogue (whichever the engine).
async fn indexed(app: &TestApp) {
    app.eventually("the demo catalogue indexed", || async {
        search(app, "", json!(null), json!([])).await["totalCount"] == 160
    })
    .await;
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

/// A word no product has does not empty the results: it is left out, from the end, and the
/// answer says so.
async fn a_stray_word_is_left_out_and_said(app: TestApp) {
    indexed(&app).await;
    let argan = search(&app, "argan", json!(null), json!([])).await;
    assert_eq!((&argan["relaxed"], &argan["ignoredWords"]), (&json!(false), &json!([])), "{argan}");
    let stray = search(&app, "argan Xyzzy", json!(null), json!([])).await;
    assert_eq!((&stray["relaxed"], &stray["ignoredWords"]), (&json!(true), &json!(["Xyzzy"])), "{stray}");
    let found = slugs(&stray);
    assert!(found.iter().any(|s| s.starts_with("huile-argan-alimentaire")), "{found:?}");
    assert!(found.is_subset(&slugs(&argan)), "what the first word finds: {found:?}");
    // From the end only: when the first word matches nothing, nothing is found.
    let nothing = search(&app, "xyzzy argan", json!(null), json!([])).await;
    assert_eq!((&nothing["totalCount"], &nothing["relaxed"]), (&json!(0), &json!(false)), "{nothing}");
}
on_both_backends!(a_stray_word_is_left_out_and_said);

/// `أركان` is one letter from `بركان` (Berkane), but that letter is the first: two typos, more
/// than a five-letter word allows, as in Meilisearch.
async fn a_typo_in_the_first_letter_costs_two(app: TestApp) {
    indexed(&app).await;
    let berkane = slugs(&search(&app, "بركان", json!(null), json!([])).await);
    assert!(berkane.contains("clementines-berkane-agrumes-berkane"), "{berkane:?}");
    for query in ["أركان", "اركان", "الأركان"] {
        let found = slugs(&search(&app, query, json!(null), json!([])).await);
        assert!(found.iter().any(|s| s.starts_with("huile-argan")), "{query}: {found:?}");
        let of_berkane: Vec<&String> =
            found.iter().filter(|s| s.ends_with("-agrumes-berkane") || s.starts_with("clementines-berkane")).collect();
        assert!(of_berkane.is_empty(), "{query} finds Berkane's products: {of_berkane:?}");
    }
}
on_both_backends!(a_typo_in_the_first_letter_costs_two);

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
    assert_eq!(body["errors"][0]["extensions"]["code"], "REGION_NOT_FOUND");
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
    // Wait on the index itself (its count): the API also hides what the database says is
    // hidden, so the hits alone would pass before the index had changed.
    let total = || async { search(&app, "", json!(null), json!([])).await["totalCount"].as_i64().unwrap() };
    app.eventually("the archived product gone from the index", || async { total().await == 159 }).await;
    assert!(!slugs(&search(&app, "amlou", json!(null), json!([])).await).contains("amlou-tighanimine"));
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
    app.eventually("the suspended cooperative's products gone from the index", || async {
        total().await == 160 - 1 - 5
    })
    .await;
    let found = search(&app, "tapis", json!(null), json!([])).await;
    assert!(
        found["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["product"]["cooperative"]["slug"] != "tissage-taznakht")
    );
}
on_both_backends!(archived_products_and_suspended_cooperatives_leave_the_results);

async fn a_rebuild_matches_incremental_sync(app: TestApp) {
    let Some(live) = app.search.clone() else {
        eprintln!("skipped: compares with the embedded index");
        return;
    };
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
    let db = app.db.clone();
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

mod meilisearch_adapter {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use serde_json::json;
    use taawun::search::config::SearchConfig;
    use taawun::search::embedded::{Filter, SearchDocument, SearchQuery, SearchResults, Sort};
    use taawun::search::meili::MeiliIndex;

    use crate::meili_mock::{MeiliMock, NOWHERE};

    fn query(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            filters: vec![],
            facets: vec![],
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            range_of: None,
        }
    }

    fn doc(id: i64) -> SearchDocument {
        SearchDocument {
            id,
            version: id,
            text: BTreeMap::from([("name".to_string(), "زيت أركان\nHuile d'Argane".to_string())]),
            keywords: BTreeMap::from([("region".to_string(), vec!["09".to_string()])]),
            numbers: BTreeMap::from([("price".to_string(), 1500 + id)]),
            flags: BTreeMap::from([("in_stock".to_string(), true)]),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn speaks_meilisearch_as_configured() {
        let mock = MeiliMock::start(false);
        let config = SearchConfig::builtin().unwrap();
        let index =
            MeiliIndex::new(&mock.base, Some("masterKey"), "products", &config, Duration::from_secs(5)).unwrap();

        // Settings derived from search-config/, sent as they are.
        index.apply_settings().await.unwrap();
        let settings = mock.requests("PATCH", "/indexes/products/settings");
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].body, config.indexes["products"].meili_settings(&config));
        assert_eq!(settings[0].authorization.as_deref(), Some("Bearer masterKey"));

        // Documents in batches of 1000, text folded like the embedded engine folds it.
        let docs: Vec<SearchDocument> = (1..=2500).map(doc).collect();
        index.upsert(&docs).await.unwrap();
        let batches = mock.requests("POST", "/indexes/products/documents");
        let sizes: Vec<usize> = batches.iter().map(|b| b.body.as_array().unwrap().len()).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
        assert!(batches[0].query.contains("primaryKey=id"), "{}", batches[0].query);
        assert_eq!(batches[0].body[0]["name"], "زيت اركان huile argane");
        assert_eq!(batches[0].body[0]["region"], json!(["09"]));

        // The typed filter compiled, facets and the range field asked for, sorting passed on.
        let results = index
            .search(&SearchQuery {
                text: "الأركان".into(),
                filters: vec![
                    Filter::Equals("region".into(), "09".into()),
                    Filter::Range { field: "price".into(), min: Some(1000), max: None },
                ],
                facets: vec!["region".into()],
                sort: Sort::Field { field: "price".into(), descending: false },
                offset: 0,
                limit: 20,
                range_of: Some("price".into()),
            })
            .await
            .unwrap();
        let search = &mock.requests("POST", "/indexes/products/search")[0].body;
        assert_eq!(search["q"], "الاركان");
        assert_eq!(search["filter"], r#"region = "09" AND price >= 1000"#);
        assert_eq!(search["facets"], json!(["region", "price"]));
        assert_eq!(search["sort"], json!(["price:asc"]));
        assert_eq!(results.ids, [7, 3]);
        assert_eq!(results.total, 2);
        assert_eq!(results.facets["region"], [("09".to_string(), 2)]);
        assert_eq!(results.range, Some((1500, 18000)));

        index.delete(&[7]).await.unwrap();
        assert_eq!(mock.requests("POST", "/indexes/products/documents/delete-batch")[0].body, json!([7]));
    }

    /// Meilisearch creates the index with the first settings or documents, in a task: a search
    /// before that (while the first sync runs) finds nothing, rather than failing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn before_its_index_exists_nothing_is_found() {
        let mock = MeiliMock::start(false);
        let config = SearchConfig::builtin().unwrap();
        let index = MeiliIndex::new(&mock.base, None::<&str>, "products", &config, Duration::from_secs(5)).unwrap();
        assert_eq!(index.search(&query("huile argan")).await.unwrap(), SearchResults::default());
        assert_eq!(mock.requests("POST", "/indexes/products/search").len(), 1, "no word left out of no index");
        assert!(index.versions().await.unwrap().is_empty());
        index.delete(&[1]).await.unwrap();

        index.apply_settings().await.unwrap();
        assert!(mock.requests("GET", "/tasks/1").len() >= 3, "the settings waited for until processed");
        assert_eq!(index.search(&query("huile argan")).await.unwrap().ids, [7, 3]);
    }

    /// Queries are folded like the documents; when nothing matches every word, the last ones
    /// are left out, as the embedded engine does, and the answer says which.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queries_are_folded_and_words_left_out_from_the_end() {
        let mock = MeiliMock::start(false);
        let config = SearchConfig::builtin().unwrap();
        let index = MeiliIndex::new(&mock.base, None::<&str>, "products", &config, Duration::from_secs(5)).unwrap();
        index.apply_settings().await.unwrap();

        let found = index.search(&query("L'Huile d'ARGANE الأركان")).await.unwrap();
        let sent = mock.requests("POST", "/indexes/products/search");
        assert_eq!(sent[0].body["q"], "huile argane الاركان");
        assert_eq!(sent[0].body["matchingStrategy"], "all");
        assert!(found.ignored_words.is_empty());

        let stray = format!("Argan de {}", NOWHERE.to_uppercase());
        let found = index.search(&query(&stray)).await.unwrap();
        let sent = mock.requests("POST", "/indexes/products/search");
        assert_eq!(sent[1].body["q"], format!("argan de {NOWHERE}"));
        assert_eq!(sent[2].body["q"], "argan ", "the word left out, and the one before no longer a prefix");
        assert_eq!(sent.len(), 3);
        assert_eq!(found.ids, [7, 3]);
        assert_eq!(found.ignored_words, [NOWHERE.to_uppercase()]);
    }

    /// The relevance cases of the embedded engine, against a real Meilisearch when
    /// `TAAWUN_TEST_MEILISEARCH_URL` (and optionally `TAAWUN_TEST_MEILISEARCH_KEY`) is set.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn relevance_on_a_real_meilisearch() {
        let Some(url) = std::env::var("TAAWUN_TEST_MEILISEARCH_URL").ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped: TAAWUN_TEST_MEILISEARCH_URL is not set");
            return;
        };
        let key = std::env::var("TAAWUN_TEST_MEILISEARCH_KEY").ok();
        let config = SearchConfig::builtin().unwrap();
        let uid = format!("taawun_test_{}", std::process::id());
        let index =
            MeiliIndex::new(&url, key.as_deref(), "products", &config, Duration::from_secs(60)).unwrap().with_uid(uid);
        index.apply_settings().await.unwrap();
        let named = |id: i64, names: &[&str]| SearchDocument {
            text: BTreeMap::from([("name".to_string(), names.join("\n"))]),
            ..doc(id)
        };
        index
            .upsert(&[
                named(1, &["Huile d'argan alimentaire", "زيت أركان غذائي"]),
                named(2, &["Safran de Taliouine", "زعفران تالوين"]),
                named(3, &["Tapis berbère", "زربية أمازيغية"]),
            ])
            .await
            .unwrap();
        let find = |text: &str| {
            let index = &index;
            let text = text.to_string();
            async move {
                let q = SearchQuery {
                    text,
                    filters: vec![],
                    facets: vec![],
                    sort: Sort::Relevance,
                    offset: 0,
                    limit: 10,
                    range_of: None,
                };
                let mut ids = index.search(&q).await.unwrap().ids;
                ids.sort();
                ids
            }
        };
        for q in ["أركان", "الأركان", "argane", "argan", "ⴰⵔⴳⴰⵏ"] {
            assert_eq!(find(q).await, [1], "{q}");
        }
        for q in ["zafran", "زعفران", "زَعْفَرَان"] {
            assert_eq!(find(q).await, [2], "{q}");
        }
        assert_eq!(find("tapis").await, [3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rebuild_goes_to_a_staging_index_and_is_swapped_in() {
        let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite, Default::default()).await.unwrap();
        let mock = MeiliMock::start(false);
        let config = SearchConfig::builtin().unwrap();
        let live = MeiliIndex::new(&mock.base, None::<&str>, "products", &config, Duration::from_secs(5)).unwrap();
        let n = taawun::search::rebuild_meili(&app.db, &live, |_| {}).await.unwrap();
        assert_eq!(n, 160);
        assert_eq!(mock.requests("PATCH", "/indexes/products_rebuild/settings").len(), 1);
        let sent: usize = mock
            .requests("POST", "/indexes/products_rebuild/documents")
            .iter()
            .map(|r| r.body.as_array().unwrap().len())
            .sum();
        assert_eq!(sent, 160);
        assert!(mock.requests("POST", "/indexes/products/documents").is_empty(), "the live index is not written to");
        let swap = &mock.requests("POST", "/swap-indexes")[0].body;
        assert_eq!(swap, &json!([{ "indexes": ["products", "products_rebuild"] }]));
        assert_eq!(mock.requests("DELETE", "/indexes/products_rebuild").len(), 1);
        // Versions read back for `taawun search verify`.
        let versions = live.versions().await.unwrap();
        assert_eq!(versions, BTreeMap::from([(1, 5), (999, 1)]));
        let db = app.db.clone();
        let drift = tokio::task::spawn_blocking(move || {
            taawun::search::verify_versions(&mut db.conn().unwrap(), versions).unwrap()
        })
        .await
        .unwrap();
        assert_eq!(drift.unexpected, [999]);
        assert_eq!(drift.stale, [1]);
        assert_eq!(drift.missing.len(), 159);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_task_is_an_error() {
        let mock = MeiliMock::start(true);
        let config = SearchConfig::builtin().unwrap();
        let index = MeiliIndex::new(&mock.base, None::<&str>, "products", &config, Duration::from_secs(5)).unwrap();
        let error = index.upsert(&[doc(1)]).await.unwrap_err();
        assert!(error.to_string().contains("failed") && error.to_string().contains("invalid"), "{error}");
    }
}

/// Waits until the embedded index holds exactly what the database says it should.
async fn no_drift(app: &TestApp, after: &str) {
    let Some(live) = app.search.clone() else { return };
    let db = app.db.clone();
    app.eventually(&format!("no drift after {after}"), || {
        let (db, live) = (db.clone(), live.clone());
        async move {
            tokio::task::spawn_blocking(move || taawun::search::verify(&mut db.conn().unwrap(), &live).unwrap())
                .await
                .unwrap()
                == taawun::search::Drift::default()
        }
    })
    .await;
}

async fn every_catalogue_write_keeps_the_index_in_step(app: TestApp) {
    if app.search.is_none() {
        eprintln!("skipped: verifies the embedded index");
        return;
    }
    indexed(&app).await;
    let manager = app.login_as("manager").await;
    let admin = app.login_as("admin").await;
    let product =
        app.gql("{ product(slug: \"amlou-tighanimine\") { id variants(first: 1) { nodes { id } } } }", json!({})).await;
    let id = product["data"]["product"]["id"].clone();
    let variant = product["data"]["product"]["variants"]["nodes"][0]["id"].clone();
    let coop = app.cooperative_id("tighanimine").await;
    let steps: Vec<(&str, &str, Value, &str)> = vec![
        (
            "productUpdate rename",
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id, "name": [{ "locale": "FR", "text": "Amlou renommé" }, { "locale": "AR", "text": "أملو" }] } }),
            "productUpdate",
        ),
        (
            "productUpdate draft",
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id, "status": "DRAFT" } }),
            "productUpdate",
        ),
        (
            "productUpdate active",
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id, "status": "ACTIVE", "labels": [{ "type": "ORGANIC", "officialName": "Bio Maroc" }] } }),
            "productUpdate",
        ),
        (
            "variantCreate",
            "mutation($i: VariantCreateInput!) { variantCreate(input: $i) { userErrors { code } } }",
            json!({ "i": { "productId": id, "variant": { "sku": "AMLOU-XL", "price": "300", "stock": 3 } } }),
            "variantCreate",
        ),
        (
            "variantUpdate",
            "mutation($i: VariantUpdateInput!) { variantUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": variant, "price": "77.70" } }),
            "variantUpdate",
        ),
        (
            "inventoryAdjust",
            "mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { userErrors { code } } }",
            json!({ "i": { "variantId": variant, "delta": 5 } }),
            "inventoryAdjust",
        ),
        (
            "cooperativeUpdate",
            "mutation($i: CooperativeUpdateInput!) { cooperativeUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": coop, "name": [{ "locale": "EN", "text": "Tighanimine Argan" }] } }),
            "cooperativeUpdate",
        ),
        (
            "productArchive",
            "mutation($i: ProductArchiveInput!) { productArchive(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id } }),
            "productArchive",
        ),
    ];
    for (name, mutation, vars, root) in steps {
        let who = if root == "cooperativeUpdate" { &admin } else { &manager };
        let body = app.gql_as(who, mutation, vars).await;
        ok_payload(&body, root);
        no_drift(&app, name).await;
    }
    // The old name is no longer found, the draft never was.
    assert!(!slugs(&search(&app, "amlou", json!(null), json!([])).await).contains("amlou-tighanimine"));
}
on_both_backends!(every_catalogue_write_keeps_the_index_in_step);

/// Meilisearch down: catalogue writes go on, searching says so without a server error, and
/// once it is back the outbox delivers the update that waited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meilisearch_outage_delays_index_updates_and_loses_none() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = crate::helpers::Options::with(move |c| {
        c.meilisearch_url = Some(format!("http://127.0.0.1:{port}"));
        c.meilisearch_wait_secs = 2;
        c.outbox_backoff_ms = 100;
        c.outbox_max_attempts = 20;
    });
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite, options).await.unwrap();
    let manager = app.login_as("manager").await;
    let id =
        app.gql("{ product(slug: \"amlou-tighanimine\") { id } }", json!({})).await["data"]["product"]["id"].clone();
    let body = app
        .gql_as(
            &manager,
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": id, "name": [{ "locale": "FR", "text": "Amlou pendant la panne" }] } }),
        )
        .await;
    ok_payload(&body, "productUpdate");
    let search = app.gql("{ productSearch(query: \"amlou\") { totalCount } }", json!({})).await;
    let code = search["errors"][0]["extensions"]["code"].as_str();
    assert!(code.is_some() && code != Some("GRAPHQL_PARSE_FAILED"), "{search}");
    // Meilisearch is back on its address: the update that waited arrives.
    let mock = crate::meili_mock::MeiliMock::start_on(port, false);
    app.eventually("the waiting update delivered", || async {
        mock.requests("POST", "/indexes/products/documents")
            .iter()
            .chain(mock.requests("PUT", "/indexes/products/documents").iter())
            .any(|r| r.body.to_string().contains("pendant la panne"))
    })
    .await;
}
