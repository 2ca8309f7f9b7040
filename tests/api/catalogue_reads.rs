//! What makes repeated catalogue reads cheap must never make them wrong.
//!
//! - `totalCount` of product listings against a count made by hand from the rows, after random
//!   changes: statuses of products and cooperatives, categories, prices, stock, sectors, labels
//!   and regions, some through the API and some straight in the database (as an import or a
//!   console session would). What the public sees is kept on the product and counts are kept
//!   per count version, so both must follow every kind of write that can change a count.
//! - The response cache: a repeated anonymous read is answered from it, and a change shows on
//!   the next read.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_payload};
use taawun::kernel::graphql::ids;

#[derive(diesel::QueryableByName, Debug, Clone)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cooperative_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    cooperative_status: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sector: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    category_path: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    region: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    min_price: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total_stock: i64,
}

#[derive(diesel::QueryableByName, Debug)]
struct LabelRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    product_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    label_type: String,
}

#[derive(diesel::QueryableByName, Debug)]
struct CategoryRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    path: String,
}

fn load<
    T: diesel::deserialize::QueryableByName<diesel::sqlite::Sqlite>
        + diesel::deserialize::QueryableByName<diesel::pg::Pg>
        + 'static,
>(
    app: &TestApp,
    sql: &str,
) -> Vec<T> {
    let query = diesel::sql_query(sql);
    let mut conn = app.db.conn().unwrap();
    match &mut *conn {
        taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::load(query, c),
        taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::load(query, c),
    }
    .unwrap()
}

fn execute(app: &TestApp, sql: &str) {
    let query = diesel::sql_query(sql);
    let mut conn = app.db.conn().unwrap();
    match &mut *conn {
        taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::execute(query, c),
        taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::execute(query, c),
    }
    .unwrap();
}

/// Whether a row (with its labels) passes a filter.
type Keeps = Box<dyn Fn(&Row, &HashSet<String>) -> bool>;

/// A filter as the API takes it, and the same filter as a test on a row.
struct Case {
    filter: Value,
    keeps: Keeps,
}

fn cases(rows: &[Row], categories: &[CategoryRow]) -> Vec<Case> {
    let mut cases = vec![
        Case { filter: json!({}), keeps: Box::new(|_, _| true) },
        Case { filter: json!({ "inStock": true }), keeps: Box::new(|r, _| r.total_stock > 0) },
        Case { filter: json!({ "inStock": false }), keeps: Box::new(|r, _| r.total_stock == 0) },
        Case {
            filter: json!({ "priceMax": "150.00" }),
            keeps: Box::new(|r, _| r.min_price.is_some_and(|p| p <= 15_000)),
        },
        Case {
            filter: json!({ "priceMin": "100.00", "inStock": true }),
            keeps: Box::new(|r, _| r.min_price.is_some_and(|p| p >= 10_000) && r.total_stock > 0),
        },
        Case { filter: json!({ "label": "IGP" }), keeps: Box::new(|_, labels| labels.contains("IGP")) },
        Case { filter: json!({ "label": "ORGANIC" }), keeps: Box::new(|_, labels| labels.contains("ORGANIC")) },
    ];
    let regions: BTreeMap<String, ()> = rows.iter().filter_map(|r| r.region.clone()).map(|c| (c, ())).collect();
    for code in regions.keys().take(3) {
        let code = code.clone();
        cases.push(Case {
            filter: json!({ "region": code }),
            keeps: Box::new(move |r, _| r.region.as_deref() == Some(code.as_str())),
        });
    }
    let sectors: BTreeMap<String, ()> = rows.iter().map(|r| (r.sector.clone(), ())).collect();
    for code in sectors.keys().take(3) {
        let code = code.clone();
        cases.push(Case {
            filter: json!({ "sector": code, "inStock": true }),
            keeps: Box::new(move |r, _| r.sector == code && r.total_stock > 0),
        });
    }
    let cooperatives: BTreeMap<i64, ()> = rows.iter().map(|r| (r.cooperative_id, ())).collect();
    for id in cooperatives.keys().take(3) {
        let id = *id;
        cases.push(Case {
            filter: json!({ "cooperative": ids::encode("Cooperative", id).to_string() }),
            keeps: Box::new(move |r, _| r.cooperative_id == id),
        });
    }
    for category in categories.iter().take(4) {
        let path = category.path.clone();
        cases.push(Case {
            filter: json!({ "category": ids::encode("Category", category.id).to_string(), "priceMax": "300.00" }),
            keeps: Box::new(move |r, _| {
                r.category_path.as_deref().is_some_and(|p| p.starts_with(path.as_str()))
                    && r.min_price.is_some_and(|p| p <= 30_000)
            }),
        });
    }
    cases
}

/// Every case's `totalCount`, anonymous (the public catalogue), against the rows.
async fn counts_match(app: &TestApp, round: usize) {
    let rows: Vec<Row> = load(
        app,
        "SELECT p.id AS id, p.status AS status, p.cooperative_id AS cooperative_id, c.status AS cooperative_status, \
           s.code AS sector, cat.path AS category_path, r.code AS region, p.min_price_minor AS min_price, \
           p.total_stock AS total_stock \
         FROM products p JOIN cooperatives c ON c.id = p.cooperative_id JOIN sectors s ON s.id = c.sector_id \
         LEFT JOIN categories cat ON cat.id = p.category_id LEFT JOIN regions r ON r.id = p.origin_region_id",
    );
    let labels: Vec<LabelRow> = load(app, "SELECT product_id, label_type FROM product_labels");
    let mut labels_of: HashMap<i64, HashSet<String>> = HashMap::new();
    for l in labels {
        labels_of.entry(l.product_id).or_default().insert(l.label_type);
    }
    let categories: Vec<CategoryRow> = load(app, "SELECT id, path FROM categories ORDER BY id");
    let none = HashSet::new();
    let public: Vec<&Row> = rows.iter().filter(|r| r.status == "ACTIVE" && r.cooperative_status == "ACTIVE").collect();
    let cases = cases(&rows, &categories);
    // Aliases, several per request, as a storefront's page of facets would send them.
    for chunk in cases.chunks(10) {
        let mut query = String::from("query Counts(");
        query.push_str(&(0..chunk.len()).map(|i| format!("$f{i}: ProductFilterInput")).collect::<Vec<_>>().join(", "));
        query.push_str(") {");
        let mut variables = serde_json::Map::new();
        for (i, case) in chunk.iter().enumerate() {
            query.push_str(&format!(" c{i}: products(first: 1, filter: $f{i}) {{ totalCount }}"));
            variables.insert(format!("f{i}"), case.filter.clone());
        }
        query.push_str(" }");
        let body = app.gql(&query, Value::Object(variables)).await;
        assert!(body["errors"].is_null(), "{body}");
        for (i, case) in chunk.iter().enumerate() {
            let expected = public.iter().filter(|r| (case.keeps)(r, labels_of.get(&r.id).unwrap_or(&none))).count();
            assert_eq!(
                body["data"][format!("c{i}")]["totalCount"].as_i64(),
                Some(expected as i64),
                "round {round}, filter {}",
                case.filter
            );
        }
    }
    // A price bound leaves nulls out, so the price order is read without its nulls-last term:
    // every page, forwards, reversed and backwards, in the rows' order.
    if round.is_multiple_of(3) {
        let bounded = cases.iter().filter(|c| c.filter.get("priceMin").is_some() || c.filter.get("priceMax").is_some());
        for case in bounded {
            let mut kept: Vec<&Row> =
                public.iter().copied().filter(|r| (case.keeps)(r, labels_of.get(&r.id).unwrap_or(&none))).collect();
            kept.sort_by_key(|r| (r.min_price, r.id));
            let ascending: Vec<String> = kept.iter().map(|r| ids::encode("Product", r.id).to_string()).collect();
            let descending: Vec<String> = ascending.iter().rev().cloned().collect();
            let what = format!("round {round}, filter {}", case.filter);
            assert_eq!(price_pages(app, &case.filter, false, false).await, ascending, "{what}");
            assert_eq!(price_pages(app, &case.filter, true, false).await, descending, "{what}, reversed");
            assert_eq!(price_pages(app, &case.filter, false, true).await, descending, "{what}, backwards");
        }
    }
}

/// The ids of a price-sorted listing, page by page: forwards with `first`/`after`, or from
/// its end with `last`/`before` (then the last product comes first).
async fn price_pages(app: &TestApp, filter: &Value, reverse: bool, backwards: bool) -> Vec<String> {
    let query = if backwards {
        "query($f: ProductFilterInput, $r: Boolean, $c: String) { products(last: 7, before: $c, filter: $f, \
         sortKey: PRICE, reverse: $r) { pageInfo { more: hasPreviousPage cursor: startCursor } nodes { id } } }"
    } else {
        "query($f: ProductFilterInput, $r: Boolean, $c: String) { products(first: 7, after: $c, filter: $f, \
         sortKey: PRICE, reverse: $r) { pageInfo { more: hasNextPage cursor: endCursor } nodes { id } } }"
    };
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let body = app.gql(query, json!({ "f": filter, "r": reverse, "c": cursor })).await;
        assert!(body["errors"].is_null(), "{body}");
        let page = &body["data"]["products"];
        let mut ids: Vec<String> =
            page["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect();
        if backwards {
            ids.reverse();
        }
        seen.extend(ids);
        if page["pageInfo"]["more"] != json!(true) {
            return seen;
        }
        cursor = page["pageInfo"]["cursor"].clone();
    }
}

/// A small deterministic generator: the same changes on every run and both backends.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const PRODUCT_UPDATE: &str = "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { product { id status } userErrors { field code } } }";
const VARIANT_UPDATE: &str =
    "mutation($i: VariantUpdateInput!) { variantUpdate(input: $i) { variant { id } userErrors { field code } } }";

async fn counts_follow_every_write(app: TestApp) {
    let admin = app.login_as("admin").await;
    let mut random = Lcg(17);
    counts_match(&app, 0).await;
    for round in 1..=6 {
        let rows: Vec<Row> = load(
            &app,
            "SELECT p.id AS id, p.status AS status, p.cooperative_id AS cooperative_id, c.status AS cooperative_status, \
               s.code AS sector, NULL AS category_path, NULL AS region, p.min_price_minor AS min_price, \
               p.total_stock AS total_stock \
             FROM products p JOIN cooperatives c ON c.id = p.cooperative_id JOIN sectors s ON s.id = c.sector_id ORDER BY p.id",
        );
        let categories: Vec<CategoryRow> = load(&app, "SELECT id, path FROM categories ORDER BY id");
        for _ in 0..4 {
            let product = &rows[random.below(rows.len())];
            let gid = ids::encode("Product", product.id).to_string();
            match random.below(9) {
                // Through the API: a status, a category, a price.
                0 => {
                    let status = ["ACTIVE", "DRAFT", "ARCHIVED"][random.below(3)];
                    let body =
                        app.gql_as(&admin, PRODUCT_UPDATE, json!({ "i": { "id": gid, "status": status } })).await;
                    ok_payload(&body, "productUpdate");
                }
                1 => {
                    let category = &categories[random.below(categories.len())];
                    let body = app
                        .gql_as(
                            &admin,
                            PRODUCT_UPDATE,
                            json!({ "i": { "id": gid, "categoryId": ids::encode("Category", category.id).to_string() } }),
                        )
                        .await;
                    ok_payload(&body, "productUpdate");
                }
                2 => {
                    let variant = app
                        .gql(
                            "query($id: ID!) { node(id: $id) { ... on Product { variants(first: 1) { nodes { id } } } } }",
                            json!({ "id": gid }),
                        )
                        .await;
                    if let Some(variant) = variant["data"]["node"]["variants"]["nodes"][0]["id"].as_str() {
                        let price = format!("{}.00", 20 + random.below(400));
                        let body =
                            app.gql_as(&admin, VARIANT_UPDATE, json!({ "i": { "id": variant, "price": price } })).await;
                        ok_payload(&body, "variantUpdate");
                    }
                }
                // Straight in the database: a cooperative suspended or reinstated, a product's
                // status, its stock running out.
                3 => {
                    let status = ["ACTIVE", "UNDER_CONTROL"][random.below(2)];
                    execute(
                        &app,
                        &format!("UPDATE cooperatives SET status = '{status}' WHERE id = {}", product.cooperative_id),
                    );
                }
                4 => {
                    let status = ["ACTIVE", "ARCHIVED"][random.below(2)];
                    execute(&app, &format!("UPDATE products SET status = '{status}' WHERE id = {}", product.id));
                }
                5 => {
                    let stock = [0, 0, 3, 50][random.below(4)];
                    execute(&app, &format!("UPDATE products SET total_stock = {stock} WHERE id = {}", product.id));
                }
                // A cooperative moved to another sector, a label granted or withdrawn, a
                // product's region corrected.
                6 => execute(
                    &app,
                    &format!(
                        "UPDATE cooperatives SET sector_id = (SELECT id FROM sectors ORDER BY id LIMIT 1 OFFSET {}) \
                         WHERE id = {}",
                        random.below(3),
                        product.cooperative_id
                    ),
                ),
                7 => {
                    if random.below(2) == 0 {
                        execute(&app, &format!("DELETE FROM product_labels WHERE product_id = {}", product.id));
                    } else {
                        execute(
                            &app,
                            &format!(
                                "INSERT INTO product_labels (product_id, label_type, official_name) \
                                 SELECT {id}, 'IGP', 'Indication géographique protégée' WHERE NOT EXISTS \
                                 (SELECT 1 FROM product_labels WHERE product_id = {id} AND label_type = 'IGP')",
                                id = product.id
                            ),
                        );
                    }
                }
                _ => execute(
                    &app,
                    &format!(
                        "UPDATE products SET origin_region_id = (SELECT id FROM regions ORDER BY id LIMIT 1 OFFSET {}) \
                         WHERE id = {}",
                        random.below(4),
                        product.id
                    ),
                ),
            }
        }
        counts_match(&app, round).await;
    }
}
// The response cache is off: the changes made straight in the database stand for another
// process's, which a server sees within the cache's recheck interval, not at once.
crate::on_both_backends!(counts_follow_every_write, crate::helpers::Options::with(|c| c.response_cache_bytes = 0));

#[derive(diesel::QueryableByName)]
struct Versions {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    catalogue: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    counts: i64,
}

fn versions(app: &TestApp) -> (i64, i64) {
    let v: Vec<Versions> = load(
        app,
        "SELECT (SELECT CAST(SUM(version) AS BIGINT) FROM catalogue_version) AS catalogue, \
                (SELECT CAST(SUM(version) AS BIGINT) FROM catalogue_count_version) AS counts",
    );
    (v[0].catalogue, v[0].counts)
}

/// A sale that leaves stock moves what the catalogue shows (its cached pages) but no count, so
/// counts stay warm through checkouts; selling out, or a price, moves both.
async fn stock_moves_leave_counts_warm(app: TestApp) {
    #[derive(diesel::QueryableByName)]
    struct Stocked {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let stocked: Vec<Stocked> =
        load(&app, "SELECT id FROM products WHERE listed AND total_stock > 1 ORDER BY id LIMIT 1");
    let id = stocked[0].id;
    let in_stock = "{ products(first: 1, filter: { inStock: true }) { totalCount } }";
    let count = |body: Value| body["data"]["products"]["totalCount"].as_i64().unwrap();
    let before = count(app.gql(in_stock, json!({})).await);
    let (catalogue, counts) = versions(&app);

    execute(&app, &format!("UPDATE products SET total_stock = total_stock - 1 WHERE id = {id}"));
    let (catalogue_after, counts_after) = versions(&app);
    assert!(catalogue_after > catalogue, "the catalogue moved");
    assert_eq!(counts_after, counts, "no count moved");
    assert_eq!(count(app.gql(in_stock, json!({})).await), before);

    execute(&app, &format!("UPDATE products SET total_stock = 0 WHERE id = {id}"));
    assert!(versions(&app).1 > counts_after, "sold out: counts move");
    assert_eq!(count(app.gql(in_stock, json!({})).await), before - 1);

    let counts_now = versions(&app).1;
    execute(&app, &format!("UPDATE products SET rating_average_centi = 420 WHERE id = {id}"));
    assert_eq!(versions(&app).1, counts_now, "a rating moves no count");
    execute(&app, &format!("UPDATE products SET min_price_minor = 1 WHERE id = {id}"));
    assert!(versions(&app).1 > counts_now, "a price can move a price-bounded count");
}
crate::on_both_backends!(stock_moves_leave_counts_warm, crate::helpers::Options::with(|c| c.response_cache_bytes = 0));

/// A product made public again by its cooperative's reinstatement shows in the count at once,
/// and the kept visibility never disagrees with its definition.
async fn visibility_is_kept_with_the_statuses(app: TestApp) {
    let before = app.gql("{ products(first: 1) { totalCount } }", json!({})).await["data"]["products"]["totalCount"]
        .as_i64()
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Cooperative {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cooperative_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let busiest: Vec<Cooperative> = load(
        &app,
        "SELECT cooperative_id, CAST(count(*) AS BIGINT) AS n FROM products WHERE listed GROUP BY cooperative_id ORDER BY n DESC LIMIT 1",
    );
    let (id, n) = (busiest[0].cooperative_id, busiest[0].n);
    execute(&app, &format!("UPDATE cooperatives SET status = 'UNDER_CONTROL' WHERE id = {id}"));
    let during = app.gql("{ products(first: 1) { totalCount } }", json!({})).await["data"]["products"]["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(during, before - n);
    execute(&app, &format!("UPDATE cooperatives SET status = 'ACTIVE' WHERE id = {id}"));
    let after = app.gql("{ products(first: 1) { totalCount } }", json!({})).await["data"]["products"]["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(after, before);
    #[derive(diesel::QueryableByName)]
    struct Disagreeing {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let wrong: Vec<Disagreeing> = load(
        &app,
        "SELECT CAST(count(*) AS BIGINT) AS n FROM products p JOIN cooperatives c ON c.id = p.cooperative_id \
         WHERE p.listed <> (p.status = 'ACTIVE' AND c.status = 'ACTIVE')",
    );
    assert_eq!(wrong[0].n, 0);
}
crate::on_both_backends!(
    visibility_is_kept_with_the_statuses,
    crate::helpers::Options::with(|c| c.response_cache_bytes = 0)
);

const LISTING: &str = "query Listing($first: Int) { products(first: $first, sortKey: PRICE) { totalCount nodes { slug priceRange { minVariantPrice { amount } } } } }";

async fn a_price_change_shows_on_the_next_read(app: TestApp) {
    let admin = app.login_as("admin").await;
    let first = app.gql(LISTING, json!({ "first": 5 })).await;
    let hits = app.metric("taawun_response_cache_hits_total").await;
    // The same read with other spacing, and variables written otherwise: one answer.
    let again = app.gql("query Listing( $first : Int ) {\n products(first: $first, sortKey: PRICE) {\n totalCount, nodes { slug priceRange { minVariantPrice { amount } } } } }", json!({ "first": 5 })).await;
    assert_eq!(first, again);
    assert_eq!(
        app.metric("taawun_response_cache_hits_total").await,
        hits + 1.0,
        "the repeated read came from the cache"
    );
    // A signed-in read is never answered from the cache.
    let signed_in = app.gql_as(&admin, LISTING, json!({ "first": 5 })).await;
    assert_eq!(signed_in["data"], first["data"]);
    assert_eq!(app.metric("taawun_response_cache_hits_total").await, hits + 1.0);

    // The cheapest product's first variant now costs less than a dirham: it stays first, at its new price.
    let slug = first["data"]["products"]["nodes"][0]["slug"].as_str().unwrap().to_string();
    let product = app.product_id(&slug).await;
    let variants = app
        .gql(
            "query($id: ID!) { node(id: $id) { ... on Product { variants(first: 10) { nodes { id } } } } }",
            json!({ "id": product }),
        )
        .await;
    for variant in variants["data"]["node"]["variants"]["nodes"].as_array().unwrap() {
        let body = app.gql_as(&admin, VARIANT_UPDATE, json!({ "i": { "id": variant["id"], "price": "0.50" } })).await;
        ok_payload(&body, "variantUpdate");
    }
    let after = app.gql(LISTING, json!({ "first": 5 })).await;
    assert_eq!(after["data"]["products"]["nodes"][0]["slug"], slug.as_str());
    assert_eq!(after["data"]["products"]["nodes"][0]["priceRange"]["minVariantPrice"]["amount"], "0.50", "{after}");
    assert_ne!(after, first);
}
crate::on_both_backends!(a_price_change_shows_on_the_next_read);

async fn the_cache_keeps_to_its_bound(app: TestApp) {
    // 40 different pages of about 2 KB each, into a cache of 16 KB.
    for first in 1..=40 {
        let body = app.gql(LISTING, json!({ "first": 1 + first % 20 })).await;
        assert!(body["errors"].is_null(), "{body}");
        let body = app.gql(LISTING, json!({ "first": first })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let held = app.metric("taawun_response_cache_bytes").await;
    assert!(held > 0.0 && held <= 16.0 * 1024.0, "held {held} bytes");
}
crate::on_both_backends!(
    the_cache_keeps_to_its_bound,
    crate::helpers::Options::with(|c| c.response_cache_bytes = 16 * 1024)
);
