//! Open HTTP connections (TCP, WebSockets included), per peer address and in all, checked at
//! accept. One host opening 21,000 idle connections used to exhaust the file descriptors, and
//! new clients timed out until it stopped; now its extra connections are closed at once, and
//! a reserve of descriptors stays for the store, uploads, Postgres and the operator.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ipnet::IpNet;

use super::client_ip::canonical;

/// Why a connection was closed at accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `--max-http-connections-per-ip` from this peer.
    PeerFull,
    /// The descriptor limit minus `--fd-reserve`.
    Full,
}

pub struct ConnectionLimits {
    per_peer: usize,
    total: usize,
    /// Loopback peers that are not proxies (the operator's `/health` checks on the box) may
    /// also use this much of the reserve.
    local_extra: usize,
    trusted_proxies: Vec<IpNet>,
    open: AtomicUsize,
    by_peer: Mutex<HashMap<IpAddr, u32>>,
}

/// Held for as long as its connection is served; gives the place back when dropped.
pub struct Admitted {
    limits: Arc<ConnectionLimits>,
    /// `None` for an uncounted peer (a trusted proxy).
    peer: Option<IpAddr>,
}

impl ConnectionLimits {
    /// `descriptors` is the process's open-file limit; `reserve` of them are never used for
    /// client connections (half of it is open to local, non-proxy peers). The reserve takes
    /// at most a quarter of the limit, so a shell's default of 1,024 still serves 768.
    pub fn new(
        per_peer: usize,
        descriptors: usize,
        reserve: usize,
        trusted_proxies: Vec<IpNet>,
    ) -> Self {
        let reserve = reserve.min(descriptors / 4);
        Self {
            per_peer,
            total: descriptors.saturating_sub(reserve),
            local_extra: reserve / 2,
            trusted_proxies,
            open: AtomicUsize::new(0),
            by_peer: Mutex::new(HashMap::new()),
        }
    }

    /// Connections served now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Admits a connection from `peer`, or says why not. A trusted proxy is not limited per
    /// peer (it carries many clients; they are limited by their forwarded address later).
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Admitted, Refused> {
        let peer = canonical(peer);
        let proxy = self.trusted_proxies.iter().any(|net| net.contains(&peer));
        let total = if peer.is_loopback() && !proxy {
            self.total + self.local_extra
        } else {
            self.total
        };
        let counted = (!proxy).then_some(peer);
        let mut by_peer = self.by_peer.lock().unwrap_or_else(|p| p.into_inner());
        if self.open.load(Ordering::Relaxed) >= total {
            return Err(Refused::Full);
        }
        if let Some(peer) = counted {
            let held = by_peer.entry(peer).or_default();
            if *held as usize >= self.per_peer {
                return Err(Refused::PeerFull);
            }
            *held += 1;
        }
        self.open.fetch_add(1, Ordering::Relaxed);
        Ok(Admitted {
            limits: self.clone(),
            peer: counted,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let limits = &self.limits;
        let mut by_peer = limits.by_peer.lock().unwrap_or_else(|p| p.into_inner());
        limits.open.fetch_sub(1, Ordering::Relaxed);
        if let Some(peer) = self.peer
            && let Some(held) = by_peer.get_mut(&peer)
        {
            *held -= 1;
            if *held == 0 {
                by_peer.remove(&peer);
            }
        }
    }
}

/// The soft open-file limit of this process, if the OS tells.
pub fn descriptor_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    limit.current.and_then(|n| usize::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn one_peer_is_capped_and_its_places_come_back() {
        let limits = Arc::new(ConnectionLimits::new(2, 100, 10, Vec::new()));
        let first = limits.admit(ip("10.0.0.1")).expect("first");
        let _second = limits.admit(ip("10.0.0.1")).expect("second");
        assert_eq!(limits.admit(ip("10.0.0.1")).err(), Some(Refused::PeerFull));
        assert!(limits.admit(ip("10.0.0.2")).is_ok(), "another peer is not");
        drop(first);
        let _third = limits
            .admit(ip("10.0.0.1"))
            .expect("a closed one frees a place");
        assert_eq!(
            limits.admit(ip("::ffff:10.0.0.1")).err(),
            Some(Refused::PeerFull),
            "the v4-mapped spelling is the same peer"
        );
    }

    #[test]
    fn the_reserve_is_kept_and_half_of_it_open_to_local_peers() {
        // A reserve of 6 is cut to a quarter of the 16 descriptors: 12 for clients, then 2
        // more for local peers.
        let limits = Arc::new(ConnectionLimits::new(1000, 16, 6, Vec::new()));
        let held: Vec<_> = (0..12)
            .map(|i| limits.admit(ip(&format!("10.0.0.{i}"))).expect("within"))
            .collect();
        assert_eq!(limits.admit(ip("10.0.1.1")).err(), Some(Refused::Full));
        let local: Vec<_> = (0..2)
            .map(|_| limits.admit(ip("127.0.0.1")).expect("the local share"))
            .collect();
        assert_eq!(limits.admit(ip("127.0.0.1")).err(), Some(Refused::Full));
        assert_eq!(limits.open(), 14);
        drop((held, local));
        assert_eq!(limits.open(), 0);
    }

    #[test]
    fn a_trusted_proxy_is_not_capped_per_peer_nor_given_the_reserve() {
        let proxy: IpNet = "127.0.0.1/32".parse().expect("net");
        // 8 descriptors, a reserve of 2: 6 for clients, 1 more for local non-proxy peers.
        let limits = Arc::new(ConnectionLimits::new(1, 8, 2, vec![proxy]));
        let held: Vec<_> = (0..6)
            .map(|_| limits.admit(ip("127.0.0.1")).expect("not per-peer capped"))
            .collect();
        assert_eq!(limits.admit(ip("127.0.0.1")).err(), Some(Refused::Full));
        drop(held);
    }
}
