//! `session_completions` -> completions of imported users and partners, one per (user, room).

use tokio_postgres::Row;

use super::super::convert::{self, CompletionRow};
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::table::{PARTNER_MISSING, Page, SourceTable, USER_MISSING, adjust_all, skip, uuid_text};
use crate::store::records::Completion;
use crate::store::{StoreError, Tx};

pub(super) struct SessionCompletions;

impl SourceTable for SessionCompletions {
    const NAME: &'static str = "session_completions";
    /// (source id, completion): the id names a duplicate in the report.
    type Item = (i32, Completion);
    /// (how many were new, the ids of those the store already had).
    type Written = (u64, Vec<i32>);

    fn columns(&self) -> String {
        format!(
            "id, user_id, partner_id, room_id, duration_seconds, {}",
            ms("completed_at")
        )
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        &[("id", KeyKind::Int)]
    }

    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<(i32, Completion)>> {
        let key: i32 = row.try_get("id")?;
        let row = completion_row(row)?;
        let mut changes = Vec::new();
        match convert::completion(row, page.now, &mut changes) {
            Err(reason) => skip(table, key, reason),
            Ok(c) if !page.has_user(&c.user_id)? => {
                table.skip(key, USER_MISSING, Some(uuid_text(&c.user_id)));
            }
            Ok(c) if !page.has_user(&c.partner_id)? => {
                table.skip(key, PARTNER_MISSING, Some(uuid_text(&c.partner_id)));
            }
            Ok(c) => {
                adjust_all(table, key, changes);
                return Ok(Some((key, c)));
            }
        }
        Ok(None)
    }

    fn write(
        tx: &mut Tx<'_>,
        completions: Vec<(i32, Completion)>,
    ) -> Result<(u64, Vec<i32>), StoreError> {
        let mut added = 0;
        let mut duplicates = Vec::new();
        for (key, mut completion) in completions {
            if tx.add_completion(&mut completion)? {
                added += 1;
            } else {
                duplicates.push(key);
            }
        }
        Ok((added, duplicates))
    }

    fn written(&mut self, table: &mut TableReport, _: u64, (added, duplicates): (u64, Vec<i32>)) {
        table.imported += added;
        for key in duplicates {
            table.skip(key, "duplicate (user_id, room_id)", None);
        }
    }
}

fn completion_row(row: &Row) -> Result<CompletionRow, tokio_postgres::Error> {
    Ok(CompletionRow {
        user_id: row.try_get("user_id")?,
        partner_id: row.try_get("partner_id")?,
        room_id: row.try_get("room_id")?,
        duration_seconds: row.try_get("duration_seconds")?,
        completed_at: row.try_get("completed_at")?,
    })
}
