//! The IP-ban gate: the banned addresses in memory, checked on every request before any
//! route (the original's middleware), loaded from the store at startup and kept in step with
//! each ban and review after it commits.
//!
//! Its size is the number of IP bans: each needs a ban (several distinct reporters, or a
//! review), and a ban takes at most the user's few recorded addresses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::records::IpBan;
use crate::store::{Store, StoreError};

#[derive(Default)]
pub struct AddressGate {
    /// Address -> the ban's reason (the 403 body carries it).
    banned: RwLock<HashMap<IpAddr, String>>,
    /// Lets a server without IP bans skip the lock on every request.
    any: AtomicBool,
}

impl AddressGate {
    /// The store's IP bans.
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        let gate = Self::default();
        gate.ban(&store.read()?.ip_bans()?);
        Ok(gate)
    }

    /// The reason `ip` is banned, if it is.
    pub fn refusal(&self, ip: IpAddr) -> Option<String> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let banned = self.banned.read().unwrap_or_else(|p| p.into_inner());
        banned.get(&ip.to_canonical()).cloned()
    }

    pub fn ban(&self, bans: &[IpBan]) {
        let mut banned = self.banned.write().unwrap_or_else(|p| p.into_inner());
        for ban in bans {
            // Stored addresses were written from `IpAddr`; one that does not parse was
            // imported from elsewhere and cannot match a client anyway.
            if let Ok(ip) = ban.ip.parse::<IpAddr>() {
                banned.insert(ip.to_canonical(), ban.reason.clone());
            }
        }
        self.any.store(!banned.is_empty(), Ordering::Release);
    }

    pub fn lift(&self, ips: &[String]) {
        let mut banned = self.banned.write().unwrap_or_else(|p| p.into_inner());
        for ip in ips.iter().filter_map(|ip| ip.parse::<IpAddr>().ok()) {
            banned.remove(&ip.to_canonical());
        }
        self.any.store(!banned.is_empty(), Ordering::Release);
    }

    pub fn len(&self) -> usize {
        self.banned.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ban(ip: &str, reason: &str) -> IpBan {
        IpBan {
            ip: ip.into(),
            banned_at: 1,
            user_id: None,
            reason: reason.into(),
            version: 0,
        }
    }

    #[test]
    fn banned_addresses_are_refused_until_lifted() {
        let gate = AddressGate::default();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(gate.refusal(client), None);
        gate.ban(&[ban("203.0.113.9", "Auto-banned: 4 reports received")]);
        assert_eq!(
            gate.refusal(client).as_deref(),
            Some("Auto-banned: 4 reports received")
        );
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert!(gate.refusal(mapped).is_some(), "the same client over IPv6");
        assert_eq!(gate.refusal("203.0.113.10".parse().unwrap()), None);
        gate.lift(&["203.0.113.9".into()]);
        assert_eq!(gate.refusal(client), None);
        assert!(gate.is_empty());
    }
}
