//! Taawun: a headless GraphQL backend for Morocco's cooperative sector.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod i18n;
pub mod money;
pub mod notify;
pub mod observability;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod rate_limit;
pub mod registry;
pub mod search;
pub mod stats;
