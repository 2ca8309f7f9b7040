//! Builds the application state and the actix App; used by `main` and by the tests.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use futures_util::future::BoxFuture;

use crate::api::observability::Metrics;
use crate::api::rate_limit::RateLimiter;
use crate::api::{self, ApiState, HttpLimits, INTROSPECTION_MAX_DEPTH, SchemaLimits, StripeWebhook, build_schema};
use crate::auth;
use crate::kernel::config::Config;
use crate::kernel::db::{self, Db};
use crate::kernel::error::BoxError;
use crate::kernel::graphql::context::Limits;
use crate::kernel::i18n::Locale;
use crate::notify::{self, Mailer};
use crate::orders::service::CommerceSettings;
use crate::outbox::OutboxRow;
use crate::outbox::worker::{Deliver, Worker, WorkerSettings};
use crate::payments::Payments;
use crate::payments::cod::CashOnDelivery;
use crate::payments::stripe::StripeProvider;
use crate::search::config::SearchConfig;
use crate::search::embedded::EmbeddedIndex;
use crate::search::meili::MeiliIndex;
use crate::search::{self, Embedded, SearchEngine};

/// The running application: what the HTTP handlers read, and what the outbox worker and the
/// command line need beside it.
pub struct AppState {
    pub config: Arc<Config>,
    pub api: ApiState,
    mailer: Arc<Mailer>,
    /// The embedded index, when Meilisearch is not configured.
    pub search: Option<Arc<EmbeddedIndex>>,
    search_engine: Arc<dyn SearchEngine>,
    /// The academy's `courses` index, on the same engine.
    course_search: Arc<dyn SearchEngine>,
    /// The project bank's `project_ideas` index, on the same engine.
    pub idea_search: Arc<dyn SearchEngine>,
    /// Set on PostgreSQL with the embedded index: this instance's key in `server_instances`.
    instance: Option<String>,
}

/// Routes each outbox row to what delivers it: emails to the mailer, index updates (of
/// products, or of a cooperative's products) to the search engine.
struct Dispatch {
    mailer: Arc<Mailer>,
    db: Db,
    search: Arc<dyn SearchEngine>,
    courses: Arc<dyn SearchEngine>,
    ideas: Arc<dyn SearchEngine>,
    registry_rules: crate::kernel::config::RegistryRules,
    account_links: crate::auth::model::AccountLinks,
    webhooks: crate::webhooks::model::WebhookSettings,
    http: reqwest::Client,
}

impl Deliver for Dispatch {
    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            match row.kind.as_str() {
                notify::OUTBOX_KIND => self.mailer.send(row).await,
                crate::academy::search::SEARCH_OUTBOX_KIND => {
                    crate::academy::search::deliver(&self.db, self.courses.as_ref(), row).await
                }
                crate::projects::search::SEARCH_OUTBOX_KIND => {
                    crate::projects::search::deliver(&self.db, self.ideas.as_ref(), row).await
                }
                crate::academy::service::COURSE_COMPLETED_KIND => {
                    let completed: crate::academy::service::CourseCompleted =
                        serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
                    let rules = self.registry_rules.clone();
                    self.db
                        .run(move |conn| crate::projects::service::course_completed(conn, &rules, completed.account_id))
                        .await
                        .map(|_| ())
                        .map_err(|e| e.detail())
                }
                crate::outbox::events::OUTBOX_KIND => {
                    let event: crate::outbox::events::Event =
                        serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
                    self.db
                        .run(move |conn| crate::webhooks::service::fan_out(conn, &event))
                        .await
                        .map(|_| ())
                        .map_err(|e| e.detail())
                }
                crate::webhooks::service::DELIVERY_KIND => {
                    crate::webhooks::service::deliver(&self.db, &self.http, &self.webhooks, &row.payload)
                        .await
                        .map_err(|e| e.detail())
                }
                auth::service::PASSWORD_RESET_KIND => {
                    let request: crate::auth::model::PasswordResetRequested =
                        serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
                    let links = self.account_links.clone();
                    self.db
                        .run(move |conn| auth::service::deliver_password_reset(conn, &request, &links))
                        .await
                        .map_err(|e| e.detail())
                }
                kind if search::follows(kind) => {
                    search::deliver(&self.db, self.search.as_ref(), &[row]).await.pop().unwrap_or(Ok(()))
                }
                other => Err(format!("no delivery for outbox kind {other}")),
            }
        })
    }

    /// Index updates of a whole batch become one sync (one commit); webhook deliveries go out
    /// together (a slow receiver does not hold up the emails behind it); the rest one by one.
    fn deliver_batch<'a>(&'a self, rows: &'a [OutboxRow]) -> BoxFuture<'a, Vec<Result<(), String>>> {
        Box::pin(async move {
            let webhook = |r: &OutboxRow| r.kind == crate::webhooks::service::DELIVERY_KIND;
            let for_search: Vec<&OutboxRow> = rows.iter().filter(|r| search::follows(&r.kind)).collect();
            let mut search_outcomes = search::deliver(&self.db, self.search.as_ref(), &for_search).await.into_iter();
            let mut webhook_outcomes =
                futures_util::future::join_all(rows.iter().filter(|r| webhook(r)).map(|r| self.deliver(r)))
                    .await
                    .into_iter();
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in rows {
                outcomes.push(if search::follows(&row.kind) {
                    search_outcomes.next().unwrap_or(Ok(()))
                } else if webhook(row) {
                    webhook_outcomes.next().unwrap_or(Ok(()))
                } else {
                    self.deliver(row).await
                });
            }
            outcomes
        })
    }
}

impl AppState {
    /// Opens the database (running migrations when configured), creates the configured
    /// administrator, and builds the schema.
    pub fn build(config: Config) -> Result<AppState, BoxError> {
        let default_locale = check_settings(&config)?;
        let metrics = Arc::new(Metrics::new());
        let db = Db::connect(&config.effective_database_url(), config.db_pool_size, metrics.db_statements.clone())?;
        prepare_database(&db, &config, default_locale)?;
        let limits = Limits {
            default_page_size: config.default_page_size,
            max_page_size: config.max_page_size,
            token_ttl_hours: config.token_ttl_hours,
            default_locale,
        };
        let payments = Arc::new(Payments {
            cash: CashOnDelivery,
            card: match &config.stripe_secret_key {
                Some(key) => Some(StripeProvider::new(key.expose(), config.stripe_api_base.as_deref())?),
                None => None,
            },
        });
        let commerce = CommerceSettings {
            default_commission_bps: config.commission_bps,
            default_shipping_minor: config.shipping_rate_minor,
            free_shipping_above_minor: (config.free_shipping_above_minor > 0)
                .then_some(config.free_shipping_above_minor),
            max_line_quantity: config.max_line_quantity,
            max_cart_lines: config.max_cart_lines,
            card_enabled: payments.card.is_some(),
            default_locale,
            return_window_days: config.return_window_days,
        };
        let mailer = Arc::new(Mailer::new(
            config.smtp_url.as_ref().map(|s| s.expose()),
            &config.data_dir.join("mail"),
            &config.mail_from,
        )?);
        let (search, search_engine, course_search, idea_search) = open_search(&config)?;
        let instance = match (&search, db.kind()) {
            (Some(_), crate::kernel::db::BackendKind::Postgres) => {
                let key = std::fs::canonicalize(&config.data_dir)
                    .unwrap_or_else(|_| config.data_dir.clone())
                    .to_string_lossy()
                    .into_owned();
                let mut conn = db.conn().map_err(|e| e.detail())?;
                search::instances::register_embedded(&mut conn, &key).map_err(|e| e.detail())??;
                Some(key)
            }
            _ => None,
        };
        let schema_limits = SchemaLimits {
            max_depth: config.max_query_depth,
            max_complexity: config.max_query_complexity,
            max_root_fields: config.max_root_fields,
            max_aliases: config.max_aliases,
            apq_cache_entries: config.apq_cache_entries,
        };
        // Without introspection, clients generate from `graphql/schema.graphql` instead.
        let introspect = |b: async_graphql::SchemaBuilder<_, _, _>| {
            if config.introspection.unwrap_or(false) { b } else { b.disable_introspection() }
        };
        let issuer = Arc::new(crate::academy::credentials::Issuer::load(
            config.academy_issuer_key.as_ref().map(|k| k.expose()),
            &config.data_dir,
            &config.academy_issuer_name,
            &config.public_url(),
        )?);
        let storefronts = Arc::new(crate::api::storefronts::StorefrontKeys::default());
        {
            let mut conn = db.conn().map_err(|e| e.detail())?;
            let origins = crate::auth::apps::active_origins(&mut conn).map_err(|e| e.detail())?;
            *storefronts.origins.write().unwrap_or_else(|p| p.into_inner()) = origins.into_iter().collect();
        }
        let images = crate::catalog::images::ImageStore::new(&config.data_dir.join("images"));
        let schema = introspect(build_schema(schema_limits))
            .data(schema_limits)
            .data(db.clone())
            .data(limits.clone())
            .data(commerce)
            .data(payments)
            .data(search_engine.clone())
            .data(crate::academy::search::CourseSearch(course_search.clone()))
            .data(crate::projects::search::IdeaSearch(idea_search.clone()))
            .data(config.registry.clone())
            .data(config.scoring.clone())
            .data(crate::auth::model::AccountLinks { base: config.account_links_base() })
            .data(webhook_settings(&config))
            .data(storefronts.clone())
            .data(issuer.clone())
            .data(Arc::new(crate::stats::graphql::FiguresCache::default()))
            .data(Arc::new(crate::catalog::counts::ProductCounts::default()))
            .data(Arc::new(crate::projects::stats::FiguresCache::default()))
            .data(Arc::new(crate::projects::service::ReferenceCodes::default()))
            .data(crate::registry::documents::DocumentStore::new(&config.data_dir.join("documents")))
            .data(crate::catalog::images::ImageSettings {
                max_bytes: config.max_image_bytes,
                store: images.clone(),
                public_url: config.public_url(),
            })
            .finish();
        let introspection =
            introspect(build_schema(SchemaLimits { max_depth: INTROSPECTION_MAX_DEPTH, ..schema_limits })).finish();
        let api = ApiState {
            images,
            storefronts,
            issuer,
            db,
            schema,
            introspection,
            documents: api::documents(schema_limits),
            metrics,
            limits,
            http: HttpLimits {
                max_body_bytes: config.max_body_bytes,
                max_upload_bytes: config.registry.max_document_bytes.max(config.max_image_bytes) + 128 * 1024,
                cache_seconds: config.http_cache_seconds,
            },
            rate_limiter: RateLimiter::new(
                config.rate_limit_per_minute,
                config.rate_limit_burst,
                config.trust_forwarded_for,
            ),
            stripe_webhook: config
                .stripe_webhook_secret
                .clone()
                .map(|secret| StripeWebhook { secret, tolerance_secs: config.stripe_webhook_tolerance_secs }),
            responses: Arc::new(crate::api::response_cache::ResponseCache::new(config.response_cache_bytes)),
        };
        Ok(AppState {
            config: Arc::new(config),
            api,
            mailer,
            search,
            search_engine,
            course_search,
            idea_search,
            instance,
        })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.api.db
    }

    /// The academy's certificate issuer.
    pub fn issuer(&self) -> &crate::academy::credentials::Issuer {
        &self.api.issuer
    }

    /// The outbox worker for this state's database and transports.
    pub fn outbox_worker(&self) -> Worker {
        Worker::new(
            self.api.db.clone(),
            Arc::new(Dispatch {
                mailer: self.mailer.clone(),
                db: self.api.db.clone(),
                search: self.search_engine.clone(),
                courses: self.course_search.clone(),
                ideas: self.idea_search.clone(),
                registry_rules: self.config.registry.clone(),
                account_links: crate::auth::model::AccountLinks { base: self.config.account_links_base() },
                webhooks: webhook_settings(&self.config),
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    // A receiver's redirect could lead anywhere, private addresses included.
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap_or_default(),
            }),
            WorkerSettings {
                poll_interval: Duration::from_millis(self.config.outbox_poll_ms.max(10)),
                max_attempts: self.config.outbox_max_attempts.max(1),
                base_backoff: Duration::from_millis(self.config.outbox_backoff_ms),
                batch: 50,
            },
        )
    }
}

/// Settings that can be wrong in ways the types do not catch; returns the default locale.
fn check_settings(config: &Config) -> Result<Locale, BoxError> {
    let default_locale = Locale::parse(&config.default_locale)
        .ok_or_else(|| format!("TAAWUN_DEFAULT_LOCALE={:?} is not one of ar, fr, en, zgh", config.default_locale))?;
    crate::registry::model::format_registration_number(&config.registry.number_format, "01", 2026, 1)
        .map_err(|e| format!("registry.number_format: {e}"))?;
    crate::registry::model::parse_month_day(&config.registry.assembly_deadline).ok_or_else(|| {
        format!("registry.assembly_deadline {:?} is not a MM-DD date", config.registry.assembly_deadline)
    })?;
    Ok(default_locale)
}

/// Migrates (when configured) and creates the configured administrator.
fn prepare_database(db: &Db, config: &Config, default_locale: Locale) -> Result<(), BoxError> {
    let mut conn = db.conn().map_err(|e| e.detail())?;
    if config.auto_migrate {
        let applied = db::run_migrations(&mut conn)?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        if crate::scoring::service::ensure_default_model(&mut conn).map_err(|e| e.detail())? {
            tracing::info!("default scoring model installed");
        }
        let filled = crate::registry::service::fill_missing_name_keys(&mut conn).map_err(|e| e.detail())?;
        if filled > 0 {
            tracing::info!(filled, "register name keys computed");
        }
    }
    if let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password)
        && auth::service::ensure_admin(&mut conn, email, password.expose(), default_locale)
            .map_err(|e| format!("cannot create the administrator {email}: {}", e.detail()))?
    {
        tracing::info!(%email, "administrator account created");
    }
    Ok(())
}

/// The embedded products index (when embedded), the products engine, the courses engine and
/// the project ideas engine.
type SearchEngines = (Option<Arc<EmbeddedIndex>>, Arc<dyn SearchEngine>, Arc<dyn SearchEngine>, Arc<dyn SearchEngine>);

/// The configured search engine: Meilisearch, or the embedded index in the data directory
/// (returned too, for the command line and the tests).
fn open_search(config: &Config) -> Result<SearchEngines, BoxError> {
    let search_config = match &config.search_config_dir {
        Some(dir) => SearchConfig::load_dir(dir),
        None => SearchConfig::builtin(),
    }
    .map(Arc::new)
    .map_err(|problems| format!("the search configuration has mistakes:\n  {}", problems.join("\n  ")))?;
    let courses = crate::academy::search::INDEX;
    let ideas = crate::projects::search::INDEX;
    Ok(match MeiliIndex::from_config(config, &search_config, "products") {
        Some(meili) => {
            let course_index = MeiliIndex::from_config(config, &search_config, courses).ok_or("no courses index")??;
            let idea_index =
                MeiliIndex::from_config(config, &search_config, ideas).ok_or("no project ideas index")??;
            (None, Arc::new(meili?), Arc::new(course_index), Arc::new(idea_index))
        }
        None => {
            let root = config.data_dir.join("search");
            let index = Arc::new(search::open_products(&root.join("products"), search_config.clone())?);
            let course_index = Arc::new(search::open_index(&root.join(courses), courses, search_config.clone())?);
            let idea_index = Arc::new(search::open_index(&root.join(ideas), ideas, search_config)?);
            (
                Some(index.clone()),
                Arc::new(Embedded(index)),
                Arc::new(Embedded(course_index)),
                Arc::new(Embedded(idea_index)),
            )
        }
    })
}

/// Whether this server sends the project bank's saved-search digests (0 turns them off, for
/// instances that leave it to another).
fn config_alerts(state: &AppState) -> bool {
    state.config.project_alerts_every_secs > 0
}

/// The configured origins, plus those of the active storefront apps (a browser preflight
/// carries no key, so it is answered for any app's origin; the key's own origins are then
/// checked on the request itself).
fn cors(config: &Config, storefront_origins: Arc<std::sync::RwLock<std::collections::HashSet<String>>>) -> Cors {
    let base = Cors::default()
        .allowed_methods(vec!["GET", "POST"])
        .allowed_headers(vec![
            "content-type",
            "authorization",
            "accept",
            "accept-language",
            "x-request-id",
            crate::api::storefronts::KEY_HEADER,
        ])
        .expose_headers(vec!["x-request-id", "content-language", "retry-after"])
        .max_age(3600);
    if config.cors_origins.iter().any(|o| o == "*") {
        base.allow_any_origin()
    } else {
        config.cors_origins.iter().fold(base, |cors, origin| cors.allowed_origin(origin)).allowed_origin_fn(
            move |origin, _| {
                origin.to_str().is_ok_and(|o| storefront_origins.read().unwrap_or_else(|p| p.into_inner()).contains(o))
            },
        )
    }
}

/// Starts the HTTP server on `listener`; returns it running (await it, or stop it through its handle).
/// How long a stopping server lets the outbox worker finish the batch it is sending.
const OUTBOX_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A started server: `wait` until it stops (a signal or its handle), then stop the outbox worker.
pub struct Serving {
    pub server: Server,
    pub addr: SocketAddr,
    outbox: Option<(tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

impl Serving {
    pub async fn wait(self) -> std::io::Result<()> {
        let stopped = self.server.await;
        if let Some((stop, worker)) = self.outbox {
            let _ = stop.send(true);
            // The worker's own grace, and time to release its leases.
            let _ = tokio::time::timeout(OUTBOX_SHUTDOWN_GRACE + Duration::from_secs(5), worker).await;
        }
        stopped
    }
}

pub fn serve(state: AppState, listener: TcpListener) -> std::io::Result<Serving> {
    let addr = listener.local_addr()?;
    let workers = match state.config.workers {
        0 => crate::kernel::cpu::cores(),
        n => n,
    };
    // Blocking work at once is bounded already (the pool's connections, `kernel::cpu`'s
    // bounds), but tokio starts a new thread whenever no idle one is waiting at that instant:
    // a thread that has just handed its permit on is not idle yet. Under checkout load that
    // grew to 80 threads, each with its own allocator caches. The default bound is 512 per worker.
    let blocking_threads = state.db().max_size() as usize + crate::kernel::cpu::threads_for_bounded_work();
    if state.db().kind() == crate::kernel::db::BackendKind::Sqlite {
        let db = state.db().clone();
        actix_web::rt::spawn(async move {
            let every = Duration::from_secs(crate::kernel::db::SQLITE_OPTIMIZE_EVERY_SECS);
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = db.run(crate::kernel::db::optimize).await {
                    e.log_if_internal();
                }
            }
        });
    }
    // Multipart uploads may be larger than a JSON request; the handler holds JSON to its own limit.
    let body_limit = state.config.max_body_bytes.max(state.config.registry.max_document_bytes + 256 * 1024);
    let config = state.config.clone();
    let outbox = config.outbox_worker.then(|| {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        (stop, actix_web::rt::spawn(state.outbox_worker().run(stopped, OUTBOX_SHUTDOWN_GRACE)))
    });
    if let Some(key) = state.instance.clone() {
        let db = state.db().clone();
        actix_web::rt::spawn(async move {
            let every = std::time::Duration::from_secs(search::instances::HEARTBEAT_EVERY_SECS);
            loop {
                tokio::time::sleep(every).await;
                let key = key.clone();
                if let Err(e) = db.run(move |conn| search::instances::heartbeat(conn, &key)).await {
                    e.log_if_internal();
                }
            }
        });
    }
    if config_alerts(&state) {
        let db = state.db().clone();
        let engine = state.idea_search.clone();
        let public_url = state.config.public_url();
        let every = Duration::from_secs(state.config.project_alerts_every_secs);
        actix_web::rt::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let at = crate::kernel::db::now();
                if let Err(e) = crate::projects::alerts::send_due(&db, engine.as_ref(), &public_url, at).await {
                    e.log_if_internal();
                }
            }
        });
    }
    if let Some(at) = crate::scoring::service::parse_daily_at(&state.config.scoring.daily_at) {
        let db = state.db().clone();
        let (rules, scoring) = (state.config.registry.clone(), state.config.scoring.clone());
        actix_web::rt::spawn(async move {
            loop {
                let wait = crate::scoring::service::until_next(at, chrono::Utc::now().naive_utc());
                tokio::time::sleep(wait).await;
                let (rules, scoring) = (rules.clone(), scoring.clone());
                match db.run(move |conn| crate::scoring::service::run_scheduled(conn, &rules, &scoring)).await {
                    Ok(Some(run)) => {
                        tracing::info!(cooperatives = run.cooperatives, ms = run.duration_ms, "daily scoring run")
                    }
                    Ok(None) => {}
                    Err(e) => e.log_if_internal(),
                }
            }
        });
    } else if !state.config.scoring.daily_at.trim().is_empty() {
        tracing::error!(daily_at = %state.config.scoring.daily_at, "scoring.daily_at is not HH:MM; no daily scoring run");
    }
    for engine in [state.search_engine.clone(), state.course_search.clone(), state.idea_search.clone()] {
        actix_web::rt::spawn(async move {
            if let Err(e) = engine.apply_settings().await {
                tracing::error!(error = %e, "cannot apply the search settings");
            }
        });
    }
    let storefront_origins = state.api.storefronts.origins.clone();
    let data = web::Data::new(state.api);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .wrap(Compress::default())
            .wrap(from_fn(api::rate_limit::limit))
            .wrap(cors(&config, storefront_origins.clone()))
            .wrap(from_fn(api::observability::observe))
            .configure(api::routes)
    })
    // Responses go out in more than one write; with Nagle's algorithm the last one waited for
    // the client's delayed ACK, 40 ms on every response larger than a few kilobytes.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
            && let Err(e) = tcp.set_nodelay(true)
        {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking_threads)
    .listen(listener)?
    .run();
    Ok(Serving { server, addr, outbox })
}

fn webhook_settings(config: &Config) -> crate::webhooks::model::WebhookSettings {
    crate::webhooks::model::WebhookSettings {
        retry_base: Duration::from_millis(config.webhook_retry_base_ms.max(1)),
        max_attempts: config.webhook_max_attempts.max(1),
        disable_after: Duration::from_secs(config.webhook_disable_after_secs),
        allow_private_urls: config.webhook_allow_private_urls,
    }
}
