//! Deterministic demo data: a category tree, 32 cooperatives across the 12 regions and
//! 160 products named in Arabic, French and English, with real quality labels.
//! Loaded once: a second run finds the first demo cooperative and does nothing.

use crate::academy::credentials::Issuer;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::Rng;
use crate::auth::service as auth;
use crate::catalog::model::*;
use crate::catalog::service as catalog;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::AppError;
use crate::kernel::i18n::Localized;
use crate::kernel::money::CurrencyCode;
use crate::kernel::viewer::Role;
use crate::registry::model::{CooperativeFields, CooperativeRow, CooperativeStatus, RegionRow, SectorRow};
use crate::registry::service as registry;

/// (slug, parent slug, ar, fr, en)
const CATEGORIES: &[(&str, Option<&str>, &str, &str, &str)] = &[
    ("food", None, "المواد الغذائية", "Alimentation", "Food"),
    ("oils", Some("food"), "الزيوت", "Huiles", "Oils"),
    ("argan-oil", Some("oils"), "زيت الأركان", "Huile d'argan", "Argan oil"),
    ("olive-oil", Some("oils"), "زيت الزيتون", "Huile d'olive", "Olive oil"),
    ("honey-amlou", Some("food"), "العسل والأملو", "Miel et amlou", "Honey and amlou"),
    ("spices-saffron", Some("food"), "التوابل والزعفران", "Épices et safran", "Spices and saffron"),
    ("dates-dried-fruit", Some("food"), "التمور والفواكه الجافة", "Dattes et fruits secs", "Dates and dried fruit"),
    ("couscous-cereals", Some("food"), "الكسكس والحبوب", "Couscous et céréales", "Couscous and cereals"),
    ("cheese-dairy", Some("food"), "الأجبان ومشتقات الحليب", "Fromages et produits laitiers", "Cheese and dairy"),
    ("fresh-fruit", Some("food"), "الفواكه الطازجة", "Fruits frais", "Fresh fruit"),
    ("cosmetics", None, "مستحضرات التجميل الطبيعية", "Cosmétiques naturels", "Natural cosmetics"),
    ("argan-cosmetics", Some("cosmetics"), "مستحضرات الأركان", "Cosmétique à l'argan", "Argan cosmetics"),
    ("rose-water", Some("cosmetics"), "ماء الورد", "Eau de rose", "Rose water"),
    ("soap-ghassoul", Some("cosmetics"), "الصابون والغاسول", "Savon et ghassoul", "Soap and ghassoul"),
    ("crafts", None, "الصناعة التقليدية", "Artisanat", "Handicrafts"),
    ("carpets", Some("crafts"), "الزرابي", "Tapis", "Carpets"),
    ("pottery", Some("crafts"), "الفخار", "Poterie", "Pottery"),
    ("leather", Some("crafts"), "المنتجات الجلدية", "Maroquinerie", "Leather goods"),
    ("embroidery-textiles", Some("crafts"), "الطرز والنسيج", "Broderie et textiles", "Embroidery and textiles"),
    ("woodwork", Some("crafts"), "المصنوعات الخشبية", "Bois", "Woodwork"),
];

struct Template {
    slug: &'static str,
    category: &'static str,
    ar: &'static str,
    fr: &'static str,
    en: &'static str,
    /// (option value, price in MAD, weight in grams)
    variants: &'static [(&'static str, i64, i32)],
    option_name: &'static str,
    /// (label type, official name, region codes where the label applies; empty = everywhere)
    label: Option<(LabelType, &'static str, &'static [&'static str])>,
}

const TEMPLATES: &[Template] = &[
    Template {
        slug: "huile-argan-alimentaire",
        category: "argan-oil",
        ar: "زيت أركان غذائي",
        fr: "Huile d'argan alimentaire",
        en: "Culinary argan oil",
        variants: &[("250 ml", 180, 300), ("500 ml", 330, 560)],
        option_name: "size",
        label: Some((LabelType::Igp, "Argane", &[])),
    },
    Template {
        slug: "huile-argan-cosmetique",
        category: "argan-cosmetics",
        ar: "زيت أركان تجميلي",
        fr: "Huile d'argan cosmétique",
        en: "Cosmetic argan oil",
        variants: &[("100 ml", 150, 140), ("200 ml", 260, 260)],
        option_name: "size",
        label: Some((LabelType::Igp, "Argane", &[])),
    },
    Template {
        slug: "amlou",
        category: "honey-amlou",
        ar: "أملو باللوز والأركان",
        fr: "Amlou aux amandes et argan",
        en: "Amlou with almonds and argan",
        variants: &[("250 g", 90, 280), ("500 g", 160, 540)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "miel-thym",
        category: "honey-amlou",
        ar: "عسل الزعتر",
        fr: "Miel de thym",
        en: "Thyme honey",
        variants: &[("250 g", 120, 300), ("500 g", 220, 580)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "miel-euphorbe",
        category: "honey-amlou",
        ar: "عسل الدغموس",
        fr: "Miel d'euphorbe",
        en: "Euphorbia honey",
        variants: &[("250 g", 150, 300), ("500 g", 280, 580)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "safran-taliouine",
        category: "spices-saffron",
        ar: "زعفران تالوين",
        fr: "Safran de Taliouine",
        en: "Taliouine saffron",
        variants: &[("1 g", 60, 20), ("5 g", 250, 40)],
        option_name: "weight",
        label: Some((LabelType::Aop, "Safran de Taliouine", &["09"])),
    },
    Template {
        slug: "huile-olive-vierge-extra",
        category: "olive-oil",
        ar: "زيت الزيتون البكر الممتاز",
        fr: "Huile d'olive vierge extra",
        en: "Extra virgin olive oil",
        variants: &[("1 L", 75, 1000), ("5 L", 340, 4800)],
        option_name: "size",
        label: Some((LabelType::Aop, "Huile d'olive Tyout-Chiadma", &["07"])),
    },
    Template {
        slug: "dattes-majhoul",
        category: "dates-dried-fruit",
        ar: "تمر المجهول",
        fr: "Dattes Majhoul",
        en: "Medjool dates",
        variants: &[("1 kg", 90, 1050), ("2 kg", 170, 2100)],
        option_name: "weight",
        label: Some((LabelType::Igp, "Dattes Majhoul de Tafilalet", &["08"])),
    },
    Template {
        slug: "couscous-orge",
        category: "couscous-cereals",
        ar: "كسكس الشعير",
        fr: "Couscous d'orge",
        en: "Barley couscous",
        variants: &[("1 kg", 35, 1000), ("5 kg", 160, 5000)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "eau-de-rose",
        category: "rose-water",
        ar: "ماء الورد",
        fr: "Eau de rose",
        en: "Rose water",
        variants: &[("250 ml", 40, 280), ("500 ml", 70, 540)],
        option_name: "size",
        label: Some((LabelType::Aop, "Rose de Kelâat M'Gouna-Dadès", &["08"])),
    },
    Template {
        slug: "figues-sechees",
        category: "dates-dried-fruit",
        ar: "تين مجفف",
        fr: "Figues séchées",
        en: "Dried figs",
        variants: &[("500 g", 55, 520)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "amandes-tafraout",
        category: "dates-dried-fruit",
        ar: "لوز تافراوت",
        fr: "Amandes de Tafraout",
        en: "Tafraout almonds",
        variants: &[("500 g", 110, 520), ("1 kg", 200, 1030)],
        option_name: "weight",
        label: Some((LabelType::Igp, "Amande de Tafraout", &["09"])),
    },
    Template {
        slug: "fromage-chevre",
        category: "cheese-dairy",
        ar: "جبن الماعز",
        fr: "Fromage de chèvre",
        en: "Goat cheese",
        variants: &[("250 g", 45, 260)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "ras-el-hanout",
        category: "spices-saffron",
        ar: "رأس الحانوت",
        fr: "Ras el hanout",
        en: "Ras el hanout spice blend",
        variants: &[("100 g", 30, 110), ("250 g", 65, 260)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "ghassoul",
        category: "soap-ghassoul",
        ar: "غاسول",
        fr: "Ghassoul",
        en: "Ghassoul clay",
        variants: &[("200 g", 25, 210)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "savon-noir-beldi",
        category: "soap-ghassoul",
        ar: "الصابون البلدي",
        fr: "Savon noir beldi",
        en: "Beldi black soap",
        variants: &[("250 g", 30, 260)],
        option_name: "weight",
        label: None,
    },
    Template {
        slug: "tapis-berbere",
        category: "carpets",
        ar: "زربية أمازيغية منسوجة يدويا",
        fr: "Tapis berbère tissé main",
        en: "Hand-woven Amazigh carpet",
        variants: &[("120 × 180 cm", 1800, 6000), ("200 × 300 cm", 3200, 14000)],
        option_name: "size",
        label: None,
    },
    Template {
        slug: "tajine-terre-cuite",
        category: "pottery",
        ar: "طاجين فخاري",
        fr: "Tajine en terre cuite",
        en: "Clay tagine",
        variants: &[("26 cm", 120, 2200), ("32 cm", 180, 3300)],
        option_name: "diameter",
        label: None,
    },
    Template {
        slug: "pouf-cuir",
        category: "leather",
        ar: "بوف جلدي",
        fr: "Pouf en cuir",
        en: "Leather pouf",
        variants: &[("50 cm", 450, 2500)],
        option_name: "diameter",
        label: None,
    },
    Template {
        slug: "coussin-brode",
        category: "embroidery-textiles",
        ar: "وسادة مطرزة",
        fr: "Coussin brodé",
        en: "Embroidered cushion",
        variants: &[("40 × 40 cm", 220, 400)],
        option_name: "size",
        label: None,
    },
    Template {
        slug: "coffret-thuya",
        category: "woodwork",
        ar: "علبة من خشب العرعار",
        fr: "Coffret en thuya",
        en: "Thuya wood box",
        variants: &[("small", 160, 300), ("large", 260, 600)],
        option_name: "size",
        label: None,
    },
    Template {
        slug: "clementines-berkane",
        category: "fresh-fruit",
        ar: "كليمنتين بركان",
        fr: "Clémentines de Berkane",
        en: "Berkane clementines",
        variants: &[("5 kg", 60, 5000)],
        option_name: "weight",
        label: Some((LabelType::Igp, "Clémentine de Berkane", &["02"])),
    },
    Template {
        slug: "huile-figue-barbarie",
        category: "argan-cosmetics",
        ar: "زيت بذور الصبار",
        fr: "Huile de pépins de figue de barbarie",
        en: "Prickly pear seed oil",
        variants: &[("15 ml", 250, 60), ("30 ml", 450, 90)],
        option_name: "size",
        label: None,
    },
    Template {
        slug: "plat-ceramique-safi",
        category: "pottery",
        ar: "طبق خزفي آسفي",
        fr: "Plat en céramique de Safi",
        en: "Safi ceramic plate",
        variants: &[("30 cm", 150, 1200)],
        option_name: "diameter",
        label: None,
    },
];

struct DemoCooperative {
    slug: &'static str,
    ar: &'static str,
    fr: &'static str,
    region: &'static str,
    sector: &'static str,
    women: bool,
    youth: bool,
    /// Indexes into TEMPLATES: five products each.
    products: [usize; 5],
}

const COOPERATIVES: &[DemoCooperative] = &[
    DemoCooperative {
        slug: "tighanimine",
        ar: "تعاونية تيغانيمين",
        fr: "Coopérative Tighanimine",
        region: "09",
        sector: "argan",
        women: true,
        youth: false,
        products: [0, 1, 2, 15, 22],
    },
    DemoCooperative {
        slug: "ajddig",
        ar: "تعاونية أجديك",
        fr: "Coopérative Ajddig",
        region: "09",
        sector: "argan",
        women: true,
        youth: false,
        products: [0, 1, 2, 3, 15],
    },
    DemoCooperative {
        slug: "tafyoucht",
        ar: "تعاونية تافيوشت",
        fr: "Coopérative Tafyoucht",
        region: "07",
        sector: "argan",
        women: true,
        youth: false,
        products: [0, 1, 2, 6, 14],
    },
    DemoCooperative {
        slug: "amal-taliouine",
        ar: "تعاونية أمل تالوين",
        fr: "Coopérative Amal Taliouine",
        region: "09",
        sector: "agriculture",
        women: false,
        youth: false,
        products: [5, 11, 13, 10, 2],
    },
    DemoCooperative {
        slug: "souktana-safran",
        ar: "تعاونية سكتانة للزعفران",
        fr: "Coopérative Souktana du Safran",
        region: "09",
        sector: "agriculture",
        women: false,
        youth: true,
        products: [5, 13, 11, 3, 10],
    },
    DemoCooperative {
        slug: "nahla-atlas",
        ar: "تعاونية نحلة الأطلس",
        fr: "Coopérative Nahla Atlas",
        region: "05",
        sector: "beekeeping",
        women: false,
        youth: false,
        products: [3, 4, 2, 10, 13],
    },
    DemoCooperative {
        slug: "miel-imouzzer",
        ar: "تعاونية عسل إيموزار",
        fr: "Coopérative Miel d'Imouzzer",
        region: "09",
        sector: "beekeeping",
        women: false,
        youth: true,
        products: [3, 4, 2, 0, 11],
    },
    DemoCooperative {
        slug: "zitouna-chiadma",
        ar: "تعاونية زيتونة الشياظمة",
        fr: "Coopérative Zitouna Chiadma",
        region: "07",
        sector: "agriculture",
        women: false,
        youth: false,
        products: [6, 10, 13, 8, 12],
    },
    DemoCooperative {
        slug: "olea-ouazzane",
        ar: "تعاونية زيتون وزان",
        fr: "Coopérative Oléa Ouazzane",
        region: "01",
        sector: "agriculture",
        women: false,
        youth: false,
        products: [6, 12, 10, 8, 15],
    },
    DemoCooperative {
        slug: "nakhil-tafilalet",
        ar: "تعاونية نخيل تافيلالت",
        fr: "Coopérative Nakhil Tafilalet",
        region: "08",
        sector: "agriculture",
        women: false,
        youth: true,
        products: [7, 10, 11, 8, 13],
    },
    DemoCooperative {
        slug: "warda-mgouna",
        ar: "تعاونية وردة قلعة مكونة",
        fr: "Coopérative Warda Kelâat M'Gouna",
        region: "08",
        sector: "aromatic-medicinal-plants",
        women: true,
        youth: false,
        products: [9, 15, 14, 1, 13],
    },
    DemoCooperative {
        slug: "tifaout-tafraout",
        ar: "تعاونية تيفاوت تافراوت",
        fr: "Coopérative Tifaout Tafraout",
        region: "09",
        sector: "agriculture",
        women: false,
        youth: false,
        products: [11, 2, 10, 0, 3],
    },
    DemoCooperative {
        slug: "al-baraka-couscous",
        ar: "تعاونية البركة للكسكس",
        fr: "Coopérative Al Baraka Couscous",
        region: "03",
        sector: "food-products",
        women: true,
        youth: false,
        products: [8, 13, 10, 12, 2],
    },
    DemoCooperative {
        slug: "al-amal-chefchaouen",
        ar: "تعاونية الأمل شفشاون",
        fr: "Coopérative Al Amal Chefchaouen",
        region: "01",
        sector: "dairy",
        women: true,
        youth: false,
        products: [12, 3, 10, 8, 19],
    },
    DemoCooperative {
        slug: "tissage-taznakht",
        ar: "تعاونية النسيج تازناخت",
        fr: "Coopérative Tissage Taznakht",
        region: "08",
        sector: "handicrafts",
        women: true,
        youth: false,
        products: [16, 19, 17, 18, 20],
    },
    DemoCooperative {
        slug: "ait-ouaouzguite",
        ar: "تعاونية زربية أيت واوزكيت",
        fr: "Coopérative Zerbia Aït Ouaouzguite",
        region: "08",
        sector: "handicrafts",
        women: false,
        youth: false,
        products: [16, 19, 20, 18, 17],
    },
    DemoCooperative {
        slug: "poterie-safi",
        ar: "تعاونية فخار آسفي",
        fr: "Coopérative Poterie de Safi",
        region: "07",
        sector: "handicrafts",
        women: false,
        youth: false,
        products: [17, 23, 20, 19, 16],
    },
    DemoCooperative {
        slug: "fakhar-fes",
        ar: "تعاونية فخار فاس",
        fr: "Coopérative Fakhar Fès",
        region: "03",
        sector: "handicrafts",
        women: false,
        youth: true,
        products: [17, 23, 18, 19, 20],
    },
    DemoCooperative {
        slug: "cuir-marrakech",
        ar: "تعاونية جلد مراكش",
        fr: "Coopérative Cuir de Marrakech",
        region: "07",
        sector: "handicrafts",
        women: false,
        youth: true,
        products: [18, 19, 20, 16, 17],
    },
    DemoCooperative {
        slug: "broderie-rabat",
        ar: "تعاونية طرز الرباط",
        fr: "Coopérative Broderie de Rabat",
        region: "04",
        sector: "handicrafts",
        women: true,
        youth: false,
        products: [19, 16, 18, 20, 23],
    },
    DemoCooperative {
        slug: "thuya-essaouira",
        ar: "تعاونية العرعار الصويرة",
        fr: "Coopérative Thuya Essaouira",
        region: "07",
        sector: "handicrafts",
        women: false,
        youth: true,
        products: [20, 17, 23, 18, 19],
    },
    DemoCooperative {
        slug: "saboun-meknes",
        ar: "تعاونية الصابون البلدي مكناس",
        fr: "Coopérative Saboun Beldi Meknès",
        region: "03",
        sector: "aromatic-medicinal-plants",
        women: true,
        youth: false,
        products: [15, 14, 9, 13, 1],
    },
    DemoCooperative {
        slug: "ghassoul-missour",
        ar: "تعاونية غاسول ميسور",
        fr: "Coopérative Ghassoul Missour",
        region: "03",
        sector: "aromatic-medicinal-plants",
        women: false,
        youth: false,
        products: [14, 15, 9, 13, 3],
    },
    DemoCooperative {
        slug: "agrumes-berkane",
        ar: "تعاونية حوامض بركان",
        fr: "Coopérative Agrumes de Berkane",
        region: "02",
        sector: "agriculture",
        women: false,
        youth: false,
        products: [21, 6, 3, 10, 12],
    },
    DemoCooperative {
        slug: "sabbar-sidi-ifni",
        ar: "تعاونية الصبار سيدي إفني",
        fr: "Coopérative Sabbar Sidi Ifni",
        region: "10",
        sector: "agriculture",
        women: true,
        youth: true,
        products: [22, 2, 0, 1, 3],
    },
    DemoCooperative {
        slug: "epices-doukkala",
        ar: "تعاونية توابل دكالة",
        fr: "Coopérative Épices de Doukkala",
        region: "06",
        sector: "food-products",
        women: false,
        youth: false,
        products: [13, 8, 5, 10, 12],
    },
    DemoCooperative {
        slug: "saquia-hamra",
        ar: "تعاونية الساقية الحمراء",
        fr: "Coopérative Saquia El Hamra",
        region: "11",
        sector: "food-products",
        women: true,
        youth: false,
        products: [7, 13, 8, 10, 3],
    },
    DemoCooperative {
        slug: "oued-eddahab",
        ar: "تعاونية وادي الذهب",
        fr: "Coopérative Oued Ed-Dahab",
        region: "12",
        sector: "fishing",
        women: true,
        youth: true,
        products: [13, 8, 5, 19, 16],
    },
    DemoCooperative {
        slug: "nahl-figuig",
        ar: "تعاونية نحل فكيك",
        fr: "Coopérative Nahl Figuig",
        region: "02",
        sector: "beekeeping",
        women: false,
        youth: false,
        products: [3, 4, 7, 2, 10],
    },
    DemoCooperative {
        slug: "jeunes-kenitra",
        ar: "تعاونية الشباب حاملي الشهادات القنيطرة",
        fr: "Coopérative des Jeunes Diplômés de Kénitra",
        region: "04",
        sector: "food-products",
        women: false,
        youth: true,
        products: [8, 13, 12, 3, 6],
    },
    DemoCooperative {
        slug: "azilal-herbes",
        ar: "تعاونية أعشاب أزيلال",
        fr: "Coopérative Herbes d'Azilal",
        region: "05",
        sector: "aromatic-medicinal-plants",
        women: true,
        youth: false,
        products: [13, 9, 14, 4, 5],
    },
    DemoCooperative {
        slug: "femmes-artisanes-casa",
        ar: "تعاونية النساء الحرفيات الدار البيضاء",
        fr: "Coopérative des Femmes Artisanes de Casablanca",
        region: "06",
        sector: "handicrafts",
        women: true,
        youth: false,
        products: [19, 18, 16, 20, 23],
    },
];

pub const DEMO_PASSWORD: &str = "taawun-demo-2026";

/// The demo accounts, all with [`DEMO_PASSWORD`]: (email, full name, role, managed cooperative).
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@demo.taawun.ma", "Demo Administrator", Role::Admin, None),
    ("agent@demo.taawun.ma", "Demo Agent", Role::Agent, None),
    ("customer@demo.taawun.ma", "Salma Customer", Role::Customer, None),
    ("manager@tighanimine.demo.taawun.ma", "Fatima Manager", Role::CooperativeManager, Some("tighanimine")),
    ("manager@tissage-taznakht.demo.taawun.ma", "Aicha Manager", Role::CooperativeManager, Some("tissage-taznakht")),
    (super::academy::TRAINER_EMAIL, "Nadia Trainer", Role::Trainer, None),
    (super::academy::LEARNER_EMAIL, "Youssef Learner", Role::Customer, None),
    (super::academy::MEMBER_EMAIL, "Khadija Member", Role::Customer, None),
];

/// The category tree of the demo (and of generated catalogues): created once, then reused.
pub fn ensure_categories(conn: &mut DbConn) -> Result<HashMap<&'static str, i64>, AppError> {
    let mut category_ids = HashMap::new();
    for (position, (slug, parent, ar, fr, en)) in CATEGORIES.iter().enumerate() {
        if let Some(existing) = catalog::category_id_by_slug(conn, slug)? {
            category_ids.insert(*slug, existing);
            continue;
        }
        let name =
            Localized { ar: Some(ar.to_string()), fr: Some(fr.to_string()), en: Some(en.to_string()), zgh: None };
        let parent_id = parent.map(|p| category_ids[p]);
        let id = catalog::insert_category_row(conn, parent_id, slug, position as i32, name)?;
        category_ids.insert(*slug, id);
    }
    Ok(category_ids)
}

/// Loads the demo data unless it is already there; returns whether it loaded anything.
pub fn seed(conn: &mut DbConn, issuer: &Issuer) -> Result<bool, AppError> {
    let marketplace = seed_marketplace(conn)?;
    let academy = super::academy::seed_demo(conn, issuer)?;
    let projects = super::projects::seed_demo(conn)?;
    let scoring = super::scoring::seed_demo(conn)?;
    Ok(marketplace || academy || projects || scoring)
}

/// The cooperatives, their shops and register entries, and the demo accounts.
fn seed_marketplace(conn: &mut DbConn) -> Result<bool, AppError> {
    if registry::cooperative_by_slug(conn, COOPERATIVES[0].slug)?.is_some() {
        return Ok(false);
    }
    let password_hash = auth::hash_password(DEMO_PASSWORD)?;
    write_tx(conn, |conn| {
        let at = now();
        let category_ids = ensure_categories(conn)?;
        let mut rng = Rng(20_261_129);
        let mut cooperatives = Vec::with_capacity(COOPERATIVES.len());
        let mut bundles = Vec::new();
        for (n, c) in COOPERATIVES.iter().enumerate() {
            let region =
                registry::region_by_code(conn, c.region)?.ok_or_else(|| AppError::internal("region missing"))?;
            let sector =
                registry::sector_by_code(conn, c.sector)?.ok_or_else(|| AppError::internal("sector missing"))?;
            let cooperative =
                registry::insert_registered_cooperative(conn, &cooperative_fields(n, c, &region, &sector, at))?;
            for (k, &t) in c.products.iter().enumerate() {
                bundles.push(product_bundle(&mut rng, c, &cooperative, &region, &category_ids, k, t, at));
            }
            cooperatives.push(cooperative);
        }
        let product_ids = catalog::insert_product_bundles(conn, bundles)?;
        catalog::enqueue_search_sync(conn, &product_ids)?;
        super::national::seed_demo(conn, &cooperatives)?;
        for (email, full_name, role, slug) in DEMO_ACCOUNTS {
            let cooperative_id = slug.map(|slug| cooperatives.iter().find(|c| c.slug == slug).map(|c| c.id));
            let id = auth::insert_account_with_hash(
                conn,
                email,
                &password_hash,
                full_name,
                *role,
                cooperative_id.flatten(),
            )?;
            if *email == "customer@demo.taawun.ma" {
                save_demo_address(conn, id)?;
            }
        }
        seed_reviews(conn)?;
        seed_promotions(conn, &cooperatives, at)?;
        Ok(true)
    })
}

/// Two discount codes (no automatic promotion, so demo carts cost their list price): the
/// marketplace's welcome code, once per buyer, and Tighanimine's own on its goods.
fn seed_promotions(
    conn: &mut DbConn,
    cooperatives: &[CooperativeRow],
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    use crate::orders::model::{DiscountFunding, DiscountKind, DiscountScope, NewPromotion};
    let admin = auth::find_account_by_email(conn, "admin@demo.taawun.ma")?
        .ok_or_else(|| AppError::internal("demo account missing"))?
        .id;
    let tighanimine = cooperatives.iter().find(|c| c.slug == "tighanimine").map(|c| c.id);
    let promotion =
        |code: &str, title: &str, value: i64, cooperative_id: Option<i64>, funded_by: DiscountFunding| NewPromotion {
            code: Some(code.into()),
            title: title.into(),
            kind: DiscountKind::Percentage.as_str().into(),
            value,
            scope: if cooperative_id.is_some() { DiscountScope::Cooperative } else { DiscountScope::Cart }
                .as_str()
                .into(),
            cooperative_id,
            category_id: None,
            min_subtotal_minor: Some(10_000),
            starts_at: at,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: Some(1),
            funded_by: funded_by.as_str().into(),
            active: true,
            created_by: admin,
            created_at: at,
            updated_at: at,
        };
    crate::orders::promotions::insert_as_given(
        conn,
        &promotion(
            "BIENVENUE10",
            "Bienvenue : 10 % sur la première commande",
            1_000,
            None,
            DiscountFunding::Marketplace,
        ),
    )?;
    crate::orders::promotions::insert_as_given(
        conn,
        &promotion("TIGHANIMINE15", "Tighanimine : 15 % sur l'argan", 1_500, tighanimine, DiscountFunding::Cooperative),
    )?;
    Ok(())
}

/// A few published reviews, one with the cooperative's answer, so ratings show and sort.
fn seed_reviews(conn: &mut DbConn) -> Result<(), AppError> {
    let account = |conn: &mut DbConn, email: &str| -> Result<i64, AppError> {
        Ok(auth::find_account_by_email(conn, email)?.ok_or_else(|| AppError::internal("demo account missing"))?.id)
    };
    let salma = account(conn, "customer@demo.taawun.ma")?;
    let youssef = account(conn, super::academy::LEARNER_EMAIL)?;
    let fatima = account(conn, "manager@tighanimine.demo.taawun.ma")?;
    // (product, reviewer, their first name, rating, text, the cooperative's answer)
    type DemoReview<'a> = (&'a str, i64, &'a str, i32, &'a str, Option<(&'a str, i64)>);
    let reviews: [DemoReview; 4] = [
        (
            "huile-argan-alimentaire-tighanimine",
            salma,
            "Salma",
            5,
            "Huile parfumée, bien emballée, livrée en trois jours.",
            None,
        ),
        ("huile-argan-alimentaire-tighanimine", youssef, "Youssef", 4, "زيت جيد، الطعم أصيل.", None),
        (
            "amlou-tighanimine",
            salma,
            "Salma",
            3,
            "Bon goût mais un peu trop sucré à mon goût.",
            Some(("Merci ! Nous proposons aussi un amlou sans miel ajouté.", fatima)),
        ),
        ("savon-noir-beldi-tighanimine", youssef, "Youssef", 2, "Le pot est arrivé entamé.", None),
    ];
    for (slug, account_id, name, rating, body, reply) in reviews {
        let product =
            catalog::product_by_slug(conn, slug)?.ok_or_else(|| AppError::internal("demo product missing"))?;
        crate::catalog::reviews::insert_as_given(conn, product.id, account_id, name, rating, body, reply)?;
    }
    Ok(())
}

/// The demo buyer's address book: home in Agadir, the default.
fn save_demo_address(conn: &mut DbConn, account_id: i64) -> Result<(), AppError> {
    let home = crate::orders::model::SavedAddressInput {
        label: Some("Maison".into()),
        address: crate::orders::model::AddressInput {
            full_name: "Salma Customer".into(),
            line1: "12 rue Atlas".into(),
            line2: None,
            city: "Agadir".into(),
            region_code: "09".into(),
            postal_code: Some("80000".into()),
        },
        phone: Some("+212612345678".into()),
        is_default: Some(true),
    };
    crate::orders::address_book::create_for(conn, account_id, home)?;
    Ok(())
}

fn cooperative_fields(
    n: usize,
    c: &DemoCooperative,
    region: &RegionRow,
    sector: &SectorRow,
    at: NaiveDateTime,
) -> CooperativeFields {
    let name_en = c.fr.replace("Coopérative", "Cooperative");
    CooperativeFields {
        slug: c.slug.to_string(),
        registration_number: format!("{}/{}/{:05}", c.region, 2015 + (n % 10), 1000 + n * 37),
        name_ar: Some(c.ar.to_string()),
        name_fr: Some(c.fr.to_string()),
        name_en: Some(name_en.clone()),
        name_zgh: None,
        description_ar: Some(format!("{} تنتج وتبيع منتجات محلية من جهة {}.", c.ar, region.name_ar)),
        description_fr: Some(format!(
            "{} produit et vend des produits du terroir de la région {}.",
            c.fr, region.name_fr
        )),
        description_en: Some(format!(
            "{name_en} makes and sells local products from the {} region.",
            region.name_en.clone().unwrap_or(region.name_fr.clone())
        )),
        description_zgh: None,
        region_id: region.id,
        sector_id: sector.id,
        logo_url: Some(format!("https://picsum.photos/seed/coop-{}/256/256", c.slug)),
        contact_email: Some(format!("contact@{}.demo.taawun.ma", c.slug)),
        contact_phone: Some(format!("+2125{:08}", 20_000_000 + n * 104_729)),
        is_women_cooperative: c.women,
        is_youth_cooperative: c.youth,
        status: CooperativeStatus::Active.as_str().into(),
        updated_at: at,
        commission_rate_bps: None,
    }
}

/// The `k`-th product of a demo cooperative, from template `t`: prices vary by ±10% between
/// cooperatives; about one product in twelve is sold out.
/// Long on purpose: one literal per row written, field by field.
#[allow(clippy::too_many_arguments)]
fn product_bundle(
    rng: &mut Rng,
    c: &DemoCooperative,
    cooperative: &CooperativeRow,
    region: &RegionRow,
    category_ids: &HashMap<&'static str, i64>,
    k: usize,
    t: usize,
    at: NaiveDateTime,
) -> ProductBundle {
    let template = &TEMPLATES[t];
    let slug = format!("{}-{}", template.slug, c.slug);
    let name_en = c.fr.replace("Coopérative", "Cooperative");
    let factor = 90 + rng.below(21) as i64;
    let sold_out = rng.below(12) == 0;
    let variants = template
        .variants
        .iter()
        .enumerate()
        .map(|(position, (value, price_mad, grams))| {
            let price_minor = price_mad * factor;
            // Under the default line maximum (100), so a cart can ask for more than there is.
            let stock = if sold_out { 0 } else { 3 + rng.below(97) as i64 };
            NewVariant {
                product_id: 0,
                fields: VariantFields {
                    sku: format!("{}-{}-{}", c.slug.to_uppercase(), k + 1, position + 1),
                    options_json: serde_json::to_string(&[SelectedOption {
                        name: template.option_name.into(),
                        value: value.to_string(),
                    }])
                    .unwrap_or_default(),
                    price_minor,
                    compare_at_minor: (rng.below(5) == 0).then_some(price_minor + price_minor / 5),
                    weight_grams: Some(*grams),
                    updated_at: at,
                },
                currency: CurrencyCode::Mad.code().into(),
                stock,
                position: position as i32,
                created_at: at,
            }
        })
        .collect();
    let media = (0..2)
        .map(|i| NewMedia {
            product_id: 0,
            url: format!("https://picsum.photos/seed/{slug}-{i}/800/800"),
            alt_ar: Some(template.ar.into()),
            alt_fr: Some(template.fr.into()),
            alt_en: Some(template.en.into()),
            alt_zgh: None,
            position: i,
        })
        .collect();
    let labels = template
        .label
        .filter(|(_, _, regions)| regions.is_empty() || regions.contains(&c.region))
        .map(|(label_type, official_name, _)| NewLabel {
            product_id: 0,
            label_type: label_type.as_str().into(),
            official_name: official_name.into(),
            certifying_body: Some("Organisme de certification agréé (démo)".into()),
            certificate_number: Some(format!("DEMO-{}-{}", label_type.as_str(), slug.to_uppercase())),
            valid_until: NaiveDate::from_ymd_opt(2028, 12, 31),
        })
        .into_iter()
        .collect();
    ProductBundle {
        product: NewProduct {
            fields: ProductFields {
                cooperative_id: cooperative.id,
                category_id: Some(category_ids[template.category]),
                origin_region_id: Some(region.id),
                slug: slug.clone(),
                status: ProductStatus::Active.as_str().into(),
                name_ar: Some(template.ar.into()),
                name_fr: Some(template.fr.into()),
                name_en: Some(template.en.into()),
                name_zgh: None,
                description_ar: Some(format!("{}، من إنتاج {}.", template.ar, c.ar)),
                description_fr: Some(format!("{}, produit par la {}.", template.fr, c.fr)),
                description_en: Some(format!("{}, made by the {}.", template.en, name_en)),
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
