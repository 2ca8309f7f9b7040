//! A real Taawun server per test, on a fresh SQLite file or a fresh PostgreSQL schema,
//! spoken to over HTTP like a storefront would.

use std::net::TcpListener;
use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};
use taawun::app::{self, AppState};
use taawun::kernel::config::Config;

pub use taawun::seed::demo::DEMO_PASSWORD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    /// The running server's database and search index, for checks beneath the API.
    pub db: taawun::kernel::db::Db,
    /// The embedded index (None when the tests run on Meilisearch).
    pub search: Option<std::sync::Arc<taawun::search::embedded::EmbeddedIndex>>,
    handle: actix_web::dev::ServerHandle,
    dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

/// The PostgreSQL server to test against, if any (`TAAWUN_TEST_DATABASE_URL`).
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("TAAWUN_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("CI").is_ok() {
        panic!("CI must set TAAWUN_TEST_DATABASE_URL so the PostgreSQL half of the tests runs");
    }
    url
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("t_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

/// A PostgreSQL URL whose connections see only `schema`.
pub fn url_with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}")
}

pub struct Options {
    pub demo: bool,
    pub tweak: Box<dyn FnOnce(&mut Config) + Send>,
}

impl Default for Options {
    fn default() -> Self {
        Options { demo: true, tweak: Box::new(|_| {}) }
    }
}

impl Options {
    pub fn with(tweak: impl FnOnce(&mut Config) + Send + 'static) -> Options {
        Options { demo: true, tweak: Box::new(tweak) }
    }
}

impl TestApp {
    /// `None` when PostgreSQL is asked for but not configured.
    pub async fn spawn(backend: Backend, options: Options) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            workers: 2,
            db_pool_size: 4,
            log: "warn".into(),
            outbox_poll_ms: 20,
            outbox_backoff_ms: 50,
            rate_limit_per_minute: 0,
            ..Config::default()
        };
        let mut pg_schema = None;
        if backend == Backend::Postgres {
            let base = postgres_url()?;
            let schema = unique_name();
            let mut admin = PgConnection::establish(&base).expect("connect to TAAWUN_TEST_DATABASE_URL");
            admin.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create schema");
            config.database_url = Some(url_with_schema(&base, &schema));
            pg_schema = Some((base, schema));
        }
        // The search suite runs on a real Meilisearch when one is given, an index per test.
        if let Some(url) = std::env::var("TAAWUN_TEST_MEILISEARCH_URL").ok().filter(|u| !u.is_empty()) {
            config.meilisearch_url = Some(url);
            config.meilisearch_key =
                std::env::var("TAAWUN_TEST_MEILISEARCH_KEY").ok().map(taawun::kernel::config::Secret::new);
            config.meilisearch_index_prefix = format!("{}_", unique_name());
        }
        (options.tweak)(&mut config);
        Some(Self::start(config, options.demo, Some(dir), pg_schema))
    }

    fn start(
        mut config: Config,
        demo: bool,
        dir: Option<tempfile::TempDir>,
        pg_schema: Option<(String, String)>,
    ) -> TestApp {
        config.introspection = config.introspection.or(Some(demo));
        let kept = config.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let state = AppState::build(config).expect("app state");
            if demo {
                taawun::seed::demo::seed(&mut state.db().conn().expect("conn"), state.issuer()).expect("demo data");
            }
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            actix_web::rt::System::new().block_on(async move {
                let (db, search) = (state.db().clone(), state.search.clone());
                let serving = app::serve(state, listener).expect("serve");
                tx.send((serving.server.handle(), serving.addr, db, search)).expect("send handle");
                let _ = serving.wait().await;
            });
        });
        let (handle, addr, db, search) = rx.recv().expect("server started");
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            config: kept,
            db,
            search,
            handle,
            dir,
            pg_schema,
        }
    }

    /// Stops the server and starts a new one on the same database and data dir.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        self.handle.stop(true).await;
        // Let go of the search index so the new server can take its writer lock.
        self.search = None;
        let mut config = self.config.clone();
        tweak(&mut config);
        let (dir, schema) = (self.dir.take(), self.pg_schema.take());
        Self::start(config, false, dir, schema)
    }

    /// Waits (bounded) until `check` passes; panics with `what` otherwise.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..1500 {
            if check().await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {what}");
    }

    /// The emails the file transport wrote, decoded.
    pub fn mail_files(&self) -> Vec<String> {
        let dir = self.config.data_dir.join("mail");
        let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| crate::mail::decode(&std::fs::read_to_string(e.path()).unwrap_or_default()))
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs an operation; returns the JSON body whatever the status.
    pub async fn gql_with(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> Value {
        let mut req = self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request");
        res.json().await.expect("JSON body")
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(None, &[], query, variables).await
    }

    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with(Some(token), &[], query, variables).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .gql(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken { token } userErrors { message } } }",
                json!({ "i": { "email": email, "password": password } }),
            )
            .await;
        body["data"]["login"]["accessToken"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login {email} failed: {body}"))
            .to_string()
    }

    /// Signs in as one of the demo accounts: `admin`, `agent`, `customer`, `manager` (Tighanimine)
    /// or `other_manager` (Tissage Taznakht).
    pub async fn login_as(&self, who: &str) -> String {
        let email = match who {
            "admin" => "admin@demo.taawun.ma",
            "agent" => "agent@demo.taawun.ma",
            "customer" => "customer@demo.taawun.ma",
            "manager" => "manager@tighanimine.demo.taawun.ma",
            "other_manager" => "manager@tissage-taznakht.demo.taawun.ma",
            "trainer" => "trainer@demo.taawun.ma",
            "learner" => "learner@demo.taawun.ma",
            "member" => "member@tighanimine.demo.taawun.ma",
            other => panic!("no demo account {other}"),
        };
        self.login(email, DEMO_PASSWORD).await
    }

    /// A metric's value from `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self.client.get(self.url("/metrics")).send().await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse::<f64>().ok()))
            .unwrap_or_else(|| panic!("metric {name} not found"))
    }

    /// The global id of a product, looked up by slug (as its manager would see it).
    pub async fn product_id(&self, slug: &str) -> String {
        let admin = self.login_as("admin").await;
        let body = self.gql_as(&admin, "query($s: String) { product(slug: $s) { id } }", json!({ "s": slug })).await;
        body["data"]["product"]["id"].as_str().unwrap_or_else(|| panic!("no product {slug}: {body}")).to_string()
    }

    pub async fn cooperative_id(&self, slug: &str) -> String {
        let body = self.gql("query($s: String) { cooperative(slug: $s) { id } }", json!({ "s": slug })).await;
        body["data"]["cooperative"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no cooperative {slug}: {body}"))
            .to_string()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server without waiting, then drop the PostgreSQL schema.
        drop(self.handle.stop(false));
        if let Some((base, schema)) = &self.pg_schema
            && let Ok(mut admin) = PgConnection::establish(base)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// The demo's own emails (the academy's certificates to its demo learners), which tests that
/// count a scenario's emails leave aside.
pub const DEMO_LEARNERS: [&str; 2] = ["learner@demo.taawun.ma", "member@tighanimine.demo.taawun.ma"];

pub fn is_demo_learner_mail(mail: &str) -> bool {
    DEMO_LEARNERS.iter().any(|to| mail.contains(to))
}

/// Asserts a mutation payload has no userErrors and returns it.
pub fn ok_payload<'a>(body: &'a Value, mutation: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{mutation}: GraphQL errors: {body}");
    let payload = &body["data"][mutation];
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: userErrors: {body}");
    payload
}

/// The codes of a mutation payload's userErrors.
pub fn error_codes(body: &Value, mutation: &str) -> Vec<String> {
    assert!(body.get("errors").is_none(), "{mutation}: GraphQL errors: {body}");
    body["data"][mutation]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("{mutation}: no userErrors: {body}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

/// Runs a test body against SQLite, and against PostgreSQL when configured.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        $crate::on_both_backends!($name, $crate::helpers::Options::default());
    };
    ($name:ident, $options:expr) => {
        mod $name {
            use $crate::helpers::{Backend, TestApp};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn(Backend::Sqlite, $options).await.unwrap();
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match TestApp::spawn(Backend::Postgres, $options).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("skipped: TAAWUN_TEST_DATABASE_URL is not set"),
                }
            }
        }
    };
}
