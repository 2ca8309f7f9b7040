//! The academy's demo: two learning paths ("Créer et gérer une coopérative", "Vendre en
//! ligne") of three courses each, in Arabic and French, with pages, videos, a document and a
//! quiz per course; a trainer; learners with progress and certificates. Everything goes
//! through the academy's services, as a trainer and the learners would.

use async_graphql::ID;
use chrono::Duration;

use crate::academy::credentials::Issuer;
use crate::academy::inputs::*;
use crate::academy::model::*;
use crate::academy::service;
use crate::auth;
use crate::kernel::db::{DbConn, now};
use crate::kernel::error::AppError;
use crate::kernel::graphql::{DateTime, ids};
use crate::kernel::i18n::{Locale, LocalizedTextInput};
use crate::kernel::viewer::{Role, Viewer};

pub const TRAINER_EMAIL: &str = "trainer@demo.taawun.ma";
pub const LEARNER_EMAIL: &str = "learner@demo.taawun.ma";
pub const MEMBER_EMAIL: &str = "member@tighanimine.demo.taawun.ma";

fn texts(fr: &str, ar: &str) -> Vec<LocalizedTextInput> {
    vec![
        LocalizedTextInput { locale: Locale::Fr, text: fr.to_string() },
        LocalizedTextInput { locale: Locale::Ar, text: ar.to_string() },
    ]
}

struct DemoCourse {
    code: &'static str,
    fr: &'static str,
    ar: &'static str,
    sector: Option<&'static str>,
    level: CourseLevel,
    hours: i32,
    /// The lesson of the first module (French, Arabic).
    lesson: (&'static str, &'static str),
    /// A single-choice question: prompt (fr, ar), choices (fr, ar), the right one.
    choice: (&'static str, &'static str, [(&'static str, &'static str); 3], i32),
    /// A true/false statement (fr, ar) and its truth.
    statement: (&'static str, &'static str, bool),
    /// A numeric question (fr, ar) and its answer.
    number: (&'static str, &'static str, f64),
}

const COURSES: [DemoCourse; 6] = [
    DemoCourse {
        code: "creer-cooperative",
        fr: "Créer une coopérative (loi 112-12)",
        ar: "إحداث تعاونية (القانون 112.12)",
        sector: None,
        level: CourseLevel::Beginner,
        hours: 6,
        lesson: (
            "Une coopérative réunit au moins cinq personnes physiques qui mettent en commun leurs moyens. Le dossier de création est déposé auprès de l'Office, qui l'inscrit au registre central.",
            "تضم التعاونية خمسة أشخاص ذاتيين على الأقل يجمعون وسائلهم. يودع ملف الإحداث لدى المكتب الذي يقيده في السجل المركزي.",
        ),
        choice: (
            "Qui tient le registre central des coopératives ?",
            "من يمسك السجل المركزي للتعاونيات؟",
            [
                ("L'Office du développement de la coopération", "مكتب تنمية التعاون"),
                ("La commune", "الجماعة"),
                ("La banque", "البنك"),
            ],
            0,
        ),
        statement: ("Une coopérative peut être créée par deux personnes.", "يمكن إحداث تعاونية من طرف شخصين.", false),
        number: ("Combien de membres fondateurs faut-il au minimum ?", "ما هو الحد الأدنى لعدد الأعضاء المؤسسين؟", 5.0),
    },
    DemoCourse {
        code: "gouvernance-assemblee",
        fr: "Gouvernance et assemblée générale",
        ar: "الحكامة والجمع العام",
        sector: None,
        level: CourseLevel::Intermediate,
        hours: 5,
        lesson: (
            "L'assemblée générale réunit tous les membres une fois par an au moins : elle approuve les comptes et élit le conseil d'administration.",
            "يجتمع الجمع العام بكل الأعضاء مرة في السنة على الأقل: يصادق على الحسابات وينتخب مجلس الإدارة.",
        ),
        choice: (
            "Qui approuve les comptes annuels ?",
            "من يصادق على الحسابات السنوية؟",
            [
                ("L'assemblée générale", "الجمع العام"),
                ("Le président seul", "الرئيس وحده"),
                ("Le comptable", "المحاسب"),
            ],
            0,
        ),
        statement: ("Chaque membre dispose d'une voix.", "لكل عضو صوت واحد.", true),
        number: (
            "Combien d'assemblées générales ordinaires par an au minimum ?",
            "كم جمعا عاما عاديا في السنة على الأقل؟",
            1.0,
        ),
    },
    DemoCourse {
        code: "comptabilite-cooperative",
        fr: "Tenir la comptabilité de la coopérative",
        ar: "مسك محاسبة التعاونية",
        sector: None,
        level: CourseLevel::Intermediate,
        hours: 8,
        lesson: (
            "Chaque vente et chaque achat sont enregistrés avec leur pièce justificative. Le bilan annuel accompagne le dépôt annuel au registre.",
            "تسجل كل عملية بيع وشراء مع وثيقتها المثبتة. ترفق الحصيلة السنوية بالإيداع السنوي في السجل.",
        ),
        choice: (
            "Que faut-il garder pour chaque achat ?",
            "ما الذي يجب الاحتفاظ به عن كل عملية شراء؟",
            [("La facture", "الفاتورة"), ("Rien", "لا شيء"), ("Une photo du produit", "صورة المنتج")],
            0,
        ),
        statement: ("Le bilan annuel est déposé avec le dépôt annuel.", "ترفق الحصيلة السنوية بالإيداع السنوي.", true),
        number: (
            "Un achat de 1 200 MAD et un autre de 800 MAD : total en MAD ?",
            "شراء بـ 1200 درهم وآخر بـ 800 درهم: المجموع بالدرهم؟",
            2000.0,
        ),
    },
    DemoCourse {
        code: "photographier-produits",
        fr: "Photographier ses produits",
        ar: "تصوير المنتجات",
        sector: Some("argan"),
        level: CourseLevel::Beginner,
        hours: 3,
        lesson: (
            "Photographiez à la lumière du jour, sur un fond uni, le produit entier puis un détail. Une photo nette vend mieux qu'une longue description.",
            "صوروا في ضوء النهار وعلى خلفية موحدة، المنتج كاملا ثم تفصيلا منه. الصورة الواضحة تبيع أفضل من وصف طويل.",
        ),
        choice: (
            "Quelle lumière choisir ?",
            "أي إضاءة نختار؟",
            [("La lumière du jour", "ضوء النهار"), ("Le flash direct", "الفلاش المباشر"), ("La pénombre", "الظل")],
            0,
        ),
        statement: ("Un fond chargé met le produit en valeur.", "الخلفية المزدحمة تبرز المنتج.", false),
        number: (
            "Combien de photos au minimum : le produit entier et un détail ?",
            "كم صورة على الأقل: المنتج كاملا وتفصيل منه؟",
            2.0,
        ),
    },
    DemoCourse {
        code: "fiche-produit",
        fr: "Rédiger une fiche produit",
        ar: "كتابة بطاقة المنتج",
        sector: None,
        level: CourseLevel::Beginner,
        hours: 3,
        lesson: (
            "Une fiche produit donne le nom, l'origine, le label (IGP, AOP), le poids ou le volume et le prix. Écrivez-la en arabe et en français.",
            "تتضمن بطاقة المنتج الاسم والأصل والعلامة (البيان الجغرافي المحمي، تسمية المنشأ) والوزن أو الحجم والثمن. اكتبوها بالعربية والفرنسية.",
        ),
        choice: (
            "Que signale un label IGP ?",
            "ماذا تعني علامة البيان الجغرافي المحمي؟",
            [
                ("Une origine géographique protégée", "أصلا جغرافيا محميا"),
                ("Une promotion", "تخفيضا"),
                ("Un produit importé", "منتجا مستوردا"),
            ],
            0,
        ),
        statement: ("Le prix doit figurer sur la fiche.", "يجب أن يظهر الثمن في البطاقة.", true),
        number: (
            "Une bouteille de 250 ml : combien de bouteilles pour un litre ?",
            "قارورة من 250 مل: كم قارورة في لتر؟",
            4.0,
        ),
    },
    DemoCourse {
        code: "commandes-livraisons",
        fr: "Gérer commandes et livraisons",
        ar: "تدبير الطلبيات والتسليم",
        sector: None,
        level: CourseLevel::Intermediate,
        hours: 4,
        lesson: (
            "Confirmez chaque commande le jour même, emballez avec soin et indiquez le numéro de suivi. Le paiement à la livraison reste le plus courant.",
            "أكدوا كل طلبية في اليوم نفسه، وغلفوا بعناية، وأدخلوا رقم التتبع. يبقى الدفع عند الاستلام الأكثر استعمالا.",
        ),
        choice: (
            "Quand confirmer une commande ?",
            "متى نؤكد الطلبية؟",
            [("Le jour même", "في اليوم نفسه"), ("Après une semaine", "بعد أسبوع"), ("Jamais", "أبدا")],
            0,
        ),
        statement: ("Le numéro de suivi aide l'acheteur.", "رقم التتبع يساعد المشتري.", true),
        number: (
            "Trois colis à 35 MAD de livraison chacun : coût total en MAD ?",
            "ثلاثة طرود بـ 35 درهما للتسليم لكل منها: الكلفة الإجمالية بالدرهم؟",
            105.0,
        ),
    },
];

fn course_input(c: &DemoCourse) -> CourseSaveInput {
    let page = |fr: &str, ar: &str, rule: CompletionRuleKind| ActivityInput {
        id: None,
        kind: ActivityKind::Page,
        title: texts("Leçon", "الدرس"),
        body: texts(fr, ar),
        url: None,
        low_bandwidth_url: None,
        duration_seconds: None,
        size_bytes: None,
        completion: rule,
        min_score: None,
        required: true,
        estimated_minutes: 10,
        quiz: None,
    };
    let video = ActivityInput {
        id: None,
        kind: ActivityKind::Video,
        title: texts("Vidéo : l'essentiel", "فيديو: الأساسيات"),
        body: Vec::new(),
        url: Some(format!("https://media.taawun.ma/academy/{}/essentiel-720p.mp4", c.code)),
        low_bandwidth_url: Some(format!("https://media.taawun.ma/academy/{}/essentiel-240p.mp4", c.code)),
        duration_seconds: Some(420),
        size_bytes: None,
        completion: CompletionRuleKind::View,
        min_score: None,
        required: true,
        estimated_minutes: 7,
        quiz: None,
    };
    let document = ActivityInput {
        id: None,
        kind: ActivityKind::Document,
        title: texts("Fiche pratique (PDF)", "بطاقة عملية (PDF)"),
        body: Vec::new(),
        url: Some(format!("https://media.taawun.ma/academy/{}/fiche.pdf", c.code)),
        low_bandwidth_url: None,
        duration_seconds: None,
        size_bytes: Some(184_320),
        completion: CompletionRuleKind::View,
        min_score: None,
        required: false,
        estimated_minutes: 5,
        quiz: None,
    };
    let (prompt_fr, prompt_ar, choices, right) = c.choice;
    let quiz = QuizInput {
        pass_mark: 60.0,
        attempts_allowed: 3,
        time_limit_seconds: Some(900),
        grading: QuizGrading::Highest,
        shuffle: true,
        questions: vec![
            QuestionInput {
                kind: QuestionKind::SingleChoice,
                prompt: texts(prompt_fr, prompt_ar),
                points: 1,
                choices: choices.iter().map(|(fr, ar)| ChoiceInput { text: texts(fr, ar) }).collect(),
                matches: Vec::new(),
                correct_choices: vec![right],
                correct_boolean: None,
                accepted_texts: Vec::new(),
                numeric_answer: None,
                tolerance: 0.0,
            },
            QuestionInput {
                kind: QuestionKind::TrueFalse,
                prompt: texts(c.statement.0, c.statement.1),
                points: 1,
                choices: Vec::new(),
                matches: Vec::new(),
                correct_choices: Vec::new(),
                correct_boolean: Some(c.statement.2),
                accepted_texts: Vec::new(),
                numeric_answer: None,
                tolerance: 0.0,
            },
            QuestionInput {
                kind: QuestionKind::Numeric,
                prompt: texts(c.number.0, c.number.1),
                points: 1,
                choices: Vec::new(),
                matches: Vec::new(),
                correct_choices: Vec::new(),
                correct_boolean: None,
                accepted_texts: Vec::new(),
                numeric_answer: Some(c.number.2),
                tolerance: 0.0,
            },
        ],
    };
    CourseSaveInput {
        id: None,
        code: c.code.to_string(),
        title: texts(c.fr, c.ar),
        summary: texts(c.lesson.0, c.lesson.1),
        sector_code: c.sector.map(str::to_string),
        level: c.level,
        languages: vec![Locale::Ar, Locale::Fr],
        hours: c.hours,
        min_activities: None,
        modules: vec![
            ModuleInput {
                id: None,
                title: texts("Comprendre", "الفهم"),
                summary: Vec::new(),
                sequential: false,
                prerequisites: Vec::new(),
                activities: vec![page(c.lesson.0, c.lesson.1, CompletionRuleKind::View), video, document],
            },
            ModuleInput {
                id: None,
                title: texts("Mettre en pratique", "التطبيق"),
                summary: Vec::new(),
                sequential: true,
                prerequisites: vec![0],
                activities: vec![
                    page(
                        "Appliquez la leçon à votre coopérative, puis marquez cette activité comme faite.",
                        "طبقوا الدرس على تعاونيتكم، ثم أشروا على هذا النشاط كمنجز.",
                        CompletionRuleKind::MarkDone,
                    ),
                    ActivityInput {
                        id: None,
                        kind: ActivityKind::Quiz,
                        title: texts("Quiz", "اختبار"),
                        body: Vec::new(),
                        url: None,
                        low_bandwidth_url: None,
                        duration_seconds: None,
                        size_bytes: None,
                        completion: CompletionRuleKind::Pass,
                        min_score: None,
                        required: true,
                        estimated_minutes: 10,
                        quiz: Some(quiz),
                    },
                ],
            },
        ],
    }
}

fn viewer(id: i64, role: Role, cooperative_id: Option<i64>) -> Viewer {
    Viewer { account_id: id, role, cooperative_id, region_id: None, token_hash: String::new() }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// Takes every activity of a course as a learner would, passing its quiz.
fn complete_course(
    conn: &mut DbConn,
    issuer: &Issuer,
    learner: &Viewer,
    course: &CourseRow,
    c: &DemoCourse,
    events: &mut u64,
) -> Result<(), AppError> {
    let content = course.draft();
    let mut batch = Vec::new();
    let started = now();
    for (i, activity) in content.activities().enumerate() {
        if activity.kind == ActivityKind::Quiz {
            continue;
        }
        let verb = if activity.rule == CompletionRuleKind::MarkDone {
            LearningVerb::Completed
        } else {
            LearningVerb::Experienced
        };
        *events += 1;
        batch.push(LearningEventInput {
            id: uuid(*events),
            verb,
            activity_id: ids::encode("Activity", activity.id),
            timestamp: DateTime(started + Duration::milliseconds(i as i64)),
            result: None,
        });
    }
    service::record_events(conn, Some(learner), issuer, LearningEventsRecordInput { events: batch })?;
    let quiz = content.activities().find(|a| a.kind == ActivityKind::Quiz).map(|a| a.id).unwrap_or_default();
    let attempt = service::start_attempt(
        conn,
        Some(learner),
        QuizAttemptStartInput { activity_id: ids::encode("Activity", quiz) },
    )?;
    let right = format!("q1c{}", c.choice.3 + 1);
    let answers = vec![
        QuizAnswerInput {
            question: "q1".into(),
            choices: Some(vec![right]),
            boolean: None,
            text: None,
            number: None,
            pairs: None,
        },
        QuizAnswerInput {
            question: "q2".into(),
            choices: None,
            boolean: Some(c.statement.2),
            text: None,
            number: None,
            pairs: None,
        },
        QuizAnswerInput {
            question: "q3".into(),
            choices: None,
            boolean: None,
            text: None,
            number: Some(c.number.2),
            pairs: None,
        },
    ];
    service::submit_attempt(
        conn,
        Some(learner),
        issuer,
        QuizAttemptSubmitInput {
            attempt_id: Some(ids::encode("QuizAttempt", attempt.attempt.id)),
            activity_id: None,
            attempt_key: None,
            started_at: None,
            submitted_at: None,
            answers,
        },
    )?;
    Ok(())
}

/// Loads the academy's demo unless it is there; needs the demo accounts.
pub fn seed_demo(conn: &mut DbConn, issuer: &Issuer) -> Result<bool, AppError> {
    let find = |conn: &mut DbConn, email: &str| auth::service::find_account_by_email(conn, email);
    let (Some(trainer), Some(learner), Some(member)) =
        (find(conn, TRAINER_EMAIL)?, find(conn, LEARNER_EMAIL)?, find(conn, MEMBER_EMAIL)?)
    else {
        return Ok(false);
    };
    if service::visible_course_by_code(conn, None, COURSES[0].code)?.is_some() {
        return Ok(false);
    }
    let trainer = viewer(trainer.id, Role::Trainer, None);
    let mut courses = Vec::new();
    for c in &COURSES {
        let saved = service::save_course(conn, Some(&trainer), course_input(c))?;
        let published =
            service::publish_course(conn, Some(&trainer), CoursePublishInput { id: ids::encode("Course", saved.id) })?;
        courses.push(published);
    }
    let paths = [
        ("creer-gerer-cooperative", "Créer et gérer une coopérative", "إحداث وتسيير تعاونية", &courses[0..3]),
        ("vendre-en-ligne", "Vendre en ligne", "البيع عبر الإنترنت", &courses[3..6]),
    ];
    let mut path_ids = Vec::new();
    for (code, fr, ar, members) in paths {
        let path = service::save_path(
            conn,
            Some(&trainer),
            LearningPathSaveInput {
                id: None,
                code: code.to_string(),
                title: texts(fr, ar),
                summary: Vec::new(),
                sector_code: None,
                level: CourseLevel::Beginner,
                course_ids: members.iter().map(|c| ids::encode("Course", c.id)).collect(),
                status: CourseStatus::Published,
            },
        )?;
        path_ids.push(path.id);
    }
    // Youssef follows the first path: the first course done (a certificate), the second begun.
    let youssef = viewer(learner.id, Role::Customer, None);
    let enrol_path = |conn: &mut DbConn, who: &Viewer, path: i64| {
        service::enroll(
            conn,
            Some(who),
            EnrollmentCreateInput {
                course_id: None,
                path_id: Some(ID(ids::encode("LearningPath", path).0)),
                learner_email: None,
                cooperative_id: None,
            },
        )
    };
    enrol_path(conn, &youssef, path_ids[0])?;
    let mut events = 0u64;
    complete_course(conn, issuer, &youssef, &courses[0], &COURSES[0], &mut events)?;
    let first = courses[1].draft().activities().next().map(|a| a.id).unwrap_or_default();
    events += 1;
    service::record_events(
        conn,
        Some(&youssef),
        issuer,
        LearningEventsRecordInput {
            events: vec![LearningEventInput {
                id: uuid(events),
                verb: LearningVerb::Experienced,
                activity_id: ids::encode("Activity", first),
                timestamp: DateTime(now()),
                result: None,
            }],
        },
    )?;
    // Khadija, a member of Tighanimine, enrolled by her manager, has finished the photo course.
    let khadija = viewer(member.id, Role::Customer, None);
    let manager =
        find(conn, "manager@tighanimine.demo.taawun.ma")?.ok_or_else(|| AppError::internal("demo manager missing"))?;
    service::enroll(
        conn,
        Some(&viewer(manager.id, Role::CooperativeManager, manager.cooperative_id)),
        EnrollmentCreateInput {
            course_id: Some(ids::encode("Course", courses[3].id)),
            path_id: None,
            learner_email: Some(MEMBER_EMAIL.to_string()),
            cooperative_id: None,
        },
    )?;
    complete_course(conn, issuer, &khadija, &courses[3], &COURSES[3], &mut events)?;
    Ok(true)
}

/// What `seed academy` made: the learners, and a few signed-in ones for the benchmark.
pub struct GeneratedLearners {
    pub learners: usize,
    /// `(token, enrolment id, ids of the activities a device reports on)`, one per signed-in learner.
    pub sessions: Vec<(String, String, Vec<String>)>,
}

/// `learners` generated learner accounts, each enrolled in one of the demo's courses (in
/// turn), and bearer tokens for the first `sessions` of them. Needs the academy's demo.
pub fn generate_learners(
    conn: &mut DbConn,
    learners: usize,
    sessions: usize,
    progress: impl Fn(usize, usize),
) -> Result<GeneratedLearners, AppError> {
    let mut courses = Vec::new();
    for c in &COURSES {
        match service::visible_course_by_code(conn, None, c.code)? {
            Some(course) => courses.push(course),
            None => return Err(AppError::internal("the academy's demo is missing: run `taawun seed demo` first")),
        }
    }
    let password_hash = auth::service::hash_password(super::demo::DEMO_PASSWORD)?;
    let start = auth::service::count_accounts_like(conn, "learner%@generated.taawun.ma")? as usize;
    let mut made = Vec::with_capacity(learners);
    for chunk_start in (0..learners).step_by(5_000) {
        let chunk_end = (chunk_start + 5_000).min(learners);
        let chunk = crate::kernel::db::write_tx(conn, |conn| {
            let mut pairs = Vec::with_capacity(chunk_end - chunk_start);
            for n in chunk_start..chunk_end {
                let email = format!("learner{}@generated.taawun.ma", start + n);
                let name = format!("Apprenant·e {}", start + n);
                let id =
                    auth::service::insert_account_with_hash(conn, &email, &password_hash, &name, Role::Customer, None)?;
                pairs.push((id, courses[n % courses.len()].id));
            }
            service::enroll_generated(conn, &pairs)?;
            Ok(pairs)
        })?;
        made.extend(chunk);
        progress(chunk_end, learners);
    }
    let mut signed_in = Vec::new();
    for (account, course) in made.iter().take(sessions) {
        let token = auth::service::issue_token(conn, *account, 24 * 30)?.token;
        let viewer = viewer(*account, Role::Customer, None);
        let enrollment = service::viewer_enrollments(conn, &viewer, &[*course])?
            .remove(course)
            .ok_or_else(|| AppError::internal("generated enrolment missing"))?;
        let (_, content) = service::version_content(conn, enrollment.version_id)?
            .ok_or_else(|| AppError::internal("version missing"))?;
        let activities = content
            .activities()
            .filter(|a| a.kind != ActivityKind::Quiz)
            .map(|a| ids::encode("Activity", a.id).0)
            .collect();
        signed_in.push((token, ids::encode("Enrollment", enrollment.id).0, activities));
    }
    Ok(GeneratedLearners { learners: made.len(), sessions: signed_in })
}
