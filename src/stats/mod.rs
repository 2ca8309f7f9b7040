//! National figures of the cooperative sector, computed in the database at any date.

pub mod graphql;
pub mod store;
