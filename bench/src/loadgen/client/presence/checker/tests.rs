use std::time::{Duration, Instant};

use super::*;
use crate::loadgen::wire::PresenceUpdate;

const WINDOW: Duration = Duration::from_secs(5);
const U: &str = "00000000-0000-4000-8000-00000000000b";

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn view_of_u(flags: Option<Flags>) -> PresenceView {
    let mut view = PresenceView::default();
    if let Some(flags) = flags {
        view.apply(&PresenceUpdate::Presence {
            user_id: U.into(),
            online: flags.online,
            available: flags.available,
        });
    }
    view
}

fn observer(view: &PresenceView, authenticated_at: Instant) -> Observer<'_> {
    Observer {
        slot: 0,
        authenticated_at,
        connected: true,
        view,
    }
}

fn subject(truth: Flags, since: Instant) -> Subject<'static> {
    Subject {
        slot: 1,
        user_id: U,
        truth,
        since,
        owed_since: since,
        connected: true,
    }
}

#[test]
fn a_settled_change_must_be_in_the_view_of_an_earlier_observer() {
    let t0 = Instant::now();
    let since = t0 + secs(10);
    let u = subject(Flags::IN_QUEUE, since);
    let seen = view_of_u(Some(Flags::IN_QUEUE));
    let stale = view_of_u(Some(Flags::ONLINE));
    let empty = view_of_u(None);
    let at = since + WINDOW;
    assert_eq!(judge(&observer(&seen, t0), &u, at, WINDOW), Verdict::Seen);
    assert_eq!(
        judge(&observer(&stale, t0), &u, at, WINDOW),
        Verdict::Missed(Some(Flags::ONLINE))
    );
    assert_eq!(
        judge(&observer(&empty, t0), &u, at, WINDOW),
        Verdict::Missed(None)
    );
}

#[test]
fn changes_still_in_flight_or_before_the_observer_are_not_due() {
    let t0 = Instant::now();
    let since = t0 + secs(10);
    let u = subject(Flags::IN_QUEUE, since);
    let empty = view_of_u(None);
    let too_early = since + WINDOW - Duration::from_millis(1);
    assert_eq!(
        judge(&observer(&empty, t0), &u, too_early, WINDOW),
        Verdict::NotDue
    );
    let settled = since + WINDOW;
    // Authenticated at the change or after it: the server owes it nothing about it.
    for authenticated_at in [since, since + secs(1)] {
        assert_eq!(
            judge(&observer(&empty, authenticated_at), &u, settled, WINDOW),
            Verdict::NotDue
        );
    }
}

#[test]
fn oneself_and_users_gone_are_not_due() {
    let t0 = Instant::now();
    let u = subject(Flags::IN_QUEUE, t0 + secs(1));
    let empty = view_of_u(None);
    let at = t0 + secs(60);
    let mut me = observer(&empty, t0);
    me.slot = u.slot;
    assert_eq!(judge(&me, &u, at, WINDOW), Verdict::NotDue);
    let mut gone = observer(&empty, t0);
    gone.connected = false;
    assert_eq!(judge(&gone, &u, at, WINDOW), Verdict::NotDue);
    let mut gone_subject = u;
    gone_subject.connected = false;
    assert_eq!(
        judge(&observer(&empty, t0), &gone_subject, at, WINDOW),
        Verdict::NotDue
    );
}

#[test]
fn each_observer_subject_change_is_counted_once() {
    let t0 = Instant::now();
    let mut checker = PresenceChecker::new(WINDOW);
    let first = t0 + secs(1);
    let stale = view_of_u(Some(Flags::ONLINE));
    let o = observer(&stale, t0);
    let run = |checker: &mut PresenceChecker, u: Subject<'_>, now| {
        let mut round = Round::default();
        checker.check(now, &o, &[u], &mut round);
        round
    };
    // Not settled yet: nothing judged, and the change is judged once it is.
    let u = subject(Flags::IN_QUEUE, first);
    assert_eq!(run(&mut checker, u, first + secs(1)), Round::default());
    let round = run(&mut checker, u, first + WINDOW);
    assert_eq!(round.checked, 1);
    assert_eq!(
        round.misses,
        [Miss {
            observer: 0,
            subject: 1,
            truth: Flags::IN_QUEUE,
            seen: Some(Flags::ONLINE),
            since: first
        }]
    );
    // The same change in later rounds: already judged.
    assert_eq!(
        run(&mut checker, u, first + WINDOW + secs(1)),
        Round::default()
    );
    // A new change (the user is back to what the observer saw): judged again, and seen.
    let second = first + secs(20);
    let u = subject(Flags::ONLINE, second);
    let round = run(&mut checker, u, second + WINDOW);
    assert_eq!((round.checked, round.misses.len()), (1, 0));
}

#[test]
fn a_state_that_came_back_within_a_tick_is_owed_from_its_earlier_stretch() {
    let t0 = Instant::now();
    let blip = secs(3);
    // In a call since t0, call over and queue:join at t0 + 20 s, a new call 1 s later.
    let history = [
        (Flags::IN_QUEUE, t0 - secs(30)),
        (Flags::ONLINE, t0),
        (Flags::IN_QUEUE, t0 + secs(20)),
        (Flags::ONLINE, t0 + secs(21)),
    ];
    assert_eq!(owed_since(&history, blip), t0);
    // Back after a stretch of a whole tick and more: the server saw it, the change counts.
    let mut slow = history;
    slow[3].1 = t0 + secs(23);
    assert_eq!(owed_since(&slow, blip), t0 + secs(23));
    // A different state after a short stretch is a change like any other.
    let other = [
        (Flags::IN_QUEUE, t0),
        (Flags::ONLINE, t0 + secs(10)),
        (
            Flags {
                online: false,
                available: false,
            },
            t0 + secs(11),
        ),
    ];
    assert_eq!(owed_since(&other, blip), t0 + secs(11));
    // Several quick returns in a row go back to the first stretch.
    let flicker = [
        (Flags::ONLINE, t0),
        (Flags::IN_QUEUE, t0 + secs(10)),
        (Flags::ONLINE, t0 + secs(11)),
        (Flags::IN_QUEUE, t0 + secs(12)),
        (Flags::ONLINE, t0 + secs(13)),
    ];
    assert_eq!(owed_since(&flicker, blip), t0);
    assert_eq!(owed_since(&history[..1], blip), t0 - secs(30));
}

#[test]
fn an_observer_that_came_during_the_earlier_stretch_is_owed_nothing() {
    let t0 = Instant::now();
    let since = t0 + secs(21);
    let mut u = subject(Flags::ONLINE, since);
    u.owed_since = t0;
    let empty = view_of_u(None);
    let at = since + WINDOW;
    // Joined during the first call: the server never had a reason to announce U again.
    assert_eq!(
        judge(&observer(&empty, t0 + secs(5)), &u, at, WINDOW),
        Verdict::NotDue
    );
    // Joined before it: it was told when the first call began.
    assert_eq!(
        judge(&observer(&empty, t0 - secs(1)), &u, at, WINDOW),
        Verdict::Missed(None)
    );
}
