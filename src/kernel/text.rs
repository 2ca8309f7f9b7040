//! Text folding applied to indexed text and to queries alike, so that every engine matches
//! `أركان`/`الأركان`/`اركان`, `Laâyoune`/`Laayoune` and `l'huile`/`huile`. The original text
//! is stored; only the folded form is indexed. Also URL slugs.

use crate::kernel::error::Checks;
use crate::msg;

/// Folds one character of Arabic script; `None` drops it (harakat, tatweel).
fn fold_arabic(c: char) -> Option<char> {
    Some(match c {
        // Alef with hamza above/below, with madda, wasla.
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        // Moroccan gaf, written three ways.
        'ڭ' | 'ݣ' | 'گ' => 'ك',
        // Harakat, Quranic marks and the superscript alef; tatweel.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => return None,
        // Eastern Arabic and Persian digits.
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        other => other,
    })
}

/// Latin letters without their accents; ligatures are expanded by `fold`.
fn fold_latin(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ḥ' => 'h',
        'ṣ' => 's',
        'ṭ' => 't',
        'ẓ' => 'z',
        'ɛ' => 'e',
        other => other,
    }
}

/// French elided articles and pronouns: `l'huile` → `huile`, `d'argan` → `argan`.
const ELISIONS: [&str; 9] = ["l", "d", "j", "qu", "n", "s", "c", "m", "t"];

/// Whether `word`, followed by `rest`, is an elided French article (`l` in `l'huile`).
pub fn is_elided_article(word: &str, rest: &str) -> bool {
    let mut after = rest.chars();
    ELISIONS.contains(&word.to_lowercase().as_str())
        && matches!(after.next(), Some('\'' | '’' | 'ʼ'))
        && after.next().is_some_and(|c| {
            matches!(fold_latin(c.to_lowercase().next().unwrap_or(c)), 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h')
        })
}

/// Folds text for indexing and searching: lower case, accents, ligatures, French elisions,
/// Arabic letter forms, harakat, tatweel and digits. Tifinagh passes through. Words are
/// separated by single spaces; punctuation becomes a separator.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            word.clear();
        }
    };
    // A word ended by an apostrophe: an elided article if a vowel or `h` follows.
    let mut elided: Option<String> = None;
    for c in text.chars() {
        if c == '\'' || c == '’' || c == 'ʼ' {
            if ELISIONS.contains(&word.as_str()) {
                elided = Some(std::mem::take(&mut word));
            } else {
                flush(&mut word, &mut out);
            }
            continue;
        }
        if let Some(mut article) = elided.take() {
            let next = fold_latin(c.to_lowercase().next().unwrap_or(c));
            if !matches!(next, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h') {
                flush(&mut article, &mut out);
            }
        }
        for lower in c.to_lowercase() {
            match lower {
                'œ' => word.push_str("oe"),
                'æ' => word.push_str("ae"),
                'ß' => word.push_str("ss"),
                c if c.is_alphanumeric() => {
                    if let Some(f) = fold_arabic(fold_latin(c)) {
                        word.push(f);
                    }
                }
                // Combining marks (decomposed accents) vanish; the rest separates words.
                '\u{0300}'..='\u{036F}' => {}
                c if ('\u{064B}'..='\u{065F}').contains(&c) || c == '\u{0670}' || c == '\u{0640}' => {}
                _ => flush(&mut word, &mut out),
            }
        }
    }
    if let Some(mut article) = elided.take() {
        flush(&mut article, &mut out);
    }
    flush(&mut word, &mut out);
    out
}

/// The Arabic definite article glued to a word (`الأركان` → `اركان` once folded): both forms
/// are indexed so either spelling of the query matches.
pub fn without_arabic_article(word: &str) -> Option<&str> {
    let rest = word.strip_prefix("ال")?;
    (rest.chars().count() >= 2).then_some(rest)
}

pub fn is_valid_slug(slug: &str) -> bool {
    (3..=120).contains(&slug.len())
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// A URL slug from a name: folded, Arabic letters transliterated, dashes between words.
pub fn slug(name: &str) -> String {
    let folded = fold(name);
    let mut out = String::new();
    for c in folded.chars() {
        let piece: &str = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'ا' | 'ع' => "a",
            'ب' => "b",
            'ت' | 'ط' => "t",
            'ث' => "th",
            'ج' => "j",
            'ح' | 'ه' => "h",
            'خ' => "kh",
            'د' | 'ض' => "d",
            'ذ' => "dh",
            'ر' => "r",
            'ز' | 'ظ' => "z",
            'س' | 'ص' => "s",
            'ش' => "ch",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            'و' => "ou",
            'ي' => "i",
            _ => "-",
        };
        out.push_str(piece);
    }
    let parts: Vec<&str> = out.split('-').filter(|p| !p.is_empty()).collect();
    let mut slug = parts.join("-");
    slug.truncate(60);
    slug.trim_end_matches('-').to_string()
}

pub fn check_slug(checks: &mut Checks, field: Vec<String>, slug: &str) {
    checks.check(
        is_valid_slug(slug),
        field,
        msg!("must be 3 to 120 characters of a-z, 0-9 and single hyphens (e.g. argan-oil-250ml)"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_letter_forms_fold_together() {
        assert_eq!(fold("أركان"), "اركان");
        assert_eq!(fold("إكليل"), "اكليل");
        assert_eq!(fold("آسفي"), "اسفي");
        assert_eq!(fold("ٱلله"), "الله");
        assert_eq!(fold("تعاونية"), "تعاونيه");
        assert_eq!(fold("مصطفى"), "مصطفي");
    }

    #[test]
    fn harakat_tatweel_and_moroccan_gaf_are_folded() {
        assert_eq!(fold("زَعْفَرَان"), "زعفران");
        assert_eq!(fold("عســـل"), "عسل");
        assert_eq!(fold("ڭلميم"), "كلميم");
        assert_eq!(fold("ݣلميم"), "كلميم");
        assert_eq!(fold("گلميم"), "كلميم");
    }

    #[test]
    fn eastern_digits_become_western() {
        assert_eq!(fold("٢٥٠ مل"), "250 مل");
        assert_eq!(fold("۱۲"), "12");
    }

    #[test]
    fn french_case_accents_ligatures_and_elisions() {
        assert_eq!(fold("Huile d'Argane BIO"), "huile argane bio");
        assert_eq!(fold("l’huile"), "huile");
        assert_eq!(fold("Œufs à l'ail"), "oeufs a ail");
        assert_eq!(fold("Crème brûlée"), "creme brulee");
        assert_eq!(fold("Cre\u{0301}me"), "creme");
        assert_eq!(fold("aujourd'hui"), "aujourd hui");
    }

    #[test]
    fn place_names_fold_across_spellings() {
        assert_eq!(fold("Laâyoune"), fold("Laayoune"));
        assert_eq!(fold("Drâa-Tafilalet"), "draa tafilalet");
        assert_eq!(fold("Béni Mellal-Khénifra"), fold("Beni Mellal-Khenifra"));
        assert_eq!(fold("Kelâat M'Gouna"), "kelaat m gouna");
    }

    #[test]
    fn tifinagh_passes_through() {
        assert_eq!(fold("ⴰⵔⴳⴰⵏ"), "ⴰⵔⴳⴰⵏ");
        assert_eq!(fold("ⵜⴰⵎⵓⵏⵜ ⵏ ⵜⵎⵓⵔⵜ"), "ⵜⴰⵎⵓⵏⵜ ⵏ ⵜⵎⵓⵔⵜ");
    }

    #[test]
    fn the_arabic_article_can_be_dropped() {
        let folded = fold("الأركان");
        assert_eq!(folded, "الاركان");
        assert_eq!(without_arabic_article(&folded), Some("اركان"));
        assert_eq!(without_arabic_article("ال"), None);
        assert_eq!(without_arabic_article("اركان"), None);
    }

    #[test]
    fn slugs_are_checked() {
        assert!(is_valid_slug("huile-argan-250ml"));
        assert!(!is_valid_slug("Huile-Argan"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug("-ab"));
        assert!(!is_valid_slug("ab"));
    }
}
