//! The permission table of the README, cell by cell where it says no: each refused call is
//! refused (error, null or `userErrors`), and nothing it would have changed has changed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_payload};
use crate::on_both_backends;

const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
    order { id number fulfilments { id cooperative { id } } } userErrors { field message code } } }"#;

/// A cash-on-delivery order of the demo customer from Tighanimine: (order id, fulfilment id, cooperative id).
async fn placed_order(app: &TestApp, key: &str) -> (String, String, String) {
    let customer = app.login_as("customer").await;
    let product =
        app.gql("{ product(slug: \"amlou-tighanimine\") { variants(first: 1) { nodes { id } } } }", json!({})).await;
    let variant = product["data"]["product"]["variants"]["nodes"][0]["id"].clone();
    let cart = app
        .gql_as(
            &customer,
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { code } } }",
            json!({ "i": { "lines": [{ "variantId": variant, "quantity": 1 }] } }),
        )
        .await;
    let cart = ok_payload(&cart, "cartCreate")["cart"]["id"].clone();
    let input = json!({ "i": {
        "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "+212612345678", "paymentMethod": "CASH_ON_DELIVERY",
        "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09", "postalCode": "80000" } } });
    let body = app.gql_as(&customer, CHECKOUT, input).await;
    let order = &ok_payload(&body, "checkoutComplete")["order"];
    let fulfilment = &order["fulfilments"][0];
    (
        order["id"].as_str().unwrap().into(),
        fulfilment["id"].as_str().unwrap().into(),
        fulfilment["cooperative"]["id"].as_str().unwrap().into(),
    )
}

/// Refused: a GraphQL error saying so, a null answer, or `userErrors` saying so (with the
/// object as it still is when the caller may see it: the state checks below say it did not change).
fn refused(body: &Value, root: &str) -> bool {
    let code = body["errors"][0]["extensions"]["code"].as_str();
    if matches!(code, Some("FORBIDDEN" | "UNAUTHENTICATED")) {
        return true;
    }
    let answer = &body["data"][root];
    if answer.is_null() {
        return true;
    }
    match answer.get("userErrors").and_then(Value::as_array) {
        Some(errors) if !errors.is_empty() => errors.iter().all(|e| {
            matches!(
                e["code"].as_str(),
                Some("FORBIDDEN" | "UNAUTHENTICATED" | "ORDER_NOT_FOUND" | "FULFILMENT_NOT_FOUND")
            )
        }),
        _ => false,
    }
}

async fn the_marketplace_is_for_administrators_and_its_own_managers(app: TestApp) {
    let (order, fulfilment, cooperative) = placed_order(&app, "permissions-table-1").await;
    let vars = json!({ "order": order, "fulfilment": fulfilment, "cooperative": cooperative });
    // (operation, root field, who may not)
    let table: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "query { orders(first: 5) { nodes { email phone } } }",
            "orders",
            vec!["anonymous", "customer", "manager", "agent"],
        ),
        (
            "query($order: ID!) { order(id: $order) { email phone } }",
            "order",
            vec!["anonymous", "other_manager", "agent"],
        ),
        ("query($order: ID!) { node(id: $order) { id } }", "node", vec!["anonymous", "other_manager", "agent"]),
        (
            "query($fulfilment: ID!) { node(id: $fulfilment) { id } }",
            "node",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "query { fulfilments(first: 5) { nodes { buyerPhone } } }",
            "fulfilments",
            vec!["anonymous", "customer", "agent"],
        ),
        (
            "query($cooperative: ID!) { fulfilments(first: 5, cooperativeId: $cooperative) { nodes { buyerPhone } } }",
            "fulfilments",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "query($cooperative: ID!) { cooperativeBalance(cooperativeId: $cooperative) { balance { amount } } }",
            "cooperativeBalance",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "query($cooperative: ID!) { cooperativeLedger(cooperativeId: $cooperative) { nodes { amount { amount } } } }",
            "cooperativeLedger",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "mutation($fulfilment: ID!) { fulfilmentUpdate(input: { fulfilmentId: $fulfilment, status: PROCESSING }) { fulfilment { status } userErrors { code } } }",
            "fulfilmentUpdate",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "mutation($order: ID!) { orderCancel(input: { orderId: $order }) { order { status } userErrors { code } } }",
            "orderCancel",
            vec!["anonymous", "other_manager", "agent"],
        ),
        (
            "mutation($order: ID!) { orderRefund(input: { orderId: $order }) { order { status } userErrors { code } } }",
            "orderRefund",
            vec!["anonymous", "customer", "manager", "other_manager", "agent"],
        ),
        (
            "mutation($cooperative: ID!) { payoutRecord(input: { cooperativeId: $cooperative, amount: \"1.00\", reference: \"X\" }) { balance { balance { amount } } userErrors { code } } }",
            "payoutRecord",
            vec!["anonymous", "customer", "manager", "other_manager", "agent"],
        ),
        (
            "mutation($cooperative: ID!) { shippingRateSet(input: { cooperativeId: $cooperative, rate: \"1.00\" }) { ok userErrors { code } } }",
            "shippingRateSet",
            vec!["anonymous", "customer", "other_manager", "agent"],
        ),
        (
            "query { outboxMessages { nodes { id } } }",
            "outboxMessages",
            vec!["anonymous", "customer", "manager", "agent"],
        ),
    ];
    let mut tokens = std::collections::HashMap::new();
    for who in ["customer", "manager", "other_manager", "agent", "admin"] {
        tokens.insert(who, app.login_as(who).await);
    }
    let ledger = "query($cooperative: ID!) { cooperativeLedger(cooperativeId: $cooperative, first: 100) { nodes { kind amount { amount } } } cooperativeBalance(cooperativeId: $cooperative) { balance { amount } } }";
    let admin = tokens["admin"].clone();
    let before = app.gql_as(&admin, ledger, vars.clone()).await;
    let order_state = "query($order: ID!) { order(id: $order) { status paymentStatus fulfilments { status } } }";
    let order_before = app.gql_as(&admin, order_state, vars.clone()).await;
    let mut problems = Vec::new();
    for (operation, root, refused_to) in &table {
        for who in refused_to {
            let token = tokens.get(who).map(String::as_str);
            let body = app.gql_with(token, &[], operation, vars.clone()).await;
            if !refused(&body, root) {
                problems.push(format!("{who} may {root}: {body}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(app.gql_as(&admin, ledger, vars.clone()).await, before, "the ledger changed");
    assert_eq!(app.gql_as(&admin, order_state, vars.clone()).await, order_before, "the order changed");

    // And the cells that say yes still do.
    let agent_reads_register =
        app.gql_as(&tokens["agent"], "{ registrationApplications { totalCount } }", json!({})).await;
    assert!(agent_reads_register.get("errors").is_none(), "{agent_reads_register}");
    let own = app
        .gql_as(
            &tokens["manager"],
            "query($cooperative: ID!) { cooperativeBalance(cooperativeId: $cooperative) { balance { amount } } }",
            vars.clone(),
        )
        .await;
    assert!(own.get("errors").is_none(), "{own}");
    let all = app.gql_as(&admin, "{ orders(first: 5) { totalCount } }", json!({})).await;
    assert!(all["data"]["orders"]["totalCount"].as_i64().unwrap() >= 1, "{all}");
}
on_both_backends!(the_marketplace_is_for_administrators_and_its_own_managers);

async fn small_holes_stay_closed(app: TestApp) {
    // A fiscal year no calendar has: a clear error, not a panic.
    let agent = app.login_as("agent").await;
    for query in [
        "{ missingFilings(fiscalYear: 2147483647) { totalCount } }",
        "{ missingFilingsByRegion(fiscalYear: -5) { missing } }",
    ] {
        let body = app.gql_as(&agent, query, json!({})).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "OUT_OF_RANGE", "{query}: {body}");
    }
    // Free text is bounded where it is kept.
    let (order, fulfilment, _) = placed_order(&app, "small-holes-1").await;
    let admin = app.login_as("admin").await;
    let long = "x".repeat(1001);
    let body = app
        .gql_as(
            &admin,
            "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { userErrors { field code } } }",
            json!({ "i": { "fulfilmentId": fulfilment, "status": "PROCESSING", "note": long } }),
        )
        .await;
    assert_eq!(body["data"]["fulfilmentUpdate"]["userErrors"][0]["code"], "TOO_LONG", "{body}");
    let body = app
        .gql_as(
            &admin,
            "mutation($i: OrderCancelInput!) { orderCancel(input: $i) { userErrors { field code } } }",
            json!({ "i": { "orderId": order, "reason": long } }),
        )
        .await;
    assert_eq!(body["data"]["orderCancel"]["userErrors"][0]["code"], "TOO_LONG", "{body}");
    // A product set back to draft is not readable through a cart line's variant.
    let product =
        app.gql("{ product(slug: \"amlou-tighanimine\") { id variants(first: 1) { nodes { id } } } }", json!({})).await;
    let variant = product["data"]["product"]["variants"]["nodes"][0]["id"].clone();
    let cart = app
        .gql(
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { code } } }",
            json!({ "i": { "lines": [{ "variantId": variant, "quantity": 1 }] } }),
        )
        .await;
    let cart = ok_payload(&cart, "cartCreate")["cart"]["id"].clone();
    let manager = app.login_as("manager").await;
    let draft = app
        .gql_as(
            &manager,
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": product["data"]["product"]["id"], "status": "DRAFT" } }),
        )
        .await;
    ok_payload(&draft, "productUpdate");
    let body = app
        .gql(
            "query($id: ID!) { cart(id: $id) { lines(first: 5) { nodes { variant { product { slug status } } } } } }",
            json!({ "id": cart }),
        )
        .await;
    assert_eq!(body["data"]["cart"]["lines"]["nodes"][0]["variant"]["product"], Value::Null, "{body}");
}
on_both_backends!(small_holes_stay_closed);
