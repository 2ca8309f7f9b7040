//! Saved-search alerts: once a day at most, a saved search whose owner opted in gets one email
//! listing the ideas published and the calls opened since its last digest that match it. Each
//! email carries a fresh one-click unsubscribe link; the digest is queued in the outbox in the
//! same transaction that marks it sent, so none is lost or sent twice.

use chrono::{Duration, NaiveDateTime};

use super::model::*;
use super::search::filters;
use super::service;
use crate::kernel::db::{Db, write_tx};
use crate::kernel::error::AppError;
use crate::kernel::i18n::Locale;
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::search::SearchEngine;
use crate::search::embedded::{Filter, SearchQuery, Sort};

/// How often a saved search may be sent a digest.
pub const DIGEST_EVERY: Duration = Duration::hours(24);
/// Most ideas listed in one digest (the email links to the search for the rest).
const MAX_IDEAS: usize = 20;
const BATCH: i64 = 200;

/// Sends the digests due at `at`; answers how many emails were queued.
pub async fn send_due(
    db: &Db,
    engine: &dyn SearchEngine,
    public_url: &str,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut sent = 0;
    let mut after_id = 0;
    loop {
        let due = db.run(move |conn| service::due_alerts(conn, at - DIGEST_EVERY, after_id, BATCH)).await?;
        let Some(last) = due.last().map(|s| s.id) else { break };
        for search in due {
            if send_one(db, engine, public_url, &search, at).await? {
                sent += 1;
            }
        }
        after_id = last;
    }
    Ok(sent)
}

async fn send_one(
    db: &Db,
    engine: &dyn SearchEngine,
    public_url: &str,
    search: &SavedSearchRow,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let filter: IdeaFilter = serde_json::from_str(&search.filter).unwrap_or_default();
    let mut query_filters = filters(&filter);
    query_filters.push(Filter::Range {
        field: "published_at".into(),
        min: Some(search.last_alerted_at.and_utc().timestamp_micros() + 1),
        max: None,
    });
    let results = engine
        .search(SearchQuery {
            text: search.query.clone(),
            filters: query_filters,
            facets: Vec::new(),
            sort: Sort::Field { field: "published_at".into(), descending: true },
            offset: 0,
            limit: MAX_IDEAS,
            range_of: None,
        })
        .await
        .map_err(AppError::internal)?;
    // An alert is for ideas matching every word saved: results found by leaving words out
    // (what a person typing sees, told so) are not news about this search.
    let ids = if results.ignored_words.is_empty() { results.ids } else { Vec::new() };
    let search = search.clone();
    let public_url = public_url.trim_end_matches('/').to_string();
    db.run(move |conn| {
        let locale = Locale::parse(&search.locale).unwrap_or(Locale::Fr);
        let ideas = service::ideas_by_ids(conn, &ids)?;
        let ideas: Vec<serde_json::Value> = ids
            .iter()
            .filter_map(|id| ideas.get(id))
            .filter(|i| i.status() == IdeaStatus::Published)
            .map(|i| {
                serde_json::json!({
                    "code": i.code,
                    "title": json_localized(&i.title).resolve(locale).text,
                })
            })
            .collect();
        let region_codes = &filter.region_codes;
        let calls: Vec<serde_json::Value> = service::calls_opened_after(conn, search.last_alerted_at)?
            .into_iter()
            .filter(|c| {
                let rules = c.rules();
                region_codes.is_empty()
                    || rules.region_codes.is_empty()
                    || rules.region_codes.iter().any(|r| region_codes.contains(r))
            })
            .map(|c| {
                serde_json::json!({
                    "code": c.code,
                    "title": json_localized(&c.title).resolve(locale).text,
                    "closes": c.closes_at.format("%Y-%m-%d").to_string(),
                })
            })
            .collect();
        let recipient = service::account_email(conn, search.account_id)?;
        write_tx(conn, |conn| {
            if !service::mark_alerted(conn, search.id, search.last_alerted_at, at)? {
                return Ok(false);
            }
            let Some((email, name)) = recipient.filter(|_| !ideas.is_empty() || !calls.is_empty()) else {
                return Ok(false);
            };
            let token = service::rotate_unsubscribe_token(conn, search.id)?;
            notify::enqueue(
                conn,
                &EmailJob {
                    template: EmailTemplate::ProjectAlert,
                    to: email,
                    locale: locale.code().into(),
                    data: serde_json::json!({
                        "name": name,
                        "search": search.name,
                        "ideas": ideas,
                        "calls": calls,
                        "unsubscribe_url": format!("{public_url}/projects/alerts/unsubscribe/{token}"),
                    }),
                },
            )?;
            Ok(true)
        })
    })
    .await
}
