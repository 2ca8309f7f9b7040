//! Search: the `SearchEngine` trait with the embedded index and Meilisearch behind it, the
//! index configuration in `search-config/` from which each engine's settings are derived,
//! the products' search documents, and keeping the index in step with the database.

pub mod config;
pub mod documents;
pub mod embedded;
mod facets;
pub mod graphql;
pub mod instances;
pub mod meili;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use serde::Deserialize;

use crate::catalog::service as catalog;
use crate::kernel::cpu::CpuBound;
use crate::kernel::db::Db;
use crate::kernel::error::AppError;
use crate::outbox::OutboxRow;
use crate::registry::service::{COOPERATIVE_CHANGED_KIND, CooperativeChanged};
use embedded::{EmbeddedIndex, SearchDocument, SearchError, SearchQuery, SearchResults};

/// What the API needs from a search engine; the embedded index and Meilisearch implement it.
pub trait SearchEngine: Send + Sync {
    /// Applies the settings derived from `search-config/` (idempotent).
    fn apply_settings(&self) -> BoxFuture<'_, Result<(), SearchError>>;
    fn upsert(&self, docs: Vec<SearchDocument>) -> BoxFuture<'_, Result<(), SearchError>>;
    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>>;
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<SearchResults, SearchError>>;
}

/// The embedded index behind the trait: its blocking work runs off the async threads.
pub struct Embedded(pub Arc<EmbeddedIndex>);

/// Searches are CPU work: more of them at once than there are cores only adds threads, each
/// with its stack and allocations, so the rest wait here as tasks.
static SEARCHING: CpuBound = CpuBound::per_core();

impl Embedded {
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&EmbeddedIndex) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let index = self.0.clone();
        SEARCHING.run(move || work(&index)).await.map_err(|e| SearchError(e.to_string()))?
    }
}

impl SearchEngine for Embedded {
    fn apply_settings(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        // The schema is derived from the configuration when the index opens.
        Box::pin(async { Ok(()) })
    }
    fn upsert(&self, docs: Vec<SearchDocument>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(self.blocking(move |i| i.upsert(&docs)))
    }
    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(self.blocking(move |i| i.delete(&ids)))
    }
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<SearchResults, SearchError>> {
        Box::pin(self.blocking(move |i| i.search(&query)))
    }
}

impl SearchEngine for meili::MeiliIndex {
    fn apply_settings(&self) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(meili::MeiliIndex::apply_settings(self))
    }
    fn upsert(&self, docs: Vec<SearchDocument>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { meili::MeiliIndex::upsert(self, &docs).await })
    }
    fn delete(&self, ids: Vec<i64>) -> BoxFuture<'_, Result<(), SearchError>> {
        Box::pin(async move { meili::MeiliIndex::delete(self, &ids).await })
    }
    fn search(&self, query: SearchQuery) -> BoxFuture<'_, Result<SearchResults, SearchError>> {
        Box::pin(async move { meili::MeiliIndex::search(self, &query).await })
    }
}

/// Opens the products index in `dir` (see `open_index`).
pub fn open_products(dir: &std::path::Path, config: Arc<config::SearchConfig>) -> Result<EmbeddedIndex, SearchError> {
    open_index(dir, "products", config)
}

/// Opens an embedded index in `dir`, waiting briefly for a previous owner of the directory
/// (a restarting server) to let go of it.
pub fn open_index(
    dir: &std::path::Path,
    name: &str,
    config: Arc<config::SearchConfig>,
) -> Result<EmbeddedIndex, SearchError> {
    let mut last = None;
    for _ in 0..50 {
        match EmbeddedIndex::open(dir, name, config.clone()) {
            Ok(index) => return Ok(index),
            Err(e) if e.0.to_lowercase().contains("lock") => {
                last = Some(e);
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| SearchError("cannot open the index".into())))
}

/// Brings these products' entries up to date: indexed when they may be found, removed
/// otherwise. Idempotent, so the outbox may deliver it twice.
pub async fn sync_products(db: &Db, engine: &dyn SearchEngine, product_ids: Vec<i64>) -> Result<(), AppError> {
    let docs = db.run(move |conn| documents::search_documents(conn, &product_ids)).await?;
    apply(engine, docs).await
}

/// Applies freshly built documents to an index: `Some` upserted, `None` (not to be found) deleted.
pub async fn apply(engine: &dyn SearchEngine, docs: Vec<(i64, Option<SearchDocument>)>) -> Result<(), AppError> {
    let (present, gone): (Vec<_>, Vec<_>) = docs.into_iter().partition(|(_, d)| d.is_some());
    engine.upsert(present.into_iter().filter_map(|(_, d)| d).collect()).await.map_err(AppError::internal)?;
    engine.delete(gone.into_iter().map(|(id, _)| id).collect()).await.map_err(AppError::internal)
}

#[derive(Deserialize)]
struct ProductsChanged {
    product_ids: Vec<i64>,
}

/// Whether the index follows this outbox kind: products changed (the catalogue), or a
/// cooperative changed (the register), which changes how its products are found.
pub fn follows(kind: &str) -> bool {
    kind == catalog::SEARCH_OUTBOX_KIND || kind == COOPERATIVE_CHANGED_KIND
}

/// Delivers the index updates of a batch of outbox rows as one sync (one commit); a row
/// whose payload cannot be read fails alone. One outcome per row, in order.
pub async fn deliver(db: &Db, engine: &dyn SearchEngine, rows: &[&OutboxRow]) -> Vec<Result<(), String>> {
    let mut product_ids = Vec::new();
    let mut cooperative_ids = Vec::new();
    let mut unreadable = std::collections::HashMap::new();
    for row in rows {
        let read = if row.kind == COOPERATIVE_CHANGED_KIND {
            serde_json::from_str::<CooperativeChanged>(&row.payload).map(|c| cooperative_ids.push(c.cooperative_id))
        } else {
            serde_json::from_str::<ProductsChanged>(&row.payload).map(|p| product_ids.extend(p.product_ids))
        };
        if let Err(e) = read {
            unreadable.insert(row.id, e.to_string());
        }
    }
    let outcome = async {
        if !cooperative_ids.is_empty() {
            let of_cooperatives = db
                .run(move |conn| {
                    let mut ids = Vec::new();
                    for id in cooperative_ids {
                        ids.extend(catalog::product_ids_of_cooperative(conn, id)?);
                    }
                    Ok(ids)
                })
                .await?;
            product_ids.extend(of_cooperatives);
        }
        product_ids.sort_unstable();
        product_ids.dedup();
        if product_ids.is_empty() { Ok(()) } else { sync_products(db, engine, product_ids).await }
    }
    .await
    .map_err(|e| e.detail());
    rows.iter()
        .map(|row| match unreadable.get(&row.id) {
            Some(e) => Err(e.clone()),
            None => outcome.clone(),
        })
        .collect()
}

/// Indexes every product from the database into `index` (which should be empty), in pages;
/// `progress` is told how many products were read so far.
pub fn rebuild(
    conn: &mut crate::kernel::db::DbConn,
    index: &EmbeddedIndex,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    let mut after = 0;
    let mut indexed = 0;
    loop {
        let ids = catalog::product_ids_after(conn, after, 2000)?;
        let Some(last) = ids.last().copied() else { break };
        let docs = documents::search_documents(conn, &ids)?;
        let present: Vec<_> = docs.into_iter().filter_map(|(_, d)| d).collect();
        indexed += present.len();
        index.upsert(&present).map_err(AppError::internal)?;
        after = last;
        progress(indexed);
    }
    Ok(indexed)
}

/// Compares the index with the database: ids missing from the index, ids that should not
/// be there, and ids whose indexed version is stale.
#[derive(Debug, Default, PartialEq)]
pub struct Drift {
    pub missing: Vec<i64>,
    pub unexpected: Vec<i64>,
    pub stale: Vec<i64>,
}

pub fn verify(conn: &mut crate::kernel::db::DbConn, index: &EmbeddedIndex) -> Result<Drift, AppError> {
    verify_versions(conn, index.versions().map_err(AppError::internal)?)
}

/// Compares (id, version) pairs read from any engine with the database.
pub fn verify_versions(
    conn: &mut crate::kernel::db::DbConn,
    mut indexed: std::collections::BTreeMap<i64, i64>,
) -> Result<Drift, AppError> {
    let mut drift = Drift::default();
    let mut after = 0;
    loop {
        let ids = catalog::product_ids_after(conn, after, 2000)?;
        let Some(last) = ids.last().copied() else { break };
        for (id, doc) in documents::search_documents(conn, &ids)? {
            match (doc, indexed.remove(&id)) {
                (Some(d), Some(v)) if d.version != v => drift.stale.push(id),
                (Some(_), None) => drift.missing.push(id),
                (None, Some(_)) => drift.unexpected.push(id),
                _ => {}
            }
        }
        after = last;
    }
    drift.unexpected.extend(indexed.into_keys());
    Ok(drift)
}

/// Rebuilds the Meilisearch index from the database into a staging index with the same
/// settings, then swaps it in: searches never see an empty or half-built index.
pub async fn rebuild_meili(
    db: &Db,
    live: &meili::MeiliIndex,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    let staging = live.staging("rebuild");
    staging.apply_settings().await.map_err(AppError::internal)?;
    let mut after = 0;
    let mut indexed = 0;
    loop {
        let page = db
            .run(move |conn| {
                let ids = catalog::product_ids_after(conn, after, 2000)?;
                let docs = documents::search_documents(conn, &ids)?;
                Ok((ids.last().copied(), docs))
            })
            .await?;
        let (Some(last), docs) = page else { break };
        let present: Vec<_> = docs.into_iter().filter_map(|(_, d)| d).collect();
        indexed += present.len();
        staging.upsert(&present).await.map_err(AppError::internal)?;
        after = last;
        progress(indexed);
    }
    live.swap_in(&staging).await.map_err(AppError::internal)?;
    Ok(indexed)
}
