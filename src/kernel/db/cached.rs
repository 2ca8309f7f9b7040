//! Query pieces that diesel's statement cache can keep. diesel prepares again, on every call,
//! any statement holding a list of values (`eq_any` on SQLite writes one `?` per value) or a
//! raw SQL fragment (`sql(…)`): for a product listing, five statements built and prepared
//! again per request, about 6% of its instructions. These pieces write the same SQL whatever
//! their values, and their type names the statement, so diesel neither rebuilds its text nor
//! prepares it again.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{Column, QueryResult};

use super::Backend;

/// `column IN (ids)` for an id column (`BIGINT`, nullable or not), with one bound value: a JSON
/// array read by `json_each` on SQLite, an array (`= ANY`) on PostgreSQL.
pub fn id_in<C: Column>(column: C, ids: &[i64]) -> IdIn<C> {
    IdIn { column, ids: Ids(ids.to_vec()) }
}

#[derive(Debug, Clone)]
pub struct IdIn<C> {
    column: C,
    ids: Ids,
}

/// The ids as one bound value, written the way each backend reads a list.
#[derive(Debug, Clone)]
struct Ids(Vec<i64>);

impl ToSql<Text, Sqlite> for Ids {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let json = serde_json::to_string(&self.0)?;
        out.set_value(json);
        Ok(IsNull::No)
    }
}

impl ToSql<Array<BigInt>, Pg> for Ids {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Vec<i64> as ToSql<Array<BigInt>, Pg>>::to_sql(&self.0, out)
    }
}

impl<C> Expression for IdIn<C> {
    type SqlType = Bool;
}

impl<C> ValidGrouping<()> for IdIn<C> {
    type IsAggregate = is_aggregate::No;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdIn<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for IdIn<C> {}

impl<C: QueryId + 'static> QueryId for IdIn<C> {
    type QueryId = IdIn<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C: QueryFragment<Sqlite> + QueryFragment<Pg>> QueryFragment<Backend> for IdIn<C> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        Backend::walk_variant_ast(self, pass)
    }
}

/// `CAST(SUM(version) AS BIGINT)`: a sharded version's value (SUM of BIGINT is NUMERIC on
/// PostgreSQL, hence the cast).
#[derive(Debug, Clone, Copy, QueryId)]
pub struct SumOfShards;

impl Expression for SumOfShards {
    type SqlType = Nullable<BigInt>;
}

impl ValidGrouping<()> for SumOfShards {
    type IsAggregate = is_aggregate::Yes;
}

impl<QS> AppearsOnTable<QS> for SumOfShards {}

impl<QS> SelectableExpression<QS> for SumOfShards {}

impl QueryFragment<Backend> for SumOfShards {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        out.push_sql("CAST(SUM(version) AS BIGINT)");
        Ok(())
    }
}

/// A timestamp column read without chrono's format parser on SQLite, where timestamps are
/// text. chrono re-reads its format string for every value (about 2,000 instructions); a
/// product listing reads 160 of them. Text in the form diesel writes (`YYYY-MM-DD
/// HH:MM:SS[.fraction]`) is read here directly; anything else goes to diesel's own reading.
/// Use on a row's field as `#[diesel(deserialize_as = Stamp)]`.
#[derive(Debug, Clone, Copy, diesel::deserialize::FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> NaiveDateTime {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match parse_stamp(value.read_text()) {
            Some(at) => Ok(Stamp(at)),
            None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp),
        }
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Backend> for Stamp {
    fn from_sql(value: <Backend as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Stamp, Timestamp>()
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1–9 digits of fraction; `None` for any other text.
fn parse_stamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let mut nanos = 0;
    if b.len() > 19 {
        let fraction = &b[20..];
        if b[19] != b'.' || fraction.is_empty() || fraction.len() > 9 {
            return None;
        }
        nanos = number(20..b.len())? * 10u32.pow(9 - fraction.len() as u32);
    }
    let date = NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
    date.and_hms_nano_opt(number(11..13)?, number(14..16)?, number(17..19)?, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_chrono_reads_them() {
        for text in [
            "2026-12-02 13:24:47",
            "2026-12-02 13:24:47.162276",
            "2024-02-29 00:00:00.5",
            "1999-12-31 23:59:59.123456789",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(parse_stamp(text), Some(chrono), "{text}");
        }
        for text in [
            "2026-02-30 10:00:00",
            "2026-12-02T13:24:47",
            "2026-12-02 13:24:47.",
            "2026-12-02 25:00:00",
            "2026-12-02 13:24",
            "2026-12-02 13:24:47Z",
            "２026-12-02 13:24:47",
        ] {
            assert_eq!(parse_stamp(text), None, "{text}");
        }
    }
}
