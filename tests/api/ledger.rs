//! The cooperatives' ledger balances whatever happens to an order: random sequences of
//! deliveries, cancellations, refunds and double-submitted refunds, on card and cash orders,
//! and after each step every part's ledger equals what the part's state says it should be.

use serde_json::{Value, json};

use crate::helpers::{Backend, Options, TestApp, ok_payload};
use crate::stripe_mock::StripeMock;

const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
    order { id total { amount } } paymentClientSecret userErrors { field message code } } }"#;
const STATE: &str = r#"query($id: ID!) { order(id: $id) { fulfilments { id status cashCollected subtotal { amount }
    discount { amount } marketplaceDiscount { amount } shipping { amount } commission { amount } refunded { amount }
    cooperative { id } } } }"#;
const LEDGER: &str =
    "query($c: ID!) { cooperativeLedger(cooperativeId: $c, first: 100) { nodes { orderId kind amount { amount } } } }";
const UPDATE: &str = "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { userErrors { code } } }";
const REFUND: &str = "mutation($i: OrderRefundInput!) { orderRefund(input: $i) { userErrors { code } } }";
const CANCEL: &str = "mutation($i: OrderCancelInput!) { orderCancel(input: $i) { userErrors { code } } }";

fn minor(v: &Value) -> i64 {
    let amount: f64 = v["amount"].as_str().unwrap().parse().unwrap();
    (amount * 100.0).round() as i64
}

/// A small deterministic generator, so a failing sequence can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn first_variant(app: &TestApp, slug: &str) -> Value {
    let q = "query($s: String) { product(slug: $s) { variants(first: 1) { nodes { id } } } }";
    app.gql(q, json!({ "s": slug })).await["data"]["product"]["variants"]["nodes"][0]["id"].clone()
}

/// A paid-or-payable order from two cooperatives: (order id, whether it is a card order).
async fn place(app: &TestApp, key: &str, card: bool, codes: &[&str]) -> String {
    let lines = json!([
        { "variantId": first_variant(app, "huile-argan-alimentaire-tighanimine").await, "quantity": 1 },
        { "variantId": first_variant(app, "tapis-berbere-tissage-taznakht").await, "quantity": 1 }
    ]);
    let cart = app
        .gql(
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { code } } }",
            json!({ "i": { "lines": lines } }),
        )
        .await;
    let cart = ok_payload(&cart, "cartCreate")["cart"]["id"].clone();
    let apply =
        "mutation($i: CartDiscountCodesUpdateInput!) { cartDiscountCodesUpdate(input: $i) { userErrors { code } } }";
    let body = app.gql(apply, json!({ "i": { "cartId": cart, "discountCodes": codes } })).await;
    ok_payload(&body, "cartDiscountCodesUpdate");
    let input = json!({ "i": {
        "cartId": cart, "email": "ledger@example.ma", "phone": "+212612345678",
        "paymentMethod": if card { "CARD" } else { "CASH_ON_DELIVERY" }, "idempotencyKey": key,
        "shippingAddress": { "fullName": "Salma B.", "line1": "12 rue de l'Atlas", "city": "Agadir", "regionCode": "09", "postalCode": "80000" } } });
    let body = app.gql(CHECKOUT, input).await;
    let payload = ok_payload(&body, "checkoutComplete");
    let order = payload["order"]["id"].as_str().unwrap().to_string();
    if card {
        pay_by_card(app, payload, key, "whsec_ledger").await;
    }
    order
}

/// Pays a card order as Stripe would: a signed `payment_intent.succeeded` for its whole total,
/// from the checkout payload's client secret.
pub async fn pay_by_card(app: &TestApp, payload: &Value, key: &str, webhook_secret: &str) {
    let secret = payload["paymentClientSecret"].as_str().unwrap();
    let intent = secret.split("_secret").next().unwrap();
    let total = minor(&payload["order"]["total"]);
    let event = json!({ "id": format!("evt_{key}"), "type": "payment_intent.succeeded",
        "data": { "object": { "id": intent, "object": "payment_intent", "amount": total, "amount_received": total,
                              "currency": "mad", "metadata": {} } } });
    let body = event.to_string();
    let signature = taawun::payments::webhook::sign(body.as_bytes(), webhook_secret, chrono::Utc::now().timestamp());
    let status = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());
}

/// What a part's ledger must sum to, from its state: a live card part owes the cooperative what
/// the buyer paid, plus the marketplace's share of the discounts, less the commission; a
/// cancelled or refunded one nothing; a cash part whose cash the cooperative holds owes the
/// marketplace the commission less the marketplace's share, and nothing once it gave the cash
/// back.
fn expected(part: &Value, card: bool) -> i64 {
    let marketplace = minor(&part["marketplaceDiscount"]);
    let gross = minor(&part["subtotal"]) - minor(&part["discount"]) + minor(&part["shipping"]) + marketplace;
    let commission = minor(&part["commission"]);
    let refunded = minor(&part["refunded"]) > 0;
    let cancelled = part["status"] == "CANCELLED";
    match (card, cancelled, refunded, part["cashCollected"].as_bool().unwrap()) {
        (_, true, _, _) => 0,
        (true, false, true, _) => 0,
        (true, false, false, _) => gross - commission,
        (false, false, true, _) => 0,
        (false, false, false, true) => marketplace - commission,
        (false, false, false, false) => gross - commission,
    }
}

async fn check_balances(app: &TestApp, admin: &str, order: &str, card: bool, history: &[String]) {
    let state = app.gql_as(admin, STATE, json!({ "id": order })).await;
    for part in state["data"]["order"]["fulfilments"].as_array().unwrap() {
        let ledger = app.gql_as(admin, LEDGER, json!({ "c": part["cooperative"]["id"] })).await;
        let entries: Vec<&Value> = ledger["data"]["cooperativeLedger"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["orderId"] == order)
            .collect();
        let sum: i64 = entries.iter().map(|e| minor(&e["amount"])).sum();
        assert_eq!(sum, expected(part, card), "after {history:?}: part {part}, entries {entries:?}");
    }
}

async fn random_sequences_keep_every_ledger_balanced(app: TestApp) {
    let admin = app.login_as("admin").await;
    let adjust = "mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { userErrors { code } } }";
    for slug in ["huile-argan-alimentaire-tighanimine", "tapis-berbere-tissage-taznakht"] {
        let variant = first_variant(&app, slug).await;
        let body = app.gql_as(&admin, adjust, json!({ "i": { "variantId": variant, "delta": 100 } })).await;
        ok_payload(&body, "inventoryAdjust");
    }
    // Discounts funded by either side, so the rule of `orders::promotions` is in every sequence.
    let create = "mutation($i: PromotionCreateInput!) { promotionCreate(input: $i) { userErrors { code } } }";
    let tighanimine = app.cooperative_id("tighanimine").await;
    for input in [
        json!({ "title": "Ours", "code": "LEDGERMKT", "kind": "PERCENTAGE", "value": "7.5", "scope": "CART" }),
        json!({ "title": "Theirs", "code": "LEDGERCOOP", "kind": "FIXED_AMOUNT", "value": "12.34", "scope": "COOPERATIVE",
                "cooperativeId": tighanimine, "fundedBy": "COOPERATIVE" }),
    ] {
        ok_payload(&app.gql_as(&admin, create, json!({ "i": input })).await, "promotionCreate");
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..24 {
        let card = round % 2 == 0;
        let codes: &[&str] = match round % 4 {
            0 => &[],
            1 => &["LEDGERMKT"],
            2 => &["LEDGERCOOP"],
            _ => &["LEDGERCOOP", "LEDGERMKT"],
        };
        let order = place(&app, &format!("ledger-round-{round}"), card, codes).await;
        let parts: Vec<String> =
            app.gql_as(&admin, STATE, json!({ "id": order })).await["data"]["order"]["fulfilments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect();
        let mut history = Vec::new();
        check_balances(&app, &admin, &order, card, &history).await;
        for _ in 0..8 {
            let part = &parts[rng.below(parts.len() as u64) as usize];
            match rng.below(6) {
                0 | 1 => {
                    // The next step of a part, collecting the cash when it is delivered.
                    let state = app.gql_as(&admin, STATE, json!({ "id": order })).await;
                    let current = state["data"]["order"]["fulfilments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|f| f["id"] == part.as_str())
                        .unwrap()["status"]
                        .clone();
                    let next = match current.as_str().unwrap() {
                        "PENDING" => json!({ "fulfilmentId": part, "status": "PROCESSING" }),
                        "PROCESSING" => {
                            json!({ "fulfilmentId": part, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM1" })
                        }
                        _ => json!({ "fulfilmentId": part, "status": "DELIVERED", "cashCollected": !card }),
                    };
                    history.push(format!("advance {}", next["status"]));
                    app.gql_as(&admin, UPDATE, json!({ "i": next })).await;
                }
                2 => {
                    history.push("cancel part".into());
                    app.gql_as(&admin, UPDATE, json!({ "i": { "fulfilmentId": part, "status": "CANCELLED" } })).await;
                }
                3 => {
                    history.push("cancel order".into());
                    app.gql_as(&admin, CANCEL, json!({ "i": { "orderId": order } })).await;
                }
                4 => {
                    history.push("refund part".into());
                    app.gql_as(&admin, REFUND, json!({ "i": { "orderId": order, "fulfilmentId": part } })).await;
                }
                _ => {
                    history.push("refund twice at once".into());
                    let refund = || app.gql_as(&admin, REFUND, json!({ "i": { "orderId": order } }));
                    futures_util::future::join(refund(), refund()).await;
                }
            }
            check_balances(&app, &admin, &order, card, &history).await;
        }
    }
}

fn options(mock: &StripeMock) -> Options {
    let base = mock.base.clone();
    Options::with(move |c| {
        c.stripe_secret_key = Some(taawun::kernel::config::Secret::new("sk_test_taawun"));
        c.stripe_webhook_secret = Some(taawun::kernel::config::Secret::new("whsec_ledger"));
        c.stripe_api_base = Some(base.clone());
    })
}

mod random_sequences_keep_every_ledger_balanced {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mock = StripeMock::start();
        let app = TestApp::spawn(Backend::Sqlite, options(&mock)).await.unwrap();
        super::random_sequences_keep_every_ledger_balanced(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let mock = StripeMock::start();
        match TestApp::spawn(Backend::Postgres, options(&mock)).await {
            Some(app) => super::random_sequences_keep_every_ledger_balanced(app).await,
            None => eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set"),
        }
    }
}
