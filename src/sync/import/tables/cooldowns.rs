//! `cooldowns` -> cooldowns still in force between two imported users.

use tokio_postgres::Row;

use super::super::convert::id;
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::table::{Page, SourceTable, USER_MISSING, uuid_text};
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{StoreError, Tx};

pub(super) struct Cooldowns;

impl SourceTable for Cooldowns {
    const NAME: &'static str = "cooldowns";
    /// (a, b, until).
    type Item = (Id, Id, Millis);
    type Written = ();

    fn columns(&self) -> String {
        format!("id, user_id_1, user_id_2, {}", ms("expires_at"))
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        &[("id", KeyKind::Int)]
    }

    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<(Id, Id, Millis)>> {
        let key: i32 = row.try_get("id")?;
        let a = id(row.try_get("user_id_1")?);
        let b = id(row.try_get("user_id_2")?);
        let until: Option<Millis> = row.try_get("expires_at")?;
        let Some(until) = until else {
            table.skip(key, "expires_at is not a finite time", None);
            return Ok(None);
        };
        if until <= page.now {
            table.skip_unlisted("expired");
        } else if a == b {
            table.skip(key, "a user paired with themself", None);
        } else if !page.has_user(&a)? {
            table.skip(key, USER_MISSING, Some(uuid_text(&a)));
        } else if !page.has_user(&b)? {
            table.skip(key, USER_MISSING, Some(uuid_text(&b)));
        } else {
            return Ok(Some((a, b, until)));
        }
        Ok(None)
    }

    fn write(tx: &mut Tx<'_>, pairs: Vec<(Id, Id, Millis)>) -> Result<(), StoreError> {
        for (a, b, until) in pairs {
            tx.extend_cooldown(a, b, until)?;
        }
        Ok(())
    }
}
