//! Returns per fulfilment: the buyer asks within the window, the cooperative approves or
//! refuses, and receipt refunds the units (Stripe for card orders, recorded cash for cash on
//! delivery), restocks them and moves the commission back; emails at each step.

use serde_json::{Value, json};

use crate::helpers::{Backend, Options, TestApp, error_codes, ok_payload};
use crate::stripe_mock::StripeMock;

const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
    order { id total { amount } fulfilments { id commissionRateBps } lines { id quantity total { amount } discount { amount } } }
    paymentClientSecret userErrors { field code } } }"#;
const UPDATE: &str = "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { userErrors { code } } }";
const CREATE: &str = r#"mutation($i: ReturnRequestCreateInput!) { returnRequestCreate(input: $i) {
    returnRequest { id status reason lines { quantity orderLine { id } } } userErrors { field code message } } }"#;
const APPROVE: &str = r#"mutation($i: ReturnRequestDecisionInput!) { returnRequestApprove(input: $i) {
    returnRequest { id status decisionNote } userErrors { field code } } }"#;
const REFUSE: &str = r#"mutation($i: ReturnRequestDecisionInput!) { returnRequestRefuse(input: $i) {
    returnRequest { id status decisionNote } userErrors { field code } } }"#;
const RECEIVE: &str = r#"mutation($i: ReturnRequestReceiveInput!) { returnRequestReceive(input: $i) {
    returnRequest { id status refund { amount } restocked lines { quantity refund { amount } } } userErrors { field code } } }"#;
const ORDER: &str = r#"query($id: ID!) { order(id: $id) { paymentStatus refunded { amount }
    fulfilments { refunded { amount } returnRequests { id status } } } }"#;
const LEDGER: &str =
    "query($c: ID!) { cooperativeLedger(cooperativeId: $c, first: 100) { nodes { orderId kind amount { amount } } } }";
const STOCK: &str = "query($s: String) { product(slug: $s) { variants(first: 1) { nodes { quantityAvailable } } } }";

const OIL: &str = "huile-argan-alimentaire-tighanimine";

fn minor(v: &Value) -> i64 {
    let amount: f64 = v["amount"].as_str().unwrap_or_else(|| panic!("no amount in {v}")).parse().unwrap();
    (amount * 100.0).round() as i64
}

async fn stock(app: &TestApp) -> i64 {
    app.gql(STOCK, json!({ "s": OIL })).await["data"]["product"]["variants"]["nodes"][0]["quantityAvailable"]
        .as_i64()
        .unwrap()
}

/// The customer's order of three argan oils with the marketplace's welcome code; delivered
/// (cash collected) unless `deliver` is false. Returns (order, fulfilment id, its line).
async fn ordered(app: &TestApp, buyer: &str, card: bool, key: &str, deliver: bool) -> (Value, Value, Value) {
    let variant = app.gql(STOCK.replace("quantityAvailable", "id").as_str(), json!({ "s": OIL })).await["data"]["product"]
        ["variants"]["nodes"][0]["id"]
        .clone();
    let cart = app
        .gql_as(
            buyer,
            "mutation($v: ID!) { cartCreate(input: { lines: [{ variantId: $v, quantity: 3 }] }) { cart { id } } }",
            json!({ "v": variant }),
        )
        .await["data"]["cartCreate"]["cart"]["id"]
        .clone();
    let codes =
        "mutation($i: CartDiscountCodesUpdateInput!) { cartDiscountCodesUpdate(input: $i) { userErrors { code } } }";
    ok_payload(
        &app.gql_as(buyer, codes, json!({ "i": { "cartId": cart, "discountCodes": ["BIENVENUE10"] } })).await,
        "cartDiscountCodesUpdate",
    );
    let input = json!({ "i": {
        "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "+212612345678",
        "paymentMethod": if card { "CARD" } else { "CASH_ON_DELIVERY" }, "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09" } } });
    let body = app.gql_as(buyer, CHECKOUT, input).await;
    let payload = ok_payload(&body, "checkoutComplete").clone();
    let order = payload["order"].clone();
    if card {
        crate::ledger::pay_by_card(app, &payload, key, "whsec_returns").await;
    }
    let fulfilment = order["fulfilments"][0]["id"].clone();
    if deliver {
        let manager = app.login_as("manager").await;
        for step in [
            json!({ "fulfilmentId": fulfilment, "status": "PROCESSING" }),
            json!({ "fulfilmentId": fulfilment, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM42" }),
            json!({ "fulfilmentId": fulfilment, "status": "DELIVERED", "cashCollected": !card }),
        ] {
            ok_payload(&app.gql_as(&manager, UPDATE, json!({ "i": step })).await, "fulfilmentUpdate");
        }
    }
    let line = order["lines"][0].clone();
    (order, fulfilment, line)
}

/// Delivers a cash-on-delivery fulfilment of Tighanimine's (as its manager) and has the buyer
/// ask to return one unit of `line`; returns the request's id.
pub async fn deliver_and_return(app: &TestApp, buyer: &str, fulfilment: &Value, line: &Value) -> String {
    let manager = app.login_as("manager").await;
    for step in [
        json!({ "fulfilmentId": fulfilment, "status": "PROCESSING" }),
        json!({ "fulfilmentId": fulfilment, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM42" }),
        json!({ "fulfilmentId": fulfilment, "status": "DELIVERED", "cashCollected": true }),
    ] {
        ok_payload(&app.gql_as(&manager, UPDATE, json!({ "i": step })).await, "fulfilmentUpdate");
    }
    let body = app.gql_as(buyer, CREATE, request(fulfilment, line, 1)).await;
    ok_payload(&body, "returnRequestCreate")["returnRequest"]["id"].as_str().unwrap().to_string()
}

fn request(fulfilment: &Value, line: &Value, quantity: i64) -> Value {
    json!({ "i": { "fulfilmentId": fulfilment, "reason": "DAMAGED", "comment": "Flacon fissuré",
                   "lines": [{ "orderLineId": line["id"], "quantity": quantity }] } })
}

fn ledger_of(ledger: &Value, order: &Value) -> Vec<(String, i64)> {
    ledger["data"]["cooperativeLedger"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["orderId"] == order["id"])
        .map(|e| (e["kind"].as_str().unwrap().to_string(), minor(&e["amount"])))
        .collect()
}

async fn a_cash_return_from_request_to_refund(app: TestApp) {
    let buyer = app.login_as("customer").await;
    let manager = app.login_as("manager").await;
    let admin = app.login_as("admin").await;
    let (order, fulfilment, line) = ordered(&app, &buyer, false, "returns-cash-0001", false).await;

    // Not delivered yet: nothing to return.
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 1)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["RETURN_NOT_ALLOWED"]);
    for step in [
        json!({ "fulfilmentId": fulfilment, "status": "PROCESSING" }),
        json!({ "fulfilmentId": fulfilment, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM42" }),
        json!({ "fulfilmentId": fulfilment, "status": "DELIVERED", "cashCollected": true }),
    ] {
        ok_payload(&app.gql_as(&manager, UPDATE, json!({ "i": step })).await, "fulfilmentUpdate");
    }

    // Bad requests change nothing.
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 4)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["RETURN_QUANTITY_EXCEEDED"]);
    assert_eq!(
        body["data"]["returnRequestCreate"]["userErrors"][0]["field"],
        json!(["input", "lines", "0", "quantity"])
    );
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 0)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["BAD_USER_INPUT"]);
    let body = app.gql(CREATE, request(&fulfilment, &line, 1)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["UNAUTHENTICATED"]);
    let learner = app.login_as("learner").await;
    let body = app.gql_as(&learner, CREATE, request(&fulfilment, &line, 1)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["FULFILMENT_NOT_FOUND"], "another buyer's order");
    let mut twice = request(&fulfilment, &line, 1);
    twice["i"]["lines"] =
        json!([{ "orderLineId": line["id"], "quantity": 1 }, { "orderLineId": line["id"], "quantity": 1 }]);
    assert_eq!(error_codes(&app.gql_as(&buyer, CREATE, twice).await, "returnRequestCreate"), vec!["BAD_USER_INPUT"]);

    // Two of three come back; then only one is left to ask for.
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 2)).await;
    let created = ok_payload(&body, "returnRequestCreate")["returnRequest"].clone();
    assert_eq!(created["status"], "REQUESTED");
    let id = created["id"].clone();
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 2)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["RETURN_QUANTITY_EXCEEDED"]);

    // Only the cooperative answers; a refusal needs a reason.
    let other = app.login_as("other_manager").await;
    let decision = json!({ "i": { "returnRequestId": id, "note": "Renvoyez-les par Amana" } });
    assert_eq!(
        error_codes(&app.gql_as(&other, APPROVE, decision.clone()).await, "returnRequestApprove"),
        vec!["RETURN_NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&app.gql_as(&buyer, APPROVE, decision.clone()).await, "returnRequestApprove"),
        vec!["FORBIDDEN"]
    );
    let body = app.gql_as(&manager, REFUSE, json!({ "i": { "returnRequestId": id } })).await;
    assert_eq!(error_codes(&body, "returnRequestRefuse"), vec!["REQUIRED"]);
    let receive = json!({ "i": { "returnRequestId": id, "restock": true } });
    let body = app.gql_as(&manager, RECEIVE, receive.clone()).await;
    assert_eq!(error_codes(&body, "returnRequestReceive"), vec!["INVALID_TRANSITION"], "not approved yet");
    let approved = app.gql_as(&manager, APPROVE, decision.clone()).await;
    assert_eq!(ok_payload(&approved, "returnRequestApprove")["returnRequest"]["status"], "APPROVED");
    let body = app.gql_as(&manager, REFUSE, decision).await;
    assert_eq!(error_codes(&body, "returnRequestRefuse"), vec!["INVALID_TRANSITION"]);

    // Receipt: two thirds of what the buyer paid for the line, in cash; stock back; the
    // commission on those units and the marketplace's share of their discount move back.
    let ledger_before =
        ledger_of(&app.gql_as(&admin, LEDGER, json!({ "c": app.cooperative_id("tighanimine").await })).await, &order);
    let stock_before = stock(&app).await;
    assert_eq!(
        error_codes(&app.gql_as(&buyer, RECEIVE, receive.clone()).await, "returnRequestReceive"),
        vec!["FORBIDDEN"]
    );
    let body = app.gql_as(&manager, RECEIVE, receive).await;
    let received = ok_payload(&body, "returnRequestReceive")["returnRequest"].clone();
    let (total, discount) = (minor(&line["total"]), minor(&line["discount"]));
    let refund = (total - discount) * 2 / 3;
    assert_eq!(received["status"], "REFUNDED");
    assert_eq!(minor(&received["refund"]), refund);
    assert_eq!(minor(&received["lines"][0]["refund"]), refund);
    assert_eq!(stock(&app).await, stock_before + 2);
    let ledger_after =
        ledger_of(&app.gql_as(&admin, LEDGER, json!({ "c": app.cooperative_id("tighanimine").await })).await, &order);
    let mut moved = ledger_after.clone();
    for entry in &ledger_before {
        let at = moved.iter().position(|e| e == entry).unwrap();
        moved.remove(at);
    }
    let bps = order["fulfilments"][0]["commissionRateBps"].as_i64().unwrap();
    let commission_back = (total * 2 / 3 * bps + 5_000) / 10_000;
    let mut moved_sorted = moved;
    moved_sorted.sort();
    assert_eq!(
        moved_sorted,
        vec![
            ("COMMISSION_REVERSAL".to_string(), commission_back),
            ("MARKETPLACE_DISCOUNT".to_string(), -(discount * 2 / 3))
        ],
        "cash on delivery: the cooperative hands the cash back itself, so no REFUND entry"
    );
    let state = app.gql_as(&buyer, ORDER, json!({ "id": order["id"] })).await;
    assert_eq!(minor(&state["data"]["order"]["refunded"]), refund);
    assert_eq!(state["data"]["order"]["paymentStatus"], "PARTIALLY_REFUNDED");
    assert_eq!(state["data"]["order"]["fulfilments"][0]["returnRequests"][0]["status"], "REFUNDED");

    // The last unit: the refunds add up to exactly what was paid for the line.
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 1)).await;
    let last = ok_payload(&body, "returnRequestCreate")["returnRequest"]["id"].clone();
    ok_payload(
        &app.gql_as(&manager, APPROVE, json!({ "i": { "returnRequestId": last } })).await,
        "returnRequestApprove",
    );
    let body = app.gql_as(&manager, RECEIVE, json!({ "i": { "returnRequestId": last, "restock": false } })).await;
    let final_refund = minor(&ok_payload(&body, "returnRequestReceive")["returnRequest"]["refund"]);
    assert_eq!(refund + final_refund, total - discount);
    assert_eq!(stock(&app).await, stock_before + 2, "not restocked");

    // Emails: the buyer at each step, the cooperative when asked.
    crate::account_flows::outbox_drained(&app).await;
    let mails: Vec<String> =
        app.mail_files().into_iter().filter(|m| m.contains("Flacon") || m.contains("retour")).collect();
    let buyer_mails =
        |text: &str| mails.iter().filter(|m| m.contains("customer@demo.taawun.ma") && m.contains(text)).count();
    assert_eq!(buyer_mails("Nous avons bien reçu votre demande de retour"), 2);
    assert_eq!(buyer_mails("La coopérative accepte votre retour"), 2);
    assert_eq!(buyer_mails("remboursés"), 2);
    assert!(mails.iter().any(|m| m.contains("Renvoyez-les par Amana")));
    assert!(mails.iter().any(|m| m.contains("Un acheteur demande le retour")), "the cooperative is told");
}
crate::on_both_backends!(a_cash_return_from_request_to_refund);

async fn returns_close_after_the_window(app: TestApp) {
    let buyer = app.login_as("customer").await;
    let (_, fulfilment, line) = ordered(&app, &buyer, false, "returns-window-01", true).await;
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 1)).await;
    assert_eq!(error_codes(&body, "returnRequestCreate"), vec!["RETURN_WINDOW_CLOSED"]);
    let manager = app.login_as("manager").await;
    let list = app.gql_as(&manager, "{ returnRequests(first: 5) { totalCount } }", json!({})).await;
    assert_eq!(list["data"]["returnRequests"]["totalCount"], 0, "nothing was recorded");
}
crate::on_both_backends!(returns_close_after_the_window, crate::helpers::Options::with(|c| c.return_window_days = 0));

fn stripe_options(mock: &StripeMock) -> Options {
    let base = mock.base.clone();
    Options::with(move |c| {
        c.stripe_secret_key = Some(taawun::kernel::config::Secret::new("sk_test_taawun"));
        c.stripe_webhook_secret = Some(taawun::kernel::config::Secret::new("whsec_returns"));
        c.stripe_api_base = Some(base.clone());
    })
}

async fn a_card_return_is_refunded_through_stripe_once(app: TestApp, mock: &StripeMock) {
    let buyer = app.login_as("customer").await;
    let manager = app.login_as("manager").await;
    let admin = app.login_as("admin").await;
    let (order, fulfilment, line) = ordered(&app, &buyer, true, "returns-card-0001", true).await;
    let body = app.gql_as(&buyer, CREATE, request(&fulfilment, &line, 1)).await;
    let id = ok_payload(&body, "returnRequestCreate")["returnRequest"]["id"].clone();
    ok_payload(&app.gql_as(&manager, APPROVE, json!({ "i": { "returnRequestId": id } })).await, "returnRequestApprove");

    // Stripe is down: nothing is recorded, the return waits, approved.
    mock.fail_next(3);
    let receive = json!({ "i": { "returnRequestId": id, "restock": true } });
    let body = app.gql_as(&manager, RECEIVE, receive.clone()).await;
    assert!(body["data"]["returnRequestReceive"]["returnRequest"].is_null(), "{body}");
    mock.fail_next(0);

    // Received twice at once: one refund at Stripe (one idempotency key), recorded once.
    let (a, b) = futures_util::future::join(
        app.gql_as(&manager, RECEIVE, receive.clone()),
        app.gql_as(&manager, RECEIVE, receive.clone()),
    )
    .await;
    let refunded: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|r| r["data"]["returnRequestReceive"]["returnRequest"]["status"] == "REFUNDED")
        .collect();
    assert!(!refunded.is_empty(), "{a} {b}");
    let keys: std::collections::BTreeSet<Option<String>> =
        mock.requests("/v1/refunds").into_iter().map(|r| r.idempotency_key).collect();
    assert_eq!(keys.len(), 1, "one idempotency key for the return: {keys:?}");
    let refund = (minor(&line["total"]) - minor(&line["discount"])) / 3;
    assert_eq!(mock.requests("/v1/refunds").last().unwrap().form.get("amount"), Some(&refund.to_string()));
    let state = app.gql_as(&buyer, ORDER, json!({ "id": order["id"] })).await;
    assert_eq!(minor(&state["data"]["order"]["refunded"]), refund, "recorded once: {state}");
    let ledger = app.gql_as(&admin, LEDGER, json!({ "c": app.cooperative_id("tighanimine").await })).await;
    let refunds: Vec<i64> = ledger_of(&ledger, &order).into_iter().filter(|e| e.0 == "REFUND").map(|e| e.1).collect();
    assert_eq!(refunds, vec![-refund]);

    // Staff then refund the rest of the part: the commission left and the rest of the
    // marketplace's discount come back, and the part's ledger for the order ends at zero.
    let body = app
        .gql_as(
            &admin,
            "mutation($i: OrderRefundInput!) { orderRefund(input: $i) { userErrors { code } } }",
            json!({ "i": { "orderId": order["id"], "fulfilmentId": fulfilment } }),
        )
        .await;
    ok_payload(&body, "orderRefund");
    let ledger = app.gql_as(&admin, LEDGER, json!({ "c": app.cooperative_id("tighanimine").await })).await;
    let sum: i64 = ledger_of(&ledger, &order).iter().map(|e| e.1).sum();
    assert_eq!(sum, 0, "{:?}", ledger_of(&ledger, &order));
}

mod a_card_return_is_refunded_through_stripe_once {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mock = StripeMock::start();
        let app = TestApp::spawn(Backend::Sqlite, stripe_options(&mock)).await.unwrap();
        super::a_card_return_is_refunded_through_stripe_once(app, &mock).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let mock = StripeMock::start();
        match TestApp::spawn(Backend::Postgres, stripe_options(&mock)).await {
            Some(app) => super::a_card_return_is_refunded_through_stripe_once(app, &mock).await,
            None => eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set"),
        }
    }
}
