//! The `courses` search index (`search-config/courses.json`): published courses in every
//! language, through the same `SearchEngine` as products (embedded or Meilisearch), kept in
//! step by outbox rows written with each publication or archiving.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use serde::Deserialize;

use super::graphql::Course;
use super::loaders::{AcademyLoader, CourseKey};
use super::model::*;
use super::store;
use crate::kernel::db::{Db, DbConn};
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::OffsetCursor;
use crate::kernel::graphql::{loader_error, page_cost};
use crate::kernel::i18n::Locale;
use crate::msg;
use crate::outbox::OutboxRow;
use crate::registry::service as registry;
use crate::search::embedded::{EmbeddedIndex, Filter, SearchDocument, SearchQuery, Sort, words};
use crate::search::graphql::highlight;
use crate::search::{SearchEngine, meili};

pub const INDEX: &str = "courses";
pub const SEARCH_OUTBOX_KIND: &str = "course_search";

/// The engine that holds the `courses` index.
#[derive(Clone)]
pub struct CourseSearch(pub Arc<dyn SearchEngine>);

/// Queues an index update of these courses in the caller's transaction.
pub fn enqueue_sync(conn: &mut DbConn, course_ids: &[i64]) -> Result<(), AppError> {
    crate::outbox::enqueue(conn, SEARCH_OUTBOX_KIND, &serde_json::json!({ "course_ids": course_ids }))
}

/// The search documents of these courses; `None` for one that must not be found (unknown or
/// not published). The texts are those of the published version.
pub fn documents(conn: &mut DbConn, course_ids: &[i64]) -> Result<Vec<(i64, Option<SearchDocument>)>, AppError> {
    let courses = store::courses_by_ids(conn, course_ids)?;
    let versions = store::latest_versions(conn, course_ids)?;
    let sector_ids: Vec<i64> = courses.values().filter_map(|c| c.sector_id).collect();
    let sectors = registry::sectors_by_ids(conn, &sector_ids)?;
    Ok(course_ids
        .iter()
        .map(|id| {
            let doc = courses.get(id).filter(|c| c.status() == CourseStatus::Published).and_then(|c| {
                let content = versions.get(id)?.content();
                let outline: Vec<String> = content
                    .modules
                    .iter()
                    .flat_map(|m| {
                        std::iter::once(m.title.all_text()).chain(m.activities.iter().map(|a| a.title.all_text()))
                    })
                    .collect();
                let mut doc = SearchDocument {
                    id: c.id,
                    version: 0,
                    text: BTreeMap::from([
                        ("title".to_string(), content.title.all_text()),
                        ("summary".to_string(), content.summary.all_text()),
                        ("outline".to_string(), outline.join("\n")),
                    ]),
                    keywords: BTreeMap::from([
                        (
                            "sector".to_string(),
                            c.sector_id.and_then(|s| sectors.get(&s)).map(|s| vec![s.code.clone()]).unwrap_or_default(),
                        ),
                        ("level".to_string(), vec![c.level().as_str().to_string()]),
                        ("languages".to_string(), c.languages.split(',').map(str::to_string).collect()),
                    ]),
                    numbers: BTreeMap::from([
                        ("hours".to_string(), content.hours as i64),
                        ("created_at".to_string(), c.created_at.and_utc().timestamp_micros()),
                    ]),
                    flags: BTreeMap::new(),
                };
                doc.version = doc.fingerprint();
                Some(doc)
            });
            (*id, doc)
        })
        .collect())
}

/// Brings these courses' entries up to date (idempotent, so the outbox may deliver twice).
pub async fn sync(db: &Db, engine: &dyn SearchEngine, course_ids: Vec<i64>) -> Result<(), AppError> {
    let docs = db.run(move |conn| documents(conn, &course_ids)).await?;
    crate::search::apply(engine, docs).await
}

#[derive(Deserialize)]
struct CoursesChanged {
    course_ids: Vec<i64>,
}

/// Delivers one outbox row of this index.
pub async fn deliver(db: &Db, engine: &dyn SearchEngine, row: &OutboxRow) -> Result<(), String> {
    let changed: CoursesChanged = serde_json::from_str(&row.payload).map_err(|e| e.to_string())?;
    sync(db, engine, changed.course_ids).await.map_err(|e| e.detail())
}

/// Indexes every published course into `index` (which should be empty).
pub fn rebuild(conn: &mut DbConn, index: &EmbeddedIndex) -> Result<usize, AppError> {
    let ids = store::published_course_ids(conn)?;
    let present: Vec<_> = documents(conn, &ids)?.into_iter().filter_map(|(_, d)| d).collect();
    index.upsert(&present).map_err(AppError::internal)?;
    Ok(present.len())
}

/// Rebuilds the Meilisearch index into a staging twin, then swaps it in.
pub async fn rebuild_meili(db: &Db, live: &meili::MeiliIndex) -> Result<usize, AppError> {
    let staging = live.staging("rebuild");
    staging.apply_settings().await.map_err(AppError::internal)?;
    let present = db
        .run(|conn| {
            let ids = store::published_course_ids(conn)?;
            Ok(documents(conn, &ids)?.into_iter().filter_map(|(_, d)| d).collect::<Vec<_>>())
        })
        .await?;
    let n = present.len();
    staging.upsert(&present).await.map_err(AppError::internal)?;
    live.swap_in(&staging).await.map_err(AppError::internal)?;
    Ok(n)
}

// ---- GraphQL ----

/// What course search results can be counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum CourseFacet {
    Sector,
    Level,
    Language,
}

impl CourseFacet {
    fn field(self) -> &'static str {
        match self {
            CourseFacet::Sector => "sector",
            CourseFacet::Level => "level",
            CourseFacet::Language => "languages",
        }
    }
}

#[derive(SimpleObject)]
pub struct CourseFacetValue {
    /// A sector code, a level or a locale code.
    pub value: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct CourseFacetResult {
    pub name: CourseFacet,
    pub values: Vec<CourseFacetValue>,
}

#[derive(SimpleObject)]
pub struct CourseSearchExtras {
    pub total_count: i64,
    pub facets: Vec<CourseFacetResult>,
}

/// A course found, with its title in the request's language, matched words in `<mark>`.
#[derive(SimpleObject)]
pub struct CourseSearchHit {
    pub course: Course,
    pub highlighted_title: String,
}

pub type CourseSearchConnection = Connection<OffsetCursor, CourseSearchHit, CourseSearchExtras>;

#[derive(Default)]
pub struct CourseSearchQuery;

#[Object]
impl CourseSearchQuery {
    /// Full-text search over published courses (titles, summaries, module and activity
    /// titles) in every language, with the catalogue's folding, typo tolerance and synonyms.
    /// An empty query browses, newest first.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, None, child_complexity) + facets.len() * 100")]
    async fn course_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] query: String,
        language: Option<Locale>,
        level: Option<CourseLevel>,
        sector_code: Option<String>,
        #[graphql(default)] facets: Vec<CourseFacet>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CourseSearchConnection> {
        if query.chars().count() > 200 {
            return Err(AppError::user(ErrorCode::TooLong, &["query"], msg!("at most 200 characters")).into());
        }
        if facets.iter().collect::<std::collections::HashSet<_>>().len() != facets.len() {
            return Err(AppError::user(ErrorCode::Duplicate, &["facets"], msg!("each facet at most once")).into());
        }
        let args = ctx.page_args(after, None, first, None)?;
        let window = args.offset_window()?;
        let mut filters = Vec::new();
        if let Some(l) = language {
            filters.push(Filter::Equals("languages".into(), l.code().into()));
        }
        if let Some(l) = level {
            filters.push(Filter::Equals("level".into(), l.as_str().into()));
        }
        if let Some(code) = sector_code.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()) {
            let known = ctx.db().run({
                let code = code.clone();
                move |conn| registry::sector_by_code(conn, &code)
            });
            if known.await?.is_none() {
                return Err(AppError::user(ErrorCode::SectorNotFound, &["sectorCode"], msg!("no such sector")).into());
            }
            filters.push(Filter::Equals("sector".into(), code));
        }
        let sort = if query.trim().is_empty() {
            Sort::Field { field: "created_at".into(), descending: true }
        } else {
            Sort::Relevance
        };
        let query_words: Vec<String> = words(&query).into_iter().map(|(_, _, w)| w).collect();
        let locale = ctx.locale(None);
        let search = SearchQuery {
            text: query,
            filters,
            facets: facets.iter().map(|f| f.field().to_string()).collect(),
            sort,
            offset: window.offset,
            limit: window.limit + 1,
            range_of: None,
        };
        let engine = ctx.data_unchecked::<CourseSearch>();
        let results = engine.0.search(search).await.map_err(AppError::internal)?;
        let has_next = results.ids.len() > window.limit;
        let page: Vec<i64> = results.ids.iter().take(window.limit).copied().collect();
        let found = ctx
            .loader::<AcademyLoader>()
            .load_many(page.iter().map(|id| CourseKey(*id)))
            .await
            .map_err(loader_error)?;
        // The index may lag a withdrawal by a moment: only published courses are answered.
        let courses: Vec<CourseSearchHit> = page
            .iter()
            .filter_map(|id| found.get(&CourseKey(*id)).cloned())
            .filter(|c| c.status() == CourseStatus::Published)
            .map(|c| CourseSearchHit {
                highlighted_title: highlight(&c.title().resolve(locale).text, &query_words, None).0,
                course: Course(c),
            })
            .collect();
        let facet_results = facets
            .into_iter()
            .map(|f| CourseFacetResult {
                name: f,
                values: results
                    .facets
                    .get(f.field())
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(value, count)| CourseFacetValue { value, count: count as i64 })
                    .collect(),
            })
            .collect();
        let mut connection = Connection::with_additional_fields(
            window.offset > 0,
            has_next,
            CourseSearchExtras { total_count: results.total as i64, facets: facet_results },
        );
        connection
            .edges
            .extend(courses.into_iter().enumerate().map(|(i, c)| Edge::new(OffsetCursor(window.offset + i), c)));
        Ok(connection)
    }
}
