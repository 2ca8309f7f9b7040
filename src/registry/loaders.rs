//! Batched loading of cooperatives, regions and sectors: one query per key type per request,
//! whatever the page size. Every domain that shows a cooperative, a region or a sector loads
//! it through this loader.

use super::model::*;
use super::store;
use crate::kernel::db::Db;

pub struct RegistryLoader {
    db: Db,
}

impl RegistryLoader {
    pub fn new(db: Db) -> Self {
        RegistryLoader { db }
    }
}

crate::keyed_loader!(RegistryLoader, RegionKey => RegionRow, store::regions_by_ids);
crate::keyed_loader!(RegistryLoader, SectorKey => SectorRow, store::sectors_by_ids);
crate::keyed_loader!(RegistryLoader, CooperativeKey => CooperativeRow, store::cooperatives_by_ids);
