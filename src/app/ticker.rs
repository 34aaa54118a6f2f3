//! The realtime clocks: the presence tick (coalesced announcements, see `presence`), the domain's timers (invite
//! expiry, call deadlines, disconnect grace) and the transport heartbeat.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;

use super::presence::DeliveryRule;
use super::realtime::Realtime;
use crate::clock::duration_ms;

/// How often the domain's timers are checked. Deadlines are business rules with second-level
/// tolerance; checking 10 times a second costs one lock and one comparison.
const TIMER_RESOLUTION: Duration = Duration::from_millis(100);
/// A tick's presence broadcast is sent in this many slices spread over the tick.
const BROADCAST_SLICES: usize = 20;
/// How often the heartbeat looks for due pings and dead peers, at most: see
/// [`heartbeat_resolution`].
const HEARTBEAT_RESOLUTION: Duration = Duration::from_secs(1);

/// A ping is sent at the first heartbeat check after it is due, so pings go out up to one
/// resolution late. Clients give the server `pingInterval + pingTimeout` to ping before they
/// drop the connection; with short intervals (1 s in tests) a 1 s resolution spent that whole
/// margin and clients dropped at random. A tenth of the interval keeps pings within 10 %.
fn heartbeat_resolution(ping_interval: Duration) -> Duration {
    (ping_interval / 10).clamp(Duration::from_millis(10), HEARTBEAT_RESOLUTION)
}

pub fn spawn_tickers(realtime: Arc<Realtime>, mut stop: watch::Receiver<bool>) {
    let config = realtime.config().clone();
    realtime.clone().spawn(async move {
        let mut presence = tokio::time::interval(config.presence_interval);
        let mut timers = tokio::time::interval(TIMER_RESOLUTION);
        let mut heartbeat = tokio::time::interval(heartbeat_resolution(config.ping_interval));
        for interval in [&mut presence, &mut timers, &mut heartbeat] {
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        let rule = DeliveryRule::web_client(config.presence_budget);
        let ping = Bytes::from_static(b"2");
        let ping_interval = duration_ms(config.ping_interval);
        let ping_timeout = duration_ms(config.ping_timeout);
        loop {
            tokio::select! {
                _ = presence.tick() => {
                    broadcast_presence(&realtime, &rule);
                }
                _ = timers.tick() => {
                    let effects = realtime.tick(realtime.now_ms());
                    realtime.apply(effects);
                }
                _ = heartbeat.tick() => {
                    let dead = realtime.heartbeat(ping_interval, ping_timeout, &ping);
                    if !dead.is_empty() {
                        tracing::debug!(count = dead.len(), "closing sockets that missed pongs");
                        realtime.sockets_closed(dead);
                    }
                }
                _ = stop.changed() => return,
            }
        }
    });
}

/// Sends this tick's presence deliveries, spread over the tick in `BROADCAST_SLICES` slices:
/// one burst to every socket would queue thousands of writer tasks at once, and every invite
/// or relay sent meanwhile would wait behind them.
fn broadcast_presence(realtime: &Arc<Realtime>, rule: &DeliveryRule) {
    let deliveries = realtime.presence_tick(realtime.now_ms(), rule);
    if deliveries.is_empty() {
        return;
    }
    let slice = deliveries.len().div_ceil(BROADCAST_SLICES).max(1);
    let pause = realtime.config().presence_interval / (BROADCAST_SLICES as u32 + 1);
    let realtime = realtime.clone();
    realtime.clone().spawn(async move {
        for (i, chunk) in deliveries.chunks(slice).enumerate() {
            if i > 0 {
                tokio::time::sleep(pause).await;
            }
            let dropped = realtime.send_batches(chunk);
            if !dropped.is_empty() {
                realtime.sockets_closed(dropped);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_are_checked_often_enough_to_stay_within_a_tenth_of_the_interval() {
        let secs = Duration::from_secs;
        assert_eq!(heartbeat_resolution(secs(25)), secs(1), "the default");
        assert_eq!(heartbeat_resolution(secs(1)), Duration::from_millis(100));
        assert_eq!(
            heartbeat_resolution(Duration::from_millis(20)),
            Duration::from_millis(10),
            "bounded below"
        );
    }
}
