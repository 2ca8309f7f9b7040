//! What every domain builds on, importing no domain: configuration, the database, bounded
//! CPU work, the error type, locales and localised text, money, text folding and slugs, input
//! validation, the viewer and its role checks, and the GraphQL kit.

pub mod config;
pub mod cpu;
pub mod db;
pub mod error;
pub mod graphql;
pub mod i18n;
pub mod messages;
pub mod money;
pub mod text;
pub mod validate;
pub mod viewer;
