//! `sessions` -> session records: unexpired ones of imported users, active flag kept.

use tokio_postgres::Row;

use super::super::convert::{self, SessionRow};
use super::super::source::{KeyKind, ms};
use super::table::{
    Checked, Checking, Import, Note, Source, USER_MISSING, read_row, store_each, uuid_text,
};
use crate::store::records::Session;
use crate::store::{StoreError, Tx};

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "session_token, user_id, host(ip_address) AS ip, device_info, is_active, {}, {}, {}",
        ms("created_at"),
        ms("expires_at"),
        ms("last_active_at")
    );
    let key = &[("session_token", KeyKind::Uuid)];
    let table = "sessions";
    let source = Source::new(table, key, columns);
    import.table(source, check, put).await?;
    import.done(table);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<Session> {
    let row = session_row(row)?;
    let token = row.token;
    match convert::session(row, at.now) {
        Err(reason) => at.skip(token, reason),
        Ok(session) if session.expires_at <= at.now => at.report.skip_unlisted("expired"),
        Ok(session) if !at.has_user(&session.user_id)? => {
            let detail = Some(uuid_text(&session.user_id));
            at.report.skip(token, USER_MISSING, detail);
        }
        Ok(session) => return Ok(Some(session)),
    }
    Ok(None)
}

fn put(tx: &mut Tx<'_>, sessions: Vec<Session>) -> Result<Vec<Note>, StoreError> {
    store_each(sessions, |mut session| tx.put_session(&mut session))
}

fn session_row(row: &Row) -> Result<SessionRow, tokio_postgres::Error> {
    Ok(read_row!(row => SessionRow {
        token = "session_token", user_id, ip, device_info, is_active, created_at, expires_at,
        last_active_at,
    }))
}
