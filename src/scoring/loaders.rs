//! Batched loading of scoring rows: one query per key type per request.

use std::collections::HashMap;

use super::model::*;
use super::store;
use crate::kernel::db::{Db, DbConn, group_by};
use diesel::QueryResult;

pub struct ScoringLoader {
    db: Db,
}

impl ScoringLoader {
    pub fn new(db: Db) -> Self {
        ScoringLoader { db }
    }
}

fn findings(conn: &mut DbConn, control_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<FindingRow>>> {
    Ok(group_by(store::findings_of_controls(conn, control_ids)?, |f| f.control_id))
}

fn events(conn: &mut DbConn, control_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<ControlEventRow>>> {
    Ok(group_by(store::control_events(conn, control_ids)?, |e| e.control_id))
}

crate::keyed_loader!(ScoringLoader, ModelKey => ModelRow, store::models_by_ids);
crate::keyed_loader!(ScoringLoader, RunKey => RunRow, store::runs_by_ids);
crate::keyed_loader!(ScoringLoader, ControlKey => ControlRow, store::controls_by_ids);
crate::keyed_loader!(ScoringLoader, FindingsKey => Vec<FindingRow>, findings);
crate::keyed_loader!(ScoringLoader, ControlEventsKey => Vec<ControlEventRow>, events);
