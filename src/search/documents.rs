//! The search document of a product: its texts in every locale (with its cooperative's name,
//! its categories and labels), the keywords the facets count, and the numbers it sorts by.
//! Built from the catalogue's and the register's services.

use std::collections::{BTreeMap, HashMap};

use super::embedded::SearchDocument;
use crate::catalog::model::ProductStatus;
use crate::catalog::service as catalog;
use crate::kernel::db::DbConn;
use crate::kernel::error::AppError;
use crate::registry::model::CooperativeStatus;
use crate::registry::service as registry;

/// The search documents for these products; `None` for a product that must not be found
/// (unknown, not ACTIVE, or of a cooperative that may not sell).
/// Long on purpose: the document is one literal, field by field, as the engines index it.
pub fn search_documents(
    conn: &mut DbConn,
    product_ids: &[i64],
) -> Result<Vec<(i64, Option<SearchDocument>)>, AppError> {
    let products = catalog::products_by_ids(conn, product_ids)?;
    let cooperatives =
        registry::cooperatives_by_ids(conn, &products.values().map(|p| p.cooperative_id).collect::<Vec<_>>())?;
    let mut category_ids: Vec<i64> = Vec::new();
    let mut paths = HashMap::new();
    let direct =
        catalog::categories_by_ids(conn, &products.values().filter_map(|p| p.category_id).collect::<Vec<_>>())?;
    for c in direct.values() {
        let ancestors: Vec<i64> = c.path.split('/').filter_map(|x| x.parse().ok()).collect();
        category_ids.extend(&ancestors);
        paths.insert(c.id, ancestors);
    }
    let categories = catalog::categories_by_ids(conn, &category_ids)?;
    let regions =
        registry::regions_by_ids(conn, &products.values().filter_map(|p| p.origin_region_id).collect::<Vec<_>>())?;
    let sectors = registry::sectors_by_ids(conn, &cooperatives.values().map(|c| c.sector_id).collect::<Vec<_>>())?;
    let labels = catalog::labels_of_products(conn, product_ids)?;
    Ok(product_ids
        .iter()
        .map(|id| {
            let doc = products.get(id).and_then(|p| {
                let c = cooperatives.get(&p.cooperative_id)?;
                if p.status() != ProductStatus::Active || c.status() != CooperativeStatus::Active {
                    return None;
                }
                let ancestors = p.category_id.and_then(|cid| paths.get(&cid)).cloned().unwrap_or_default();
                let product_labels = labels.get(id).cloned().unwrap_or_default();
                let mut doc = SearchDocument {
                    id: p.id,
                    version: 0,
                    text: BTreeMap::from([
                        ("name".to_string(), p.name().all_text()),
                        ("description".to_string(), p.description().all_text()),
                        ("cooperative_name".to_string(), c.name().all_text()),
                        (
                            "category_names".to_string(),
                            ancestors
                                .iter()
                                .filter_map(|a| categories.get(a))
                                .map(|c| c.name().all_text())
                                .collect::<Vec<_>>()
                                .join("\n"),
                        ),
                        (
                            "labels_text".to_string(),
                            product_labels.iter().map(|l| l.official_name.clone()).collect::<Vec<_>>().join("\n"),
                        ),
                    ]),
                    keywords: BTreeMap::from([
                        (
                            "region".to_string(),
                            p.origin_region_id
                                .and_then(|r| regions.get(&r))
                                .map(|r| vec![r.code.clone()])
                                .unwrap_or_default(),
                        ),
                        (
                            "sector".to_string(),
                            sectors.get(&c.sector_id).map(|s| vec![s.code.clone()]).unwrap_or_default(),
                        ),
                        ("category".to_string(), ancestors.iter().map(|a| a.to_string()).collect()),
                        ("cooperative".to_string(), vec![c.id.to_string()]),
                        ("labels".to_string(), product_labels.iter().map(|l| l.label_type.clone()).collect()),
                    ]),
                    numbers: BTreeMap::from([
                        ("price".to_string(), p.min_price_minor.unwrap_or(0)),
                        ("created_at".to_string(), p.created_at.and_utc().timestamp_micros()),
                    ]),
                    flags: BTreeMap::from([("in_stock".to_string(), p.total_stock > 0)]),
                };
                doc.version = doc.fingerprint();
                Some(doc)
            });
            (*id, doc)
        })
        .collect())
}
