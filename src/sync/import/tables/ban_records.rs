//! `ban_records`: the store has no ban record yet, but a temporary or permanent ban still
//! reaches its user: the ban fields the users row lacked are filled from the record.

use tokio_postgres::Row;
use uuid::Uuid;

use super::super::convert::{self, BanEffect, BanRow, Reason, id};
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::table::{Import, NO_STORE_SUPPORT, Page, SourceTable, USER_MISSING, skip};
use crate::store::{StoreError, Tx};

/// Per ban record: `None` if its user is not in the store, else what applying it did.
type BanOutcome = (Uuid, Option<Result<BanEffect, Reason>>);

#[derive(Default)]
pub(super) struct BanRecords {
    /// Bans that changed their user.
    applied: u64,
}

impl SourceTable for BanRecords {
    const NAME: &'static str = "ban_records";
    type Item = BanRow;
    type Written = Vec<BanOutcome>;

    fn columns(&self) -> String {
        format!(
            "user_id, ban_status, {}, banned_reason, review_status",
            ms("banned_at")
        )
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        &[("user_id", KeyKind::Uuid)]
    }

    /// Every row goes to the write, which sees the user it applies to.
    fn check(
        &mut self,
        row: &Row,
        _: &Page<'_>,
        _: &mut TableReport,
    ) -> anyhow::Result<Option<BanRow>> {
        Ok(Some(BanRow {
            user_id: row.try_get("user_id")?,
            ban_status: row.try_get("ban_status")?,
            banned_at: row.try_get("banned_at")?,
            banned_reason: row.try_get("banned_reason")?,
            review_status: row.try_get("review_status")?,
        }))
    }

    fn write(tx: &mut Tx<'_>, bans: Vec<BanRow>) -> Result<Vec<BanOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(bans.len());
        for ban in bans {
            let Some(mut user) = tx.user(&id(ban.user_id))? else {
                outcomes.push((ban.user_id, None));
                continue;
            };
            let effect = convert::apply_ban(&mut user, &ban);
            if effect == Ok(BanEffect::Applied) {
                tx.put_user(&mut user)?;
            }
            outcomes.push((ban.user_id, Some(effect)));
        }
        Ok(outcomes)
    }

    fn written(&mut self, table: &mut TableReport, _: u64, outcomes: Vec<BanOutcome>) {
        for (user, outcome) in outcomes {
            match outcome {
                None => table.skip(user, USER_MISSING, None),
                Some(Err(reason)) => skip(table, user, reason),
                Some(Ok(effect)) => {
                    if effect == BanEffect::Applied {
                        self.applied += 1;
                    }
                    table.skip_unlisted(NO_STORE_SUPPORT);
                }
            }
        }
    }

    async fn finish(self, import: &mut Import<'_, '_>) -> anyhow::Result<()> {
        let table = import.report.table_mut(Self::NAME);
        table.note = Some(format!(
            "{} rows not imported: {NO_STORE_SUPPORT}; {} applied to their user's ban \
             status, banned_at, banned_reason or review_status",
            table.skipped.get(NO_STORE_SUPPORT).copied().unwrap_or(0),
            self.applied
        ));
        Ok(())
    }
}
