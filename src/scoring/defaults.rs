//! The default scoring model (version 1, installed when no model exists): every measure of
//! the catalogue once, weights summing to 100, grades A–E. The office edits it as data; the
//! figures here are a starting point drawn from the indicator families of DOMAIN.md, not an
//! official rule.

use super::model::*;
use crate::kernel::i18n::Localized;

fn text(ar: &str, fr: &str, en: &str) -> Localized {
    Localized::new(Some(ar.into()), Some(fr.into()), Some(en.into()), None)
}

#[allow(clippy::too_many_arguments)]
fn indicator(
    code: &str,
    family: Family,
    measure: Measure,
    transform: Transform,
    weight: u32,
    label: Localized,
    advice: Localized,
) -> Indicator {
    Indicator { code: code.into(), family, measure, transform, weight, label, advice }
}

use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};

pub fn default_definition() -> Definition {
    let indicators = vec![
        indicator(
            "filings_on_time",
            Family::LegalCompliance,
            Measure::FilingsOnTimeShare,
            Transform::linear(Up, 0.0, 1.0),
            15,
            text("الإيداعات السنوية في آجالها", "Dépôts annuels dans les délais", "Annual filings on time"),
            text(
                "اعقدوا الجمع العام العادي قبل الأجل وأودعوا القوائم المالية خلال 30 يومًا بعده.",
                "Tenez l'assemblée générale ordinaire avant l'échéance et déposez les états financiers dans les 30 jours qui suivent.",
                "Hold the ordinary general assembly before the deadline and file the financial statements within 30 days of it.",
            ),
        ),
        indicator(
            "assembly_recency",
            Family::Governance,
            Measure::YearsSinceAssembly,
            Transform::bands(Down, &[(1.5, 100.0), (2.5, 50.0), (3.5, 20.0)]),
            10,
            text("حداثة آخر جمع عام", "Dernière assemblée générale", "Last general assembly"),
            text(
                "اعقدوا جمعًا عامًا كل سنة وسجلوا محضره عند الإيداع.",
                "Réunissez l'assemblée générale chaque année et joignez son procès-verbal au dépôt.",
                "Hold a general assembly every year and attach its minutes to the filing.",
            ),
        ),
        indicator(
            "members",
            Family::Governance,
            Measure::MembersCount,
            Transform::bands(Up, &[(5.0, 30.0), (10.0, 60.0), (25.0, 85.0), (50.0, 100.0)]),
            5,
            text("عدد المتعاونين", "Nombre de membres", "Members"),
            text(
                "افتحوا باب الانخراط لمنتجين جدد من المنطقة.",
                "Ouvrez l'adhésion à de nouveaux producteurs de votre territoire.",
                "Open membership to new producers from your area.",
            ),
        ),
        indicator(
            "members_change",
            Family::Governance,
            Measure::MembersChange,
            Transform::linear(Up, -0.2, 0.1),
            5,
            text("تطور عدد المتعاونين", "Évolution des membres", "Change in members"),
            text(
                "حافظوا على المتعاونين بإشراكهم في القرارات وتوزيع الفائض.",
                "Fidélisez les membres en les associant aux décisions et à la répartition des excédents.",
                "Keep members by involving them in decisions and in sharing the surplus.",
            ),
        ),
        indicator(
            "result_margin",
            Family::FinancialHealth,
            Measure::ResultMargin,
            Transform::linear(Up, -0.2, 0.15),
            8,
            text("هامش النتيجة", "Marge du résultat", "Result margin"),
            text(
                "راقبوا التكاليف وأسعار البيع، واطلبوا مواكبة في التسيير المالي.",
                "Suivez vos coûts et vos prix de vente, et demandez un accompagnement en gestion financière.",
                "Watch costs and selling prices, and ask for support in financial management.",
            ),
        ),
        indicator(
            "equity_ratio",
            Family::FinancialHealth,
            Measure::EquityRatio,
            Transform::linear(Up, 0.0, 0.6),
            7,
            text("نسبة الأموال الذاتية", "Ratio de fonds propres", "Equity ratio"),
            text(
                "خصصوا جزءًا من الفائض للاحتياطي وخففوا الديون قصيرة الأجل.",
                "Affectez une part des excédents aux réserves et réduisez les dettes à court terme.",
                "Put part of the surplus into reserves and reduce short-term debts.",
            ),
        ),
        indicator(
            "marketplace_sales",
            Family::Activity,
            Measure::MarketplaceSales,
            Transform::bands(Up, &[(1_000.0, 30.0), (10_000.0, 60.0), (50_000.0, 85.0), (200_000.0, 100.0)]),
            6,
            text("المبيعات في السوق الإلكترونية", "Ventes sur la place de marché", "Marketplace sales"),
            text(
                "أضيفوا صورًا ووصفًا بلغتين لمنتجاتكم وحافظوا على المخزون محينًا.",
                "Ajoutez photos et descriptions bilingues à vos produits et tenez le stock à jour.",
                "Add photos and descriptions in two languages to your products and keep the stock up to date.",
            ),
        ),
        indicator(
            "fulfilment_on_time",
            Family::Activity,
            Measure::FulfilmentOnTimeShare,
            Transform::linear(Up, 0.5, 1.0),
            4,
            text("الشحن في الآجال", "Expéditions dans les délais", "Orders shipped on time"),
            text(
                "اشحنوا الطلبيات خلال ثلاثة أيام وسجلوا رقم التتبع.",
                "Expédiez les commandes sous trois jours et saisissez le numéro de suivi.",
                "Ship orders within three days and enter the tracking number.",
            ),
        ),
        indicator(
            "activity_recency",
            Family::Activity,
            Measure::MonthsWithoutActivity,
            Transform::linear(Down, 3.0, 24.0),
            10,
            text("النشاط الحديث", "Activité récente", "Recent activity"),
            text(
                "سجلوا أنشطتكم: الإيداعات والمتعاونين الجدد والمبيعات والتكوينات.",
                "Faites vivre votre dossier : dépôts, nouveaux membres, ventes et formations.",
                "Keep your record alive: filings, new members, sales and training.",
            ),
        ),
        indicator(
            "women_share",
            Family::SocialImpact,
            Measure::WomenShare,
            Transform::linear(Up, 0.0, 0.5),
            5,
            text("حصة النساء", "Part des femmes", "Share of women"),
            text(
                "شجعوا انخراط النساء وتمثيلهن في مجلس الإدارة.",
                "Encouragez l'adhésion des femmes et leur présence au conseil d'administration.",
                "Encourage women to join and to sit on the board.",
            ),
        ),
        indicator(
            "youth_share",
            Family::SocialImpact,
            Measure::YouthShare,
            Transform::linear(Up, 0.0, 0.3),
            5,
            text("حصة الشباب", "Part des jeunes", "Share of young members"),
            text(
                "استقبلوا شبابًا من المنطقة كمتعاونين وتعرفوا على برامج بنك المشاريع.",
                "Accueillez des jeunes du territoire comme membres et découvrez les appels de la banque de projets.",
                "Welcome young people from the area as members and look at the project bank's calls.",
            ),
        ),
        indicator(
            "jobs",
            Family::SocialImpact,
            Measure::Jobs,
            Transform::bands(Up, &[(1.0, 40.0), (3.0, 70.0), (10.0, 100.0)]),
            5,
            text("مناصب الشغل", "Emplois", "Jobs"),
            text(
                "صرحوا بالأجراء في الإيداع السنوي.",
                "Déclarez vos salariés dans le dépôt annuel.",
                "Declare your employees in the annual filing.",
            ),
        ),
        indicator(
            "certificates",
            Family::Capacity,
            Measure::CertificatesPerMember,
            Transform::linear(Up, 0.0, 0.5),
            5,
            text(
                "شهادات الأكاديمية لكل متعاون",
                "Certificats de l'académie par membre",
                "Academy certificates per member",
            ),
            text(
                "سجلوا المتعاونين في دروس الأكاديمية عن الحكامة والتسيير.",
                "Inscrivez vos membres aux cours de l'académie sur la gouvernance et la gestion.",
                "Enrol your members in the academy's governance and management courses.",
            ),
        ),
        indicator(
            "open_findings",
            Family::RiskSignals,
            Measure::OpenFindings,
            Transform::bands(Down, &[(0.0, 100.0), (2.0, 50.0), (5.0, 20.0)]),
            10,
            text("ملاحظات المراقبة المفتوحة", "Constats de contrôle ouverts", "Open control findings"),
            text(
                "نفذوا الإجراءات التصحيحية المطلوبة قبل آجالها.",
                "Mettez en œuvre les actions correctives demandées avant leur échéance.",
                "Carry out the corrective actions asked for before their deadlines.",
            ),
        ),
    ];
    let grade_bands = [("A", 80.0), ("B", 65.0), ("C", 50.0), ("D", 35.0), ("E", 0.0)]
        .into_iter()
        .map(|(grade, min)| GradeBand { grade: grade.into(), min })
        .collect();
    Definition { indicators, grade_bands, risk: RiskParameters::default() }
}
