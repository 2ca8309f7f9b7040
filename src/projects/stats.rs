//! Anonymised statistics of applications: per stage, by region, by the lead's gender and by
//! age band, with small cells suppressed so that no one can be singled out. A cell of 1 to 4
//! people is withheld; when a group (the stages, or one stage's breakdown) has exactly one
//! withheld cell, the next smallest is withheld too, so the group's total cannot give it away;
//! and a withheld stage has its whole breakdown withheld, so its cells cannot add up to it.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::model::Stage;
use super::store;
use crate::kernel::db::{DbConn, now};
use crate::kernel::error::AppError;

/// Cells under this many applications are withheld.
pub const THRESHOLD: i64 = 5;

/// Age bands of the lead applicant.
pub fn age_band(age: i32) -> &'static str {
    match age {
        a if a < 25 => "UNDER_25",
        a if a < 30 => "25_29",
        a if a < 35 => "30_34",
        a if a < 45 => "35_44",
        _ => "45_PLUS",
    }
}

/// A group of submitted applications: stage, region code, lead's gender, age band, count.
pub type Row = (Stage, String, String, &'static str, i64);

/// One published (or withheld) count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub stage: Stage,
    /// A region code, `F`/`M`, or an age band; empty for a stage's total.
    pub key: String,
    /// `None` when withheld.
    pub count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// All submitted applications, `None` when under the threshold.
    pub total: Option<i64>,
    pub by_stage: Vec<Cell>,
    pub by_region: Vec<Cell>,
    pub by_gender: Vec<Cell>,
    pub by_age_band: Vec<Cell>,
}

fn small(n: i64) -> bool {
    n > 0 && n < THRESHOLD
}

/// Withholds small cells of one group (one stage's breakdown, or the stages' totals), then one
/// more when exactly one was withheld and the group's total is published.
fn suppress(cells: &mut [(String, i64, bool)], total_published: bool) {
    for c in cells.iter_mut() {
        c.2 = small(c.1);
    }
    if total_published && cells.iter().filter(|c| c.2).count() == 1 {
        let next = cells.iter_mut().filter(|c| !c.2 && c.1 > 0).min_by_key(|c| c.1);
        if let Some(c) = next {
            c.2 = true;
        }
    }
}

/// Builds the published figures from raw rows (stage, key per breakdown, count).
pub fn publish(rows: &[Row]) -> Figures {
    let mut per_stage: BTreeMap<Stage, i64> = BTreeMap::new();
    for r in rows {
        *per_stage.entry(r.0).or_default() += r.4;
    }
    let total: i64 = per_stage.values().sum();
    let total_published = total >= THRESHOLD;
    let mut stage_cells: Vec<(String, i64, bool)> =
        per_stage.iter().map(|(s, n)| (s.as_str().to_string(), *n, false)).collect();
    suppress(&mut stage_cells, total_published);
    let stage_published: BTreeMap<&str, bool> = stage_cells.iter().map(|c| (c.0.as_str(), !c.2)).collect();
    let by_stage = stage_cells
        .iter()
        .filter_map(|c| Stage::parse(&c.0).map(|s| Cell { stage: s, key: String::new(), count: (!c.2).then_some(c.1) }))
        .collect();
    let breakdown = |key_of: &dyn Fn(&Row) -> String| {
        let mut grouped: BTreeMap<Stage, BTreeMap<String, i64>> = BTreeMap::new();
        for r in rows {
            *grouped.entry(r.0).or_default().entry(key_of(r)).or_default() += r.4;
        }
        let mut out = Vec::new();
        for (stage, keys) in grouped {
            let mut cells: Vec<(String, i64, bool)> = keys.into_iter().map(|(k, n)| (k, n, false)).collect();
            if stage_published.get(stage.as_str()).copied().unwrap_or(false) {
                suppress(&mut cells, true);
            } else {
                cells.iter_mut().for_each(|c| c.2 = true);
            }
            out.extend(cells.into_iter().map(|(key, n, withheld)| Cell {
                stage,
                key,
                count: (!withheld).then_some(n),
            }));
        }
        out
    };
    Figures {
        total: total_published.then_some(total),
        by_stage,
        by_region: breakdown(&|r| r.1.clone()),
        by_gender: breakdown(&|r| r.2.clone()),
        by_age_band: breakdown(&|r| r.3.to_string()),
    }
}

/// How long computed figures are served before they are computed again: statistics of a
/// call receiving thousands of applications an hour need not be exact to the second, and one
/// computation scans every application of the call.
pub const CACHE_SECONDS: u64 = 30;

/// Figures per call (or national), each kept `CACHE_SECONDS`.
#[derive(Default)]
pub struct FiguresCache(std::sync::Mutex<std::collections::HashMap<Option<i64>, (std::time::Instant, Figures)>>);

impl FiguresCache {
    pub fn get(&self, call_id: Option<i64>) -> Option<Figures> {
        let map = self.0.lock().ok()?;
        map.get(&call_id)
            .filter(|(at, _)| at.elapsed() < std::time::Duration::from_secs(CACHE_SECONDS))
            .map(|(_, f)| f.clone())
    }

    pub fn put(&self, call_id: Option<i64>, figures: Figures) {
        if let Ok(mut map) = self.0.lock() {
            // Bounded by the number of calls asked for; stale entries go when the map grows.
            if map.len() > 1000 {
                map.retain(|_, (at, _)| at.elapsed() < std::time::Duration::from_secs(CACHE_SECONDS));
            }
            map.insert(call_id, (std::time::Instant::now(), figures));
        }
    }
}

/// The figures of one call, or of every call.
pub fn figures(conn: &mut DbConn, call_id: Option<i64>) -> Result<Figures, AppError> {
    let raw = store::figures(conn, call_id)?;
    let region_ids: Vec<i64> = raw.iter().map(|r| r.1).collect();
    let regions = crate::registry::service::regions_by_ids(conn, &region_ids)?;
    let year = now().year();
    let rows: Vec<_> = raw
        .into_iter()
        .filter_map(|(stage, region, gender, born, n)| {
            Some((
                Stage::parse(&stage)?,
                regions.get(&region).map(|r| r.code.clone()).unwrap_or_default(),
                gender,
                age_band(year - born),
                n,
            ))
        })
        .collect();
    Ok(publish(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        stage: Stage,
        region: &str,
        gender: &str,
        band: &'static str,
        n: i64,
    ) -> (Stage, String, String, &'static str, i64) {
        (stage, region.to_string(), gender.to_string(), band, n)
    }

    fn published(f: &Figures) -> Vec<&Cell> {
        f.by_stage.iter().chain(&f.by_region).chain(&f.by_gender).chain(&f.by_age_band).collect()
    }

    #[test]
    fn no_published_cell_is_under_five_and_a_lone_small_cell_takes_another_with_it() {
        let rows = vec![
            row(Stage::Eligible, "09", "F", "UNDER_25", 12),
            row(Stage::Eligible, "09", "M", "25_29", 7),
            row(Stage::Eligible, "01", "F", "UNDER_25", 3),
            row(Stage::Ineligible, "01", "M", "45_PLUS", 6),
            row(Stage::Ineligible, "09", "M", "45_PLUS", 8),
        ];
        let f = publish(&rows);
        assert_eq!(f.total, Some(36));
        assert!(published(&f).iter().all(|c| c.count.is_none_or(|n| n >= THRESHOLD)));
        assert!(f.by_stage.iter().all(|c| c.count.is_some()));
        // Eligible in region 01 (3) is withheld, and with it 09 (19), else 22 - 19 gives it away.
        let eligible: Vec<_> = f.by_region.iter().filter(|c| c.stage == Stage::Eligible).map(|c| c.count).collect();
        assert_eq!(eligible, vec![None, None]);
        let genders: Vec<_> = f.by_gender.iter().filter(|c| c.stage == Stage::Eligible).map(|c| c.count).collect();
        assert_eq!(genders, vec![Some(15), Some(7)]);
    }

    #[test]
    fn a_withheld_stage_withholds_its_breakdowns_and_a_small_total_is_withheld() {
        let rows = vec![
            row(Stage::Eligible, "09", "F", "UNDER_25", 20),
            row(Stage::Ineligible, "09", "M", "45_PLUS", 2),
            row(Stage::Withdrawn, "09", "F", "25_29", 9),
        ];
        let f = publish(&rows);
        // Ineligible (2) and the next smallest stage (Withdrawn, 9) are withheld, breakdowns included.
        let stages: Vec<_> = f.by_stage.iter().map(|c| (c.stage, c.count)).collect();
        assert_eq!(stages, vec![(Stage::Eligible, Some(20)), (Stage::Ineligible, None), (Stage::Withdrawn, None)]);
        assert!(f.by_gender.iter().filter(|c| c.stage != Stage::Eligible).all(|c| c.count.is_none()));
        assert!(published(&f).iter().all(|c| c.count.is_none_or(|n| n >= THRESHOLD)));
        assert_eq!(publish(&rows[1..2]).total, None);
    }
}
