//! Search: text folding shared by every engine, and the index configuration in
//! `search-config/` from which each engine's settings are derived.

pub mod bench;
pub mod config;
pub mod embedded;
pub mod graphql;
pub mod normalize;

use std::sync::Arc;
use std::time::Duration;

use crate::catalog::service as catalog;
use crate::db::Db;
use crate::error::AppError;
use embedded::{EmbeddedIndex, SearchError};

/// Opens the products index in `dir`, waiting briefly for a previous owner of the
/// directory (a restarting server) to let go of it.
pub fn open_products(dir: &std::path::Path, config: Arc<config::SearchConfig>) -> Result<EmbeddedIndex, SearchError> {
    let mut last = None;
    for _ in 0..50 {
        match EmbeddedIndex::open(dir, "products", config.clone()) {
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
pub async fn sync_products(db: &Db, index: Arc<EmbeddedIndex>, product_ids: Vec<i64>) -> Result<(), AppError> {
    let docs = db.run(move |conn| catalog::search_documents(conn, &product_ids)).await?;
    tokio::task::spawn_blocking(move || {
        let (present, gone): (Vec<_>, Vec<_>) = docs.into_iter().partition(|(_, d)| d.is_some());
        index.upsert(&present.into_iter().filter_map(|(_, d)| d).collect::<Vec<_>>())?;
        index.delete(&gone.into_iter().map(|(id, _)| id).collect::<Vec<_>>())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Indexes every product from the database into `index` (which should be empty), in pages;
/// `progress` is told how many products were read so far.
pub fn rebuild(
    conn: &mut crate::db::DbConn,
    index: &EmbeddedIndex,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    let mut after = 0;
    let mut indexed = 0;
    loop {
        let ids = catalog::product_ids_after(conn, after, 2000)?;
        let Some(last) = ids.last().copied() else { break };
        let docs = catalog::search_documents(conn, &ids)?;
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

pub fn verify(conn: &mut crate::db::DbConn, index: &EmbeddedIndex) -> Result<Drift, AppError> {
    let mut indexed = index.versions().map_err(AppError::internal)?;
    let mut drift = Drift::default();
    let mut after = 0;
    loop {
        let ids = catalog::product_ids_after(conn, after, 2000)?;
        let Some(last) = ids.last().copied() else { break };
        for (id, doc) in catalog::search_documents(conn, &ids)? {
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
