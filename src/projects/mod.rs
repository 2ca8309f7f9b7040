//! The cooperative project bank: project ideas suited to each region (a public, faceted
//! catalogue), funding programmes and their calls with eligibility rules as data,
//! applications with their team, stages and append-only history, reviews against the call's
//! rubric, the chain from selection to academy training to a prefilled registration
//! application, saved searches with opt-in alerts, and anonymised statistics.

pub mod alerts;
pub mod eligibility;
pub mod graphql;
pub mod inputs;
pub mod loaders;
pub mod model;
pub mod search;
pub mod service;
pub mod stats;
mod store;
