//! The one import loop every source table runs: keyset pages of the snapshot, each row
//! converted and checked against the store, the survivors written in batches of
//! `WRITE_BATCH` records per store transaction (which also fills the outbox).

use super::super::report::TableReport;
use super::super::source::Pager;
use super::table::{Import, Page, SourceTable};

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

pub(super) fn progress(table: &TableReport, finished: bool) {
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

impl Import<'_, '_> {
    /// Imports every row of `T`'s table (nothing if the source lacks it).
    pub(super) async fn table<T: SourceTable>(&mut self, mut table: T) -> anyhow::Result<()> {
        if !self.present(T::NAME) {
            return Ok(());
        }
        self.report.table_mut(T::REPORT).present = true;
        let mut pager = Pager::new(T::NAME, &table.columns(), table.key());
        loop {
            let rows = pager.next(self.src).await?;
            if rows.is_empty() {
                break;
            }
            let reader = self.store.read()?;
            let page = Page {
                reader: &reader,
                now: self.now,
            };
            let report = self.report.table_mut(T::REPORT);
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                report.read += 1;
                progress(report, false);
                items.extend(table.check(row, &page, report)?);
            }
            drop(reader);
            for batch in batches(items, WRITE_BATCH) {
                let count = batch.len() as u64;
                let written = self.store.write(move |tx| T::write(tx, batch)).await?;
                table.written(self.report.table_mut(T::REPORT), count, written);
            }
        }
        table.finish(self).await?;
        progress(self.report.table_mut(T::REPORT), true);
        Ok(())
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
}
