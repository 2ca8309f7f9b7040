//! The words generated data is made of: distinctive words of cooperative names, places per
//! region, given and family names, and the goods cooperatives sell, in Arabic and French (and
//! English for goods).

use crate::catalog::model::LabelType;

/// Distinctive words of cooperative names (Arabic, Latin spelling).
pub const WORDS: [(&str, &str); 40] = [
    ("الأمل", "Al Amal"),
    ("النور", "Annour"),
    ("الخير", "Al Khair"),
    ("الفتح", "Al Fath"),
    ("السلام", "Assalam"),
    ("الوحدة", "Al Wahda"),
    ("الواحة", "Al Waha"),
    ("الزيتون", "Zitoune"),
    ("أركان", "Argane"),
    ("تيفاوين", "Tifawin"),
    ("تودرت", "Toudert"),
    ("إيمان", "Imane"),
    ("الرحمة", "Arrahma"),
    ("البركة", "Al Baraka"),
    ("المستقبل", "Al Moustakbal"),
    ("الفلاح", "Al Falah"),
    ("النجاح", "Annajah"),
    ("التضامن", "Attadamoun"),
    ("الإخلاص", "Al Ikhlas"),
    ("الصفاء", "Assafaa"),
    ("تازيري", "Taziri"),
    ("تيليلا", "Tilila"),
    ("أزرو", "Azrou"),
    ("تافوكت", "Tafoukt"),
    ("أمود", "Amoud"),
    ("إيدرارن", "Idrarn"),
    ("النخيل", "Annakhil"),
    ("الياسمين", "Yasmine"),
    ("الورود", "Al Wouroud"),
    ("الزعفران", "Azzaafarane"),
    ("الأطلس", "Atlas"),
    ("الريف", "Rif"),
    ("الجبل", "Al Jabal"),
    ("السهل", "Assahl"),
    ("العين", "Al Ain"),
    ("الكرامة", "Al Karama"),
    ("الهدى", "Al Houda"),
    ("الشروق", "Achourouk"),
    ("الغد", "Al Ghad"),
    ("المنار", "Al Manar"),
];

/// Places per region code (Arabic, Latin), the province first.
pub const PLACES: [(&str, &[(&str, &str)]); 12] = [
    ("01", &[("شفشاون", "Chefchaouen"), ("تطوان", "Tétouan"), ("الحسيمة", "Al Hoceïma"), ("وزان", "Ouezzane")]),
    ("02", &[("فكيك", "Figuig"), ("بركان", "Berkane"), ("جرادة", "Jerada"), ("تاوريرت", "Taourirt")]),
    ("03", &[("إفران", "Ifrane"), ("صفرو", "Sefrou"), ("تاونات", "Taounate"), ("بولمان", "Boulemane")]),
    ("04", &[("الخميسات", "Khémisset"), ("سيدي قاسم", "Sidi Kacem"), ("القنيطرة", "Kénitra"), ("سلا", "Salé")]),
    (
        "05",
        &[("أزيلال", "Azilal"), ("خنيفرة", "Khénifra"), ("الفقيه بن صالح", "Fquih Ben Salah"), ("خريبكة", "Khouribga")],
    ),
    ("06", &[("سطات", "Settat"), ("الجديدة", "El Jadida"), ("برشيد", "Berrechid"), ("بنسليمان", "Benslimane")]),
    ("07", &[("الحوز", "Al Haouz"), ("الصويرة", "Essaouira"), ("شيشاوة", "Chichaoua"), ("آسفي", "Safi")]),
    ("08", &[("تنغير", "Tinghir"), ("زاكورة", "Zagora"), ("ورزازات", "Ouarzazate"), ("الرشيدية", "Errachidia")]),
    (
        "09",
        &[("تارودانت", "Taroudant"), ("اشتوكة آيت باها", "Chtouka Aït Baha"), ("تيزنيت", "Tiznit"), ("طاطا", "Tata")],
    ),
    ("10", &[("كلميم", "Guelmim"), ("سيدي إفني", "Sidi Ifni"), ("طانطان", "Tan-Tan"), ("أسا الزاك", "Assa-Zag")]),
    ("11", &[("العيون", "Laâyoune"), ("بوجدور", "Boujdour"), ("طرفاية", "Tarfaya"), ("السمارة", "Es-Semara")]),
    ("12", &[("الداخلة", "Dakhla"), ("أوسرد", "Aousserd"), ("بئر كندوز", "Bir Gandouz"), ("العركوب", "El Argoub")]),
];

pub const GIVEN_F: [&str; 12] =
    ["Fatima", "Khadija", "Aicha", "Malika", "Naima", "Zahra", "Hafsa", "Samira", "Ijja", "Itto", "Touda", "Meryem"];

pub const GIVEN_M: [&str; 12] = [
    "Mohamed", "Ahmed", "Youssef", "Brahim", "Lahcen", "Hassan", "Omar", "Abdellah", "Said", "Moha", "Driss", "Rachid",
];

pub const FAMILY: [&str; 12] = [
    "Bennani",
    "Amrani",
    "Ait Ali",
    "Ouchen",
    "El Idrissi",
    "Alaoui",
    "Boutaleb",
    "Id Brahim",
    "Tazi",
    "Ouali",
    "Berrada",
    "Akdim",
];

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
