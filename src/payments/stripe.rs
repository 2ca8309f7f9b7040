//! Stripe PaymentIntents and refunds through `async-stripe`; the API base URL comes from
//! configuration so tests point the real client at a local server.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_core::payment_intent::CreatePaymentIntent;
use stripe_core::refund::CreateRefund;

use super::PaymentMethod;
use super::{PaymentProvider, PaymentRequest, PaymentStart};
use crate::kernel::error::{AppError, ErrorCode};
use crate::msg;

pub struct StripeProvider {
    client: Client,
}

impl StripeProvider {
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Result<StripeProvider, String> {
        let mut builder = ClientBuilder::new(secret_key).timeout(Duration::from_secs(20)).app_info(
            "taawun",
            Some(env!("CARGO_PKG_VERSION").into()),
            None,
        );
        if let Some(base) = api_base {
            let base = if base.ends_with('/') { base.to_string() } else { format!("{base}/") };
            builder = builder.url(base);
        }
        Ok(StripeProvider { client: builder.build().map_err(|e| e.to_string())? })
    }
}

fn key(raw: &str) -> Result<RequestStrategy, AppError> {
    IdempotencyKey::new(raw).map(RequestStrategy::Idempotent).map_err(|e| AppError::internal(e.to_string()))
}

fn payment_error(e: stripe::StripeError) -> AppError {
    tracing::warn!(error = %e, "stripe request failed");
    AppError::user(
        ErrorCode::PaymentFailed,
        &[],
        msg!("the payment provider refused or could not be reached; try again"),
    )
}

impl PaymentProvider for StripeProvider {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Card
    }

    fn start<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, AppError>> {
        Box::pin(async move {
            let currency = request
                .currency
                .to_lowercase()
                .parse::<stripe_types::Currency>()
                .map_err(|_| AppError::internal(format!("currency {} unknown to Stripe", request.currency)))?;
            let metadata = HashMap::from([
                ("order_id".to_string(), request.order_id.to_string()),
                ("order_number".to_string(), request.order_number.clone()),
            ]);
            let intent = CreatePaymentIntent::new(request.amount_minor, currency)
                .metadata(metadata)
                .receipt_email(request.email.clone())
                .description(format!("Taawun order {}", request.order_number))
                .customize()
                .request_strategy(key(&format!("pi-{}", request.idempotency_key))?)
                .send(&self.client)
                .await
                .map_err(payment_error)?;
            Ok(PaymentStart { reference: Some(intent.id.as_str().to_string()), client_secret: intent.client_secret })
        })
    }

    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_minor: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AppError>> {
        Box::pin(async move {
            let refund = CreateRefund::new()
                .payment_intent(reference)
                .amount(amount_minor)
                .customize()
                .request_strategy(key(idempotency_key)?)
                .send(&self.client)
                .await
                .map_err(payment_error)?;
            Ok(Some(refund.id.as_str().to_string()))
        })
    }
}
