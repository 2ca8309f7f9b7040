//! Performance scoring and control targeting. The scoring model is data (versioned, edited
//! and published by the office): indicators drawn from a fixed catalogue of measures, each
//! with its transformation into points, weight, labels and advice. A run scores every
//! cooperative in a few grouped queries and keeps a snapshot that explains each score
//! indicator by indicator; control priorities rank cooperatives by risk (likelihood ×
//! severity) with the reasons, and controls record their findings, which feed the next score.

pub mod defaults;
pub mod facts;
pub mod graphql;
pub mod inputs;
pub mod loaders;
pub mod model;
pub mod service;
mod store;
