//! `node(id:)` for every type that implements `Node`: it answers whoever may read the object
//! through the field that returns it, and null (never an error) for everyone else.

use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_payload};
use crate::on_both_backends;

/// Types that have an id but do not implement `Node`: none, and it stays so.
const NOT_YET_NODE: &[&str] = &[];

fn sdl() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/schema.graphql")).unwrap()
}

/// (type, implements Node) for every object type of the SDL that has an `id: ID!`.
fn types_with_ids() -> Vec<(String, bool)> {
    let sdl = sdl();
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for line in sdl.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            let name = rest.split([' ', '{']).next().unwrap().to_string();
            current = Some((name, rest.contains("implements Node")));
        } else if line.starts_with('}') {
            current = None;
        } else if line == "\tid: ID!"
            && let Some(c) = current.clone()
        {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_object_with_an_id_is_a_node_but_the_listed_ones() {
    let not_node: Vec<String> = types_with_ids().into_iter().filter(|(_, node)| !node).map(|(n, _)| n).collect();
    assert_eq!(not_node, NOT_YET_NODE, "implement Node (and node(id:)) for new types; shrink the list when you do");
}

/// Who may see each kind of object through `node(id:)`.
struct Expect {
    id: String,
    visible_to: Vec<&'static str>,
    hidden_from: Vec<&'static str>,
}

async fn node(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let body =
        app.gql_with(token, &[], "query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
    assert!(body.get("errors").is_none(), "node({id}): {body}");
    body["data"]["node"].clone()
}

async fn node_answers_only_those_who_may_see_it(app: TestApp) {
    let tokens: Vec<(&str, Option<String>)> = vec![
        ("anonymous", None),
        ("customer", Some(app.login_as("customer").await)),
        ("manager", Some(app.login_as("manager").await)),
        ("other_manager", Some(app.login_as("other_manager").await)),
        ("agent", Some(app.login_as("agent").await)),
        ("admin", Some(app.login_as("admin").await)),
        ("member", Some(app.login_as("member").await)),
    ];
    let token = |who: &str| tokens.iter().find(|(w, _)| *w == who).unwrap().1.clone();
    let customer = token("customer").unwrap();
    let manager = token("manager").unwrap();
    let admin = token("admin").unwrap();

    // Public objects: a product's image and label.
    let page = app
        .gql(
            r#"{ product(slug: "huile-argan-alimentaire-tighanimine") { id media(first: 1) { nodes { id } } labels { id } } }"#,
            json!({}),
        )
        .await;
    let product = &page["data"]["product"];
    let mut cases = vec![
        Expect {
            id: product["media"]["nodes"][0]["id"].as_str().unwrap().into(),
            visible_to: vec!["anonymous", "customer", "other_manager"],
            hidden_from: vec![],
        },
        Expect {
            id: product["labels"][0]["id"].as_str().unwrap().into(),
            visible_to: vec!["anonymous", "customer"],
            hidden_from: vec![],
        },
    ];
    // A draft product's image: its cooperative's managers and staff only.
    let draft = app
        .gql_as(
            &manager,
            "mutation($i: ProductCreateInput!) { productCreate(input: $i) { product { media(first: 1) { nodes { id } } } userErrors { message } } }",
            json!({ "i": { "slug": "draft-with-image", "status": "DRAFT", "name": [{ "locale": "FR", "text": "Brouillon" }],
                "variants": [{ "sku": "DRAFT-IMG-1", "price": "10.00", "stock": 1 }],
                "media": [{ "url": "https://example.org/draft.jpg" }] } }),
        )
        .await;
    cases.push(Expect {
        id: ok_payload(&draft, "productCreate")["product"]["media"]["nodes"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["manager", "admin"],
        hidden_from: vec!["anonymous", "customer", "other_manager"],
    });

    // An order of the customer's from the Tighanimine cooperative, and its fulfilment.
    let variant = app
        .gql(r#"{ product(slug: "amlou-tighanimine") { variants(first: 1) { nodes { id } } } }"#, json!({}))
        .await["data"]["product"]["variants"]["nodes"][0]["id"]
        .clone();
    let cart = app
        .gql_as(
            &customer,
            "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id } userErrors { message } } }",
            json!({ "i": { "lines": [{ "variantId": variant, "quantity": 1 }] } }),
        )
        .await;
    let placed = app
        .gql_as(
            &customer,
            "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { id fulfilments { id } lines { id } } userErrors { message } } }",
            json!({ "i": { "cartId": ok_payload(&cart, "cartCreate")["cart"]["id"], "email": "buyer@example.ma",
                "phone": "0612345678", "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": "node-order-1",
                "shippingAddress": { "fullName": "Salma", "line1": "12 rue", "city": "Agadir", "regionCode": "09" } } }),
        )
        .await;
    let order = ok_payload(&placed, "checkoutComplete")["order"].clone();
    cases.push(Expect {
        id: order["id"].as_str().unwrap().into(),
        visible_to: vec!["customer", "admin"],
        hidden_from: vec!["anonymous", "other_manager"],
    });
    cases.push(Expect {
        id: order["fulfilments"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["manager", "admin"],
        hidden_from: vec!["anonymous", "customer", "other_manager"],
    });
    cases.push(Expect {
        id: order["lines"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["customer", "manager", "admin"],
        hidden_from: vec!["anonymous", "other_manager"],
    });
    // Its return request: the buyer's, the cooperative's and the staff's.
    let returned =
        crate::returns::deliver_and_return(&app, &customer, &order["fulfilments"][0]["id"], &order["lines"][0]).await;
    cases.push(Expect {
        id: returned,
        visible_to: vec!["customer", "manager", "admin"],
        hidden_from: vec!["anonymous", "other_manager", "agent"],
    });

    // The customer's account.
    let me = app.gql_as(&customer, "{ me { id } }", json!({})).await;
    cases.push(Expect {
        id: me["data"]["me"]["id"].as_str().unwrap().into(),
        visible_to: vec!["customer", "admin"],
        hidden_from: vec!["anonymous", "manager", "agent"],
    });

    // A registration application of the customer's, its summary and a document of it.
    let created = app
        .gql_as(
            &customer,
            "mutation($i: RegistrationApplicationCreateInput!) { registrationApplicationCreate(input: $i) { application { id } userErrors { message } } }",
            json!({ "i": { "nameFr": "Coopérative Nœud", "regionCode": "09", "sectorCode": "argan", "shareValue": "100.00" } }),
        )
        .await;
    let application =
        ok_payload(&created, "registrationApplicationCreate")["application"]["id"].as_str().unwrap().to_string();
    let summaries = app.gql_as(&customer, "{ registrationApplications(first: 1) { nodes { id } } }", json!({})).await;
    let uploaded = crate::registry::upload(
        &app,
        &customer,
        &application,
        "STATUTES",
        &crate::registry::pdf("node"),
        "application/pdf",
    )
    .await;
    for id in [
        application.clone(),
        summaries["data"]["registrationApplications"]["nodes"][0]["id"].as_str().unwrap().to_string(),
        ok_payload(&uploaded, "registryDocumentUpload")["document"]["id"].as_str().unwrap().to_string(),
    ] {
        cases.push(Expect {
            id,
            visible_to: vec!["customer", "agent", "admin"],
            hidden_from: vec!["anonymous", "manager"],
        });
    }

    // The Tighanimine cooperative's register: a member and a filing.
    let number = app.gql(r#"{ cooperative(slug: "tighanimine") { registrationNumber } }"#, json!({})).await["data"]
        ["cooperative"]["registrationNumber"]
        .clone();
    let register = app
        .gql_as(
            &manager,
            "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 1) { nodes { id } } filings { id } } }",
            json!({ "n": number }),
        )
        .await;
    let register = &register["data"]["cooperativeRegister"];
    for id in [&register["members"]["nodes"][0]["id"], &register["filings"][0]["id"]] {
        cases.push(Expect {
            id: id.as_str().unwrap_or_else(|| panic!("{register}")).to_string(),
            visible_to: vec!["manager", "agent", "admin"],
            hidden_from: vec!["anonymous", "customer", "other_manager"],
        });
    }

    // Carts: whoever holds a guest cart's id holds the cart; an account's cart is its own. A
    // line is reached by id only in one's own cart.
    let cart_mutation = "mutation($i: CartCreateInput) { cartCreate(input: $i) { cart { id lines { nodes { id } } } userErrors { message } } }";
    let guest = app.gql(cart_mutation, json!({ "i": { "lines": [{ "variantId": variant, "quantity": 1 }] } })).await;
    let guest = ok_payload(&guest, "cartCreate")["cart"].clone();
    cases.push(Expect {
        id: guest["id"].as_str().unwrap().into(),
        visible_to: vec!["anonymous", "customer", "manager"],
        hidden_from: vec![],
    });
    cases.push(Expect {
        id: guest["lines"]["nodes"][0]["id"].as_str().unwrap().into(),
        visible_to: vec![],
        hidden_from: vec!["anonymous", "customer", "admin"],
    });
    let own = app
        .gql_as(&customer, cart_mutation, json!({ "i": { "lines": [{ "variantId": variant, "quantity": 1 }] } }))
        .await;
    let own = ok_payload(&own, "cartCreate")["cart"].clone();
    for id in [&own["id"], &own["lines"]["nodes"][0]["id"]] {
        cases.push(Expect {
            id: id.as_str().unwrap().into(),
            visible_to: vec!["customer"],
            hidden_from: vec!["anonymous", "manager", "other_manager"],
        });
    }

    // An outbox message (the order's emails): administrators only.
    app.eventually("an outbox message", || async {
        let done = app.gql_as(&admin, "{ outboxMessages(status: DONE, first: 1) { nodes { id } } }", json!({})).await;
        done["data"]["outboxMessages"]["nodes"].as_array().is_some_and(|n| !n.is_empty())
    })
    .await;
    let done = app.gql_as(&admin, "{ outboxMessages(status: DONE, first: 1) { nodes { id } } }", json!({})).await;
    cases.push(Expect {
        id: done["data"]["outboxMessages"]["nodes"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["admin"],
        hidden_from: vec!["anonymous", "customer", "agent"],
    });

    // The academy: the public catalogue, and a learner's enrolment (her cooperative's manager,
    // the office) and quiz attempt (hers alone).
    let course = app
        .gql(r#"{ course(code: "photographier-produits") { id modules { id activities { id } } } learningPath(code: "vendre-en-ligne") { id } }"#, json!({}))
        .await;
    for id in [
        &course["data"]["course"]["id"],
        &course["data"]["course"]["modules"][0]["id"],
        &course["data"]["course"]["modules"][0]["activities"][0]["id"],
        &course["data"]["learningPath"]["id"],
    ] {
        cases.push(Expect {
            id: id.as_str().unwrap_or_else(|| panic!("{course}")).into(),
            visible_to: vec!["anonymous", "customer"],
            hidden_from: vec![],
        });
    }
    let member = token("member").unwrap();
    let learning = app.gql_as(&member, "{ myEnrollments { id } }", json!({})).await;
    cases.push(Expect {
        id: learning["data"]["myEnrollments"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["member", "manager", "agent", "admin"],
        hidden_from: vec!["anonymous", "customer", "other_manager"],
    });
    let quiz = course["data"]["course"]["modules"][1]["activities"][1]["id"].clone();
    let started = app
        .gql_as(
            &member,
            "mutation($a: ID!) { quizAttemptStart(input: { activityId: $a }) { attempt { id } userErrors { code } } }",
            json!({ "a": quiz }),
        )
        .await;
    cases.push(Expect {
        id: ok_payload(&started, "quizAttemptStart")["attempt"]["id"].as_str().unwrap().into(),
        visible_to: vec!["member"],
        hidden_from: vec!["anonymous", "customer", "manager", "admin"],
    });

    // The project bank: a published idea, a call, a province and a programme are public; an
    // application is its applicant's and the office's; a saved search its owner's.
    let bank = app
        .gql(r#"{ projectIdea(code: "safran-taroudant-1") { id province { id } } call(code: "indh-jeunes-2026") { id programme { id } } }"#, json!({}))
        .await;
    for id in [
        &bank["data"]["projectIdea"]["id"],
        &bank["data"]["projectIdea"]["province"]["id"],
        &bank["data"]["call"]["id"],
        &bank["data"]["call"]["programme"]["id"],
    ] {
        cases.push(Expect {
            id: id.as_str().unwrap_or_else(|| panic!("{bank}")).into(),
            visible_to: vec!["anonymous", "customer"],
            hidden_from: vec![],
        });
    }
    let salma = token("customer").unwrap();
    let own = app
        .gql_as(&salma, "{ myProjectApplications(first: 1) { nodes { id } } mySavedSearches { id } }", json!({}))
        .await;
    cases.push(Expect {
        id: own["data"]["myProjectApplications"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{own}")).into(),
        visible_to: vec!["customer", "agent", "admin"],
        hidden_from: vec!["anonymous", "manager", "member"],
    });
    cases.push(Expect {
        id: own["data"]["mySavedSearches"][0]["id"].as_str().unwrap_or_else(|| panic!("{own}")).into(),
        visible_to: vec!["customer"],
        hidden_from: vec!["anonymous", "manager", "admin"],
    });

    // Scoring: the published model is public; runs and controls are the office's; a finding
    // is its cooperative's managers' and the office's.
    let agent = token("agent").unwrap();
    let scoring = app
        .gql_as(
            &agent,
            r#"query($c: ID) { scoringModel { id } latestScoringRun { id }
                controls(cooperativeId: $c, first: 5) { nodes { id findings { id } } } }"#,
            json!({ "c": app.cooperative_id("tissage-taznakht").await }),
        )
        .await;
    cases.push(Expect {
        id: scoring["data"]["scoringModel"]["id"].as_str().unwrap_or_else(|| panic!("{scoring}")).into(),
        visible_to: vec!["anonymous", "customer"],
        hidden_from: vec![],
    });
    cases.push(Expect {
        id: scoring["data"]["latestScoringRun"]["id"].as_str().unwrap().into(),
        visible_to: vec!["agent", "admin"],
        hidden_from: vec!["anonymous", "customer", "manager"],
    });
    let completed = scoring["data"]["controls"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["findings"].as_array().is_some_and(|f| !f.is_empty()))
        .unwrap_or_else(|| panic!("{scoring}"))
        .clone();
    cases.push(Expect {
        id: completed["id"].as_str().unwrap().into(),
        visible_to: vec!["agent", "admin"],
        hidden_from: vec!["anonymous", "customer", "manager", "other_manager"],
    });
    cases.push(Expect {
        id: completed["findings"][0]["id"].as_str().unwrap().into(),
        visible_to: vec!["other_manager", "agent", "admin"],
        hidden_from: vec!["anonymous", "customer", "manager"],
    });

    // A saved address is its owner's alone.
    let book = app.gql_as(&salma, "{ me { addresses { id } } }", json!({})).await;
    cases.push(Expect {
        id: book["data"]["me"]["addresses"][0]["id"].as_str().unwrap_or_else(|| panic!("{book}")).into(),
        visible_to: vec!["customer"],
        hidden_from: vec!["anonymous", "manager", "admin", "agent"],
    });

    // A published review is public.
    let reviewed =
        app.gql("{ product(slug: \"amlou-tighanimine\") { reviews(first: 1) { nodes { id } } } }", json!({})).await;
    cases.push(Expect {
        id: reviewed["data"]["product"]["reviews"]["nodes"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{reviewed}"))
            .into(),
        visible_to: vec!["anonymous", "customer", "manager"],
        hidden_from: vec![],
    });

    // A webhook subscription and its deliveries are their owner's (and administrators').
    let manager = token("manager").unwrap();
    let subscribed = app
        .gql_as(
            &manager,
            r#"mutation { webhookSubscriptionCreate(input: { url: "https://hooks.example.ma/taawun", events: [PRODUCT_UPDATED] }) { subscription { id } userErrors { code } } }"#,
            json!({}),
        )
        .await;
    let webhook =
        ok_payload(&subscribed, "webhookSubscriptionCreate")["subscription"]["id"].as_str().unwrap().to_string();
    let figue = app.product_id("huile-figue-barbarie-tighanimine").await;
    let touched = app
        .gql_as(
            &manager,
            "mutation($i: ProductUpdateInput!) { productUpdate(input: $i) { userErrors { code } } }",
            json!({ "i": { "id": figue, "name": [{ "locale": "FR", "text": "Huile de figue de Barbarie" }] } }),
        )
        .await;
    ok_payload(&touched, "productUpdate");
    let deliveries =
        "query($id: ID!) { node(id: $id) { ... on WebhookSubscription { deliveries(first: 1) { nodes { id } } } } }";
    app.eventually("the webhook delivery", || async {
        app.gql_as(&manager, deliveries, json!({ "id": webhook })).await["data"]["node"]["deliveries"]["nodes"][0]["id"]
            .is_string()
    })
    .await;
    let delivery = app.gql_as(&manager, deliveries, json!({ "id": webhook })).await["data"]["node"]["deliveries"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [webhook, delivery] {
        cases.push(Expect {
            id,
            visible_to: vec!["manager", "admin"],
            hidden_from: vec!["anonymous", "customer", "other_manager", "agent"],
        });
    }

    // A cooperative's promotion is its managers' (and administrators').
    let promotions = app.gql_as(&manager, "{ promotions(first: 1) { nodes { id } } }", json!({})).await;
    cases.push(Expect {
        id: promotions["data"]["promotions"]["nodes"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{promotions}"))
            .into(),
        visible_to: vec!["manager", "admin"],
        hidden_from: vec!["anonymous", "customer", "other_manager", "agent"],
    });

    // A storefront app is the administrators'.
    let registered = app
        .gql_as(
            &token("admin").unwrap(),
            r#"mutation { storefrontAppCreate(input: { name: "Node shop", scopes: [CATALOG] }) { app { id } userErrors { code } } }"#,
            json!({}),
        )
        .await;
    cases.push(Expect {
        id: ok_payload(&registered, "storefrontAppCreate")["app"]["id"].as_str().unwrap().to_string(),
        visible_to: vec!["admin"],
        hidden_from: vec!["anonymous", "customer", "manager", "agent"],
    });

    for case in &cases {
        for who in &case.visible_to {
            let found = node(&app, token(who).as_deref(), &case.id).await;
            assert_eq!(found["id"], case.id.as_str(), "{who} should see {}: {found}", case.id);
        }
        for who in &case.hidden_from {
            let found = node(&app, token(who).as_deref(), &case.id).await;
            assert_eq!(found, Value::Null, "{who} must not see {}", case.id);
        }
    }
    // Every kind of Node was tried.
    let mut kinds: Vec<String> = Vec::new();
    for case in &cases {
        let Some(who) = case.visible_to.first() else { continue };
        let found = node(&app, token(who).as_deref(), &case.id).await;
        kinds.push(found["__typename"].as_str().unwrap_or("hidden").to_string());
    }
    for kind in [
        "Media",
        "QualityLabel",
        "Order",
        "Fulfilment",
        "Account",
        "RegistrationApplication",
        "OutboxMessage",
        "Course",
        "LearningPath",
        "Module",
        "Activity",
        "Enrollment",
        "QuizAttempt",
        "ProjectIdea",
        "Province",
        "Call",
        "FundingProgramme",
        "ProjectApplication",
        "SavedSearch",
        "ScoringModel",
        "ScoringRun",
        "Control",
        "ControlFinding",
        "SavedAddress",
        "ProductReview",
        "WebhookSubscription",
        "WebhookDelivery",
        "StorefrontApp",
        "Promotion",
        "ReturnRequest",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no case for {kind}: {kinds:?}");
    }
}
on_both_backends!(node_answers_only_those_who_may_see_it);

async fn reading_a_member_through_node_is_recorded(app: TestApp) {
    let agent = app.login_as("agent").await;
    let admin = app.login_as("admin").await;
    let number = app.gql(r#"{ cooperative(slug: "tighanimine") { registrationNumber } }"#, json!({})).await["data"]
        ["cooperative"]["registrationNumber"]
        .clone();
    let register = app
        .gql_as(
            &agent,
            "query($n: String!) { cooperativeRegister(registrationNumber: $n) { members(first: 1) { nodes { id } } } }",
            json!({ "n": number }),
        )
        .await;
    let member = register["data"]["cooperativeRegister"]["members"]["nodes"][0]["id"].clone();
    let reads = || async {
        let log = app.gql_as(&admin, "{ personalDataReads { totalCount } }", json!({})).await;
        log["data"]["personalDataReads"]["totalCount"].as_i64().unwrap()
    };
    let before = reads().await;
    let body = app
        .gql_as(
            &agent,
            "query($id: ID!) { node(id: $id) { ... on Member { fullName nationalId } } }",
            json!({ "id": member }),
        )
        .await;
    assert!(body["data"]["node"]["nationalId"].is_string(), "{body}");
    assert_eq!(reads().await, before + 1, "the read of a national ID through node is in the log");
    app.gql_as(&agent, "query($id: ID!) { node(id: $id) { ... on Member { fullName } } }", json!({ "id": member }))
        .await;
    assert_eq!(reads().await, before + 1, "no personal field, nothing to record");
}
on_both_backends!(reading_a_member_through_node_is_recorded);
