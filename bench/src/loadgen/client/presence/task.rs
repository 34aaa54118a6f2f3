//! The checker task: once a second, every connected user's view against every other user's
//! truth ([`super::checker`]); misses are errors of kind `presence:missed`.
//!
//! A round reads all truths, then each view. A view could be ahead of its truth only for a
//! change the server makes before the subject hears of it (`call:start`), announced to the
//! observer but not yet received by the subject during the microseconds of a round: far too
//! narrow a race to matter beside a window of seconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Flags;
use super::checker::{Miss, Observer, PresenceChecker, Round, Subject, owed_since};
use super::table::{PresenceTable, lock};
use crate::loadgen::client::shared::Shared;
use crate::loadgen::metrics::Counter;

/// Misses described on stderr, at most (they are all counted).
const MISSES_PRINTED: usize = 10;
/// Added to the presence interval for the longest stretch a tick may have missed: ticks
/// drift, and a change reaches the server a little before or after the generator notes it.
const TICK_SLACK: Duration = Duration::from_secs(1);

/// Runs until `stop` changes.
pub async fn run_checker(sh: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut checker = PresenceChecker::new(sh.settings.presence_window());
    let blip = sh.settings.presence_interval() + TICK_SLACK;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut printed = 0;
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        let (round, truths) = check_round(&sh.presence, &mut checker, now, blip);
        sh.count(Counter::PresenceChecked, round.checked);
        sh.count(Counter::PresenceMissed, round.misses.len() as u64);
        for miss in &round.misses {
            sh.error("presence:missed");
            if printed < MISSES_PRINTED {
                printed += 1;
                eprintln!("loadgen: {}", describe(miss, &truths, now));
            }
        }
    }
}

/// A user's truth as read at the start of a round (its view stays in the table).
struct Truth {
    user_id: String,
    truth: Flags,
    since: Instant,
    owed_since: Instant,
    history: Vec<(Flags, Instant)>,
    connected: bool,
}

/// One round over the whole table; the truths it read, to describe the misses.
fn check_round(
    table: &PresenceTable,
    checker: &mut PresenceChecker,
    now: Instant,
    blip: Duration,
) -> (Round, Vec<Truth>) {
    let slots = table.slots();
    let truths: Vec<Truth> = slots
        .iter()
        .map(|slot| {
            let s = lock(slot);
            let history: Vec<(Flags, Instant)> = s.history.iter().copied().collect();
            Truth {
                user_id: s.user_id.clone(),
                truth: s.truth,
                since: s.since,
                owed_since: owed_since(&history, blip),
                history,
                connected: s.connected,
            }
        })
        .collect();
    let subjects: Vec<Subject<'_>> = truths
        .iter()
        .enumerate()
        .map(|(slot, s)| Subject {
            slot,
            user_id: &s.user_id,
            truth: s.truth,
            since: s.since,
            owed_since: s.owed_since,
            connected: s.connected,
        })
        .collect();
    let mut round = Round::default();
    for (slot, shared) in slots.iter().enumerate() {
        let s = lock(shared);
        let observer = Observer {
            slot,
            authenticated_at: s.authenticated_at,
            connected: s.connected,
            view: &s.view,
        };
        checker.check(now, &observer, &subjects, &mut round);
    }
    (round, truths)
}

/// One line per miss: who, what, and the subject's recent changes (seconds ago, oldest first).
fn describe(miss: &Miss, truths: &[Truth], now: Instant) -> String {
    let id = |slot: usize| truths.get(slot).map_or("?", |s| s.user_id.as_str());
    let ago = |t: Instant| now.saturating_duration_since(t).as_secs_f64();
    let flags = |f: Flags| format!("({}, {})", f.online, f.available);
    let history: Vec<String> = truths
        .get(miss.subject)
        .map(|s| {
            s.history
                .iter()
                .map(|(f, t)| format!("{} {:.1} s ago", flags(*f), ago(*t)))
                .collect()
        })
        .unwrap_or_default();
    format!(
        "presence missed: {} sees {} as {}, but it has been {} for {:.1} s (changes: {})",
        id(miss.observer),
        id(miss.subject),
        miss.seen.map_or_else(|| "unknown".to_owned(), flags),
        flags(miss.truth),
        ago(miss.since),
        history.join(", ")
    )
}
