//! The academy: learning paths, courses whose content is frozen into versions when published,
//! enrolments, learning events (xAPI-shaped statements) from which the server alone computes
//! progress, quizzes graded on the server, and certificates issued on completion and signed
//! as Open Badges 3.0 credentials that anyone can verify offline.

pub mod credentials;
pub mod engine;
pub mod graphql;
pub mod inputs;
pub mod loaders;
pub mod model;
pub mod page;
pub mod search;
pub mod service;
mod store;
