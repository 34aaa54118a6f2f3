//! `sessions.ip_address` -> each imported user's recorded addresses. The original kept a
//! user's addresses only on their sessions (and copied them into a ban record), so every
//! session row, expired ones included, says "this user came from this address then".

use std::net::IpAddr;

use tokio_postgres::Row;

use super::super::convert::id;
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, store_each};
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{StoreError, Tx};

const REPORT: &str = "sessions.ip_address";

/// (user, address, last seen).
type Seen = (Id, IpAddr, Millis);

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    let columns = format!(
        "session_token, user_id, host(ip_address) AS ip, {}, {}",
        ms("created_at"),
        ms("last_active_at")
    );
    let key = &[("session_token", KeyKind::Uuid)];
    let source = Source::new("sessions", key, columns).reported_as(REPORT);
    import.table(source, check, record).await?;
    import.done(REPORT);
    Ok(())
}

fn check(row: &Row, at: &mut Checking<'_>) -> Checked<Seen> {
    let user = id(row.try_get("user_id")?);
    let ip: Option<String> = row.try_get("ip")?;
    let Some(ip) = ip.and_then(|ip| ip.parse::<IpAddr>().ok()) else {
        at.report.skip_unlisted("no address");
        return Ok(None);
    };
    if !at.has_user(&user)? {
        at.report.skip_unlisted("user not imported");
        return Ok(None);
    }
    let created: Option<Millis> = row.try_get("created_at")?;
    let active: Option<Millis> = row.try_get("last_active_at")?;
    Ok(Some((user, ip, active.or(created).unwrap_or(at.now))))
}

fn record(tx: &mut Tx<'_>, seen: Vec<Seen>) -> Result<Vec<Note>, StoreError> {
    store_each(seen, |(user, ip, at)| tx.record_ip(user, ip, at))
}
