//! Schema assembly from each domain's Query and Mutation objects, the Relay `Node`
//! interface, shared scalars and the mutation helper.

pub mod context;
pub mod http;
pub mod ids;
pub mod relay;

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage};
use async_graphql::{
    Context, EmptySubscription, ID, InputValueError, InputValueResult, Interface, MergedObject, Object, Result, Scalar,
    ScalarType, Schema, Value,
};
use chrono::NaiveDateTime;

use crate::auth::Viewer;
use crate::auth::graphql::{AuthMutation, AuthQuery};
use crate::catalog::graphql::{
    CatalogMutation, CatalogQuery, Category, Cooperative, Product, Region, Sector, Variant, visible_product,
};
use crate::catalog::loaders::{CategoryKey, CooperativeKey, ProductKey, RegionKey, SectorKey, VariantKey};
use crate::db::DbConn;
use crate::error::{AppError, UserError};
use crate::orders::graphql::{OrdersMutation, OrdersQuery};
use crate::outbox::graphql::{OutboxMutation, OutboxQuery};
use crate::registry::graphql::{RegistryMutation, RegistryQuery};
use crate::search::graphql::{SearchQueryRoot, SuggestQueryRoot};
use crate::stats::graphql::StatsQuery;
use context::CtxExt;

#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    CatalogQuery,
    AuthQuery,
    OrdersQuery,
    OutboxQuery,
    SearchQueryRoot,
    SuggestQueryRoot,
    RegistryQuery,
    StatsQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(AuthMutation, CatalogMutation, OrdersMutation, OutboxMutation, RegistryMutation);

pub type TaawunSchema = Schema<Query, Mutation, EmptySubscription>;

/// Limits applied to every operation.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub apq_cache_entries: usize,
}

/// The schema without runtime data: enough for the SDL; the server adds data per request.
pub fn build_schema(limits: SchemaLimits) -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(limits.apq_cache_entries.max(1))))
}

/// The SDL front ends generate code from (`graphql/schema.graphql`).
pub fn sdl() -> String {
    build_schema(SchemaLimits { max_depth: 100, max_complexity: 1_000_000, apq_cache_entries: 1 }).finish().sdl()
}

/// An ISO 8601 instant in UTC, e.g. `2026-11-29T10:15:00.000Z`.
pub struct DateTime(pub NaiveDateTime);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| DateTime(d.naive_utc()))
                .map_err(|_| InputValueError::custom("expected an ISO 8601 date-time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    }
}

/// A calendar date, ISO 8601 (`2026-06-30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date such as 2026-06-30")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Cost of a connection field for the complexity limit: page size times what each node asks for.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).unwrap_or(20).clamp(0, 1000) as usize;
    size.saturating_mul(child_complexity).saturating_add(1)
}

/// Turns a DataLoader failure into a GraphQL error without exposing internals.
pub fn loader_error(e: Arc<AppError>) -> async_graphql::Error {
    e.to_graphql()
}

/// Runs a mutation's work on the database; expected failures become `userErrors`,
/// anything else a GraphQL error with code INTERNAL.
pub async fn run_mutation<T, F>(ctx: &Context<'_>, work: F) -> Result<(Option<T>, Vec<UserError>)>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, Option<&Viewer>) -> Result<T, AppError> + Send + 'static,
{
    let viewer = ctx.viewer().cloned();
    match ctx.db().run(move |conn| work(conn, viewer.as_ref())).await {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(e) => match e.user_errors() {
            Some(errors) => Ok((None, errors)),
            None => Err(e.into()),
        },
    }
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Product(Product),
    Variant(Variant),
    Cooperative(Cooperative),
    Category(Category),
    Region(Region),
    Sector(Sector),
}

#[derive(Default)]
pub struct NodeQuery;

async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((type_name, raw)) = ids::decode_any(id) else { return Ok(None) };
    let loader = ctx.catalog();
    Ok(match type_name.as_str() {
        "Product" => {
            let row = loader.load_one(ProductKey(raw)).await.map_err(loader_error)?;
            visible_product(ctx, row).await?.map(Node::Product)
        }
        "Variant" => {
            let Some(variant) = loader.load_one(VariantKey(raw)).await.map_err(loader_error)? else {
                return Ok(None);
            };
            let product = loader.load_one(ProductKey(variant.product_id)).await.map_err(loader_error)?;
            visible_product(ctx, product).await?.map(|_| Node::Variant(Variant(variant)))
        }
        "Cooperative" => {
            loader.load_one(CooperativeKey(raw)).await.map_err(loader_error)?.map(|r| Node::Cooperative(Cooperative(r)))
        }
        "Category" => {
            loader.load_one(CategoryKey(raw)).await.map_err(loader_error)?.map(|r| Node::Category(Category(r)))
        }
        "Region" => loader.load_one(RegionKey(raw)).await.map_err(loader_error)?.map(|r| Node::Region(Region(r))),
        "Sector" => loader.load_one(SectorKey(raw)).await.map_err(loader_error)?.map(|r| Node::Sector(Sector(r))),
        _ => None,
    })
}

#[Object]
impl NodeQuery {
    /// Any object by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Several objects by global id, in the order asked (null where not found); at most 100.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > ctx.limits().max_page_size {
            return Err(AppError::bad_input(&["ids"], format!("at most {} ids", ctx.limits().max_page_size)).into());
        }
        let lookups = ids.iter().map(|id| load_node(ctx, id));
        futures_util::future::try_join_all(lookups).await
    }
}

/// Declares a DataLoader key newtype and its batched load through a store function
/// `fn(&mut DbConn, &[i64]) -> QueryResult<HashMap<i64, V>>`.
#[macro_export]
macro_rules! keyed_loader {
    ($loader:ident, $key:ident => $value:ty, $fetch:path) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl async_graphql::dataloader::Loader<$key> for $loader {
            type Value = $value;
            type Error = std::sync::Arc<$crate::error::AppError>;

            async fn load(&self, keys: &[$key]) -> Result<std::collections::HashMap<$key, $value>, Self::Error> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let found = self.db.run(move |conn| Ok($fetch(conn, &ids)?)).await.map_err(std::sync::Arc::new)?;
                Ok(found.into_iter().map(|(id, v)| ($key(id), v)).collect())
            }
        }
    };
}

/// A mutation's payload: its result, or the `userErrors` saying why there is none.
#[macro_export]
macro_rules! mutation_payload {
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub $field: Option<$ty>,
            pub user_errors: Vec<$crate::error::UserError>,
        }
    };
}
