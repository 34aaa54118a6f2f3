//! The outbox as the sync drains it: a batch in change order, its oldest age, and removing
//! what Postgres has committed. (Appending is `Tx::enqueue`, in the same transaction as the
//! change; resolving a key to its record is the registry's `Reader::current`.)

use redb::ReadableTable;

use super::change::{OUTBOX, OutboxEntry};
use super::error::StoreError;
use super::read::Reader;
use super::tx::Tx;
use crate::clock::Millis;

impl Reader {
    /// Up to `limit` outbox entries, oldest first.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<(u64, OutboxEntry)>, StoreError> {
        let table = self.txn().open_table(OUTBOX)?;
        let mut batch = Vec::new();
        for entry in table.iter()?.take(limit) {
            let (seq, value) = entry?;
            batch.push((seq.value(), value.value().to_record()?));
        }
        Ok(batch)
    }

    pub(super) fn outbox_oldest_at(&self) -> Result<Option<Millis>, StoreError> {
        let table = self.txn().open_table(OUTBOX)?;
        let Some(first) = table.first()? else {
            return Ok(None);
        };
        let entry: OutboxEntry = first.1.value().to_record()?;
        Ok(Some(entry.enqueued_at))
    }
}

impl Tx<'_> {
    /// Removes outbox entries that Postgres has committed. Only these exact sequence numbers:
    /// changes enqueued meanwhile stay.
    pub fn remove_outbox(&mut self, seqs: &[u64]) -> Result<usize, StoreError> {
        let mut table = self.txn().open_table(OUTBOX)?;
        let mut removed = 0;
        for seq in seqs {
            if table.remove(seq)?.is_some() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
