//! `sessions.ip_address` -> each imported user's recorded addresses. The original kept a
//! user's addresses only on their sessions (and copied them into a ban record), so every
//! session row, expired ones included, says "this user came from this address then".

use std::net::IpAddr;

use tokio_postgres::Row;

use super::super::convert::id;
use super::super::report::TableReport;
use super::super::source::{KeyKind, ms};
use super::table::{Page, SourceTable};
use crate::clock::Millis;
use crate::store::records::Id;
use crate::store::{StoreError, Tx};

pub(super) struct UserIps;

impl SourceTable for UserIps {
    const NAME: &'static str = "sessions";
    const REPORT: &'static str = "sessions.ip_address";
    /// (user, address, last seen).
    type Item = (Id, IpAddr, Millis);
    type Written = ();

    fn columns(&self) -> String {
        format!(
            "session_token, user_id, host(ip_address) AS ip, {}, {}",
            ms("created_at"),
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
    ) -> anyhow::Result<Option<(Id, IpAddr, Millis)>> {
        let user = id(row.try_get("user_id")?);
        let ip: Option<String> = row.try_get("ip")?;
        let Some(ip) = ip.and_then(|ip| ip.parse::<IpAddr>().ok()) else {
            table.skip_unlisted("no address");
            return Ok(None);
        };
        if !page.has_user(&user)? {
            table.skip_unlisted("user not imported");
            return Ok(None);
        }
        let created: Option<Millis> = row.try_get("created_at")?;
        let active: Option<Millis> = row.try_get("last_active_at")?;
        let seen = active.or(created).unwrap_or(page.now);
        Ok(Some((user, ip, seen)))
    }

    fn write(tx: &mut Tx<'_>, seen: Vec<(Id, IpAddr, Millis)>) -> Result<(), StoreError> {
        for (user, ip, at) in seen {
            tx.record_ip(user, ip, at)?;
        }
        Ok(())
    }
}
