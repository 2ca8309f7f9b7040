//! `productSearch`: typed filters compiled for the engine, facets with labels, highlights.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use super::SearchEngine;
use super::embedded::{Filter, SearchQuery, SearchResults, Sort, words};
use crate::catalog::graphql::{Category, Cooperative, Product, visible_products};
use crate::catalog::loaders::{CatalogLoader, CategoryKey};
use crate::catalog::model::{LabelType, ProductFilterInput, ProductQuery, ProductSortKey};
use crate::catalog::service as catalog;
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::page_cost;
use crate::kernel::graphql::relay::OffsetCursor;
use crate::kernel::graphql::{ids, loader_error};
use crate::kernel::i18n::Locale;
use crate::kernel::money::Money;
use crate::msg;
use crate::registry::loaders::{CooperativeKey, RegistryLoader};

/// A dimension search results are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum SearchFacet {
    Region,
    Category,
    Label,
    Cooperative,
    Sector,
}

/// What one facet costs towards the complexity limit (its counts are an aggregation).
const FACET_COST: usize = 100;

impl SearchFacet {
    fn field(self) -> &'static str {
        match self {
            SearchFacet::Region => "region",
            SearchFacet::Category => "category",
            SearchFacet::Label => "labels",
            SearchFacet::Cooperative => "cooperative",
            SearchFacet::Sector => "sector",
        }
    }
}

/// The order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SearchSortKey {
    Relevance,
    Price,
    Newest,
}

#[derive(SimpleObject)]
pub struct FacetValue {
    /// What to pass back in the filter (a region code, a category or cooperative id, a label type).
    pub value: String,
    pub label: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct FacetResult {
    pub name: SearchFacet,
    pub values: Vec<FacetValue>,
}

#[derive(SimpleObject)]
pub struct SearchPriceRange {
    pub min: Money,
    pub max: Money,
}

#[derive(SimpleObject)]
pub struct SearchExtras {
    pub total_count: i64,
    pub facets: Vec<FacetResult>,
    pub price_range: Option<SearchPriceRange>,
    /// Whether words of the query were left out: when no product matches every word, the
    /// last words are dropped one by one until some do (the first word is always kept), as
    /// Meilisearch does; words after the tenth are never read. The results then match the
    /// other words only; `ignoredWords` says which were left out.
    pub relaxed: bool,
    /// The words of the query left out, as typed, in the query's order; empty unless
    /// `relaxed`.
    pub ignored_words: Vec<String>,
}

#[derive(SimpleObject)]
pub struct SearchHit {
    pub product: Product,
    /// The name in the request's language, matched words in `<mark>`.
    pub highlighted_name: String,
    /// Words of the description around the first match, matched words in `<mark>`.
    pub snippet: Option<String>,
}

pub type SearchConnection = Connection<OffsetCursor, SearchHit, SearchExtras>;

/// Wraps the words of `text` that match the query in `<mark>`; HTML in `text` is escaped.
pub fn highlight(text: &str, query: &[String], crop: Option<usize>) -> (String, bool) {
    let found = words(text);
    let is_match = |w: &str| {
        query
            .iter()
            .enumerate()
            .any(|(i, q)| w == q || (i + 1 == query.len() && q.chars().count() >= 2 && w.starts_with(q.as_str())))
    };
    let marks: Vec<(usize, usize)> = found.iter().filter(|(_, _, w)| is_match(w)).map(|(s, e, _)| (*s, *e)).collect();
    let (start, end) = match (crop, marks.first()) {
        (Some(n), first) => {
            let anchor = first.map(|(s, _)| *s).unwrap_or(0);
            let idx = found.iter().position(|(s, _, _)| *s >= anchor).unwrap_or(0);
            let from = found.get(idx.saturating_sub(n / 3)).map(|(s, _, _)| *s).unwrap_or(0);
            let to = found.get((idx + n).min(found.len().saturating_sub(1))).map(|(_, e, _)| *e).unwrap_or(text.len());
            (from, to.max(from))
        }
        (None, _) => (0, text.len()),
    };
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for (s, e) in marks.iter().filter(|(s, e)| *s >= start && *e <= end) {
        if *s < at {
            continue;
        }
        out.push_str(&escape(&text[at..*s]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[*s..*e]));
        out.push_str("</mark>");
        at = *e;
    }
    out.push_str(&escape(&text[at..end]));
    if end < text.len() {
        out.push('…');
    }
    (out, !marks.is_empty())
}

#[derive(Default)]
pub struct SearchQueryRoot;

#[Object]
impl SearchQueryRoot {
    /// Full-text search over published products, in Arabic, French, English or Amazigh, with
    /// typo tolerance, synonyms, facets and highlights. An empty query browses. When no product
    /// matches every word, the last words are left out until some do (`relaxed`).
    /// Unlike lists, results are ranked: their cursors are positions in the ranking, so a
    /// product indexed between two page loads can shift later pages by one.
    /// Each facet asked for is counted: at most one of each, and each costs as much as a page.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, None, child_complexity) + facets.len() * FACET_COST")]
    async fn product_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] query: String,
        filter: Option<ProductFilterInput>,
        #[graphql(default)] facets: Vec<SearchFacet>,
        #[graphql(default_with = "Some(SearchSortKey::Relevance)")] sort_key: Option<SearchSortKey>,
        #[graphql(default_with = "Some(false)")] reverse: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchConnection> {
        if query.chars().count() > 200 {
            return Err(AppError::user(ErrorCode::TooLong, &["query"], msg!("at most 200 characters")).into());
        }
        let distinct: std::collections::HashSet<SearchFacet> = facets.iter().copied().collect();
        if distinct.len() != facets.len() {
            return Err(AppError::user(ErrorCode::Duplicate, &["facets"], msg!("each facet at most once")).into());
        }
        let args = ctx.page_args(after, None, first, None)?;
        let window = args.offset_window()?;
        let filter = filter.unwrap_or_default();
        let locale = ctx.locale(None);
        // Validates every code and id the same way the catalogue listing does.
        let resolved = {
            let filter = filter.clone();
            ctx.db()
                .run(move |conn| catalog::product_query(conn, &filter, ProductSortKey::Relevance, false, locale))
                .await?
        };
        let filters = engine_filters(&filter, &resolved);
        let sort = engine_sort(sort_key.unwrap_or(SearchSortKey::Relevance), reverse.unwrap_or(false));
        let search_query = SearchQuery {
            text: query.clone(),
            filters,
            facets: facets.iter().map(|f| f.field().to_string()).collect(),
            sort,
            offset: window.offset,
            limit: window.limit + 1,
            range_of: Some("price".into()),
        };
        let engine = ctx.data_unchecked::<Arc<dyn SearchEngine>>();
        let results = engine.search(search_query).await.map_err(AppError::internal)?;

        let query_words: Vec<String> = words(&query).into_iter().map(|(_, _, w)| w).collect();
        let has_next = results.ids.len() > window.limit;
        let page: Vec<i64> = results.ids.iter().take(window.limit).copied().collect();
        let hits = search_hits(ctx, &page, &query_words, locale).await?;
        let facet_results = facet_results(ctx, facets, &results, locale).await?;
        let mut connection = Connection::with_additional_fields(
            window.offset > 0,
            has_next,
            SearchExtras {
                total_count: results.total as i64,
                facets: facet_results,
                price_range: results
                    .range
                    .map(|(min, max)| SearchPriceRange { min: Money::mad(min), max: Money::mad(max) }),
                relaxed: !results.ignored_words.is_empty(),
                ignored_words: results.ignored_words,
            },
        );
        connection
            .edges
            .extend(hits.into_iter().enumerate().map(|(i, hit)| Edge::new(OffsetCursor(window.offset + i), hit)));
        Ok(connection)
    }
}

/// The engine's filters for the storefront's filter (codes and ids already checked).
fn engine_filters(filter: &ProductFilterInput, resolved: &ProductQuery) -> Vec<Filter> {
    let mut filters = Vec::new();
    if let Some(code) = &filter.region {
        filters.push(Filter::Equals("region".into(), code.trim().into()));
    }
    if let Some(code) = &filter.sector {
        filters.push(Filter::Equals("sector".into(), code.trim().into()));
    }
    if let Some(id) = filter.category.as_ref().and_then(|id| ids::decode(id, "Category")) {
        filters.push(Filter::Equals("category".into(), id.to_string()));
    }
    if let Some(id) = resolved.cooperative_id {
        filters.push(Filter::Equals("cooperative".into(), id.to_string()));
    }
    if let Some(label) = filter.label {
        filters.push(Filter::Equals("labels".into(), label.as_str().into()));
    }
    if resolved.price_min.is_some() || resolved.price_max.is_some() {
        filters.push(Filter::Range { field: "price".into(), min: resolved.price_min, max: resolved.price_max });
    }
    if let Some(in_stock) = filter.in_stock {
        filters.push(Filter::Flag("in_stock".into(), in_stock));
    }
    filters
}

fn engine_sort(sort_key: SearchSortKey, reverse: bool) -> Sort {
    match sort_key {
        SearchSortKey::Relevance => Sort::Relevance,
        SearchSortKey::Price => Sort::Field { field: "price".into(), descending: reverse },
        SearchSortKey::Newest => Sort::Field { field: "created_at".into(), descending: !reverse },
    }
}

/// The visible products among the engine's page, with their highlighted name and snippet.
async fn search_hits(
    ctx: &Context<'_>,
    page: &[i64],
    query_words: &[String],
    locale: Locale,
) -> Result<Vec<SearchHit>> {
    let mut hits = Vec::new();
    for product in visible_products(ctx, page).await? {
        let name = product.0.name().resolve(locale).text;
        let description = product.0.description().resolve(locale).text;
        let (snippet, matched) = highlight(&description, query_words, Some(24));
        hits.push(SearchHit {
            highlighted_name: highlight(&name, query_words, None).0,
            snippet: (matched || query_words.is_empty()).then_some(snippet),
            product,
        });
    }
    Ok(hits)
}

/// The counts of each facet asked for, with labels in the caller's language.
async fn facet_results(
    ctx: &Context<'_>,
    facets: Vec<SearchFacet>,
    results: &SearchResults,
    locale: Locale,
) -> Result<Vec<FacetResult>> {
    let mut facet_results = Vec::new();
    for facet in facets {
        let counts = results.facets.get(facet.field()).cloned().unwrap_or_default();
        let labels = facet_labels(ctx, facet, counts.iter().map(|(v, _)| v.as_str()), locale).await?;
        let values = counts
            .into_iter()
            .map(|(value, count)| FacetValue {
                label: labels.get(&value).cloned().unwrap_or_else(|| value.clone()),
                value: match facet {
                    SearchFacet::Category => value.parse().map(|id| ids::encode("Category", id).0).unwrap_or(value),
                    SearchFacet::Cooperative => {
                        value.parse().map(|id| ids::encode("Cooperative", id).0).unwrap_or(value)
                    }
                    _ => value,
                },
                count: count as i64,
            })
            .collect();
        facet_results.push(FacetResult { name: facet, values });
    }
    Ok(facet_results)
}

#[derive(SimpleObject)]
pub struct ProductSuggestion {
    pub product: Product,
    /// The name in the caller's language, with the typed part in `<mark>`.
    pub highlighted_name: String,
}

#[derive(SimpleObject)]
pub struct SearchSuggestions {
    pub products: Vec<ProductSuggestion>,
    pub categories: Vec<Category>,
    pub cooperatives: Vec<Cooperative>,
}

#[derive(Default)]
pub struct SuggestQueryRoot;

#[Object]
impl SuggestQueryRoot {
    /// Search as you type: a few products, and the categories and cooperatives they belong to.
    async fn search_suggest(
        &self,
        ctx: &Context<'_>,
        prefix: String,
        #[graphql(default = 5)] limit: i32,
    ) -> Result<SearchSuggestions> {
        let limit = limit.clamp(1, 10) as usize;
        let query_words: Vec<String> = words(&prefix).into_iter().map(|(_, _, w)| w).collect();
        if query_words.is_empty() || prefix.chars().count() > 100 {
            return Ok(SearchSuggestions { products: vec![], categories: vec![], cooperatives: vec![] });
        }
        let engine = ctx.data_unchecked::<Arc<dyn SearchEngine>>();
        let q = SearchQuery {
            text: prefix,
            filters: vec![],
            facets: vec![],
            sort: Sort::Relevance,
            offset: 0,
            limit: limit * 4,
            range_of: None,
        };
        let results = engine.search(q).await.map_err(AppError::internal)?;
        let locale = ctx.locale(None);
        let found = visible_products(ctx, &results.ids).await?;
        let mut category_ids: Vec<i64> = Vec::new();
        let mut cooperative_ids: Vec<i64> = Vec::new();
        for p in &found {
            if let Some(c) = p.0.category_id.filter(|c| !category_ids.contains(c)) {
                category_ids.push(c);
            }
            if !cooperative_ids.contains(&p.0.cooperative_id) {
                cooperative_ids.push(p.0.cooperative_id);
            }
        }
        category_ids.truncate(limit);
        cooperative_ids.truncate(limit);
        let category_rows = ctx
            .loader::<CatalogLoader>()
            .load_many(category_ids.iter().map(|c| CategoryKey(*c)))
            .await
            .map_err(loader_error)?;
        let cooperative_rows = ctx
            .loader::<RegistryLoader>()
            .load_many(cooperative_ids.iter().map(|c| CooperativeKey(*c)))
            .await
            .map_err(loader_error)?;
        let mut categories: Vec<Category> =
            category_ids.iter().filter_map(|c| category_rows.get(&CategoryKey(*c)).cloned().map(Category)).collect();
        let mut cooperatives: Vec<Cooperative> = cooperative_ids
            .iter()
            .filter_map(|c| cooperative_rows.get(&CooperativeKey(*c)).cloned().map(Cooperative))
            .collect();
        let products: Vec<ProductSuggestion> = found
            .into_iter()
            .take(limit)
            .map(|product| {
                let name = product.0.name().resolve(locale).text;
                ProductSuggestion { highlighted_name: highlight(&name, &query_words, None).0, product }
            })
            .collect();
        categories.truncate(limit);
        cooperatives.truncate(limit);
        Ok(SearchSuggestions { products, categories, cooperatives })
    }
}

/// Labels for a facet's values in the caller's language: one query or batched load per facet.
async fn facet_labels<'v>(
    ctx: &Context<'_>,
    facet: SearchFacet,
    values: impl Iterator<Item = &'v str>,
    locale: Locale,
) -> Result<HashMap<String, String>> {
    let values: Vec<&str> = values.collect();
    let numeric = || values.iter().filter_map(|v| v.parse::<i64>().ok()).collect::<Vec<_>>();
    Ok(match facet {
        SearchFacet::Region | SearchFacet::Sector => {
            let (regions, sectors) = ctx.db().run(crate::registry::service::regions_and_sectors).await?;
            let names = match facet {
                SearchFacet::Region => regions.into_iter().map(|r| (r.code.clone(), r.name())).collect::<Vec<_>>(),
                _ => sectors.into_iter().map(|s| (s.code.clone(), s.name())).collect(),
            };
            names.into_iter().map(|(code, name)| (code, name.resolve(locale).text)).collect()
        }
        SearchFacet::Category => ctx
            .loader::<CatalogLoader>()
            .load_many(numeric().into_iter().map(CategoryKey))
            .await
            .map_err(loader_error)?
            .into_iter()
            .map(|(k, c)| (k.0.to_string(), c.name().resolve(locale).text))
            .collect(),
        SearchFacet::Cooperative => ctx
            .loader::<RegistryLoader>()
            .load_many(numeric().into_iter().map(CooperativeKey))
            .await
            .map_err(loader_error)?
            .into_iter()
            .map(|(k, c)| (k.0.to_string(), c.name().resolve(locale).text))
            .collect(),
        SearchFacet::Label => {
            values.iter().filter_map(|v| LabelType::parse(v).map(|l| (v.to_string(), l.as_str().to_string()))).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_mark_matches_and_escape_html() {
        let q = vec!["argan".to_string()];
        assert_eq!(highlight("Huile d'argan <bio>", &q, None).0, "Huile d'<mark>argan</mark> &lt;bio&gt;");
        let q = vec!["اركان".to_string()];
        // charabia separates the article, so the mark covers the noun.
        assert_eq!(highlight("زيت الأركان", &q, None).0, "زيت ال<mark>أركان</mark>");
        let (snippet, matched) =
            highlight("un deux trois quatre cinq six sept huit argan neuf dix", &["argan".into()], Some(4));
        assert!(matched && snippet.starts_with('…') && snippet.contains("<mark>argan</mark>"), "{snippet}");
    }
}
