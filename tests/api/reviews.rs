//! Product reviews: only buyers who received the product, once each; one answer by the
//! cooperative; administrators hide with a reason; the product's figures stay in step.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const CREATE: &str = r#"mutation($i: ProductReviewCreateInput!) { productReviewCreate(input: $i) {
    review { id rating title body authorName verifiedPurchase status } userErrors { field code } } }"#;
const REPLY: &str = r#"mutation($i: ProductReviewReplyInput!) { productReviewReply(input: $i) {
    review { reply { body } } userErrors { field code } } }"#;
const HIDE: &str = r#"mutation($i: ProductReviewHideInput!) { productReviewHide(input: $i) {
    review { status hiddenReason } userErrors { field code } } }"#;
const RESTORE: &str =
    "mutation($id: ID!) { productReviewRestore(reviewId: $id) { review { status } userErrors { code } } }";
const FULFILMENT: &str = "mutation($i: FulfilmentUpdateInput!) { fulfilmentUpdate(input: $i) { fulfilment { status } userErrors { code } } }";
const SLUG: &str = "huile-argan-cosmetique-tighanimine";

async fn figures(app: &TestApp) -> Value {
    let body = app
        .gql(
            "query($s: String) { product(slug: $s) { ratingAverage ratingCount reviews(first: 10) { totalCount nodes { id authorName rating reply { body } } } } }",
            json!({ "s": SLUG }),
        )
        .await;
    body["data"]["product"].clone()
}

/// Every product's kept figures against a count over the reviews themselves.
fn figures_match_the_reviews(app: &TestApp) {
    #[derive(diesel::QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept_count: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        kept_sum: i64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
        kept_average: Option<i32>,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sum: i64,
    }
    let query = diesel::sql_query(
        "SELECT p.id AS id, p.rating_count AS kept_count, p.rating_sum AS kept_sum, \
           p.rating_average_centi AS kept_average, \
           CAST((SELECT count(*) FROM product_reviews r WHERE r.product_id = p.id AND r.status = 'PUBLISHED') AS BIGINT) AS count, \
           CAST(COALESCE((SELECT SUM(r.rating) FROM product_reviews r WHERE r.product_id = p.id AND r.status = 'PUBLISHED'), 0) AS BIGINT) AS sum \
         FROM products p",
    );
    let mut conn = app.db.conn().unwrap();
    let rows: Vec<Row> = match &mut *conn {
        taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::load(query, c),
        taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::load(query, c),
    }
    .unwrap();
    assert!(rows.iter().any(|r| r.count > 0), "some reviews");
    for r in rows {
        let average = (r.count > 0).then(|| ((100 * r.sum) as f64 / r.count as f64).round() as i32);
        assert_eq!((r.kept_count, r.kept_sum, r.kept_average), (r.count, r.sum, average), "product {}", r.id);
    }
}

/// Registers a buyer, orders the product and has the cooperative deliver it (or only ship it).
async fn buyer_with_order(app: &TestApp, email: &str, deliver: bool) -> String {
    let body = app
        .gql(
            "mutation($e: String!) { customerRegister(input: { email: $e, password: \"a long enough secret\", fullName: \"Meryem Alaoui Bennani\" }) { accessToken { token } } }",
            json!({ "e": email }),
        )
        .await;
    let buyer = body["data"]["customerRegister"]["accessToken"]["token"].as_str().unwrap().to_string();
    let cart = crate::account_flows::argan_cart(app, &buyer).await;
    let checkout = app
        .gql_as(
            &buyer,
            "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { number } userErrors { code } } }",
            json!({ "i": { "cartId": cart, "email": email, "phone": "0612345678", "paymentMethod": "CASH_ON_DELIVERY",
                "idempotencyKey": format!("review-{}", email.replace('@', "-")),
                "shippingAddress": { "fullName": "Meryem", "line1": "1 rue B", "city": "Fès", "regionCode": "03" } } }),
        )
        .await;
    let number = ok_payload(&checkout, "checkoutComplete")["order"]["number"].as_str().unwrap().to_string();
    let manager = app.login_as("manager").await;
    let list = app.gql_as(&manager, "{ fulfilments(first: 50) { nodes { id orderNumber } } }", json!({})).await;
    let id = list["data"]["fulfilments"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["orderNumber"] == number.as_str())
        .unwrap()["id"]
        .clone();
    let mut steps = vec![
        json!({ "fulfilmentId": id, "status": "PROCESSING" }),
        json!({ "fulfilmentId": id, "status": "SHIPPED", "carrier": "Amana", "trackingNumber": "AM1" }),
    ];
    if deliver {
        steps.push(json!({ "fulfilmentId": id, "status": "DELIVERED", "cashCollected": true }));
    }
    for step in steps {
        ok_payload(&app.gql_as(&manager, FULFILMENT, json!({ "i": step })).await, "fulfilmentUpdate");
    }
    buyer
}

async fn only_buyers_who_received_a_product_review_it_once(app: TestApp) {
    let product = app.product_id(SLUG).await;
    let review = |rating: i64, body: &str| json!({ "i": { "productId": product, "rating": rating, "title": "Très bonne huile", "body": body } });
    let before = figures(&app).await;

    // Not yet delivered, or never bought: refused.
    let shipped = buyer_with_order(&app, "shipped@example.ma", false).await;
    assert_eq!(
        error_codes(&app.gql_as(&shipped, CREATE, review(5, "Super")).await, "productReviewCreate"),
        ["REVIEW_NOT_ALLOWED"]
    );
    let salma = app.login_as("customer").await;
    assert_eq!(
        error_codes(&app.gql_as(&salma, CREATE, review(5, "Super")).await, "productReviewCreate"),
        ["REVIEW_NOT_ALLOWED"]
    );
    assert_eq!(error_codes(&app.gql(CREATE, review(5, "Super")).await, "productReviewCreate"), ["UNAUTHENTICATED"]);

    // Delivered: bad input is named and changes nothing; then one review, and only one.
    let buyer = buyer_with_order(&app, "delivered@example.ma", true).await;
    let bad = app.gql_as(&buyer, CREATE, review(6, " ")).await;
    assert_eq!(error_codes(&bad, "productReviewCreate"), ["OUT_OF_RANGE", "BAD_USER_INPUT"]);
    let control = app.gql_as(&buyer, CREATE, review(4, "a\u{0}b")).await;
    assert_eq!(error_codes(&control, "productReviewCreate"), ["BAD_USER_INPUT"]);
    assert_eq!(figures(&app).await, before);
    let created = app.gql_as(&buyer, CREATE, review(4, "  Douce et parfumée.\nJe recommande.  ")).await;
    let created = ok_payload(&created, "productReviewCreate")["review"].clone();
    assert_eq!(created["authorName"], "Meryem", "the first name only");
    assert_eq!(created["body"], "Douce et parfumée.\nJe recommande.");
    assert_eq!(created["verifiedPurchase"], true);
    let id = created["id"].clone();
    assert_eq!(
        error_codes(&app.gql_as(&buyer, CREATE, review(1, "Encore")).await, "productReviewCreate"),
        ["REVIEW_EXISTS"]
    );
    let after = figures(&app).await;
    let count = before["ratingCount"].as_i64().unwrap();
    assert_eq!(after["ratingCount"], count + 1);
    assert_eq!(after["reviews"]["totalCount"], count + 1);
    assert_eq!(after["reviews"]["nodes"][0]["id"], id, "newest first");
    assert!(!after.to_string().contains("Bennani") && !after.to_string().contains("delivered@"), "{after}");
    figures_match_the_reviews(&app);

    // One answer, by the product's cooperative.
    let answer = json!({ "i": { "reviewId": id, "body": "Merci Meryem !" } });
    for who in ["other_manager", "customer", "agent"] {
        let token = app.login_as(who).await;
        assert_eq!(
            error_codes(&app.gql_as(&token, REPLY, answer.clone()).await, "productReviewReply"),
            ["FORBIDDEN"],
            "{who}"
        );
    }
    let manager = app.login_as("manager").await;
    ok_payload(&app.gql_as(&manager, REPLY, answer.clone()).await, "productReviewReply");
    assert_eq!(error_codes(&app.gql_as(&manager, REPLY, answer).await, "productReviewReply"), ["REPLY_EXISTS"]);
    assert_eq!(figures(&app).await["reviews"]["nodes"][0]["reply"]["body"], "Merci Meryem !");

    // Hidden by an administrator with a reason: out of the figures and the public list; its
    // author still sees it and why.
    let admin = app.login_as("admin").await;
    let hide = |reason: &str| json!({ "i": { "reviewId": id, "reason": reason } });
    assert_eq!(error_codes(&app.gql_as(&manager, HIDE, hide("spam")).await, "productReviewHide"), ["FORBIDDEN"]);
    assert_eq!(error_codes(&app.gql_as(&admin, HIDE, hide("  ")).await, "productReviewHide"), ["BAD_USER_INPUT"]);
    let hidden = app.gql_as(&admin, HIDE, hide("Données personnelles dans le texte")).await;
    assert_eq!(ok_payload(&hidden, "productReviewHide")["review"]["status"], "HIDDEN");
    assert_eq!(figures(&app).await, before);
    figures_match_the_reviews(&app);
    assert_eq!(
        error_codes(&app.gql_as(&admin, HIDE, hide("again")).await, "productReviewHide"),
        ["INVALID_TRANSITION"]
    );
    let node = "query($id: ID!) { node(id: $id) { ... on ProductReview { status hiddenReason } } }";
    assert_eq!(app.gql(node, json!({ "id": id })).await["data"]["node"], Value::Null);
    assert_eq!(
        app.gql_as(&buyer, node, json!({ "id": id })).await["data"]["node"],
        json!({ "status": "HIDDEN", "hiddenReason": "Données personnelles dans le texte" })
    );
    assert_eq!(
        error_codes(&app.gql_as(&manager, RESTORE, json!({ "id": id })).await, "productReviewRestore"),
        ["FORBIDDEN"]
    );
    ok_payload(&app.gql_as(&admin, RESTORE, json!({ "id": id })).await, "productReviewRestore");
    assert_eq!(figures(&app).await["ratingCount"], count + 1);
    figures_match_the_reviews(&app);
}
on_both_backends!(only_buyers_who_received_a_product_review_it_once);

async fn listings_sort_by_rating(app: TestApp) {
    let list = |reverse: bool| {
        let app = &app;
        async move {
            let body = app
                .gql(
                    "query($r: Boolean) { products(first: 100, sortKey: RATING, reverse: $r) { nodes { slug ratingAverage } } }",
                    json!({ "r": reverse }),
                )
                .await;
            body["data"]["products"]["nodes"].as_array().unwrap_or_else(|| panic!("{body}")).clone()
        }
    };
    let best_first = list(false).await;
    let averages: Vec<Option<f64>> = best_first.iter().map(|p| p["ratingAverage"].as_f64()).collect();
    let rated: Vec<f64> = averages.iter().map_while(|a| *a).collect();
    assert!(rated.len() >= 3, "{averages:?}");
    assert!(rated.windows(2).all(|w| w[0] >= w[1]), "best first: {rated:?}");
    assert!(averages[rated.len()..].iter().all(Option::is_none), "unrated last: {averages:?}");
    assert_eq!(best_first[0]["slug"], "huile-argan-alimentaire-tighanimine");
    let worst_first = list(true).await;
    let rated: Vec<f64> = worst_first.iter().map_while(|p| p["ratingAverage"].as_f64()).collect();
    assert!(rated.windows(2).all(|w| w[0] <= w[1]), "worst first: {rated:?}");
    assert_eq!(worst_first.len(), best_first.len());
    // Pages in the rating order join up without gaps or repeats.
    let mut seen = Vec::new();
    let mut total;
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                "query($a: String) { products(first: 50, after: $a, sortKey: RATING) { totalCount pageInfo { hasNextPage endCursor } nodes { slug } } }",
                json!({ "a": after }),
            )
            .await;
        let page = &body["data"]["products"];
        total = page["totalCount"].as_u64().unwrap() as usize;
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|n| n["slug"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    // (The single page above holds the first hundred.)
    let first_hundred: Vec<Value> = best_first.iter().map(|p| p["slug"].clone()).collect();
    assert_eq!(seen[..first_hundred.len()], first_hundred[..]);
    let mut unique = seen.clone();
    unique.sort_by_key(|v| v.to_string());
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no product twice");
    assert_eq!(seen.len(), total, "every product once");
}
on_both_backends!(listings_sort_by_rating);
