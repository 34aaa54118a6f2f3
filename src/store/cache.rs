//! In-process caches with hit/miss statistics, kept coherent with the store.
//!
//! Coherence rule: the writer bumps `epoch` after each commit and then invalidates the keys
//! that commit touched. A reader notes the epoch before its redb read, inserts, and re-checks
//! the epoch: if a commit landed meanwhile it removes its own entry. Either the reader's
//! re-check sees the bump, or the writer's invalidation comes after the insert; a stale entry
//! can never survive a commit.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mini_moka::sync::Cache;

pub struct StatCache<K, V> {
    inner: Cache<K, V>,
    max_size: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The `/health` view of one cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub size: u64,
    pub max_size: u64,
    pub hits: u64,
    pub misses: u64,
}

impl<K, V> StatCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(max_size: u64, ttl: Duration) -> Self {
        Self {
            inner: Cache::builder()
                .max_capacity(max_size)
                .time_to_live(ttl)
                .build(),
            max_size,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let found = self.inner.get(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Inserts a value read while the store was at `read_epoch` (see the module comment).
    pub fn insert_if_current(&self, key: K, value: V, read_epoch: u64, epoch: &AtomicU64)
    where
        K: Clone,
    {
        self.inner.insert(key.clone(), value);
        if epoch.load(Ordering::SeqCst) != read_epoch {
            self.inner.invalidate(&key);
        }
    }

    pub fn invalidate(&self, key: &K) {
        self.inner.invalidate(key);
    }

    /// Drops every entry (the memory manager's first lever).
    pub fn clear(&self) {
        self.inner.invalidate_all();
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            size: self.inner.entry_count(),
            max_size: self.max_size,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_hits_and_misses() {
        let cache: StatCache<u32, u32> = StatCache::new(10, Duration::from_secs(60));
        let epoch = AtomicU64::new(0);
        assert_eq!(cache.get(&1), None);
        cache.insert_if_current(1, 7, 0, &epoch);
        assert_eq!(cache.get(&1), Some(7));
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.max_size), (1, 1, 10));
    }

    #[test]
    fn a_value_read_before_a_commit_is_not_kept() {
        let cache: StatCache<u32, u32> = StatCache::new(10, Duration::from_secs(60));
        let epoch = AtomicU64::new(5);
        let read_epoch = epoch.load(Ordering::SeqCst);
        epoch.fetch_add(1, Ordering::SeqCst); // a commit landed during the read
        cache.insert_if_current(1, 7, read_epoch, &epoch);
        assert_eq!(cache.get(&1), None);
    }
}
