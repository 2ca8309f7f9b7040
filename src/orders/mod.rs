//! Carts, checkout, orders split into one fulfilment per cooperative, the order and
//! fulfilment state machines, shipping rates, and the cooperatives' ledger.

pub mod address_book;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod promotions;
pub mod returns;
pub mod service;
mod store;
