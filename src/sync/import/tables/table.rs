//! What every table's import shares: the import's state, what a row is checked against, and
//! what a batch write reports back. A table file (`users.rs`, ...) holds only its source
//! (columns, key), its row conversion and checks, and its store write; `paging.rs` runs them.

use std::collections::HashSet;

use tokio_postgres::Transaction;
use uuid::Uuid;

use super::super::convert::Reason;
use super::super::report::{ImportReport, TableReport};
use super::super::source::KeyKind;
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{Reader, Store, StoreError};

pub(super) const USER_MISSING: &str = "user not imported";
pub(super) const PARTNER_MISSING: &str = "partner not imported";

/// Everything an import step reads from and reports to.
pub(super) struct Import<'a, 't> {
    pub(super) store: &'a Store,
    pub(super) src: &'a Transaction<'t>,
    pub(super) now: Millis,
    /// The tables the source has.
    pub(super) present: HashSet<String>,
    pub(super) report: ImportReport,
}

impl Import<'_, '_> {
    /// Marks `table` absent if the source lacks it; returns whether it is there.
    pub(super) fn present(&mut self, table: &'static str) -> bool {
        let present = self.present.contains(table);
        self.report.table_mut(table).present = present;
        if !present {
            eprintln!("import: {table}: absent from the source");
        }
        present
    }
}

/// A source table: its name, the primary key to page by, the select list (timestamps
/// through `source::ms`), and the report line its rows count in.
pub(super) struct Source {
    pub(super) table: &'static str,
    pub(super) key: &'static [(&'static str, KeyKind)],
    pub(super) columns: String,
    /// The source table, unless a second reader of it imports something else (the recorded
    /// addresses come from `sessions` too).
    pub(super) report: &'static str,
}

impl Source {
    pub(super) fn new(
        table: &'static str,
        key: &'static [(&'static str, KeyKind)],
        columns: String,
    ) -> Self {
        Self {
            table,
            key,
            columns,
            report: table,
        }
    }

    pub(super) fn reported_as(self, report: &'static str) -> Self {
        Self { report, ..self }
    }
}

/// A row's fate: `None` if it is not imported (the reason is in the report).
pub(super) type Checked<T> = anyhow::Result<Option<T>>;

/// What a row is checked against (the store as of this page: what earlier tables imported),
/// and where its problems are reported.
pub(super) struct Checking<'r> {
    pub(super) reader: &'r Reader,
    pub(super) now: Millis,
    pub(super) report: &'r mut TableReport,
}

impl Checking<'_> {
    pub(super) fn has_user(&self, user: &Id) -> Result<bool, StoreError> {
        Ok(self.reader.with_user(user, |_| ())?.is_some())
    }

    pub(super) fn skip(&mut self, key: impl std::fmt::Display, (reason, detail): Reason) {
        self.report.skip(key, reason, detail);
    }

    pub(super) fn adjust_all(&mut self, key: impl std::fmt::Display, changes: Vec<Reason>) {
        let key = key.to_string();
        for (reason, detail) in changes {
            self.report.adjust(&key, reason, detail);
        }
    }
}

/// What writing a batch found out about one of its items. An item without a note, or with
/// only `Adjust` notes, was imported.
pub(super) enum Note {
    Adjust(String, Reason),
    Skip(String, Reason),
    /// The item also changed another record (a ban filling its user's fields).
    Applied,
}

/// Writes one batch inside one store transaction.
pub(super) type Write<I> = fn(&mut crate::store::Tx<'_>, Vec<I>) -> Result<Vec<Note>, StoreError>;

pub(super) fn uuid_text(id: &Id) -> String {
    Uuid::from_bytes(*id).to_string()
}

/// Reads a row struct field by field: `read_row!(row => SessionRow { token = "session_token",
/// user_id, ... })`; a field named like its column needs no column name.
macro_rules! read_row {
    ($row:expr => $ty:ident { $($field:ident $(= $column:literal)?),* $(,)? }) => {
        $ty { $($field: $row.try_get(read_row!(@column $field $($column)?))?),* }
    };
    (@column $field:ident $column:literal) => { $column };
    (@column $field:ident) => { stringify!($field) };
}
pub(super) use read_row;

/// A write that stores every item one way and has nothing to note.
pub(super) fn store_each<I, R>(
    items: Vec<I>,
    mut store: impl FnMut(I) -> Result<R, StoreError>,
) -> Result<Vec<Note>, StoreError> {
    for item in items {
        store(item)?;
    }
    Ok(Vec::new())
}
