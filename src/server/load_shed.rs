//! Load shedding under memory pressure (PRODUCT.md §5): while the resident set is at or above
//! `--memory-critical-mb`, new realtime connections get "Server at capacity" and the heavy
//! routes 503, so the memory already in use can serve the users already connected. The
//! memory monitor decides at each check; shedding ends at the first check below the level.

use std::sync::atomic::{AtomicBool, Ordering};

use hyper::Method;

#[derive(Default)]
pub struct LoadShedder {
    active: AtomicBool,
}

impl LoadShedder {
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Records the monitor's reading; returns whether shedding started or stopped.
    pub fn update(&self, rss_mib: u64, critical_mib: u64) -> bool {
        let shed = rss_mib >= critical_mib;
        self.active.swap(shed, Ordering::Relaxed) != shed
    }
}

/// Routes refused while shedding: those that create accounts or sessions (and hash passwords,
/// 19 MiB each) or build large answers. Everything else, the realtime traffic of connected
/// users included, is served.
pub fn is_heavy(method: &Method, path: &str) -> bool {
    matches!(
        (method, path),
        (&Method::POST, "/auth/guest" | "/auth/link" | "/auth/login")
            | (&Method::GET, "/room/queue" | "/room/reel" | "/room/history")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheds_at_the_critical_level_and_stops_below_it() {
        let shedder = LoadShedder::default();
        assert!(!shedder.update(100, 1400), "below: nothing changes");
        assert!(shedder.update(1400, 1400), "at the level: starts");
        assert!(shedder.is_active());
        assert!(!shedder.update(1500, 1400), "still above: no change");
        assert!(shedder.update(1399, 1400), "below again: stops");
        assert!(!shedder.is_active());
    }

    #[test]
    fn only_heavy_routes_are_refused() {
        assert!(is_heavy(&Method::POST, "/auth/guest"));
        assert!(is_heavy(&Method::GET, "/room/queue"));
        assert!(!is_heavy(&Method::GET, "/user/me"));
        assert!(!is_heavy(&Method::GET, "/health"));
        assert!(!is_heavy(&Method::POST, "/auth/logout"));
        assert!(!is_heavy(&Method::GET, "/auth/guest"));
    }
}
