//! The aggregate queries behind the national figures. One grouped pass over the members
//! (read from the covering index `members_figures_idx`) and one over the register entries.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use crate::db::DbConn;

/// Counts for one (region, sector, legal form) cell.
#[derive(Debug, Clone, QueryableByName)]
pub struct FigureCell {
    #[diesel(sql_type = BigInt)]
    pub region_id: i64,
    #[diesel(sql_type = BigInt)]
    pub sector_id: i64,
    #[diesel(sql_type = Text)]
    pub legal_form: String,
    #[diesel(sql_type = BigInt)]
    pub cooperatives: i64,
    #[diesel(sql_type = BigInt)]
    pub members: i64,
    #[diesel(sql_type = BigInt)]
    pub women: i64,
    #[diesel(sql_type = BigInt)]
    pub young: i64,
    #[diesel(sql_type = BigInt)]
    pub jobs: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct YearCount {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = BigInt)]
    pub registrations: i64,
}

/// Cooperatives in the register on `as_of` (registered by then, not dissolved before), with
/// their members on that day: women, those born after `young_born_after`, and employees.
pub fn cells(conn: &mut DbConn, as_of: NaiveDate, young_born_after: NaiveDate) -> QueryResult<Vec<FigureCell>> {
    let sql = crate::db::placeholders(
        conn,
        "SELECT c.region_id AS region_id, c.sector_id AS sector_id, e.legal_form AS legal_form, \
           CAST(COUNT(*) AS BIGINT) AS cooperatives, \
           CAST(COALESCE(SUM(m.members), 0) AS BIGINT) AS members, \
           CAST(COALESCE(SUM(m.women), 0) AS BIGINT) AS women, \
           CAST(COALESCE(SUM(m.young), 0) AS BIGINT) AS young, \
           CAST(COALESCE(SUM(m.jobs), 0) AS BIGINT) AS jobs \
         FROM register_entries e \
         JOIN cooperatives c ON c.id = e.cooperative_id \
         LEFT JOIN ( \
           SELECT cooperative_id, COUNT(*) AS members, \
             SUM(CASE WHEN gender = 'F' THEN 1 ELSE 0 END) AS women, \
             SUM(CASE WHEN birth_date > ? THEN 1 ELSE 0 END) AS young, \
             SUM(CASE WHEN is_employee THEN 1 ELSE 0 END) AS jobs \
           FROM members \
           WHERE joined_on <= ? AND (left_on IS NULL OR left_on > ?) \
           GROUP BY cooperative_id \
         ) m ON m.cooperative_id = e.cooperative_id \
         WHERE e.registration_date <= ? AND (e.dissolved_on IS NULL OR e.dissolved_on > ?) \
         GROUP BY c.region_id, c.sector_id, e.legal_form",
    );
    diesel::sql_query(sql)
        .bind::<Date, _>(young_born_after)
        .bind::<Date, _>(as_of)
        .bind::<Date, _>(as_of)
        .bind::<Date, _>(as_of)
        .bind::<Date, _>(as_of)
        .load(conn)
}

/// New registrations per year up to `as_of` (cooperatives dissolved since included).
pub fn registrations_by_year(conn: &mut DbConn, as_of: NaiveDate) -> QueryResult<Vec<YearCount>> {
    let sql = crate::db::placeholders(
        conn,
        "SELECT registration_year AS year, CAST(COUNT(*) AS BIGINT) AS registrations \
         FROM register_entries WHERE registration_date <= ? GROUP BY registration_year ORDER BY registration_year",
    );
    diesel::sql_query(sql).bind::<Date, _>(as_of).load(conn)
}
