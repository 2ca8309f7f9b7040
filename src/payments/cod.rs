//! Cash on delivery: nothing to start; the cooperative records the cash when it delivers.

use futures_util::future::BoxFuture;

use super::PaymentMethod;
use super::{PaymentProvider, PaymentRequest, PaymentStart};
use crate::kernel::error::AppError;

pub struct CashOnDelivery;

impl PaymentProvider for CashOnDelivery {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::CashOnDelivery
    }
    fn start<'a>(&'a self, _request: &'a PaymentRequest) -> BoxFuture<'a, Result<PaymentStart, AppError>> {
        Box::pin(async { Ok(PaymentStart::default()) })
    }
    /// Cash is handed back by the cooperative; the refund is recorded, nothing is called.
    fn refund<'a>(&'a self, _: &'a str, _: i64, _: &'a str) -> BoxFuture<'a, Result<Option<String>, AppError>> {
        Box::pin(async { Ok(None) })
    }
}
