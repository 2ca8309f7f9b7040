//! Product counts (`totalCount`) kept per count version. Every write that can change a count
//! moves that version forward in its own transaction (triggers, migration 23), so a count read
//! with the current version is the count of the catalogue as it is: each filter is counted once
//! per such change, however many storefronts page through it meanwhile. Checkouts, which only
//! move stock, leave counts alone unless a product sells out or comes back.

use std::collections::HashMap;
use std::sync::Mutex;

use super::model::ProductQuery;
use super::store;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppError;

#[derive(Default)]
pub struct ProductCounts {
    /// Filter → (count version, count).
    entries: Mutex<HashMap<String, (i64, i64)>>,
}

impl ProductCounts {
    /// Distinct filters kept; past it the older versions' entries go first, then all.
    const MAX_ENTRIES: usize = 20_000;

    pub fn count(&self, conn: &mut DbConn, query: &ProductQuery) -> Result<i64, AppError> {
        // The version is read before the count: a write committed in between makes the count
        // newer than its version, never older, and the next reader recounts.
        let version = store::count_version(conn)?;
        let key = filter_key(query);
        if let Some((v, count)) = self.lock().get(&key)
            && *v == version
        {
            return Ok(*count);
        }
        let count = store::count_products(conn, query)?;
        let mut entries = self.lock();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (v, _)| *v == version);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (version, count));
        Ok(count)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, i64)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What decides the count: the filters, not the order or the locale.
fn filter_key(q: &ProductQuery) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        q.public_only,
        q.statuses,
        q.cooperative_id,
        q.region_id,
        q.sector_id,
        q.category_path,
        q.label,
        q.price_min,
        q.price_max,
        q.in_stock
    )
}
