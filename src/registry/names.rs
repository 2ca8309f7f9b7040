//! Names in the register compared the way an agent would: after folding case, accents and
//! Arabic letter forms, without the generic words ("coopérative", "تعاونية", "de"…), and by a
//! consonant skeleton that is the same for an Arabic name and its Latin spellings
//! (`تعاونية أركان` ~ `Coopérative Argane` ~ `Cooperative Argan`).

use crate::kernel::text::{fold, without_arabic_article};

/// Words that say what a name is rather than which one it is (already folded).
const GENERIC_WORDS: &[&str] = &[
    "cooperative",
    "cooperatives",
    "coop",
    "cooperativa",
    "union",
    "unions",
    "federation",
    "ste",
    "de",
    "des",
    "du",
    "la",
    "le",
    "les",
    "l",
    "d",
    "et",
    "pour",
    "of",
    "the",
    "and",
    "el",
    "al",
    "تعاونيه",
    "تعاونيات",
    "اتحاد",
    "جامعه",
    "فيدراليه",
    "ل",
    "و",
    "في",
];

/// The folded name without generic words: equal folded names are the same name.
pub fn folded(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| without_arabic_article(w).unwrap_or(w))
        .filter(|w| !GENERIC_WORDS.contains(w))
        .collect();
    words.join(" ")
}

/// The consonant class of a letter in either script; `None` for vowels and letters that
/// spellings drop or vary (h, ع, hamza, w/y/و/ي used as vowels).
fn class_of(c: char) -> Option<char> {
    Some(match c {
        'b' | 'p' | 'ب' | 'پ' => 'B',
        't' | 'ت' | 'ط' | 'ث' => 'T',
        'd' | 'د' | 'ض' | 'ذ' => 'D',
        'z' | 'ز' | 'ظ' => 'Z',
        's' | 'س' | 'ص' => 'S',
        'x' | 'ش' => 'X',
        'j' | 'ج' => 'J',
        'k' | 'q' | 'c' | 'g' | 'ك' | 'ق' | 'خ' => 'K',
        'غ' => 'G',
        'f' | 'v' | 'ف' | 'ڤ' => 'F',
        'l' | 'ل' => 'L',
        'm' | 'م' => 'M',
        'n' | 'ن' => 'N',
        'r' | 'ر' => 'R',
        c if c.is_ascii_digit() => c,
        _ => return None,
    })
}

/// The consonant skeleton of a folded word sequence: Latin digraphs first (`ch`/`sh` → ش,
/// `gh` → غ, `kh` → خ), then one class per letter, repeats collapsed.
fn skeleton(folded: &str) -> String {
    let text: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    let text = text.replace("ch", "x").replace("sh", "x").replace("gh", "غ").replace("kh", "k").replace("ou", "u");
    let mut out = String::new();
    for c in text.chars() {
        if let Some(class) = class_of(c)
            && !out.ends_with(class)
        {
            out.push(class);
        }
    }
    out
}

/// The folded names and the keys a name is compared by, each stored as `|a|b|` so one
/// `LIKE '%|a|%'` finds an exact one.
pub fn keys(names: &[Option<&str>]) -> (String, String) {
    let mut folded_names = Vec::new();
    let mut keys = Vec::new();
    for name in names.iter().flatten() {
        let f = folded(name);
        if f.is_empty() {
            continue;
        }
        let k = skeleton(&f);
        if k.chars().count() >= 2 && !keys.contains(&k) {
            keys.push(k);
        }
        folded_names.push(f);
    }
    let between_bars = |v: &[String]| if v.is_empty() { String::new() } else { format!("|{}|", v.join("|")) };
    folded_names.dedup();
    (between_bars(&folded_names), between_bars(&keys))
}

/// The keys of one name, for lookups.
pub fn lookup_keys(name: &str) -> Vec<String> {
    let f = folded(name);
    let k = skeleton(&f);
    if k.chars().count() >= 2 { vec![k] } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_words_case_and_accents_do_not_make_a_name_different() {
        assert_eq!(folded("Coopérative AL AMAL"), folded("cooperative Amal"));
        assert_eq!(folded("تعاونية الأمل"), folded("التعاونية أمل"));
        assert_eq!(folded("Coopérative Tighanimine"), "tighanimine");
    }

    #[test]
    fn arabic_and_latin_spellings_share_a_skeleton() {
        let ar = lookup_keys("تعاونية أركان");
        assert_eq!(ar, lookup_keys("Coopérative Argane"));
        assert_eq!(ar, lookup_keys("Cooperative ARGAN"));
        assert_eq!(lookup_keys("Tighanimine"), lookup_keys("تيغانيمين"));
        assert_eq!(lookup_keys("Taznakht"), lookup_keys("تازناخت"));
        assert_eq!(lookup_keys("Chefchaouen"), lookup_keys("Shefshawen"));
        assert_ne!(lookup_keys("Argane"), lookup_keys("Safran"));
    }

    #[test]
    fn keys_are_stored_between_bars() {
        let (folded, keys) = keys(&[Some("تعاونية أركان"), Some("Coopérative Argane")]);
        assert_eq!(folded, "|اركان|argane|");
        assert_eq!(keys, "|RKN|");
        assert_eq!(super::keys(&[None, Some("Coopérative")]).1, "");
    }

    #[test]
    fn slugs_are_ascii() {
        use crate::kernel::text::slug;
        assert_eq!(slug("Coopérative Aït Baha"), "cooperative-ait-baha");
        let arabic = slug("تعاونية أركان");
        assert!(arabic.is_ascii() && arabic.ends_with("-arkan"), "{arabic}");
    }
}
