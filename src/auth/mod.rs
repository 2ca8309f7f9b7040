//! Accounts, password hashing and bearer tokens. The account's GraphQL type joins other
//! domains (a manager's cooperative, a customer's orders) and lives in the api layer.

pub mod apps;
pub mod model;
pub mod service;
mod store;
