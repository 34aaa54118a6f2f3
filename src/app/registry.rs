//! The live sockets by id, and how many each client address holds: the global and the per-IP
//! connection limits are checked and the place taken in one step, under the hub's lock.

use std::net::IpAddr;
use std::sync::Arc;

use super::outlet::Outlet;
use crate::domain::{FastMap, SocketId};

/// Why a new socket was not registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenRefused {
    /// `--max-connections` sockets are open.
    Full,
    /// `--max-connections-per-ip` sockets are open from this address.
    AddressFull,
}

/// The connection limits one registration is checked against.
#[derive(Debug, Clone, Copy)]
pub struct OpenLimits {
    pub total: usize,
    pub per_address: usize,
}

impl OpenLimits {
    #[cfg(test)]
    pub const NONE: Self = Self {
        total: usize::MAX,
        per_address: usize::MAX,
    };
}

pub struct Registered {
    pub outlet: Arc<Outlet>,
    address: IpAddr,
}

#[derive(Default)]
pub struct Registry {
    sockets: FastMap<SocketId, Registered>,
    per_address: FastMap<IpAddr, u32>,
}

impl Registry {
    /// Registers `outlet` unless a limit is reached; returns the new socket count.
    pub fn insert_within(
        &mut self,
        socket: SocketId,
        outlet: Arc<Outlet>,
        address: IpAddr,
        limits: OpenLimits,
    ) -> Result<usize, OpenRefused> {
        if self.sockets.len() >= limits.total {
            return Err(OpenRefused::Full);
        }
        if self.held_by(address) as usize >= limits.per_address {
            return Err(OpenRefused::AddressFull);
        }
        *self.per_address.entry(address).or_default() += 1;
        self.sockets.insert(socket, Registered { outlet, address });
        Ok(self.sockets.len())
    }

    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    pub fn get(&self, socket: &SocketId) -> Option<&Arc<Outlet>> {
        self.sockets.get(socket).map(|r| &r.outlet)
    }

    pub fn remove(&mut self, socket: &SocketId) -> Option<Arc<Outlet>> {
        let registered = self.sockets.remove(socket)?;
        self.release(registered.address);
        Some(registered.outlet)
    }

    fn release(&mut self, address: IpAddr) {
        if let Some(held) = self.per_address.get_mut(&address) {
            *held -= 1;
            if *held == 0 {
                self.per_address.remove(&address);
            }
        }
    }

    /// Sockets open from `address`.
    fn held_by(&self, address: IpAddr) -> u32 {
        self.per_address.get(&address).copied().unwrap_or(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SocketId, &Arc<Outlet>)> {
        self.sockets.iter().map(|(id, r)| (id, &r.outlet))
    }

    /// Removes every socket; returns their outlets.
    pub fn drain(&mut self) -> Vec<Arc<Outlet>> {
        self.per_address.clear();
        self.sockets.drain().map(|(_, r)| r.outlet).collect()
    }

    /// Keeps the sockets for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&SocketId, &Arc<Outlet>) -> bool) {
        let mut gone = Vec::new();
        self.sockets.retain(|socket, registered| {
            let kept = keep(socket, &registered.outlet);
            if !kept {
                gone.push(registered.address);
            }
            kept
        });
        for address in gone {
            self.release(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::outlet::QueueLimits;

    fn outlet() -> Arc<Outlet> {
        Arc::new(Outlet::new(
            QueueLimits {
                frames: 4,
                bytes: 1024,
            },
            0,
        ))
    }

    #[test]
    fn the_per_address_count_follows_every_way_out() {
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let limits = OpenLimits {
            total: 10,
            per_address: 2,
        };
        let mut registry = Registry::default();
        assert_eq!(registry.insert_within(1, outlet(), a, limits), Ok(1));
        assert_eq!(registry.insert_within(2, outlet(), a, limits), Ok(2));
        assert_eq!(
            registry.insert_within(3, outlet(), a, limits),
            Err(OpenRefused::AddressFull)
        );
        assert_eq!(registry.insert_within(3, outlet(), b, limits), Ok(3));
        assert!(registry.remove(&1).is_some());
        assert_eq!(registry.held_by(a), 1);
        assert_eq!(registry.insert_within(4, outlet(), a, limits), Ok(3));
        registry.retain(|socket, _| *socket != 2 && *socket != 4);
        assert_eq!(registry.held_by(a), 0);
        assert!(
            !registry.per_address.contains_key(&a),
            "no empty entries kept"
        );
        assert_eq!(registry.held_by(b), 1);
        registry.drain();
        assert_eq!((registry.len(), registry.held_by(b)), (0, 0));
    }

    #[test]
    fn the_total_is_checked_first_and_a_refusal_leaves_no_entry() {
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut registry = Registry::default();
        let closed = OpenLimits {
            total: 1,
            per_address: 0,
        };
        assert_eq!(
            registry.insert_within(1, outlet(), a, closed),
            Err(OpenRefused::AddressFull)
        );
        assert!(registry.per_address.is_empty());
        let limits = OpenLimits {
            total: 1,
            per_address: 5,
        };
        assert_eq!(registry.insert_within(1, outlet(), a, limits), Ok(1));
        assert_eq!(
            registry.insert_within(2, outlet(), a, limits),
            Err(OpenRefused::Full)
        );
    }
}
