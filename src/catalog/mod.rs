//! Cooperatives as sellers, regions and sectors, categories, products with their
//! variants, media and quality labels.

pub mod bulk;
pub mod demo;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod service;
pub mod store;
