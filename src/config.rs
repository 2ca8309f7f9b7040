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
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    pub apq_cache_entries: usize,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// tracing filter, e.g. `info` or `taawun=debug,info`.
    pub log: String,
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
            max_query_depth: 12,
            max_query_complexity: 20_000,
            apq_cache_entries: 1024,
            workers: 0,
            log: "info".into(),
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
        env_field!("TAAWUN_MAX_QUERY_DEPTH", self.max_query_depth, parse);
        env_field!("TAAWUN_MAX_QUERY_COMPLEXITY", self.max_query_complexity, parse);
        env_field!("TAAWUN_APQ_CACHE_ENTRIES", self.apq_cache_entries, parse);
        env_field!("TAAWUN_WORKERS", self.workers, parse);
        env_field!("TAAWUN_LOG", self.log, string);
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
