//! Account flows a storefront builds on: email verification, password reset and change,
//! the address book and checkout from it, profile changes, and `Retry-After` on a login that
//! must wait.

use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, error_codes, ok_payload};
use crate::on_both_backends;

const REGISTER: &str = r#"mutation($i: CustomerRegisterInput!) { customerRegister(input: $i) {
    accessToken { token } userErrors { field code } } }"#;
const VERIFY: &str =
    r#"mutation($t: String!) { accountVerifyEmail(input: { token: $t }) { email userErrors { field code } } }"#;
const RESEND: &str = "mutation { accountVerificationResend { account { emailVerified } userErrors { code } } }";
const RESET_REQUEST: &str =
    r#"mutation($e: String!) { passwordResetRequest(input: { email: $e }) { accepted userErrors { field code } } }"#;
const RESET: &str = r#"mutation($t: String!, $p: String!) { passwordReset(input: { token: $t, newPassword: $p }) {
    changed userErrors { field code } } }"#;
const CHANGE: &str = r#"mutation($c: String!, $p: String!) { passwordChange(input: { currentPassword: $c, newPassword: $p }) {
    changed userErrors { field code } } }"#;
const ME: &str = "{ me { email emailVerified fullName locale } }";

pub fn no_demo() -> Options {
    Options { demo: false, ..Default::default() }
}

async fn register(app: &TestApp, email: &str, password: &str) -> String {
    let body = app
        .gql(REGISTER, json!({ "i": { "email": email, "password": password, "fullName": "Buyer", "locale": "FR" } }))
        .await;
    ok_payload(&body, "customerRegister")["accessToken"]["token"].as_str().unwrap().to_string()
}

/// Waits until the outbox has delivered everything (emails, and the reset requests that
/// queue them).
pub async fn outbox_drained(app: &TestApp) {
    app.eventually("the outbox to drain", || async {
        let mut conn = app.db.conn().unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let query = diesel::sql_query("SELECT count(*) AS n FROM outbox WHERE status = 'PENDING'");
        let n = match &mut *conn {
            taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::get_result::<Count>(query, c),
            taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::get_result::<Count>(query, c),
        };
        n.unwrap().n == 0
    })
    .await;
}

fn execute(app: &TestApp, sql: &str) {
    let mut conn = app.db.conn().unwrap();
    let query = diesel::sql_query(sql);
    match &mut *conn {
        taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::execute(query, c),
        taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::execute(query, c),
    }
    .unwrap();
}

/// The tokens of the links to `page` in the emails to `to` (only whole tokens: a file the
/// transport is still writing may end mid-token).
pub fn link_tokens(app: &TestApp, to: &str, page: &str) -> Vec<String> {
    let needle = format!("{page}?token=");
    app.mail_files()
        .iter()
        .filter(|m| m.contains(&format!("To: {to}")))
        .filter_map(|m| {
            let start = m.find(&needle)? + needle.len();
            let token: String =
                m[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
            // A prefix and 32 random bytes in unpadded base64.
            (token.len() == 3 + 43).then_some(token)
        })
        .collect()
}

/// Waits for one more such email than `seen` holds, and returns (and remembers) its token.
pub async fn new_link_token(app: &TestApp, to: &str, page: &str, seen: &mut Vec<String>) -> String {
    let count = seen.len() + 1;
    app.eventually("the email with the link", || async { link_tokens(app, to, page).len() >= count }).await;
    let fresh: Vec<String> = link_tokens(app, to, page).into_iter().filter(|t| !seen.contains(t)).collect();
    assert_eq!(fresh.len(), 1, "one new link: {fresh:?}");
    seen.push(fresh[0].clone());
    fresh[0].clone()
}

/// A new cart of the buyer's holding one bottle of Tighanimine's cosmetic argan oil.
pub async fn argan_cart(app: &TestApp, buyer: &str) -> Value {
    let product = app
        .gql(
            "{ product(slug: \"huile-argan-cosmetique-tighanimine\") { variants(first: 1) { nodes { id } } } }",
            json!({}),
        )
        .await;
    let variant = product["data"]["product"]["variants"]["nodes"][0]["id"].clone();
    assert!(variant.is_string(), "{product}");
    let cart = app
        .gql_as(
            buyer,
            "mutation($v: ID!) { cartCreate(input: { lines: [{ variantId: $v, quantity: 1 }] }) { cart { id } } }",
            json!({ "v": variant }),
        )
        .await;
    cart["data"]["cartCreate"]["cart"]["id"].clone()
}

async fn email_verification_flags_buyers_until_they_open_the_link(app: TestApp) {
    let buyer = register(&app, "new.buyer@example.ma", "a long enough secret").await;
    assert_eq!(app.gql_as(&buyer, ME, json!({})).await["data"]["me"]["emailVerified"], false);

    // An unverified buyer may order; the cooperative sees the flag.
    let cart = argan_cart(&app, &buyer).await;
    let checkout = app
        .gql_as(
            &buyer,
            "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { number } userErrors { field code } } }",
            json!({ "i": {
                "cartId": cart, "email": "new.buyer@example.ma", "phone": "0612345678",
                "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": "verify-flag-0001",
                "shippingAddress": { "fullName": "Buyer", "line1": "1 rue A", "city": "Rabat", "regionCode": "04" } } }),
        )
        .await;
    let number = ok_payload(&checkout, "checkoutComplete")["order"]["number"].as_str().unwrap().to_string();
    let manager = app.login_as("manager").await;
    let flag = || async {
        let list = app
            .gql_as(&manager, "{ fulfilments(first: 50) { nodes { orderNumber buyerEmailVerified } } }", json!({}))
            .await;
        list["data"]["fulfilments"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .find(|f| f["orderNumber"] == number.as_str())
            .unwrap_or_else(|| panic!("{list}"))["buyerEmailVerified"]
            .clone()
    };
    assert_eq!(flag().await, false);

    // The link: bad tokens are refused and change nothing; the right one verifies once.
    let token = new_link_token(&app, "new.buyer@example.ma", "verify-email", &mut Vec::new()).await;
    assert!(token.starts_with("tv_"), "{token}");
    let garbage = app.gql(VERIFY, json!({ "t": "tv_not-a-token" })).await;
    assert_eq!(error_codes(&garbage, "accountVerifyEmail"), ["INVALID_TOKEN"]);
    let reset_kind = app.gql(VERIFY, json!({ "t": token.replacen("tv_", "tr_", 1) })).await;
    assert_eq!(error_codes(&reset_kind, "accountVerifyEmail"), ["INVALID_TOKEN"]);
    assert_eq!(app.gql_as(&buyer, ME, json!({})).await["data"]["me"]["emailVerified"], false);
    let verified = app.gql(VERIFY, json!({ "t": token })).await;
    assert_eq!(ok_payload(&verified, "accountVerifyEmail")["email"], "new.buyer@example.ma");
    assert_eq!(app.gql_as(&buyer, ME, json!({})).await["data"]["me"]["emailVerified"], true);
    assert_eq!(flag().await, true, "the flag is the buyer's now, not when they ordered");
    let again = app.gql(VERIFY, json!({ "t": token })).await;
    assert_eq!(error_codes(&again, "accountVerifyEmail"), ["TOKEN_USED"]);
    assert_eq!(
        error_codes(&app.gql_as(&buyer, RESEND, json!({})).await, "accountVerificationResend"),
        ["INVALID_TRANSITION"]
    );

    // An expired link verifies nothing; a new one can be asked for, three an hour.
    let late = register(&app, "late.buyer@example.ma", "a long enough secret").await;
    let mut seen = Vec::new();
    let old = new_link_token(&app, "late.buyer@example.ma", "verify-email", &mut seen).await;
    execute(&app, "UPDATE account_tokens SET expires_at = '2000-01-01 00:00:00'");
    let expired = app.gql(VERIFY, json!({ "t": old })).await;
    assert_eq!(error_codes(&expired, "accountVerifyEmail"), ["TOKEN_EXPIRED"]);
    assert_eq!(app.gql_as(&late, ME, json!({})).await["data"]["me"]["emailVerified"], false);
    ok_payload(&app.gql_as(&late, RESEND, json!({})).await, "accountVerificationResend");
    let fresh = new_link_token(&app, "late.buyer@example.ma", "verify-email", &mut seen).await;
    ok_payload(&app.gql_as(&late, RESEND, json!({})).await, "accountVerificationResend");
    assert_eq!(error_codes(&app.gql_as(&late, RESEND, json!({})).await, "accountVerificationResend"), ["TRY_LATER"]);
    assert_eq!(error_codes(&app.gql(RESEND, json!({})).await, "accountVerificationResend"), ["UNAUTHENTICATED"]);
    ok_payload(&app.gql(VERIFY, json!({ "t": fresh })).await, "accountVerifyEmail");
    assert_eq!(app.gql_as(&late, ME, json!({})).await["data"]["me"]["emailVerified"], true);
}
on_both_backends!(email_verification_flags_buyers_until_they_open_the_link);

async fn password_reset_answers_the_same_and_works_once(app: TestApp) {
    let email = "forgetful@example.ma";
    let first = register(&app, email, "the first password").await;
    let second = app.login(email, "the first password").await;

    // Known and unknown addresses get the same answer; only the known one gets an email.
    let known = app.gql(RESET_REQUEST, json!({ "e": " Forgetful@Example.ma " })).await;
    let unknown = app.gql(RESET_REQUEST, json!({ "e": "nobody.here@example.ma" })).await;
    assert_eq!(known, unknown);
    assert_eq!(ok_payload(&known, "passwordResetRequest")["accepted"], true);
    let malformed = app.gql(RESET_REQUEST, json!({ "e": "not an address" })).await;
    assert_eq!(error_codes(&malformed, "passwordResetRequest"), ["BAD_USER_INPUT"]);
    let mut seen = Vec::new();
    let token = new_link_token(&app, email, "reset-password", &mut seen).await;
    assert!(token.starts_with("tr_"), "{token}");
    outbox_drained(&app).await;
    assert!(!app.mail_files().iter().any(|m| m.contains("nobody.here@example.ma")), "no email to an unknown address");

    // Refusals change nothing: a short password keeps the link usable; a wrong token is unknown.
    let short = app.gql(RESET, json!({ "t": token, "p": "short" })).await;
    assert_eq!(error_codes(&short, "passwordReset"), ["BAD_USER_INPUT"]);
    assert_eq!(short["data"]["passwordReset"]["userErrors"][0]["field"], json!(["input", "newPassword"]));
    let wrong = app.gql(RESET, json!({ "t": "tr_wrong", "p": "a brand new password" })).await;
    assert_eq!(error_codes(&wrong, "passwordReset"), ["INVALID_TOKEN"]);
    assert_eq!(app.gql_as(&first, ME, json!({})).await["data"]["me"]["email"], email, "sessions still live");

    // Two resets race with the same link: one wins, the other is told the link was used.
    let (a, b) = tokio::join!(
        app.gql(RESET, json!({ "t": token, "p": "a brand new password" })),
        app.gql(RESET, json!({ "t": token, "p": "another new password" })),
    );
    let outcomes: Vec<Vec<String>> = vec![error_codes(&a, "passwordReset"), error_codes(&b, "passwordReset")];
    assert_eq!(outcomes.iter().filter(|c| c.is_empty()).count(), 1, "{a} {b}");
    assert!(outcomes.iter().any(|c| c == &["TOKEN_USED"]), "{a} {b}");
    let winner = if outcomes[0].is_empty() { "a brand new password" } else { "another new password" };

    // Every session ended; only the new password signs in; the owner is told.
    for session in [&first, &second] {
        assert_eq!(app.gql_as(session, ME, json!({})).await["data"]["me"], Value::Null);
    }
    let old = app.gql("mutation($e: String!) { login(input: { email: $e, password: \"the first password\" }) { userErrors { code } } }", json!({ "e": email })).await;
    assert_eq!(error_codes(&old, "login"), ["INVALID_CREDENTIALS"]);
    let now = app.login(email, winner).await;
    assert_eq!(
        app.gql_as(&now, ME, json!({})).await["data"]["me"]["emailVerified"],
        true,
        "the link proved the address"
    );
    app.eventually("the password-changed email", || async {
        app.mail_files().iter().any(|m| m.contains(&format!("To: {email}")) && m.contains("mot de passe a été changé"))
    })
    .await;

    // An expired link is refused; at most three links an hour, however many requests.
    ok_payload(&app.gql(RESET_REQUEST, json!({ "e": email })).await, "passwordResetRequest");
    let late = new_link_token(&app, email, "reset-password", &mut seen).await;
    execute(&app, "UPDATE account_tokens SET expires_at = '2000-01-01 00:00:00' WHERE purpose = 'RESET_PASSWORD'");
    let expired = app.gql(RESET, json!({ "t": late, "p": "yet another password" })).await;
    assert_eq!(error_codes(&expired, "passwordReset"), ["TOKEN_EXPIRED"]);
    for _ in 0..3 {
        ok_payload(&app.gql(RESET_REQUEST, json!({ "e": email })).await, "passwordResetRequest");
    }
    outbox_drained(&app).await;
    assert_eq!(link_tokens(&app, email, "reset-password").len(), 3, "three links in the hour");
    assert!(app.gql_as(&now, ME, json!({})).await["data"]["me"].is_object(), "asking for links ends no session");
}
on_both_backends!(password_reset_answers_the_same_and_works_once, crate::account_flows::no_demo());

async fn password_change_keeps_this_session_and_ends_the_others(app: TestApp) {
    let email = "careful@example.ma";
    let here = register(&app, email, "the first password").await;
    let elsewhere = app.login(email, "the first password").await;

    let wrong = app.gql_as(&here, CHANGE, json!({ "c": "not the password", "p": "a second password" })).await;
    assert_eq!(error_codes(&wrong, "passwordChange"), ["INVALID_CREDENTIALS"]);
    assert_eq!(wrong["data"]["passwordChange"]["userErrors"][0]["field"], json!(["input", "currentPassword"]));
    let short = app.gql_as(&here, CHANGE, json!({ "c": "the first password", "p": "short" })).await;
    assert_eq!(error_codes(&short, "passwordChange"), ["BAD_USER_INPUT"]);
    let anonymous = app.gql(CHANGE, json!({ "c": "the first password", "p": "a second password" })).await;
    assert_eq!(error_codes(&anonymous, "passwordChange"), ["UNAUTHENTICATED"]);
    assert!(app.gql_as(&elsewhere, ME, json!({})).await["data"]["me"].is_object(), "nothing changed yet");

    let changed = app.gql_as(&here, CHANGE, json!({ "c": "the first password", "p": "a second password" })).await;
    assert_eq!(ok_payload(&changed, "passwordChange")["changed"], true);
    assert!(app.gql_as(&here, ME, json!({})).await["data"]["me"].is_object(), "this session stays");
    assert_eq!(app.gql_as(&elsewhere, ME, json!({})).await["data"]["me"], Value::Null, "the others end");
    app.login(email, "a second password").await;

    // Guessing the current password through passwordChange is as limited as through login.
    for i in 0..6 {
        let body =
            app.gql_as(&here, CHANGE, json!({ "c": format!("guess number {i}"), "p": "a third password" })).await;
        assert_eq!(error_codes(&body, "passwordChange"), ["INVALID_CREDENTIALS"]);
    }
    let locked = app.gql_as(&here, CHANGE, json!({ "c": "a second password", "p": "a third password" })).await;
    assert_eq!(error_codes(&locked, "passwordChange"), ["INVALID_CREDENTIALS"], "the account waits");
}
on_both_backends!(password_change_keeps_this_session_and_ends_the_others, crate::account_flows::no_demo());

const ADDRESS_FIELDS: &str = "id label fullName line1 city region { code } postalCode phone isDefault";

async fn saved_addresses_prefill_checkout_and_stay_private(app: TestApp) {
    let salma = app.login_as("customer").await;
    let book = |token: String| {
        let app = &app;
        async move {
            let body = app
                .gql_as(
                    &token,
                    &format!("{{ me {{ addresses {{ {ADDRESS_FIELDS} }} defaultAddress {{ id }} }} }}"),
                    json!({}),
                )
                .await;
            body["data"]["me"].clone()
        }
    };
    let start = book(salma.clone()).await;
    let home = start["addresses"][0].clone();
    assert_eq!(home["label"], "Maison");
    assert_eq!(start["defaultAddress"]["id"], home["id"]);

    let create = format!(
        "mutation($i: SavedAddressInput!) {{ customerAddressCreate(input: $i) {{ savedAddress {{ {ADDRESS_FIELDS} }} userErrors {{ field code }} }} }}"
    );
    let office = json!({ "label": "Bureau", "phone": "0522000000",
        "address": { "fullName": "Salma", "line1": "5 bd Zerktouni", "city": "Casablanca", "regionCode": "06", "postalCode": "20000" } });
    // Bad fields are named, and nothing is saved.
    let bad = app
        .gql_as(
            &salma,
            &create,
            json!({ "i": { "label": "x".repeat(61), "phone": "12",
            "address": { "fullName": "", "line1": "l\u{0}", "city": "c", "regionCode": "99", "postalCode": "2000" } } }),
        )
        .await;
    let fields: Vec<Value> = bad["data"]["customerAddressCreate"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    for field in [
        json!(["input", "label"]),
        json!(["input", "phone"]),
        json!(["input", "address", "fullName"]),
        json!(["input", "address", "line1"]),
        json!(["input", "address", "postalCode"]),
        json!(["input", "address", "regionCode"]),
    ] {
        assert!(fields.contains(&field), "{field} in {bad}");
    }
    assert_eq!(book(salma.clone()).await["addresses"].as_array().unwrap().len(), 1);

    let saved = app.gql_as(&salma, &create, json!({ "i": office })).await;
    let office_id = ok_payload(&saved, "customerAddressCreate")["savedAddress"]["id"].clone();
    assert_eq!(saved["data"]["customerAddressCreate"]["savedAddress"]["isDefault"], false);
    assert_eq!(saved["data"]["customerAddressCreate"]["savedAddress"]["phone"], "0522000000");
    let update = format!(
        "mutation($i: SavedAddressUpdateInput!) {{ customerAddressUpdate(input: $i) {{ savedAddress {{ {ADDRESS_FIELDS} }} userErrors {{ field code }} }} }}"
    );
    let mut moved = office.clone();
    moved["id"] = office_id.clone();
    moved["isDefault"] = json!(true);
    moved["address"]["line1"] = json!("9 rue Allal Ben Abdellah");
    let updated = app.gql_as(&salma, &update, json!({ "i": moved })).await;
    assert_eq!(ok_payload(&updated, "customerAddressUpdate")["savedAddress"]["line1"], "9 rue Allal Ben Abdellah");
    let now = book(salma.clone()).await;
    assert_eq!(now["defaultAddress"]["id"], office_id);
    assert_eq!(now["addresses"][0]["id"], office_id, "the default first");
    assert_eq!(now["addresses"][1]["isDefault"], false);

    // Another buyer neither sees nor touches it.
    let other = app
        .gql(
            REGISTER,
            json!({ "i": { "email": "other.buyer@example.ma", "password": "a long enough secret", "fullName": "O" } }),
        )
        .await;
    let other = other["data"]["customerRegister"]["accessToken"]["token"].as_str().unwrap().to_string();
    assert_eq!(book(other.clone()).await["addresses"], json!([]));
    let theirs = app.gql_as(&other, &update, json!({ "i": moved })).await;
    assert_eq!(error_codes(&theirs, "customerAddressUpdate"), ["ADDRESS_NOT_FOUND"]);
    let delete = "mutation($id: ID!) { customerAddressDelete(id: $id) { deletedId userErrors { code } } }";
    assert_eq!(
        error_codes(&app.gql_as(&other, delete, json!({ "id": office_id })).await, "customerAddressDelete"),
        ["ADDRESS_NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&app.gql(delete, json!({ "id": office_id })).await, "customerAddressDelete"),
        ["UNAUTHENTICATED"]
    );

    // Checkout from a saved address: the order ships there.
    let checkout = "mutation($i: CheckoutCompleteInput!) { checkoutComplete(input: $i) { order { shippingAddress { line1 city region { code } } } userErrors { field code } } }";
    let input = |cart: Value, key: &str, extra: Value| {
        let mut i = json!({ "cartId": cart, "email": "customer@demo.taawun.ma", "phone": "0612345678",
            "paymentMethod": "CASH_ON_DELIVERY", "idempotencyKey": key });
        for (k, v) in extra.as_object().unwrap() {
            i[k] = v.clone();
        }
        json!({ "i": i })
    };
    let first = argan_cart(&app, &salma).await;
    let both = app
        .gql_as(
            &salma,
            checkout,
            input(
                first.clone(),
                "saved-both-0001",
                json!({ "savedAddressId": office_id, "shippingAddress": office["address"] }),
            ),
        )
        .await;
    assert_eq!(error_codes(&both, "checkoutComplete"), ["BAD_USER_INPUT"]);
    let neither = app.gql_as(&salma, checkout, input(first.clone(), "saved-none-0001", json!({}))).await;
    assert_eq!(error_codes(&neither, "checkoutComplete"), ["REQUIRED"]);
    let foreign = app
        .gql_as(&other, checkout, input(first.clone(), "saved-foreign-01", json!({ "savedAddressId": office_id })))
        .await;
    assert_eq!(error_codes(&foreign, "checkoutComplete"), ["ADDRESS_NOT_FOUND"]);
    let placed =
        app.gql_as(&salma, checkout, input(first, "saved-ok-000001", json!({ "savedAddressId": office_id }))).await;
    assert_eq!(
        ok_payload(&placed, "checkoutComplete")["order"]["shippingAddress"],
        json!({ "line1": "9 rue Allal Ben Abdellah", "city": "Casablanca", "region": { "code": "06" } })
    );

    // Deleting the default makes the newest remaining one the default.
    ok_payload(&app.gql_as(&salma, delete, json!({ "id": office_id })).await, "customerAddressDelete");
    let after = book(salma.clone()).await;
    assert_eq!(after["defaultAddress"]["id"], home["id"]);

    // The book holds twenty.
    for n in 1..20 {
        let mut more = office.clone();
        more["label"] = json!(format!("Adresse {n}"));
        ok_payload(&app.gql_as(&salma, &create, json!({ "i": more })).await, "customerAddressCreate");
    }
    let full = app.gql_as(&salma, &create, json!({ "i": office })).await;
    assert_eq!(error_codes(&full, "customerAddressCreate"), ["ADDRESS_BOOK_FULL"]);
    assert_eq!(book(salma.clone()).await["addresses"].as_array().unwrap().len(), 20);
}
on_both_backends!(saved_addresses_prefill_checkout_and_stay_private);

async fn customers_change_their_name_and_language(app: TestApp) {
    let token = register(&app, "renamed@example.ma", "a long enough secret").await;
    let update = "mutation($i: CustomerUpdateInput!) { customerUpdate(input: $i) { account { fullName locale } userErrors { field code } } }";
    let bad = app.gql_as(&token, update, json!({ "i": { "fullName": "   ", "locale": "AR" } })).await;
    assert_eq!(error_codes(&bad, "customerUpdate"), ["BAD_USER_INPUT"]);
    assert_eq!(app.gql_as(&token, ME, json!({})).await["data"]["me"]["locale"], "FR", "a refusal changes nothing");
    let done = app.gql_as(&token, update, json!({ "i": { "fullName": "  Nadia Amrani ", "locale": "AR" } })).await;
    assert_eq!(ok_payload(&done, "customerUpdate")["account"], json!({ "fullName": "Nadia Amrani", "locale": "AR" }));
    let only_locale = app.gql_as(&token, update, json!({ "i": { "locale": "EN" } })).await;
    assert_eq!(
        ok_payload(&only_locale, "customerUpdate")["account"],
        json!({ "fullName": "Nadia Amrani", "locale": "EN" })
    );
    let anonymous = app.gql(update, json!({ "i": { "locale": "EN" } })).await;
    assert_eq!(error_codes(&anonymous, "customerUpdate"), ["UNAUTHENTICATED"]);
}
on_both_backends!(customers_change_their_name_and_language, crate::account_flows::no_demo());

async fn a_login_that_must_wait_says_how_long(app: TestApp) {
    let email = "waiting@example.ma";
    register(&app, email, "a long enough secret").await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/graphql"))
                .json(&json!({ "query": "mutation($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { userErrors { code } } }", "variables": { "e": email, "p": password } }))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        let res = attempt("a wrong password").await;
        assert!(res.headers().get("retry-after").is_none(), "the first failures are free");
    }
    let res = attempt("a wrong password").await;
    let wait: i64 = res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // While waiting, even the right password answers like a wrong one, with the hint.
    let res = attempt("a long enough secret").await;
    assert!(res.headers().get("retry-after").is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(error_codes(&body, "login"), ["INVALID_CREDENTIALS"]);
}
on_both_backends!(a_login_that_must_wait_says_how_long, crate::account_flows::no_demo());
