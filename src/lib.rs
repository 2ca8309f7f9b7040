//! Taawun: a headless GraphQL backend for Morocco's cooperative sector.
//!
//! The modules form layers, and a module imports only from the layers below it:
//!
//! 1. `kernel`: configuration, database, errors, locales, money, text, validation, the viewer
//!    and the GraphQL kit. It imports no domain.
//! 2. The domains, in this order, each importing only the kernel and the domains before it:
//!    `outbox` → `notify` → `payments` → `auth` → `registry` → `catalog` → `search` →
//!    `orders` → `academy` → `projects` → `scoring` → `stats`. A domain's `store` is private: others call its `service`. Where an
//!    earlier domain must tell a later one something, it writes an outbox row that the app
//!    dispatches (a cooperative's change reaches the search index that way).
//! 3. `seed` (demo and generated data, through the domains' services) and `api` (the schema,
//!    `Node`, the account type that joins domains, the HTTP handlers).
//! 4. `app` wires everything; the binary's `cli` parses the command line.
//!
//! `tests/api/shape.rs` keeps this order.

pub mod kernel;

pub mod outbox;

pub mod notify;

pub mod payments;

pub mod auth;

pub mod registry;

pub mod catalog;

pub mod search;

pub mod orders;

pub mod academy;

pub mod projects;

pub mod scoring;

/// Outbound webhooks for storefronts and partners.
pub mod webhooks;

pub mod stats;

pub mod seed;

pub mod api;

pub mod app;
