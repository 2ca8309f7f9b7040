//! Messages for people, in the request's language. A service says what went wrong with
//! `msg!("only {left} left in stock", left = 3)`: the English template is the key, the
//! arguments are filled in when the answer is written. Each domain keeps the Arabic and
//! French of its templates in its own `messages.txt`; the api layer loads them all into one
//! `Translations`, and a test fails when a template has no translation.
//!
//! A catalogue file is a list of blocks separated by blank lines, one line per locale:
//!
//! ```text
//! en: only {left} left in stock
//! fr: plus que {left} en stock
//! ar: لم يتبق في المخزون إلا {left}
//! ```

use std::collections::HashMap;
use std::fmt;

use crate::kernel::i18n::Locale;

/// A message template and the values of its `{name}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    template: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(template: &'static str, args: Vec<(&'static str, String)>) -> Self {
        Message { template, args }
    }

    /// The English template, which is also the key of its translations.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The message in English, without a catalogue (logs, the command line).
    pub fn english(&self) -> String {
        fill(self.template, &self.args)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// `msg!("must be at most {max} characters", max = 200)`: a `Message` whose template is the
/// literal (so a test can find every one in the source).
#[macro_export]
macro_rules! msg {
    ($template:literal) => {
        $crate::kernel::messages::Message::new($template, Vec::new())
    };
    ($template:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::kernel::messages::Message::new(
            $template,
            vec![$((stringify!($name), $value.to_string())),+],
        )
    };
}

fn fill(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// One template in the locales it is translated into.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub texts: HashMap<Locale, String>,
}

/// Every domain's catalogue, by English template.
#[derive(Debug, Default)]
pub struct Translations {
    entries: HashMap<String, Entry>,
}

impl Translations {
    /// Reads catalogue files (`(name, text)`, the name for error messages).
    pub fn parse(files: &[(&str, &str)]) -> Result<Translations, String> {
        let mut entries = HashMap::new();
        for (name, text) in files {
            for (key, entry) in parse_file(text).map_err(|e| format!("{name}: {e}"))? {
                // Two domains may share a template ("is required"), never with two translations.
                match entries.get(&key) {
                    Some(Entry { texts }) if *texts != entry.texts => {
                        return Err(format!("{name}: `{key}` is translated differently elsewhere"));
                    }
                    _ => entries.insert(key, entry),
                };
            }
        }
        Ok(Translations { entries })
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The message in `locale`, or along its fallback chain; English is the template itself.
    pub fn render(&self, message: &Message, locale: Locale) -> String {
        let entry = self.entries.get(message.template);
        for candidate in locale.fallback_chain() {
            if candidate == Locale::En {
                return message.english();
            }
            if let Some(text) = entry.and_then(|e| e.texts.get(&candidate)) {
                return fill(text, &message.args);
            }
        }
        message.english()
    }
}

fn parse_file(text: &str) -> Result<Vec<(String, Entry)>, String> {
    let mut out = Vec::new();
    let mut current: Option<(String, Entry)> = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            out.extend(current.take());
            continue;
        }
        let (code, value) = line.split_once(": ").ok_or_else(|| format!("line {}: expected `xx: text`", number + 1))?;
        let value = value.trim().to_string();
        if code == "en" {
            out.extend(current.take());
            current = Some((value, Entry::default()));
            continue;
        }
        let locale = Locale::parse(code).filter(|l| l.code() == code);
        let (Some(locale), Some((_, entry))) = (locale, current.as_mut()) else {
            return Err(format!("line {}: `{code}` is not a locale after an `en:` line", number + 1));
        };
        entry.texts.insert(locale, value);
    }
    out.extend(current.take());
    Ok(out)
}

/// The `{name}` placeholders of a template, sorted.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> =
        template.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name)).collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# stock\nen: only {left} left in stock\nfr: plus que {left} en stock\nar: لم يتبق إلا {left}\n\nen: no such cart\nfr: panier introuvable\n";

    #[test]
    fn renders_in_the_locale_or_along_its_chain() {
        let t = Translations::parse(&[("test", FILE)]).unwrap();
        let m = crate::msg!("only {left} left in stock", left = 3);
        assert_eq!(t.render(&m, Locale::Fr), "plus que 3 en stock");
        assert_eq!(t.render(&m, Locale::Ar), "لم يتبق إلا 3");
        assert_eq!(t.render(&m, Locale::Zgh), "لم يتبق إلا 3");
        assert_eq!(t.render(&m, Locale::En), "only 3 left in stock");
        // No Arabic: the Arabic chain goes on to French.
        assert_eq!(t.render(&crate::msg!("no such cart"), Locale::Ar), "panier introuvable");
        // Unknown templates answer in English.
        assert_eq!(t.render(&crate::msg!("untranslated {x}", x = "y"), Locale::Fr), "untranslated y");
    }

    #[test]
    fn rejects_malformed_files_and_duplicates() {
        assert!(Translations::parse(&[("a", "fr: sans anglais\n")]).is_err());
        assert!(Translations::parse(&[("a", "en: x\nde: y\n")]).is_err());
        assert!(Translations::parse(&[("a", "en: x\nfr: y\n"), ("b", "en: x\nfr: z\n")]).is_err());
        assert!(Translations::parse(&[("a", "en: x\nfr: y\n"), ("b", "en: x\nfr: y\n")]).is_ok());
        assert_eq!(placeholders("{b} and {a} and {b}"), vec!["a", "b"]);
    }
}
