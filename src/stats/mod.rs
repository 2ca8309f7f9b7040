//! National figures of the cooperative sector, computed by the registry in the database at
//! any date, cached here per register version.

pub mod graphql;
