//! `taawun seed catalog --products N`: N generated products (names and descriptions in
//! Arabic, French and English, 1–3 variants, an image, some quality labels) spread over the
//! active cooperatives of the register, for load and scale benchmarks. Deterministic.

use std::collections::HashMap;

use super::model::*;
use super::store;
use crate::db::{DbConn, now, write_tx};
use crate::error::AppError;

/// French, Arabic, English, category slug, and the quality label the good may carry.
pub type Good = (&'static str, &'static str, &'static str, &'static str, Option<(LabelType, &'static str)>);

pub const GOODS: [Good; 12] = [
    ("Huile d'argan", "زيت أركان", "Argan oil", "argan-oil", Some((LabelType::Igp, "Argane"))),
    (
        "Safran de Taliouine",
        "زعفران تالوين",
        "Taliouine saffron",
        "spices-saffron",
        Some((LabelType::Aop, "Safran de Taliouine")),
    ),
    ("Miel de thym", "عسل الزعتر", "Thyme honey", "honey-amlou", Some((LabelType::Organic, "Agriculture biologique"))),
    ("Amlou aux amandes", "أملو باللوز", "Almond amlou", "honey-amlou", None),
    ("Huile d'olive", "زيت الزيتون", "Olive oil", "olive-oil", Some((LabelType::LabelAgricole, "Label agricole"))),
    (
        "Dattes Majhoul",
        "تمر المجهول",
        "Medjool dates",
        "dates-dried-fruit",
        Some((LabelType::Igp, "Dattes Majhoul de Tafilalet")),
    ),
    ("Couscous d'orge", "كسكس الشعير", "Barley couscous", "couscous-cereals", None),
    ("Eau de rose", "ماء الورد", "Rose water", "rose-water", None),
    ("Tapis berbère", "زربية أمازيغية", "Amazigh carpet", "carpets", None),
    ("Tajine en terre cuite", "طاجين فخاري", "Clay tagine", "pottery", None),
    ("Savon noir beldi", "الصابون البلدي", "Black soap", "soap-ghassoul", None),
    ("Figues séchées", "تين مجفف", "Dried figs", "dates-dried-fruit", None),
];
/// Qualifiers added to a good's name (French, Arabic, English).
pub const QUALIFIERS: [(&str, &str, &str); 8] = [
    ("bio", "عضوي", "organic"),
    ("traditionnel", "تقليدي", "traditional"),
    ("extra", "ممتاز", "premium"),
    ("artisanal", "حرفي", "handmade"),
    ("du terroir", "بلدي", "local"),
    ("pressé à froid", "معصور على البارد", "cold pressed"),
    ("familial", "عائلي", "family"),
    ("de montagne", "جبلي", "mountain"),
];
const SIZES: [(&str, i64, i32); 3] = [("250 g", 1, 250), ("500 g", 2, 500), ("1 kg", 4, 1000)];

/// A small deterministic generator for generated data (demo, catalogues, the search benchmark).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound.max(1)
    }
}

const BATCH: usize = 1000;

/// Adds `n` products; returns how many products the catalogue holds afterwards.
pub fn seed_products(conn: &mut DbConn, n: usize, mut progress: impl FnMut(usize, usize)) -> Result<i64, AppError> {
    let categories = super::demo::ensure_categories(conn)?;
    let cooperatives = store::active_cooperatives(conn)?;
    if cooperatives.is_empty() {
        return Err(AppError::bad_input(&[], "no active cooperative to sell the products; seed the register first"));
    }
    let start = store::count_all_products(conn)? as usize;
    let mut rng = Lcg(start as u64 + 2026);
    let at = now();
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        write_tx(conn, |conn| {
            let mut products = Vec::with_capacity(size);
            let mut plans = Vec::with_capacity(size);
            for k in 0..size {
                let i = start + done + k;
                let g = rng.next(GOODS.len() as u64) as usize;
                let (fr, ar, en, category, label) = GOODS[g];
                let (qfr, qar, qen) = QUALIFIERS[rng.next(QUALIFIERS.len() as u64) as usize];
                let (cooperative_id, region_id) = cooperatives[rng.next(cooperatives.len() as u64) as usize];
                let slug = format!("{}-{}", crate::registry::names::slug(fr), i + 1);
                let base_price = 3_000 + rng.next(30_000) as i64;
                let variants = 1 + rng.next(3) as usize;
                let sold_out = rng.next(12) == 0;
                let stocks: Vec<i64> =
                    (0..variants).map(|_| if sold_out { 0 } else { 5 + rng.next(200) as i64 }).collect();
                products.push(NewProduct {
                    fields: ProductFields {
                        cooperative_id,
                        category_id: categories.get(category).copied(),
                        origin_region_id: Some(region_id),
                        slug: slug.clone(),
                        status: ProductStatus::Active.as_str().into(),
                        name_ar: Some(format!("{ar} {qar}")),
                        name_fr: Some(format!("{fr} {qfr}")),
                        name_en: Some(format!("{en} ({qen})")),
                        name_zgh: None,
                        description_ar: Some(format!("{ar} {qar} من إنتاج تعاونية محلية، محضر بالطريقة التقليدية.")),
                        description_fr: Some(format!(
                            "{fr} {qfr}, produit par une coopérative locale selon la tradition."
                        )),
                        description_en: Some(format!("{en}, {qen}, made by a local cooperative the traditional way.")),
                        description_zgh: None,
                        updated_at: at,
                    },
                    total_stock: stocks.iter().sum(),
                    created_at: at,
                });
                let with_label = label.filter(|_| rng.next(4) == 0);
                plans.push((slug, base_price, stocks, with_label, i));
            }
            store::insert_products(conn, &products)?;
            let slugs: Vec<String> = plans.iter().map(|p| p.0.clone()).collect();
            let ids: HashMap<String, i64> = store::product_ids_by_slugs(conn, &slugs)?;
            let mut variants = Vec::new();
            let mut media = Vec::new();
            let mut labels = Vec::new();
            for (slug, base_price, stocks, label, i) in &plans {
                let product_id = ids[slug];
                for (v, stock) in stocks.iter().enumerate() {
                    let (size_name, factor, grams) = SIZES[v];
                    variants.push(NewVariant {
                        product_id,
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
                    });
                }
                media.push(NewMedia {
                    product_id,
                    url: format!("https://picsum.photos/seed/p{}/800/800", i + 1),
                    alt_ar: None,
                    alt_fr: None,
                    alt_en: None,
                    alt_zgh: None,
                    position: 0,
                });
                if let Some((label_type, name)) = label {
                    labels.push(NewLabel {
                        product_id,
                        label_type: label_type.as_str().into(),
                        official_name: name.to_string(),
                        certifying_body: Some("Organisme de certification agréé".into()),
                        certificate_number: Some(format!("GEN-{}", i + 1)),
                        valid_until: chrono::NaiveDate::from_ymd_opt(2029, 12, 31),
                    });
                }
            }
            store::insert_variants(conn, &variants)?;
            store::insert_media_rows(conn, &media)?;
            if !labels.is_empty() {
                store::insert_label_rows(conn, &labels)?;
            }
            let ids: Vec<i64> = ids.into_values().collect();
            store::refresh_min_prices(conn, &ids)?;
            Ok(())
        })?;
        done += size;
        progress(done, n);
    }
    Ok(store::count_all_products(conn)?)
}
