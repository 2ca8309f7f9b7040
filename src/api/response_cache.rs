//! Answers to anonymous catalogue reads, kept per catalogue version.
//!
//! Storefronts send the same few listings over and over. An answer is kept under the digest of
//! what decides it — the query with its insignificant characters taken out, the operation name,
//! the variables in a canonical order, the locale, the storefront app, today's date (a quality
//! label's validity ends with a day) — and served while the catalogue version it was computed
//! under is the current one. Every write to the catalogue moves the version forward in its own
//! transaction (migration 22), so a change shows on the next read.
//!
//! Knowing the current version must not cost a database round trip per read, or a hit would
//! cost half a miss. The version is read again when this process has committed a write since
//! the last read (`kernel::db::writes_committed`), and at least every
//! `RECHECK_AFTER`, which bounds how long another process's write (the CLI, a second server
//! on PostgreSQL) can go unseen.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::kernel::db::Db;
use crate::kernel::error::AppError;
use crate::kernel::i18n::Locale;

/// Root fields whose answers come from the catalogue alone (products, their variants, media,
/// labels, reviews, categories, and the selling cooperative's name and place).
const CATALOGUE_ROOTS: &[&str] = &["products", "product", "categories", "category", "__typename"];

const RECHECK_AFTER: Duration = Duration::from_millis(250);

pub type Key = [u8; 32];

pub struct ResponseCache {
    max_bytes: usize,
    entries: Mutex<Entries>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Entries {
    version: i64,
    bytes: usize,
    answers: HashMap<Key, Arc<[u8]>>,
    /// Oldest first: what goes when the bound is reached.
    order: VecDeque<Key>,
}

/// The catalogue version as last read, and when.
struct Seen {
    version: i64,
    writes: u64,
    at: Instant,
}

impl ResponseCache {
    /// `max_bytes` bounds the answers kept (0 turns the cache off).
    pub fn new(max_bytes: usize) -> ResponseCache {
        ResponseCache {
            max_bytes,
            entries: Mutex::new(Entries::default()),
            seen: Mutex::new(Seen { version: -1, writes: 0, at: Instant::now() - RECHECK_AFTER * 2 }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The catalogue version now, read from the database only when it may have moved.
    pub async fn current_version(&self, db: &Db) -> Result<i64, AppError> {
        let writes = crate::kernel::db::writes_committed();
        {
            let seen = lock(&self.seen);
            if seen.writes == writes && seen.at.elapsed() < RECHECK_AFTER {
                return Ok(seen.version);
            }
        }
        let version = db.run(crate::catalog::service::catalogue_version).await?;
        let mut seen = lock(&self.seen);
        *seen = Seen { version, writes, at: Instant::now() };
        Ok(version)
    }

    pub fn get(&self, version: i64, key: &Key) -> Option<Arc<[u8]>> {
        let entries = lock(&self.entries);
        if entries.version != version {
            return None;
        }
        entries.answers.get(key).cloned()
    }

    /// Keeps an answer computed under `version` (read before the answer was).
    pub fn put(&self, version: i64, key: Key, body: Arc<[u8]>) {
        if body.len() > self.max_bytes / 8 {
            return;
        }
        let mut entries = lock(&self.entries);
        if version < entries.version {
            return;
        }
        if version > entries.version {
            *entries = Entries { version, ..Entries::default() };
        }
        if entries.answers.contains_key(&key) {
            return;
        }
        while entries.bytes + body.len() > self.max_bytes {
            let Some(oldest) = entries.order.pop_front() else { break };
            if let Some(gone) = entries.answers.remove(&oldest) {
                entries.bytes -= gone.len();
            }
        }
        entries.bytes += body.len();
        entries.order.push_back(key);
        entries.answers.insert(key, body);
    }

    /// Bytes of answers held now.
    pub fn held_bytes(&self) -> usize {
        lock(&self.entries).bytes
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether every root field of the operation reads the catalogue alone.
pub fn reads_catalogue_only(roots: &[Option<String>]) -> bool {
    !roots.is_empty() && roots.iter().all(|r| r.as_deref().is_some_and(|r| CATALOGUE_ROOTS.contains(&r)))
}

/// The digest of what decides an anonymous answer.
pub fn key(
    request: &async_graphql::Request,
    locale: Locale,
    storefront_app: Option<i64>,
    today: chrono::NaiveDate,
) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(normalized_query(&request.query).as_bytes());
    hasher.update([0]);
    hasher.update(request.operation_name.as_deref().unwrap_or_default().as_bytes());
    hasher.update([0]);
    let variables = serde_json::to_value(&request.variables).unwrap_or_default();
    hasher.update(canonical_json(&variables).as_bytes());
    hasher.update([0]);
    hasher.update(locale.code().as_bytes());
    hasher.update([0]);
    hasher.update(storefront_app.unwrap_or(0).to_le_bytes());
    hasher.update(today.to_string().as_bytes());
    hasher.finalize().into()
}

/// The query without what GraphQL ignores: comments, commas and runs of white space (one
/// space kept between two names, none around punctuation). Strings are kept as written.
pub fn normalized_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut pending_space = false;
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for n in chars.by_ref() {
                    if n == '\n' || n == '\r' {
                        break;
                    }
                }
                pending_space = true;
            }
            ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}' => pending_space = true,
            '"' => {
                if pending_space && out.chars().last().is_some_and(is_name) {
                    out.push(' ');
                }
                pending_space = false;
                out.push('"');
                let block = chars.peek() == Some(&'"') && {
                    let mut ahead = chars.clone();
                    ahead.next();
                    ahead.peek() == Some(&'"')
                };
                if block {
                    out.push_str("\"\"");
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    for n in chars.by_ref() {
                        out.push(n);
                        quotes = if n == '"' { quotes + 1 } else { 0 };
                        if quotes == 3 {
                            break;
                        }
                    }
                } else {
                    while let Some(n) = chars.next() {
                        out.push(n);
                        if n == '\\' {
                            if let Some(escaped) = chars.next() {
                                out.push(escaped);
                            }
                        } else if n == '"' {
                            break;
                        }
                    }
                }
            }
            _ => {
                if pending_space && is_name(c) && out.chars().last().is_some_and(is_name) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            }
        }
    }
    out
}

/// JSON with every object's keys in order, so the same variables give the same text.
fn canonical_json(value: &serde_json::Value) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insignificant_characters_do_not_change_the_query() {
        let a = "query Listing($first: Int) {\n  products(first: $first) { # the page\n    nodes { id name }\n  }\n}";
        let b = "query Listing($first:Int){products(first:$first){nodes{id,name}}}";
        assert_eq!(normalized_query(a), normalized_query(b));
        assert_eq!(normalized_query(b), "query Listing($first:Int){products(first:$first){nodes{id name}}}");
    }

    #[test]
    fn strings_are_kept_as_written() {
        let q = r#"{ productSearch(query: "argan  oil, \"pure\" # not a comment") { totalCount } }"#;
        assert!(normalized_query(q).contains(r#""argan  oil, \"pure\" # not a comment""#));
        let block = "{ a(text: \"\"\"two  spaces, \"quoted\" \"\"\") }";
        assert!(normalized_query(block).contains("\"\"\"two  spaces, \"quoted\" \"\"\""));
        assert_ne!(normalized_query(r#"{ a(q: "x y") }"#), normalized_query(r#"{ a(q: "x  y") }"#));
    }

    #[test]
    fn variables_in_any_order_give_the_same_key() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let request = |vars: serde_json::Value| {
            async_graphql::Request::new("{ products { totalCount } }")
                .variables(async_graphql::Variables::from_json(vars))
        };
        let a = key(&request(serde_json::json!({ "a": 1, "b": { "x": 1, "y": 2 } })), Locale::Fr, None, day);
        let b = key(&request(serde_json::json!({ "b": { "y": 2, "x": 1 }, "a": 1 })), Locale::Fr, None, day);
        let c = key(&request(serde_json::json!({ "a": 2, "b": { "y": 2, "x": 1 } })), Locale::Fr, None, day);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, key(&request(serde_json::json!({ "a": 1, "b": { "x": 1, "y": 2 } })), Locale::Ar, None, day));
    }

    #[test]
    fn the_bound_holds_and_a_new_version_starts_afresh() {
        let cache = ResponseCache::new(800);
        for i in 0..20u8 {
            cache.put(1, [i; 32], Arc::from(vec![0u8; 90]));
            assert!(cache.held_bytes() <= 800);
        }
        assert!(cache.get(1, &[19; 32]).is_some());
        assert!(cache.get(1, &[0; 32]).is_none(), "the oldest answers went first");
        assert!(cache.get(2, &[19; 32]).is_none(), "an answer of an older version is not served");
        cache.put(2, [1; 32], Arc::from(vec![0u8; 10]));
        assert_eq!(cache.held_bytes(), 10);
        cache.put(1, [2; 32], Arc::from(vec![0u8; 10]));
        assert!(cache.get(2, &[2; 32]).is_none(), "an answer computed under an older version is dropped");
    }
}
