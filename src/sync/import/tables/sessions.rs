//! `sessions` -> session records: unexpired ones of imported users, active flag kept.

use tokio_postgres::Row;

use super::super::convert::{self, SessionRow};
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::table::{Page, SourceTable, USER_MISSING, skip, uuid_text};
use crate::store::records::Session;
use crate::store::{StoreError, Tx};

pub(super) struct Sessions;

impl SourceTable for Sessions {
    const NAME: &'static str = "sessions";
    type Item = Session;
    type Written = ();

    fn columns(&self) -> String {
        format!(
            "session_token, user_id, host(ip_address) AS ip, device_info, is_active, {}, {}, {}",
            ms("created_at"),
            ms("expires_at"),
            ms("last_active_at")
        )
    }

    fn key(&self) -> &'static [(&'static str, KeyKind)] {
        &[("session_token", KeyKind::Uuid)]
    }

    fn check(
        &mut self,
        row: &Row,
        page: &Page<'_>,
        table: &mut TableReport,
    ) -> anyhow::Result<Option<Session>> {
        let row = session_row(row)?;
        let key = row.token;
        match convert::session(row, page.now) {
            Err(reason) => skip(table, key, reason),
            Ok(session) if session.expires_at <= page.now => table.skip_unlisted("expired"),
            Ok(session) if !page.has_user(&session.user_id)? => {
                table.skip(key, USER_MISSING, Some(uuid_text(&session.user_id)));
            }
            Ok(session) => return Ok(Some(session)),
        }
        Ok(None)
    }

    fn write(tx: &mut Tx<'_>, sessions: Vec<Session>) -> Result<(), StoreError> {
        for mut session in sessions {
            tx.put_session(&mut session)?;
        }
        Ok(())
    }
}

fn session_row(row: &Row) -> Result<SessionRow, tokio_postgres::Error> {
    Ok(SessionRow {
        token: row.try_get("session_token")?,
        user_id: row.try_get("user_id")?,
        ip: row.try_get("ip")?,
        device_info: row.try_get("device_info")?,
        is_active: row.try_get("is_active")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_active_at: row.try_get("last_active_at")?,
    })
}
