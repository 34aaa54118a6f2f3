//! The delivery rule with explicit times: the budget switch, removals never dropped for a
//! socket whose page shows the user, and the one-hint rule.

use serde_json::Value;

use super::*;
use crate::app::presence::buffer::PresenceBuffer;
use crate::app::presence::buffer::tests::{decoded, presence, queue};
use crate::test_rng::Rng;

const HINT_MS: i64 = 5_000;

fn rule(budget: usize) -> DeliveryRule {
    DeliveryRule {
        budget,
        hint_interval_ms: HINT_MS,
    }
}

fn id(n: u8) -> UserId {
    [n; 16]
}

fn listener(n: u8) -> Listener {
    Listener {
        user: id(n),
        in_call: false,
    }
}

fn run(from: u8, to: u8) -> Shown {
    Shown::Run {
        from: id(from),
        to: id(to),
    }
}

/// A tick's announcements as the buffer makes them: `arrive` users come online and
/// available (2 frames each), `leave` users, available before, become unavailable (1 frame).
fn changes(arrive: &[u8], leave: &[u8]) -> Vec<UserChange> {
    let mut buffer = PresenceBuffer::default();
    for &n in leave {
        buffer.record(id(n), true, true);
    }
    buffer.drain();
    for &n in arrive {
        buffer.record(id(n), true, true);
    }
    for &n in leave {
        buffer.record(id(n), true, false);
    }
    buffer.drain()
}

/// What each listener receives, decoded.
fn received(delivery: &Delivery, listeners: usize) -> Vec<Vec<(String, Value)>> {
    let mut each = vec![Vec::new(); listeners];
    match delivery {
        Delivery::Everyone(batch) => each.fill(decoded(batch.packets())),
        Delivery::Each(batches) => {
            for (index, batch) in batches {
                each[*index] = decoded(batch.packets());
            }
        }
    }
    each
}

fn arrived(n: u8) -> Vec<(String, Value)> {
    vec![presence(&id(n), true, true), queue(&id(n), true)]
}

fn left(n: u8) -> (String, Value) {
    queue(&id(n), false)
}

#[test]
fn within_the_budget_every_socket_gets_every_change_even_in_a_call() {
    let tick = changes(&[1, 2, 3, 4, 5], &[]);
    let mut listeners: Vec<Listener> = (10..20).map(listener).collect();
    listeners[3].in_call = true;
    let mut pages = DisplayedPages::default();
    // 10 frames x 10 listeners = 100 deliveries: exactly the budget.
    let delivery = plan(&tick, &listeners, &mut pages, 0, &rule(100));
    assert!(matches!(delivery, Delivery::Everyone(_)));
    let all: Vec<_> = (1..=5).flat_map(arrived).collect();
    assert_eq!(received(&delivery, 10), vec![all; 10]);

    // One listener more is past the budget: only what overlays need.
    listeners.push(listener(20));
    let delivery = plan(&tick, &listeners, &mut pages, 0, &rule(100));
    assert!(matches!(delivery, Delivery::Each(_)));
    let got = received(&delivery, 11);
    assert!(
        got[3].is_empty(),
        "a socket in a call gets nothing past the budget"
    );
    assert!(
        got.iter()
            .enumerate()
            .all(|(i, g)| i == 3 || *g == arrived(1)),
        "everyone else one hint, the first arrival: {got:?}"
    );
}

#[test]
fn past_the_budget_a_removal_reaches_exactly_the_sockets_whose_page_shows_the_user() {
    let mut rng = Rng(0x5eed);
    for round in 0..50 {
        let mut pages = DisplayedPages::default();
        let listeners: Vec<Listener> = (0..120u8)
            .map(|n| Listener {
                user: id(n),
                in_call: rng.chance(10),
            })
            .collect();
        for l in &listeners {
            let shown = match rng.below(6) {
                0 => None,
                1 => Some(Shown::All),
                _ => Some(run(rng.below(256) as u8, rng.below(256) as u8)),
            };
            let introduced = if rng.chance(4) {
                vec![id(rng.below(256) as u8)]
            } else {
                Vec::new()
            };
            if let Some(shown) = shown {
                pages.shown(l.user, shown, introduced);
            }
        }
        let leaving: Vec<u8> = (0..=255u8).filter(|_| rng.chance(8)).collect();
        let arriving: Vec<u8> = (0..=255u8)
            .filter(|n| !leaving.contains(n) && rng.chance(20))
            .collect();
        let tick = changes(&arriving, &leaving);
        let delivery = plan(&tick, &listeners, &mut pages, round * HINT_MS, &rule(0));
        let got = received(&delivery, listeners.len());
        for (l, got) in listeners.iter().zip(&got) {
            let removals: Vec<(String, Value)> = got
                .iter()
                .filter(|(_, payload)| payload["available"] == false)
                .cloned()
                .collect();
            let expected: Vec<(String, Value)> = if l.in_call {
                Vec::new()
            } else {
                let overlay = pages.get(&l.user);
                leaving
                    .iter()
                    .filter(|&&n| overlay.is_some_and(|o| o.shows(&id(n))))
                    .map(|&n| left(n))
                    .collect()
            };
            let mut removals_sorted = removals.clone();
            removals_sorted.sort_by_key(|(_, p)| p["userId"].as_str().map(str::to_owned));
            assert_eq!(removals_sorted, expected, "round {round}, listener {l:?}");
            let hints = (got.len() - removals.len()) / 2;
            assert!(hints <= 1, "at most one hint: {got:?}");
        }
    }
}

#[test]
fn one_hint_per_poll_interval_for_all_sockets_of_a_user() {
    let mut pages = DisplayedPages::default();
    pages.shown(id(1), Shown::All, Vec::new());
    // Two sockets of user 1, one of user 2 who never fetched a page.
    let listeners = [listener(1), listener(1), listener(2)];
    let over = rule(0);

    let delivery = plan(&changes(&[5, 6], &[]), &listeners, &mut pages, 0, &over);
    assert_eq!(received(&delivery, 3), vec![arrived(5); 3], "one hint each");

    let delivery = plan(
        &changes(&[7], &[]),
        &listeners,
        &mut pages,
        HINT_MS - 1,
        &over,
    );
    assert_eq!(received(&delivery, 3), vec![Vec::new(); 3], "not again yet");

    let delivery = plan(&changes(&[8], &[]), &listeners, &mut pages, HINT_MS, &over);
    assert_eq!(
        received(&delivery, 3),
        vec![arrived(8); 3],
        "one poll interval later"
    );
}

#[test]
fn a_hint_is_only_an_arrival_that_would_appear_on_the_page() {
    let mut pages = DisplayedPages::default();
    // A full page: the run from the caller (10) to its last listed user (20).
    pages.shown(id(10), run(10, 20), Vec::new());
    let listeners = [listener(10)];
    let over = rule(0);

    // 30 is past the page's end and 10 is the caller itself: neither would change the page.
    let delivery = plan(&changes(&[30, 10], &[]), &listeners, &mut pages, 0, &over);
    assert_eq!(received(&delivery, 1), vec![Vec::new()]);
    assert_eq!(pages.get(&id(10)).and_then(|o| o.hinted_at), None);

    // 15 would: hinted at once, the interval not spent by the useless ones.
    let delivery = plan(&changes(&[15, 30], &[]), &listeners, &mut pages, 1, &over);
    assert_eq!(received(&delivery, 1), vec![arrived(15)]);
}

#[test]
fn a_removal_and_a_hint_come_in_one_batch_in_the_order_of_the_changes() {
    let mut pages = DisplayedPages::default();
    pages.shown(id(1), run(1, 50), Vec::new());
    let tick = changes(&[40], &[20]);
    let delivery = plan(&tick, &[listener(1)], &mut pages, 0, &rule(0));
    let mut expected = arrived(40);
    expected.push(left(20));
    assert_eq!(received(&delivery, 1), vec![expected]);
}

#[test]
fn overlays_showing_the_whole_queue_share_one_batch() {
    let mut pages = DisplayedPages::default();
    for n in 1..=3 {
        pages.shown(id(n), Shown::All, Vec::new());
    }
    let listeners = [listener(1), listener(2), listener(3)];
    let tick = changes(&[], &(10..60).collect::<Vec<u8>>());
    let Delivery::Each(batches) = plan(&tick, &listeners, &mut pages, 0, &rule(0)) else {
        panic!("past the budget");
    };
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[0].1.packets().len(), 50, "every removal");
    assert!(
        batches.iter().all(|(_, b)| Arc::ptr_eq(b, &batches[0].1)),
        "one allocation for all three"
    );
}
