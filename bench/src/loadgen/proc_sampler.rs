//! CPU and RSS of a process, read from `/proc` once a second.
//!
//! CPU is `utime + stime` from `/proc/<pid>/stat` (clock ticks), turned into "% of one core"
//! over the interval since the previous reading; RSS is `VmRSS` from `/proc/<pid>/status`.
//! Linux reports these ticks in USER_HZ, which is 100 on every architecture Linux ships
//! (the kernel's `sysconf(_SC_CLK_TCK)`); reading it via libc would need `unsafe`, which the
//! workspace forbids.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// USER_HZ: clock ticks per second in `/proc/<pid>/stat`.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// One point of the time series.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    /// Seconds since the run's epoch.
    pub t: u64,
    /// Authenticated sockets of the generator at that moment.
    pub connected: u64,
    /// The generator's own CPU, % of one core (summed over its processes).
    pub loadgen_cpu_percent: Option<f64>,
    pub server_cpu_percent: Option<f64>,
    pub server_rss_mb: Option<f64>,
}

/// `utime + stime` from the text of `/proc/<pid>/stat`.
///
/// The command name (field 2) is in parentheses and may contain spaces or ')', so fields are
/// counted after the last ')': there, field 3 (state) is index 0, utime (14) index 11 and
/// stime (15) index 12.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after) = stat.rsplit_once(')')?;
    let mut fields = after.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` in kB from the text of `/proc/<pid>/status`.
pub fn parse_vm_rss_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut parts = line["VmRSS:".len()..].split_whitespace();
    let value = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => Some(value),
        Some(_) => None,
    }
}

/// CPU % of one core between two readings.
pub fn cpu_percent(ticks_before: u64, ticks_after: u64, seconds: f64) -> Option<f64> {
    if seconds <= 0.0 {
        return None;
    }
    let ticks = ticks_after.saturating_sub(ticks_before) as f64;
    Some(ticks / TICKS_PER_SECOND / seconds * 100.0)
}

/// Follows one process; `pid: None` means this process.
#[derive(Debug)]
pub struct ProcWatch {
    pid: Option<u32>,
    last: Option<(Instant, u64)>,
}

impl ProcWatch {
    pub fn new(pid: Option<u32>) -> Self {
        let mut watch = Self { pid, last: None };
        // Prime the CPU baseline so the first interval reports a value.
        let _ = watch.cpu();
        watch
    }

    fn path(&self, file: &str) -> String {
        match self.pid {
            Some(pid) => format!("/proc/{pid}/{file}"),
            None => format!("/proc/self/{file}"),
        }
    }

    /// CPU % of one core since the previous call; `None` when the process is gone or on the
    /// first call.
    pub fn cpu(&mut self) -> Option<f64> {
        let text = std::fs::read_to_string(self.path("stat")).ok()?;
        let ticks = parse_cpu_ticks(&text)?;
        let now = Instant::now();
        // Over a very short interval one tick would read as a huge percentage: keep the
        // baseline until at least 200 ms have passed.
        if let Some((then, _)) = self.last
            && now.duration_since(then).as_millis() < 200
        {
            return None;
        }
        let previous = self.last.replace((now, ticks));
        let (then, before) = previous?;
        cpu_percent(before, ticks, now.duration_since(then).as_secs_f64())
    }

    /// Resident memory in MiB.
    pub fn rss_mb(&self) -> Option<f64> {
        let text = std::fs::read_to_string(self.path("status")).ok()?;
        parse_vm_rss_kb(&text).map(|kb| kb as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_ticks_survive_odd_command_names() {
        let stat = "1234 (nap alm) sky)) S 1 1234 1234 0 -1 4194560 300 0 0 0 250 50 0 0 20 0 \
                    9 0 100 1000000 500 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
        assert_eq!(parse_cpu_ticks("1 (x) S 1"), None);
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn vm_rss() {
        let status = "Name:\tnapalmsky\nVmPeak:\t  999 kB\nVmRSS:\t   20480 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss_kb(status), Some(20480));
        assert_eq!(parse_vm_rss_kb("Name:\tx\n"), None);
        assert_eq!(parse_vm_rss_kb("VmRSS:\t 1 MB\n"), None);
    }

    #[test]
    fn cpu_percent_of_one_core() {
        assert_eq!(cpu_percent(100, 200, 1.0), Some(100.0));
        assert_eq!(cpu_percent(100, 150, 2.0), Some(25.0));
        assert_eq!(cpu_percent(200, 100, 1.0), Some(0.0));
        assert_eq!(cpu_percent(0, 1, 0.0), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let watch = ProcWatch::new(None);
        assert!(watch.rss_mb().is_some_and(|mb| mb > 0.0));
    }
}
