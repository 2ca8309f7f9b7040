//! The embedded engine: a tantivy index in the data dir, configured from `search-config/`.
//! Text is segmented by charabia (Meilisearch's tokenizer) and folded by `normalize::fold`,
//! so both engines see the same words; queries are matched by Meilisearch's rules (see
//! "Parity between the engines" in `search-config/README.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use charabia::Tokenize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value as _,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

use super::config::{FieldType, IndexConfig, SearchConfig};
use super::facets::{FacetCollector, FacetSets};
use crate::kernel::text::{fold, is_elided_article, without_arabic_article};

const TOKENIZER: &str = "taawun";

/// Folds and splits text the same way for indexing and for queries.
pub fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for token in text.tokenize() {
        if !token.is_word() {
            continue;
        }
        let original = &text[token.byte_start..token.byte_end];
        // charabia cuts `l'huile` at the apostrophe: the elided article goes, as in `fold`.
        if is_elided_article(original, &text[token.byte_end..]) {
            continue;
        }
        for word in fold(original).split(' ').filter(|w| !w.is_empty()) {
            // charabia splits the Arabic article off; alone it carries no meaning.
            if word == "ال" {
                continue;
            }
            let word = without_arabic_article(word).unwrap_or(word);
            out.push((token.byte_start, token.byte_end, word.to_string()));
        }
    }
    out
}

/// Meilisearch reads the first ten words of a query (stop words aside); so does the embedded
/// engine, and the rest are reported as left out.
pub const MAX_QUERY_WORDS: usize = 10;

/// A word of a query, as typed and as the engines index it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    /// Where the word ends in the query text (a byte offset).
    pub end: usize,
    pub typed: String,
    pub folded: String,
}

/// The words of a query the engines match, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryWords {
    /// Folded like the documents, without stop words (unless the query has nothing else), at
    /// most `MAX_QUERY_WORDS`.
    pub matched: Vec<QueryWord>,
    /// The words after the tenth, as typed: never matched.
    pub beyond: Vec<String>,
}

impl QueryWords {
    pub fn of(text: &str, is_stop_word: impl Fn(&str) -> bool) -> QueryWords {
        let all: Vec<QueryWord> = words(text)
            .into_iter()
            .map(|(start, end, folded)| QueryWord { end, typed: text[start..end].to_string(), folded })
            .collect();
        let mut matched: Vec<QueryWord> = all.iter().filter(|w| !is_stop_word(w.folded.as_str())).cloned().collect();
        if matched.is_empty() {
            matched = all;
        }
        let beyond = matched.split_off(matched.len().min(MAX_QUERY_WORDS)).into_iter().map(|w| w.typed).collect();
        QueryWords { matched, beyond }
    }

    /// Whether the `i`-th word also matches as a prefix: only the last word typed (search as
    /// you type), as in Meilisearch.
    pub fn is_prefix(&self, i: usize) -> bool {
        i + 1 == self.matched.len() && self.beyond.is_empty()
    }

    /// The words left out when only the first `kept` are matched, as typed, in query order.
    pub fn ignored(&self, kept: usize) -> Vec<String> {
        let kept = kept.min(self.matched.len());
        self.matched[kept..].iter().map(|w| w.typed.clone()).chain(self.beyond.iter().cloned()).collect()
    }
}

#[derive(Clone, Default)]
struct FoldingTokenizer {
    token: Token,
}

struct FoldingTokenStream<'a> {
    tokens: std::vec::IntoIter<(usize, usize, String)>,
    position: usize,
    token: &'a mut Token,
}

impl Tokenizer for FoldingTokenizer {
    type TokenStream<'a> = FoldingTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FoldingTokenStream<'a> {
        self.token.reset();
        FoldingTokenStream { tokens: words(text).into_iter(), position: 0, token: &mut self.token }
    }
}

impl TokenStream for FoldingTokenStream<'_> {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some((from, to, text)) => {
                self.token.offset_from = from;
                self.token.offset_to = to;
                self.token.position = self.position;
                self.token.position_length = 1;
                self.token.text = text;
                self.position += 1;
                true
            }
            None => false,
        }
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// One indexed document: engine-neutral, built from the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchDocument {
    pub id: i64,
    /// Changes whenever the document does; the index keeps the latest.
    pub version: i64,
    pub text: BTreeMap<String, String>,
    pub keywords: BTreeMap<String, Vec<String>>,
    pub numbers: BTreeMap<String, i64>,
    pub flags: BTreeMap<String, bool>,
}

impl SearchDocument {
    /// A stable hash of the content: the version the index keeps, so comparing it with a
    /// freshly built document says whether the index is behind.
    pub fn fingerprint(&self) -> i64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                hash ^= u64::from(*b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            hash ^= 0xff;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        };
        feed(&self.id.to_le_bytes());
        for (k, v) in &self.text {
            feed(k.as_bytes());
            feed(v.as_bytes());
        }
        for (k, v) in &self.keywords {
            feed(k.as_bytes());
            v.iter().for_each(|x| feed(x.as_bytes()));
        }
        for (k, v) in &self.numbers {
            feed(k.as_bytes());
            feed(&v.to_le_bytes());
        }
        for (k, v) in &self.flags {
            feed(k.as_bytes());
            feed(&[u8::from(*v)]);
        }
        (hash >> 1) as i64
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// The field has this value (any of its values, for lists).
    Equals(String, String),
    /// The field has one of these values.
    AnyOf(String, Vec<String>),
    Range {
        field: String,
        min: Option<i64>,
        max: Option<i64>,
    },
    Flag(String, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Sort {
    Relevance,
    Field { field: String, descending: bool },
}

#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub text: String,
    pub filters: Vec<Filter>,
    pub facets: Vec<String>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// A numeric field whose minimum and maximum over all hits are wanted.
    pub range_of: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub ids: Vec<i64>,
    pub total: usize,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
    pub range: Option<(i64, i64)>,
    /// The query's words left out (as typed, in query order): the last ones when no document
    /// matched them all and fewer words found something, and any after the tenth.
    pub ignored_words: Vec<String>,
}

#[derive(Debug)]
pub struct SearchError(pub String);

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError(e.to_string())
    }
}

/// Answers per searcher generation: a commit made visible (reader reload) starts afresh.
#[derive(Default)]
struct ResultCache {
    entries: Mutex<(u64, std::collections::HashMap<String, SearchResults>)>,
}

impl ResultCache {
    const MAX_ENTRIES: usize = 4096;

    fn get(&self, generation: u64, key: &str) -> Option<SearchResults> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        (entries.0 == generation).then(|| entries.1.get(key).cloned()).flatten()
    }

    fn put(&self, generation: u64, key: String, results: SearchResults) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.0 != generation || entries.1.len() >= Self::MAX_ENTRIES {
            *entries = (generation, std::collections::HashMap::new());
        }
        entries.1.insert(key, results);
    }
}

pub struct EmbeddedIndex {
    results: ResultCache,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    config: IndexConfig,
    synonyms: Arc<SearchConfig>,
    id: Field,
    version: Field,
    fields: BTreeMap<String, (Field, FieldType)>,
    /// Each facet value's documents, per segment (see `facets`).
    facet_sets: FacetSets,
}

fn schema_for(config: &IndexConfig) -> (Schema, Field, Field, BTreeMap<String, (Field, FieldType)>) {
    let mut builder = Schema::builder();
    let id = builder.add_i64_field("__id", INDEXED | STORED | FAST);
    let version = builder.add_i64_field("__version", STORED | FAST);
    let mut fields = BTreeMap::new();
    for (name, f) in &config.fields {
        let field = match f.field_type {
            FieldType::Text => builder.add_text_field(
                name,
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(TOKENIZER)
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                ),
            ),
            FieldType::Keyword | FieldType::KeywordList | FieldType::CategoryPath => {
                builder.add_text_field(name, STRING | FAST)
            }
            FieldType::Number | FieldType::Date => builder.add_i64_field(name, INDEXED | FAST),
            FieldType::Bool => builder.add_bool_field(name, INDEXED | FAST),
        };
        fields.insert(name.clone(), (field, f.field_type));
    }
    (builder.build(), id, version, fields)
}

#[derive(Debug, Clone, Copy)]
enum WriterSize {
    Serving,
    Bulk,
}

impl EmbeddedIndex {
    /// Opens (or creates) the index in `dir`; an index whose schema no longer matches the
    /// configuration is an error that `reindex` resolves.
    pub fn open(dir: &Path, name: &str, config: Arc<SearchConfig>) -> Result<EmbeddedIndex, SearchError> {
        Self::open_with(dir, name, config, WriterSize::Serving)
    }

    /// Opens an index to fill in bulk (`reindex`, benchmarks): a larger, multi-threaded writer.
    pub fn open_for_rebuild(dir: &Path, name: &str, config: Arc<SearchConfig>) -> Result<EmbeddedIndex, SearchError> {
        Self::open_with(dir, name, config, WriterSize::Bulk)
    }

    fn open_with(
        dir: &Path,
        name: &str,
        config: Arc<SearchConfig>,
        size: WriterSize,
    ) -> Result<EmbeddedIndex, SearchError> {
        let index_config = config
            .indexes
            .get(name)
            .cloned()
            .ok_or_else(|| SearchError(format!("no index `{name}` in search-config")))?;
        let (schema, id, version, fields) = schema_for(&index_config);
        std::fs::create_dir_all(dir).map_err(|e| SearchError(format!("{}: {e}", dir.display())))?;
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(|e| SearchError(e.to_string()))?;
        let index = Index::open_or_create(directory, schema)?;
        Self::with_index(index, index_config, config, id, version, fields, size)
    }

    /// An index in memory (tests and benchmarks).
    pub fn in_memory(name: &str, config: Arc<SearchConfig>) -> Result<EmbeddedIndex, SearchError> {
        let index_config = config
            .indexes
            .get(name)
            .cloned()
            .ok_or_else(|| SearchError(format!("no index `{name}` in search-config")))?;
        let (schema, id, version, fields) = schema_for(&index_config);
        let index = Index::create_in_ram(schema);
        Self::with_index(index, index_config, config, id, version, fields, WriterSize::Serving)
    }

    fn with_index(
        index: Index,
        config: IndexConfig,
        synonyms: Arc<SearchConfig>,
        id: Field,
        version: Field,
        fields: BTreeMap<String, (Field, FieldType)>,
        size: WriterSize,
    ) -> Result<EmbeddedIndex, SearchError> {
        index.tokenizers().register(TOKENIZER, FoldingTokenizer::default());
        // A serving index takes small batches from the outbox: every commit walks the writer's
        // hash table, whose size follows the memory budget, so the smallest budget tantivy
        // allows keeps commits cheap and the resident memory low. Bulk loads get more.
        let writer = match size {
            WriterSize::Serving => index.writer_with_num_threads(1, 15_000_000)?,
            WriterSize::Bulk => index.writer(128 * 1024 * 1024)?,
        };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(EmbeddedIndex {
            results: ResultCache::default(),
            reader,
            writer: Mutex::new(writer),
            config,
            synonyms,
            id,
            version,
            fields,
            facet_sets: FacetSets::default(),
        })
    }

    fn to_tantivy(&self, doc: &SearchDocument) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_i64(self.id, doc.id);
        out.add_i64(self.version, doc.version);
        for (name, (field, kind)) in &self.fields {
            match kind {
                FieldType::Text => {
                    if let Some(t) = doc.text.get(name) {
                        out.add_text(*field, t);
                    }
                }
                FieldType::Keyword | FieldType::KeywordList | FieldType::CategoryPath => {
                    for v in doc.keywords.get(name).into_iter().flatten() {
                        out.add_text(*field, v);
                    }
                }
                FieldType::Number | FieldType::Date => {
                    if let Some(n) = doc.numbers.get(name) {
                        out.add_i64(*field, *n);
                    }
                }
                FieldType::Bool => {
                    if let Some(b) = doc.flags.get(name) {
                        out.add_bool(*field, *b);
                    }
                }
            }
        }
        out
    }

    /// Replaces these documents (by id) and makes the change visible.
    pub fn upsert(&self, docs: &[SearchDocument]) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))?;
        for doc in docs {
            writer.delete_term(Term::from_field_i64(self.id, doc.id));
            writer.add_document(self.to_tantivy(doc))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds new documents in one commit (bulk loading of an empty index).
    pub fn add_batch(&self, docs: &[SearchDocument]) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))?;
        for doc in docs {
            writer.add_document(self.to_tantivy(doc))?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))?;
        for id in ids {
            writer.delete_term(Term::from_field_i64(self.id, *id));
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Empties the index (before a rebuild into the same directory).
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().map_err(|_| SearchError("index writer poisoned".into()))?;
        writer.delete_all_documents()?;
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every (id, version) in the index, for comparing with the database.
    pub fn versions(&self) -> Result<BTreeMap<i64, i64>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let ids = segment.fast_fields().i64("__id")?;
            let versions = segment.fast_fields().i64("__version")?;
            for doc in segment.doc_ids_alive() {
                if let (Some(id), Some(v)) = (ids.first(doc), versions.first(doc)) {
                    out.insert(id, v);
                }
            }
        }
        Ok(out)
    }

    fn typo_distance(&self, word: &str) -> u8 {
        let len = word.chars().count();
        let t = &self.config.typo_tolerance;
        if len >= t.min_word_size_for_two_typos {
            2
        } else if len >= t.min_word_size_for_one_typo {
            1
        } else {
            0
        }
    }

    /// The indexed words of `field` within the typos `word` allows, counted as Meilisearch
    /// counts them: a different first letter costs two typos, so it needs a word long enough
    /// for two and then leaves no other (`أركان` does not find `بركان`).
    fn typo_terms(&self, searcher: &tantivy::Searcher, field: Field, word: &str) -> Result<Vec<Term>, SearchError> {
        let allowed = self.typo_distance(word);
        let Some(first_letter) = word.chars().next().filter(|_| allowed > 0).map(String::from) else {
            return Ok(Vec::new());
        };
        let term = Term::from_field_text(field, word);
        let same_first_letter = FuzzyTermQuery::new(term.clone(), allowed, true).automaton()?;
        let other_first_letter = match allowed {
            2 => Some(FuzzyTermQuery::new(term, 1, true).automaton()?),
            _ => None,
        };
        let stream_error = |e: std::io::Error| SearchError(e.to_string());
        let mut found = BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut same = inverted.terms().search(&same_first_letter).into_stream().map_err(stream_error)?;
            while same.advance() {
                if same.key().starts_with(first_letter.as_bytes()) {
                    found.insert(same.key().to_vec());
                }
            }
            if let Some(automaton) = &other_first_letter {
                let mut other = inverted.terms().search(automaton).into_stream().map_err(stream_error)?;
                while other.advance() {
                    if !other.key().starts_with(first_letter.as_bytes()) {
                        found.insert(other.key().to_vec());
                    }
                }
            }
        }
        Ok(found
            .into_iter()
            .filter_map(|bytes| String::from_utf8(bytes).ok())
            .map(|w| Term::from_field_text(field, &w))
            .collect())
    }

    /// One query word against every text field: exact matches first, then synonyms, then
    /// typos; with `prefix`, also the words it begins (search as you type).
    fn word_query(&self, searcher: &tantivy::Searcher, word: &str, prefix: bool) -> Result<BooleanQuery, SearchError> {
        let searchable = self.config.searchable();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let synonyms: Vec<String> = self
            .synonyms
            .synonyms_of(word)
            .into_iter()
            .filter(|s| !s.contains(' '))
            .map(|s| without_arabic_article(s).unwrap_or(s).to_string())
            .collect();
        for (rank, name) in searchable.iter().enumerate() {
            let Some((field, _)) = self.fields.get(*name) else { continue };
            let weight = (searchable.len() - rank) as f32;
            let term = Term::from_field_text(*field, word);
            let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(exact), 4.0 * weight))));
            for s in &synonyms {
                let q = TermQuery::new(Term::from_field_text(*field, s), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 3.0 * weight))));
            }
            let typos = self.typo_terms(searcher, *field, word)?;
            if !typos.is_empty() {
                let fuzzy = ConstScoreQuery::new(Box::new(TermSetQuery::new(typos)), weight);
                clauses.push((Occur::Should, Box::new(fuzzy)));
            }
            if prefix {
                let begun = FuzzyTermQuery::new_prefix(term, 0, true);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(begun), 2.0 * weight))));
            }
        }
        Ok(BooleanQuery::new(clauses))
    }

    fn filter_query(&self, filter: &Filter) -> Result<Box<dyn Query>, SearchError> {
        let field = |name: &str| {
            self.fields.get(name).map(|(f, _)| *f).ok_or_else(|| SearchError(format!("unknown field `{name}`")))
        };
        Ok(match filter {
            Filter::Equals(name, value) => {
                Box::new(TermQuery::new(Term::from_field_text(field(name)?, value), IndexRecordOption::Basic))
            }
            Filter::AnyOf(name, values) => {
                let f = field(name)?;
                Box::new(BooleanQuery::new(
                    values
                        .iter()
                        .map(|v| {
                            let term: Box<dyn Query> =
                                Box::new(TermQuery::new(Term::from_field_text(f, v), IndexRecordOption::Basic));
                            (Occur::Should, term)
                        })
                        .collect(),
                ))
            }
            Filter::Flag(name, value) => {
                Box::new(TermQuery::new(Term::from_field_bool(field(name)?, *value), IndexRecordOption::Basic))
            }
            Filter::Range { field: name, min, max } => {
                let f = field(name)?;
                let bound = |v: &Option<i64>| match v {
                    Some(v) => Bound::Included(Term::from_field_i64(f, *v)),
                    None => Bound::Unbounded,
                };
                Box::new(RangeQuery::new(bound(min), bound(max)))
            }
        })
    }

    /// Answers a query; the same query on the same committed index is answered from memory
    /// (facet counts over every match dominate the cost at hundreds of thousands of products).
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = format!("{q:?}");
        if let Some(hit) = self.results.get(generation, &key) {
            return Ok(hit);
        }
        let results = self.search_in(q, &searcher)?;
        self.results.put(generation, key, results.clone());
        Ok(results)
    }

    /// The same answer, always computed (for the engine benchmark).
    pub fn search_uncached(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.search_in(q, &self.reader.searcher())
    }

    fn search_in(&self, q: &SearchQuery, searcher: &tantivy::Searcher) -> Result<SearchResults, SearchError> {
        let words = QueryWords::of(&q.text, |w| self.synonyms.is_stop_word(w));
        let word_queries = words
            .matched
            .iter()
            .enumerate()
            .map(|(i, w)| self.word_query(searcher, &w.folded, words.is_prefix(i)))
            .collect::<Result<Vec<_>, _>>()?;
        // Meilisearch's `last` matching strategy, applied while nothing matches: every word,
        // then all but the last, and so on; the first word is always kept.
        let mut kept = word_queries.len();
        loop {
            let results = self.search_matching(q, &word_queries[..kept], searcher)?;
            if results.total > 0 || kept <= 1 {
                let kept = if results.total > 0 { kept } else { word_queries.len() };
                return Ok(SearchResults { ignored_words: words.ignored(kept), ..results });
            }
            kept -= 1;
        }
    }

    /// The documents that match every one of these words and the query's filters.
    fn search_matching(
        &self,
        q: &SearchQuery,
        word_queries: &[BooleanQuery],
        searcher: &tantivy::Searcher,
    ) -> Result<SearchResults, SearchError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in word_queries {
            clauses.push((Occur::Must, Box::new(word.clone())));
        }
        if clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        for filter in &q.filters {
            clauses.push((Occur::Must, self.filter_query(filter)?));
        }
        let query = BooleanQuery::new(clauses);

        let field = |name: &str| {
            self.fields.get(name).map(|(f, _)| *f).ok_or_else(|| SearchError(format!("unknown field `{name}`")))
        };
        let facets =
            q.facets.iter().map(|name| Ok((name.clone(), field(name)?))).collect::<Result<Vec<_>, SearchError>>()?;
        let collector = FacetCollector {
            sets: &self.facet_sets,
            live: searcher.segment_readers().iter().map(|s| s.segment_id()).collect(),
            facets,
            range_of: q.range_of.clone(),
            max_values: self.config.faceting.max_values_per_facet,
        };
        let limit = q.limit.max(1);
        let top = TopDocs::with_limit(limit).and_offset(q.offset);
        let (addresses, total, aggs): (Vec<DocAddress>, usize, _) = match &q.sort {
            Sort::Relevance => {
                let (hits, total, aggs) = searcher.search(&query, &(top.order_by_score(), Count, collector))?;
                (hits.into_iter().map(|(_, a)| a).collect(), total, aggs)
            }
            Sort::Field { field, descending } => {
                let order = if *descending { Order::Desc } else { Order::Asc };
                let (hits, total, aggs) =
                    searcher.search(&query, &(top.order_by_fast_field::<i64>(field, order), Count, collector))?;
                (hits.into_iter().map(|(_, a)| a).collect(), total, aggs)
            }
        };
        let mut ids = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(self.id).and_then(|v| v.as_i64()) {
                ids.push(id);
            }
        }
        let range = aggs.range.filter(|_| total > 0);
        let facets = aggs.counts;
        Ok(SearchResults { ids, total, facets, range, ignored_words: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, names: &[&str], region: &str, labels: &[&str], price: i64, in_stock: bool) -> SearchDocument {
        SearchDocument {
            id,
            version: 1,
            text: BTreeMap::from([
                ("name".to_string(), names.join("\n")),
                ("description".to_string(), format!("{} — produit de coopérative", names[0])),
            ]),
            keywords: BTreeMap::from([
                ("region".to_string(), vec![region.to_string()]),
                ("labels".to_string(), labels.iter().map(|l| l.to_string()).collect()),
            ]),
            numbers: BTreeMap::from([("price".to_string(), price), ("created_at".to_string(), id)]),
            flags: BTreeMap::from([("in_stock".to_string(), in_stock)]),
        }
    }

    fn fixture() -> EmbeddedIndex {
        let config = Arc::new(SearchConfig::builtin().unwrap());
        let index = EmbeddedIndex::in_memory("products", config).unwrap();
        index
            .upsert(&[
                doc(
                    1,
                    &["Huile d'argan alimentaire", "زيت أركان غذائي", "Culinary argan oil", "ⴰⵔⴳⴰⵏ"],
                    "09",
                    &["IGP"],
                    18_000,
                    true,
                ),
                doc(
                    2,
                    &["Huile d'argan cosmétique", "زيت أركان تجميلي", "Cosmetic argan oil"],
                    "07",
                    &["IGP"],
                    15_000,
                    false,
                ),
                doc(3, &["Safran de Taliouine", "زعفران تالوين", "Taliouine saffron"], "09", &["AOP"], 6_000, true),
                doc(4, &["Miel de thym", "عسل الزعتر", "Thyme honey"], "05", &[], 12_000, true),
                doc(
                    5,
                    &["Tapis berbère tissé main", "زربية أمازيغية", "Hand-woven Amazigh carpet"],
                    "08",
                    &[],
                    180_000,
                    true,
                ),
                doc(
                    6,
                    &["Huile d'olive vierge extra", "زيت الزيتون البكر", "Extra virgin olive oil"],
                    "07",
                    &["AOP"],
                    7_500,
                    true,
                ),
            ])
            .unwrap();
        index
    }

    fn find(index: &EmbeddedIndex, text: &str) -> Vec<i64> {
        let q = SearchQuery {
            text: text.into(),
            filters: vec![],
            facets: vec![],
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            range_of: None,
        };
        let mut ids = index.search(&q).unwrap().ids;
        ids.sort();
        ids
    }

    #[test]
    fn remembered_answers_end_with_the_next_commit() {
        let index = fixture();
        assert_eq!(find(&index, "argan"), vec![1, 2]);
        assert_eq!(find(&index, "argan"), vec![1, 2], "the same answer from memory");
        index.upsert(&[doc(9, &["Huile d'argan bio"], "09", &[], 9_000, true)]).unwrap();
        assert_eq!(find(&index, "argan"), vec![1, 2, 9], "a commit made visible is seen at once");
        index.delete(&[1]).unwrap();
        assert_eq!(find(&index, "argan"), vec![2, 9]);
    }

    #[test]
    fn argan_in_every_script_and_spelling() {
        let index = fixture();
        for query in ["أركان", "الأركان", "اركان", "argane", "argan", "ARGAN", "ⴰⵔⴳⴰⵏ"] {
            assert_eq!(find(&index, query), vec![1, 2], "query {query}");
        }
    }

    #[test]
    fn typos_prefixes_synonyms_and_harakat() {
        let index = fixture();

        assert_eq!(find(&index, "argam"), vec![1, 2], "one typo in a five-letter word");
        assert_eq!(find(&index, "tapis"), vec![5], "a different word does not find argan");
        for query in ["zafran", "safran", "زعفران", "زَعْفَرَان", "saffron"] {
            assert_eq!(find(&index, query), vec![3], "query {query}");
        }
        assert_eq!(find(&index, "huile d'ol"), vec![6], "the last word is a prefix");
        assert_eq!(find(&index, "l'huile d'argan"), vec![1, 2]);
        assert_eq!(find(&index, "miel"), vec![4]);
        assert_eq!(find(&index, "honey"), vec![4]);
    }

    #[test]
    fn a_different_first_letter_costs_two_typos() {
        let index = fixture();
        index.upsert(&[doc(8, &["Clémentines de Berkane", "كليمنتين بركان"], "02", &["IGP"], 6_000, true)]).unwrap();
        // One typo away, but on the first letter: a five-letter word allows one typo only.
        assert_eq!(find(&index, "أركان"), vec![1, 2]);
        assert_eq!(find(&index, "بركان"), vec![8]);
        assert_eq!(find(&index, "berkano"), vec![8], "one typo after the first letter");
        assert_eq!(find(&index, "perkane"), Vec::<i64>::new());
        // A nine-letter word allows two: the first letter alone, and nothing more.
        assert_eq!(find(&index, "daliouine"), vec![3]);
        assert_eq!(find(&index, "daliouin"), Vec::<i64>::new());
        assert_eq!(find(&index, "talyouinr"), vec![3], "two typos after the first letter");
    }

    #[test]
    fn words_nothing_matches_are_left_out_from_the_end() {
        let index = fixture();
        let q = |text: &str| SearchQuery {
            text: text.into(),
            filters: vec![],
            facets: vec![],
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            range_of: None,
        };
        let relaxed = index.search(&q("Argan XYZZY")).unwrap();
        assert_eq!((relaxed.total, relaxed.ignored_words), (2, vec!["XYZZY".to_string()]), "as typed");
        assert!(index.search(&q("huile argan")).unwrap().ignored_words.is_empty());
        // From the end only, as Meilisearch: a first word nothing matches finds nothing, and
        // leaving the others out is not said.
        let nothing = index.search(&q("xyzzy argan")).unwrap();
        assert_eq!((nothing.total, nothing.ignored_words), (0, vec![]));
        // The filters count: no argan olive oil in region 07, but argan oil.
        let filtered = SearchQuery { filters: vec![Filter::Equals("region".into(), "07".into())], ..q("argan olive") };
        let found = index.search(&filtered).unwrap();
        assert_eq!((found.ids, found.ignored_words), (vec![2], vec!["olive".to_string()]));
        // Ten words are read, as by Meilisearch; stop words do not count.
        let long = format!("{} de xyzzy", ["argan"; 10].join(" "));
        let found = index.search(&q(&long)).unwrap();
        assert_eq!((found.total, found.ignored_words), (2, vec!["xyzzy".to_string()]));
    }

    #[test]
    fn exact_matches_rank_above_fuzzy_ones() {
        let index = fixture();
        index.upsert(&[doc(7, &["Argon lamp"], "01", &[], 100, true)]).unwrap();
        let q = SearchQuery {
            text: "argan".into(),
            filters: vec![],
            facets: vec![],
            sort: Sort::Relevance,
            offset: 0,
            limit: 10,
            range_of: None,
        };
        let ids = index.search(&q).unwrap().ids;
        assert_eq!(ids.last(), Some(&7), "the typo match comes last: {ids:?}");
    }

    #[test]
    fn filters_facets_ranges_and_sorting() {
        let index = fixture();
        let q = SearchQuery {
            text: String::new(),
            filters: vec![
                Filter::Range { field: "price".into(), min: Some(7_000), max: Some(20_000) },
                Filter::Flag("in_stock".into(), true),
            ],
            facets: vec!["region".into(), "labels".into()],
            sort: Sort::Field { field: "price".into(), descending: false },
            offset: 0,
            limit: 10,
            range_of: Some("price".into()),
        };
        let r = index.search(&q).unwrap();
        assert_eq!(r.ids, vec![6, 4, 1]);
        assert_eq!(r.total, 3);
        assert_eq!(r.range, Some((7_500, 18_000)));
        let regions: BTreeMap<String, u64> = r.facets["region"].iter().cloned().collect();
        assert_eq!(regions, BTreeMap::from([("05".into(), 1), ("07".into(), 1), ("09".into(), 1)]));
        let labels: BTreeMap<String, u64> = r.facets["labels"].iter().cloned().collect();
        assert_eq!(labels, BTreeMap::from([("AOP".into(), 1), ("IGP".into(), 1)]));

        let label = SearchQuery { filters: vec![Filter::Equals("labels".into(), "IGP".into())], ..q.clone() };
        let mut ids = index.search(&label).unwrap().ids;
        ids.sort();
        assert_eq!(ids, vec![1, 2]);
    }

    #[test]
    fn deletes_and_versions() {
        let index = fixture();
        index.delete(&[2]).unwrap();
        assert_eq!(find(&index, "argan"), vec![1]);
        let mut changed = doc(1, &["Huile d'argan"], "09", &[], 1, true);
        changed.version = 9;
        index.upsert(&[changed]).unwrap();
        let versions = index.versions().unwrap();
        assert_eq!(versions.get(&1), Some(&9));
        assert_eq!(versions.len(), 5);
        assert_eq!(index.count(), 5);
    }
}
