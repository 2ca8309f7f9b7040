//! The marketplace's catalogue: categories, products with their variants, media and quality
//! labels, and cooperatives as sellers (the `Cooperative` object with its products; the
//! cooperative itself is the registry's).

pub mod counts;
pub mod graphql;
pub mod images;
pub mod loaders;
pub mod model;
pub mod reviews;
pub mod service;
mod store;
