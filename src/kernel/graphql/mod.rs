//! The GraphQL kit every domain uses: scalars, Relay connections and global ids, the
//! request context, the mutation runner, and the payload and loader macros. No domain's
//! types live here; the schema is assembled in `api`.

pub mod context;
pub mod ids;
pub mod relay;

use std::sync::Arc;

use async_graphql::{Context, InputValueError, InputValueResult, Result, Scalar, ScalarType, Value};
use chrono::NaiveDateTime;

use crate::kernel::db::DbConn;
use crate::kernel::error::{AppError, UserError};
use crate::kernel::viewer::Viewer;
use context::CtxExt;

/// An ISO 8601 instant in UTC, e.g. `2026-11-29T10:15:00.000Z`.
#[derive(Debug, Clone, Copy)]
pub struct DateTime(pub NaiveDateTime);

/// An instant in UTC as RFC 3339 / ISO 8601 text with milliseconds and `Z`, e.g.
/// `2026-11-29T10:15:00.000Z`. Inputs accept any RFC 3339 offset.
#[Scalar(name = "DateTime", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339")]
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

/// A calendar date as ISO 8601 text `YYYY-MM-DD`, e.g. `2026-06-30`.
#[Scalar(name = "Date", specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6")]
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

/// A mutation's outcome as its payload's parts: the result, or the `userErrors` of an
/// expected failure; anything else becomes a GraphQL error with its code.
pub fn payload<T>(outcome: Result<T, AppError>) -> Result<(Option<T>, Vec<UserError>)> {
    match outcome {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(e) => match e.user_errors() {
            Some(errors) => Ok((None, errors)),
            None => Err(e.into()),
        },
    }
}

/// Runs a mutation's work on the database; expected failures become `userErrors`,
/// anything else a GraphQL error with code INTERNAL.
pub async fn run_mutation<T, F>(ctx: &Context<'_>, work: F) -> Result<(Option<T>, Vec<UserError>)>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, Option<&Viewer>) -> Result<T, AppError> + Send + 'static,
{
    let viewer = ctx.viewer().cloned();
    payload(ctx.db().run(move |conn| work(conn, viewer.as_ref())).await)
}

/// The payload parts of a change to an existing object: the object as changed or, when the
/// change was refused, the object as it still is (read with the caller's own visibility, so
/// it is null for whoever may not see it), so a client shows both with the `userErrors`.
pub async fn or_unchanged<T, Fut>(
    outcome: (Option<T>, Vec<UserError>),
    current: impl FnOnce() -> Fut,
) -> Result<(Option<T>, Vec<UserError>)>
where
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    match outcome {
        (None, errors) if !errors.is_empty() => Ok((current().await?, errors)),
        done => Ok(done),
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
            type Error = std::sync::Arc<$crate::kernel::error::AppError>;

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
            pub user_errors: Vec<$crate::kernel::error::UserError>,
        }
    };
}
