//! Review mutations: writing one needs the orders' word that the buyer received the product,
//! so they are wired here, above both domains.

use async_graphql::{Context, ID, Object, Result};

use crate::catalog::graphql::ProductReview;
use crate::catalog::model::{ProductReviewCreateInput, ProductReviewHideInput, ProductReviewReplyInput};
use crate::catalog::reviews;
use crate::kernel::graphql::run_mutation;
use crate::orders::service::has_received;

crate::mutation_payload!(ProductReviewPayload, review: ProductReview);

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// A buyer who received the product (a delivered order) rates it 1–5 with a text; one
    /// review per buyer and product. The product's average and count change at once.
    async fn product_review_create(
        &self,
        ctx: &Context<'_>,
        input: ProductReviewCreateInput,
    ) -> Result<ProductReviewPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| reviews::create(conn, viewer, input, has_received)).await?;
        Ok(ProductReviewPayload { review: row.map(ProductReview), user_errors })
    }

    /// The product's cooperative answers a review, once.
    async fn product_review_reply(
        &self,
        ctx: &Context<'_>,
        input: ProductReviewReplyInput,
    ) -> Result<ProductReviewPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| reviews::reply(conn, viewer, input)).await?;
        Ok(ProductReviewPayload { review: row.map(ProductReview), user_errors })
    }

    /// Administrators hide a review, with a reason; it no longer counts in the rating.
    async fn product_review_hide(
        &self,
        ctx: &Context<'_>,
        input: ProductReviewHideInput,
    ) -> Result<ProductReviewPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| reviews::hide(conn, viewer, input)).await?;
        Ok(ProductReviewPayload { review: row.map(ProductReview), user_errors })
    }

    /// Administrators show a hidden review again.
    async fn product_review_restore(&self, ctx: &Context<'_>, review_id: ID) -> Result<ProductReviewPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| reviews::restore(conn, viewer, &review_id)).await?;
        Ok(ProductReviewPayload { review: row.map(ProductReview), user_errors })
    }
}
