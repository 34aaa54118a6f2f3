//! Plain totals the report turns into rates: what the simulated clients fetched over HTTP,
//! and what the presence check found.

/// A total kept by [`super::Metrics::count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// `GET /room/queue` sent by the poll timer (or by an overlay opening).
    QueuePolls,
    /// `GET /room/queue` sent 300 ms after a user was announced available.
    QueueReactive,
    /// Bytes of the `GET /room/queue` bodies received.
    QueueBytes,
    /// `GET /stats/live` sent by the landing page's timer.
    StatsLive,
    /// (observer, subject, change) triples the presence check compared.
    PresenceChecked,
    /// Of those, the ones where the observer's view was not the subject's truth.
    PresenceMissed,
}

impl Counter {
    pub const ALL: [Counter; 6] = [
        Counter::QueuePolls,
        Counter::QueueReactive,
        Counter::QueueBytes,
        Counter::StatsLive,
        Counter::PresenceChecked,
        Counter::PresenceMissed,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Counter::QueuePolls => "queue_polls",
            Counter::QueueReactive => "queue_reactive",
            Counter::QueueBytes => "queue_bytes",
            Counter::StatsLive => "stats_live",
            Counter::PresenceChecked => "presence_checked",
            Counter::PresenceMissed => "presence_missed",
        }
    }

    /// The HTTP totals count only the steady phase, so that their rates describe the evening
    /// rather than the ramp (whose users are still arriving) or the shutdown. The presence
    /// check counts the whole run: a change missed during the ramp is missed all the same.
    pub const fn steady_phase_only(self) -> bool {
        !matches!(self, Counter::PresenceChecked | Counter::PresenceMissed)
    }
}
