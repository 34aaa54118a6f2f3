//! The one import loop every source table runs: keyset pages of the snapshot, each row
//! converted and checked against the store, the survivors written in batches of
//! `WRITE_BATCH` records per store transaction (which also fills the outbox).

use anyhow::Context;
use tokio_postgres::Row;

use super::super::report::TableReport;
use super::super::source::Pager;
use super::table::{Checked, Checking, Import, Note, Source, Write};

/// Records per `Store::write` (one group commit each).
pub(super) const WRITE_BATCH: usize = 1_000;
/// A progress line every this many rows read.
const PROGRESS_EVERY: u64 = 100_000;

/// Splits `items` into owned batches (a store write takes ownership of its records).
pub(super) fn batches<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut current = Vec::with_capacity(size.min(items.len()));
    for item in items {
        current.push(item);
        if current.len() == size {
            out.push(std::mem::replace(&mut current, Vec::with_capacity(size)));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn progress(table: &TableReport, finished: bool) {
    if finished {
        eprintln!(
            "import: {}: read {}, imported {}, skipped {}",
            table.table,
            table.read,
            table.imported,
            table.skipped_total()
        );
    } else if table.read.is_multiple_of(PROGRESS_EVERY) {
        eprintln!("import: {}: {} rows read", table.table, table.read);
    }
}

/// Counts a written batch of `count` items and reports its notes; returns how many were
/// `Applied`.
fn written(table: &mut TableReport, count: u64, notes: Vec<Note>) -> u64 {
    let mut not_imported = 0;
    let mut applied = 0;
    for note in notes {
        match note {
            Note::Adjust(key, (reason, detail)) => table.adjust(key, reason, detail),
            Note::Skip(key, (reason, detail)) => {
                not_imported += 1;
                table.skip(key, reason, detail);
            }
            Note::Applied => applied += 1,
        }
    }
    table.imported += count - not_imported;
    applied
}

impl Import<'_, '_> {
    /// Imports every row of `source` (nothing if the source lacks it): `check` turns a row
    /// into an item or reports why not, `write` stores a batch of items. Returns how many
    /// items were `Applied`.
    pub(super) async fn table<I: Send + 'static>(
        &mut self,
        source: Source,
        mut check: impl FnMut(&Row, &mut Checking<'_>) -> Checked<I>,
        write: Write<I>,
    ) -> anyhow::Result<u64> {
        if !self.present(source.table) {
            return Ok(0);
        }
        let name = source.report;
        self.report.table_mut(name).present = true;
        self.pages(source, &mut check, write)
            .await
            .with_context(|| format!("importing {name}"))
    }

    async fn pages<I: Send + 'static>(
        &mut self,
        source: Source,
        check: &mut impl FnMut(&Row, &mut Checking<'_>) -> Checked<I>,
        write: Write<I>,
    ) -> anyhow::Result<u64> {
        let name = source.report;
        let mut pager = Pager::new(source.table, &source.columns, source.key);
        let mut applied = 0;
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let report = self.report.table_mut(name);
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                report.read += 1;
                progress(report, false);
                let mut checking = Checking {
                    reader: &reader,
                    now: self.now,
                    report,
                };
                items.extend(check(row, &mut checking)?);
            }
            drop(reader);
            for batch in batches(items, WRITE_BATCH) {
                let count = batch.len() as u64;
                let notes = self.store.write(move |tx| write(tx, batch)).await?;
                applied += written(self.report.table_mut(name), count, notes);
            }
        }
        Ok(applied)
    }

    /// The closing line of report line `table` (none for a table the source lacks).
    pub(super) fn done(&mut self, table: &'static str) {
        if let Some(report) = self.report.table(table)
            && report.present
        {
            progress(report, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::source::PAGE;
    use super::*;

    #[test]
    fn batches_split_without_losing_items() {
        let split = batches((0..2_500).collect::<Vec<_>>(), 1_000);
        assert_eq!(
            split.iter().map(Vec::len).collect::<Vec<_>>(),
            [1_000, 1_000, 500]
        );
        assert_eq!(split.concat(), (0..2_500).collect::<Vec<_>>());
        assert!(batches(Vec::<u8>::new(), 10).is_empty());
        assert_eq!(PAGE % WRITE_BATCH, 0, "a page is a whole number of writes");
    }

    #[test]
    fn notes_of_a_batch_count_what_was_not_imported() {
        let mut table = TableReport::new("t");
        let notes = vec![
            Note::Adjust("a".to_owned(), ("changed", None)),
            Note::Skip("b".to_owned(), ("duplicate", None)),
            Note::Applied,
        ];
        assert_eq!(written(&mut table, 5, notes), 1);
        assert_eq!(table.imported, 4);
        assert_eq!(table.skipped_total(), 1);
        assert_eq!(table.adjusted_total(), 1);
    }
}
