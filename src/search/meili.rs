//! The Meilisearch engine (`TAAWUN_MEILISEARCH_URL`): settings derived from `search-config/`
//! applied idempotently, documents sent in batches, every task's outcome checked within a
//! configured wait. Text is folded before it is sent, as the embedded engine folds it.

use std::collections::BTreeMap;
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::request::{HttpClient, Method};
use meilisearch_sdk::reqwest::ReqwestClient;
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde_json::{Map, Value, json};

use super::config::{IndexConfig, SearchConfig};
use super::embedded::{Filter, SearchDocument, SearchError, SearchQuery, SearchResults, Sort};
use crate::kernel::text::fold;

pub struct MeiliIndex {
    client: Client,
    raw: ReqwestClient,
    url: String,
    uid: String,
    config: IndexConfig,
    settings: Value,
    wait: Duration,
    batch: usize,
}

fn meili_error(e: meilisearch_sdk::errors::Error) -> SearchError {
    SearchError(format!("meilisearch: {e}"))
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

    async fn finish(&self, task: TaskInfo, what: &str) -> Result<(), SearchError> {
        let done = task
            .wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(self.wait))
            .await
            .map_err(meili_error)?;
        match done {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { .. } => Err(SearchError(format!("meilisearch {what} failed: {}", done.unwrap_failure()))),
            _ => Err(SearchError(format!("meilisearch {what} did not finish"))),
        }
    }

    /// Sends the settings derived from the configuration (the same every time: idempotent).
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

    /// Every (id, version) in the index, for comparing with the database.
    pub async fn versions(&self) -> Result<BTreeMap<i64, i64>, SearchError> {
        let index = self.client.index(&self.uid);
        let mut out = BTreeMap::new();
        let mut offset = 0;
        loop {
            let mut query = meilisearch_sdk::documents::DocumentsQuery::new(&index);
            query.with_fields([self.config.primary_key.as_str(), "version"]).with_offset(offset).with_limit(1000);
            let page = index.get_documents_with::<Value>(&query).await.map_err(meili_error)?;
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
            wait: self.wait,
            batch: self.batch,
        }
    }

    pub async fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self.client.index(&self.uid).delete_documents(ids).await.map_err(meili_error)?;
        self.finish(task, "deletion").await
    }

    pub async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let index = self.client.index(&self.uid);
        let text = fold(&q.text);
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
            .with_query(&text)
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
        let found = request.execute::<Value>().await.map_err(meili_error)?;
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
        Ok(SearchResults { ids, total: found.estimated_total_hits.or(found.total_hits).unwrap_or(0), facets, range })
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
}
