//! Batched loading for the order graph (one query per edge per request).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use super::model::*;
use super::store;
use crate::db::Db;
use crate::error::AppError;

pub struct OrdersLoader {
    db: Db,
}

impl OrdersLoader {
    pub fn new(db: Db) -> Self {
        OrdersLoader { db }
    }
}

macro_rules! keyed_loader {
    ($key:ident => $value:ty, $fetch:path) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for OrdersLoader {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let found = self.db.run(move |conn| Ok($fetch(conn, &ids)?)).await.map_err(Arc::new)?;
                Ok(found.into_iter().map(|(id, v)| ($key(id), v)).collect())
            }
        }
    };
}

keyed_loader!(OrderKey => OrderRow, store::orders_by_ids);
keyed_loader!(FulfilmentsOf => Vec<FulfilmentRow>, store::fulfilments_of_orders);
keyed_loader!(LinesOfOrder => Vec<OrderLineRow>, store::lines_of_orders);
keyed_loader!(LinesOfFulfilment => Vec<OrderLineRow>, store::lines_of_fulfilments);
keyed_loader!(EventsOf => Vec<OrderEventRow>, store::events_of_orders);
