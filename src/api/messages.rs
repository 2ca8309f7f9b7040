//! Every domain's message catalogue (`src/<domain>/messages.txt`), loaded once. Resolvers
//! read it from the schema's data; the HTTP layer translates GraphQL errors with it.

use std::sync::LazyLock;

use crate::kernel::messages::Translations;

/// (directory under `src/`, catalogue text): each directory translates the templates its code uses.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("kernel", include_str!("../kernel/messages.txt")),
    ("auth", include_str!("../auth/messages.txt")),
    ("registry", include_str!("../registry/messages.txt")),
    ("catalog", include_str!("../catalog/messages.txt")),
    ("orders", include_str!("../orders/messages.txt")),
    ("academy", include_str!("../academy/messages.txt")),
    ("projects", include_str!("../projects/messages.txt")),
    ("scoring", include_str!("../scoring/messages.txt")),
    ("webhooks", include_str!("../webhooks/messages.txt")),
    ("payments", include_str!("../payments/messages.txt")),
    ("outbox", include_str!("../outbox/messages.txt")),
    ("search", include_str!("../search/messages.txt")),
    ("seed", include_str!("../seed/messages.txt")),
    ("api", include_str!("messages.txt")),
];

static TRANSLATIONS: LazyLock<Translations> =
    LazyLock::new(|| Translations::parse(CATALOGUES).unwrap_or_else(|e| panic!("message catalogue: {e}")));

pub fn translations() -> &'static Translations {
    &TRANSLATIONS
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::*;
    use crate::kernel::i18n::Locale;
    use crate::kernel::messages::placeholders;

    /// The templates of the `msg!` calls in the Rust files under `dir` (but the macro's own
    /// module, whose examples are not messages).
    fn templates_in(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                templates_in(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("kernel/messages.rs")
                && !path.ends_with("api/messages.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("msg!(").skip(1) {
                    // The template may start on the next line (rustfmt breaks long calls).
                    let Some(piece) = piece.trim_start().strip_prefix('"') else { continue };
                    let mut template = String::new();
                    let mut chars = piece.chars();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => template.push(chars.next().unwrap()),
                            '"' => break,
                            c => template.push(c),
                        }
                    }
                    out.insert(template);
                }
            }
        }
    }

    #[test]
    fn every_message_is_translated_into_arabic_and_french_by_its_domain() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut problems = Vec::new();
        for (dir, text) in CATALOGUES {
            let catalogue = Translations::parse(&[(dir, text)]).unwrap();
            let entries: BTreeMap<&str, _> = catalogue.entries().collect();
            let mut used = BTreeSet::new();
            templates_in(&src.join(dir), &mut used);
            for template in &used {
                let Some(entry) = entries.get(template.as_str()) else {
                    problems.push(format!("{dir}: `{template}` has no translation"));
                    continue;
                };
                for locale in [Locale::Ar, Locale::Fr] {
                    match entry.texts.get(&locale) {
                        None => problems.push(format!("{dir}: `{template}` has no {}", locale.code())),
                        Some(t) if placeholders(t) != placeholders(template) => {
                            problems.push(format!("{dir}: `{template}` in {} has other placeholders", locale.code()))
                        }
                        Some(_) => {}
                    }
                }
            }
            for template in entries.keys() {
                if !used.contains(*template) {
                    problems.push(format!("{dir}: `{template}` is translated but no longer used"));
                }
            }
        }
        // A module that says something must have a catalogue (a new domain included).
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut used = BTreeSet::new();
            if path.is_dir() {
                templates_in(&path, &mut used);
            }
            if !used.is_empty() && !CATALOGUES.iter().any(|(dir, _)| *dir == name) {
                problems.push(format!("src/{name} uses msg! but has no messages.txt in api::messages::CATALOGUES"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
