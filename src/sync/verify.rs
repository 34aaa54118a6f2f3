//! Comparing the store with the Postgres mirror: row counts and an order-independent checksum
//! per table over the columns that matter (those each `mirror/<table>.rs` marks verified),
//! computed the same way on both sides.
//!
//! Row text: fields joined by '|', ids as lowercase hyphenated UUIDs, booleans as 0/1. Each
//! row's checksum is the first 15 hex digits of its MD5 (60 bits); a table's checksum is
//! their exact sum, so row order does not matter and Postgres computes it in one aggregate.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use tokio_postgres::Client;

use super::SyncError;
use super::mirror::{
    Mirrored, TableVisitor, Visitor, checksum_sql, each_table, table, verify_text, visit,
};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableComparison {
    pub table: &'static str,
    pub store_rows: u64,
    pub mirror_rows: u64,
    pub store_checksum: String,
    pub mirror_checksum: String,
}

impl TableComparison {
    pub fn matches(&self) -> bool {
        self.store_rows == self.mirror_rows && self.store_checksum == self.mirror_checksum
    }
}

/// The store side of one table: rows and the sum of their checksums.
#[derive(Default)]
struct StoreSide(BTreeMap<&'static str, (u64, u128)>);

impl Visitor for StoreSide {
    fn record<R: Mirrored>(&mut self, record: R) {
        let entry = self.0.entry(table::<R>().name).or_default();
        entry.0 += 1;
        entry.1 += row_checksum(&verify_text(&record));
    }

    fn deleted<R: Mirrored>(&mut self, _: &[u8]) {}
}

/// (table, checksum query) of every mirrored table.
#[derive(Default)]
struct MirrorQueries(Vec<(&'static str, String)>);

impl TableVisitor for MirrorQueries {
    fn table<R: Mirrored>(&mut self) {
        self.0.push((table::<R>().name, checksum_sql::<R>()));
    }
}

/// The first 60 bits of the row text's MD5.
fn row_checksum(text: &str) -> u128 {
    let digest = Md5::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u128::from(u64::from_be_bytes(first) >> 4)
}

/// Counts and checksums of every mirrored table on both sides.
pub async fn compare(store: &Store, client: &Client) -> Result<Vec<TableComparison>, SyncError> {
    let mut local = StoreSide::default();
    store.read()?.all_records(|current| {
        visit(current, &mut local);
        Ok(())
    })?;
    let mut queries = MirrorQueries::default();
    each_table(&mut queries);
    let mut comparisons = Vec::new();
    for (table, sql) in queries.0 {
        let found = client.query_one(&sql, &[]).await?;
        let mirror_rows: i64 = found.get(0);
        let mirror_checksum: String = found.get(1);
        let (store_rows, store_sum) = local.0.get(table).copied().unwrap_or_default();
        comparisons.push(TableComparison {
            table,
            store_rows,
            mirror_rows: u64::try_from(mirror_rows).unwrap_or(0),
            store_checksum: store_sum.to_string(),
            mirror_checksum,
        });
    }
    Ok(comparisons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_checksums_are_60_bits_of_md5() {
        // md5("abc") = 900150983cd24fb0...; the first 15 hex digits are 900150983cd24fb.
        assert_eq!(row_checksum("abc"), 0x0900_1509_83cd_24fb);
    }
}
