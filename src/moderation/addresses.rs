//! Which of a banned user's recorded addresses are IP-banned, and which bans a vindication
//! lifts.
//!
//! The original banned every address it had seen for the user, so one user behind a shared
//! NAT or campus address locked out everyone there, the reporters included (§7.6). Here an
//! address is spared when another user who is not banned used it within the shared-address
//! window: such an address identifies a place, not the banned user.

use super::rules::ModerationRules;
use crate::accounts::is_banned;
use crate::clock::Millis;
use crate::store::records::IpBan;
use crate::store::{Id, StoreError, Tx};

/// Whether someone other than `user` who is not banned was seen at `ip` since `since`.
fn shared(tx: &Tx<'_>, ip: &str, user: &Id, since: Millis) -> Result<bool, StoreError> {
    for (other, last_seen) in tx.users_seen_at(ip)? {
        if other == *user || last_seen < since {
            continue;
        }
        let banned = tx.user(&other)?.is_some_and(|u| is_banned(u.ban_status));
        if !banned {
            return Ok(true);
        }
    }
    Ok(false)
}

/// IP-bans those of `user`'s `recorded` addresses that are neither shared nor banned
/// already; returns the new bans.
pub(super) fn ban_unshared(
    tx: &mut Tx<'_>,
    user: &Id,
    recorded: &[String],
    reason: &str,
    rules: &ModerationRules,
    now: Millis,
) -> Result<Vec<IpBan>, StoreError> {
    let mut made = Vec::new();
    for ip in to_ban(tx, user, recorded, rules, now)? {
        if tx.ip_ban(&ip)?.is_some() {
            continue;
        }
        let mut ban = IpBan {
            ip,
            banned_at: now,
            user_id: Some(*user),
            reason: reason.to_owned(),
            version: 0,
        };
        tx.put_ip_ban(&mut ban)?;
        made.push(ban);
    }
    Ok(made)
}

/// The addresses of `user` that a ban at `now` IP-bans (most recently seen first).
fn to_ban(
    tx: &Tx<'_>,
    user: &Id,
    addresses: &[String],
    rules: &ModerationRules,
    now: Millis,
) -> Result<Vec<String>, StoreError> {
    let since = now.saturating_sub(rules.shared_address_window_ms);
    let mut banned = Vec::new();
    for ip in addresses {
        if !shared(tx, ip, user, since)? {
            banned.push(ip.clone());
        }
    }
    Ok(banned)
}

/// Whether another user who is still banned was recorded at `ip`: lifting one user's ban
/// then keeps the address banned for the other.
pub(super) fn held_by_another_ban(tx: &Tx<'_>, ip: &str, user: &Id) -> Result<bool, StoreError> {
    for (other, _) in tx.users_seen_at(ip)? {
        if other != *user && tx.user(&other)?.is_some_and(|u| is_banned(u.ban_status)) {
            return Ok(true);
        }
    }
    Ok(false)
}
