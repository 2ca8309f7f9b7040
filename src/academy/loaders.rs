//! Batched loading of courses, versions and progress: one query per key type per request.

use super::model::*;
use super::store;
use crate::kernel::db::Db;

pub struct AcademyLoader {
    db: Db,
}

impl AcademyLoader {
    pub fn new(db: Db) -> Self {
        AcademyLoader { db }
    }
}

crate::keyed_loader!(AcademyLoader, CourseKey => CourseRow, store::courses_by_ids);
crate::keyed_loader!(AcademyLoader, VersionKey => VersionRow, store::versions_by_ids);
crate::keyed_loader!(AcademyLoader, LatestVersionKey => VersionRow, store::latest_versions);
crate::keyed_loader!(AcademyLoader, PathCoursesKey => Vec<i64>, store::path_courses);
crate::keyed_loader!(AcademyLoader, ProgressKey => Vec<ActivityProgressRow>, store::progress_rows);
