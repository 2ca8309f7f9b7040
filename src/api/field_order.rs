//! Answers list their fields in the query's order. async-graphql resolves an object's fields
//! concurrently and writes each as it completes, so the order changed with timing between
//! identical requests (the spec asks for the query's order; snapshot tests and HTTP caches
//! rely on stable bytes). This extension keeps the parsed document and puts every object of
//! the answer back in the order of its selection set.
//!
//! It also keeps the documents it has parsed: storefronts send the same few operations over
//! and over, and parsing the product listing took 7% of its request's instructions.

use std::cell::OnceCell;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerResult, Value, Variables};

/// Queries longer than this are parsed every time: the cache is for the operations clients
/// send repeatedly, which are short.
const LONGEST_KEPT_QUERY: usize = 8 * 1024;

pub struct FieldOrder {
    parsed: Arc<Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>>,
}

impl FieldOrder {
    /// `kept_documents`: how many parsed operations are kept, least recently used first out.
    pub fn new(kept_documents: usize) -> Self {
        let capacity = NonZeroUsize::new(kept_documents).unwrap_or(NonZeroUsize::MIN);
        FieldOrder { parsed: Arc::new(Mutex::new(lru::LruCache::new(capacity))) }
    }
}

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldOrderExtension { parsed: self.parsed.clone(), document: Mutex::new(None) })
    }
}

struct FieldOrderExtension {
    parsed: Arc<Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>>,
    document: Mutex<Option<Arc<ExecutableDocument>>>,
}

impl FieldOrderExtension {
    fn keep(&self, document: Arc<ExecutableDocument>) {
        if let Ok(mut kept) = self.document.lock() {
            *kept = Some(document);
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for FieldOrderExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // A persisted query arrives parsed, with no text: nothing to look up or keep by.
        let keyed = !query.is_empty() && query.len() <= LONGEST_KEPT_QUERY;
        let known = keyed.then(|| self.parsed.lock().ok().and_then(|mut parsed| parsed.get(query).cloned())).flatten();
        if let Some(document) = known {
            let owned = (*document).clone();
            self.keep(document);
            return Ok(owned);
        }
        let document = next.run(ctx, query, variables).await?;
        let kept = Arc::new(document.clone());
        if keyed && let Ok(mut parsed) = self.parsed.lock() {
            parsed.put(query.to_string(), kept.clone());
        }
        self.keep(kept);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self.document.lock().ok().and_then(|mut d| d.take());
        if let Some(document) = document {
            let operation = match (&document.operations, operation_name) {
                (DocumentOperations::Single(op), _) => Some(op),
                (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
                (DocumentOperations::Multiple(ops), None) => ops.values().next(),
            };
            if let Some(operation) = operation {
                let shape = Shape::of(&[&operation.node.selection_set.node], &document);
                in_query_order(&mut response.data, &shape, &document);
            }
        }
        response
    }
}

/// What the selection sets asked of one object ask for: its response keys in order, each with
/// every selection set asked of the field under it (a key may be selected in several fragments).
/// Built once per place in the query, not once per object: a list of twenty products shares one.
struct Shape<'a> {
    fields: Vec<ShapeField<'a>>,
}

struct ShapeField<'a> {
    key: &'a str,
    sets: Vec<&'a SelectionSet>,
    shape: OnceCell<Shape<'a>>,
}

impl<'a> Shape<'a> {
    fn of(sets: &[&'a SelectionSet], document: &'a ExecutableDocument) -> Shape<'a> {
        let mut shape = Shape { fields: Vec::new() };
        for set in sets {
            shape.add(set, document);
        }
        shape
    }

    /// Adds a set's fields, fragments spread in place.
    fn add(&mut self, set: &'a SelectionSet, document: &'a ExecutableDocument) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    let sub = &field.node.selection_set.node;
                    match self.fields.iter_mut().find(|f| f.key == key) {
                        Some(known) => known.sets.push(sub),
                        None => self.fields.push(ShapeField { key, sets: vec![sub], shape: OnceCell::new() }),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                        self.add(&fragment.node.selection_set.node, document);
                    }
                }
                Selection::InlineFragment(inline) => self.add(&inline.node.selection_set.node, document),
            }
        }
    }

    /// Whether the keys already come in this shape's order (most objects: fields that answer at
    /// once complete in the order they were started).
    fn is_in_order<'k>(&self, keys: impl Iterator<Item = &'k str>) -> bool {
        let mut wanted = self.fields.iter();
        keys.into_iter().all(|key| wanted.any(|f| f.key == key))
    }
}

fn in_query_order<'a>(value: &mut Value, shape: &Shape<'a>, document: &'a ExecutableDocument) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|item| in_query_order(item, shape, document)),
        Value::Object(map) => {
            if !shape.is_in_order(map.keys().map(|k| k.as_str())) {
                let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(map.len());
                for field in &shape.fields {
                    if let Some((name, child)) = map.swap_remove_entry(field.key) {
                        ordered.insert(name, child);
                    }
                }
                // Keys the query did not ask for (none are expected) go last, as they came.
                ordered.extend(std::mem::take(map));
                *map = ordered;
            }
            // Keys and fields now run in the same order: walk both, without hashing.
            let mut fields = shape.fields.iter();
            for (name, child) in map.iter_mut() {
                let Some(field) = fields.find(|f| f.key == name.as_str()) else { break };
                if matches!(child, Value::Object(_) | Value::List(_)) && field.sets.iter().any(|s| !s.items.is_empty())
                {
                    let sub = field.shape.get_or_init(|| Shape::of(&field.sets, document));
                    in_query_order(child, sub, document);
                }
            }
        }
        _ => {}
    }
}
