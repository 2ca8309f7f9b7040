//! `taawun seed catalog --products N`: N generated products (names and descriptions in
//! Arabic, French and English, 1–3 variants, an image, some quality labels) spread over the
//! active cooperatives of the register, for load and scale benchmarks. Deterministic.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::Rng;
use super::words::{GOODS, QUALIFIERS};
use crate::catalog::model::*;
use crate::catalog::service as catalog;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::AppError;
use crate::kernel::text::slug;
use crate::msg;
use crate::registry::service as registry;

const SIZES: [(&str, i64, i32); 3] = [("250 g", 1, 250), ("500 g", 2, 500), ("1 kg", 4, 1000)];

/// Products per transaction.
const BATCH: usize = 1000;

/// Adds `n` products; returns how many products the catalogue holds afterwards.
pub fn seed_products(conn: &mut DbConn, n: usize, mut progress: impl FnMut(usize, usize)) -> Result<i64, AppError> {
    let categories = super::demo::ensure_categories(conn)?;
    let cooperatives = registry::active_cooperatives(conn)?;
    if cooperatives.is_empty() {
        return Err(AppError::bad_input(
            &[],
            msg!("no active cooperative to sell the products; seed the register first"),
        ));
    }
    let start = catalog::count_all_products(conn)? as usize;
    let mut rng = Rng(start as u64 + 2026);
    let at = now();
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let bundles: Vec<ProductBundle> =
            (0..size).map(|k| generated_product(&mut rng, start + done + k, &cooperatives, &categories, at)).collect();
        write_tx(conn, |conn| catalog::insert_product_bundles(conn, bundles).map(|_| ()))?;
        done += size;
        progress(done, n);
    }
    catalog::count_all_products(conn)
}

/// The `i`-th generated product, sold by one of `cooperatives` (id, region id).
/// Long on purpose: one literal per row written, field by field.
fn generated_product(
    rng: &mut Rng,
    i: usize,
    cooperatives: &[(i64, i64)],
    categories: &HashMap<&'static str, i64>,
    at: NaiveDateTime,
) -> ProductBundle {
    let (fr, ar, en, category, label) = GOODS[rng.below(GOODS.len() as u64) as usize];
    let (qfr, qar, qen) = QUALIFIERS[rng.below(QUALIFIERS.len() as u64) as usize];
    let (cooperative_id, region_id) = cooperatives[rng.below(cooperatives.len() as u64) as usize];
    let base_price = 3_000 + rng.below(30_000) as i64;
    let variant_count = 1 + rng.below(3) as usize;
    let sold_out = rng.below(12) == 0;
    let stocks: Vec<i64> = (0..variant_count).map(|_| if sold_out { 0 } else { 5 + rng.below(200) as i64 }).collect();
    let label = label.filter(|_| rng.below(4) == 0);
    let variants = stocks
        .iter()
        .enumerate()
        .map(|(v, stock)| {
            let (size_name, factor, grams) = SIZES[v];
            NewVariant {
                product_id: 0,
                fields: VariantFields {
                    sku: format!("GEN-{}-{}", i + 1, v + 1),
                    options_json: serde_json::json!([{ "name": "Poids", "value": size_name }]).to_string(),
                    price_minor: base_price * factor,
                    compare_at_minor: None,
                    weight_grams: Some(grams),
                    updated_at: at,
                },
                currency: "MAD".into(),
                stock: *stock,
                position: v as i32,
                created_at: at,
            }
        })
        .collect();
    let media = vec![NewMedia {
        product_id: 0,
        url: format!("https://picsum.photos/seed/p{}/800/800", i + 1),
        alt_ar: None,
        alt_fr: None,
        alt_en: None,
        alt_zgh: None,
        position: 0,
    }];
    let labels = label
        .map(|(label_type, name)| NewLabel {
            product_id: 0,
            label_type: label_type.as_str().into(),
            official_name: name.to_string(),
            certifying_body: Some("Organisme de certification agréé".into()),
            certificate_number: Some(format!("GEN-{}", i + 1)),
            valid_until: chrono::NaiveDate::from_ymd_opt(2029, 12, 31),
        })
        .into_iter()
        .collect();
    ProductBundle {
        product: NewProduct {
            fields: ProductFields {
                cooperative_id,
                category_id: categories.get(category).copied(),
                origin_region_id: Some(region_id),
                slug: format!("{}-{}", slug(fr), i + 1),
                status: ProductStatus::Active.as_str().into(),
                name_ar: Some(format!("{ar} {qar}")),
                name_fr: Some(format!("{fr} {qfr}")),
                name_en: Some(format!("{en} ({qen})")),
                name_zgh: None,
                description_ar: Some(format!("{ar} {qar} من إنتاج تعاونية محلية، محضر بالطريقة التقليدية.")),
                description_fr: Some(format!("{fr} {qfr}, produit par une coopérative locale selon la tradition.")),
                description_en: Some(format!("{en}, {qen}, made by a local cooperative the traditional way.")),
                description_zgh: None,
                updated_at: at,
            },
            total_stock: 0,
            created_at: at,
        },
        variants,
        media,
        labels,
    }
}
