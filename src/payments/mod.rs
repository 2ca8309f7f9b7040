//! How orders get paid: cash on delivery (the default) or Stripe, behind one trait, plus
//! the Stripe webhook's signature and event. Adapters without tables: the orders domain
//! records payments, and the api layer receives the webhook.

pub mod cod;
pub mod stripe;
pub mod webhook;

use futures_util::future::BoxFuture;

use crate::kernel::error::AppError;
use async_graphql::Enum;

/// How an order is paid: cash to the courier on delivery, or by card through Stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PaymentMethod {
    CashOnDelivery,
    Card,
}

crate::text_enum!(PaymentMethod { CashOnDelivery = "CASH_ON_DELIVERY", Card = "CARD" });

/// What a provider needs to start collecting an order's money.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub order_id: i64,
    pub order_number: String,
    pub amount_minor: i64,
    pub currency: String,
    pub email: String,
    /// The checkout's idempotency key: the same key never creates a second payment.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, Default)]
pub struct PaymentStart {
    /// The provider's id for the payment (a PaymentIntent id).
    pub reference: Option<String>,
    /// What the storefront needs to let the buyer pay (a PaymentIntent client secret).
    pub client_secret: Option<String>,
}

pub trait PaymentProvider: Send + Sync {
    fn method(&self) -> PaymentMethod;
    fn start<'a>(&'a self, request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, AppError>>;
    /// Gives `amount_minor` back; returns the provider's refund id.
    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_minor: i64,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, AppError>>;
}

/// The providers this instance offers.
pub struct Payments {
    pub cash: cod::CashOnDelivery,
    pub card: Option<stripe::StripeProvider>,
}

impl Payments {
    pub fn provider(&self, method: PaymentMethod) -> Option<&dyn PaymentProvider> {
        match method {
            PaymentMethod::CashOnDelivery => Some(&self.cash),
            PaymentMethod::Card => self.card.as_ref().map(|c| c as &dyn PaymentProvider),
        }
    }
}
