//! Promotions: discount codes and automatic promotions in carts and checkout, who may create
//! them, who funds them (the cooperative's ledger and the commission base), and usage limits
//! under a race.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};

const CREATE: &str = r#"mutation($i: PromotionCreateInput!) { promotionCreate(input: $i) {
    promotion { id code usedCount fundedBy cooperative { slug } } userErrors { field code } } }"#;
const UPDATE: &str = r#"mutation($i: PromotionUpdateInput!) { promotionUpdate(input: $i) {
    promotion { id active usedCount } userErrors { field code } } }"#;
const CODES: &str = r#"mutation($i: CartDiscountCodesUpdateInput!) { cartDiscountCodesUpdate(input: $i) {
    cart { discountCodes { code applicable rejection } discounts { title code amount { amount } }
           cost { subtotal { amount } discount { amount } shipping { amount } total { amount } }
           lines(first: 10) { nodes { total { amount } discount { amount } } } }
    userErrors { field code message } } }"#;
const CART: &str = r#"query($id: ID!) { cart(id: $id) { discountCodes { code applicable rejection }
    discounts { code amount { amount } } cost { subtotal { amount } discount { amount } total { amount } } } }"#;
const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
    order { id total { amount } discount { amount } discounts { code amount { amount } }
            lines { discount { amount } image { url } }
            fulfilments { id subtotal { amount } discount { amount } marketplaceDiscount { amount } shipping { amount }
                          commission { amount } commissionRateBps net { amount } cooperative { id slug } } }
    userErrors { field code } } }"#;
const LEDGER: &str =
    "query($c: ID!) { cooperativeLedger(cooperativeId: $c, first: 100) { nodes { orderId kind amount { amount } } } }";

fn minor(v: &Value) -> i64 {
    let amount: f64 = v["amount"].as_str().unwrap_or_else(|| panic!("no amount in {v}")).parse().unwrap();
    (amount * 100.0).round() as i64
}

async fn variant(app: &TestApp, slug: &str) -> Value {
    let q = "query($s: String) { product(slug: $s) { variants(first: 1) { nodes { id } } } }";
    app.gql(q, json!({ "s": slug })).await["data"]["product"]["variants"]["nodes"][0]["id"].clone()
}

/// A guest cart with one argan oil (Tighanimine) and one carpet (Tissage Taznakht).
async fn two_cooperative_cart(app: &TestApp) -> Value {
    let lines = json!([
        { "variantId": variant(app, "huile-argan-alimentaire-tighanimine").await, "quantity": 1 },
        { "variantId": variant(app, "tapis-berbere-tissage-taznakht").await, "quantity": 1 }
    ]);
    let body = app
        .gql(
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { code } } }",
            json!({ "i": { "lines": lines } }),
        )
        .await;
    ok_payload(&body, "cartCreate")["cart"]["id"].clone()
}

async fn argan_cart(app: &TestApp, token: Option<&str>) -> Value {
    let lines = json!([{ "variantId": variant(app, "huile-argan-alimentaire-tighanimine").await, "quantity": 1 }]);
    let q = "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { code } } }";
    let body = match token {
        Some(t) => app.gql_as(t, q, json!({ "i": { "lines": lines } })).await,
        None => app.gql(q, json!({ "i": { "lines": lines } })).await,
    };
    ok_payload(&body, "cartCreate")["cart"]["id"].clone()
}

fn checkout_input(cart: &Value, email: &str, key: &str) -> Value {
    json!({ "i": {
        "cartId": cart, "email": email, "phone": "+212612345678", "paymentMethod": "CASH_ON_DELIVERY",
        "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09" } } })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app.gql_as(token, CREATE, json!({ "i": input })).await;
    ok_payload(&body, "promotionCreate")["promotion"].clone()
}

async fn codes_apply_and_refusals_say_why(app: TestApp) {
    let admin = app.login_as("admin").await;
    let tighanimine = app.cooperative_id("tighanimine").await;
    create(
        &app,
        &admin,
        json!({ "title": "Argan week", "code": "argan10", "kind": "PERCENTAGE", "value": "10", "scope": "COOPERATIVE",
                "cooperativeId": tighanimine }),
    )
    .await;
    create(
        &app,
        &admin,
        json!({ "title": "Over", "code": "OVER", "kind": "FIXED_AMOUNT", "value": "20",
        "scope": "CART", "startsAt": "2025-01-01T00:00:00Z", "endsAt": "2025-02-01T00:00:00Z" }),
    )
    .await;
    create(
        &app,
        &admin,
        json!({ "title": "Big spenders", "code": "BIG", "kind": "FIXED_AMOUNT", "value": "20",
        "scope": "CART", "minimumSubtotal": "100000" }),
    )
    .await;
    let once = create(
        &app,
        &admin,
        json!({ "title": "Once each", "code": "ONCE", "kind": "FIXED_AMOUNT",
        "value": "15", "scope": "CART", "perCustomerLimit": 1 }),
    )
    .await;

    let cart = two_cooperative_cart(&app).await;
    let body = app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": [" Argan10 "] } })).await;
    let updated = &ok_payload(&body, "cartDiscountCodesUpdate")["cart"];
    assert_eq!(updated["discountCodes"], json!([{ "code": "ARGAN10", "applicable": true, "rejection": null }]));
    let argan_line = minor(&updated["lines"]["nodes"][0]["total"]);
    let discount = (argan_line + 5) / 10;
    assert_eq!(minor(&updated["discounts"][0]["amount"]), discount);
    assert_eq!(minor(&updated["lines"]["nodes"][0]["discount"]), discount);
    assert_eq!(minor(&updated["lines"]["nodes"][1]["discount"]), 0, "the carpet is another cooperative's");
    let cost = &updated["cost"];
    assert_eq!(minor(&cost["discount"]), discount);
    assert_eq!(minor(&cost["total"]), minor(&cost["subtotal"]) - discount + minor(&cost["shipping"]));

    // Each refusal says why, at the code's position, and the cart keeps what it had.
    for (codes, position, code) in [
        (json!(["ARGAN10", "NOPE"]), "1", "DISCOUNT_CODE_NOT_FOUND"),
        (json!(["OVER"]), "0", "DISCOUNT_EXPIRED"),
        (json!(["BIG"]), "0", "DISCOUNT_NOT_APPLICABLE"),
        (json!(["x"]), "0", "DISCOUNT_CODE_NOT_FOUND"),
    ] {
        let body = app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": codes } })).await;
        assert_eq!(error_codes(&body, "cartDiscountCodesUpdate"), vec![code], "{body}");
        let fields = &body["data"]["cartDiscountCodesUpdate"]["userErrors"][0]["field"];
        assert_eq!(fields, &json!(["input", "discountCodes", position]));
        let still = &body["data"]["cartDiscountCodesUpdate"]["cart"];
        assert_eq!(still["discountCodes"][0]["code"], "ARGAN10", "nothing changed: {body}");
    }
    let six = json!(["A1A", "B2B", "C3C", "D4D", "E5E", "F6F"]);
    let body = app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": six } })).await;
    assert_eq!(error_codes(&body, "cartDiscountCodesUpdate"), vec!["TOO_LONG"]);

    // A per-customer limit: a signed-in buyer uses ONCE, then a second cart refuses it.
    let buyer = app.login_as("customer").await;
    let first = argan_cart(&app, Some(&buyer)).await;
    let body = app.gql_as(&buyer, CODES, json!({ "i": { "cartId": first, "discountCodes": ["ONCE"] } })).await;
    ok_payload(&body, "cartDiscountCodesUpdate");
    let body = app.gql_as(&buyer, CHECKOUT, checkout_input(&first, "customer@demo.taawun.ma", "promo-once-1")).await;
    let order = &ok_payload(&body, "checkoutComplete")["order"];
    assert_eq!(order["discounts"], json!([{ "code": "ONCE", "amount": { "amount": "15.00" } }]));
    let second = argan_cart(&app, Some(&buyer)).await;
    let body = app.gql_as(&buyer, CODES, json!({ "i": { "cartId": second, "discountCodes": ["ONCE"] } })).await;
    assert_eq!(error_codes(&body, "cartDiscountCodesUpdate"), vec!["DISCOUNT_LIMIT_REACHED"]);

    // A code turned off after it was entered: the cart shows it, and checkout refuses until
    // it is removed, placing nothing.
    let guest = argan_cart(&app, None).await;
    let body = app.gql(CODES, json!({ "i": { "cartId": guest, "discountCodes": ["argan10"] } })).await;
    ok_payload(&body, "cartDiscountCodesUpdate");
    let promotions = app.gql_as(&admin, "{ promotions(first: 20) { totalCount nodes { id code } } }", json!({})).await;
    assert_eq!(promotions["data"]["promotions"]["totalCount"], 4 + 2, "mine and the demo's two");
    let argan10 =
        promotions["data"]["promotions"]["nodes"].as_array().unwrap().iter().find(|p| p["code"] == "ARGAN10").unwrap()
            ["id"]
            .clone();
    let body = app.gql_as(&admin, UPDATE, json!({ "i": { "promotionId": argan10, "active": false } })).await;
    ok_payload(&body, "promotionUpdate");
    let shown = app.gql(CART, json!({ "id": guest })).await;
    assert_eq!(
        shown["data"]["cart"]["discountCodes"],
        json!([{ "code": "ARGAN10", "applicable": false, "rejection": "EXPIRED" }])
    );
    assert_eq!(minor(&shown["data"]["cart"]["cost"]["discount"]), 0);
    let body = app.gql(CHECKOUT, checkout_input(&guest, "guest@example.ma", "promo-off-1")).await;
    assert_eq!(error_codes(&body, "checkoutComplete"), vec!["DISCOUNT_EXPIRED"]);
    let body = app.gql(CODES, json!({ "i": { "cartId": guest, "discountCodes": [] } })).await;
    ok_payload(&body, "cartDiscountCodesUpdate");
    let body = app.gql(CHECKOUT, checkout_input(&guest, "guest@example.ma", "promo-off-1")).await;
    assert_eq!(minor(&ok_payload(&body, "checkoutComplete")["order"]["discount"]), 0);
    let _ = once;
}
crate::on_both_backends!(codes_apply_and_refusals_say_why);

async fn only_staff_and_managers_create_promotions(app: TestApp) {
    let manager = app.login_as("manager").await;
    let customer = app.login_as("customer").await;
    let taznakht = app.cooperative_id("tissage-taznakht").await;
    let input = json!({ "title": "Ours", "code": "OURS", "kind": "PERCENTAGE", "value": "5", "scope": "COOPERATIVE" });
    let body = app.gql_as(&customer, CREATE, json!({ "i": input })).await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["FORBIDDEN"]);
    let body = app.gql(CREATE, json!({ "i": input })).await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["UNAUTHENTICATED"]);
    let mut theirs = input.clone();
    theirs["cooperativeId"] = json!(taznakht);
    let body = app.gql_as(&manager, CREATE, json!({ "i": theirs })).await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["FORBIDDEN"]);
    // A manager's promotion is its own cooperative's, funded by it, whatever it asks.
    let mut asks = input.clone();
    asks["fundedBy"] = json!("MARKETPLACE");
    let created = create(&app, &manager, asks).await;
    assert_eq!(created["fundedBy"], "COOPERATIVE");
    assert_eq!(created["cooperative"]["slug"], "tighanimine");
    // Another cooperative's product cannot be in it.
    let carpet = app.product_id("tapis-berbere-tissage-taznakht").await;
    let body = app
        .gql_as(
            &manager,
            CREATE,
            json!({ "i": { "title": "P", "kind": "PERCENTAGE", "value": "5", "scope": "PRODUCTS",
            "productIds": [carpet] } }),
        )
        .await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["BAD_USER_INPUT"]);
    // Bad values, all at once; a code taken.
    let admin = app.login_as("admin").await;
    let body = app
        .gql_as(&admin, CREATE, json!({ "i": { "title": "", "code": "a b", "kind": "PERCENTAGE", "value": "150",
            "scope": "CATEGORY", "usageLimit": 0, "startsAt": "2027-01-01T00:00:00Z", "endsAt": "2026-01-01T00:00:00Z" } }))
        .await;
    let mut codes = error_codes(&body, "promotionCreate");
    codes.sort();
    assert_eq!(codes, vec!["BAD_USER_INPUT"; 5].into_iter().chain(["REQUIRED"]).collect::<Vec<_>>(), "{body}");
    let body = app.gql_as(&admin, CREATE, json!({ "i": input.clone() })).await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["REQUIRED"], "COOPERATIVE scope needs a cooperative");
    let mut dup = input.clone();
    dup["cooperativeId"] = json!(taznakht);
    let body = app.gql_as(&admin, CREATE, json!({ "i": dup })).await;
    assert_eq!(error_codes(&body, "promotionCreate"), vec!["TAKEN"]);
    // Managers see their cooperative's promotions only; another's by id is not there.
    let list = app.gql_as(&manager, "{ promotions(first: 5) { nodes { code } } }", json!({})).await;
    assert_eq!(list["data"]["promotions"]["nodes"], json!([{ "code": "OURS" }, { "code": "TIGHANIMINE15" }]));
    let other = app.login_as("other_manager").await;
    let list = app.gql_as(&other, "{ promotions(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(list["data"]["promotions"]["totalCount"], 0, "{list}");
    let node = app.gql_as(&other, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": created["id"] })).await;
    assert_eq!(node["data"]["node"], Value::Null);
    let body = app.gql_as(&other, UPDATE, json!({ "i": { "promotionId": created["id"], "active": false } })).await;
    assert_eq!(error_codes(&body, "promotionUpdate"), vec!["NOT_FOUND"]);
}
crate::on_both_backends!(only_staff_and_managers_create_promotions);

fn entries_of(ledger: &Value, order: &Value) -> Vec<(String, i64)> {
    ledger["data"]["cooperativeLedger"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| &e["orderId"] == order)
        .map(|e| (e["kind"].as_str().unwrap().to_string(), minor(&e["amount"])))
        .collect()
}

fn commission(base: i64, bps: i64) -> i64 {
    (base * bps + 5_000) / 10_000
}

/// The rule written in `orders::promotions`: the marketplace's discounts are credited to the
/// cooperative and leave the commission base alone; the cooperative's own lower the base.
async fn who_funds_a_discount_decides_the_ledger(app: TestApp) {
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;
    let tighanimine = app.cooperative_id("tighanimine").await;
    create(
        &app,
        &admin,
        json!({ "title": "On us", "code": "MKT50", "kind": "FIXED_AMOUNT", "value": "50",
        "scope": "COOPERATIVE", "cooperativeId": tighanimine }),
    )
    .await;
    let ours = create(
        &app,
        &manager,
        json!({ "title": "On the cooperative", "code": "COOP50", "kind": "FIXED_AMOUNT",
        "value": "50", "scope": "COOPERATIVE" }),
    )
    .await;

    let mut orders = Vec::new();
    for (code, key) in [("MKT50", "fund-mkt"), ("COOP50", "fund-coop")] {
        let cart = argan_cart(&app, None).await;
        ok_payload(
            &app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": [code] } })).await,
            "cartDiscountCodesUpdate",
        );
        let body = app.gql(CHECKOUT, checkout_input(&cart, "funding@example.ma", key)).await;
        orders.push(ok_payload(&body, "checkoutComplete")["order"].clone());
    }
    let ledger = app.gql_as(&admin, LEDGER, json!({ "c": tighanimine })).await;
    for (order, marketplace) in orders.iter().zip([true, false]) {
        let part = &order["fulfilments"][0];
        let (subtotal, shipping) = (minor(&part["subtotal"]), minor(&part["shipping"]));
        let bps = part["commissionRateBps"].as_i64().unwrap();
        assert_eq!(minor(&part["discount"]), 5_000);
        assert_eq!(minor(&order["lines"][0]["discount"]), 5_000);
        assert!(order["lines"][0]["image"]["url"].is_string(), "order history shows the product's image");
        assert_eq!(minor(&order["total"]), subtotal - 5_000 + shipping);
        let paid = subtotal - 5_000 + shipping;
        let mut expected = vec![("SALE".to_string(), paid)];
        let fee = if marketplace {
            assert_eq!(minor(&part["marketplaceDiscount"]), 5_000);
            expected.push(("MARKETPLACE_DISCOUNT".into(), 5_000));
            commission(subtotal, bps)
        } else {
            assert_eq!(minor(&part["marketplaceDiscount"]), 0);
            commission(subtotal - 5_000, bps)
        };
        expected.push(("COMMISSION".into(), -fee));
        assert_eq!(minor(&part["commission"]), fee);
        assert_eq!(minor(&part["net"]), subtotal + shipping - if marketplace { 0 } else { 5_000 } - fee);
        let mut got = entries_of(&ledger, &order["id"]);
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{order}");
    }

    // The confirmation shows what was taken off.
    crate::account_flows::outbox_drained(&app).await;
    let mails: Vec<String> = app.mail_files().into_iter().filter(|m| m.contains("funding@example.ma")).collect();
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.contains("Remise") && m.contains("−50.00 MAD")), "{mails:?}");

    // Cancelling gives the use back and leaves the cooperative's ledger for the order at zero.
    let cancel = "mutation($i: OrderCancelInput!) { orderCancel(input: $i) { userErrors { code } } }";
    for order in &orders {
        ok_payload(&app.gql_as(&admin, cancel, json!({ "i": { "orderId": order["id"] } })).await, "orderCancel");
    }
    let ledger = app.gql_as(&admin, LEDGER, json!({ "c": tighanimine })).await;
    for order in &orders {
        let sum: i64 = entries_of(&ledger, &order["id"]).iter().map(|e| e.1).sum();
        assert_eq!(sum, 0, "{order}");
    }
    let list = app.gql_as(&manager, "{ promotions(first: 5) { nodes { id usedCount } } }", json!({})).await;
    let mine = list["data"]["promotions"]["nodes"].as_array().unwrap().iter().find(|p| p["id"] == ours["id"]).unwrap();
    assert_eq!(mine["usedCount"], 0);
}
crate::on_both_backends!(who_funds_a_discount_decides_the_ledger);

/// Automatic promotions apply without a code, stack under the codes, and a category covers
/// its descendants.
async fn automatic_promotions_apply_to_the_goods_they_cover(app: TestApp) {
    let admin = app.login_as("admin").await;
    let category = app.gql("{ category(slug: \"oils\") { id } }", json!({})).await["data"]["category"]["id"].clone();
    create(
        &app,
        &admin,
        json!({ "title": "Oils month", "kind": "PERCENTAGE", "value": "50", "scope": "CATEGORY",
        "categoryId": category }),
    )
    .await;
    create(
        &app,
        &admin,
        json!({ "title": "Ten off", "code": "TEN", "kind": "FIXED_AMOUNT", "value": "10", "scope": "CART" }),
    )
    .await;
    let cart = two_cooperative_cart(&app).await;
    let shown = app.gql(CART, json!({ "id": cart })).await;
    let discounts = &shown["data"]["cart"]["discounts"];
    assert_eq!(discounts.as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(discounts[0]["code"], Value::Null);
    let body = app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": ["TEN"] } })).await;
    let updated = &ok_payload(&body, "cartDiscountCodesUpdate")["cart"];
    let argan = minor(&updated["lines"]["nodes"][0]["total"]);
    let carpet = minor(&updated["lines"]["nodes"][1]["total"]);
    let half = (argan + 1) / 2;
    assert_eq!(minor(&updated["discounts"][0]["amount"]), half);
    assert_eq!(minor(&updated["discounts"][1]["amount"]), 1_000);
    // Ten dirhams spread over what is left of each line, in proportion.
    let left = [argan - half, carpet];
    let share = |l: i64| (1_000 * l) / (left[0] + left[1]);
    let argan_discount = minor(&updated["lines"]["nodes"][0]["discount"]);
    let carpet_discount = minor(&updated["lines"]["nodes"][1]["discount"]);
    assert_eq!(argan_discount + carpet_discount, half + 1_000);
    assert!((argan_discount - half - share(left[0])).abs() <= 1);
    assert!((carpet_discount - share(left[1])).abs() <= 1);
}
crate::on_both_backends!(automatic_promotions_apply_to_the_goods_they_cover);

/// Forty buyers check out at once with a code limited to ten uses: ten orders get it, the
/// others are refused with DISCOUNT_LIMIT_REACHED and place nothing.
async fn forty_buyers_race_for_ten_uses(app: TestApp) {
    let admin = app.login_as("admin").await;
    let adjust = "mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { userErrors { code } } }";
    let oil = variant(&app, "huile-argan-alimentaire-tighanimine").await;
    ok_payload(
        &app.gql_as(&admin, adjust, json!({ "i": { "variantId": oil, "delta": 100 } })).await,
        "inventoryAdjust",
    );
    let promotion = create(
        &app,
        &admin,
        json!({ "title": "First ten", "code": "FIRST10", "kind": "PERCENTAGE",
        "value": "20", "scope": "CART", "usageLimit": 10 }),
    )
    .await;
    let count = "{ orders(first: 1) { totalCount } }";
    let before = app.gql_as(&admin, count, json!({})).await["data"]["orders"]["totalCount"].as_i64().unwrap();
    let mut carts = Vec::new();
    for _ in 0..40 {
        let cart = argan_cart(&app, None).await;
        let body = app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": ["FIRST10"] } })).await;
        ok_payload(&body, "cartDiscountCodesUpdate");
        carts.push(cart);
    }
    let checkouts = carts.iter().enumerate().map(|(i, cart)| {
        let input = checkout_input(cart, &format!("racer{i}@example.ma"), &format!("race-buyer-{i}"));
        let app = &app;
        async move { app.gql(CHECKOUT, input).await }
    });
    let answers = futures_util::future::join_all(checkouts).await;
    let (mut won, mut refused) = (0, 0);
    for body in &answers {
        assert!(body.get("errors").is_none(), "{body}");
        let payload = &body["data"]["checkoutComplete"];
        if payload["order"].is_null() {
            assert_eq!(error_codes(body, "checkoutComplete"), vec!["DISCOUNT_LIMIT_REACHED"], "{body}");
            refused += 1;
        } else {
            assert_eq!(payload["order"]["discounts"][0]["code"], "FIRST10");
            won += 1;
        }
    }
    assert_eq!((won, refused), (10, 30));
    let node = app
        .gql_as(
            &admin,
            "query($id: ID!) { node(id: $id) { ... on Promotion { usedCount } } }",
            json!({ "id": promotion["id"] }),
        )
        .await;
    assert_eq!(node["data"]["node"]["usedCount"], 10);
    let after = app.gql_as(&admin, count, json!({})).await["data"]["orders"]["totalCount"].as_i64().unwrap();
    assert_eq!(after, before + 10, "the refused checkouts placed nothing");
    // A refused buyer's cart is still open: without the code it checks out.
    let refused_at = answers.iter().position(|b| b["data"]["checkoutComplete"]["order"].is_null()).unwrap();
    let cart = &carts[refused_at];
    ok_payload(
        &app.gql(CODES, json!({ "i": { "cartId": cart, "discountCodes": [] } })).await,
        "cartDiscountCodesUpdate",
    );
    let body = app.gql(CHECKOUT, checkout_input(cart, "late@example.ma", "race-late-buyer")).await;
    ok_payload(&body, "checkoutComplete");
}
crate::on_both_backends!(forty_buyers_race_for_ten_uses);
