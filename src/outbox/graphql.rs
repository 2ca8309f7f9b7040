//! Administrators see the side effects that could not be delivered, and send them again.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::{Conn, Key, paginate};
use crate::kernel::graphql::{DateTime, ids, run_mutation};
use crate::msg;

#[derive(SimpleObject)]
pub struct OutboxMessage {
    #[graphql(owned)]
    pub id: ID,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime,
    pub created_at: DateTime,
}

pub fn message(row: super::OutboxRow) -> OutboxMessage {
    OutboxMessage {
        id: ids::encode("OutboxMessage", row.id),
        kind: row.kind,
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
        next_attempt_at: DateTime(row.next_attempt_at),
        created_at: DateTime(row.created_at),
    }
}

/// Delivery state of a side effect (email, index update) in the outbox.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Done,
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => super::PENDING,
            OutboxStatus::Done => super::DONE,
            OutboxStatus::Failed => super::FAILED,
        }
    }
}

#[derive(Default)]
pub struct OutboxQuery;

#[Object]
impl OutboxQuery {
    /// Administrators: outbox messages by status (FAILED ones were parked after the last attempt).
    async fn outbox_messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "OutboxStatus::Failed")] status: OutboxStatus,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Conn<OutboxMessage>> {
        crate::kernel::viewer::require_admin(ctx.viewer())?;
        let args = ctx.page_args(after, None, first, None)?;
        let want_total = ctx.wants_total();
        let page = ctx
            .db()
            .run(move |conn| {
                paginate(
                    conn,
                    args,
                    want_total,
                    |c| Ok(super::count(c, status.as_str())?),
                    |c, seek| super::list(c, status.as_str(), seek),
                    |m| Key::id(m.id),
                )
            })
            .await?;
        Ok(page.into_connection(message))
    }
}

crate::mutation_payload!(OutboxRetryPayload, message: OutboxMessage);

#[derive(Default)]
pub struct OutboxMutation;

#[Object]
impl OutboxMutation {
    /// Administrators put a FAILED message back in the queue.
    async fn outbox_retry(&self, ctx: &Context<'_>, id: ID) -> Result<OutboxRetryPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| {
            crate::kernel::viewer::require_admin(viewer)?;
            let raw = ids::decode(&id, "OutboxMessage")
                .ok_or_else(|| AppError::user(ErrorCode::InvalidId, &["id"], msg!("is not an OutboxMessage id")))?;
            if super::retry(conn, raw)? == 0 {
                return Err(AppError::user(ErrorCode::NotFound, &["id"], msg!("no failed message with this id")));
            }
            super::find(conn, raw)?.ok_or_else(|| AppError::internal("outbox row vanished"))
        })
        .await?;
        Ok(OutboxRetryPayload { message: row.map(message), user_errors })
    }
}
