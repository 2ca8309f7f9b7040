//! Outbound webhooks against a local receiver that checks signatures, fails on purpose and
//! goes down and comes back: nothing is lost, every attempt is logged, and a subscription
//! that keeps failing is turned off and its owner told.

use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, error_codes, ok_payload};
use crate::on_both_backends;
use crate::webhook_receiver::Receiver;

const CREATE: &str = r#"mutation($i: WebhookSubscriptionCreateInput!) { webhookSubscriptionCreate(input: $i) {
    subscription { id url events status cooperative { slug } } secret userErrors { field code } } }"#;
const UPDATE: &str = r#"mutation($i: WebhookSubscriptionUpdateInput!) { webhookSubscriptionUpdate(input: $i) {
    subscription { status failingSince } userErrors { field code } } }"#;
const DELIVERIES: &str = r#"query($id: ID!) { node(id: $id) { ... on WebhookSubscription { status failingSince
    deliveries(first: 50) { totalCount nodes { id eventId eventType status attemptCount lastStatusCode
      attempts { statusCode error } } } } } }"#;

pub fn fast_retries() -> Options {
    Options::with(|c| {
        c.webhook_retry_base_ms = 40;
        c.webhook_allow_private_urls = true;
    })
}

async fn subscribe(app: &TestApp, token: &str, input: Value) -> (String, String) {
    let body = app.gql_as(token, CREATE, json!({ "i": input })).await;
    let payload = ok_payload(&body, "webhookSubscriptionCreate");
    (payload["subscription"]["id"].as_str().unwrap().to_string(), payload["secret"].as_str().unwrap().to_string())
}

async fn deliveries(app: &TestApp, token: &str, subscription: &str) -> Value {
    let body = app.gql_as(token, DELIVERIES, json!({ "id": subscription })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["node"].clone()
}

async fn events_reach_subscribers_signed_and_survive_a_receiver_outage(app: TestApp) {
    let mut receiver = Receiver::start().await;
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;

    // Refusals name the field and create nothing.
    let bad = app.gql_as(&admin, CREATE, json!({ "i": { "url": "ftp://example.ma/x", "events": [] } })).await;
    let codes = error_codes(&bad, "webhookSubscriptionCreate");
    assert_eq!(codes, ["BAD_USER_INPUT", "BAD_USER_INPUT"], "{bad}");
    let customer = app.login_as("customer").await;
    let refused =
        app.gql_as(&customer, CREATE, json!({ "i": { "url": receiver.url(), "events": ["ORDER_CREATED"] } })).await;
    assert_eq!(error_codes(&refused, "webhookSubscriptionCreate"), ["FORBIDDEN"]);
    let other = app.cooperative_id("tissage-taznakht").await;
    let foreign = app
        .gql_as(
            &manager,
            CREATE,
            json!({ "i": { "url": receiver.url(), "events": ["FULFILMENT_UPDATED"], "cooperativeId": other } }),
        )
        .await;
    assert_eq!(error_codes(&foreign, "webhookSubscriptionCreate"), ["FORBIDDEN"]);
    let register = app
        .gql_as(&manager, CREATE, json!({ "i": { "url": receiver.url(), "events": ["COOPERATIVE_REGISTERED"] } }))
        .await;
    assert_eq!(error_codes(&register, "webhookSubscriptionCreate"), ["BAD_USER_INPUT"]);
    assert_eq!(
        app.gql_as(&admin, "{ webhookSubscriptions { id } }", json!({})).await["data"]["webhookSubscriptions"],
        json!([])
    );

    // The marketplace's subscription, and the cooperative's own.
    let (all, secret) =
        subscribe(&app, &admin, json!({ "url": receiver.url(), "events": ["ORDER_CREATED", "FULFILMENT_UPDATED"] }))
            .await;
    let (own, own_secret) =
        subscribe(&app, &manager, json!({ "url": receiver.url(), "events": ["FULFILMENT_UPDATED"] })).await;
    assert_ne!(secret, own_secret);
    assert!(secret.starts_with("whsec_"));
    // (One receiver for both: it checks requests against the marketplace's secret; the
    // cooperative's deliveries are checked against theirs below.)
    receiver.set_secret(&secret);
    receiver.script(&[500, 500]);
    let listed = app.gql_as(&manager, "{ webhookSubscriptions { id cooperative { slug } } }", json!({})).await;
    assert_eq!(
        listed["data"]["webhookSubscriptions"],
        json!([{ "id": own, "cooperative": { "slug": "tighanimine" } }])
    );

    // An order: refused twice, then taken; every attempt is in the log.
    let cart = crate::account_flows::argan_cart(&app, &customer).await;
    let checkout = app
        .gql_as(
            &customer,
            "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { id number fulfilments { id } } userErrors { code } } }",
            json!({ "i": { "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "0612345678",
                "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": "webhook-order-0001",
                "savedAddressId": app.gql_as(&customer, "{ me { defaultAddress { id } } }", json!({})).await["data"]["me"]["defaultAddress"]["id"] } }),
        )
        .await;
    let order = ok_payload(&checkout, "checkoutComplete")["order"].clone();
    app.eventually("the order event delivered", || async {
        receiver.received().iter().any(|r| r.event == "order.created" && r.answered == 200)
    })
    .await;
    let received = receiver.received();
    assert_eq!(received.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 500, 200]);
    assert!(received.iter().all(|r| r.signature_ok), "{received:?}");
    assert!(received.windows(2).all(|w| w[0].event_id == w[1].event_id), "the same event every time");
    let body = &received[2].body;
    assert_eq!(body["type"], "order.created");
    assert_eq!(body["data"]["orderId"], order["id"]);
    assert_eq!(body["data"]["number"], order["number"]);
    assert!(!body.to_string().contains("customer@demo"), "thin events: no personal data: {body}");
    let log = deliveries(&app, &admin, &all).await;
    let delivery = &log["deliveries"]["nodes"][0];
    assert_eq!(delivery["status"], "DELIVERED");
    assert_eq!(delivery["attemptCount"], 3);
    assert_eq!(delivery["lastStatusCode"], 200);
    let codes: Vec<Value> = delivery["attempts"].as_array().unwrap().iter().map(|a| a["statusCode"].clone()).collect();
    assert_eq!(codes, [json!(500), json!(500), json!(200)]);
    assert_eq!(log["failingSince"], Value::Null, "a success ends the failures");
    // The cooperative's subscription did not hear the order: it listens to fulfilments only.
    assert_eq!(deliveries(&app, &manager, &own).await["deliveries"]["totalCount"], 0);
    // Nor may anyone else read the log.
    assert_eq!(app.gql_as(&customer, DELIVERIES, json!({ "id": all })).await["data"]["node"], Value::Null);
    assert_eq!(app.gql_as(&manager, DELIVERIES, json!({ "id": all })).await["data"]["node"], Value::Null);

    // The receiver goes down; the cooperative ships; nothing is lost.
    receiver.stop();
    let fulfilment = order["fulfilments"][0]["id"].clone();
    let moved = app
        .gql_as(
            &manager,
            "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "fulfilmentId": fulfilment, "status": "PROCESSING" } }),
        )
        .await;
    ok_payload(&moved, "fulfilmentUpdate");
    app.eventually("failed attempts while the receiver is down", || async {
        let log = deliveries(&app, &admin, &all).await;
        log["deliveries"]["nodes"][0]["eventType"] == "FULFILMENT_UPDATED"
            && log["deliveries"]["nodes"][0]["attemptCount"].as_i64().unwrap_or(0) >= 3
    })
    .await;
    let down = deliveries(&app, &admin, &all).await;
    assert_eq!(down["deliveries"]["nodes"][0]["status"], "PENDING");
    assert_eq!(down["deliveries"]["nodes"][0]["attempts"][0]["error"], "could not connect");
    assert!(down["failingSince"].is_string(), "{down}");
    receiver.restart().await;
    app.eventually("the fulfilment event delivered after the outage", || async {
        receiver.received().iter().filter(|r| r.event == "fulfilment.updated" && r.answered == 200).count() == 2
    })
    .await;
    let shipped: Vec<_> = receiver.received().into_iter().filter(|r| r.event == "fulfilment.updated").collect();
    assert!(shipped.iter().all(|r| r.body["data"]["status"] == "PROCESSING"));
    // One signed with the marketplace's secret, one with the cooperative's.
    let verify = crate::webhook_receiver::verify;
    assert_eq!(shipped.iter().filter(|r| verify(&secret, &r.signature, &r.raw)).count(), 1);
    assert_eq!(shipped.iter().filter(|r| verify(&own_secret, &r.signature, &r.raw)).count(), 1);
    assert_eq!(deliveries(&app, &manager, &own).await["deliveries"]["nodes"][0]["status"], "DELIVERED");

    // A manual redelivery sends the same event again.
    let first = log["deliveries"]["nodes"][0]["id"].clone();
    let again = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { webhookDeliveryRetry(id: $id) { delivery { status } userErrors { code } } }",
            json!({ "id": first }),
        )
        .await;
    ok_payload(&again, "webhookDeliveryRetry");
    let order_event = received[0].event_id.clone();
    app.eventually("the redelivery", || async {
        receiver.received().iter().filter(|r| r.event_id == order_event && r.answered == 200).count() == 2
    })
    .await;
    let stranger = app
        .gql_as(
            &manager,
            "mutation($id: ID!) { webhookDeliveryRetry(id: $id) { userErrors { code } } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(error_codes(&stranger, "webhookDeliveryRetry"), ["DELIVERY_NOT_FOUND"]);
}
on_both_backends!(events_reach_subscribers_signed_and_survive_a_receiver_outage, crate::webhooks::fast_retries());

async fn a_subscription_failing_too_long_is_disabled_and_its_owner_told(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.script(&[503; 500]);
    let manager = app.login_as("manager").await;
    let (id, secret) = subscribe(&app, &manager, json!({ "url": receiver.url(), "events": ["PRODUCT_UPDATED"] })).await;
    receiver.set_secret(&secret);
    let update = |slug: &'static str, token: String| {
        let app = &app;
        async move {
            let product = app.product_id(slug).await;
            let body = app
                .gql_as(
                    &token,
                    "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
                    json!({ "i": { "id": product, "name": [{ "locale": "FR", "text": format!("{slug} (nouveau)") }] } }),
                )
                .await;
            ok_payload(&body, "productUpdate");
        }
    };
    // Another cooperative's change is not this subscription's to hear.
    update("tapis-berbere-tissage-taznakht", app.login_as("other_manager").await).await;
    update("amlou-tighanimine", manager.clone()).await;
    app.eventually("the subscription disabled after failing too long", || async {
        deliveries(&app, &manager, &id).await["status"] == "DISABLED"
    })
    .await;
    let log = deliveries(&app, &manager, &id).await;
    assert_eq!(log["deliveries"]["totalCount"], 1, "only its own cooperative's event: {log}");
    assert_eq!(log["deliveries"]["nodes"][0]["status"], "FAILED");
    assert!(receiver.received().iter().all(|r| r.signature_ok && r.event == "product.updated"));
    app.eventually("the owner's email", || async {
        app.mail_files().iter().any(|m| m.contains("manager@tighanimine.demo.taawun.ma") && m.contains("webhook"))
    })
    .await;
    // While disabled, events are not queued for it; on again, they are.
    update("amlou-tighanimine", manager.clone()).await;
    crate::account_flows::outbox_drained(&app).await;
    assert_eq!(deliveries(&app, &manager, &id).await["deliveries"]["totalCount"], 1);
    let on = app.gql_as(&manager, UPDATE, json!({ "i": { "id": id, "enabled": true } })).await;
    assert_eq!(
        ok_payload(&on, "webhookSubscriptionUpdate")["subscription"],
        json!({ "status": "ACTIVE", "failingSince": null })
    );
    receiver.script(&[]);
    update("amlou-tighanimine", manager.clone()).await;
    app.eventually("a delivery after it is on again", || async {
        receiver.received().iter().any(|r| r.answered == 200)
    })
    .await;
    let stranger = app.login_as("other_manager").await;
    let theirs = app.gql_as(&stranger, UPDATE, json!({ "i": { "id": id, "enabled": false } })).await;
    assert_eq!(error_codes(&theirs, "webhookSubscriptionUpdate"), ["WEBHOOK_NOT_FOUND"]);
}
pub fn disable_soon() -> Options {
    Options::with(|c| {
        c.webhook_retry_base_ms = 40;
        c.webhook_allow_private_urls = true;
        c.webhook_disable_after_secs = 1;
    })
}
on_both_backends!(a_subscription_failing_too_long_is_disabled_and_its_owner_told, crate::webhooks::disable_soon());
