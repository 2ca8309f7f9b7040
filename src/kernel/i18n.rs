//! Locales, the fallback chain and localised text. Translations are stored per locale and
//! returned whole: the server never concatenates texts of different directions.

use async_graphql::{Enum, InputObject, SimpleObject};

use crate::kernel::error::{Checks, ErrorCode};
use crate::msg;
use crate::path;

/// Longest name in any locale (products, cooperatives, categories…), in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest description in any locale, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 10_000;

/// A language the API answers and stores texts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum Locale {
    /// Arabic
    Ar,
    /// French
    Fr,
    /// English
    En,
    /// Standard Moroccan Amazigh, in Tifinagh
    Zgh,
}

/// How a text runs: left to right, or right to left (Arabic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TextDirection {
    Ltr,
    Rtl,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::Ar, Locale::Fr, Locale::En, Locale::Zgh];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Ar => "ar",
            Locale::Fr => "fr",
            Locale::En => "en",
            Locale::Zgh => "zgh",
        }
    }

    /// Accepts `ar`, `ar-MA`, `fr_FR`, and the Amazigh tags in use (`zgh`, `tzm`, `ber`, `shi`, `rif`).
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ar" | "ary" => Some(Locale::Ar),
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            "zgh" | "tzm" | "ber" | "shi" | "rif" => Some(Locale::Zgh),
            _ => None,
        }
    }

    pub fn direction(self) -> TextDirection {
        match self {
            Locale::Ar => TextDirection::Rtl,
            _ => TextDirection::Ltr,
        }
    }

    /// Which translations to try, in order, when this locale's is missing.
    pub fn fallback_chain(self) -> [Locale; 4] {
        match self {
            Locale::Ar => [Locale::Ar, Locale::Fr, Locale::En, Locale::Zgh],
            Locale::Fr => [Locale::Fr, Locale::Ar, Locale::En, Locale::Zgh],
            Locale::En => [Locale::En, Locale::Fr, Locale::Ar, Locale::Zgh],
            Locale::Zgh => [Locale::Zgh, Locale::Ar, Locale::Fr, Locale::En],
        }
    }

    /// The best supported locale of an `Accept-Language` header, by quality value.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (index, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Locale::parse(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && index < bi),
                };
                if better {
                    best = Some((q, index, locale));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }
}

/// One text in every locale it exists in.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Localized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zgh: Option<String>,
}

impl Localized {
    pub fn new(ar: Option<String>, fr: Option<String>, en: Option<String>, zgh: Option<String>) -> Self {
        Localized { ar, fr, en, zgh }
    }

    pub fn get(&self, locale: Locale) -> Option<&str> {
        let value = match locale {
            Locale::Ar => &self.ar,
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
            Locale::Zgh => &self.zgh,
        };
        value.as_deref().filter(|s| !s.is_empty())
    }

    pub fn set(&mut self, locale: Locale, text: Option<String>) {
        let slot = match locale {
            Locale::Ar => &mut self.ar,
            Locale::Fr => &mut self.fr,
            Locale::En => &mut self.en,
            Locale::Zgh => &mut self.zgh,
        };
        *slot = text;
    }

    pub fn is_empty(&self) -> bool {
        Locale::ALL.iter().all(|l| self.get(*l).is_none())
    }

    /// The text for `wanted`, falling back along its chain.
    pub fn resolve(&self, wanted: Locale) -> LocalizedText {
        for locale in wanted.fallback_chain() {
            if let Some(text) = self.get(locale) {
                return LocalizedText { text: text.to_string(), locale, direction: locale.direction() };
            }
        }
        LocalizedText { text: String::new(), locale: wanted, direction: wanted.direction() }
    }

    /// Every locale's text, one per line (what the search engines index).
    pub fn all_text(&self) -> String {
        Locale::ALL.iter().filter_map(|l| self.get(*l)).collect::<Vec<_>>().join("\n")
    }

    pub fn translations(&self) -> Vec<Translation> {
        Locale::ALL
            .iter()
            .filter_map(|l| self.get(*l).map(|t| Translation { locale: *l, text: t.to_string() }))
            .collect()
    }
}

/// A text resolved for the caller: the locale it is actually in (after fallback) and its direction.
#[derive(Debug, Clone, SimpleObject)]
pub struct LocalizedText {
    pub text: String,
    pub locale: Locale,
    pub direction: TextDirection,
}

#[derive(Debug, Clone, SimpleObject)]
pub struct Translation {
    pub locale: Locale,
    pub text: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct LocalizedTextInput {
    pub locale: Locale,
    pub text: String,
}

/// Reads a list of translations; at most one per locale, each within `max_len` characters.
pub fn localized(
    checks: &mut Checks,
    field: &[String],
    inputs: &[LocalizedTextInput],
    max_len: usize,
    required: bool,
) -> Localized {
    let mut out = Localized::default();
    let mut seen = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut at = field.to_vec();
        at.push(i.to_string());
        let locale = input.locale;
        if seen.contains(&locale) {
            checks.fail_with(
                ErrorCode::Duplicate,
                [at, path!["locale"]].concat(),
                msg!("`{locale}` is given twice", locale = locale.code()),
            );
            continue;
        }
        seen.push(locale);
        let text = input.text.trim();
        let len = text.chars().count();
        if len > max_len {
            checks.fail_with(
                ErrorCode::TooLong,
                [at, path!["text"]].concat(),
                msg!("must be at most {max_len} characters", max_len = max_len),
            );
            continue;
        }
        out.set(locale, (!text.is_empty()).then(|| text.to_string()));
    }
    if required && out.is_empty() && checks.is_empty() {
        checks.fail_with(ErrorCode::Required, field.to_vec(), msg!("needs a text in at least one locale"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::error::AppError;

    #[test]
    fn accept_language_picks_highest_quality_supported() {
        assert_eq!(Locale::from_accept_language("ar-MA,ar;q=0.9,fr;q=0.8"), Some(Locale::Ar));
        assert_eq!(Locale::from_accept_language("de-DE, fr;q=0.5, en;q=0.7"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("tzm, fr;q=0.1"), Some(Locale::Zgh));
        assert_eq!(Locale::from_accept_language("de, it"), None);
        assert_eq!(Locale::from_accept_language("ar;q=0, fr"), Some(Locale::Fr));
    }

    #[test]
    fn resolve_follows_the_fallback_chain() {
        let t = Localized::new(Some("زيت أركان".into()), Some("Huile d'argan".into()), None, None);
        let ar = t.resolve(Locale::Ar);
        assert_eq!((ar.text.as_str(), ar.direction), ("زيت أركان", TextDirection::Rtl));
        assert_eq!(t.resolve(Locale::En).text, "Huile d'argan");
        assert_eq!(t.resolve(Locale::Zgh).locale, Locale::Ar);
        assert_eq!(Localized::default().resolve(Locale::Fr).text, "");
    }

    #[test]
    fn localized_inputs_reject_duplicate_locales_and_long_texts() {
        let mut checks = Checks::new();
        let t = |l: Locale, s: &str| LocalizedTextInput { locale: l, text: s.into() };
        let inputs = [t(Locale::Ar, "أركان"), t(Locale::Fr, "trop long pour dix"), t(Locale::Ar, "b")];
        localized(&mut checks, &path!["input", "name"], &inputs, 10, true);
        let Err(AppError::Rejected(errors)) = checks.finish() else { panic!("expected errors") };
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field.as_ref().unwrap(), &path!["input", "name", 1, "text"]);
        assert_eq!(errors[1].field.as_ref().unwrap(), &path!["input", "name", 2, "locale"]);
    }
}
