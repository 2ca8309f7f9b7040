//! What every resolver can reach: the database, the caller, the locale, limits, and each
//! domain's DataLoader (registered per request by the api layer, looked up by type).

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;

use crate::kernel::db::Db;
use crate::kernel::error::AppError;
use crate::kernel::graphql::relay::PageArgs;
use crate::kernel::i18n::Locale;
use crate::kernel::messages::{Message, Translations};
use crate::kernel::viewer::Viewer;

/// Per request: resolved once by the HTTP handler.
pub struct RequestContext {
    pub locale: Locale,
    pub viewer: Option<Viewer>,
    /// The client's address (the peer, or what the trusted proxy says it is).
    pub client: Option<std::net::IpAddr>,
}

/// Per schema: limits from configuration.
#[derive(Clone, Debug)]
pub struct Limits {
    pub default_page_size: usize,
    pub max_page_size: usize,
    pub token_ttl_hours: i64,
    pub default_locale: Locale,
}

pub trait CtxExt {
    fn db(&self) -> &Db;
    fn request(&self) -> &RequestContext;
    fn viewer(&self) -> Option<&Viewer>;
    /// The explicit `locale` argument when given, else the request's.
    fn locale(&self, explicit: Option<Locale>) -> Locale;
    fn limits(&self) -> &Limits;
    /// A message in the request's language.
    fn translate(&self, message: &Message) -> String;
    /// The request's DataLoader of type `L`.
    fn loader<L: Send + Sync + 'static>(&self) -> &DataLoader<L>;
    /// Whether the caller selected `totalCount` on the connection being resolved.
    fn wants_total(&self) -> bool;
    fn page_args(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<PageArgs, AppError>;
}

impl CtxExt for Context<'_> {
    fn db(&self) -> &Db {
        self.data_unchecked::<Db>()
    }
    fn request(&self) -> &RequestContext {
        self.data_unchecked::<RequestContext>()
    }
    fn viewer(&self) -> Option<&Viewer> {
        self.request().viewer.as_ref()
    }
    fn locale(&self, explicit: Option<Locale>) -> Locale {
        explicit.unwrap_or(self.request().locale)
    }
    fn limits(&self) -> &Limits {
        self.data_unchecked::<Limits>()
    }
    fn translate(&self, message: &Message) -> String {
        match self.data_opt::<&'static Translations>() {
            Some(translations) => translations.render(message, self.request().locale),
            None => message.english(),
        }
    }
    fn loader<L: Send + Sync + 'static>(&self) -> &DataLoader<L> {
        self.data_unchecked::<DataLoader<L>>()
    }
    fn wants_total(&self) -> bool {
        self.look_ahead().field("totalCount").exists()
    }
    fn page_args(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<PageArgs, AppError> {
        let limits = self.limits();
        PageArgs::new(after, before, first, last, limits.default_page_size, limits.max_page_size)
    }
}

/// A DataLoader for one request: no batching delay, since sibling fields register their keys
/// in the same poll, before the spawned batch runs on this worker's thread (the default 1 ms
/// timer added a millisecond or more per level of nesting to every request).
pub fn request_loader<L: Send + Sync + 'static>(loader: L) -> DataLoader<L> {
    DataLoader::new(loader, tokio::spawn).delay(std::time::Duration::ZERO)
}
