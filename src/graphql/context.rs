//! What every resolver can reach: the database, the caller, the locale, limits, loaders.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;

use crate::auth::Viewer;
use crate::catalog::loaders::CatalogLoader;
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::relay::PageArgs;
use crate::i18n::Locale;

/// Per request: resolved once by the HTTP handler.
pub struct RequestContext {
    pub locale: Locale,
    pub viewer: Option<Viewer>,
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
    fn catalog(&self) -> &DataLoader<CatalogLoader>;
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
    fn catalog(&self) -> &DataLoader<CatalogLoader> {
        self.data_unchecked::<DataLoader<CatalogLoader>>()
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
