//! Outbound webhooks: administrators (every cooperative's events) and cooperative managers
//! (their own) subscribe a URL to domain events; each event becomes one delivery per
//! subscription, sent through the outbox with an HMAC-SHA256 signature, retried on its own
//! schedule, logged attempt by attempt, and a subscription that keeps failing is disabled and
//! its owner emailed.

pub mod graphql;
pub mod model;
pub mod service;
mod store;
