//! Cursor connections. A list over database rows is paged by position in its sort order: a
//! cursor holds the sort key of an item and its id (`Key`), and the next page is the rows
//! after that key, so rows inserted or deleted between two page loads never duplicate or
//! skip an item. Every page is bounded by the configured maximum. Search results ranked by
//! relevance keep offsets (`OffsetCursor`), since a rank is not a key.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::kernel::error::{AppError, ErrorCode};
use crate::msg;

/// A position in a list's order: the item's sort values, its id last. Compared part by part
/// (numbers as numbers, texts as texts, null before anything) in the list's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Key(pub Vec<Value>);

impl Key {
    /// The key of a list ordered by id alone.
    pub fn id(id: i64) -> Key {
        Key(vec![Value::from(id)])
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        self.0.get(i).and_then(Value::as_i64)
    }

    pub fn text(&self, i: usize) -> Option<&str> {
        self.0.get(i).and_then(Value::as_str)
    }

    pub fn is_null(&self, i: usize) -> bool {
        self.0.get(i).is_some_and(Value::is_null)
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("k:{}", Value::Array(self.0.clone())))
    }

    fn decode(cursor: &str) -> Option<Key> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        match serde_json::from_str(text.strip_prefix("k:")?).ok()? {
            Value::Array(parts) if !parts.is_empty() && parts.len() <= 4 => Some(Key(parts)),
            _ => None,
        }
    }

    /// The order of two keys of the same list, part by part.
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        for (a, b) in self.0.iter().zip(&other.0) {
            let order = match (a, b) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) => Ordering::Less,
                (_, Value::Null) => Ordering::Greater,
                (Value::Number(x), Value::Number(y)) => x.as_i64().cmp(&y.as_i64()),
                (Value::String(x), Value::String(y)) => x.cmp(y),
                _ => Ordering::Equal,
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

/// The error for a cursor that does not fit the list it is given to.
pub fn foreign_cursor(which: &str) -> AppError {
    AppError::user(ErrorCode::InvalidCursor, &[which], msg!("`{which}` is not a cursor of this list", which = which))
}

/// An already encoded cursor, as the connection's edges carry it.
pub struct KeyCursor(pub String);

impl CursorType for KeyCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Ok(KeyCursor(s.to_string()))
    }

    fn encode_cursor(&self) -> String {
        self.0.clone()
    }
}

/// A position among search results ranked by relevance.
pub struct OffsetCursor(pub usize);

/// Deeper than any real listing; keeps forged cursors from reaching an engine as huge offsets.
const MAX_OFFSET: usize = 100_000_000;

impl CursorType for OffsetCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| "invalid cursor".to_string())?;
        let text = String::from_utf8(bytes).map_err(|_| "invalid cursor".to_string())?;
        text.strip_prefix("o:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= MAX_OFFSET)
            .map(OffsetCursor)
            .ok_or_else(|| "invalid cursor".to_string())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("o:{}", self.0))
    }
}

#[derive(SimpleObject)]
pub struct ConnectionTotal {
    /// Number of items in the whole list, across all pages.
    pub total_count: i64,
}

pub type Conn<T> = Connection<KeyCursor, T, ConnectionTotal>;

/// Validated `first/after/last/before` arguments (cursors are checked by the list they are
/// given to).
#[derive(Debug, Clone)]
pub struct PageArgs {
    after: Option<String>,
    before: Option<String>,
    first: Option<usize>,
    last: Option<usize>,
}

/// How to read one page of a list from the store: after and/or before a key, walking the
/// list's order forwards, or backwards from its end (then the rows come back reversed and
/// are put back in order), `fetch` rows at most (one more than the page, to learn whether
/// there are more).
#[derive(Debug, Clone)]
pub struct Seek {
    pub after: Option<Key>,
    pub before: Option<Key>,
    pub backwards: bool,
    pub fetch: usize,
}

impl Seek {
    /// For lists ordered by id alone: the ids the page lies strictly between.
    pub fn id_bounds(&self) -> Result<(Option<i64>, Option<i64>), AppError> {
        let bound = |key: &Option<Key>, which: &str| -> Result<Option<i64>, AppError> {
            key.as_ref().map(|k| k.int(0).filter(|_| k.0.len() == 1).ok_or_else(|| foreign_cursor(which))).transpose()
        };
        Ok((bound(&self.after, "after")?, bound(&self.before, "before")?))
    }
}

/// Orders a boxed diesel query by one id column, ascending or descending as the list is,
/// between the seek's bounds and in its direction, limited to the rows it fetches.
#[macro_export]
macro_rules! seek_by_id {
    ($query:expr, $column:expr, $seek:expr, ascending) => {{
        let (after, before) = $seek.id_bounds()?;
        let mut query = $query;
        if let Some(a) = after {
            query = query.filter($column.gt(a));
        }
        if let Some(b) = before {
            query = query.filter($column.lt(b));
        }
        let query = if $seek.backwards { query.order($column.desc()) } else { query.order($column.asc()) };
        query.limit($seek.fetch as i64)
    }};
    ($query:expr, $column:expr, $seek:expr, descending) => {{
        let (after, before) = $seek.id_bounds()?;
        let mut query = $query;
        if let Some(a) = after {
            query = query.filter($column.lt(a));
        }
        if let Some(b) = before {
            query = query.filter($column.gt(b));
        }
        let query = if $seek.backwards { query.order($column.asc()) } else { query.order($column.desc()) };
        query.limit($seek.fetch as i64)
    }};
}

impl PageArgs {
    pub fn new(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        default_size: usize,
        max_size: usize,
    ) -> Result<PageArgs, AppError> {
        let size = |n: Option<i32>, name: &str| -> Result<Option<usize>, AppError> {
            match n {
                None => Ok(None),
                Some(n) if n < 0 => Err(AppError::user(
                    ErrorCode::OutOfRange,
                    &[name],
                    msg!("`{name}` must not be negative", name = name),
                )),
                Some(n) if n as usize > max_size => Err(AppError::user(
                    ErrorCode::OutOfRange,
                    &[name],
                    msg!("`{name}` must be at most {max_size}", name = name, max_size = max_size),
                )),
                Some(n) => Ok(Some(n as usize)),
            }
        };
        let too_long = |c: &Option<String>| c.as_ref().is_some_and(|c| c.len() > 1024);
        if too_long(&after) || too_long(&before) {
            return Err(AppError::user(
                ErrorCode::InvalidCursor,
                &["after"],
                msg!("a cursor is at most 1024 characters"),
            ));
        }
        let mut args = PageArgs { after, before, first: size(first, "first")?, last: size(last, "last")? };
        if args.first.is_none() && args.last.is_none() {
            args.first = Some(default_size.min(max_size));
        }
        Ok(args)
    }

    /// The cursors as keys; a cursor that is not a key is refused.
    fn keys(&self) -> Result<(Option<Key>, Option<Key>), AppError> {
        let key = |c: &Option<String>, which: &str| {
            c.as_deref().map(|c| Key::decode(c).ok_or_else(|| foreign_cursor(which))).transpose()
        };
        Ok((key(&self.after, "after")?, key(&self.before, "before")?))
    }

    /// How to read this page from the store.
    pub fn seek(&self) -> Result<Seek, AppError> {
        let (after, before) = self.keys()?;
        let backwards = self.first.is_none();
        let size = if backwards { self.last.unwrap_or(0) } else { self.first.unwrap_or(0) };
        Ok(Seek { after, before, backwards, fetch: size + 1 })
    }

    /// The offset window of a ranked list (search results): `first` items after an offset.
    pub fn offset_window(&self) -> Result<Window, AppError> {
        let offset = match &self.after {
            Some(c) => OffsetCursor::decode_cursor(c).map_err(|_| foreign_cursor("after"))?.0 + 1,
            None => 0,
        };
        Ok(Window { offset, limit: self.first.unwrap_or(0) })
    }
}

/// The slice of a ranked list to fetch: rows `offset .. offset+limit`, plus one more to learn
/// whether a next page exists.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

/// One page of a list, in the list's order, with each row's cursor.
pub struct Page<T> {
    pub rows: Vec<T>,
    pub cursors: Vec<String>,
    pub has_previous: bool,
    pub has_next: bool,
    /// The list's length, when it was counted.
    pub total: Option<usize>,
}

impl<T> Page<T> {
    pub fn empty() -> Page<T> {
        Page { rows: Vec::new(), cursors: Vec::new(), has_previous: false, has_next: false, total: Some(0) }
    }

    /// The connection of this page, each row turned into its GraphQL type.
    pub fn into_connection<U: OutputType>(self, mut node: impl FnMut(T) -> U) -> Conn<U> {
        let mut conn = Connection::with_additional_fields(
            self.has_previous,
            self.has_next,
            ConnectionTotal { total_count: self.total.unwrap_or(0) as i64 },
        );
        conn.edges.extend(self.rows.into_iter().zip(self.cursors).map(|(row, c)| Edge::new(KeyCursor(c), node(row))));
        conn
    }
}

/// Turns the rows a seek fetched (in the direction it walked) into the page: at most the
/// page's size, back in the list's order, with their cursors and what lies beyond.
fn page_of<T>(args: &PageArgs, seek: &Seek, mut rows: Vec<T>, key_of: impl Fn(&T) -> Key) -> Page<T> {
    let size = seek.fetch - 1;
    let more = rows.len() > size;
    rows.truncate(size);
    if seek.backwards {
        rows.reverse();
    }
    // `first` and `last` together: the last `last` of the first `first`.
    if let (Some(_), Some(last)) = (args.first, args.last)
        && rows.len() > last
    {
        rows.drain(..rows.len() - last);
    }
    let (has_previous, has_next) =
        if seek.backwards { (more, seek.before.is_some()) } else { (seek.after.is_some(), more) };
    let cursors = rows.iter().map(|r| key_of(r).encode()).collect();
    Page { rows, cursors, has_previous, has_next, total: None }
}

/// The one way a list in the database is paged: count when the caller asks for
/// `totalCount`, then read the page by its keys (`fetch` applies the seek to the list's
/// query; `key_of` gives each row's key, the same parts the store sorts by).
pub fn paginate<C, T>(
    conn: &mut C,
    args: PageArgs,
    want_total: bool,
    count: impl FnOnce(&mut C) -> Result<i64, AppError>,
    fetch: impl FnOnce(&mut C, &Seek) -> Result<Vec<T>, AppError>,
    key_of: impl Fn(&T) -> Key,
) -> Result<Page<T>, AppError> {
    let seek = args.seek()?;
    let total = if want_total { Some(count(conn)?.max(0) as usize) } else { None };
    let rows = fetch(conn, &seek)?;
    Ok(Page { total, ..page_of(&args, &seek, rows, key_of) })
}

/// A connection over a list already in memory (a product's variants, the regions…), in
/// the order of `key_of`'s keys, paged by those keys like a list in the database.
pub fn connection_from_vec<T: OutputType>(
    args: PageArgs,
    items: Vec<T>,
    key_of: impl Fn(&T) -> Key,
) -> Result<Conn<T>, AppError> {
    let seek = args.seek()?;
    let total = items.len();
    let within = |item: &T| {
        let key = key_of(item);
        seek.after.as_ref().is_none_or(|a| key.cmp(a).is_gt())
            && seek.before.as_ref().is_none_or(|b| key.cmp(b).is_lt())
    };
    let mut rows: Vec<T> = items.into_iter().filter(within).collect();
    if seek.backwards {
        rows.reverse();
    }
    rows.truncate(seek.fetch);
    let page = page_of(&args, &seek, rows, &key_of);
    Ok(Page { total: Some(total), ..page }.into_connection(|t| t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(after: Option<Key>, before: Option<Key>, first: Option<i32>, last: Option<i32>) -> PageArgs {
        PageArgs::new(after.map(|k| k.encode()), before.map(|k| k.encode()), first, last, 20, 100).unwrap()
    }

    fn page(a: PageArgs, rows: Vec<i64>) -> (Vec<i64>, bool, bool) {
        let seek = a.seek().unwrap();
        let p = page_of(&a, &seek, rows, |r| Key::id(*r));
        (p.rows, p.has_previous, p.has_next)
    }

    #[test]
    fn pages_follow_relay_semantics() {
        // first 3 of 1..=10: the store returned 4 (one more than the page).
        assert_eq!(page(args(None, None, Some(3), None), vec![1, 2, 3, 4]), (vec![1, 2, 3], false, true));
        // first 3 after 3.
        assert_eq!(page(args(Some(Key::id(3)), None, Some(3), None), vec![4, 5, 6, 7]), (vec![4, 5, 6], true, true));
        // last 3: the store walked backwards.
        assert_eq!(page(args(None, None, None, Some(3)), vec![10, 9, 8, 7]), (vec![8, 9, 10], true, false));
        // last 3 before 3: only two exist.
        assert_eq!(page(args(None, Some(Key::id(3)), None, Some(3)), vec![2, 1]), (vec![1, 2], false, true));
        assert_eq!(args(None, None, None, None).seek().unwrap().fetch, 21);
    }

    #[test]
    fn keys_order_part_by_part() {
        let k = |v: Value| Key(vec![v, Value::from(1)]);
        assert!(k(Value::from(2)).cmp(&k(Value::from(10))).is_lt());
        assert!(k(Value::from("b")).cmp(&k(Value::from("a"))).is_gt());
        assert!(k(Value::Null).cmp(&k(Value::from(0))).is_lt());
        assert!(Key::decode(&Key(vec![Value::from("x"), Value::from(7)]).encode()).is_some());
    }

    #[test]
    fn rejects_oversized_pages_and_foreign_cursors() {
        assert!(PageArgs::new(None, None, Some(101), None, 20, 100).is_err());
        assert!(PageArgs::new(None, None, Some(-1), None, 20, 100).is_err());
        let bogus = PageArgs::new(Some("bogus".into()), None, None, None, 20, 100).unwrap();
        assert!(bogus.seek().is_err());
        let offset = PageArgs::new(Some(OffsetCursor(3).encode_cursor()), None, None, None, 20, 100).unwrap();
        assert!(offset.seek().is_err(), "an offset is not a key");
        let text_key = args(Some(Key(vec![Value::from("x")])), None, Some(2), None).seek().unwrap();
        assert!(text_key.id_bounds().is_err(), "a text key is not an id");
        let forged = URL_SAFE_NO_PAD.encode(format!("o:{}", usize::MAX));
        let forged = PageArgs::new(Some(forged), None, Some(1), None, 20, 100).unwrap();
        assert!(forged.offset_window().is_err());
    }
}
