//! Batched loading of cooperatives, regions and sectors: one query per key type per request,
//! whatever the page size. Every domain that shows a cooperative, a region or a sector loads
//! it through this loader.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::*;
use super::{service, store};
use crate::kernel::db::Db;
use crate::kernel::error::AppError;
use crate::kernel::viewer::Viewer;

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

/// Law 09-08: the log of personal data reads, written where the fields are resolved. Every
/// personal field a request answers goes through this loader first, so the reads of one
/// request are recorded together (one row per cooperative or application) before any of
/// that data leaves, whichever operation returns it.
pub struct PersonalDataLog {
    db: Db,
    viewer: Option<Viewer>,
}

impl PersonalDataLog {
    pub fn new(db: Db, viewer: Option<Viewer>) -> Self {
        PersonalDataLog { db, viewer }
    }
}

impl async_graphql::dataloader::Loader<PersonalRead> for PersonalDataLog {
    type Value = ();
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[PersonalRead]) -> Result<HashMap<PersonalRead, ()>, Self::Error> {
        let viewer = self.viewer.clone().ok_or_else(|| Arc::new(AppError::Unauthenticated))?;
        let reads = keys.to_vec();
        self.db.run(move |conn| service::record_personal_data_reads(conn, &viewer, &reads)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (*k, ())).collect())
    }
}
