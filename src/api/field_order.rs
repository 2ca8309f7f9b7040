//! Answers list their fields in the query's order. async-graphql resolves an object's fields
//! concurrently and writes each as it completes, so the order changed with timing between
//! identical requests (the spec asks for the query's order; snapshot tests and HTTP caches
//! rely on stable bytes). `put_in_query_order` puts every object of an answer back in the
//! order of its selection set, from the document `api::documents` parsed.

use std::cell::OnceCell;

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Orders the answer (`data`) of the operation `operation_name` selects in `document`.
pub fn put_in_query_order(data: &mut Value, document: &ExecutableDocument, operation_name: Option<&str>) {
    if let Some(operation) = super::documents::operation(document, operation_name) {
        let shape = Shape::of(&[&operation.node.selection_set.node], document);
        in_query_order(data, &shape, document);
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

    /// Where a key comes in this shape's order (past the end when the query did not ask for it).
    fn position(&self, key: &str) -> usize {
        self.fields.iter().position(|f| f.key == key).unwrap_or(usize::MAX)
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
                // Sorted in place: entries keep their stored hashes, so no key is hashed again
                // (moving them to a new map hashed each twice, 2% of a listing). Keys the query
                // did not ask for (none are expected) go last, as they came: the sort is stable.
                map.sort_by_cached_key(|key, _| shape.position(key.as_str()));
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
