//! Which routes load shedding refuses (see `net::LoadShedder`).

use hyper::Method;

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
    fn only_heavy_routes_are_refused() {
        assert!(is_heavy(&Method::POST, "/auth/guest"));
        assert!(is_heavy(&Method::GET, "/room/queue"));
        assert!(!is_heavy(&Method::GET, "/user/me"));
        assert!(!is_heavy(&Method::GET, "/health"));
        assert!(!is_heavy(&Method::POST, "/auth/logout"));
        assert!(!is_heavy(&Method::GET, "/auth/guest"));
    }
}
