//! Load shedding under memory pressure (PRODUCT.md §5): while the resident set is at or above
//! `--memory-critical-mb`, new realtime connections get "Server at capacity" and the heavy
//! routes 503, so the memory already in use can serve the users already connected. The
//! memory monitor decides at each check. Shedding ends once memory is back halfway to the
//! warning level: ending right below the critical level would switch it on and off at every
//! check while memory hovers there, turning users away at random.

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Default)]
pub struct LoadShedder {
    active: AtomicBool,
}

impl LoadShedder {
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Records the monitor's reading; returns whether shedding started or stopped.
    pub fn update(&self, rss_mib: u64, warning_mib: u64, critical_mib: u64) -> bool {
        let was_active = self.is_active();
        let shed = if was_active {
            rss_mib >= resume_below(warning_mib, critical_mib)
        } else {
            rss_mib >= critical_mib
        };
        self.active.store(shed, Ordering::Relaxed);
        was_active != shed
    }
}

/// Where shedding ends: halfway between the warning and the critical level.
fn resume_below(warning_mib: u64, critical_mib: u64) -> u64 {
    let warning = warning_mib.min(critical_mib);
    warning + (critical_mib - warning) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheds_at_the_critical_level_and_stops_halfway_back_to_the_warning_level() {
        let shedder = LoadShedder::default();
        assert!(!shedder.update(100, 1200, 1400), "below: nothing changes");
        assert!(shedder.update(1400, 1200, 1400), "at the level: starts");
        assert!(shedder.is_active());
        assert!(!shedder.update(1500, 1200, 1400), "still above: no change");
        assert!(
            !shedder.update(1399, 1200, 1400),
            "just below: still shedding"
        );
        assert!(
            !shedder.update(1300, 1200, 1400),
            "at the halfway mark: still shedding"
        );
        assert!(shedder.update(1299, 1200, 1400), "below halfway: stops");
        assert!(!shedder.is_active());
        assert!(
            !shedder.update(1399, 1200, 1400),
            "below critical: stays off"
        );
    }
}
