//! What one source table's import is made of, and what every table's checks share. A table
//! file (`users.rs`, ...) says only its columns and key, how a row becomes a record (and what
//! it checks on the way), and how a batch is written; `paging.rs` runs them all the same way.

use std::collections::HashSet;

use tokio_postgres::{Row, Transaction};
use uuid::Uuid;

use super::super::convert::Reason;
use super::super::report::{ImportReport, TableReport};
use super::super::source::KeyKind;
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{Reader, Store, StoreError, Tx};

pub(super) const NO_STORE_SUPPORT: &str = "no store support yet";
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

/// What a row is checked against: the store as of this page (what earlier tables imported).
pub(super) struct Page<'r> {
    pub(super) reader: &'r Reader,
    pub(super) now: Millis,
}

impl Page<'_> {
    pub(super) fn has_user(&self, user: &Id) -> Result<bool, StoreError> {
        Ok(self.reader.with_user(user, |_| ())?.is_some())
    }
}

/// One source table imported into store records.
pub(super) trait SourceTable {
    /// The source table.
    const NAME: &'static str;
    /// The report's line: the source table, unless a second reader of it imports something
    /// else (the recorded addresses come from `sessions` too).
    const REPORT: &'static str = Self::NAME;
    /// What a row that passed its checks becomes; written in batches.
    type Item: Send + 'static;
    /// What writing a batch found out, for the report.
    type Written: Send + 'static;

    /// The select list (timestamps through `source::ms`).
    fn columns(&self) -> String;
    /// The primary key to page by.
    fn key(&self) -> &'static [(&'static str, KeyKind)];
    /// Converts and checks one row: `None` if it is not imported (reported in `table`), else
    /// the item (its changes reported in `table`).
    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<Self::Item>>;
    /// Writes one batch inside one store transaction.
    fn write(tx: &mut Tx<'_>, items: Vec<Self::Item>) -> Result<Self::Written, StoreError>;
    /// Counts what the batch of `count` items did.
    fn written(&mut self, table: &mut TableReport, count: u64, written: Self::Written) {
        let _ = written;
        table.imported += count;
    }
    /// After the last page.
    async fn finish(self, import: &mut Import<'_, '_>) -> anyhow::Result<()>
    where
        Self: Sized,
    {
        let _ = import;
        Ok(())
    }
}

pub(super) fn uuid_text(id: &Id) -> String {
    Uuid::from_bytes(*id).to_string()
}

pub(super) fn skip(table: &mut TableReport, key: impl std::fmt::Display, (reason, detail): Reason) {
    table.skip(key, reason, detail);
}

pub(super) fn adjust_all(
    table: &mut TableReport,
    key: impl std::fmt::Display,
    changes: Vec<Reason>,
) {
    let key = key.to_string();
    for (reason, detail) in changes {
        table.adjust(&key, reason, detail);
    }
}
