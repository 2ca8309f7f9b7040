//! The register of cooperatives: digital creation (applications reviewed by agents), the
//! central register and its status lifecycle, members (with their personal data guarded and
//! every staff read logged), annual filings, the national-scale generator and CSV import.

pub mod documents;
pub mod graphql;
pub mod import;
pub mod model;
pub mod names;
pub mod national;
pub mod service;
pub mod store;
