//! One DataLoader per request batches every edge of the catalogue: each key type is one
//! batched query, whatever the page size.

use super::model::*;
use super::store;
use crate::kernel::db::Db;

pub struct CatalogLoader {
    db: Db,
}

impl CatalogLoader {
    pub fn new(db: Db) -> Self {
        CatalogLoader { db }
    }
}

crate::keyed_loader!(CatalogLoader, CategoryKey => CategoryRow, store::categories_by_ids);
crate::keyed_loader!(CatalogLoader, ProductKey => ProductRow, store::products_by_ids);
crate::keyed_loader!(CatalogLoader, VariantKey => VariantRow, store::variants_by_ids);
crate::keyed_loader!(CatalogLoader, VariantsOf => Vec<VariantRow>, store::variants_of_products);
crate::keyed_loader!(CatalogLoader, MediaOf => Vec<MediaRow>, store::media_of_products);
crate::keyed_loader!(CatalogLoader, LabelsOf => Vec<LabelRow>, store::labels_of_products);
crate::keyed_loader!(CatalogLoader, ChildrenOf => Vec<CategoryRow>, store::category_children);
