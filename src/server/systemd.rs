//! sd_notify: READY once listening, STOPPING on shutdown, WATCHDOG while healthy. Without
//! systemd (`NOTIFY_SOCKET` unset) every call is a no-op.

use std::sync::Arc;

use sd_notify::NotifyState;
use tokio::sync::watch;

use super::AppState;

pub fn ready() {
    let _ = sd_notify::notify(false, &[NotifyState::Ready]);
}

pub fn stopping() {
    let _ = sd_notify::notify(false, &[NotifyState::Stopping]);
}

/// Pings the watchdog at half its period for as long as the runtime schedules this task and
/// the store accepts writes: a wedged runtime or a failed store gets the service restarted.
pub fn spawn_watchdog(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let period = std::time::Duration::from_micros(usec / 2);
    state.clone().spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            let healthy = state.http.store.health().is_ok_and(|h| !h.failed);
            if healthy {
                let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
            }
        }
    });
}
