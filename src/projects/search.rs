//! The `project_ideas` search index (`search-config/project_ideas.json`): published ideas in
//! every language with their places, through the same `SearchEngine` as products (embedded or
//! Meilisearch), kept in step by outbox rows written with each publication, change or archiving.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::model::*;
use super::store;
use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::AppError;
use crate::outbox::OutboxRow;
use crate::registry::service as registry;
use crate::search::embedded::{EmbeddedIndex, Filter, SearchDocument};
use crate::search::{SearchEngine, meili};

pub const INDEX: &str = "project_ideas";
pub const SEARCH_OUTBOX_KIND: &str = "project_idea_search";

/// The engine that holds the `project_ideas` index.
#[derive(Clone)]
pub struct IdeaSearch(pub Arc<dyn SearchEngine>);

/// Queues an index update of these ideas in the caller's transaction.
pub fn enqueue_sync(conn: &mut DbConn, idea_ids: &[i64]) -> Result<(), AppError> {
    crate::outbox::enqueue(conn, SEARCH_OUTBOX_KIND, &serde_json::json!({ "idea_ids": idea_ids }))
}

/// Investment bands, by the bottom of the idea's range (MAD).
pub fn investment_band(min_minor: i64) -> &'static str {
    match min_minor / 100 {
        m if m < 50_000 => "UNDER_50K",
        m if m < 200_000 => "50K_200K",
        m if m < 500_000 => "200K_500K",
        m if m < 1_000_000 => "500K_1M",
        _ => "1M_PLUS",
    }
}

/// Direct jobs bands.
pub fn jobs_band(jobs: i32) -> &'static str {
    match jobs {
        j if j < 5 => "UNDER_5",
        j if j < 10 => "5_9",
        j if j < 20 => "10_19",
        _ => "20_PLUS",
    }
}

/// The search documents of these ideas; `None` for one that must not be found (unknown or not published).
pub fn documents(conn: &mut DbConn, idea_ids: &[i64]) -> Result<Vec<(i64, Option<SearchDocument>)>, AppError> {
    let ideas = store::ideas_by_ids(conn, idea_ids)?;
    let region_ids: Vec<i64> = ideas.values().map(|i| i.region_id).collect();
    let sector_ids: Vec<i64> = ideas.values().map(|i| i.sector_id).collect();
    let province_ids: Vec<i64> = ideas.values().filter_map(|i| i.province_id).collect();
    let regions = registry::regions_by_ids(conn, &region_ids)?;
    let sectors = registry::sectors_by_ids(conn, &sector_ids)?;
    let provinces = store::provinces_by_ids(conn, &province_ids)?;
    Ok(idea_ids
        .iter()
        .map(|id| {
            let doc = ideas.get(id).filter(|i| i.status() == IdeaStatus::Published).map(|i| {
                let region = regions.get(&i.region_id);
                let province = i.province_id.and_then(|p| provinces.get(&p));
                let sector = sectors.get(&i.sector_id);
                let places: Vec<String> = region
                    .map(|r| r.name().all_text())
                    .into_iter()
                    .chain(province.map(|p| p.name().all_text()))
                    .collect();
                let feasibility = i.feasibility();
                let body = [
                    json_localized(&i.description).all_text(),
                    json_localized(&i.rationale).all_text(),
                    i.value_chain.clone(),
                    sector.map(|s| s.name().all_text()).unwrap_or_default(),
                    feasibility.market.all_text(),
                ]
                .join("\n");
                let mut doc = SearchDocument {
                    id: i.id,
                    version: 0,
                    text: BTreeMap::from([
                        ("title".to_string(), json_localized(&i.title).all_text()),
                        ("summary".to_string(), json_localized(&i.summary).all_text()),
                        ("places".to_string(), places.join("\n")),
                        ("body".to_string(), body),
                    ]),
                    keywords: BTreeMap::from([
                        ("region".to_string(), region.map(|r| vec![r.code.clone()]).unwrap_or_default()),
                        ("province".to_string(), province.map(|p| vec![p.code.clone()]).unwrap_or_default()),
                        ("sector".to_string(), sector.map(|s| vec![s.code.clone()]).unwrap_or_default()),
                        (
                            "target_groups".to_string(),
                            i.target_groups().iter().map(|g| g.as_str().to_string()).collect(),
                        ),
                        (
                            "funding".to_string(),
                            i.funding_instruments().iter().map(|f| f.as_str().to_string()).collect(),
                        ),
                        ("investment_band".to_string(), vec![investment_band(i.investment_min_minor).to_string()]),
                        ("jobs_band".to_string(), vec![jobs_band(i.expected_jobs).to_string()]),
                    ]),
                    numbers: BTreeMap::from([
                        ("investment_min".to_string(), i.investment_min_minor / 100),
                        ("jobs".to_string(), i.expected_jobs as i64),
                        (
                            "published_at".to_string(),
                            i.published_at.unwrap_or(i.created_at).and_utc().timestamp_micros(),
                        ),
                    ]),
                    flags: BTreeMap::new(),
                };
                doc.version = doc.fingerprint();
                doc
            });
            (*id, doc)
        })
        .collect())
}

/// The index's side of a filter (codes already checked against the database).
pub fn filters(filter: &IdeaFilter) -> Vec<Filter> {
    let mut out = Vec::new();
    let mut any = |field: &str, values: Vec<String>| {
        if !values.is_empty() {
            out.push(Filter::AnyOf(field.into(), values));
        }
    };
    any("region", filter.region_codes.iter().map(|c| c.trim().to_string()).collect());
    any("province", filter.province_codes.iter().map(|c| c.trim().to_string()).collect());
    any("sector", filter.sector_codes.iter().map(|c| c.trim().to_string()).collect());
    any("target_groups", filter.target_groups.iter().map(|g| g.as_str().to_string()).collect());
    any("funding", filter.funding_instruments.iter().map(|f| f.as_str().to_string()).collect());
    if let Some(max) = filter.max_investment {
        out.push(Filter::Range { field: "investment_min".into(), min: None, max: Some(max) });
    }
    if let Some(min) = filter.min_jobs {
        out.push(Filter::Range { field: "jobs".into(), min: Some(min as i64), max: None });
    }
    out
}

/// Brings these ideas' entries up to date (idempotent, so the outbox may deliver twice).
pub async fn sync(db: &Db, engine: &dyn SearchEngine, idea_ids: Vec<i64>) -> Result<(), AppError> {
    let docs = db.run(move |conn| documents(conn, &idea_ids)).await?;
    crate::search::apply(engine, docs).await
}

#[derive(Deserialize)]
struct IdeasChanged {
    idea_ids: Vec<i64>,
}

/// Delivers one outbox row of this index.
pub async fn deliver(db: &Db, engine: &dyn SearchEngine, row: &OutboxRow) -> Result<(), String> {
    let changed: IdeasChanged = serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
    sync(db, engine, changed.idea_ids).await.map_err(|e| e.detail())
}

/// Indexes every published idea into `index` (which should be empty).
pub fn rebuild(conn: &mut DbConn, index: &EmbeddedIndex) -> Result<usize, AppError> {
    let ids = store::published_idea_ids(conn)?;
    let mut n = 0;
    for chunk in ids.chunks(2000) {
        let present: Vec<_> = documents(conn, chunk)?.into_iter().filter_map(|(_, d)| d).collect();
        n += present.len();
        index.upsert(&present).map_err(AppError::internal)?;
    }
    Ok(n)
}

/// Rebuilds the Meilisearch index into a staging twin, then swaps it in.
pub async fn rebuild_meili(db: &Db, live: &meili::MeiliIndex) -> Result<usize, AppError> {
    let staging = live.staging("rebuild");
    staging.apply_settings().await.map_err(AppError::internal)?;
    let present = db
        .run(|conn| {
            let ids = store::published_idea_ids(conn)?;
            Ok(documents(conn, &ids)?.into_iter().filter_map(|(_, d)| d).collect::<Vec<_>>())
        })
        .await?;
    let n = present.len();
    staging.upsert(&present).await.map_err(AppError::internal)?;
    live.swap_in(&staging).await.map_err(AppError::internal)?;
    Ok(n)
}
