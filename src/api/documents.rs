//! Operations as the API receives them, before async-graphql runs them: automatic persisted
//! queries (a hash standing for a text sent once before), parsed documents kept between
//! requests, and the limits of `operation_limits`.
//!
//! All of it is done here rather than in async-graphql extensions. With any extension
//! registered, even one that only looks at the parse, async-graphql resolves every field of an
//! answer through the extension chain: a `ResolveInfo` looked up in the registry and a boxed
//! future per extension, some 500 times for a page of products.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
};
use async_graphql::{Request, ServerError};
use sha2::{Digest, Sha256};

use super::operation_limits::OperationLimits;
use super::storefronts::StorefrontAccess;

/// Queries longer than this are parsed every time: the cache is for the operations clients
/// send repeatedly, which are short.
const LONGEST_KEPT_QUERY: usize = 8 * 1024;

pub struct Documents {
    parsed: Mutex<lru::LruCache<String, Arc<ExecutableDocument>>>,
    /// Persisted query texts by their SHA-256 (lowercase hex).
    persisted: Mutex<lru::LruCache<String, String>>,
    limits: OperationLimits,
}

/// What may stop a request's document from running besides the limits.
#[derive(Clone, Copy, Default)]
pub struct Refusals<'a> {
    /// The storefront key the request came with: which root fields it may ask for.
    pub storefront: Option<&'a StorefrontAccess>,
    /// Why this request may not run a mutation (a `GET`, a rejected token).
    pub mutations: Option<&'static str>,
}

impl Documents {
    /// `kept_documents` parsed operations and `kept_persisted` persisted query texts are kept,
    /// least recently used first out.
    pub fn new(limits: OperationLimits, kept_documents: usize, kept_persisted: usize) -> Documents {
        let capacity = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Documents {
            parsed: Mutex::new(lru::LruCache::new(capacity(kept_documents))),
            persisted: Mutex::new(lru::LruCache::new(capacity(kept_persisted))),
            limits,
        }
    }

    /// Apollo's automatic persisted queries, version 1, answered as async-graphql's extension
    /// answered them: a hash alone is replaced by the text registered under it
    /// (`PersistedQueryNotFound` when none is), a text sent with its hash is registered.
    pub fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(value) = request.extensions.remove("persistedQuery") else { return Ok(()) };
        #[derive(serde::Deserialize)]
        struct PersistedQuery {
            version: i32,
            #[serde(rename = "sha256Hash")]
            sha256_hash: String,
        }
        let persisted: PersistedQuery = async_graphql::from_value(value)
            .map_err(|_| ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None))?;
        if persisted.version != 1 {
            return Err(ServerError::new(
                format!(
                    "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                    persisted.version
                ),
                None,
            ));
        }
        if request.query.is_empty() {
            let text = lock(&self.persisted).get(&persisted.sha256_hash).cloned();
            request.query = text.ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?;
            return Ok(());
        }
        let hash: String = Sha256::digest(request.query.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        if hash != persisted.sha256_hash {
            return Err(ServerError::new("provided sha does not match query", None));
        }
        if self.parsed(&request.query).is_some() {
            lock(&self.persisted).put(hash, request.query.clone());
        }
        Ok(())
    }

    /// The document of a query text, parsed once and then kept (texts up to 8 KiB). `None`:
    /// the text does not parse; async-graphql then reports why, as it always has.
    pub fn parsed(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        let keyed = query.len() <= LONGEST_KEPT_QUERY;
        if keyed && let Some(document) = lock(&self.parsed).get(query).cloned() {
            return Some(document);
        }
        let document = Arc::new(async_graphql::parser::parse_query(query).ok()?);
        if keyed {
            lock(&self.parsed).put(query.to_string(), document.clone());
        }
        Some(document)
    }

    /// Checks the request's document against the limits and the refusals, then hands it to
    /// the request already parsed. Returns the document (`None` when it does not parse).
    pub fn prepare(
        &self,
        request: &mut Request,
        refusals: Refusals<'_>,
    ) -> Result<Option<Arc<ExecutableDocument>>, ServerError> {
        let Some(document) = self.parsed(&request.query) else { return Ok(None) };
        if let Some(why) = self.limits.refusal(&document, refusals.storefront, refusals.mutations) {
            return Err(ServerError::new(why, None));
        }
        request.set_parsed_query((*document).clone());
        Ok(Some(document))
    }
}

/// The operation of a document a request runs: the named one, else the only or first one.
pub fn operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    }
}

/// The operation a document runs for a request: its type and the names of its root fields
/// (`None` for a root fragment, whose fields are not looked into).
pub fn selected_operation(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<(OperationType, Vec<Option<String>>)> {
    let operation = operation(document, operation_name)?;
    let roots = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    Some((operation.node.ty, roots))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
