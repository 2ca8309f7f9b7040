//! The Meilisearch engine (`TAAWUN_MEILISEARCH_URL`): settings derived from `search-config/`
//! applied idempotently, documents sent in batches, every task's outcome checked within a
//! configured wait. Text is folded before it is sent, documents and queries alike, as the
//! embedded engine folds it; words are left out of a query as the embedded engine leaves
//! them out. An index not created yet (its settings or first documents still on their way)
//! holds nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::ErrorCode;
use meilisearch_sdk::request::{HttpClient, Method};
use meilisearch_sdk::reqwest::ReqwestClient;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde_json::{Map, Value, json};

use super::config::{IndexConfig, SearchConfig};
use super::embedded::{Filter, QueryWords, SearchDocument, SearchError, SearchQuery, SearchResults, Sort};
use crate::kernel::text::fold;

pub struct MeiliIndex {
    client: Client,
    raw: ReqwestClient,
    url: String,
    uid: String,
    config: IndexConfig,
    settings: Value,
    /// Folded, of every locale (as in the settings).
    stop_words: Vec<String>,
    wait: Duration,
    batch: usize,
}

fn meili_error(e: meilisearch_sdk::errors::Error) -> SearchError {
    SearchError(format!("meilisearch: {e}"))
}

fn is_index_not_found(e: &meilisearch_sdk::errors::Error) -> bool {
    matches!(e, meilisearch_sdk::errors::Error::Meilisearch(m) if m.error_code == ErrorCode::IndexNotFound)
}

fn succeeded(done: Task, what: &str) -> Result<(), SearchError> {
    match done {
        Task::Succeeded { .. } => Ok(()),
        Task::Failed { .. } => Err(SearchError(format!("meilisearch {what} failed: {}", done.unwrap_failure()))),
        _ => Err(SearchError(format!("meilisearch {what} did not finish"))),
    }
}

/// The query text that makes Meilisearch match the first `kept` words: folded as the
/// documents are, cut after the last kept word, and ended by a space when that word is not
/// the last typed (Meilisearch matches only a query's last word as a prefix).
pub fn query_text(text: &str, words: &QueryWords, kept: usize) -> String {
    match kept.checked_sub(1).and_then(|last| words.matched.get(last).map(|w| (last, w))) {
        None => fold(text),
        Some((last, word)) if words.is_prefix(last) => fold(&text[..word.end]),
        Some((_, word)) => format!("{} ", fold(&text[..word.end])),
    }
}

/// A filter value in Meilisearch's filter syntax (quoted, with quotes and backslashes escaped).
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Compiles typed filters (never raw client strings) into Meilisearch's filter expression.
pub fn compile_filters(filters: &[Filter]) -> Option<String> {
    let parts: Vec<String> = filters
        .iter()
        .flat_map(|f| match f {
            Filter::Equals(field, value) => vec![format!("{field} = {}", quoted(value))],
            Filter::AnyOf(field, values) => {
                vec![format!("{field} IN [{}]", values.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", "))]
            }
            Filter::Flag(field, value) => vec![format!("{field} = {value}")],
            Filter::Range { field, min, max } => {
                let mut v = Vec::new();
                if let Some(min) = min {
                    v.push(format!("{field} >= {min}"));
                }
                if let Some(max) = max {
                    v.push(format!("{field} <= {max}"));
                }
                v
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

impl MeiliIndex {
    pub fn new(
        url: &str,
        key: Option<&str>,
        name: &str,
        config: &SearchConfig,
        wait: Duration,
    ) -> Result<MeiliIndex, SearchError> {
        let index = config.indexes.get(name).cloned().ok_or_else(|| SearchError(format!("no index `{name}`")))?;
        let settings = index.meili_settings(config);
        let url = url.trim_end_matches('/').to_string();
        Ok(MeiliIndex {
            client: Client::new(url.clone(), key).map_err(meili_error)?,
            raw: ReqwestClient::new(key).map_err(meili_error)?,
            url,
            uid: index.index.clone(),
            config: index,
            settings,
            stop_words: config.stop_words.values().flatten().cloned().collect(),
            wait,
            batch: 1000,
        })
    }

    /// The `name` index as configured (`TAAWUN_MEILISEARCH_*`), or `None` without a URL.
    pub fn from_config(
        config: &crate::kernel::config::Config,
        search: &SearchConfig,
        name: &str,
    ) -> Option<Result<MeiliIndex, SearchError>> {
        let url = config.meilisearch_url.as_ref()?;
        Some(
            MeiliIndex::new(
                url,
                config.meilisearch_key.as_ref().map(|k| k.expose()),
                name,
                search,
                Duration::from_secs(config.meilisearch_wait_secs.max(1)),
            )
            .map(|index| {
                let uid = format!("{}{}", config.meilisearch_index_prefix, index.uid);
                index.with_uid(uid)
            }),
        )
    }

    /// The same index under another uid (tests share one Meilisearch server).
    pub fn with_uid(mut self, uid: impl Into<String>) -> MeiliIndex {
        self.uid = uid.into();
        self
    }

    /// The task once Meilisearch has processed it (within the configured wait).
    async fn processed(&self, task: TaskInfo) -> Result<Task, SearchError> {
        task.wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(self.wait))
            .await
            .map_err(meili_error)
    }

    async fn finish(&self, task: TaskInfo, what: &str) -> Result<(), SearchError> {
        succeeded(self.processed(task).await?, what)
    }

    /// Sends the settings derived from the configuration (the same every time: idempotent),
    /// and waits until they apply: the first time, that task creates the index.
    pub async fn apply_settings(&self) -> Result<(), SearchError> {
        let task: TaskInfo = self
            .raw
            .request::<(), &Value, TaskInfo>(
                &format!("{}/indexes/{}/settings", self.url, self.uid),
                Method::Patch { query: (), body: &self.settings },
                202,
            )
            .await
            .map_err(meili_error)?;
        self.finish(task, "settings update").await
    }

    fn to_json(&self, doc: &SearchDocument) -> Value {
        let mut out = Map::new();
        out.insert(self.config.primary_key.clone(), json!(doc.id));
        out.insert("version".into(), json!(doc.version));
        for (k, v) in &doc.text {
            out.insert(k.clone(), json!(fold(v)));
        }
        for (k, v) in &doc.keywords {
            out.insert(k.clone(), json!(v));
        }
        for (k, v) in &doc.numbers {
            out.insert(k.clone(), json!(v));
        }
        for (k, v) in &doc.flags {
            out.insert(k.clone(), json!(v));
        }
        Value::Object(out)
    }

    pub async fn upsert(&self, docs: &[SearchDocument]) -> Result<(), SearchError> {
        let index = self.client.index(&self.uid);
        for chunk in docs.chunks(self.batch) {
            let batch: Vec<Value> = chunk.iter().map(|d| self.to_json(d)).collect();
            let task = index.add_or_replace(&batch, Some(&self.config.primary_key)).await.map_err(meili_error)?;
            self.finish(task, "document batch").await?;
        }
        Ok(())
    }

    /// Every (id, version) in the index, for comparing with the database (none before the
    /// index exists).
    pub async fn versions(&self) -> Result<BTreeMap<i64, i64>, SearchError> {
        let index = self.client.index(&self.uid);
        let mut out = BTreeMap::new();
        let mut offset = 0;
        loop {
            let mut query = meilisearch_sdk::documents::DocumentsQuery::new(&index);
            query.with_fields([self.config.primary_key.as_str(), "version"]).with_offset(offset).with_limit(1000);
            let page = match index.get_documents_with::<Value>(&query).await {
                Ok(page) => page,
                Err(e) if is_index_not_found(&e) => return Ok(out),
                Err(e) => return Err(meili_error(e)),
            };
            for doc in &page.results {
                if let (Some(id), Some(v)) = (doc[&self.config.primary_key].as_i64(), doc["version"].as_i64()) {
                    out.insert(id, v);
                }
            }
            offset += page.results.len();
            if page.results.is_empty() || offset >= page.total as usize {
                return Ok(out);
            }
        }
    }

    /// Makes the documents in `staging` (built with the same settings) the live index:
    /// one atomic swap, then the old documents are dropped with the staging uid.
    pub async fn swap_in(&self, staging: &MeiliIndex) -> Result<(), SearchError> {
        // A swap fails on a missing index, and before the first rebuild the live one may not
        // exist yet.
        self.apply_settings().await?;
        let swap =
            meilisearch_sdk::client::SwapIndexes { indexes: (self.uid.clone(), staging.uid.clone()), rename: None };
        let task = self.client.swap_indexes([&swap]).await.map_err(meili_error)?;
        self.finish(task, "index swap").await?;
        let task = self.client.delete_index(&staging.uid).await.map_err(meili_error)?;
        self.finish(task, "deletion of the old index").await
    }

    /// A staging twin of this index under another uid.
    pub fn staging(&self, suffix: &str) -> MeiliIndex {
        MeiliIndex {
            client: self.client.clone(),
            raw: self.raw.clone(),
            url: self.url.clone(),
            uid: format!("{}_{suffix}", self.uid),
            config: self.config.clone(),
            settings: self.settings.clone(),
            stop_words: self.stop_words.clone(),
            wait: self.wait,
            batch: self.batch,
        }
    }

    /// Removes these documents; an index not created yet has none to remove.
    pub async fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = match self.client.index(&self.uid).delete_documents(ids).await {
            Ok(task) => task,
            Err(e) if is_index_not_found(&e) => return Ok(()),
            Err(e) => return Err(meili_error(e)),
        };
        match self.processed(task).await? {
            Task::Failed { content } if content.error.error_code == ErrorCode::IndexNotFound => Ok(()),
            done => succeeded(done, "deletion"),
        }
    }

    /// Answers a query with the embedded engine's rules: every word must match; when no
    /// document matches them all, the last words are left out one by one (Meilisearch's
    /// `last` strategy, but only while nothing is found, so that the total counts what
    /// matches the words kept). Before the index exists, nothing is found.
    pub async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let words = QueryWords::of(&q.text, |w| self.stop_words.iter().any(|s| s == w));
        let mut kept = words.matched.len();
        loop {
            let Some(results) = self.search_text(q, &query_text(&q.text, &words, kept)).await? else {
                return Ok(SearchResults::default());
            };
            if results.total > 0 || kept <= 1 {
                let kept = if results.total > 0 { kept } else { words.matched.len() };
                return Ok(SearchResults { ignored_words: words.ignored(kept), ..results });
            }
            kept -= 1;
        }
    }

    /// One search matching every word of `text`; `None` when the index does not exist.
    async fn search_text(&self, q: &SearchQuery, text: &str) -> Result<Option<SearchResults>, SearchError> {
        let index = self.client.index(&self.uid);
        let filter = compile_filters(&q.filters);
        let facets: Vec<&str> = q.facets.iter().map(String::as_str).chain(q.range_of.as_deref()).collect();
        let sort: Vec<String> = match &q.sort {
            Sort::Relevance => vec![],
            Sort::Field { field, descending } => vec![format!("{field}:{}", if *descending { "desc" } else { "asc" })],
        };
        let sort_refs: Vec<&str> = sort.iter().map(String::as_str).collect();
        let retrieve = [self.config.primary_key.as_str()];
        let mut request = index.search();
        request
            .with_query(text)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_offset(q.offset)
            .with_limit(q.limit)
            .with_attributes_to_retrieve(Selectors::Some(&retrieve));
        if let Some(f) = &filter {
            request.with_filter(f);
        }
        if !facets.is_empty() {
            request.with_facets(Selectors::Some(&facets));
        }
        if !sort_refs.is_empty() {
            request.with_sort(&sort_refs);
        }
        let found = match request.execute::<Value>().await {
            Ok(found) => found,
            Err(e) if is_index_not_found(&e) => return Ok(None),
            Err(e) => return Err(meili_error(e)),
        };
        let ids = found.hits.iter().filter_map(|h| h.result[&self.config.primary_key].as_i64()).collect();
        let distribution = found.facet_distribution.unwrap_or_default();
        let mut facets = BTreeMap::new();
        for name in &q.facets {
            let mut values: Vec<(String, u64)> = distribution
                .get(name)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v as u64)).collect())
                .unwrap_or_default();
            values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            facets.insert(name.clone(), values);
        }
        let range = q.range_of.as_ref().and_then(|field| {
            let stats = found.facet_stats.as_ref()?.get(field)?;
            Some((stats.min as i64, stats.max as i64))
        });
        let total = found.estimated_total_hits.or(found.total_hits).unwrap_or(0);
        Ok(Some(SearchResults { ids, total, facets, range, ignored_words: Vec::new() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_filters_compile_and_escape() {
        let filters = vec![
            Filter::Equals("region".into(), "09".into()),
            Filter::Equals("cooperative".into(), "a\"b".into()),
            Filter::Range { field: "price".into(), min: Some(5000), max: None },
            Filter::Flag("in_stock".into(), true),
        ];
        assert_eq!(
            compile_filters(&filters).unwrap(),
            r#"region = "09" AND cooperative = "a\"b" AND price >= 5000 AND in_stock = true"#
        );
        assert_eq!(compile_filters(&[]), None);
    }

    #[test]
    fn query_texts_keep_the_words_matched() {
        let no_stop_words = |_: &str| false;
        let text = "L'Huile d'ARGANE الأركان";
        let words = QueryWords::of(text, no_stop_words);
        assert_eq!(query_text(text, &words, 3), "huile argane الاركان", "folded as the documents are");
        assert_eq!(query_text(text, &words, 2), "huile argane ", "no longer a prefix");
        let words = QueryWords::of("miel de", |w| w == "de");
        assert_eq!(query_text("miel de", &words, 1), "miel", "the last word typed, a prefix");
        assert_eq!(query_text("  ", &QueryWords::of("  ", no_stop_words), 0), "");
    }
}
