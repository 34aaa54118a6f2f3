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
    fn readings_are_plausible() {
        let reading = MemoryReading::now();
        assert!(reading.rss > 1024 * 1024, "a process uses more than 1 MiB");
        assert!(reading.heap_used <= reading.heap_total);
    }
}
