//! Typed configuration: defaults, then an optional `taawun.toml`, then `TAAWUN_*` variables.
//! This is the only place that reads the environment.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must never reach a log line.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Where the embedded defaults keep their files (SQLite database, later the search index and emails).
    pub data_dir: PathBuf,
    /// `sqlite://path`, a plain file path, or `postgres://…`. Empty: `<data_dir>/taawun.db`.
    pub database_url: Option<String>,
    pub db_pool_size: u32,
    /// Run pending migrations when the server starts.
    pub auto_migrate: bool,
    /// Origins allowed to call the API from a browser; `*` allows any.
    pub cors_origins: Vec<String>,
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    pub token_ttl_hours: i64,
    /// Locale used when neither `Accept-Language` nor a `locale` argument says otherwise.
    pub default_locale: String,
    pub default_page_size: usize,
    pub max_page_size: usize,
    pub max_body_bytes: usize,
    /// How long shared caches may keep an anonymous `GET /graphql` answer, in seconds.
    pub http_cache_seconds: u32,
    /// Bytes of answers to anonymous catalogue reads kept in memory (0: none kept).
    pub response_cache_bytes: usize,
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    /// Root fields one operation may ask for (aliases included).
    pub max_root_fields: usize,
    /// Aliases one document may use.
    pub max_aliases: usize,
    pub apq_cache_entries: usize,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// tracing filter, e.g. `info` or `taawun=debug,info`.
    pub log: String,
    /// `smtp://host:port` or `smtps://user:password@host`; empty: emails are `.eml` files in `<data_dir>/mail`.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// Card payments are offered when a Stripe secret key is set.
    pub stripe_secret_key: Option<Secret>,
    pub stripe_webhook_secret: Option<Secret>,
    /// Stripe's API base URL (tests point it at a local server).
    pub stripe_api_base: Option<String>,
    pub stripe_webhook_tolerance_secs: i64,
    /// The marketplace's commission in basis points when a cooperative has none of its own.
    pub commission_bps: i32,
    /// Flat shipping per cooperative in centimes, when the cooperative set no rate.
    pub shipping_rate_minor: i64,
    /// Free shipping from this cooperative subtotal (centimes); 0 turns it off.
    pub free_shipping_above_minor: i64,
    pub max_line_quantity: i64,
    pub max_cart_lines: usize,
    /// Days after delivery during which a buyer may ask to return goods.
    pub return_window_days: i64,
    /// The largest product image upload, in bytes.
    pub max_image_bytes: usize,
    /// Run the outbox worker in this process.
    pub outbox_worker: bool,
    /// Whether the schema answers introspection; unset: on with `--demo`, off otherwise.
    pub introspection: Option<bool>,
    pub outbox_poll_ms: u64,
    pub outbox_max_attempts: i32,
    pub outbox_backoff_ms: u64,
    /// Requests per minute per client address; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// Requests a client may make at once before the rate applies.
    pub rate_limit_burst: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// A directory of search configuration replacing the `search-config/` files compiled in.
    pub search_config_dir: Option<PathBuf>,
    /// Search with Meilisearch at this URL instead of the embedded index.
    pub meilisearch_url: Option<String>,
    pub meilisearch_key: Option<Secret>,
    /// How long to wait for a Meilisearch task before calling it failed.
    pub meilisearch_wait_secs: u64,
    /// Prepended to Meilisearch index uids (several deployments or test runs on one server).
    pub meilisearch_index_prefix: String,
    /// The address the public reaches this server at (certificate pages and their QR codes);
    /// unset: `http://` and the bind address.
    pub public_url: Option<String>,
    /// Where the links of account emails point (a storefront's pages that take the token from
    /// the link and call `accountVerifyEmail` or `passwordReset`): `<this>/verify-email?token=…`
    /// and `<this>/reset-password?token=…`. Unset: `<public URL>/account`.
    pub account_links_url: Option<String>,
    /// Outbound webhooks: the first retry's delay in milliseconds (doubled each time, at most an
    /// hour), attempts per delivery, how long a subscription may fail before it is disabled,
    /// and whether URLs may be `http://` or private addresses.
    pub webhook_retry_base_ms: u64,
    pub webhook_max_attempts: i32,
    pub webhook_disable_after_secs: u64,
    pub webhook_allow_private_urls: bool,
    /// The academy's Ed25519 issuer key (64 hex characters); unset: generated into the data
    /// directory on first start. Give it to every instance of a scaled-out deployment.
    pub academy_issuer_key: Option<Secret>,
    /// The issuer named on certificates.
    pub academy_issuer_name: String,
    /// How often the server looks for saved-search digests due (each search gets at most one a
    /// day); 0: this instance sends none.
    pub project_alerts_every_secs: u64,
    /// The registry's rules where the law leaves details to the office (`[registry]` in taawun.toml).
    pub registry: RegistryRules,
    /// Performance scoring and control targeting (`[scoring]` in taawun.toml).
    pub scoring: ScoringRules,
}

/// How scores are computed and shown, and when they are recomputed.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringRules {
    /// Whether anyone may read a cooperative's grade (never the breakdown or the risk).
    pub public_grades: bool,
    /// The daily scoring run, `HH:MM` in UTC; empty: no schedule (`taawun scoring run` or
    /// `scoringRun` only).
    pub daily_at: String,
    /// A marketplace fulfilment is on time when shipped within this many days.
    pub ship_within_days: i64,
    /// A follow-up control is planned this many days after a corrective action falls overdue.
    pub follow_up_within_days: i64,
}

impl Default for ScoringRules {
    fn default() -> Self {
        ScoringRules { public_grades: false, daily_at: "02:30".into(), ship_within_days: 3, follow_up_within_days: 14 }
    }
}

/// Rules of the cooperative register. The figures of law 112-12 are the defaults; the ones
/// the law leaves open (union minimum, assembly deadline) are the office's to set.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryRules {
    pub min_founders: usize,
    pub min_founders_union: usize,
    pub min_founders_federation: usize,
    /// Minimum capital, in centimes.
    pub min_capital_minor: i64,
    /// Minimum value of one share, in centimes.
    pub min_share_value_minor: i64,
    /// The part of the subscribed capital paid at creation, in basis points (2500 = a quarter).
    pub min_paid_bps: i64,
    /// Registration numbers: `{region}`, `{year}` and `{seq}` (or `{seq:05}` zero-padded) are filled in.
    pub number_format: String,
    pub max_document_bytes: usize,
    pub document_content_types: Vec<String>,
    /// Document types a creation file must hold before it is filed.
    pub required_documents: Vec<String>,
    /// The ordinary general assembly of fiscal year N is held by this month-day of N+1 (`MM-DD`).
    pub assembly_deadline: String,
    /// Financial statements are filed within this many days of the assembly.
    pub statements_within_days: i64,
    /// Members younger than this at the date of the figures count as young.
    pub youth_age_limit: u32,
}

impl Default for RegistryRules {
    fn default() -> Self {
        RegistryRules {
            min_founders: 5,
            min_founders_union: 5,
            min_founders_federation: 5,
            min_capital_minor: 100_000,
            min_share_value_minor: 10_000,
            min_paid_bps: 2500,
            number_format: "{region}/{year}/{seq:05}".into(),
            max_document_bytes: 10 * 1024 * 1024,
            document_content_types: vec!["application/pdf".into(), "image/jpeg".into(), "image/png".into()],
            required_documents: vec!["STATUTES".into(), "CONSTITUTIVE_MINUTES".into(), "BANK_CERTIFICATE".into()],
            assembly_deadline: "06-30".into(),
            statements_within_days: 30,
            youth_age_limit: 35,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_pool_size: 8,
            auto_migrate: true,
            cors_origins: Vec::new(),
            admin_email: None,
            admin_password: None,
            token_ttl_hours: 24 * 30,
            default_locale: "fr".into(),
            default_page_size: 20,
            max_page_size: 100,
            max_body_bytes: 1024 * 1024,
            http_cache_seconds: 60,
            response_cache_bytes: 16 * 1024 * 1024,
            max_query_depth: 12,
            max_query_complexity: 20_000,
            max_root_fields: 20,
            max_aliases: 30,
            apq_cache_entries: 1024,
            workers: 0,
            log: "info".into(),
            smtp_url: None,
            mail_from: "Taawun <no-reply@taawun.ma>".into(),
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            stripe_api_base: None,
            stripe_webhook_tolerance_secs: 300,
            commission_bps: 1000,
            shipping_rate_minor: 3500,
            free_shipping_above_minor: 50_000,
            max_line_quantity: 100,
            max_cart_lines: 50,
            return_window_days: 7,
            max_image_bytes: 10 * 1024 * 1024,
            outbox_worker: true,
            introspection: None,
            outbox_poll_ms: 500,
            outbox_max_attempts: 8,
            outbox_backoff_ms: 5000,
            rate_limit_per_minute: 1200,
            rate_limit_burst: 200,
            trust_forwarded_for: false,
            search_config_dir: None,
            meilisearch_url: None,
            meilisearch_key: None,
            meilisearch_wait_secs: 30,
            meilisearch_index_prefix: String::new(),
            public_url: None,
            account_links_url: None,
            webhook_retry_base_ms: 10_000,
            webhook_max_attempts: 72,
            webhook_disable_after_secs: 3 * 86_400,
            webhook_allow_private_urls: false,
            academy_issuer_key: None,
            academy_issuer_name: "Taawun Academy (ODCO)".into(),
            project_alerts_every_secs: 3600,
            registry: RegistryRules::default(),
            scoring: ScoringRules::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Toml { path: PathBuf, source: toml::de::Error },
    #[error("{var}={value:?}: {reason}")]
    Env { var: &'static str, value: String, reason: String },
}

impl Config {
    /// Where the public reaches this server.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Where account emails' links point (`/verify-email`, `/reset-password` below it).
    pub fn account_links_base(&self) -> String {
        match &self.account_links_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("{}/account", self.public_url()),
        }
    }

    /// Defaults, then `TAAWUN_CONFIG` (or `./taawun.toml` when present), then `TAAWUN_*` variables.
    pub fn load() -> Result<Config, ConfigError> {
        let explicit = std::env::var("TAAWUN_CONFIG").ok().map(PathBuf::from);
        let file = explicit.or_else(|| {
            let p = PathBuf::from("taawun.toml");
            p.exists().then_some(p)
        });
        let mut config = match file {
            Some(path) => Self::from_file(&path)?,
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Toml { path: path.to_owned(), source })
    }

    /// Long on purpose: one line per `TAAWUN_*` variable, so the list reads as the reference.
    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(var: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env { var, reason: e.to_string(), value })
        }
        macro_rules! env_field {
            ($var:literal, $field:expr, string) => {
                if let Some(v) = get($var) {
                    $field = v;
                }
            };
            ($var:literal, $field:expr, option) => {
                if let Some(v) = get($var) {
                    $field = (!v.is_empty()).then_some(v);
                }
            };
            ($var:literal, $field:expr, parse) => {
                if let Some(v) = get($var) {
                    $field = parse($var, v)?;
                }
            };
        }
        env_field!("TAAWUN_BIND", self.bind, string);
        if let Some(v) = get("TAAWUN_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        env_field!("TAAWUN_DATABASE_URL", self.database_url, option);
        env_field!("TAAWUN_DB_POOL_SIZE", self.db_pool_size, parse);
        env_field!("TAAWUN_AUTO_MIGRATE", self.auto_migrate, parse);
        if let Some(v) = get("TAAWUN_CORS_ORIGINS") {
            self.cors_origins = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        env_field!("TAAWUN_ADMIN_EMAIL", self.admin_email, option);
        if let Some(v) = get("TAAWUN_ADMIN_PASSWORD") {
            self.admin_password = (!v.is_empty()).then_some(Secret(v));
        }
        env_field!("TAAWUN_TOKEN_TTL_HOURS", self.token_ttl_hours, parse);
        env_field!("TAAWUN_DEFAULT_LOCALE", self.default_locale, string);
        env_field!("TAAWUN_DEFAULT_PAGE_SIZE", self.default_page_size, parse);
        env_field!("TAAWUN_MAX_PAGE_SIZE", self.max_page_size, parse);
        env_field!("TAAWUN_MAX_BODY_BYTES", self.max_body_bytes, parse);
        env_field!("TAAWUN_HTTP_CACHE_SECONDS", self.http_cache_seconds, parse);
        env_field!("TAAWUN_RESPONSE_CACHE_BYTES", self.response_cache_bytes, parse);
        env_field!("TAAWUN_MAX_QUERY_DEPTH", self.max_query_depth, parse);
        env_field!("TAAWUN_MAX_QUERY_COMPLEXITY", self.max_query_complexity, parse);
        env_field!("TAAWUN_MAX_ROOT_FIELDS", self.max_root_fields, parse);
        env_field!("TAAWUN_MAX_ALIASES", self.max_aliases, parse);
        env_field!("TAAWUN_APQ_CACHE_ENTRIES", self.apq_cache_entries, parse);
        env_field!("TAAWUN_WORKERS", self.workers, parse);
        env_field!("TAAWUN_LOG", self.log, string);
        if let Some(v) = get("TAAWUN_SMTP_URL") {
            self.smtp_url = (!v.is_empty()).then_some(Secret(v));
        }
        env_field!("TAAWUN_MAIL_FROM", self.mail_from, string);
        if let Some(v) = get("TAAWUN_STRIPE_SECRET_KEY") {
            self.stripe_secret_key = (!v.is_empty()).then_some(Secret(v));
        }
        if let Some(v) = get("TAAWUN_STRIPE_WEBHOOK_SECRET") {
            self.stripe_webhook_secret = (!v.is_empty()).then_some(Secret(v));
        }
        env_field!("TAAWUN_STRIPE_API_BASE", self.stripe_api_base, option);
        env_field!("TAAWUN_STRIPE_WEBHOOK_TOLERANCE_SECS", self.stripe_webhook_tolerance_secs, parse);
        env_field!("TAAWUN_COMMISSION_BPS", self.commission_bps, parse);
        env_field!("TAAWUN_SHIPPING_RATE_MINOR", self.shipping_rate_minor, parse);
        env_field!("TAAWUN_FREE_SHIPPING_ABOVE_MINOR", self.free_shipping_above_minor, parse);
        env_field!("TAAWUN_MAX_LINE_QUANTITY", self.max_line_quantity, parse);
        env_field!("TAAWUN_MAX_CART_LINES", self.max_cart_lines, parse);
        env_field!("TAAWUN_RETURN_WINDOW_DAYS", self.return_window_days, parse);
        env_field!("TAAWUN_MAX_IMAGE_BYTES", self.max_image_bytes, parse);
        env_field!("TAAWUN_OUTBOX_WORKER", self.outbox_worker, parse);
        if let Some(v) = get("TAAWUN_INTROSPECTION") {
            self.introspection = Some(parse("TAAWUN_INTROSPECTION", v)?);
        }
        env_field!("TAAWUN_OUTBOX_POLL_MS", self.outbox_poll_ms, parse);
        env_field!("TAAWUN_OUTBOX_MAX_ATTEMPTS", self.outbox_max_attempts, parse);
        env_field!("TAAWUN_OUTBOX_BACKOFF_MS", self.outbox_backoff_ms, parse);
        env_field!("TAAWUN_RATE_LIMIT_PER_MINUTE", self.rate_limit_per_minute, parse);
        env_field!("TAAWUN_RATE_LIMIT_BURST", self.rate_limit_burst, parse);
        env_field!("TAAWUN_TRUST_FORWARDED_FOR", self.trust_forwarded_for, parse);
        env_field!("TAAWUN_MEILISEARCH_URL", self.meilisearch_url, option);
        if let Some(v) = get("TAAWUN_MEILISEARCH_KEY") {
            self.meilisearch_key = (!v.is_empty()).then_some(Secret(v));
        }
        env_field!("TAAWUN_MEILISEARCH_WAIT_SECS", self.meilisearch_wait_secs, parse);
        env_field!("TAAWUN_MEILISEARCH_INDEX_PREFIX", self.meilisearch_index_prefix, string);
        env_field!("TAAWUN_PUBLIC_URL", self.public_url, option);
        env_field!("TAAWUN_ACCOUNT_LINKS_URL", self.account_links_url, option);
        env_field!("TAAWUN_WEBHOOK_RETRY_BASE_MS", self.webhook_retry_base_ms, parse);
        env_field!("TAAWUN_WEBHOOK_MAX_ATTEMPTS", self.webhook_max_attempts, parse);
        env_field!("TAAWUN_WEBHOOK_DISABLE_AFTER_SECS", self.webhook_disable_after_secs, parse);
        env_field!("TAAWUN_WEBHOOK_ALLOW_PRIVATE_URLS", self.webhook_allow_private_urls, parse);
        if let Some(v) = get("TAAWUN_ACADEMY_ISSUER_KEY") {
            self.academy_issuer_key = (!v.is_empty()).then_some(Secret(v));
        }
        env_field!("TAAWUN_ACADEMY_ISSUER_NAME", self.academy_issuer_name, string);
        env_field!("TAAWUN_PROJECT_ALERTS_EVERY_SECS", self.project_alerts_every_secs, parse);
        env_field!("TAAWUN_REGISTRY_MIN_FOUNDERS", self.registry.min_founders, parse);
        env_field!("TAAWUN_REGISTRY_NUMBER_FORMAT", self.registry.number_format, string);
        env_field!("TAAWUN_REGISTRY_MAX_DOCUMENT_BYTES", self.registry.max_document_bytes, parse);
        env_field!("TAAWUN_FILING_ASSEMBLY_DEADLINE", self.registry.assembly_deadline, string);
        env_field!("TAAWUN_FILING_STATEMENTS_WITHIN_DAYS", self.registry.statements_within_days, parse);
        env_field!("TAAWUN_YOUTH_AGE_LIMIT", self.registry.youth_age_limit, parse);
        env_field!("TAAWUN_SCORING_PUBLIC_GRADES", self.scoring.public_grades, parse);
        env_field!("TAAWUN_SCORING_DAILY_AT", self.scoring.daily_at, string);
        env_field!("TAAWUN_SCORING_SHIP_WITHIN_DAYS", self.scoring.ship_within_days, parse);
        env_field!("TAAWUN_SCORING_FOLLOW_UP_WITHIN_DAYS", self.scoring.follow_up_within_days, parse);
        if let Some(v) = get("TAAWUN_SEARCH_CONFIG_DIR") {
            self.search_config_dir = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        Ok(())
    }

    /// The database URL in effect: the configured one, or the SQLite file in the data dir.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => self.data_dir.join("taawun.db").to_string_lossy().into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults_and_rejects_garbage() {
        let mut c = Config::default();
        let vars = [
            ("TAAWUN_BIND", "0.0.0.0:9000"),
            ("TAAWUN_CORS_ORIGINS", "https://a.ma, https://b.ma"),
            ("TAAWUN_MAX_PAGE_SIZE", "50"),
        ];
        c.apply_env(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.cors_origins, vec!["https://a.ma", "https://b.ma"]);
        assert_eq!(c.max_page_size, 50);

        let err = c.apply_env(|k| (k == "TAAWUN_DB_POOL_SIZE").then(|| "many".to_string())).unwrap_err();
        assert!(err.to_string().contains("TAAWUN_DB_POOL_SIZE"));
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config { admin_password: Some(Secret::new("hunter2-hunter2")), ..Config::default() };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
