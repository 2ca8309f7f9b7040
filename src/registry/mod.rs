//! The register of cooperatives: the cooperatives themselves (identity, region, sector,
//! status and its lifecycle), digital creation (applications reviewed by agents), members
//! (with their personal data guarded and every staff read logged), annual filings, the
//! regions and sectors, and CSV import.

pub mod documents;
pub mod graphql;
pub mod import;
pub mod loaders;
pub mod model;
pub mod names;
pub mod service;
mod store;
