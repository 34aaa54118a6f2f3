//! Memory readings for `/health` and the memory monitor.
//!
//! jemalloc is the global allocator (set in `lib.rs`), so the heap figures are the allocator's
//! own: `heapUsed` = bytes allocated by the program, `heapTotal` = bytes in active pages.
//! `rss` is the kernel's resident set size.

pub struct MemoryReading {
    pub heap_used: u64,
    pub heap_total: u64,
    pub rss: u64,
}

impl MemoryReading {
    pub fn now() -> Self {
        // jemalloc caches its statistics; advancing the epoch refreshes them.
        let _ = tikv_jemalloc_ctl::epoch::advance();
        let read = |r: tikv_jemalloc_ctl::Result<usize>| r.map_or(0, |v| v as u64);
        Self {
            heap_used: read(tikv_jemalloc_ctl::stats::allocated::read()),
            heap_total: read(tikv_jemalloc_ctl::stats::active::read()),
            rss: resident_bytes().unwrap_or(0),
        }
    }
}

/// `VmRSS` of this process, from `/proc/self/status`.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_account_for_a_live_block() {
        // Written to, so its pages are resident and not merely reserved. While it lives, the
        // allocator's count and the resident set must each include it, whatever other tests
        // allocate or free meanwhile: a reading that is 0, stale or in the wrong unit fails.
        const BLOCK: usize = 64 * 1024 * 1024;
        // A reading first, so a `now` that forgot to refresh jemalloc's cached statistics
        // would report this older figure, from before the block.
        let _before = MemoryReading::now();
        let block = std::hint::black_box(vec![1u8; BLOCK]);
        let reading = MemoryReading::now();
        let block_bytes = BLOCK as u64;
        assert!(
            reading.heap_used >= block_bytes,
            "allocated {} < the live {block_bytes}",
            reading.heap_used
        );
        assert!(
            reading.heap_total >= reading.heap_used,
            "active pages hold every allocated byte"
        );
        assert!(
            reading.rss >= block_bytes,
            "resident {} < the written {block_bytes}",
            reading.rss
        );
        drop(block);
    }
}
