//! Carts, checkout, the order lifecycle, payments, email and the outbox — over HTTP.

use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, error_codes, ok_payload};
use crate::mail::SmtpServer;
use crate::on_both_backends;
use crate::stripe_mock::StripeMock;

const CART_CREATE: &str = r#"mutation($i: CartCreateInput) { cartCreate(input: $i) {
    cart { id totalQuantity lines(first: 50) { nodes { id quantity unitPrice { amount } } } cost(regionCode: "09") { subtotal { amount } shipping { amount } total { amount } cooperatives { cooperative { slug } subtotal { amount } shipping { amount } } } warnings { code } }
    userErrors { field message code } } }"#;
const CHECKOUT: &str = r#"mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) {
    order { id number lookupKey status paymentStatus paymentMethod total { amount } subtotal { amount } shipping { amount }
            fulfilments { id status cooperative { slug } subtotal { amount } commission { amount } net { amount } }
            lines { sku quantity productName } }
    paymentClientSecret
    userErrors { field message code } } }"#;
const FULFILMENT: &str = r#"mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { fulfilment { status carrier trackingNumber cashCollected } userErrors { field message code } } }"#;

/// The first variant of a demo product: (global id, stock, price in centimes).
async fn variant(app: &TestApp, slug: &str) -> (String, i64, i64) {
    let body = app
        .gql("query($s: String) { product(slug: $s) { variants(first: 1) { nodes { id quantityAvailable price { amount } } } } }", json!({ "s": slug }))
        .await;
    let v = &body["data"]["product"]["variants"]["nodes"][0];
    let price: f64 = v["price"]["amount"].as_str().unwrap().parse().unwrap();
    (v["id"].as_str().unwrap().to_string(), v["quantityAvailable"].as_i64().unwrap(), (price * 100.0).round() as i64)
}

async fn stock(app: &TestApp, slug: &str) -> i64 {
    variant(app, slug).await.1
}

fn checkout_input(cart: &str, key: &str, method: &str, locale: &str) -> Value {
    json!({ "i": {
        "cartId": cart, "email": "Buyer@Example.ma", "phone": "+212 6 12 34 56 78", "paymentMethod": method, "locale": locale.to_uppercase(),
        "idempotencyKey": key,
        "shippingAddress": { "fullName": "سلمى بناني", "line1": "12 زنقة الأطلس", "city": "Agadir", "regionCode": "09", "postalCode": "80000" } } })
}

async fn new_cart(app: &TestApp, token: Option<&str>, lines: Value) -> Value {
    let body = app.gql_with(token, &[], CART_CREATE, json!({ "i": { "lines": lines } })).await;
    ok_payload(&body, "cartCreate")["cart"].clone()
}

fn amount(v: &Value) -> f64 {
    v["amount"].as_str().unwrap().parse().unwrap()
}

async fn cash_on_delivery_order_from_two_cooperatives(app: TestApp) {
    let customer = app.login_as("customer").await;
    let (argan, argan_stock, argan_price) = variant(&app, "huile-argan-alimentaire-tighanimine").await;
    let (carpet, carpet_stock, carpet_price) = variant(&app, "tapis-berbere-tissage-taznakht").await;
    let cart = new_cart(
        &app,
        Some(&customer),
        json!([{ "variantId": argan, "quantity": 2 }, { "variantId": carpet, "quantity": 1 }]),
    )
    .await;
    let cost = &cart["cost"];
    assert_eq!(cost["cooperatives"].as_array().unwrap().len(), 2, "{cart}");
    let subtotal = (2 * argan_price + carpet_price) as f64 / 100.0;
    assert_eq!(amount(&cost["subtotal"]), subtotal);
    // The carpet alone is over the 500 MAD free-shipping threshold; the argan oil ships at 35 MAD.
    assert_eq!(amount(&cost["shipping"]), if 2 * argan_price >= 50_000 { 0.0 } else { 35.0 });
    // The customer's cart follows them.
    let me = app.gql_as(&customer, "{ me { cart { id totalQuantity } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["cart"]["totalQuantity"], 3);

    let body = app
        .gql_as(
            &customer,
            CHECKOUT,
            checkout_input(cart["id"].as_str().unwrap(), "cod-two-coops-1", "CASH_ON_DELIVERY", "ar"),
        )
        .await;
    let order = ok_payload(&body, "checkoutComplete")["order"].clone();
    assert_eq!(order["status"], "CONFIRMED");
    assert_eq!(order["paymentStatus"], "PENDING");
    assert!(order["number"].as_str().unwrap().starts_with("TW-"));
    assert_eq!(amount(&order["total"]), amount(&cost["total"]));
    let fulfilments = order["fulfilments"].as_array().unwrap();
    assert_eq!(fulfilments.len(), 2);
    for f in fulfilments {
        // Default commission: 10% of the goods.
        assert_eq!(amount(&f["commission"]), (amount(&f["subtotal"]) * 10.0).round() / 100.0);
    }
    assert_eq!(stock(&app, "huile-argan-alimentaire-tighanimine").await, argan_stock - 2);
    assert_eq!(stock(&app, "tapis-berbere-tissage-taznakht").await, carpet_stock - 1);
    // The cart is spent.
    let again = app
        .gql_as(
            &customer,
            CHECKOUT,
            checkout_input(cart["id"].as_str().unwrap(), "cod-two-coops-2", "CASH_ON_DELIVERY", "ar"),
        )
        .await;
    assert_eq!(error_codes(&again, "checkoutComplete"), ["CART_COMPLETED"]);

    // Emails: the buyer's in Arabic, right to left, and one to each cooperative.
    let scenario_mails =
        || app.mail_files().into_iter().filter(|m| !crate::helpers::is_demo_learner_mail(m)).collect::<Vec<_>>();
    app.eventually("three emails in the data dir", || async { scenario_mails().len() == 3 }).await;
    let mails = scenario_mails();
    let buyer = mails.iter().find(|m| m.contains("buyer@example.ma")).expect("buyer email");
    assert!(buyer.contains(r#"dir="rtl""#) && buyer.contains("شكرا"), "{buyer}");
    assert!(mails.iter().any(|m| m.contains("contact@tighanimine.demo.taawun.ma") && m.contains("Nouvelle commande")));
    assert!(mails.iter().any(|m| m.contains("contact@tissage-taznakht.demo.taawun.ma")));

    // Each cooperative ships its own part; cash is collected on delivery.
    let order_id = order["id"].clone();
    for (who, slug) in [("manager", "tighanimine"), ("other_manager", "tissage-taznakht")] {
        let manager = app.login_as(who).await;
        let list = app
            .gql_as(&manager, "{ fulfilments(first: 10, status: PENDING) { totalCount nodes { id orderNumber cooperative { slug } shippingAddress { city } buyerPhone } } }", json!({}))
            .await;
        let nodes = list["data"]["fulfilments"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 1, "{list}");
        assert_eq!(nodes[0]["cooperative"]["slug"], slug);
        assert_eq!(nodes[0]["buyerPhone"], "+212612345678");
        let id = nodes[0]["id"].clone();
        let skip =
            app.gql_as(&manager, FULFILMENT, json!({ "i": { "fulfilmentId": id, "status": "DELIVERED" } })).await;
        assert_eq!(error_codes(&skip, "fulfilmentUpdate"), ["INVALID_TRANSITION"], "a forbidden transition");
        assert_eq!(skip["data"]["fulfilmentUpdate"]["fulfilment"]["status"], "PENDING", "answered as it is: {skip}");
        let steps = [
            json!({ "fulfilmentId": id, "status": "PROCESSING" }),
            json!({ "fulfilmentId": id, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": format!("AM{slug}") }),
            json!({ "fulfilmentId": id, "status": "DELIVERED", "cashCollected": true }),
        ];
        for step in steps {
            let body = app.gql_as(&manager, FULFILMENT, json!({ "i": step })).await;
            ok_payload(&body, "fulfilmentUpdate");
        }
    }
    let body = app
        .gql_as(
            &customer,
            "query($id: ID!) { order(id: $id) { status paymentStatus events { actor fromStatus toStatus } } }",
            json!({ "id": order_id }),
        )
        .await;
    assert_eq!(body["data"]["order"]["status"], "COMPLETED", "{body}");
    assert_eq!(body["data"]["order"]["paymentStatus"], "PAID");
    let events = body["data"]["order"]["events"].as_array().unwrap();
    assert!(events.len() >= 9, "every transition recorded: {events:?}");
    app.eventually("the shipment emails", || async {
        app.mail_files().iter().filter(|m| m.contains("Amana")).count() == 2
    })
    .await;

    // Money: the cooperative collected the cash, so it owes the commission.
    let manager = app.login_as("manager").await;
    let coop = app.cooperative_id("tighanimine").await;
    let balance = app.gql_as(&manager, "query($c: ID!) { cooperativeBalance(cooperativeId: $c) { sales { amount } commission { amount } cashCollected { amount } balance { amount } } }", json!({ "c": coop })).await;
    let b = &balance["data"]["cooperativeBalance"];
    assert_eq!(amount(&b["balance"]), -amount(&b["commission"]), "{balance}");
    let other = app.login_as("other_manager").await;
    let refused = app
        .gql_as(
            &other,
            "query($c: ID!) { cooperativeBalance(cooperativeId: $c) { balance { amount } } }",
            json!({ "c": coop }),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // The customer sees the order; a guest finds it by number, email and the key of the
    // confirmation email, and not without the key: numbers are sequential, emails known.
    let mine = app.gql_as(&customer, "{ me { orders(first: 5) { totalCount nodes { number } } } }", json!({})).await;
    assert_eq!(mine["data"]["me"]["orders"]["totalCount"], 1);
    let number = order["number"].as_str().unwrap();
    let key = order["lookupKey"].as_str().unwrap();
    assert!(key.len() >= 24, "{order}");
    let lookup =
        "query($n: String!, $e: String!, $k: String!) { orderLookup(number: $n, email: $e, key: $k) { status } }";
    let found = app.gql(lookup, json!({ "n": number, "e": "buyer@example.ma", "k": key })).await;
    assert_eq!(found["data"]["orderLookup"]["status"], "COMPLETED");
    for (email, k) in [("someone@else.ma", key), ("buyer@example.ma", ""), ("buyer@example.ma", "guess")] {
        let wrong = app.gql(lookup, json!({ "n": number, "e": email, "k": k })).await;
        assert_eq!(wrong["data"]["orderLookup"], Value::Null, "{email} {k}");
    }
    app.eventually("the key in the confirmation email", || async {
        app.mail_files().iter().any(|m| m.contains("buyer@example.ma") && m.contains(key))
    })
    .await;
}
on_both_backends!(cash_on_delivery_order_from_two_cooperatives);

async fn forty_buyers_race_for_the_last_ten_units(app: TestApp) {
    let manager = app.login_as("manager").await;
    let slug = "huile-argan-cosmetique-tighanimine";
    let (variant_id, current, _) = variant(&app, slug).await;
    let body = app
        .gql_as(&manager, "mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { variant { quantityAvailable } userErrors { code } } }", json!({ "i": { "variantId": variant_id, "delta": 10 - current } }))
        .await;
    assert_eq!(ok_payload(&body, "inventoryAdjust")["variant"]["quantityAvailable"], 10);
    let mut carts = Vec::new();
    for _ in 0..40 {
        carts.push(
            new_cart(&app, None, json!([{ "variantId": variant_id, "quantity": 1 }])).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let attempts =
        carts.iter().enumerate().map(|(i, cart)| {
            let app = &app;
            async move {
                app.gql(CHECKOUT, checkout_input(cart, &format!("race-{i:02}-key"), "CASH_ON_DELIVERY", "fr")).await
            }
        });
    let results = futures_util::future::join_all(attempts).await;
    let mut placed = 0;
    let mut out_of_stock = 0;
    for body in &results {
        let errors = error_codes(body, "checkoutComplete");
        match errors.as_slice() {
            [] => placed += 1,
            [code] if code == "OUT_OF_STOCK" => out_of_stock += 1,
            other => panic!("unexpected outcome {other:?}: {body}"),
        }
    }
    assert_eq!((placed, out_of_stock), (10, 30));
    assert_eq!(stock(&app, slug).await, 0);
    let admin = app.login_as("admin").await;
    let orders = app.gql_as(&admin, "{ orders(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(orders["data"]["orders"]["totalCount"], 10);
}
on_both_backends!(forty_buyers_race_for_the_last_ten_units);

async fn one_cart_checked_out_twice_at_once_makes_one_order(app: TestApp) {
    let slug = "amlou-tighanimine";
    let (variant_id, before, _) = variant(&app, slug).await;
    let cart = new_cart(&app, None, json!([{ "variantId": variant_id, "quantity": 1 }])).await;
    let cart = cart["id"].as_str().unwrap().to_string();
    // Eight checkouts of the same cart, each with its own idempotency key, at once.
    let attempts =
        (0..8).map(|i| {
            let (app, cart) = (&app, cart.clone());
            async move {
                app.gql(CHECKOUT, checkout_input(&cart, &format!("twice-{i}-key"), "CASH_ON_DELIVERY", "fr")).await
            }
        });
    let results = futures_util::future::join_all(attempts).await;
    let mut placed = 0;
    for body in &results {
        match error_codes(body, "checkoutComplete").as_slice() {
            [] => placed += 1,
            [code] if code == "CART_COMPLETED" => {}
            other => panic!("unexpected outcome {other:?}: {body}"),
        }
    }
    assert_eq!(placed, 1);
    assert_eq!(stock(&app, slug).await, before - 1, "the stock was taken once");
    let admin = app.login_as("admin").await;
    let orders = app.gql_as(&admin, "{ orders(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(orders["data"]["orders"]["totalCount"], 1);
}
on_both_backends!(one_cart_checked_out_twice_at_once_makes_one_order);

async fn bad_cart_and_checkout_input_changes_nothing(app: TestApp) {
    let (argan, argan_stock, _) = variant(&app, "amlou-tighanimine").await;
    let cases = [
        (json!([{ "variantId": "VmFyaWFudDo5OTk5OTk", "quantity": 1 }]), "VARIANT_NOT_FOUND", "variantId"),
        (json!([{ "variantId": "nonsense", "quantity": 1 }]), "INVALID_ID", "variantId"),
        (json!([{ "variantId": argan, "quantity": 0 }]), "QUANTITY_OUT_OF_RANGE", "quantity"),
        (json!([{ "variantId": argan, "quantity": 100_000 }]), "QUANTITY_OUT_OF_RANGE", "quantity"),
        (json!([{ "variantId": argan, "quantity": argan_stock + 1 }]), "OUT_OF_STOCK", "quantity"),
    ];
    for (lines, code, field) in cases {
        let body = app.gql(CART_CREATE, json!({ "i": { "lines": lines } })).await;
        let errors = &body["data"]["cartCreate"]["userErrors"];
        assert_eq!(errors[0]["code"], code, "{body}");
        assert_eq!(errors[0]["field"].as_array().unwrap().last().unwrap(), field, "{body}");
        assert_eq!(body["data"]["cartCreate"]["cart"], Value::Null);
    }
    // An empty cart cannot be checked out.
    let empty = new_cart(&app, None, json!([])).await;
    let body = app
        .gql(CHECKOUT, checkout_input(empty["id"].as_str().unwrap(), "empty-cart-1", "CASH_ON_DELIVERY", "fr"))
        .await;
    assert_eq!(error_codes(&body, "checkoutComplete"), ["CART_EMPTY"]);

    let cart = new_cart(&app, None, json!([{ "variantId": argan, "quantity": 1 }])).await;
    let cart_id = cart["id"].as_str().unwrap();
    let mut bad = Vec::new();
    let mut phone = checkout_input(cart_id, "bad-input-1", "CASH_ON_DELIVERY", "fr");
    phone["i"]["phone"] = json!("12");
    bad.push((phone, "phone"));
    let mut region = checkout_input(cart_id, "bad-input-2", "CASH_ON_DELIVERY", "fr");
    region["i"]["shippingAddress"]["regionCode"] = json!("13");
    bad.push((region, "regionCode"));
    let mut email = checkout_input(cart_id, "bad-input-3", "CASH_ON_DELIVERY", "fr");
    email["i"]["email"] = json!("nobody");
    bad.push((email, "email"));
    bad.push((checkout_input(cart_id, "short", "CASH_ON_DELIVERY", "fr"), "idempotencyKey"));
    bad.push((checkout_input(cart_id, "bad-input-4", "CARD", "fr"), "paymentMethod"));
    for (input, field) in bad {
        let body = app.gql(CHECKOUT, input).await;
        let errors = &body["data"]["checkoutComplete"]["userErrors"];
        assert!(!errors.as_array().unwrap().is_empty(), "{field}: {body}");
        assert_eq!(errors[0]["field"].as_array().unwrap().last().unwrap(), field, "{body}");
    }
    assert_eq!(stock(&app, "amlou-tighanimine").await, argan_stock, "stock moved on bad input");
    let admin = app.login_as("admin").await;
    let orders = app.gql_as(&admin, "{ orders { totalCount } }", json!({})).await;
    assert_eq!(orders["data"]["orders"]["totalCount"], 0);

    // A manager cannot touch another cooperative's fulfilment.
    let body = app.gql(CHECKOUT, checkout_input(cart_id, "good-input-1", "CASH_ON_DELIVERY", "fr")).await;
    let fulfilment = ok_payload(&body, "checkoutComplete")["order"]["fulfilments"][0]["id"].clone();
    let other = app.login_as("other_manager").await;
    let body =
        app.gql_as(&other, FULFILMENT, json!({ "i": { "fulfilmentId": fulfilment, "status": "PROCESSING" } })).await;
    assert_eq!(error_codes(&body, "fulfilmentUpdate"), ["FORBIDDEN"]);
    let customer = app.login_as("customer").await;
    let body =
        app.gql_as(&customer, FULFILMENT, json!({ "i": { "fulfilmentId": fulfilment, "status": "PROCESSING" } })).await;
    assert_eq!(error_codes(&body, "fulfilmentUpdate"), ["FORBIDDEN"]);
    // Shipping needs a carrier and a tracking number.
    let manager = app.login_as("manager").await;
    ok_payload(
        &app.gql_as(&manager, FULFILMENT, json!({ "i": { "fulfilmentId": fulfilment, "status": "PROCESSING" } })).await,
        "fulfilmentUpdate",
    );
    let body =
        app.gql_as(&manager, FULFILMENT, json!({ "i": { "fulfilmentId": fulfilment, "status": "SHIPPED" } })).await;
    assert_eq!(error_codes(&body, "fulfilmentUpdate"), ["BAD_USER_INPUT", "BAD_USER_INPUT"]);
    // Cancelling puts the stock back.
    let body =
        app.gql_as(&manager, FULFILMENT, json!({ "i": { "fulfilmentId": fulfilment, "status": "CANCELLED" } })).await;
    ok_payload(&body, "fulfilmentUpdate");
    assert_eq!(stock(&app, "amlou-tighanimine").await, argan_stock);
}
on_both_backends!(bad_cart_and_checkout_input_changes_nothing);

fn stripe_options(mock_base: String) -> Options {
    Options::with(move |c| {
        c.stripe_secret_key = Some(taawun::kernel::config::Secret::new("sk_test_taawun"));
        c.stripe_webhook_secret = Some(taawun::kernel::config::Secret::new("whsec_taawun_test"));
        c.stripe_api_base = Some(mock_base);
    })
}

async fn post_webhook(app: &TestApp, payload: &Value, timestamp: i64, secret: &str) -> u16 {
    let body = payload.to_string();
    let signature = taawun::payments::webhook::sign(body.as_bytes(), secret, timestamp);
    app.client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A PaymentIntent event as Stripe sends it: the intent with its amounts and currency.
fn intent_event(id: &str, kind: &str, intent: &str, order_id: i64, amount: i64) -> Value {
    json!({ "id": id, "object": "event", "type": kind,
            "data": { "object": { "id": intent, "object": "payment_intent", "amount": amount, "amount_received": amount,
                                  "currency": "mad", "metadata": { "order_id": order_id.to_string() } } } })
}

/// The database id inside a global id (what Stripe's metadata carries).
fn raw_id(global: &Value) -> i64 {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global.as_str().unwrap()).unwrap();
    String::from_utf8(decoded).unwrap().rsplit(':').next().unwrap().parse().unwrap()
}

async fn card_payment_through_stripe(app: TestApp, mock: StripeMock) {
    let (argan, _, _) = variant(&app, "huile-argan-alimentaire-tighanimine").await;
    let cart = new_cart(&app, None, json!([{ "variantId": argan, "quantity": 1 }])).await;
    let input = checkout_input(cart["id"].as_str().unwrap(), "card-order-0001", "CARD", "fr");
    let body = app.gql(CHECKOUT, input.clone()).await;
    let payload = ok_payload(&body, "checkoutComplete");
    let order = payload["order"].clone();
    assert_eq!(order["status"], "PENDING_PAYMENT");
    assert_eq!(payload["paymentClientSecret"], "pi_test_1_secret_abc");

    // What the real client sent.
    let sent = mock.requests("/v1/payment_intents");
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    let total_minor = (amount(&order["total"]) * 100.0).round() as i64;
    assert_eq!(request.form["amount"], total_minor.to_string());
    assert_eq!(request.form["currency"], "mad");
    assert_eq!(request.form["metadata[order_number]"], order["number"].as_str().unwrap());
    let order_id: i64 = request.form["metadata[order_id]"].parse().unwrap();
    assert_eq!(request.idempotency_key.as_deref(), Some("pi-card-order-0001"));
    assert_eq!(request.content_type.as_deref(), Some("application/x-www-form-urlencoded"));

    // The same idempotency key: the same order, no second PaymentIntent.
    let again = app.gql(CHECKOUT, input).await;
    assert_eq!(ok_payload(&again, "checkoutComplete")["order"]["id"], order["id"]);
    assert_eq!(mock.requests("/v1/payment_intents").len(), 1);

    // Nobody cancels while the payment may still succeed (the stock would go back while the
    // buyer pays).
    let cancel = "mutation($i: OrderCancelInput!) { orderCancel(input: $i) { order { status } userErrors { code } } }";
    let admin = app.login_as("admin").await;
    let refused = app.gql_as(&admin, cancel, json!({ "i": { "orderId": order["id"] } })).await;
    assert_eq!(error_codes(&refused, "orderCancel"), ["INVALID_TRANSITION"], "{refused}");

    let key = order["lookupKey"].as_str().unwrap().to_string();
    let lookup = |n: String| {
        let (app, key) = (&app, key.clone());
        async move {
            let b = app
                .gql("query($n: String!, $e: String!, $k: String!) { orderLookup(number: $n, email: $e, key: $k) { status paymentStatus paymentClientSecret events { toStatus } } }", json!({ "n": n, "e": "buyer@example.ma", "k": key }))
                .await;
            b["data"]["orderLookup"].clone()
        }
    };
    let number = order["number"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp();

    // Bad and stale signatures change nothing.
    let failed = intent_event("evt_failed_1", "payment_intent.payment_failed", "pi_test_1", order_id, total_minor);
    assert_eq!(post_webhook(&app, &failed, now, "whsec_wrong").await, 400);
    assert_eq!(post_webhook(&app, &failed, now - 3600, "whsec_taawun_test").await, 400);
    assert_eq!(lookup(number.clone()).await["paymentStatus"], "PENDING");

    // A failed payment leaves the order payable.
    assert_eq!(post_webhook(&app, &failed, now, "whsec_taawun_test").await, 200);
    let o = lookup(number.clone()).await;
    assert_eq!((o["status"].as_str(), o["paymentStatus"].as_str()), (Some("PENDING_PAYMENT"), Some("FAILED")));
    assert_eq!(o["paymentClientSecret"], "pi_test_1_secret_abc");

    // Signed events that do not pay this order are not applied: a 1-cent intent, another
    // currency, another intent naming this order, a card event naming a cash order.
    let cheap = intent_event("evt_cheap", "payment_intent.succeeded", "pi_test_1", order_id, 1);
    assert_eq!(post_webhook(&app, &cheap, now, "whsec_taawun_test").await, 200);
    let mut euros = intent_event("evt_eur", "payment_intent.succeeded", "pi_test_1", order_id, total_minor);
    euros["data"]["object"]["currency"] = json!("eur");
    assert_eq!(post_webhook(&app, &euros, now, "whsec_taawun_test").await, 200);
    let other = intent_event("evt_other", "payment_intent.succeeded", "pi_attacker", order_id, total_minor);
    assert_eq!(post_webhook(&app, &other, now, "whsec_taawun_test").await, 200);
    assert_eq!(lookup(number.clone()).await["status"], "PENDING_PAYMENT");
    let (carpet, _, _) = variant(&app, "tapis-berbere-tissage-taznakht").await;
    let cash_cart = new_cart(&app, None, json!([{ "variantId": carpet, "quantity": 1 }])).await;
    let cash = app
        .gql(CHECKOUT, checkout_input(cash_cart["id"].as_str().unwrap(), "cash-0001", "CASH_ON_DELIVERY", "fr"))
        .await;
    let cash = ok_payload(&cash, "checkoutComplete")["order"].clone();
    let cash_total = (amount(&cash["total"]) * 100.0).round() as i64;
    let cash_event = intent_event("evt_cash", "payment_intent.succeeded", "pi_cash", raw_id(&cash["id"]), cash_total);
    assert_eq!(post_webhook(&app, &cash_event, now, "whsec_taawun_test").await, 200);
    let cash_state =
        app.gql_as(&admin, "query($id: ID!) { order(id: $id) { paymentStatus } }", json!({ "id": cash["id"] })).await;
    assert_eq!(cash_state["data"]["order"]["paymentStatus"], "PENDING", "{cash_state}");

    // Success confirms it; the same event again is applied once.
    let succeeded = intent_event("evt_ok_1", "payment_intent.succeeded", "pi_test_1", order_id, total_minor);
    assert_eq!(post_webhook(&app, &succeeded, now, "whsec_taawun_test").await, 200);
    let o = lookup(number.clone()).await;
    assert_eq!((o["status"].as_str(), o["paymentStatus"].as_str()), (Some("CONFIRMED"), Some("PAID")));
    let events = o["events"].as_array().unwrap().len();
    assert_eq!(post_webhook(&app, &succeeded, now, "whsec_taawun_test").await, 200);
    // A late failure after the success changes nothing either.
    let late = intent_event("evt_failed_late", "payment_intent.payment_failed", "pi_test_1", order_id, total_minor);
    assert_eq!(post_webhook(&app, &late, now, "whsec_taawun_test").await, 200);
    let o = lookup(number.clone()).await;
    assert_eq!(o["events"].as_array().unwrap().len(), events);
    assert_eq!(o["paymentStatus"], "PAID");
    app.eventually("the confirmation email after payment", || async {
        app.mail_files().iter().any(|m| m.contains("buyer@example.ma") && m.contains("confirm"))
    })
    .await;

    // Staff refund through Stripe.
    let body = app
        .gql_as(&admin, "mutation($i: OrderRefundInput!) { orderRefund(input: $i) { order { status paymentStatus refunded { amount } } userErrors { field message code } } }", json!({ "i": { "orderId": order["id"], "reason": "damaged" } }))
        .await;
    let refunded = &ok_payload(&body, "orderRefund")["order"];
    assert_eq!(refunded["status"], "REFUNDED");
    let refunds = mock.requests("/v1/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].form["payment_intent"], "pi_test_1");
    assert_eq!(refunds[0].form["amount"], total_minor.to_string());
    assert!(refunds[0].idempotency_key.is_some());
}

/// Stripe down during a checkout: the order and its stock are kept, the buyer is told the
/// payment could not start, and the same checkout retried later starts it once.
async fn a_stripe_outage_loses_no_order(app: TestApp, mock: StripeMock) {
    let (argan, before, _) = variant(&app, "huile-argan-alimentaire-tighanimine").await;
    let cart = new_cart(&app, None, json!([{ "variantId": argan, "quantity": 1 }])).await;
    let input = checkout_input(cart["id"].as_str().unwrap(), "outage-0001", "CARD", "fr");
    mock.fail_next(5);
    let body = app.gql(CHECKOUT, input.clone()).await;
    assert_eq!(error_codes(&body, "checkoutComplete"), ["PAYMENT_FAILED"], "{body}");
    let order = body["data"]["checkoutComplete"]["order"].clone();
    assert_eq!(order["status"], "PENDING_PAYMENT", "{body}");
    assert_eq!(body["data"]["checkoutComplete"]["paymentClientSecret"], Value::Null);
    assert_eq!(stock(&app, "huile-argan-alimentaire-tighanimine").await, before - 1);
    // Stripe is back: the same checkout answers the same order with its payment started.
    mock.fail_next(0);
    let again = app.gql(CHECKOUT, input).await;
    let payload = ok_payload(&again, "checkoutComplete");
    assert_eq!(payload["order"]["id"], order["id"]);
    assert!(payload["paymentClientSecret"].as_str().is_some_and(|s| s.starts_with("pi_test_")), "{again}");
    assert_eq!(stock(&app, "huile-argan-alimentaire-tighanimine").await, before - 1, "the stock was taken once");
    let keys: std::collections::BTreeSet<_> =
        mock.requests("/v1/payment_intents").iter().map(|r| r.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), 1, "every attempt used the order's one idempotency key");
    let admin = app.login_as("admin").await;
    let orders = app.gql_as(&admin, "{ orders(first: 10) { totalCount } }", json!({})).await;
    assert_eq!(orders["data"]["orders"]["totalCount"], 1);
}

mod a_stripe_outage_loses_no_order {
    use super::*;
    use crate::helpers::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mock = StripeMock::start();
        let app = TestApp::spawn(Backend::Sqlite, stripe_options(mock.base.clone())).await.unwrap();
        super::a_stripe_outage_loses_no_order(app, mock).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let mock = StripeMock::start();
        match TestApp::spawn(Backend::Postgres, stripe_options(mock.base.clone())).await {
            Some(app) => super::a_stripe_outage_loses_no_order(app, mock).await,
            None => eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set"),
        }
    }
}

mod card_payment_through_stripe {
    use super::*;
    use crate::helpers::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mock = StripeMock::start();
        let app = TestApp::spawn(Backend::Sqlite, stripe_options(mock.base.clone())).await.unwrap();
        super::card_payment_through_stripe(app, mock).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let mock = StripeMock::start();
        match TestApp::spawn(Backend::Postgres, stripe_options(mock.base.clone())).await {
            Some(app) => super::card_payment_through_stripe(app, mock).await,
            None => eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set"),
        }
    }
}

async fn emails_go_through_smtp_with_retries_and_survive_restarts(backend: crate::helpers::Backend) {
    // The SMTP server refuses the first two messages: the outbox retries with backoff.
    let smtp = SmtpServer::start(2).await;
    let url = smtp.url();
    let Some(app) =
        TestApp::spawn(backend, Options::with(move |c| c.smtp_url = Some(taawun::kernel::config::Secret::new(url))))
            .await
    else {
        return;
    };
    let (argan, _, _) = variant(&app, "amlou-ajddig").await;
    let cart = new_cart(&app, None, json!([{ "variantId": argan, "quantity": 1 }])).await;
    // The order's emails, not the demo's (made before it).
    let since = (chrono::Utc::now() - chrono::Duration::milliseconds(5)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let body = app
        .gql(CHECKOUT, checkout_input(cart["id"].as_str().unwrap(), "smtp-order-01", "CASH_ON_DELIVERY", "ar"))
        .await;
    ok_payload(&body, "checkoutComplete");
    app.eventually("the buyer's email over SMTP", || async { !smtp.messages_to("buyer@example.ma").is_empty() }).await;
    app.eventually("the cooperative's email over SMTP", || async {
        !smtp.messages_to("contact@ajddig.demo.taawun.ma").is_empty()
    })
    .await;
    let buyer = smtp.messages_to("buyer@example.ma");
    assert_eq!(buyer.len(), 1, "delivered once");
    assert!(buyer[0].contains(r#"dir="rtl""#) && buyer[0].contains(r#"lang="ar""#), "{}", buyer[0]);
    assert!(buyer[0].contains("تأكيد طلبك") && buyer[0].contains("أملو"), "{}", buyer[0]);
    let admin = app.login_as("admin").await;
    let done = app
        .gql_as(&admin, "{ outboxMessages(status: DONE, first: 100) { nodes { kind attempts createdAt } } }", json!({}))
        .await;
    let attempts: Vec<i64> = done["data"]["outboxMessages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "email" && n["createdAt"].as_str().unwrap() >= since.as_str())
        .map(|n| n["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts.iter().sum::<i64>(), 4, "two failures, then one delivery each: {attempts:?}");

    // With the worker stopped, an order's emails wait in the outbox…
    let app = app.restart(|c| c.outbox_worker = false).await;
    let cart = new_cart(&app, None, json!([{ "variantId": argan, "quantity": 1 }])).await;
    let body = app
        .gql(CHECKOUT, checkout_input(cart["id"].as_str().unwrap(), "smtp-order-02", "CASH_ON_DELIVERY", "fr"))
        .await;
    ok_payload(&body, "checkoutComplete");
    let admin = app.login_as("admin").await;
    let pending = app.gql_as(&admin, "{ outboxMessages(status: PENDING) { nodes { kind } } }", json!({})).await;
    let emails =
        pending["data"]["outboxMessages"]["nodes"].as_array().unwrap().iter().filter(|n| n["kind"] == "email").count();
    assert_eq!(emails, 2);
    // …and are delivered after a restart.
    let app = app.restart(|c| c.outbox_worker = true).await;
    app.eventually("the pending emails after restart", || async { smtp.messages_to("buyer@example.ma").len() == 2 })
        .await;
}

mod emails_go_through_smtp_with_retries_and_survive_restarts {
    use crate::helpers::{Backend, postgres_url};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::emails_go_through_smtp_with_retries_and_survive_restarts(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if postgres_url().is_some() {
            super::emails_go_through_smtp_with_retries_and_survive_restarts(Backend::Postgres).await;
        }
    }
}

async fn carts_follow_the_customer_and_warn_of_changes(app: TestApp) {
    let (amlou, _, _) = variant(&app, "amlou-tighanimine").await;
    let (honey, _, _) = variant(&app, "miel-thym-nahla-atlas").await;
    // The customer already has a cart with honey; as a guest they add amlou, then sign in.
    let customer = app.login_as("customer").await;
    new_cart(&app, Some(&customer), json!([{ "variantId": honey, "quantity": 1 }])).await;
    let guest = new_cart(&app, None, json!([{ "variantId": amlou, "quantity": 2 }])).await;
    let body = app
        .gql(
            "mutation($i: LoginInput!) { login(input: $i) { accessToken { token } userErrors { code } } }",
            json!({ "i": { "email": "customer@demo.taawun.ma", "password": crate::helpers::DEMO_PASSWORD, "cartId": guest["id"] } }),
        )
        .await;
    let token = ok_payload(&body, "login")["accessToken"]["token"].as_str().unwrap().to_string();
    let me = app.gql_as(&token, "{ me { cart { id totalQuantity lines { nodes { quantity } } } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["cart"]["id"], guest["id"], "{me}");
    assert_eq!(me["data"]["me"]["cart"]["totalQuantity"], 3);
    // The cart is the customer's now: the bare id no longer opens it.
    let anonymous = app.gql("query($id: ID!) { cart(id: $id) { id } }", json!({ "id": guest["id"] })).await;
    assert_eq!(anonymous["data"]["cart"], Value::Null);

    // The price changes and the stock falls: the cart says so.
    let manager = app.login_as("manager").await;
    let body = app
        .gql_as(
            &manager,
            "mutation($i: VariantUpdateInput!) { variantUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": amlou, "price": "1000.00" } }),
        )
        .await;
    ok_payload(&body, "variantUpdate");
    let stock_now = stock(&app, "amlou-tighanimine").await;
    let body = app
        .gql_as(
            &manager,
            "mutation($i: InventoryAdjustInput!) { inventoryAdjust(input: $i) { userErrors { code } } }",
            json!({ "i": { "variantId": amlou, "delta": 1 - stock_now } }),
        )
        .await;
    ok_payload(&body, "inventoryAdjust");
    let cart = app
        .gql_as(
            &token,
            "query($id: ID!) { cart(id: $id) { warnings { code } cost { subtotal { amount } } } }",
            json!({ "id": guest["id"] }),
        )
        .await;
    let codes: Vec<&str> =
        cart["data"]["cart"]["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"PRICE_CHANGED") && codes.contains(&"INSUFFICIENT_STOCK"), "{cart}");
    // Checkout charges the new price, and refuses what is not in stock.
    let body = app
        .gql_as(
            &token,
            CHECKOUT,
            checkout_input(guest["id"].as_str().unwrap(), "merged-cart-01", "CASH_ON_DELIVERY", "fr"),
        )
        .await;
    assert_eq!(error_codes(&body, "checkoutComplete"), ["OUT_OF_STOCK"]);
    assert_eq!(stock(&app, "amlou-tighanimine").await, 1, "nothing taken");
}
on_both_backends!(carts_follow_the_customer_and_warn_of_changes);

async fn parked_emails_are_retried_by_admins_and_payouts_reduce_the_balance(backend: crate::helpers::Backend) {
    let smtp = SmtpServer::start(2).await;
    let url = smtp.url();
    let Some(app) = TestApp::spawn(
        backend,
        Options::with(move |c| {
            c.smtp_url = Some(taawun::kernel::config::Secret::new(url));
            c.outbox_max_attempts = 1;
        }),
    )
    .await
    else {
        return;
    };
    let customer = app.login_as("customer").await;
    let (argan, _, _) = variant(&app, "huile-argan-alimentaire-ajddig").await;
    let cart = new_cart(&app, Some(&customer), json!([{ "variantId": argan, "quantity": 1 }])).await;
    let body = app
        .gql_as(
            &customer,
            CHECKOUT,
            checkout_input(cart["id"].as_str().unwrap(), "parked-mail-01", "CASH_ON_DELIVERY", "fr"),
        )
        .await;
    let order = ok_payload(&body, "checkoutComplete")["order"].clone();
    let admin = app.login_as("admin").await;
    const FAILED: &str = "{ outboxMessages(status: FAILED) { totalCount nodes { id lastError attempts } } }";
    app.eventually("two parked emails", || async {
        app.gql_as(&admin, FAILED, json!({})).await["data"]["outboxMessages"]["totalCount"] == 2
    })
    .await;
    let parked = app.gql_as(&admin, FAILED, json!({})).await;
    assert!(parked["data"]["outboxMessages"]["nodes"][0]["lastError"].as_str().unwrap().contains("451"));
    for node in parked["data"]["outboxMessages"]["nodes"].as_array().unwrap() {
        let body = app
            .gql_as(
                &admin,
                "mutation($id: ID!) { outboxRetry(id: $id) { message { status } userErrors { code } } }",
                json!({ "id": node["id"] }),
            )
            .await;
        assert_eq!(ok_payload(&body, "outboxRetry")["message"]["status"], "PENDING");
    }
    app.eventually("the retried emails", || async { smtp.messages_to("buyer@example.ma").len() == 1 }).await;
    let customer_sees = app.gql_as(&customer, "{ outboxMessages { totalCount } }", json!({})).await;
    assert_eq!(customer_sees["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Delivered cash on delivery: the cooperative owes the commission; a payout larger than
    // what it is owed is refused.
    let manager = app.login_as("manager").await;
    let _ = manager;
    let coop = app.cooperative_id("ajddig").await;
    let payout = "mutation($i: PayoutRecordInput!) { payoutRecord(input: $i) { balance { balance { amount } paidOut { amount } } userErrors { field code } } }";
    let body = app
        .gql_as(
            &admin,
            payout,
            json!({ "i": { "cooperativeId": coop, "amount": "10.00", "reference": "VIR-2026-001" } }),
        )
        .await;
    // Not delivered yet: the sale is owed to the cooperative (the marketplace will collect the cash).
    let balance = ok_payload(&body, "payoutRecord")["balance"].clone();
    assert_eq!(balance["paidOut"]["amount"], "10.00");
    let body = app
        .gql_as(
            &admin,
            payout,
            json!({ "i": { "cooperativeId": coop, "amount": "100000.00", "reference": "VIR-2026-002" } }),
        )
        .await;
    assert_eq!(error_codes(&body, "payoutRecord"), ["BAD_USER_INPUT"]);
    let body = app
        .gql_as(&customer, payout, json!({ "i": { "cooperativeId": coop, "amount": "1.00", "reference": "X" } }))
        .await;
    assert_eq!(error_codes(&body, "payoutRecord"), ["FORBIDDEN"]);
    // The customer cancels: stock back, ledger reversed.
    let before = stock(&app, "huile-argan-alimentaire-ajddig").await;
    let body = app
        .gql_as(&customer, "mutation($i: OrderCancelInput!) { orderCancel(input: $i) { order { status fulfilments { status } } userErrors { code } } }", json!({ "i": { "orderId": order["id"], "reason": "changed my mind" } }))
        .await;
    assert_eq!(ok_payload(&body, "orderCancel")["order"]["status"], "CANCELLED");
    assert_eq!(stock(&app, "huile-argan-alimentaire-ajddig").await, before + 1);
    let b = app
        .gql_as(
            &admin,
            "query($c: ID!) { cooperativeBalance(cooperativeId: $c) { balance { amount } } }",
            json!({ "c": coop }),
        )
        .await;
    assert_eq!(b["data"]["cooperativeBalance"]["balance"]["amount"], "-10.00", "{b}");
}

mod parked_emails_are_retried_by_admins_and_payouts_reduce_the_balance {
    use crate::helpers::{Backend, postgres_url};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::parked_emails_are_retried_by_admins_and_payouts_reduce_the_balance(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if postgres_url().is_some() {
            super::parked_emails_are_retried_by_admins_and_payouts_reduce_the_balance(Backend::Postgres).await;
        }
    }
}

async fn a_refused_cart_change_answers_the_cart_as_it_was(app: TestApp) {
    let (variant_id, _, _) = variant(&app, "amlou-tighanimine").await;
    let cart = new_cart(&app, None, json!([{ "variantId": variant_id, "quantity": 2 }])).await;
    let body = app
        .gql(
            "mutation($i: CartLinesAddInput!) { cartLinesAdd(input: $i) {
                cart { id totalQuantity lines { nodes { quantity } } } userErrors { field code } } }",
            json!({ "i": { "cartId": cart["id"], "lines": [{ "variantId": variant_id, "quantity": 0 }] } }),
        )
        .await;
    let payload = &body["data"]["cartLinesAdd"];
    assert_eq!(payload["userErrors"][0]["code"], "QUANTITY_OUT_OF_RANGE", "{body}");
    assert_eq!(payload["cart"]["id"], cart["id"], "the cart comes back with the errors: {body}");
    assert_eq!(payload["cart"]["totalQuantity"], 2, "and nothing changed: {body}");
}
on_both_backends!(a_refused_cart_change_answers_the_cart_as_it_was);

async fn money_at_its_limits(app: TestApp) {
    let manager = app.login_as("manager").await;
    let create = r#"mutation($i: ProductCreateInput!) { productCreate(input: $i) { product { variants { nodes { id } } } userErrors { field code } } }"#;
    let product = |sku: &str, price: &str| {
        json!({ "i": { "slug": format!("limit-{}", sku.to_lowercase()), "status": "ACTIVE",
            "name": [{ "locale": "FR", "text": "Tapis royal" }],
            "variants": [{ "sku": sku, "price": price, "stock": 1_000 }] } })
    };
    // Beyond a billion dirhams an amount is refused.
    let body = app.gql_as(&manager, create, product("OVER-1", "1000000000.01")).await;
    assert_eq!(error_codes(&body, "productCreate"), ["OUT_OF_RANGE"], "{body}");
    // At the limit, a full line's commission is exact: no overflow, no negative amount.
    let body = app.gql_as(&manager, create, product("MAX-1", "1000000000.00")).await;
    let max_variant = ok_payload(&body, "productCreate")["product"]["variants"]["nodes"][0]["id"].clone();
    let cart = new_cart(&app, None, json!([{ "variantId": max_variant, "quantity": 100 }])).await;
    let body = app
        .gql(CHECKOUT, checkout_input(cart["id"].as_str().unwrap(), "money-limits-1", "CASH_ON_DELIVERY", "fr"))
        .await;
    let order = &ok_payload(&body, "checkoutComplete")["order"];
    let fulfilment = &order["fulfilments"][0];
    let subtotal: i128 = (amount(&fulfilment["subtotal"]) * 100.0).round() as i128;
    let commission: i128 = (amount(&fulfilment["commission"]) * 100.0).round() as i128;
    assert_eq!(subtotal, 100 * 100_000_000_000, "{body}");
    assert!(commission > 0 && commission <= subtotal / 2, "{body}");
    assert!(amount(&fulfilment["net"]) > 0.0, "{body}");
    // Lines of one variant merge, and the merged line obeys the quantity limit.
    let body = app
        .gql(
            CART_CREATE,
            json!({ "i": { "lines": [{ "variantId": max_variant, "quantity": 60 }, { "variantId": max_variant, "quantity": 60 }] } }),
        )
        .await;
    assert_eq!(error_codes(&body, "cartCreate"), ["QUANTITY_OUT_OF_RANGE"], "{body}");
    assert_eq!(body["data"]["cartCreate"]["cart"], Value::Null);
}
on_both_backends!(money_at_its_limits);
