//! The report record: one user reporting another, at most once per (reporter, reported) pair.

use redb::{ReadableTable, TableDefinition};
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

/// What the reporter saw of the reported user is kept as it was (name, media), so a review
/// shows what was reported even if the profile changed since.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: Id,
    pub reported_user_id: Id,
    pub reported_user_name: String,
    pub reported_user_selfie: Option<String>,
    pub reported_user_video: Option<String>,
    pub reporter_user_id: Id,
    pub reporter_name: String,
    /// As `IpAddr` displays it; `None` for imported reports without one.
    pub reporter_ip: Option<String>,
    pub reason: String,
    pub room_id: Option<Id>,
    pub created_at: Millis,
    pub version: u64,
}

impl Record for Report {
    const TYPE_NAME: &'static str = "napalmsky.report.v1.rkyv08-unaligned-le";
}

/// One reporter's report on one user, as the auto-ban counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reporter {
    pub reporter: Id,
    pub reported_at: Millis,
}

const REPORTS: TableDefinition<Id, Rkyv<Report>> = TableDefinition::new("reports");
/// (reported, reporter) -> (report id, reported at): the pair is unique, and one user's
/// reporters are one range.
const REPORTS_BY_REPORTED: TableDefinition<(Id, Id), (Id, Millis)> =
    TableDefinition::new("reports_by_reported");
/// (reporter, reported): whom a user reported (left out of their queue and reel).
const REPORTS_BY_REPORTER: TableDefinition<(Id, Id), ()> =
    TableDefinition::new("reports_by_reporter");
/// (created at, report id): newest first for `/report/all`.
const REPORTS_BY_TIME: TableDefinition<(Millis, Id), ()> = TableDefinition::new("reports_by_time");

const NO_ID: Id = [0; 16];
const ALL_ID: Id = [0xff; 16];

impl Tx<'_> {
    /// Whether `reporter` already reported `reported`.
    pub fn has_reported(&self, reporter: Id, reported: Id) -> Result<bool, StoreError> {
        let pairs = self.txn().open_table(REPORTS_BY_REPORTED)?;
        Ok(pairs.get((reported, reporter))?.is_some())
    }

    /// Everyone who reported `reported`, with when (one entry per reporter).
    pub fn reporters_of(&self, reported: Id) -> Result<Vec<Reporter>, StoreError> {
        let pairs = self.txn().open_table(REPORTS_BY_REPORTED)?;
        reporters_in(&pairs, reported)
    }

    /// Stores a report (new, or replacing one with the same id, as the import may). A second
    /// report of the same pair under another id is not stored: returns `false`.
    pub fn put_report(&mut self, report: &mut Report) -> Result<bool, StoreError> {
        let pair = (report.reported_user_id, report.reporter_user_id);
        if let Some(existing) = self.txn().open_table(REPORTS_BY_REPORTED)?.get(pair)? {
            let (id, _) = existing.value();
            if id != report.id {
                return Ok(false);
            }
        }
        if let Some(old) = tables::owned(&self.txn().open_table(REPORTS)?, report.id)? {
            self.unindex(&old)?;
        }
        report.version = self.enqueue(RecordKind::Report, ChangeOp::Upsert, &report.id)?;
        let bytes = encode(report)?;
        self.txn()
            .open_table(REPORTS)?
            .insert(report.id, Stored::<Report>::new(&bytes))?;
        self.txn()
            .open_table(REPORTS_BY_REPORTED)?
            .insert(pair, (report.id, report.created_at))?;
        self.txn()
            .open_table(REPORTS_BY_REPORTER)?
            .insert((report.reporter_user_id, report.reported_user_id), ())?;
        self.txn()
            .open_table(REPORTS_BY_TIME)?
            .insert((report.created_at, report.id), ())?;
        Ok(true)
    }

    fn unindex(&mut self, old: &Report) -> Result<(), StoreError> {
        let (reported, reporter) = (old.reported_user_id, old.reporter_user_id);
        self.txn()
            .open_table(REPORTS_BY_REPORTED)?
            .remove((reported, reporter))?;
        self.txn()
            .open_table(REPORTS_BY_REPORTER)?
            .remove((reporter, reported))?;
        self.txn()
            .open_table(REPORTS_BY_TIME)?
            .remove((old.created_at, old.id))?;
        Ok(())
    }
}

fn reporters_in(
    pairs: &impl ReadableTable<(Id, Id), (Id, Millis)>,
    reported: Id,
) -> Result<Vec<Reporter>, StoreError> {
    let mut found = Vec::new();
    for entry in pairs.range((reported, NO_ID)..=(reported, ALL_ID))? {
        let (key, value) = entry?;
        let (_, reporter) = key.value();
        let (_, reported_at) = value.value();
        found.push(Reporter {
            reporter,
            reported_at,
        });
    }
    Ok(found)
}

impl Reader {
    pub fn report(&self, id: &Id) -> Result<Option<Report>, StoreError> {
        self.owned(REPORTS, id)
    }

    /// The users `reporter` reported, in id order.
    pub fn reported_by(&self, reporter: &Id) -> Result<Vec<Id>, StoreError> {
        let table = self.txn().open_table(REPORTS_BY_REPORTER)?;
        let keys = tables::keys_in(&table, (*reporter, NO_ID)..=(*reporter, ALL_ID), usize::MAX)?;
        Ok(keys.into_iter().map(|(_, reported)| reported).collect())
    }

    /// The reports on `reported`, oldest first.
    pub fn reports_on(&self, reported: &Id) -> Result<Vec<Report>, StoreError> {
        let pairs = self.txn().open_table(REPORTS_BY_REPORTED)?;
        let reports = self.txn().open_table(REPORTS)?;
        let mut found = Vec::new();
        for entry in pairs.range((*reported, NO_ID)..=(*reported, ALL_ID))? {
            let (id, _) = entry?.1.value();
            if let Some(report) = tables::owned(&reports, id)? {
                found.push(report);
            }
        }
        found.sort_by_key(|r| (r.created_at, r.id));
        Ok(found)
    }

    /// Up to `limit` reports, newest first.
    pub fn newest_reports(&self, limit: usize) -> Result<Vec<Report>, StoreError> {
        let by_time = self.txn().open_table(REPORTS_BY_TIME)?;
        let reports = self.txn().open_table(REPORTS)?;
        let mut found = Vec::new();
        for entry in by_time.iter()?.rev().take(limit) {
            let (_, id) = entry?.0.value();
            if let Some(report) = tables::owned(&reports, id)? {
                found.push(report);
            }
        }
        Ok(found)
    }

    /// Every user who reported someone, each once.
    pub fn reporters(&self) -> Result<Vec<Id>, StoreError> {
        let table = self.txn().open_table(REPORTS_BY_REPORTER)?;
        let mut found: Vec<Id> = Vec::new();
        for entry in table.iter()? {
            let (reporter, _) = entry?.0.value();
            if found.last() != Some(&reporter) {
                found.push(reporter);
            }
        }
        Ok(found)
    }

    pub fn report_count(&self) -> Result<u64, StoreError> {
        self.count(REPORTS)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(REPORTS)?;
    visitor.table(REPORTS_BY_REPORTED)?;
    visitor.table(REPORTS_BY_REPORTER)?;
    visitor.table(REPORTS_BY_TIME)
}

/// The outbox key is the report id. `None`: not a key this build writes.
pub(super) fn current(reader: &Reader, key: &[u8]) -> Result<Option<Option<Report>>, StoreError> {
    let id = Id::try_from(key).ok();
    id.map(|id| reader.report(&id)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, Report>) -> Result<(), StoreError> {
    reader.each_in(REPORTS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(REPORTS)
}
