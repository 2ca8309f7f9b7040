//! `search-config/`: one file per index plus shared synonyms and stop words, checked at
//! start-up, from which each engine's settings are derived.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::kernel::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Keyword,
    KeywordList,
    Number,
    Date,
    Bool,
    CategoryPath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filterable {
    Equality,
    Comparison,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub rank: Option<u8>,
    pub locale: Option<String>,
    pub filterable: Option<Filterable>,
    #[serde(default)]
    pub sortable: bool,
    #[serde(default)]
    pub facet: bool,
    #[serde(default)]
    pub highlight: bool,
    pub crop: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypoTolerance {
    pub min_word_size_for_one_typo: usize,
    pub min_word_size_for_two_typos: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faceting {
    pub max_values_per_facet: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pagination {
    pub max_total_hits: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IndexConfig {
    pub index: String,
    pub primary_key: String,
    pub fields: BTreeMap<String, FieldConfig>,
    pub typo_tolerance: TypoTolerance,
    pub faceting: Faceting,
    pub pagination: Pagination,
    pub ranking: Vec<String>,
    #[serde(default)]
    pub tie_break: Vec<String>,
    /// Passed through to Meilisearch verbatim, after everything derived.
    #[serde(default)]
    pub meili: Value,
}

#[derive(Debug, Clone, Default)]
pub struct SearchConfig {
    pub indexes: BTreeMap<String, IndexConfig>,
    /// Folded synonym groups: every word of a group finds the others.
    pub synonyms: Vec<Vec<String>>,
    /// Folded stop words per locale.
    pub stop_words: BTreeMap<String, Vec<String>>,
}

const RANKING_RULES: [&str; 6] = ["words", "typo", "proximity", "attribute", "sort", "exactness"];

impl IndexConfig {
    /// Text fields by search priority.
    pub fn searchable(&self) -> Vec<&str> {
        let mut text: Vec<(&str, u8)> = self
            .fields
            .iter()
            .filter(|(_, f)| f.field_type == FieldType::Text)
            .map(|(name, f)| (name.as_str(), f.rank.unwrap_or(u8::MAX)))
            .collect();
        text.sort_by_key(|(name, rank)| (*rank, *name));
        text.into_iter().map(|(name, _)| name).collect()
    }

    fn names_where(&self, keep: impl Fn(&FieldConfig) -> bool) -> Vec<&str> {
        self.fields.iter().filter(|(_, f)| keep(f)).map(|(n, _)| n.as_str()).collect()
    }

    pub fn filterable(&self) -> Vec<&str> {
        self.names_where(|f| f.filterable.is_some())
    }

    pub fn sortable(&self) -> Vec<&str> {
        self.names_where(|f| f.sortable)
    }

    pub fn facets(&self) -> Vec<&str> {
        self.names_where(|f| f.facet)
    }

    /// Every problem with this index's file, each naming the field it is about.
    fn check(&self, file: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let mut say = |msg: String| problems.push(format!("{file}: {msg}"));
        match self.fields.get(&self.primary_key) {
            Some(f) if f.field_type == FieldType::Keyword => {}
            Some(_) => say(format!("primaryKey `{}` must be a keyword field", self.primary_key)),
            None => say(format!("primaryKey `{}` is not a declared field", self.primary_key)),
        }
        for (name, f) in &self.fields {
            use FieldType::*;
            if f.rank.is_some() && f.field_type != Text {
                say(format!("field `{name}`: only text fields have a rank"));
            }
            if (f.highlight || f.crop.is_some()) && f.field_type != Text {
                say(format!("field `{name}`: only text fields are highlighted or cropped"));
            }
            if f.filterable == Some(Filterable::Comparison) && !matches!(f.field_type, Number | Date) {
                say(format!("field `{name}`: comparison filters need a number or date field"));
            }
            if f.sortable && !matches!(f.field_type, Number | Date | Keyword) {
                say(format!("field `{name}`: only number, date and keyword fields sort"));
            }
            if f.facet && !matches!(f.field_type, Keyword | KeywordList | CategoryPath | Bool) {
                say(format!("field `{name}`: only keyword, keyword_list, category_path and bool fields are facets"));
            }
            if f.facet && f.filterable.is_none() {
                say(format!("field `{name}`: a facet must also be filterable"));
            }
        }
        if self.searchable().is_empty() {
            say("no text field to search".into());
        }
        let t = &self.typo_tolerance;
        if t.min_word_size_for_one_typo == 0 || t.min_word_size_for_one_typo >= t.min_word_size_for_two_typos {
            say("typoTolerance: need 0 < minWordSizeForOneTypo < minWordSizeForTwoTypos".into());
        }
        for rule in &self.ranking {
            if !RANKING_RULES.contains(&rule.as_str()) {
                say(format!("ranking: unknown rule `{rule}` (use {})", RANKING_RULES.join(", ")));
            }
        }
        for tie in &self.tie_break {
            match tie.rsplit_once(':') {
                Some((field, "asc" | "desc")) if self.fields.get(field).is_some_and(|f| f.sortable) => {}
                _ => say(format!("tieBreak `{tie}`: use `field:asc` or `field:desc` on a sortable field")),
            }
        }
        if !self.meili.is_null() && !self.meili.is_object() {
            say("meili: must be an object".into());
        }
        problems
    }

    /// Meilisearch's settings object for this index.
    pub fn meili_settings(&self, config: &SearchConfig) -> Value {
        let mut synonyms = serde_json::Map::new();
        for group in &config.synonyms {
            for word in group {
                let others: Vec<&String> = group.iter().filter(|w| *w != word).collect();
                synonyms.insert(word.clone(), json!(others));
            }
        }
        let stop_words: Vec<&String> = config.stop_words.values().flatten().collect();
        let mut ranking: Vec<String> = self.ranking.clone();
        if !ranking.iter().any(|r| r == "sort") {
            // Sorting applies after relevance words and typos, as Meilisearch recommends.
            let at = ranking.iter().position(|r| r == "exactness").unwrap_or(ranking.len());
            ranking.insert(at, "sort".into());
        }
        ranking.extend(self.tie_break.iter().cloned());
        let mut settings = json!({
            "searchableAttributes": self.searchable(),
            "filterableAttributes": self.filterable(),
            "sortableAttributes": self.sortable(),
            "displayedAttributes": ["*"],
            "rankingRules": ranking,
            "typoTolerance": {
                "enabled": true,
                "minWordSizeForTypos": {
                    "oneTypo": self.typo_tolerance.min_word_size_for_one_typo,
                    "twoTypos": self.typo_tolerance.min_word_size_for_two_typos,
                }
            },
            "faceting": { "maxValuesPerFacet": self.faceting.max_values_per_facet },
            "pagination": { "maxTotalHits": self.pagination.max_total_hits },
            "synonyms": synonyms,
            "stopWords": stop_words,
        });
        if let (Some(target), Some(extra)) = (settings.as_object_mut(), self.meili.as_object()) {
            for (k, v) in extra {
                target.insert(k.clone(), v.clone());
            }
        }
        settings
    }
}

#[derive(Deserialize)]
struct SynonymsFile {
    groups: Vec<Vec<String>>,
}

const BUILTIN: [(&str, &str); 5] = [
    ("products.json", include_str!("../../search-config/products.json")),
    ("courses.json", include_str!("../../search-config/courses.json")),
    ("project_ideas.json", include_str!("../../search-config/project_ideas.json")),
    ("synonyms.json", include_str!("../../search-config/synonyms.json")),
    ("stopwords.json", include_str!("../../search-config/stopwords.json")),
];

impl SearchConfig {
    /// The files shipped in `search-config/`, compiled in.
    pub fn builtin() -> Result<SearchConfig, Vec<String>> {
        Self::from_files(BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect())
    }

    /// Every `*.json` of a directory: `synonyms.json`, `stopwords.json`, the rest are indexes.
    pub fn load_dir(dir: &Path) -> Result<SearchConfig, Vec<String>> {
        let entries = std::fs::read_dir(dir).map_err(|e| vec![format!("{}: {e}", dir.display())])?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).map_err(|e| vec![format!("{}: {e}", path.display())])?;
                files.push((path.file_name().unwrap_or_default().to_string_lossy().into_owned(), text));
            }
        }
        Self::from_files(files)
    }

    fn from_files(mut files: Vec<(String, String)>) -> Result<SearchConfig, Vec<String>> {
        files.sort();
        let mut config = SearchConfig::default();
        let mut problems = Vec::new();
        for (name, text) in files {
            match name.as_str() {
                "synonyms.json" => match serde_json::from_str::<SynonymsFile>(&text) {
                    Ok(s) => {
                        for (i, group) in s.groups.into_iter().enumerate() {
                            let folded: Vec<String> = group.iter().map(|w| fold(w)).filter(|w| !w.is_empty()).collect();
                            if folded.len() < 2 {
                                problems.push(format!("synonyms.json: group {i} needs two words or more"));
                            }
                            config.synonyms.push(folded);
                        }
                    }
                    Err(e) => problems.push(format!("synonyms.json: {e}")),
                },
                "stopwords.json" => match serde_json::from_str::<BTreeMap<String, Value>>(&text) {
                    Ok(map) => {
                        for (locale, words) in map.into_iter().filter(|(k, _)| !k.starts_with('_')) {
                            match serde_json::from_value::<Vec<String>>(words) {
                                Ok(words) => {
                                    config.stop_words.insert(locale, words.iter().map(|w| fold(w)).collect());
                                }
                                Err(e) => problems.push(format!("stopwords.json: `{locale}`: {e}")),
                            }
                        }
                    }
                    Err(e) => problems.push(format!("stopwords.json: {e}")),
                },
                _ => match serde_json::from_str::<IndexConfig>(&text) {
                    Ok(index) => {
                        problems.extend(index.check(&name));
                        config.indexes.insert(index.index.clone(), index);
                    }
                    Err(e) => problems.push(format!("{name}: {e}")),
                },
            }
        }
        if !config.indexes.contains_key("products") {
            problems.push("search-config: no `products` index".into());
        }
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    }

    /// Whether a folded word is a stop word (of any locale, as in Meilisearch's settings).
    pub fn is_stop_word(&self, folded_word: &str) -> bool {
        self.stop_words.values().any(|words| words.iter().any(|w| w == folded_word))
    }

    /// The other words a folded query word also finds.
    pub fn synonyms_of(&self, folded_word: &str) -> Vec<&str> {
        self.synonyms
            .iter()
            .filter(|g| g.iter().any(|w| w == folded_word))
            .flat_map(|g| g.iter().filter(|w| *w != folded_word).map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_configuration_loads_and_derives_meilisearch_settings() {
        let config = SearchConfig::builtin().unwrap_or_else(|e| panic!("{e:#?}"));
        let products = &config.indexes["products"];
        assert_eq!(products.searchable()[0], "name");
        let settings = products.meili_settings(&config);
        assert_eq!(settings["typoTolerance"]["minWordSizeForTypos"], json!({ "oneTypo": 4, "twoTypos": 8 }));
        assert!(settings["filterableAttributes"].as_array().unwrap().contains(&json!("price")));
        assert!(settings["sortableAttributes"].as_array().unwrap().contains(&json!("created_at")));
        assert_eq!(settings["rankingRules"].as_array().unwrap().last().unwrap(), "created_at:desc");
        assert_eq!(settings["proximityPrecision"], "byWord", "the meili block passes through");
        let argan = settings["synonyms"]["argan"].as_array().unwrap();
        assert!(argan.contains(&json!("اركان")) && argan.contains(&json!("ⴰⵔⴳⴰⵏ")), "synonyms are folded");
        assert!(config.synonyms_of("زعفران").contains(&"safran"));
        // Charabia cuts the Arabic article off a word for Meilisearch too, which must ignore it.
        assert!(settings["stopWords"].as_array().unwrap().contains(&json!("ال")));
        assert!(config.is_stop_word("ال") && config.is_stop_word("de") && !config.is_stop_word("argan"));
    }

    #[test]
    fn mistakes_are_reported_with_their_field() {
        let bad = r#"{ "index": "products", "primaryKey": "id",
            "fields": { "id": { "type": "number" }, "name": { "type": "keyword", "rank": 1 },
                        "price": { "type": "text", "filterable": "comparison", "facet": true } },
            "typoTolerance": { "minWordSizeForOneTypo": 5, "minWordSizeForTwoTypos": 4 },
            "faceting": { "maxValuesPerFacet": 10 }, "pagination": { "maxTotalHits": 10 },
            "ranking": ["words", "magic"], "tieBreak": ["price:up"] }"#;
        let problems = SearchConfig::from_files(vec![("products.json".into(), bad.into())]).unwrap_err();
        let all = problems.join("\n");
        for expected in [
            "primaryKey `id` must be a keyword field",
            "field `name`: only text fields have a rank",
            "field `price`: comparison filters need a number or date field",
            "typoTolerance",
            "unknown rule `magic`",
            "tieBreak `price:up`",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in\n{all}");
        }
        let typo =
            SearchConfig::from_files(vec![("products.json".into(), r#"{ "index": "products", "colour": 1 }"#.into())]);
        assert!(typo.unwrap_err()[0].contains("unknown field"));
    }
}
