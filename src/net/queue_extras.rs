//! Who has something that changes their own `/room/queue`: users who reported someone (those
//! are left out) and users who were introduced someone (those come first). The queue reads
//! the store for these callers only: for everyone else it stays a walk of the in-memory
//! index, as the benchmarks measure it.
//!
//! Loaded at startup from the store's indexes and kept in step after each committed report
//! and introduction; its size is the number of such users (16 bytes each).

use std::collections::HashSet;
use std::sync::RwLock;

use crate::store::{Id, Store, StoreError};

#[derive(Default)]
pub struct QueueExtras {
    reporters: RwLock<HashSet<Id>>,
    introduced: RwLock<HashSet<Id>>,
}

fn read(set: &RwLock<HashSet<Id>>) -> std::sync::RwLockReadGuard<'_, HashSet<Id>> {
    set.read().unwrap_or_else(|p| p.into_inner())
}

fn write(set: &RwLock<HashSet<Id>>) -> std::sync::RwLockWriteGuard<'_, HashSet<Id>> {
    set.write().unwrap_or_else(|p| p.into_inner())
}

impl QueueExtras {
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        let reader = store.read()?;
        Ok(Self {
            reporters: RwLock::new(reader.reporters()?.into_iter().collect()),
            introduced: RwLock::new(reader.notified_users()?.into_iter().collect()),
        })
    }

    /// Whether `user`'s queue leaves someone out (they reported someone).
    pub fn has_reported(&self, user: &Id) -> bool {
        read(&self.reporters).contains(user)
    }

    /// Whether `user` was introduced someone.
    pub fn has_introductions(&self, user: &Id) -> bool {
        read(&self.introduced).contains(user)
    }

    pub fn reported(&self, reporter: Id) {
        write(&self.reporters).insert(reporter);
    }

    pub fn introduced(&self, target: Id) {
        write(&self.introduced).insert(target);
    }
}
