//! Accounts, password hashing, bearer tokens and roles.

pub mod graphql;
pub mod model;
pub mod service;
pub mod store;

pub use model::{Role, Viewer};
