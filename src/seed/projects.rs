//! The project bank's demo: 63 published project ideas across the 12 regions (in Arabic and
//! French, each tied to a province where it makes sense: saffron in Taroudant, roses in
//! Tinghir, camel milk in Laâyoune…), two funding programmes, an open call and a forecast one,
//! and applications at several stages — one of them selected, trained and prefilled into a
//! registration application. Everything goes through the project bank's services, as the
//! office and applicants would. Also the generator behind `seed projects --applications N`.

use chrono::{Datelike, Duration, NaiveDate};

use crate::auth;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::AppError;
use crate::kernel::graphql::{Date, DateTime, ids};
use crate::kernel::i18n::{Locale, LocalizedTextInput};
use crate::kernel::money::Decimal;
use crate::kernel::viewer::{Role, Viewer};
use crate::projects::inputs::*;
use crate::projects::model::*;
use crate::projects::service;
use crate::registry::model::{Gender, LegalForm};

use super::Rng;

pub const OPEN_CALL: &str = "indh-jeunes-2026";
pub const FORECAST_CALL: &str = "forsa-2027";

fn texts(fr: &str, ar: &str) -> Vec<LocalizedTextInput> {
    vec![
        LocalizedTextInput { locale: Locale::Fr, text: fr.to_string() },
        LocalizedTextInput { locale: Locale::Ar, text: ar.to_string() },
    ]
}

fn viewer(id: i64, role: Role) -> Viewer {
    Viewer { account_id: id, role, cooperative_id: None, region_id: None, token_hash: String::new() }
}

/// An idea as the office's territorial studies describe it; placed in a province below.
struct IdeaTemplate {
    key: &'static str,
    fr: &'static str,
    ar: &'static str,
    summary_fr: &'static str,
    summary_ar: &'static str,
    sector: &'static str,
    value_chain: &'static str,
    /// Investment range (MAD), direct jobs, yearly turnover (MAD).
    investment: (i64, i64),
    jobs: i32,
    turnover: i64,
    targets: &'static [TargetGroup],
    funding: &'static [FundingInstrument],
    requirements: &'static [&'static str],
    market_fr: &'static str,
    market_ar: &'static str,
}

use FundingInstrument::*;
use TargetGroup::*;

const TEMPLATES: &[IdeaTemplate] = &[
    IdeaTemplate {
        key: "argan",
        fr: "Unité de trituration d'huile d'argan",
        ar: "وحدة لعصر زيت الأركان",
        summary_fr: "Concassage, torréfaction et pressage à froid de l'amande d'argan, conditionnement en flacons certifiés IGP Argane.",
        summary_ar: "كسر وتحميص وعصر لوز الأركان على البارد وتعبئته في قنينات حاملة لبيان الأركان الجغرافي المحمي.",
        sector: "argan",
        value_chain: "cueillette, concassage, pressage, conditionnement, vente",
        investment: (250_000, 600_000),
        jobs: 12,
        turnover: 900_000,
        targets: &[Women, Rural],
        funding: &[IndhYouth, Intelaka],
        requirements: &["IGP Argane", "autorisation sanitaire ONSSA"],
        market_fr: "Demande export et cosmétique soutenue ; prix en hausse.",
        market_ar: "طلب قوي من التصدير ومستحضرات التجميل، والأسعار في ارتفاع.",
    },
    IdeaTemplate {
        key: "couscous",
        fr: "Atelier de couscous et céréales roulées",
        ar: "ورشة لإنتاج الكسكس والحبوب المفتولة",
        summary_fr: "Roulage, séchage et ensachage de couscous d'orge, de blé dur et de maïs pour les épiceries et la vente en ligne.",
        summary_ar: "فتل وتجفيف وتعبئة كسكس الشعير والقمح الصلب والذرة لفائدة المتاجر والبيع عبر الإنترنت.",
        sector: "food-products",
        value_chain: "céréales locales, roulage, séchage, ensachage",
        investment: (80_000, 200_000),
        jobs: 8,
        turnover: 350_000,
        targets: &[Women, NeetYouth],
        funding: &[Forsa, IndhYouth],
        requirements: &["autorisation sanitaire ONSSA"],
        market_fr: "Produit de consommation courante, forte demande urbaine.",
        market_ar: "منتوج استهلاك يومي بطلب حضري قوي.",
    },
    IdeaTemplate {
        key: "pam",
        fr: "Séchage et distillation de plantes aromatiques et médicinales",
        ar: "تجفيف وتقطير النباتات العطرية والطبية",
        summary_fr: "Collecte encadrée, séchage à l'ombre et distillation d'huiles essentielles (romarin, thym, armoise).",
        summary_ar: "جمع مؤطر وتجفيف في الظل وتقطير الزيوت الأساسية (إكليل الجبل، الزعتر، الشيح).",
        sector: "aromatic-medicinal-plants",
        value_chain: "collecte, séchage, distillation, export",
        investment: (150_000, 450_000),
        jobs: 10,
        turnover: 600_000,
        targets: &[Rural, NeetYouth],
        funding: &[IndhYouth, RegionalGrant],
        requirements: &["autorisation de collecte des Eaux et Forêts"],
        market_fr: "Huiles essentielles recherchées à l'export.",
        market_ar: "الزيوت الأساسية مطلوبة في التصدير.",
    },
    IdeaTemplate {
        key: "miel",
        fr: "Rucher collectif et miellerie",
        ar: "منحل جماعي ووحدة لاستخلاص العسل",
        summary_fr: "Cinquante ruches modernes, extraction et mise en pot de miel d'euphorbe, de thym et d'oranger.",
        summary_ar: "خمسون خلية عصرية واستخلاص وتعبئة عسل الدغموس والزعتر والليمون.",
        sector: "beekeeping",
        value_chain: "ruches, extraction, mise en pot, vente directe",
        investment: (60_000, 180_000),
        jobs: 6,
        turnover: 250_000,
        targets: &[NeetYouth, Rural],
        funding: &[Forsa, IndhYouth],
        requirements: &["autorisation sanitaire ONSSA"],
        market_fr: "Miels de terroir bien valorisés ; ventes sur les salons.",
        market_ar: "أعسال محلية ذات قيمة جيدة، وبيع في المعارض.",
    },
    IdeaTemplate {
        key: "fromage",
        fr: "Fromagerie de lait de chèvre",
        ar: "وحدة لصناعة جبن حليب الماعز",
        summary_fr: "Collecte du lait des éleveurs voisins et fabrication de fromages frais et affinés.",
        summary_ar: "جمع حليب مربي الماشية المجاورين وصناعة أجبان طرية ومعتقة.",
        sector: "dairy",
        value_chain: "élevage, collecte, transformation, affinage",
        investment: (200_000, 500_000),
        jobs: 9,
        turnover: 550_000,
        targets: &[Women, Rural],
        funding: &[Intelaka, IndhYouth],
        requirements: &["agrément sanitaire ONSSA"],
        market_fr: "Hôtels et épiceries fines des villes proches.",
        market_ar: "الفنادق ومتاجر المنتجات الرفيعة في المدن القريبة.",
    },
    IdeaTemplate {
        key: "tapis",
        fr: "Atelier de tissage de tapis",
        ar: "ورشة لنسج الزرابي",
        summary_fr: "Métiers à tisser, laine teinte aux colorants naturels, vente en ligne et aux bazars.",
        summary_ar: "أنوال نسج وصوف مصبوغ بألوان طبيعية، وبيع عبر الإنترنت وفي البازارات.",
        sector: "handicrafts",
        value_chain: "laine, teinture, tissage, vente",
        investment: (40_000, 120_000),
        jobs: 15,
        turnover: 300_000,
        targets: &[Women],
        funding: &[Forsa, IndhYouth],
        requirements: &[],
        market_fr: "Touristes et acheteurs en ligne ; savoir-faire reconnu.",
        market_ar: "السياح والمشترون عبر الإنترنت، ومهارة معروفة.",
    },
    IdeaTemplate {
        key: "poterie",
        fr: "Atelier de poterie et céramique",
        ar: "ورشة للفخار والخزف",
        summary_fr: "Tour, four à gaz économe et décoration de poteries utilitaires et décoratives.",
        summary_ar: "مخرطة وفرن غازي اقتصادي وزخرفة أواني فخارية نفعية وتزيينية.",
        sector: "handicrafts",
        value_chain: "argile, façonnage, cuisson, décoration",
        investment: (70_000, 220_000),
        jobs: 8,
        turnover: 280_000,
        targets: &[NeetYouth, Graduates],
        funding: &[Forsa, Intelaka],
        requirements: &[],
        market_fr: "Hôtellerie, décoration et export.",
        market_ar: "الفندقة والديكور والتصدير.",
    },
    IdeaTemplate {
        key: "safran",
        fr: "Culture et conditionnement de safran",
        ar: "زراعة وتلفيف الزعفران",
        summary_fr: "Bulbes certifiés, émondage et séchage, conditionnement sous l'AOP Safran de Taliouine.",
        summary_ar: "بصيلات معتمدة وتنقية وتجفيف، وتلفيف تحت تسمية المنشأ المحمية زعفران تالوين.",
        sector: "agriculture",
        value_chain: "bulbes, culture, émondage, séchage, conditionnement",
        investment: (120_000, 350_000),
        jobs: 14,
        turnover: 700_000,
        targets: &[Women, Rural],
        funding: &[IndhYouth, Intelaka],
        requirements: &["AOP Safran de Taliouine"],
        market_fr: "Épice à forte valeur ; demande nationale et export.",
        market_ar: "توابل ذات قيمة عالية، وطلب وطني وتصديري.",
    },
    IdeaTemplate {
        key: "dattes",
        fr: "Unité de tri et de conditionnement de dattes",
        ar: "وحدة لفرز وتلفيف التمور",
        summary_fr: "Tri, lavage, fumigation et emballage de dattes Majhoul, avec chambre froide.",
        summary_ar: "فرز وغسل وتبخير وتلفيف تمور المجهول، مع غرفة تبريد.",
        sector: "agriculture",
        value_chain: "récolte, tri, stockage au froid, emballage",
        investment: (300_000, 900_000),
        jobs: 18,
        turnover: 1_200_000,
        targets: &[NeetYouth, Rural],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["IGP Dattes Majhoul de Tafilalet", "autorisation sanitaire ONSSA"],
        market_fr: "Forte demande pendant le Ramadan et à l'export.",
        market_ar: "طلب قوي خلال رمضان وفي التصدير.",
    },
    IdeaTemplate {
        key: "rose",
        fr: "Distillerie d'eau de rose",
        ar: "وحدة لتقطير ماء الورد",
        summary_fr: "Distillation de la rose de Kelâat M'Gouna en eau florale et huile essentielle.",
        summary_ar: "تقطير ورد قلعة مكونة للحصول على ماء الورد والزيت العطري.",
        sector: "aromatic-medicinal-plants",
        value_chain: "cueillette, distillation, embouteillage",
        investment: (150_000, 400_000),
        jobs: 11,
        turnover: 500_000,
        targets: &[Women, Rural],
        funding: &[IndhYouth, Forsa],
        requirements: &["AOP Rose de Kelâat M'Gouna-Dadès"],
        market_fr: "Cosmétique naturelle, tourisme et export.",
        market_ar: "مستحضرات التجميل الطبيعية والسياحة والتصدير.",
    },
    IdeaTemplate {
        key: "olive",
        fr: "Moulin à huile d'olive moderne",
        ar: "معصرة عصرية لزيت الزيتون",
        summary_fr: "Trituration à deux phases et stockage en cuves inox pour une huile extra vierge.",
        summary_ar: "عصر بنظام المرحلتين وتخزين في صهاريج من الفولاذ لزيت بكر ممتاز.",
        sector: "agriculture",
        value_chain: "olives, trituration, stockage, mise en bouteille",
        investment: (400_000, 1_200_000),
        jobs: 10,
        turnover: 1_500_000,
        targets: &[Rural, Graduates],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["autorisation sanitaire ONSSA"],
        market_fr: "Huile de qualité recherchée ; appui du Plan Génération Green.",
        market_ar: "زيت جيد مطلوب، ودعم مخطط الجيل الأخضر.",
    },
    IdeaTemplate {
        key: "cactus",
        fr: "Valorisation du cactus (figue de barbarie)",
        ar: "تثمين الصبار (التين الشوكي)",
        summary_fr: "Huile de pépins, confitures et cosmétiques à partir de la figue de barbarie.",
        summary_ar: "زيت البذور والمربى ومستحضرات التجميل من التين الشوكي.",
        sector: "agriculture",
        value_chain: "cueillette, extraction, transformation, vente",
        investment: (180_000, 500_000),
        jobs: 9,
        turnover: 450_000,
        targets: &[Women, NeetYouth],
        funding: &[IndhYouth, Intelaka],
        requirements: &["autorisation sanitaire ONSSA"],
        market_fr: "Huile de pépins très valorisée en cosmétique.",
        market_ar: "زيت البذور ذو قيمة عالية في التجميل.",
    },
    IdeaTemplate {
        key: "poisson",
        fr: "Unité de valorisation des produits de la pêche",
        ar: "وحدة لتثمين منتجات الصيد البحري",
        summary_fr: "Filetage, séchage et mise sous vide du poisson de la pêche artisanale.",
        summary_ar: "تقطيع وتجفيف وتلفيف السمك تحت الفراغ من الصيد التقليدي.",
        sector: "fishing",
        value_chain: "débarquement, transformation, froid, distribution",
        investment: (350_000, 1_000_000),
        jobs: 20,
        turnover: 1_400_000,
        targets: &[NeetYouth, Graduates],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["agrément sanitaire ONSSA"],
        market_fr: "Marché national et export vers l'Afrique de l'Ouest.",
        market_ar: "السوق الوطنية والتصدير نحو غرب إفريقيا.",
    },
    IdeaTemplate {
        key: "gite",
        fr: "Gîte rural et circuits de tourisme solidaire",
        ar: "مأوى قروي ومسارات للسياحة التضامنية",
        summary_fr: "Accueil, restauration et randonnées accompagnées par des jeunes guides du territoire.",
        summary_ar: "استقبال وإطعام وجولات مؤطرة من طرف مرشدين شباب من المنطقة.",
        sector: "tourism",
        value_chain: "hébergement, restauration, guidage",
        investment: (250_000, 800_000),
        jobs: 7,
        turnover: 400_000,
        targets: &[NeetYouth, Graduates],
        funding: &[Intelaka, Forsa],
        requirements: &["classement touristique"],
        market_fr: "Tourisme de nature en croissance.",
        market_ar: "سياحة الطبيعة في نمو.",
    },
    IdeaTemplate {
        key: "numerique",
        fr: "Services numériques et logistiques aux coopératives",
        ar: "خدمات رقمية ولوجستية لفائدة التعاونيات",
        summary_fr: "Photographie des produits, fiches en ligne, emballage et expéditions pour les coopératives du territoire.",
        summary_ar: "تصوير المنتجات وإعداد بطاقاتها على الإنترنت والتلفيف والإرسال لفائدة تعاونيات المنطقة.",
        sector: "services",
        value_chain: "photographie, vente en ligne, emballage, expédition",
        investment: (50_000, 150_000),
        jobs: 6,
        turnover: 300_000,
        targets: &[Graduates, NeetYouth],
        funding: &[Forsa, PartnerGrant],
        requirements: &[],
        market_fr: "Des centaines de coopératives voisines sans vitrine en ligne.",
        market_ar: "مئات التعاونيات المجاورة دون واجهة رقمية.",
    },
    IdeaTemplate {
        key: "caroube",
        fr: "Transformation de la caroube",
        ar: "تحويل الخروب",
        summary_fr: "Décorticage de la caroube, poudre et gomme pour l'agroalimentaire.",
        summary_ar: "تقشير الخروب وإنتاج المسحوق والعلك للصناعات الغذائية.",
        sector: "forestry",
        value_chain: "collecte, décorticage, broyage",
        investment: (200_000, 600_000),
        jobs: 10,
        turnover: 650_000,
        targets: &[Rural],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["autorisation des Eaux et Forêts"],
        market_fr: "Gomme de caroube exportée vers l'Europe.",
        market_ar: "علك الخروب يصدر إلى أوروبا.",
    },
    IdeaTemplate {
        key: "chamelle",
        fr: "Laiterie de lait de chamelle",
        ar: "وحدة لحليب النوق",
        summary_fr: "Collecte, pasteurisation et conditionnement du lait de chamelle et de ses dérivés.",
        summary_ar: "جمع وبسترة وتلفيف حليب النوق ومشتقاته.",
        sector: "dairy",
        value_chain: "élevage camelin, collecte, pasteurisation",
        investment: (300_000, 900_000),
        jobs: 12,
        turnover: 800_000,
        targets: &[NeetYouth, Rural],
        funding: &[Intelaka, IndhYouth],
        requirements: &["agrément sanitaire ONSSA"],
        market_fr: "Produit recherché pour ses qualités nutritives.",
        market_ar: "منتوج مطلوب لقيمته الغذائية.",
    },
    IdeaTemplate {
        key: "cuir",
        fr: "Atelier de maroquinerie",
        ar: "ورشة للمصنوعات الجلدية",
        summary_fr: "Sacs, babouches et petite maroquinerie en cuir tanné traditionnellement.",
        summary_ar: "حقائب وبلاغي ومصنوعات جلدية صغيرة من جلد مدبوغ تقليديًا.",
        sector: "handicrafts",
        value_chain: "cuir, coupe, couture, vente",
        investment: (60_000, 180_000),
        jobs: 10,
        turnover: 350_000,
        targets: &[NeetYouth, Graduates],
        funding: &[Forsa, IndhYouth],
        requirements: &[],
        market_fr: "Tourisme et export.",
        market_ar: "السياحة والتصدير.",
    },
    IdeaTemplate {
        key: "broderie",
        fr: "Atelier de broderie traditionnelle",
        ar: "ورشة للطرز التقليدي",
        summary_fr: "Broderie au fil d'or et de soie pour le linge de maison et les caftans.",
        summary_ar: "طرز بخيوط الذهب والحرير لمفروشات المنزل والقفاطين.",
        sector: "handicrafts",
        value_chain: "tissus, broderie, finition, vente",
        investment: (30_000, 90_000),
        jobs: 12,
        turnover: 220_000,
        targets: &[Women],
        funding: &[Forsa, IndhYouth],
        requirements: &[],
        market_fr: "Mariages, fêtes et boutiques de mode.",
        market_ar: "الأعراس والمناسبات ومحلات الأزياء.",
    },
    IdeaTemplate {
        key: "recyclage",
        fr: "Tri et recyclage des déchets",
        ar: "فرز وتدوير النفايات",
        summary_fr: "Collecte sélective, tri et revente du plastique, du carton et du métal; compost des déchets verts.",
        summary_ar: "جمع انتقائي وفرز وبيع البلاستيك والكرتون والمعادن، وتسميد النفايات الخضراء.",
        sector: "services",
        value_chain: "collecte, tri, compactage, revente",
        investment: (150_000, 500_000),
        jobs: 16,
        turnover: 500_000,
        targets: &[NeetYouth],
        funding: &[IndhYouth, PartnerGrant],
        requirements: &["convention avec la commune"],
        market_fr: "Contrats avec les communes et les industriels.",
        market_ar: "عقود مع الجماعات والصناعيين.",
    },
    IdeaTemplate {
        key: "collecte-lait",
        fr: "Centre de collecte et de refroidissement du lait",
        ar: "مركز لجمع وتبريد الحليب",
        summary_fr: "Tanks réfrigérés et contrôle qualité pour les petits éleveurs.",
        summary_ar: "صهاريج مبردة ومراقبة الجودة لفائدة صغار المربين.",
        sector: "dairy",
        value_chain: "élevage, collecte, refroidissement, livraison aux laiteries",
        investment: (250_000, 700_000),
        jobs: 8,
        turnover: 1_000_000,
        targets: &[Rural, Graduates],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["agrément sanitaire ONSSA"],
        market_fr: "Contrats d'achat avec les laiteries régionales.",
        market_ar: "عقود شراء مع معامل الحليب الجهوية.",
    },
    IdeaTemplate {
        key: "amande",
        fr: "Cassage et conditionnement d'amandes",
        ar: "كسر وتلفيف اللوز",
        summary_fr: "Cassage mécanique, tri et conditionnement des amandes de montagne.",
        summary_ar: "كسر آلي وفرز وتلفيف لوز الجبال.",
        sector: "agriculture",
        value_chain: "récolte, cassage, tri, emballage",
        investment: (100_000, 300_000),
        jobs: 9,
        turnover: 450_000,
        targets: &[Women, Rural],
        funding: &[IndhYouth, Forsa],
        requirements: &["IGP Amande de Tafraout"],
        market_fr: "Amandes de terroir bien payées.",
        market_ar: "لوز محلي بثمن جيد.",
    },
    IdeaTemplate {
        key: "agrumes",
        fr: "Station de conditionnement d'agrumes",
        ar: "محطة لتلفيف الحوامض",
        summary_fr: "Lavage, calibrage et emballage des clémentines pour le marché national.",
        summary_ar: "غسل ومعايرة وتلفيف الكليمانتين للسوق الوطنية.",
        sector: "agriculture",
        value_chain: "récolte, calibrage, emballage, froid",
        investment: (500_000, 1_500_000),
        jobs: 25,
        turnover: 2_000_000,
        targets: &[NeetYouth, Rural],
        funding: &[Intelaka, RegionalGrant],
        requirements: &["IGP Clémentine de Berkane"],
        market_fr: "Grande distribution nationale.",
        market_ar: "التوزيع الكبير الوطني.",
    },
];

/// Where each idea is proposed: (region code, [(template key, province code)]).
const PLACES: &[(&str, &[(&str, &str)])] = &[
    (
        "01",
        &[
            ("olive", "ouezzane"),
            ("fromage", "chefchaouen"),
            ("broderie", "tetouan"),
            ("gite", "chefchaouen"),
            ("miel", "larache"),
        ],
    ),
    (
        "02",
        &[("agrumes", "berkane"), ("olive", "taourirt"), ("miel", "jerada"), ("pam", "figuig"), ("dattes", "figuig")],
    ),
    (
        "03",
        &[
            ("cuir", "fes"),
            ("broderie", "fes"),
            ("olive", "taounate"),
            ("pam", "sefrou"),
            ("caroube", "ifrane"),
            ("fromage", "el-hajeb"),
        ],
    ),
    (
        "04",
        &[
            ("couscous", "khemisset"),
            ("numerique", "rabat"),
            ("poterie", "sale"),
            ("recyclage", "skhirate-temara"),
            ("collecte-lait", "sidi-slimane"),
        ],
    ),
    (
        "05",
        &[
            ("olive", "beni-mellal"),
            ("tapis", "khenifra"),
            ("couscous", "fquih-ben-salah"),
            ("gite", "azilal"),
            ("miel", "azilal"),
        ],
    ),
    (
        "06",
        &[
            ("recyclage", "casablanca"),
            ("numerique", "casablanca"),
            ("collecte-lait", "sidi-bennour"),
            ("poisson", "el-jadida"),
            ("pam", "benslimane"),
            ("couscous", "settat"),
        ],
    ),
    (
        "07",
        &[
            ("poterie", "safi"),
            ("argan", "essaouira"),
            ("tapis", "al-haouz"),
            ("cuir", "marrakech"),
            ("gite", "al-haouz"),
            ("olive", "el-kelaa-des-sraghna"),
        ],
    ),
    (
        "08",
        &[
            ("dattes", "errachidia"),
            ("rose", "tinghir"),
            ("dattes", "zagora"),
            ("gite", "ouarzazate"),
            ("tapis", "ouarzazate"),
        ],
    ),
    (
        "09",
        &[
            ("argan", "taroudant"),
            ("safran", "taroudant"),
            ("amande", "tiznit"),
            ("argan", "chtouka-ait-baha"),
            ("poisson", "agadir-ida-outanane"),
        ],
    ),
    (
        "10",
        &[
            ("cactus", "sidi-ifni"),
            ("chamelle", "guelmim"),
            ("argan", "sidi-ifni"),
            ("dattes", "assa-zag"),
            ("poisson", "tan-tan"),
        ],
    ),
    (
        "11",
        &[
            ("chamelle", "laayoune"),
            ("poisson", "boujdour"),
            ("gite", "tarfaya"),
            ("numerique", "laayoune"),
            ("cactus", "es-semara"),
        ],
    ),
    (
        "12",
        &[
            ("poisson", "oued-ed-dahab"),
            ("chamelle", "aousserd"),
            ("gite", "oued-ed-dahab"),
            ("recyclage", "oued-ed-dahab"),
            ("numerique", "oued-ed-dahab"),
        ],
    ),
];

fn mad(amount: i64) -> Decimal {
    Decimal(format!("{amount}.00"))
}

fn idea_input(t: &IdeaTemplate, region: &str, province: &ProvinceRow, code: String) -> ProjectIdeaSaveInput {
    let courses = match t.sector {
        "handicrafts" | "services" => vec!["creer-cooperative".to_string(), "photographier-produits".to_string()],
        _ => vec!["creer-cooperative".to_string()],
    };
    ProjectIdeaSaveInput {
        id: None,
        expected_version: None,
        code,
        title: texts(&format!("{} — {}", t.fr, province.name_fr), &format!("{} – {}", t.ar, province.name_ar)),
        summary: texts(t.summary_fr, t.summary_ar),
        description: texts(
            &format!("{} Projet proposé dans la province de {}.", t.summary_fr, province.name_fr),
            &format!("{} مشروع مقترح في {}.", t.summary_ar, province.name_ar),
        ),
        sector_code: t.sector.to_string(),
        value_chain: t.value_chain.to_string(),
        region_code: region.to_string(),
        province_code: Some(province.code.clone()),
        rationale: texts(
            &format!("Ressource locale disponible à {} et savoir-faire des habitants.", province.name_fr),
            &format!("موارد محلية متوفرة في {} ومهارة السكان.", province.name_ar),
        ),
        target_groups: t.targets.to_vec(),
        legal_forms: vec![LegalForm::Cooperative],
        funding_instruments: t.funding.to_vec(),
        min_members: 5,
        investment_min: mad(t.investment.0),
        investment_max: mad(t.investment.1),
        expected_jobs: t.jobs,
        expected_turnover: mad(t.turnover),
        feasibility: FeasibilityInput {
            market: texts(t.market_fr, t.market_ar),
            inputs: texts("Matières premières locales.", "مواد أولية محلية."),
            land: texts("Local de 100 à 300 m² en location.", "محل من 100 إلى 300 م² للكراء."),
            competition: texts("Peu d'offre organisée sur le territoire.", "عرض منظم قليل في المنطقة."),
        },
        required_course_codes: courses,
        required_path_codes: Vec::new(),
        requirements: t.requirements.iter().map(|r| r.to_string()).collect(),
        source: if code_is_ideathon(t.key) { IdeaSource::Ideathon } else { IdeaSource::TerritorialStudy },
        source_detail: Some("Étude territoriale ODCO 2026".into()),
    }
}

fn code_is_ideathon(key: &str) -> bool {
    matches!(key, "numerique" | "recyclage")
}

fn member(name: &str, nid: &str, gender: Gender, born: (i32, u32, u32), email: Option<&str>) -> TeamMemberInput {
    TeamMemberInput {
        full_name: name.to_string(),
        national_id: nid.to_string(),
        gender,
        birth_date: Date(NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap_or_default()),
        email: email.map(str::to_string),
        phone: None,
        neet: true,
        graduate: false,
        rural: true,
    }
}

/// Loads the project bank's demo unless it is there; needs the demo accounts and the academy's demo.
pub fn seed_demo(conn: &mut DbConn) -> Result<bool, AppError> {
    let find = |conn: &mut DbConn, email: &str| auth::service::find_account_by_email(conn, email);
    let (Some(admin), Some(agent), Some(learner), Some(customer)) = (
        find(conn, "admin@demo.taawun.ma")?,
        find(conn, "agent@demo.taawun.ma")?,
        find(conn, super::academy::LEARNER_EMAIL)?,
        find(conn, "customer@demo.taawun.ma")?,
    ) else {
        return Ok(false);
    };
    if service::visible_call_by_code(conn, None, OPEN_CALL)?.is_some() {
        return Ok(false);
    }
    let admin = viewer(admin.id, Role::Admin);
    let agent_viewer = viewer(agent.id, Role::Agent);
    // Ideas: drafted by the agent, published by the administrator (four eyes).
    for (region, places) in PLACES {
        let provinces = service::provinces(conn, Some(region))?;
        for (n, (key, province)) in places.iter().enumerate() {
            let t = TEMPLATES.iter().find(|t| t.key == *key).ok_or_else(|| AppError::internal("idea template"))?;
            let p = provinces.iter().find(|p| p.code == *province).ok_or_else(|| AppError::internal("province"))?;
            let code = format!("{key}-{province}-{n}");
            let idea = service::save_idea(conn, Some(&agent_viewer), idea_input(t, region, p, code))?;
            let id = ids::encode("ProjectIdea", idea.id);
            service::transition_idea(
                conn,
                Some(&agent_viewer),
                ProjectIdeaTransitionInput { id: id.clone(), to: IdeaStatus::InReview },
            )?;
            service::transition_idea(conn, Some(&admin), ProjectIdeaTransitionInput { id, to: IdeaStatus::Published })?;
        }
    }
    for (code, fr, ar, instrument) in [
        (
            "indh-jeunes",
            "INDH — inclusion économique des jeunes",
            "المبادرة الوطنية للتنمية البشرية — الإدماج الاقتصادي للشباب",
            IndhYouth,
        ),
        ("forsa", "Programme Forsa", "برنامج فرصة", Forsa),
    ] {
        service::save_programme(
            conn,
            Some(&admin),
            FundingProgrammeSaveInput { code: code.into(), name: texts(fr, ar), summary: Vec::new(), instrument },
        )?;
    }
    let criteria =
        |fr: &str, ar: &str, key: &str, weight: i32| CriterionInput { key: key.into(), label: texts(fr, ar), weight };
    let at = now();
    let open = service::save_call(
        conn,
        Some(&admin),
        CallSaveInput {
            id: None,
            code: OPEN_CALL.into(),
            programme_code: "indh-jeunes".into(),
            title: texts("Appel 2026 : coopératives de jeunes et de femmes", "دعوة 2026: تعاونيات الشباب والنساء"),
            summary: texts(
                "Financement et accompagnement de projets coopératifs portés par des jeunes NEET et des femmes.",
                "تمويل ومواكبة مشاريع تعاونية يحملها شباب خارج التعليم والشغل والتكوين ونساء.",
            ),
            opens_at: DateTime(at - Duration::days(10)),
            closes_at: DateTime(at + Duration::days(60)),
            rules: EligibilityRulesInput {
                age_min: Some(18),
                age_max: Some(45),
                applicant_kinds: vec![ApplicantKind::Group, ApplicantKind::Cooperative],
                target_groups: vec![NeetYouth, Women, Youth],
                legal_forms: vec![LegalForm::Cooperative],
                team_size_min: Some(5),
                ..Default::default()
            },
            quotas: QuotasInput { min_women_led_percent: Some(30), min_youth_led_percent: Some(50) },
            criteria: vec![
                criteria("Pertinence territoriale", "الملاءمة الترابية", "relevance", 30),
                criteria("Viabilité économique", "الجدوى الاقتصادية", "viability", 30),
                criteria("Emplois et impact social", "مناصب الشغل والأثر الاجتماعي", "impact", 25),
                criteria("Équipe", "الفريق", "team", 15),
            ],
            exclude_own_cooperative: true,
            exclude_own_region: false,
            budget: mad(5_000_000),
            max_award: mad(300_000),
            reviewer_emails: Some(vec!["agent@demo.taawun.ma".into()]),
        },
    )?;
    service::transition_call(
        conn,
        Some(&admin),
        CallTransitionInput { id: ids::encode("Call", open.id), to: CallStatus::Open },
    )?;
    service::save_call(
        conn,
        Some(&admin),
        CallSaveInput {
            id: None,
            code: FORECAST_CALL.into(),
            programme_code: "forsa".into(),
            title: texts("Forsa 2027 : prêts d'honneur", "فرصة 2027: قروض الشرف"),
            summary: Vec::new(),
            opens_at: DateTime(at + Duration::days(90)),
            closes_at: DateTime(at + Duration::days(150)),
            rules: EligibilityRulesInput { age_min: Some(18), ..Default::default() },
            quotas: QuotasInput::default(),
            criteria: vec![criteria("Qualité du projet", "جودة المشروع", "quality", 100)],
            exclude_own_cooperative: false,
            exclude_own_region: false,
            budget: mad(20_000_000),
            max_award: mad(100_000),
            reviewer_emails: None,
        },
    )?;
    // Youssef's group (saffron in Taroudant) goes all the way: he already holds the
    // certificate of the required course, so selection prefills the registration application.
    let youssef = viewer(learner.id, Role::Customer);
    let team = vec![
        member("Youssef Learner", "JB100201", Gender::Male, (2000, 3, 14), Some(super::academy::LEARNER_EMAIL)),
        member("Hajar Ait Ali", "JB100202", Gender::Female, (2001, 6, 2), None),
        member("Meryem Oubella", "JB100203", Gender::Female, (1999, 1, 20), None),
        member("Brahim Id Lahcen", "JB100204", Gender::Male, (1998, 11, 5), None),
        member("Zahra Boutaleb", "JB100205", Gender::Female, (2002, 8, 30), None),
    ];
    let saffron = service::visible_idea_by_code(conn, None, "safran-taroudant-1")?.map(|i| i.code);
    let app = service::save_application(
        conn,
        Some(&youssef),
        application_input("Safran d'Askaoun", "09", Some("taroudant"), saffron, team.clone()),
    )?;
    let app_id = ids::encode("ProjectApplication", app.id);
    let youth = (18, 34);
    service::submit_application(conn, Some(&youssef), youth, ProjectApplicationSubmitInput { id: app_id.clone() })?;
    service::score_application(
        conn,
        Some(&agent_viewer),
        ProjectApplicationScoreInput {
            id: app_id.clone(),
            scores: [("relevance", 90), ("viability", 75), ("impact", 80), ("team", 70)]
                .map(|(c, p)| CriterionScoreInput { criterion: c.into(), points: p })
                .into(),
            comment: Some("Filière bien ancrée ; marché porteur.".into()),
        },
    )?;
    let rules = crate::kernel::config::RegistryRules::default();
    for (to, reason) in [
        (Stage::Scored, None),
        (Stage::Shortlisted, None),
        (Stage::Interviewed, Some("Entretien du comité provincial")),
        (Stage::Selected, Some("Classé parmi les premiers de la province")),
    ] {
        service::transition_application(
            conn,
            Some(&agent_viewer),
            &rules,
            ProjectApplicationTransitionInput { id: app_id.clone(), to, reason: reason.map(str::to_string) },
        )?;
    }
    // Salma has a draft; an agent filed for a man without an account who is too old for the call.
    let salma = viewer(customer.id, Role::Customer);
    let women: Vec<TeamMemberInput> = (0..5)
        .map(|i| member(&format!("Membre {}", i + 1), &format!("BE2003{i:02}"), Gender::Female, (1996 + i, 4, 1), None))
        .collect();
    let tapis = service::visible_idea_by_code(conn, None, "tapis-khenifra-1")?.map(|i| i.code);
    service::save_application(
        conn,
        Some(&salma),
        application_input("Tapis de Khénifra", "05", Some("khenifra"), tapis, women),
    )?;
    let mut elders: Vec<TeamMemberInput> = (0..5)
        .map(|i| member(&format!("Fondateur {}", i + 1), &format!("D3004{i:02}"), Gender::Male, (1970 + i, 2, 2), None))
        .collect();
    elders[0].neet = false;
    let mut assisted = application_input("Miel de l'Azilal", "05", Some("azilal"), None, elders);
    assisted.channel = Channel::Agent;
    assisted.sector_code = Some("beekeeping".into());
    let filed = service::save_application(conn, Some(&agent_viewer), assisted)?;
    service::submit_application(
        conn,
        Some(&agent_viewer),
        youth,
        ProjectApplicationSubmitInput { id: ids::encode("ProjectApplication", filed.id) },
    )?;
    // Salma keeps a search of ideas for women in Souss-Massa, with alerts.
    service::create_saved_search(
        conn,
        Some(&salma),
        SavedSearchCreateInput {
            name: "Femmes — Souss-Massa".into(),
            query: String::new(),
            filter: Some(IdeaFilter {
                region_codes: vec!["09".into()],
                target_groups: vec![Women],
                ..Default::default()
            }),
            alerts: true,
        },
    )?;
    Ok(true)
}

fn application_input(
    title: &str,
    region: &str,
    province: Option<&str>,
    idea_code: Option<String>,
    members: Vec<TeamMemberInput>,
) -> ProjectApplicationSaveInput {
    ProjectApplicationSaveInput {
        id: None,
        call_code: Some(OPEN_CALL.into()),
        idea_code,
        kind: ApplicantKind::Group,
        channel: Channel::Web,
        applicant_email: None,
        cooperative_id: None,
        region_code: region.into(),
        province_code: province.map(str::to_string),
        sector_code: None,
        legal_form: LegalForm::Cooperative,
        title: title.into(),
        summary: format!("{title} : projet coopératif de cinq fondateurs."),
        requested_amount: mad(250_000),
        contact_email: None,
        contact_phone: None,
        members,
    }
}

/// `n` generated applications to the open call, spread over regions, stages, genders and
/// ages, written in bulk (each with a team of five); answers how many were written.
pub fn generate_applications(conn: &mut DbConn, n: usize, progress: impl Fn(usize, usize)) -> Result<usize, AppError> {
    let call = service::visible_call_by_code(conn, None, OPEN_CALL)?
        .ok_or_else(|| AppError::internal("load the demo first (seed demo)"))?;
    let admin = auth::service::find_account_by_email(conn, "admin@demo.taawun.ma")?
        .ok_or_else(|| AppError::internal("load the demo first (seed demo)"))?;
    let regions = crate::registry::service::list_regions(conn)?;
    let sectors = crate::registry::service::list_sectors(conn)?;
    let stages = [
        (Stage::Eligible, 40),
        (Stage::Ineligible, 25),
        (Stage::Scored, 12),
        (Stage::Shortlisted, 6),
        (Stage::Rejected, 8),
        (Stage::Withdrawn, 4),
        (Stage::Selected, 3),
        (Stage::ReturnedIncomplete, 2),
    ];
    let weight_total: u64 = stages.iter().map(|s| s.1).sum();
    let mut rng = Rng(20_261_130);
    let year = now().year();
    let mut written = 0;
    let start = service::generated_count(conn, call.id)?;
    while written < n {
        let batch = (n - written).min(2_000);
        let rows: Vec<service::GeneratedApplication> = (0..batch)
            .map(|k| {
                let serial = start + written + k;
                let mut pick = rng.below(weight_total);
                let stage = stages
                    .iter()
                    .find(|(_, w)| {
                        if pick < *w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .map(|s| s.0)
                    .unwrap_or(Stage::Eligible);
                service::GeneratedApplication {
                    serial,
                    region_id: regions[rng.below(regions.len() as u64) as usize].id,
                    sector_id: sectors[rng.below(sectors.len() as u64) as usize].id,
                    stage,
                    lead_female: rng.below(100) < 45,
                    lead_birth_year: year - 18 - rng.below(30) as i32,
                }
            })
            .collect();
        write_tx(conn, |conn| service::insert_generated(conn, &call, admin.id, &rows))?;
        written += batch;
        progress(written, n);
    }
    Ok(written)
}

/// `n` generated applicant accounts, signed in: their bearer tokens (for `benches/projects.py`).
pub fn generate_applicants(conn: &mut DbConn, n: usize) -> Result<Vec<String>, AppError> {
    let password_hash = auth::service::hash_password(super::demo::DEMO_PASSWORD)?;
    let start = auth::service::count_accounts_like(conn, "applicant%@generated.taawun.ma")? as usize;
    let mut tokens = Vec::with_capacity(n);
    for chunk_start in (0..n).step_by(2_000) {
        let chunk_end = (chunk_start + 2_000).min(n);
        let chunk = write_tx(conn, |conn| {
            let mut made = Vec::new();
            for k in chunk_start..chunk_end {
                let email = format!("applicant{}@generated.taawun.ma", start + k);
                let id = auth::service::insert_account_with_hash(
                    conn,
                    &email,
                    &password_hash,
                    &format!("Candidat·e {}", start + k),
                    Role::Customer,
                    None,
                )?;
                made.push(auth::service::issue_token(conn, id, 24 * 30)?.token);
            }
            Ok(made)
        })?;
        tokens.extend(chunk);
    }
    Ok(tokens)
}
