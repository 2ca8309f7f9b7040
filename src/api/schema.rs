//! The schema: every domain's Query and Mutation objects merged, with the limits applied to
//! every operation.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use super::account::{AccountMutation, AccountQuery};
use super::documents::Documents;
use super::node::NodeQuery;
use super::operation_limits::OperationLimits;
use super::reviews::ReviewMutation;
use super::shop::ShopQuery;
use super::storefronts::{StorefrontMutation, StorefrontQuery};
use crate::academy::graphql::{AcademyMutation, AcademyQuery};
use crate::academy::search::CourseSearchQuery;
use crate::catalog::graphql::{CatalogMutation, CatalogQuery};
use crate::orders::graphql::{OrdersMutation, OrdersQuery};
use crate::outbox::graphql::{OutboxMutation, OutboxQuery};
use crate::projects::graphql::{ProjectsMutation, ProjectsQuery};
use crate::registry::graphql::{ReferenceQuery, RegistryMutation, RegistryQuery};
use crate::scoring::graphql::{ScoringMutation, ScoringQuery};
use crate::search::graphql::{SearchQueryRoot, SuggestQueryRoot};
use crate::stats::graphql::StatsQuery;
use crate::webhooks::graphql::{WebhookMutation, WebhookQuery};

#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    CatalogQuery,
    ReferenceQuery,
    AccountQuery,
    OrdersQuery,
    OutboxQuery,
    SearchQueryRoot,
    SuggestQueryRoot,
    RegistryQuery,
    StatsQuery,
    ShopQuery,
    AcademyQuery,
    CourseSearchQuery,
    ProjectsQuery,
    ScoringQuery,
    WebhookQuery,
    StorefrontQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountMutation,
    CatalogMutation,
    OrdersMutation,
    OutboxMutation,
    RegistryMutation,
    AcademyMutation,
    ProjectsMutation,
    ScoringMutation,
    ReviewMutation,
    WebhookMutation,
    StorefrontMutation,
);

pub type TaawunSchema = Schema<Query, Mutation, EmptySubscription>;

/// The depth allowed to operations that only introspect the schema. The standard introspection
/// query (GraphiQL's, graphql-js's `getIntrospectionQuery`) nests `ofType` far deeper than a data
/// query may go; it reads only the schema, which is finite and in memory.
pub const INTROSPECTION_MAX_DEPTH: usize = 20;

/// How many parsed operations are kept between requests (each at most 8 KiB of text).
const PARSED_DOCUMENTS_KEPT: usize = 256;

/// Limits applied to every operation.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_root_fields: usize,
    pub max_aliases: usize,
    pub apq_cache_entries: usize,
}

/// The schema without runtime data: enough for the SDL; the server adds data per request.
/// No extensions: what they did is done around execution by `Documents` (see there why).
pub fn build_schema(limits: SchemaLimits) -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .data(super::messages::translations())
}

/// Persisted queries, parsed documents and the operation limits, for these limits.
pub fn documents(limits: SchemaLimits) -> Documents {
    let operation_limits = OperationLimits { max_root_fields: limits.max_root_fields, max_aliases: limits.max_aliases };
    Documents::new(operation_limits, PARSED_DOCUMENTS_KEPT, limits.apq_cache_entries.max(1))
}

/// The SDL front ends generate code from (`graphql/schema.graphql`).
pub fn sdl() -> String {
    let limits = SchemaLimits {
        max_depth: 100,
        max_complexity: 1_000_000,
        max_root_fields: 1_000,
        max_aliases: 1_000,
        apq_cache_entries: 1,
    };
    build_schema(limits).finish().sdl()
}
