//! `reports` -> report records between imported users, at most one per (reporter, reported)
//! pair, as the store (and the original's in-memory check) allows.

use tokio_postgres::Row;

use super::super::moderation::{self, ReportRow};
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, USER_MISSING, read_row, uuid_text};
use crate::store::records::{Id, Report};
use crate::store::{StoreError, Tx};

const TABLE: &str = "reports";
const DUPLICATE: &str = "duplicate report of the pair";
const NAME_FILLED: &str = "no reported_user_name; the user's name used";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "report_id, reported_user_id, reported_user_name, reported_user_selfie,
         reported_user_video, reporter_user_id, reporter_name, host(reporter_ip) AS reporter_ip,
         reason, room_id, {}",
        ms("timestamp")
    );
    let source = Source::new(TABLE, &[("report_id", KeyKind::Uuid)], columns);
    import.table(source, check, put).await?;
    import.done(TABLE);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<Report> {
    let row = report_row(row)?;
    let key = row.report_id;
    let named = row.reported_user_name.is_some();
    let mut changes = Vec::new();
    let mut report = moderation::report(row, at.now, &mut changes);
    for (role, user) in [
        ("reported user", report.reported_user_id),
        ("reporter", report.reporter_user_id),
    ] {
        if !at.has_user(&user)? {
            let detail = Some(format!("{role} {}", uuid_text(&user)));
            at.report.skip(key, USER_MISSING, detail);
            return Ok(None);
        }
    }
    if !named && let Some(name) = user_name(at, &report.reported_user_id)? {
        report.reported_user_name = name;
        changes.push((NAME_FILLED, None));
    }
    at.adjust_all(key, changes);
    Ok(Some(report))
}

fn user_name(at: &Checking<'_>, user: &Id) -> Result<Option<String>, StoreError> {
    Ok(at.reader.user(user)?.map(|u| u.name))
}

/// A second report of a pair (the source has no such rule) keeps the one stored first, in
/// `report_id` order.
fn put(tx: &mut Tx<'_>, reports: Vec<Report>) -> Result<Vec<Note>, StoreError> {
    let mut duplicates = Vec::new();
    for mut report in reports {
        if !tx.put_report(&mut report)? {
            let detail = format!(
                "{} already reported {}",
                uuid_text(&report.reporter_user_id),
                uuid_text(&report.reported_user_id)
            );
            duplicates.push(Note::Skip(uuid_text(&report.id), (DUPLICATE, Some(detail))));
        }
    }
    Ok(duplicates)
}

fn report_row(row: &Row) -> Result<ReportRow, tokio_postgres::Error> {
    Ok(read_row!(row => ReportRow {
        report_id, reported_user_id, reported_user_name, reported_user_selfie,
        reported_user_video, reporter_user_id, reporter_name, reporter_ip, reason, room_id,
        timestamp,
    }))
}
