//! `ip_bans` -> IP ban records. A ban outlives its user (the original's ON DELETE SET NULL):
//! one whose user was not imported is kept without it.

use tokio_postgres::Row;

use super::super::moderation::{self, IpBanRow};
use super::super::source::{KeyKind, ms};
use super::table::{Checked, Checking, Import, Note, Source, read_row, uuid_text};
use crate::store::records::IpBan;
use crate::store::{StoreError, Tx};

const TABLE: &str = "ip_bans";
const USER_CLEARED: &str = "user not imported; the ban kept without it";
/// `::ffff:a.b.c.d` and `a.b.c.d` are two rows there and one address here.
const SAME_ADDRESS: &str = "the same address as another ban (IPv4-mapped IPv6 read as IPv4)";

pub(super) async fn import(import: &mut Import<'_, '_>) -> anyhow::Result<()> {
    // Paged by the INET key itself; `host` is the address without a prefix length (the
    // original only stored client addresses).
    let columns = format!(
        "ip_address, host(ip_address) AS ip, {}, user_id, reason",
        ms("banned_at")
    );
    let source = Source::new(TABLE, &[("ip_address", KeyKind::Inet)], columns);
    import.table(source, check, put).await?;
    import.done(TABLE);
    Ok(())
}

/// With the source address, which names the row in the report.
fn check(row: &Row, at: &mut Checking<'_>) -> Checked<(String, IpBan)> {
    let row = read_row!(row => IpBanRow { ip, banned_at, user_id, reason });
    let key = row.ip.clone();
    let mut changes = Vec::new();
    let mut ban = match moderation::ip_ban(row, at.now, &mut changes) {
        Ok(ban) => ban,
        Err(reason) => {
            at.skip(key, reason);
            return Ok(None);
        }
    };
    if let Some(user) = ban.user_id
        && !at.has_user(&user)?
    {
        ban.user_id = None;
        changes.push((USER_CLEARED, Some(uuid_text(&user))));
    }
    at.adjust_all(&key, changes);
    Ok(Some((key, ban)))
}

/// The import fills an empty store, so a ban already there came from this import.
fn put(tx: &mut Tx<'_>, bans: Vec<(String, IpBan)>) -> Result<Vec<Note>, StoreError> {
    let mut notes = Vec::new();
    for (key, mut ban) in bans {
        if tx.ip_ban(&ban.ip)?.is_some() {
            notes.push(Note::Skip(key, (SAME_ADDRESS, Some(ban.ip.clone()))));
            continue;
        }
        tx.put_ip_ban(&mut ban)?;
    }
    Ok(notes)
}
