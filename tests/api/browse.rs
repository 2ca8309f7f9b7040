//! The public catalogue as a storefront reads it.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

const LISTING: &str = r#"
query Listing($first: Int, $after: String, $filter: ProductFilterInput, $sortKey: ProductSortKey, $reverse: Boolean) {
  products(first: $first, after: $after, filter: $filter, sortKey: $sortKey, reverse: $reverse) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes {
      id slug inStock
      name { text locale direction }
      cooperative { slug region { code } sector { code } }
      category { slug }
      priceRange { minVariantPrice { amount currencyCode } }
      variants(first: 10) { nodes { sku price { amount } quantityAvailable } }
      labels { type officialName }
    }
  }
}"#;

fn nodes(body: &Value) -> &Vec<Value> {
    body["data"]["products"]["nodes"].as_array().unwrap_or_else(|| panic!("no products: {body}"))
}

fn amount(v: &Value) -> f64 {
    v["priceRange"]["minVariantPrice"]["amount"].as_str().unwrap().parse().unwrap()
}

async fn listing(app: &TestApp, vars: Value) -> Value {
    let body = app.gql(LISTING, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    body
}

async fn arabic_listing_with_everything(app: TestApp) {
    let body = app.gql_with(None, &[("accept-language", "ar-MA,fr;q=0.8")], LISTING, json!({ "first": 20 })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let products = nodes(&body);
    assert_eq!(products.len(), 20);
    assert_eq!(body["data"]["products"]["totalCount"], 160);
    for p in products {
        assert_eq!(p["name"]["locale"], "AR");
        assert_eq!(p["name"]["direction"], "RTL");
        let text = p["name"]["text"].as_str().unwrap();
        assert!(text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "not Arabic: {text}");
        assert!(!p["variants"]["nodes"].as_array().unwrap().is_empty());
        assert!(p["cooperative"]["slug"].is_string());
    }
    // French by header, English by argument, Amazigh falls back to Arabic.
    let fr = app
        .gql_with(
            None,
            &[("accept-language", "fr-FR")],
            "{ products(first: 1) { nodes { name { locale } } } }",
            json!({}),
        )
        .await;
    assert_eq!(fr["data"]["products"]["nodes"][0]["name"]["locale"], "FR");
    let en = app
        .gql_with(
            None,
            &[("accept-language", "ar")],
            "{ products(first: 1) { nodes { name(locale: EN) { locale direction } } } }",
            json!({}),
        )
        .await;
    assert_eq!(en["data"]["products"]["nodes"][0]["name"], json!({ "locale": "EN", "direction": "LTR" }));
    let zgh = app
        .gql_with(
            None,
            &[("accept-language", "zgh")],
            "{ products(first: 1) { nodes { name { locale } } } }",
            json!({}),
        )
        .await;
    assert_eq!(zgh["data"]["products"]["nodes"][0]["name"]["locale"], "AR");
}
on_both_backends!(arabic_listing_with_everything);

async fn pages_walk_the_whole_list_once(app: TestApp) {
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let body = listing(&app, json!({ "first": 37, "after": after })).await;
        for p in nodes(&body) {
            assert!(seen.insert(p["id"].as_str().unwrap().to_string()), "seen twice: {}", p["id"]);
        }
        let info = &body["data"]["products"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(String::from);
    }
    assert_eq!(seen.len(), 160);
    // Backwards from the end.
    let body = app.gql("{ products(last: 3) { nodes { id } pageInfo { hasPreviousPage } } }", json!({})).await;
    assert_eq!(body["data"]["products"]["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(body["data"]["products"]["pageInfo"]["hasPreviousPage"], true);
}
on_both_backends!(pages_walk_the_whole_list_once);

async fn filters_return_exactly_the_matching_products(app: TestApp) {
    // Region: Souss-Massa products only.
    let body = listing(&app, json!({ "first": 100, "filter": { "region": "09" } })).await;
    assert!(!nodes(&body).is_empty());
    assert!(nodes(&body).iter().all(|p| p["cooperative"]["region"]["code"] == "09"));
    // Sector.
    let body = listing(&app, json!({ "first": 100, "filter": { "sector": "handicrafts" } })).await;
    assert!(nodes(&body).iter().all(|p| p["cooperative"]["sector"]["code"] == "handicrafts"));
    assert_eq!(body["data"]["products"]["totalCount"], nodes(&body).len());
    // A category includes its descendants: "food" covers argan oil (food > oils > argan-oil).
    let food = app.gql("{ category(slug: \"food\") { id } }", json!({})).await;
    let food_id = food["data"]["category"]["id"].clone();
    let body = listing(&app, json!({ "first": 100, "filter": { "category": food_id } })).await;
    let slugs: Vec<&str> = nodes(&body).iter().map(|p| p["category"]["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"argan-oil") && slugs.contains(&"honey-amlou"));
    assert!(!slugs.iter().any(|s| ["carpets", "pottery", "rose-water"].contains(s)));
    // Label.
    let body = listing(&app, json!({ "first": 100, "filter": { "label": "AOP" } })).await;
    assert!(!nodes(&body).is_empty());
    assert!(nodes(&body).iter().all(|p| p["labels"].as_array().unwrap().iter().any(|l| l["type"] == "AOP")));
    // Price range, sorted by price.
    let body = listing(
        &app,
        json!({ "first": 100, "filter": { "priceMin": "50", "priceMax": "120.00" }, "sortKey": "PRICE" }),
    )
    .await;
    let prices: Vec<f64> = nodes(&body).iter().map(amount).collect();
    assert!(!prices.is_empty());
    assert!(prices.iter().all(|p| (50.0..=120.0).contains(p)), "{prices:?}");
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "not sorted: {prices:?}");
    let body = listing(&app, json!({ "first": 5, "sortKey": "PRICE", "reverse": true })).await;
    let prices: Vec<f64> = nodes(&body).iter().map(amount).collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "not sorted: {prices:?}");
    // In stock / sold out partition the catalogue.
    let in_stock = listing(&app, json!({ "first": 1, "filter": { "inStock": true } })).await;
    let sold_out = listing(&app, json!({ "first": 100, "filter": { "inStock": false } })).await;
    assert!(nodes(&sold_out).iter().all(|p| p["inStock"] == false));
    let total = |b: &Value| b["data"]["products"]["totalCount"].as_i64().unwrap();
    assert_eq!(total(&in_stock) + total(&sold_out), 160);
    // Cooperative, combined with a region and a label.
    let coop = app.cooperative_id("tighanimine").await;
    let body =
        listing(&app, json!({ "first": 100, "filter": { "cooperative": coop, "region": "09", "label": "IGP" } })).await;
    assert!(!nodes(&body).is_empty());
    assert!(nodes(&body).iter().all(|p| p["cooperative"]["slug"] == "tighanimine"));
    // Unknown codes are errors, not empty pages.
    let body = app.gql("{ products(filter: { region: \"13\" }) { totalCount } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "REGION_NOT_FOUND", "{body}");
}
on_both_backends!(filters_return_exactly_the_matching_products);

async fn names_sort_in_the_request_locale(app: TestApp) {
    let body = app
        .gql_with(
            None,
            &[("accept-language", "fr")],
            "{ products(first: 100, sortKey: NAME) { nodes { name { text } } } }",
            json!({}),
        )
        .await;
    let names: Vec<String> = body["data"]["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"]["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 100);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}
on_both_backends!(names_sort_in_the_request_locale);

async fn product_page_by_slug_id_and_node(app: TestApp) {
    let query = r#"query($slug: String) { product(slug: $slug) {
        id slug description { text } featuredImage { url alt { text } }
        media(first: 5) { totalCount nodes { url position } }
        originRegion { code name(locale: FR) { text } }
        labels { type officialName certifyingBody certificateNumber validUntil isValid }
        variants { totalCount nodes { id sku selectedOptions { name value } compareAtPrice { amount } weightGrams availableForSale } }
    } }"#;
    let body = app.gql(query, json!({ "slug": "safran-taliouine-amal-taliouine" })).await;
    let p = &body["data"]["product"];
    assert_eq!(p["slug"], "safran-taliouine-amal-taliouine", "{body}");
    assert_eq!(p["labels"][0]["type"], "AOP");
    assert_eq!(p["labels"][0]["officialName"], "Safran de Taliouine");
    assert_eq!(p["labels"][0]["isValid"], true);
    assert_eq!(p["originRegion"]["code"], "09");
    assert_eq!(p["media"]["totalCount"], 2);
    assert_eq!(p["variants"]["totalCount"], 2);
    assert_eq!(p["variants"]["nodes"][0]["selectedOptions"][0], json!({ "name": "weight", "value": "1 g" }));

    let id = p["id"].clone();
    let by_id = app.gql("query($id: ID) { product(id: $id) { slug } }", json!({ "id": id })).await;
    assert_eq!(by_id["data"]["product"]["slug"], "safran-taliouine-amal-taliouine");
    let node = app.gql("query($id: ID!) { node(id: $id) { id ... on Product { slug } } }", json!({ "id": id })).await;
    assert_eq!(node["data"]["node"]["slug"], "safran-taliouine-amal-taliouine");
    let variant_id = p["variants"]["nodes"][0]["id"].clone();
    let nodes = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }",
            json!({ "ids": [variant_id, "bm9wZTox", id] }),
        )
        .await;
    assert_eq!(nodes["data"]["nodes"][0]["__typename"], "Variant");
    assert_eq!(nodes["data"]["nodes"][1], Value::Null);
    assert_eq!(nodes["data"]["nodes"][2]["__typename"], "Product");
    let missing = app.gql("{ product(slug: \"no-such-product\") { id } }", json!({})).await;
    assert_eq!(missing["data"]["product"], Value::Null);
}
on_both_backends!(product_page_by_slug_id_and_node);

async fn cooperatives_categories_regions_sectors(app: TestApp) {
    let body = app
        .gql(
            r#"{ cooperatives(first: 100, filter: { isWomenCooperative: true }) { totalCount nodes { slug isWomenCooperative status } }
                 regions { totalCount nodes { code name { text } } }
                 sectors(first: 3) { totalCount pageInfo { hasNextPage } nodes { code } }
                 categories { nodes { slug children { slug children { slug } } } } }"#,
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"];
    assert!(d["cooperatives"]["nodes"].as_array().unwrap().iter().all(|c| c["isWomenCooperative"] == true));
    assert_eq!(d["cooperatives"]["totalCount"], d["cooperatives"]["nodes"].as_array().unwrap().len());
    assert_eq!(d["regions"]["totalCount"], 12);
    assert_eq!(d["regions"]["nodes"][10]["name"]["text"], "Laâyoune-Sakia El Hamra");
    assert_eq!(d["sectors"]["pageInfo"]["hasNextPage"], true);
    let roots: Vec<&str> =
        d["categories"]["nodes"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(roots, ["food", "cosmetics", "crafts"]);
    assert_eq!(d["categories"]["nodes"][0]["children"][0]["children"][0]["slug"], "argan-oil");

    let coop = app
        .gql(
            r#"{ cooperative(slug: "tissage-taznakht") { name(locale: AR) { text direction } region { code } sector { code }
                 products(first: 10) { totalCount nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    let c = &coop["data"]["cooperative"];
    assert_eq!(c["name"]["text"], "تعاونية النسيج تازناخت");
    assert_eq!(c["name"]["direction"], "RTL");
    assert_eq!(c["region"]["code"], "08");
    assert_eq!(c["products"]["totalCount"], 5);
}
on_both_backends!(cooperatives_categories_regions_sectors);

/// The number of SQL statements for a nested page must not grow with the page size.
/// (Each key type is asked for in one wave only: a key type reached in two waves may or may
/// not share a batch, depending on timing, which would make the count differ by one.)
async fn nested_listing_statement_count_does_not_grow(app: TestApp) {
    let query = r#"query($first: Int) { products(first: $first) { nodes {
        name { text } cooperative { name { text } region { code } sector { code } }
        category { slug parent { slug } }
        variants(first: 10) { nodes { sku price { amount } } }
        media(first: 3) { nodes { url } } featuredImage { url } labels { type } } } }"#;
    let mut counts = Vec::new();
    for first in [5, 50] {
        // The fewest of three runs: a batch split by a preempted thread is not an N+1.
        let mut fewest = f64::MAX;
        for _ in 0..3 {
            let before = app.metric("taawun_db_statements_total").await;
            let body = app.gql(query, json!({ "first": first })).await;
            let after = app.metric("taawun_db_statements_total").await;
            assert!(body.get("errors").is_none(), "{body}");
            assert_eq!(body["data"]["products"]["nodes"].as_array().unwrap().len(), first as usize);
            fewest = fewest.min(after - before);
        }
        counts.push(fewest);
    }
    assert_eq!(counts[0], counts[1], "statements for 5 vs 50 products: {counts:?}");
    assert!(counts[1] <= 12.0, "too many statements for one page: {counts:?}");
}
// The outbox worker polls the same pool; it is stopped so only the request's statements count.
on_both_backends!(
    nested_listing_statement_count_does_not_grow,
    crate::helpers::Options::with(|c| c.outbox_worker = false)
);

/// The generated catalogue of the load benchmarks lists, prices and filters like any other.
async fn generated_catalogue_is_a_real_catalogue(app: TestApp) {
    let as_of = chrono::Utc::now().date_naive();
    let spec = taawun::seed::national::NationalSpec {
        cooperatives: 40,
        members: 300,
        women: 100,
        young: 10,
        as_of,
        filing_years: 1,
        seed: 3,
    };
    let total = {
        let mut conn = app.db.conn().unwrap();
        taawun::seed::national::seed(&mut conn, &app.config.registry, &spec, |_, _| {}).unwrap();
        taawun::seed::catalog::seed_products(&mut conn, 1_500, |_, _| {}).unwrap()
    };
    assert_eq!(total, 1_500);
    let body = app
        .gql(
            "{ products(first: 20, sortKey: PRICE) { totalCount nodes { priceRange { minVariantPrice { amount } } variants { nodes { sku price { amount } } } featuredImage { url } cooperative { registrationNumber } } } }",
            json!({}),
        )
        .await;
    let products = &body["data"]["products"];
    assert_eq!(products["totalCount"], 1_500, "{body}");
    let prices: Vec<f64> = products["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["priceRange"]["minVariantPrice"]["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "sorted by the lowest variant price: {prices:?}");
    for p in products["nodes"].as_array().unwrap() {
        let lowest = p["variants"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["price"]["amount"].as_str().unwrap().parse::<f64>().unwrap())
            .fold(f64::MAX, f64::min);
        assert_eq!(lowest, p["priceRange"]["minVariantPrice"]["amount"].as_str().unwrap().parse::<f64>().unwrap());
    }
}
on_both_backends!(
    generated_catalogue_is_a_real_catalogue,
    crate::helpers::Options { demo: false, ..Default::default() }
);

async fn variant_pickers_and_order_history_link_back_to_products(app: TestApp) {
    let picker = "query($s: [SelectedOptionInput!]!) { product(slug: \"huile-argan-alimentaire-tighanimine\") { options { name values } variantBySelectedOptions(selectedOptions: $s) { sku selectedOptions { value } } } }";
    let pick = |selected: serde_json::Value| {
        let app = &app;
        async move { app.gql(picker, json!({ "s": selected })).await["data"]["product"].clone() }
    };
    let found = pick(json!([{ "name": "size", "value": "500 ml" }])).await;
    assert_eq!(found["options"], json!([{ "name": "size", "values": ["250 ml", "500 ml"] }]));
    assert_eq!(found["variantBySelectedOptions"]["selectedOptions"], json!([{ "value": "500 ml" }]));
    for nothing in
        [json!([{ "name": "size", "value": "1 l" }]), json!([]), json!([{ "name": "colour", "value": "500 ml" }])]
    {
        assert_eq!(pick(nothing.clone()).await["variantBySelectedOptions"], serde_json::Value::Null, "{nothing}");
    }
    // A category lists its descendants' products too.
    let oils = app
        .gql(
            "{ category(slug: \"oils\") { products(first: 100) { totalCount nodes { category { slug } } } } }",
            json!({}),
        )
        .await;
    let nodes = oils["data"]["category"]["products"]["nodes"].as_array().unwrap().clone();
    assert!(!nodes.is_empty());
    assert!(
        nodes.iter().all(|p| ["oils", "argan-oil", "olive-oil"].contains(&p["category"]["slug"].as_str().unwrap())),
        "{oils}"
    );
    assert_eq!(oils["data"]["category"]["products"]["totalCount"], nodes.len());
    // An order line links to its variant and product while the product is on sale.
    let customer = app.login_as("customer").await;
    let cart = crate::account_flows::argan_cart(&app, &customer).await;
    let address = app.gql_as(&customer, "{ me { defaultAddress { id } } }", json!({})).await["data"]["me"]["defaultAddress"]["id"].clone();
    let placed = app
        .gql_as(
            &customer,
            "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { id lines { variant { sku } product { slug } } } userErrors { code } } }",
            json!({ "i": { "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "0612345678", "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": "history-link-01", "savedAddressId": address } }),
        )
        .await;
    let order = crate::helpers::ok_payload(&placed, "checkoutComplete")["order"].clone();
    assert_eq!(order["lines"][0]["product"]["slug"], "huile-argan-cosmetique-tighanimine");
    assert!(order["lines"][0]["variant"]["sku"].is_string());
    let manager = app.login_as("manager").await;
    let product = app.product_id("huile-argan-cosmetique-tighanimine").await;
    let archived = app
        .gql_as(
            &manager,
            "mutation($i: ProductArchiveInput!) { productArchive(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": product } }),
        )
        .await;
    crate::helpers::ok_payload(&archived, "productArchive");
    let history = app
        .gql_as(&customer, "query($id: ID!) { node(id: $id) { ... on Order { lines { productName variant { sku } product { slug } } } } }", json!({ "id": order["id"] }))
        .await;
    let line = &history["data"]["node"]["lines"][0];
    assert_eq!(
        (line["variant"].clone(), line["product"].clone()),
        (serde_json::Value::Null, serde_json::Value::Null),
        "{history}"
    );
    assert!(line["productName"].is_string(), "the line keeps its name");
}
on_both_backends!(variant_pickers_and_order_history_link_back_to_products);

async fn product_pages_tell_search_engines_what_they_are(app: TestApp) {
    let product = app.product_id("amlou-tighanimine").await;
    let read = "query($l: Locale) { product(slug: \"amlou-tighanimine\") { name(locale: $l) { text } seo(locale: $l) { title { text } description { text } } } }";
    // Unset: the name, and the description cut to 160 characters at most.
    let before = app.gql(read, json!({ "l": "FR" })).await["data"]["product"].clone();
    assert_eq!(before["seo"]["title"]["text"], before["name"]["text"]);
    assert!(before["seo"]["description"]["text"].as_str().unwrap().chars().count() <= 160);
    let update = "mutation($i: ProductSeoUpdateInput!) { productSeoUpdate(input: $i) { product { seo(locale: FR) { title { text } } } userErrors { field code } } }";
    let input = |title: &str| json!({ "i": { "productId": product, "title": [{ "locale": "FR", "text": title }], "description": [{ "locale": "AR", "text": "أملو من تيغانيمين" }] } });
    let customer = app.login_as("customer").await;
    assert_eq!(
        crate::helpers::error_codes(&app.gql_as(&customer, update, input("Amlou")).await, "productSeoUpdate"),
        ["FORBIDDEN"]
    );
    let manager = app.login_as("manager").await;
    let long = app.gql_as(&manager, update, input(&"x".repeat(71))).await;
    assert_eq!(
        long["data"]["productSeoUpdate"]["userErrors"][0]["field"],
        json!(["input", "title", "0", "text"]),
        "{long}"
    );
    assert_eq!(app.gql(read, json!({ "l": "FR" })).await["data"]["product"], before, "a refusal changes nothing");
    let done = app.gql_as(&manager, update, input("Amlou de Tighanimine, amandes et argan")).await;
    assert_eq!(
        crate::helpers::ok_payload(&done, "productSeoUpdate")["product"]["seo"]["title"]["text"],
        "Amlou de Tighanimine, amandes et argan"
    );
    let arabic = app.gql(read, json!({ "l": "AR" })).await["data"]["product"].clone();
    assert_eq!(arabic["seo"]["description"]["text"], "أملو من تيغانيمين");
    assert_eq!(
        arabic["seo"]["title"]["text"], "Amlou de Tighanimine, amandes et argan",
        "falls back along the locale chain"
    );
}
on_both_backends!(product_pages_tell_search_engines_what_they_are);
