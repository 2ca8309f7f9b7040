//! Cursor connections. Cursors are opaque offsets into a stable order (every list orders
//! by a unique key last), and every page is bounded by the configured maximum.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::kernel::error::AppError;

pub struct OffsetCursor(pub usize);

/// Deeper than any real listing; keeps forged cursors from reaching the database as huge offsets.
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

pub type Conn<T> = Connection<OffsetCursor, T, ConnectionTotal>;

/// Validated `first/after/last/before` arguments.
#[derive(Debug, Clone, Copy)]
pub struct PageArgs {
    after: Option<usize>,
    before: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

/// The slice of the list to fetch: rows `offset .. offset+limit`, plus one more to learn
/// whether a next page exists.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
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
        let cursor = |c: Option<String>, name: &str| -> Result<Option<usize>, AppError> {
            c.map(|c| {
                OffsetCursor::decode_cursor(&c)
                    .map(|o| o.0)
                    .map_err(|_| AppError::bad_input(&[name], format!("`{name}` is not a cursor of this list")))
            })
            .transpose()
        };
        let size = |n: Option<i32>, name: &str| -> Result<Option<usize>, AppError> {
            match n {
                None => Ok(None),
                Some(n) if n < 0 => Err(AppError::bad_input(&[name], format!("`{name}` must not be negative"))),
                Some(n) if n as usize > max_size => {
                    Err(AppError::bad_input(&[name], format!("`{name}` must be at most {max_size}")))
                }
                Some(n) => Ok(Some(n as usize)),
            }
        };
        let mut args = PageArgs {
            after: cursor(after, "after")?,
            before: cursor(before, "before")?,
            first: size(first, "first")?,
            last: size(last, "last")?,
        };
        if args.first.is_none() && args.last.is_none() {
            args.first = Some(default_size.min(max_size));
        }
        Ok(args)
    }

    /// Paging backwards from the end needs the list's length.
    pub fn needs_total(&self) -> bool {
        self.last.is_some() && self.before.is_none()
    }

    pub fn window(&self, total: Option<usize>) -> Window {
        let start = self.after.map(|a| a + 1).unwrap_or(0);
        let mut end = match (self.before, total) {
            (Some(b), Some(t)) => b.min(t),
            (Some(b), None) => b,
            (None, Some(t)) => t,
            (None, None) => usize::MAX,
        };
        end = end.max(start);
        if let Some(f) = self.first {
            end = end.min(start.saturating_add(f));
        }
        let mut start = start;
        if let Some(l) = self.last {
            start = start.max(end.saturating_sub(l));
        }
        Window { offset: start, limit: end - start }
    }
}

/// One page of a list: the rows fetched for `window` (at most `limit + 1`) and the list's
/// length when it was counted.
pub struct Page<T> {
    pub rows: Vec<T>,
    pub window: Window,
    pub total: Option<usize>,
}

impl<T> Page<T> {
    pub fn empty(args: PageArgs) -> Page<T> {
        Page { rows: Vec::new(), window: args.window(Some(0)), total: Some(0) }
    }

    /// The connection of this page, each row turned into its GraphQL type.
    pub fn into_connection<U: OutputType>(self, node: impl FnMut(T) -> U) -> Conn<U> {
        connection(self.window, self.rows.into_iter().map(node).collect(), self.total)
    }
}

/// The one way a list in the database is paged: count first when the caller asks for
/// `totalCount` or pages back from the end (which needs the length), then the window from
/// that count, then `limit + 1` rows from the window's offset to learn whether a next page
/// exists. `count` and `fetch` run on the same connection.
pub fn paginate<C, T, E>(
    conn: &mut C,
    args: PageArgs,
    want_total: bool,
    count: impl FnOnce(&mut C) -> Result<i64, E>,
    fetch: impl FnOnce(&mut C, usize, usize) -> Result<Vec<T>, E>,
) -> Result<Page<T>, E> {
    let total = if want_total || args.needs_total() { Some(count(conn)?.max(0) as usize) } else { None };
    let window = args.window(total);
    let rows = fetch(conn, window.offset, window.limit + 1)?;
    Ok(Page { rows, window, total })
}

/// Builds a connection from the rows fetched for `window` (at most `limit + 1` of them).
pub fn connection<T: OutputType>(window: Window, mut rows: Vec<T>, total: Option<usize>) -> Conn<T> {
    let has_next = rows.len() > window.limit;
    rows.truncate(window.limit);
    let mut conn = Connection::with_additional_fields(
        window.offset > 0,
        has_next,
        ConnectionTotal { total_count: total.unwrap_or(0) as i64 },
    );
    conn.edges.extend(rows.into_iter().enumerate().map(|(i, node)| Edge::new(OffsetCursor(window.offset + i), node)));
    conn
}

/// A connection over a list already in memory (a product's variants, the regions…).
pub fn connection_from_vec<T: OutputType>(args: PageArgs, items: Vec<T>) -> Conn<T> {
    let total = items.len();
    let window = args.window(Some(total));
    let rows: Vec<T> = items.into_iter().skip(window.offset).take(window.limit + 1).collect();
    connection(window, rows, Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(after: Option<usize>, before: Option<usize>, first: Option<i32>, last: Option<i32>) -> PageArgs {
        let c = |o: Option<usize>| o.map(|o| OffsetCursor(o).encode_cursor());
        PageArgs::new(c(after), c(before), first, last, 20, 100).unwrap()
    }

    #[test]
    fn windows_follow_relay_semantics() {
        let w = args(None, None, Some(10), None).window(None);
        assert_eq!((w.offset, w.limit), (0, 10));
        let w = args(Some(9), None, Some(10), None).window(None);
        assert_eq!((w.offset, w.limit), (10, 10));
        let w = args(None, None, None, Some(5)).window(Some(42));
        assert_eq!((w.offset, w.limit), (37, 5));
        let w = args(None, Some(3), None, Some(5)).window(None);
        assert_eq!((w.offset, w.limit), (0, 3));
        let w = args(None, None, None, None).window(None);
        assert_eq!((w.offset, w.limit), (0, 20));
    }

    #[test]
    fn rejects_oversized_pages_and_foreign_cursors() {
        assert!(PageArgs::new(None, None, Some(101), None, 20, 100).is_err());
        assert!(PageArgs::new(None, None, Some(-1), None, 20, 100).is_err());
        assert!(PageArgs::new(Some("bogus".into()), None, None, None, 20, 100).is_err());
        let forged = URL_SAFE_NO_PAD.encode(format!("o:{}", usize::MAX));
        assert!(PageArgs::new(Some(forged), None, None, None, 20, 100).is_err());
    }
}
