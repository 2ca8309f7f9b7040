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
