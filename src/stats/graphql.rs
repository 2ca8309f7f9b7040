//! `nationalFigures(asOf)`: the office's published figures, by region, sector and legal form.

use std::collections::BTreeMap;

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::kernel::config::RegistryRules;
use crate::kernel::error::AppError;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::{Date, loader_error};
use crate::registry::graphql::{Region, Sector};
use crate::registry::loaders::{RegionKey, RegistryLoader, SectorKey};
use crate::registry::model::FigureCell;
use crate::registry::model::LegalForm;

#[derive(SimpleObject, Default, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Counts {
    pub cooperatives: i64,
    pub members: i64,
    pub women: i64,
    /// Members younger than the configured youth age at the date of the figures.
    pub young: i64,
    /// Members who are employees of their cooperative.
    pub jobs: i64,
}

impl Counts {
    fn add(&mut self, c: &FigureCell) {
        self.cooperatives += c.cooperatives;
        self.members += c.members;
        self.women += c.women;
        self.young += c.young;
        self.jobs += c.jobs;
    }
}

#[derive(SimpleObject)]
pub struct RegionFigures {
    pub region: Region,
    #[graphql(flatten)]
    pub counts: Counts,
}

#[derive(SimpleObject)]
pub struct SectorFigures {
    pub sector: Sector,
    #[graphql(flatten)]
    pub counts: Counts,
}

#[derive(SimpleObject)]
pub struct LegalFormFigures {
    pub legal_form: LegalForm,
    #[graphql(flatten)]
    pub counts: Counts,
}

#[derive(SimpleObject)]
pub struct YearRegistrations {
    pub year: i32,
    pub registrations: i64,
}

#[derive(SimpleObject)]
pub struct NationalFigures {
    pub as_of: Date,
    /// The age under which a member counts as young.
    pub youth_age_limit: i32,
    #[graphql(flatten)]
    pub totals: Counts,
    pub by_region: Vec<RegionFigures>,
    pub by_sector: Vec<SectorFigures>,
    pub by_legal_form: Vec<LegalFormFigures>,
    pub registrations_by_year: Vec<YearRegistrations>,
}

pub use crate::registry::model::young_born_after;

/// Everything `nationalFigures` returns, computed in the database.
#[derive(Clone)]
pub struct Computed {
    pub totals: Counts,
    pub by_region: BTreeMap<i64, Counts>,
    pub by_sector: BTreeMap<i64, Counts>,
    pub by_legal_form: BTreeMap<String, Counts>,
    pub registrations: Vec<(i32, i64)>,
}

pub fn compute(
    conn: &mut crate::kernel::db::DbConn,
    as_of: NaiveDate,
    youth_age_limit: u32,
) -> Result<Computed, AppError> {
    let cells = crate::registry::service::figure_cells(conn, as_of, young_born_after(as_of, youth_age_limit))?;
    let mut c = Computed {
        totals: Counts::default(),
        by_region: BTreeMap::new(),
        by_sector: BTreeMap::new(),
        by_legal_form: BTreeMap::new(),
        registrations: crate::registry::service::registrations_by_year(conn, as_of)?
            .into_iter()
            .map(|y| (y.year, y.registrations))
            .collect(),
    };
    for cell in &cells {
        c.totals.add(cell);
        c.by_region.entry(cell.region_id).or_default().add(cell);
        c.by_sector.entry(cell.sector_id).or_default().add(cell);
        c.by_legal_form.entry(cell.legal_form.clone()).or_default().add(cell);
    }
    Ok(c)
}

/// Computed figures per (date, youth age), valid for one version of the register: a change
/// the figures count bumps the version in its own transaction, so a cached answer is never
/// older than the register it was read with. Bounded; per process, consistent across processes.
/// The date of the figures and the youth age limit.
type FiguresKey = (NaiveDate, u32);

#[derive(Default)]
pub struct FiguresCache {
    entries: std::sync::Mutex<std::collections::HashMap<FiguresKey, (i64, std::sync::Arc<Computed>)>>,
}

impl FiguresCache {
    const MAX_ENTRIES: usize = 64;

    /// The figures on `as_of`, from the cache when the register has not changed since.
    pub fn figures(
        &self,
        conn: &mut crate::kernel::db::DbConn,
        as_of: NaiveDate,
        youth_age_limit: u32,
    ) -> Result<std::sync::Arc<Computed>, AppError> {
        let version = crate::registry::service::register_version(conn)?;
        let key = (as_of, youth_age_limit);
        if let Some((v, hit)) = self.entries.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
            && *v == version
        {
            return Ok(hit.clone());
        }
        let computed = std::sync::Arc::new(compute(conn, as_of, youth_age_limit)?);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (v, _)| *v == version);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (version, computed.clone()));
        Ok(computed)
    }
}

#[derive(Default)]
pub struct StatsQuery;

/// What one `nationalFigures` costs towards the complexity limit.
pub const NATIONAL_FIGURES_COST: usize = 2_500;

#[Object]
impl StatsQuery {
    /// Cooperatives, members, women, young members and jobs on `asOf` (today by default).
    /// Each date is computed over the whole register: it counts 2,500 towards the
    /// complexity limit, so one request asks for a few dates at most.
    #[graphql(complexity = "NATIONAL_FIGURES_COST + child_complexity")]
    async fn national_figures(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<NationalFigures> {
        let as_of = as_of.map(|d| d.0).unwrap_or_else(crate::registry::service::today);
        let age = ctx.data_unchecked::<RegistryRules>().youth_age_limit;
        let cache = ctx.data_unchecked::<std::sync::Arc<FiguresCache>>().clone();
        let computed = ctx.db().run(move |conn| cache.figures(conn, as_of, age)).await?;
        let computed = (*computed).clone();
        let regions = ctx
            .loader::<RegistryLoader>()
            .load_many(computed.by_region.keys().map(|id| RegionKey(*id)))
            .await
            .map_err(loader_error)?;
        let mut by_region: Vec<RegionFigures> = computed
            .by_region
            .iter()
            .filter_map(|(id, counts)| {
                regions.get(&RegionKey(*id)).map(|r| RegionFigures { region: Region(r.clone()), counts: *counts })
            })
            .collect();
        by_region.sort_by(|a, b| a.region.0.code.cmp(&b.region.0.code));
        let sectors = ctx
            .loader::<RegistryLoader>()
            .load_many(computed.by_sector.keys().map(|id| SectorKey(*id)))
            .await
            .map_err(loader_error)?;
        let by_sector = computed
            .by_sector
            .iter()
            .filter_map(|(id, counts)| {
                sectors.get(&SectorKey(*id)).map(|s| SectorFigures { sector: Sector(s.clone()), counts: *counts })
            })
            .collect();
        Ok(NationalFigures {
            as_of: Date(as_of),
            youth_age_limit: age as i32,
            totals: computed.totals,
            by_region,
            by_sector,
            by_legal_form: computed
                .by_legal_form
                .into_iter()
                .filter_map(|(form, counts)| {
                    LegalForm::parse(&form).map(|legal_form| LegalFormFigures { legal_form, counts })
                })
                .collect(),
            registrations_by_year: computed
                .registrations
                .into_iter()
                .map(|(year, registrations)| YearRegistrations { year, registrations })
                .collect(),
        })
    }
}
