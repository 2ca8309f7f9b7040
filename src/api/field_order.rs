//! Answers list their fields in the query's order. async-graphql resolves an object's fields
//! concurrently and writes each as it completes, so the order changed with timing between
//! identical requests (the spec asks for the query's order; snapshot tests and HTTP caches
//! rely on stable bytes). This extension keeps the parsed document and puts every object of
//! the answer back in the order of its selection set.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Response, ServerResult, Value, Variables};

pub struct FieldOrder;

impl ExtensionFactory for FieldOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FieldOrderExtension { document: Mutex::new(None) })
    }
}

struct FieldOrderExtension {
    document: Mutex<Option<ExecutableDocument>>,
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
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut kept) = self.document.lock() {
            *kept = Some(document.clone());
        }
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
                in_query_order(&mut response.data, &[&operation.node.selection_set.node], &document);
            }
        }
        response
    }
}

/// The response keys a set of selections asks for, in order, fragments spread in place.
fn keys_in_order<'a>(sets: &[&'a SelectionSet], document: &'a ExecutableDocument, out: &mut Vec<&'a str>) {
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    if !out.contains(&key) {
                        out.push(key);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                        keys_in_order(&[&fragment.node.selection_set.node], document, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    keys_in_order(&[&inline.node.selection_set.node], document, out);
                }
            }
        }
    }
}

/// Every selection set asked of the field answering under `key` (a key may be selected in
/// several fragments).
fn sub_selections<'a>(
    sets: &[&'a SelectionSet],
    document: &'a ExecutableDocument,
    key: &str,
    out: &mut Vec<&'a SelectionSet>,
) {
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) if field.node.response_key().node.as_str() == key => {
                    out.push(&field.node.selection_set.node);
                }
                Selection::Field(_) => {}
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                        sub_selections(&[&fragment.node.selection_set.node], document, key, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    sub_selections(&[&inline.node.selection_set.node], document, key, out);
                }
            }
        }
    }
}

fn in_query_order(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => items.iter_mut().for_each(|item| in_query_order(item, sets, document)),
        Value::Object(map) => {
            let mut keys = Vec::new();
            keys_in_order(sets, document, &mut keys);
            let mut ordered: IndexMap<Name, Value> = IndexMap::with_capacity(map.len());
            for key in keys {
                if let Some((name, mut child)) = map.shift_remove_entry(key) {
                    let mut subs = Vec::new();
                    sub_selections(sets, document, key, &mut subs);
                    if !subs.is_empty() {
                        in_query_order(&mut child, &subs, document);
                    }
                    ordered.insert(name, child);
                }
            }
            ordered.extend(std::mem::take(map));
            *map = ordered;
        }
        _ => {}
    }
}
