//! Writing store records into the Postgres mirror: one multi-row statement per table and
//! operation (arrays + UNNEST), all in one transaction per batch.
//!
//! Upserts apply only when the incoming `sync_version` is newer than the row's, so replays and
//! retries are idempotent and an older change never overwrites a newer one. Deletions remove
//! rows whose record no longer exists in the store.
//!
//! Each mirrored table is one file here describing its columns once (`columns.rs`); the SQL is
//! generated from that list (`sql.rs`); `kinds.rs` maps the store's record kinds to them.

mod ban_records;
mod chat_history;
mod columns;
mod cooldowns;
mod intro_codes;
mod invite_codes;
mod ip_bans;
mod kinds;
mod payment_events;
mod referral_notifications;
mod reports;
mod session_completions;
mod sessions;
mod sql;
#[cfg(test)]
mod tests;
mod user_ips;
mod users;

use std::any::Any;
use std::collections::BTreeMap;

use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::SyncError;
use crate::store::Current;
use crate::store::records::RecordKind;
pub(crate) use columns::{KeyPart, Mirrored, key_of, table, verify_text};
pub(crate) use kinds::{TableVisitor, Visitor, each_table, visit};
pub(crate) use sql::{
    Statement, checksum_sql, create_kept_sql, delete_unkept_sql, drop_kept_sql, insert_kept,
};

/// Runs one generated statement; returns the rows it touched.
pub(crate) async fn execute(
    txn: &Transaction<'_>,
    statement: &Statement,
) -> Result<u64, SyncError> {
    let params: Vec<&(dyn ToSql + Sync)> = statement
        .params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    Ok(txn.execute(&statement.sql, &params).await?)
}

/// One table's share of a batch.
struct TableRows<R> {
    upserts: Vec<R>,
    deletes: Vec<Vec<KeyPart>>,
}

/// Single-row shares: the upserts, then the deletions.
type Singles = (Vec<Box<dyn Pending>>, Vec<Box<dyn Pending>>);

/// A table's share of a batch, whatever its record type.
trait Pending: Any + Send + Sync {
    fn kind(&self) -> RecordKind;
    fn len(&self) -> usize;
    fn upsert(&self, newer: &str) -> Option<Statement>;
    fn delete(&self) -> Option<Statement>;
    /// One single-row share per upsert, then one per deletion.
    fn split(self: Box<Self>) -> Singles;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: Mirrored> Pending for TableRows<R> {
    fn kind(&self) -> RecordKind {
        kinds::kind_of::<R>()
    }

    fn len(&self) -> usize {
        self.upserts.len() + self.deletes.len()
    }

    fn upsert(&self, newer: &str) -> Option<Statement> {
        (!self.upserts.is_empty()).then(|| sql::upsert(&self.upserts, newer))
    }

    fn delete(&self) -> Option<Statement> {
        (!self.deletes.is_empty()).then(|| sql::delete::<R>(&self.deletes))
    }

    fn split(self: Box<Self>) -> Singles {
        let one = |upserts, deletes| -> Box<dyn Pending> {
            Box::new(TableRows::<R> { upserts, deletes })
        };
        let upserts = self.upserts.into_iter().map(|r| one(vec![r], Vec::new()));
        let deletes = self.deletes.into_iter().map(|k| one(Vec::new(), vec![k]));
        (upserts.collect(), deletes.collect())
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Rows of one batch, grouped by table, in the order foreign keys need.
#[derive(Default)]
pub(crate) struct Rows {
    /// By the table's position in `kinds::KINDS`.
    tables: BTreeMap<usize, Box<dyn Pending>>,
}

impl Visitor for Rows {
    fn record<R: Mirrored>(&mut self, record: R) {
        self.share::<R>().upserts.push(record);
    }

    fn deleted<R: Mirrored>(&mut self, outbox_key: &[u8]) {
        if let Some(key) = columns::deleted_key::<R>(outbox_key) {
            self.share::<R>().deletes.push(key);
        }
    }
}

impl Rows {
    fn share<R: Mirrored>(&mut self) -> &mut TableRows<R> {
        let pending = self
            .tables
            .entry(kinds::position(kinds::kind_of::<R>()))
            .or_insert_with(|| {
                Box::new(TableRows::<R> {
                    upserts: Vec::new(),
                    deletes: Vec::new(),
                })
            });
        match pending.as_any_mut().downcast_mut() {
            Some(rows) => rows,
            None => unreachable!("each kind has one record type"),
        }
    }

    fn single(pending: Box<dyn Pending>) -> (RecordKind, Rows) {
        let kind = pending.kind();
        let tables = BTreeMap::from([(kinds::position(kind), pending)]);
        (kind, Rows { tables })
    }

    pub fn add(&mut self, current: Current) {
        visit(current, self);
    }

    /// One `Rows` per row, in the order [`Rows::write`] writes them (parents first), each
    /// with the kind of its record: for writing a batch row by row.
    pub fn into_singles(self) -> Vec<(RecordKind, Rows)> {
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for pending in self.tables.into_values() {
            let (u, d) = pending.split();
            upserts.extend(u);
            deletes.push(d);
        }
        deletes.reverse();
        upserts
            .into_iter()
            .chain(deletes.into_iter().flatten())
            .map(Self::single)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.tables.values().map(|t| t.len()).sum()
    }

    /// Writes everything in `txn` (the caller commits). `overwrite` also replaces rows whose
    /// version equals the incoming one (`replay --full` repairing a mirror edited by hand).
    pub async fn write(&self, txn: &Transaction<'_>, overwrite: bool) -> Result<(), SyncError> {
        let newer = if overwrite { "<=" } else { "<" };
        for pending in self.tables.values() {
            if let Some(statement) = pending.upsert(newer) {
                execute(txn, &statement).await?;
            }
        }
        for pending in self.tables.values().rev() {
            if let Some(statement) = pending.delete() {
                execute(txn, &statement).await?;
            }
        }
        Ok(())
    }
}
