//! Batched loading of the project bank's rows: one query per key type per request.

use super::model::*;
use super::store;
use crate::kernel::db::Db;

pub struct ProjectsLoader {
    db: Db,
}

impl ProjectsLoader {
    pub fn new(db: Db) -> Self {
        ProjectsLoader { db }
    }
}

crate::keyed_loader!(ProjectsLoader, ProvinceKey => ProvinceRow, store::provinces_by_ids);
crate::keyed_loader!(ProjectsLoader, ProgrammeKey => ProgrammeRow, store::programmes_by_ids);
crate::keyed_loader!(ProjectsLoader, IdeaKey => IdeaRow, store::ideas_by_ids);
crate::keyed_loader!(ProjectsLoader, CallKey => CallRow, store::calls_by_ids);
crate::keyed_loader!(ProjectsLoader, IdeaCoursesKey => Vec<i64>, store::idea_courses);
crate::keyed_loader!(ProjectsLoader, IdeaPathsKey => Vec<i64>, store::idea_paths);
crate::keyed_loader!(ProjectsLoader, MembersKey => Vec<MemberRow>, store::members);
crate::keyed_loader!(ProjectsLoader, EventsKey => Vec<EventRow>, store::events);
