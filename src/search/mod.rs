//! Search: text folding shared by every engine, and the index configuration in
//! `search-config/` from which each engine's settings are derived.

pub mod config;
pub mod embedded;
pub mod normalize;
