//! Batched loading for the order graph (one query per edge per request).

use super::model::*;
use super::store;
use crate::kernel::db::Db;

pub struct OrdersLoader {
    db: Db,
}

impl OrdersLoader {
    pub fn new(db: Db) -> Self {
        OrdersLoader { db }
    }
}

crate::keyed_loader!(OrdersLoader, OrderKey => OrderRow, store::orders_by_ids);
crate::keyed_loader!(OrdersLoader, FulfilmentsOf => Vec<FulfilmentRow>, store::fulfilments_of_orders);
crate::keyed_loader!(OrdersLoader, LinesOfOrder => Vec<OrderLineRow>, store::lines_of_orders);
crate::keyed_loader!(OrdersLoader, LinesOfFulfilment => Vec<OrderLineRow>, store::lines_of_fulfilments);
crate::keyed_loader!(OrdersLoader, EventsOf => Vec<OrderEventRow>, store::events_of_orders);
crate::keyed_loader!(OrdersLoader, AddressesOf => Vec<SavedAddressRow>, store::saved_addresses_of_accounts);

/// Whether a buyer's account has a verified email, by account id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuyerVerified(pub i64);

impl async_graphql::dataloader::Loader<BuyerVerified> for OrdersLoader {
    type Value = bool;
    type Error = std::sync::Arc<crate::kernel::error::AppError>;

    async fn load(
        &self,
        keys: &[BuyerVerified],
    ) -> Result<std::collections::HashMap<BuyerVerified, bool>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let found = self
            .db
            .run(move |conn| crate::auth::service::verified_of(conn, &ids))
            .await
            .map_err(std::sync::Arc::new)?;
        Ok(found.into_iter().map(|(id, v)| (BuyerVerified(id), v)).collect())
    }
}
