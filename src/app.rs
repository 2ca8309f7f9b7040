//! Builds the application state and the actix App; used by `main` and by the tests.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::auth;
use crate::config::Config;
use crate::db::{self, Db};
use crate::error::BoxError;
use crate::graphql::context::Limits;
use crate::graphql::{self, SchemaLimits, TaawunSchema};
use crate::i18n::Locale;
use crate::notify::{self, Mailer};
use crate::observability::{self, Metrics};
use crate::orders::service::CommerceSettings;
use crate::outbox::OutboxRow;
use crate::outbox::worker::{Deliver, Worker, WorkerSettings};
use crate::payments::Payments;
use crate::payments::cod::CashOnDelivery;
use crate::payments::stripe::StripeProvider;
use crate::rate_limit::RateLimiter;
use crate::search::config::SearchConfig;
use crate::search::embedded::EmbeddedIndex;
use crate::search::meili::MeiliIndex;
use crate::search::{Embedded, SearchEngine};

pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub schema: TaawunSchema,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub payments: Arc<Payments>,
    pub mailer: Arc<Mailer>,
    pub rate_limiter: RateLimiter,
    pub search_config: Arc<SearchConfig>,
    /// The embedded index, when Meilisearch is not configured.
    pub search: Option<Arc<EmbeddedIndex>>,
    pub search_engine: Arc<dyn SearchEngine>,
}

/// Routes each outbox row to what delivers it.
struct Dispatch {
    mailer: Arc<Mailer>,
    db: Db,
    search: Arc<dyn SearchEngine>,
}

#[derive(serde::Deserialize)]
struct SearchSync {
    product_ids: Vec<i64>,
}

impl Deliver for Dispatch {
    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            match row.kind.as_str() {
                notify::OUTBOX_KIND => self.mailer.send(row).await,
                crate::catalog::service::SEARCH_OUTBOX_KIND => {
                    let job: SearchSync = serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
                    crate::search::sync_products(&self.db, self.search.as_ref(), job.product_ids)
                        .await
                        .map_err(|e| e.detail())
                }
                other => Err(format!("no delivery for outbox kind {other}")),
            }
        })
    }

    /// Index updates of a whole batch become one sync (one commit); the rest go one by one.
    fn deliver_batch<'a>(&'a self, rows: &'a [OutboxRow]) -> BoxFuture<'a, Vec<Result<(), String>>> {
        Box::pin(async move {
            let is_search = |r: &OutboxRow| r.kind == crate::catalog::service::SEARCH_OUTBOX_KIND;
            let mut product_ids = Vec::new();
            let mut unreadable = std::collections::HashMap::new();
            for row in rows.iter().filter(|r| is_search(r)) {
                match serde_json::from_str::<SearchSync>(&row.payload) {
                    Ok(job) => product_ids.extend(job.product_ids),
                    Err(e) => {
                        unreadable.insert(row.id, e.to_string());
                    }
                }
            }
            product_ids.sort_unstable();
            product_ids.dedup();
            let search_outcome = if product_ids.is_empty() {
                Ok(())
            } else {
                crate::search::sync_products(&self.db, self.search.as_ref(), product_ids).await.map_err(|e| e.detail())
            };
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in rows {
                outcomes.push(if let Some(e) = unreadable.get(&row.id) {
                    Err(e.clone())
                } else if is_search(row) {
                    search_outcome.clone()
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
        let metrics = Arc::new(Metrics::new());
        let url = config.effective_database_url();
        let db = Db::connect(&url, config.db_pool_size, metrics.db_statements.clone())?;
        let default_locale = Locale::parse(&config.default_locale).ok_or_else(|| {
            format!("TAAWUN_DEFAULT_LOCALE={:?} is not one of ar, fr, en, zgh", config.default_locale)
        })?;
        crate::registry::model::format_registration_number(&config.registry.number_format, "01", 2026, 1)
            .map_err(|e| format!("registry.number_format: {e}"))?;
        crate::registry::model::parse_month_day(&config.registry.assembly_deadline).ok_or_else(|| {
            format!("registry.assembly_deadline {:?} is not a MM-DD date", config.registry.assembly_deadline)
        })?;
        {
            let mut conn = db.conn().map_err(|e| e.detail())?;
            if config.auto_migrate {
                let applied = db::run_migrations(&mut conn)?;
                if applied > 0 {
                    tracing::info!(applied, "database migrations applied");
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
        }
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
        };
        let mailer = Arc::new(Mailer::new(
            config.smtp_url.as_ref().map(|s| s.expose()),
            &config.data_dir.join("mail"),
            &config.mail_from,
        )?);
        let search_config = match &config.search_config_dir {
            Some(dir) => SearchConfig::load_dir(dir),
            None => SearchConfig::builtin(),
        }
        .map(Arc::new)
        .map_err(|problems| format!("the search configuration has mistakes:\n  {}", problems.join("\n  ")))?;
        let (search, search_engine): (Option<Arc<EmbeddedIndex>>, Arc<dyn SearchEngine>) =
            match MeiliIndex::from_config(&config, &search_config, "products") {
                Some(meili) => (None, Arc::new(meili?)),
                None => {
                    let index = Arc::new(crate::search::open_products(
                        &config.data_dir.join("search").join("products"),
                        search_config.clone(),
                    )?);
                    (Some(index.clone()), Arc::new(Embedded(index)))
                }
            };
        let schema = graphql::build_schema(SchemaLimits {
            max_depth: config.max_query_depth,
            max_complexity: config.max_query_complexity,
            apq_cache_entries: config.apq_cache_entries,
        })
        .data(db.clone())
        .data(limits.clone())
        .data(commerce)
        .data(payments.clone())
        .data(search_engine.clone())
        .data(config.registry.clone())
        .data(Arc::new(crate::stats::graphql::FiguresCache::default()))
        .data(crate::registry::documents::DocumentStore::new(&config.data_dir.join("documents")))
        .finish();
        let rate_limiter =
            RateLimiter::new(config.rate_limit_per_minute, config.rate_limit_burst, config.trust_forwarded_for);
        Ok(AppState {
            config: Arc::new(config),
            db,
            schema,
            metrics,
            limits,
            payments,
            mailer,
            rate_limiter,
            search_config,
            search,
            search_engine,
        })
    }

    /// The outbox worker for this state's database and transports.
    pub fn outbox_worker(&self) -> Worker {
        Worker::new(
            self.db.clone(),
            Arc::new(Dispatch { mailer: self.mailer.clone(), db: self.db.clone(), search: self.search_engine.clone() }),
            WorkerSettings {
                poll_interval: Duration::from_millis(self.config.outbox_poll_ms.max(10)),
                max_attempts: self.config.outbox_max_attempts.max(1),
                base_backoff: Duration::from_millis(self.config.outbox_backoff_ms),
                batch: 50,
            },
        )
    }
}

fn cors(config: &Config) -> Cors {
    let base = Cors::default()
        .allowed_methods(vec!["GET", "POST"])
        .allowed_headers(vec!["content-type", "authorization", "accept", "accept-language", "x-request-id"])
        .expose_headers(vec!["x-request-id", "content-language"])
        .max_age(3600);
    if config.cors_origins.iter().any(|o| o == "*") {
        base.allow_any_origin()
    } else {
        config.cors_origins.iter().fold(base, |cors, origin| cors.allowed_origin(origin))
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state
        .db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
    match ready {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            e.log_if_internal();
            HttpResponse::ServiceUnavailable().content_type("text/plain").body("database unreachable")
        }
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state))
}

/// Routes and middleware; the same for the server and the tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::http::post))
        .route("/graphql", web::get().to(graphql::http::get))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/webhooks/stripe", web::post().to(crate::payments::webhook::handle));
}

/// Starts the HTTP server on `listener`; returns it running (await it, or stop it through its handle).
pub fn serve(state: AppState, listener: TcpListener) -> std::io::Result<(Server, SocketAddr)> {
    let addr = listener.local_addr()?;
    let workers = match state.config.workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        n => n,
    };
    // Multipart uploads may be larger than a JSON request; the handler holds JSON to its own limit.
    let body_limit = state.config.max_body_bytes.max(state.config.registry.max_document_bytes + 256 * 1024);
    let config = state.config.clone();
    if config.outbox_worker {
        actix_web::rt::spawn(state.outbox_worker().run());
    }
    let engine = state.search_engine.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = engine.apply_settings().await {
            tracing::error!(error = %e, "cannot apply the search settings");
        }
    });
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .wrap(Compress::default())
            .wrap(from_fn(crate::rate_limit::limit))
            .wrap(cors(&config))
            .wrap(from_fn(observability::observe))
            .configure(configure)
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
    .listen(listener)?
    .run();
    Ok((server, addr))
}
