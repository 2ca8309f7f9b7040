//! Cooperative managers run their own shop, never another's; bad input changes nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const CREATE: &str = r#"mutation($i: ProductCreateInput!) { productCreate(input: $i) {
    product { id slug status cooperative { slug } variants { nodes { id sku quantityAvailable price { amount } } } labels { type } media { totalCount } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { product { slug status name(locale: FR) { text } } userErrors { field message code } } }"#;
const ARCHIVE: &str = r#"mutation($i: ProductArchiveInput!) { productArchive(input: $i) { product { status } userErrors { field message code } } }"#;
const VARIANT_CREATE: &str = r#"mutation($i: VariantCreateInput!) { variantCreate(input: $i) { variant { sku } userErrors { field message code } } }"#;
const VARIANT_UPDATE: &str = r#"mutation($i: VariantUpdateInput!) { variantUpdate(input: $i) { variant { sku price { amount } } userErrors { field message code } } }"#;
const ADJUST: &str = r#"mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { variant { quantityAvailable } userErrors { field message code } } }"#;

fn new_product(slug: &str, sku: &str) -> Value {
    json!({
        "slug": slug,
        "name": [{ "locale": "AR", "text": "زيت أركان بكر" }, { "locale": "FR", "text": "Huile d'argan vierge" }],
        "description": [{ "locale": "FR", "text": "Pressée à froid." }],
        "status": "ACTIVE",
        "variants": [{ "sku": sku, "options": [{ "name": "size", "value": "100 ml" }], "price": "95.50", "stock": 12, "weightGrams": 150 }],
        "media": [{ "url": "https://example.org/a.jpg", "alt": [{ "locale": "FR", "text": "Flacon" }] }],
        "labels": [{ "type": "IGP", "officialName": "Argane", "validUntil": "2029-06-30" }]
    })
}

async fn product(app: &TestApp, slug: &str) -> Value {
    let admin = app.login_as("admin").await;
    let body = app
        .gql_as(&admin, "query($s: String) { product(slug: $s) { slug status name(locale: FR) { text } variants { nodes { id sku quantityAvailable price { amount } } } } }", json!({ "s": slug }))
        .await;
    body["data"]["product"].clone()
}

async fn managers_manage_their_own_products(app: TestApp) {
    let manager = app.login_as("manager").await;
    // No cooperativeId: a manager's product belongs to their cooperative.
    let body = app.gql_as(&manager, CREATE, json!({ "i": new_product("huile-argan-vierge-test", "TGH-TEST-1") })).await;
    let created = ok_payload(&body, "productCreate")["product"].clone();
    assert_eq!(created["cooperative"]["slug"], "tighanimine");
    assert_eq!(created["labels"][0]["type"], "IGP");
    assert_eq!(created["media"]["totalCount"], 1);
    assert_eq!(created["variants"]["nodes"][0]["price"]["amount"], "95.50");
    let id = created["id"].clone();
    let variant = created["variants"]["nodes"][0]["id"].clone();

    // It is on sale now, and shows up in the public listing for its region.
    let public = app.gql("{ products(first: 100, filter: { region: \"09\", priceMax: \"95.50\", priceMin: \"95.50\" }) { nodes { slug } } }", json!({})).await;
    assert!(
        public["data"]["products"]["nodes"].as_array().unwrap().iter().any(|p| p["slug"] == "huile-argan-vierge-test"),
        "{public}"
    );

    let body = app
        .gql_as(&manager, UPDATE, json!({ "i": { "id": id, "name": [{ "locale": "FR", "text": "Huile d'argan vierge bio" }], "status": "DRAFT" } }))
        .await;
    assert_eq!(ok_payload(&body, "productUpdate")["product"]["name"]["text"], "Huile d'argan vierge bio");
    // Drafts are invisible to the public, visible to their manager.
    assert_eq!(
        app.gql("{ product(slug: \"huile-argan-vierge-test\") { id } }", json!({})).await["data"]["product"],
        Value::Null
    );
    let own = app.gql_as(&manager, "{ product(slug: \"huile-argan-vierge-test\") { status } }", json!({})).await;
    assert_eq!(own["data"]["product"]["status"], "DRAFT");

    let body = app
        .gql_as(
            &manager,
            VARIANT_CREATE,
            json!({ "i": { "productId": id, "variant": { "sku": "TGH-TEST-2", "price": "170", "stock": 3 } } }),
        )
        .await;
    ok_payload(&body, "variantCreate");
    let body = app.gql_as(&manager, VARIANT_UPDATE, json!({ "i": { "id": variant, "price": "99" } })).await;
    assert_eq!(ok_payload(&body, "variantUpdate")["variant"]["price"]["amount"], "99.00");
    let body = app.gql_as(&manager, ADJUST, json!({ "i": { "variantId": variant, "delta": -5 } })).await;
    assert_eq!(ok_payload(&body, "inventoryAdjust")["variant"]["quantityAvailable"], 7);
    let body = app.gql_as(&manager, ARCHIVE, json!({ "i": { "id": id } })).await;
    assert_eq!(ok_payload(&body, "productArchive")["product"]["status"], "ARCHIVED");
}
on_both_backends!(managers_manage_their_own_products);

/// Every catalogue mutation, tried by the wrong people on another cooperative's product.
async fn nobody_touches_another_cooperatives_products(app: TestApp) {
    let manager = app.login_as("manager").await; // Tighanimine
    let customer = app.login_as("customer").await;
    let agent = app.login_as("agent").await;
    let taznakht = app.cooperative_id("tissage-taznakht").await;
    let slug = "tapis-berbere-tissage-taznakht";
    let before = product(&app, slug).await;
    let id = app.product_id(slug).await;
    let variant = before["variants"]["nodes"][0]["id"].clone();

    let mut input = new_product("intrusion-test", "INTRUDER-1");
    input["cooperativeId"] = json!(taznakht);
    let attempts: Vec<(&str, &str, Value)> = vec![
        ("productCreate", CREATE, json!({ "i": input })),
        ("productUpdate", UPDATE, json!({ "i": { "id": id, "status": "ARCHIVED", "slug": "hijacked" } })),
        ("productArchive", ARCHIVE, json!({ "i": { "id": id } })),
        (
            "variantCreate",
            VARIANT_CREATE,
            json!({ "i": { "productId": id, "variant": { "sku": "INTRUDER-2", "price": "1", "stock": 1 } } }),
        ),
        ("variantUpdate", VARIANT_UPDATE, json!({ "i": { "id": variant, "price": "1" } })),
        ("inventoryAdjust", ADJUST, json!({ "i": { "variantId": variant, "delta": -1 } })),
    ];
    for (mutation, query, vars) in &attempts {
        for (who, token) in [
            ("manager of another cooperative", Some(&manager)),
            ("customer", Some(&customer)),
            ("agent", Some(&agent)),
            ("anonymous", None),
        ] {
            let body = app.gql_with(token.map(|t| t.as_str()), &[], query, vars.clone()).await;
            let expected = if token.is_some() { "FORBIDDEN" } else { "UNAUTHENTICATED" };
            assert_eq!(error_codes(&body, mutation), [expected], "{mutation} by {who}: {body}");
            // A refused change answers the object as it still is (this product is public), never changed.
            let payload = body["data"][mutation].as_object().unwrap();
            let object = payload.iter().find(|(k, _)| *k != "userErrors").map(|(_, v)| v).unwrap();
            let unchanged = match *mutation {
                "productUpdate" => object["slug"] == slug && object["status"] == "ACTIVE",
                "productArchive" => object["status"] == "ACTIVE",
                "variantUpdate" => object["price"]["amount"] != "1.00",
                _ => object.is_null() || *mutation == "inventoryAdjust",
            };
            assert!(unchanged, "{mutation} by {who}: {body}");
        }
    }
    assert_eq!(product(&app, slug).await, before, "the product changed");
    assert_eq!(product(&app, "intrusion-test").await, Value::Null);

    // The cooperative's own manager and the administrators may.
    let own = app.login_as("other_manager").await;
    let body = app.gql_as(&own, ADJUST, json!({ "i": { "variantId": variant, "delta": 2 } })).await;
    ok_payload(&body, "inventoryAdjust");
    let admin = app.login_as("admin").await;
    let body = app.gql_as(&admin, ARCHIVE, json!({ "i": { "id": id } })).await;
    ok_payload(&body, "productArchive");
}
on_both_backends!(nobody_touches_another_cooperatives_products);

async fn bad_product_input_is_explained_and_changes_nothing(app: TestApp) {
    let manager = app.login_as("manager").await;
    let existing_sku = product(&app, "amlou-tighanimine").await["variants"]["nodes"][0]["sku"].clone();
    let cases: Vec<(&str, Value, &str, Vec<&str>)> = vec![
        ("slug", json!({ "slug": "Bad Slug!" }), "BAD_USER_INPUT", vec!["input", "slug"]),
        (
            "negative price",
            json!({ "variants": [{ "sku": "NEG-1", "price": "-3", "stock": 1 }] }),
            "OUT_OF_RANGE",
            vec!["input", "variants", "0", "price"],
        ),
        (
            "too precise price",
            json!({ "variants": [{ "sku": "NEG-1", "price": "3.999", "stock": 1 }] }),
            "BAD_USER_INPUT",
            vec!["input", "variants", "0", "price"],
        ),
        (
            "negative stock",
            json!({ "variants": [{ "sku": "NEG-1", "price": "3", "stock": -1 }] }),
            "OUT_OF_RANGE",
            vec!["input", "variants", "0", "stock"],
        ),
        (
            "duplicate SKU in input",
            json!({ "variants": [{ "sku": "DUP-1", "price": "3", "stock": 1 }, { "sku": "DUP-1", "price": "4", "stock": 1 }] }),
            "DUPLICATE",
            vec!["input", "variants", "1", "sku"],
        ),
        (
            "SKU already used",
            json!({ "variants": [{ "sku": existing_sku, "price": "3", "stock": 1 }] }),
            "TAKEN",
            vec!["input", "variants", "0", "sku"],
        ),
        ("no name", json!({ "name": [] }), "REQUIRED", vec!["input", "name"]),
        (
            "name too long",
            json!({ "name": [{ "locale": "FR", "text": "x".repeat(201) }] }),
            "TOO_LONG",
            vec!["input", "name", "0", "text"],
        ),
        (
            "unknown category",
            json!({ "categoryId": "Q2F0ZWdvcnk6OTk5OTk" }),
            "CATEGORY_NOT_FOUND",
            vec!["input", "categoryId"],
        ),
        ("not a category id", json!({ "categoryId": "garbage" }), "INVALID_ID", vec!["input", "categoryId"]),
        ("unknown region", json!({ "originRegionCode": "99" }), "REGION_NOT_FOUND", vec!["input", "originRegionCode"]),
        ("no variants", json!({ "variants": [] }), "BAD_USER_INPUT", vec!["input", "variants"]),
        (
            "bad media URL",
            json!({ "media": [{ "url": "javascript:alert(1)" }] }),
            "BAD_USER_INPUT",
            vec!["input", "media", "0", "url"],
        ),
        ("slug already used", json!({ "slug": "amlou-tighanimine" }), "TAKEN", vec!["input", "slug"]),
    ];
    // A date that is not a `Date` is refused by the schema before anything runs.
    let mut input = new_product("bad-input-test", "BAD-INPUT-1");
    input["labels"] = json!([{ "type": "AOP", "officialName": "X", "validUntil": "31/12/2029" }]);
    let body = app.gql_as(&manager, CREATE, json!({ "i": input })).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Date"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    for (case, patch, code, field) in cases {
        let mut input = new_product("bad-input-test", "BAD-INPUT-1");
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        let body = app.gql_as(&manager, CREATE, json!({ "i": input })).await;
        let errors = &body["data"]["productCreate"]["userErrors"];
        assert_eq!(errors[0]["code"], code, "{case}: {body}");
        assert_eq!(errors[0]["field"], json!(field), "{case}: {body}");
        assert!(errors[0]["message"].as_str().unwrap().len() > 3, "{case}: no message");
        assert_eq!(body["data"]["productCreate"]["product"], Value::Null, "{case}");
    }
    assert_eq!(product(&app, "bad-input-test").await, Value::Null, "a bad input wrote a product");

    // Stock never goes below zero, and a refused adjustment changes nothing.
    let amlou = product(&app, "amlou-tighanimine").await;
    let variant = &amlou["variants"]["nodes"][0];
    let stock = variant["quantityAvailable"].as_i64().unwrap();
    let body = app
        .gql_as(&manager, ADJUST, json!({ "i": { "variantId": variant["id"], "delta": -(stock as i32) - 1 } }))
        .await;
    assert_eq!(error_codes(&body, "inventoryAdjust"), ["OUT_OF_STOCK"]);
    assert_eq!(product(&app, "amlou-tighanimine").await["variants"]["nodes"][0]["quantityAvailable"], stock);
    // A compare-at price under the price is refused.
    let body = app
        .gql_as(
            &manager,
            VARIANT_UPDATE,
            json!({ "i": { "id": variant["id"], "price": "100", "compareAtPrice": "90" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "variantUpdate"), ["BAD_USER_INPUT"]);
    assert_eq!(product(&app, "amlou-tighanimine").await, amlou);
}
on_both_backends!(bad_product_input_is_explained_and_changes_nothing);

async fn administrators_register_cooperatives_and_categories(app: TestApp) {
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;
    let create = r#"mutation($i: CooperativeCreateInput!) { cooperativeCreate(input: $i) {
        cooperative { slug registrationNumber name(locale: AR) { text } region { code } sector { code } status isYouthCooperative contactPhone }
        userErrors { field code } } }"#;
    let input = json!({ "i": {
        "slug": "tamount-ouarzazate", "registrationNumber": "08/2026/00042",
        "name": [{ "locale": "AR", "text": "تعاونية تامونت" }, { "locale": "FR", "text": "Coopérative Tamount" }, { "locale": "ZGH", "text": "ⵜⴰⵎⵓⵏⵜ" }],
        "regionCode": "08", "sectorCode": "handicrafts", "isYouthCooperative": true, "contactPhone": "+212 6 61 23 45 67" } });
    assert_eq!(error_codes(&app.gql_as(&manager, create, input.clone()).await, "cooperativeCreate"), ["FORBIDDEN"]);
    let body = app.gql_as(&admin, create, input.clone()).await;
    let coop = &ok_payload(&body, "cooperativeCreate")["cooperative"];
    assert_eq!(coop["status"], "ACTIVE");
    assert_eq!(coop["contactPhone"], "+212661234567");
    assert_eq!(coop["region"]["code"], "08");
    let again = app.gql_as(&admin, create, input).await;
    assert_eq!(error_codes(&again, "cooperativeCreate"), ["TAKEN", "TAKEN"]);

    // Managers edit their shop's profile, not its status.
    let own = app.cooperative_id("tighanimine").await;
    let update = r#"mutation($i: CooperativeUpdateInput!) { cooperativeUpdate(input: $i) { cooperative { contactEmail status } userErrors { field code } } }"#;
    let body = app.gql_as(&manager, update, json!({ "i": { "id": own, "contactEmail": "Shop@Tighanimine.ma" } })).await;
    assert_eq!(ok_payload(&body, "cooperativeUpdate")["cooperative"]["contactEmail"], "shop@tighanimine.ma");
    let body = app.gql_as(&manager, update, json!({ "i": { "id": own, "status": "UNDER_CONTROL" } })).await;
    assert_eq!(error_codes(&body, "cooperativeUpdate"), ["FORBIDDEN"]);
    // A suspended cooperative's products leave the storefront.
    let body = app.gql_as(&admin, update, json!({ "i": { "id": own, "status": "NON_COMPLIANT" } })).await;
    assert_eq!(ok_payload(&body, "cooperativeUpdate")["cooperative"]["status"], "NON_COMPLIANT");
    let listing = app
        .gql("{ products(first: 100, filter: { region: \"09\" }) { nodes { cooperative { slug } } } }", json!({}))
        .await;
    assert!(
        !listing["data"]["products"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["cooperative"]["slug"] == "tighanimine")
    );

    let category = r#"mutation($i: CategoryCreateInput!) { categoryCreate(input: $i) { category { slug parent { slug } } userErrors { field code } } }"#;
    let parent = app.gql("{ category(slug: \"crafts\") { id } }", json!({})).await["data"]["category"]["id"].clone();
    let body = app.gql_as(&admin, category, json!({ "i": { "slug": "basketry", "parentId": parent, "name": [{ "locale": "FR", "text": "Vannerie" }] } })).await;
    assert_eq!(ok_payload(&body, "categoryCreate")["category"]["parent"]["slug"], "crafts");
}
on_both_backends!(administrators_register_cooperatives_and_categories);

async fn refused_changes_answer_the_object_as_it_is(app: TestApp) {
    let manager = app.login_as("manager").await;
    let id = app.gql("query { product(slug: \"amlou-tighanimine\") { id } }", json!({})).await["data"]["product"]["id"]
        .clone();
    let body = app.gql_as(&manager, UPDATE, json!({ "i": { "id": id, "slug": "Bad Slug!", "status": "DRAFT" } })).await;
    assert_eq!(error_codes(&body, "productUpdate"), ["BAD_USER_INPUT"]);
    let product = &body["data"]["productUpdate"]["product"];
    assert_eq!(
        (product["slug"].as_str(), product["status"].as_str()),
        (Some("amlou-tighanimine"), Some("ACTIVE")),
        "{body}"
    );
    // An id that names nothing: errors, and no object.
    let body = app.gql_as(&manager, UPDATE, json!({ "i": { "id": "UHJvZHVjdDo5OTk5OTk", "status": "DRAFT" } })).await;
    assert_eq!(error_codes(&body, "productUpdate"), ["PRODUCT_NOT_FOUND"]);
    assert_eq!(body["data"]["productUpdate"]["product"], Value::Null);
}
on_both_backends!(refused_changes_answer_the_object_as_it_is);

async fn messages_speak_the_request_language(app: TestApp) {
    let manager = app.login_as("manager").await;
    let id = app.gql("query { product(slug: \"amlou-tighanimine\") { id } }", json!({})).await["data"]["product"]["id"]
        .clone();
    let vars = json!({ "i": { "id": id, "name": [{ "locale": "FR", "text": "x".repeat(201) }] } });
    let mut seen = Vec::new();
    for (language, expected) in [("en", "must be at most 200 characters"), ("fr", "au plus 200"), ("ar", "200")] {
        let body = app.gql_with(Some(&manager), &[("Accept-Language", language)], UPDATE, vars.clone()).await;
        assert_eq!(error_codes(&body, "productUpdate"), ["TOO_LONG"], "{language}: {body}");
        let message = body["data"]["productUpdate"]["userErrors"][0]["message"].as_str().unwrap().to_string();
        assert!(message.contains(expected), "{language}: {message}");
        seen.push(message);
    }
    assert!(seen[2].chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "Arabic script: {}", seen[2]);
    assert_ne!(seen[0], seen[1]);
    // Amazigh falls back to Arabic, as texts do.
    let body = app.gql_with(Some(&manager), &[("Accept-Language", "zgh")], UPDATE, vars.clone()).await;
    assert_eq!(body["data"]["productUpdate"]["userErrors"][0]["message"].as_str().unwrap(), seen[2]);
    // GraphQL errors raised by a domain are translated too.
    let body =
        app.gql_with(None, &[("Accept-Language", "ar")], "{ products(first: 101) { nodes { id } } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "OUT_OF_RANGE", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{body}");
}
on_both_backends!(messages_speak_the_request_language);

async fn register_extract(app: &TestApp, number: &str) -> Value {
    let q = "query($n: String!) { registryEntry(registrationNumber: $n) { nameAr nameFr } }";
    app.gql(q, json!({ "n": number })).await["data"]["registryEntry"].clone()
}

async fn register_names_change_only_through_the_office(app: TestApp) {
    let manager = app.login_as("manager").await;
    let admin = app.login_as("admin").await;
    let own = app.cooperative_id("tighanimine").await;
    let update = r#"mutation($i: CooperativeUpdateInput!) { cooperativeUpdate(input: $i) { cooperative { registrationNumber name(locale: FR) { text } } userErrors { field code } } }"#;
    let current = app.gql_as(&admin, update, json!({ "i": { "id": own } })).await;
    let number =
        ok_payload(&current, "cooperativeUpdate")["cooperative"]["registrationNumber"].as_str().unwrap().to_string();
    let before = register_extract(&app, &number).await;
    let name = |fr: &str, en: &str| json!([{ "locale": "AR", "text": before["nameAr"] }, { "locale": "FR", "text": fr }, { "locale": "EN", "text": en }]);
    let fr = before["nameFr"].as_str().unwrap().to_string();
    // A manager renaming the register's French name: refused, the extract unchanged.
    let body =
        app.gql_as(&manager, update, json!({ "i": { "id": own, "name": name("Coopérative Usurpée", "x") } })).await;
    assert_eq!(error_codes(&body, "cooperativeUpdate"), ["FORBIDDEN"]);
    assert_eq!(register_extract(&app, &number).await, before);
    // The display name in another language is the shop's own.
    let body =
        app.gql_as(&manager, update, json!({ "i": { "id": own, "name": name(&fr, "Tighanimine Argan") } })).await;
    ok_payload(&body, "cooperativeUpdate");
    // An administrator may rename, never onto another cooperative's registered name ...
    let other = app.cooperative_id("tissage-taznakht").await;
    let taken = app.gql_as(&admin, update, json!({ "i": { "id": other } })).await;
    let taken_fr = ok_payload(&taken, "cooperativeUpdate")["cooperative"]["name"]["text"].as_str().unwrap().to_string();
    let body = app.gql_as(&admin, update, json!({ "i": { "id": own, "name": name(&taken_fr, "x") } })).await;
    assert_eq!(error_codes(&body, "cooperativeUpdate"), ["NAME_TAKEN"], "{body}");
    // ... and the register's name keys follow: the new name is found, the old one no longer.
    let body = app
        .gql_as(&admin, update, json!({ "i": { "id": own, "name": name("Coopérative Amalou Nouvelle", "x") } }))
        .await;
    ok_payload(&body, "cooperativeUpdate");
    let search = "query($q: String!) { registrySearch(name: $q) { nodes { registrationNumber } } }";
    let found = app.gql(search, json!({ "q": "amalou nouvelle" })).await;
    assert_eq!(found["data"]["registrySearch"]["nodes"][0]["registrationNumber"], number.as_str(), "{found}");
    let old = app.gql(search, json!({ "q": fr })).await;
    let numbers: Vec<&Value> =
        old["data"]["registrySearch"]["nodes"].as_array().unwrap().iter().map(|n| &n["registrationNumber"]).collect();
    assert!(!numbers.contains(&&json!(number)), "{old}");
}
on_both_backends!(register_names_change_only_through_the_office);
