//! One DataLoader per request batches every edge of the catalogue: each key type is one
//! batched query, whatever the page size.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use super::model::*;
use super::store;
use crate::db::Db;
use crate::error::AppError;

pub struct CatalogLoader {
    db: Db,
}

impl CatalogLoader {
    pub fn new(db: Db) -> Self {
        CatalogLoader { db }
    }
}

macro_rules! keyed_loader {
    ($key:ident => $value:ty, $fetch:path) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for CatalogLoader {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let found = self.db.run(move |conn| Ok($fetch(conn, &ids)?)).await.map_err(Arc::new)?;
                Ok(found.into_iter().map(|(id, v)| ($key(id), v)).collect())
            }
        }
    };
}

keyed_loader!(RegionKey => RegionRow, store::regions_by_ids);
keyed_loader!(SectorKey => SectorRow, store::sectors_by_ids);
keyed_loader!(CooperativeKey => CooperativeRow, store::cooperatives_by_ids);
keyed_loader!(CategoryKey => CategoryRow, store::categories_by_ids);
keyed_loader!(ProductKey => ProductRow, store::products_by_ids);
keyed_loader!(VariantKey => VariantRow, store::variants_by_ids);
keyed_loader!(VariantsOf => Vec<VariantRow>, store::variants_of_products);
keyed_loader!(MediaOf => Vec<MediaRow>, store::media_of_products);
keyed_loader!(LabelsOf => Vec<LabelRow>, store::labels_of_products);
keyed_loader!(ChildrenOf => Vec<CategoryRow>, store::category_children);
