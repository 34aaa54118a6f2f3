//! Memory stays bounded: after an evening of every flow, every map is empty again except the
//! running cooldowns, which `purge` drops once they end.

use super::harness::*;
use crate::domain::{Command, Counts};

#[test]
fn every_entry_has_a_removal_path() {
    let mut h = H::new();
    // A completed call, a timed-out call, a declined, an expired, a rescinded invite, a
    // disconnect mid-call, a kick.
    let c = h.call(1, 2);
    h.now += 10_000;
    h.end(c.a, c.room);
    h.call(3, 4); // left to time out
    let s5 = h.ready(5);
    let s6 = h.ready(6);
    let id = h.invite_id(s5, 6);
    h.decline(s6, id);
    let s7 = h.ready(7);
    h.ready(8);
    h.invite_id(s7, 8);
    h.ready(9);
    h.invite_id(s7, 9);
    h.run(Command::Rescind {
        socket: s7,
        to: Some(uid(9)),
    });
    let d = h.call(10, 11);
    h.now += 20_000;
    h.run(Command::SocketClosed { socket: d.a });
    h.ready(12);
    h.run(Command::Kick {
        user: uid(12),
        notice: None,
    });
    h.advance(400_000); // invite expiry, room deadline, grace
    assert_eq!(h.d.counts().rooms, 0);
    assert_eq!(h.d.counts().pending_invites, 0);
    assert_eq!(h.d.next_deadline(), None);
    // Everybody leaves.
    let sockets: Vec<_> = (1..=11)
        .flat_map(|n| h.d.sockets_of(&uid(n)).to_vec())
        .collect();
    for s in sockets {
        h.run(Command::SocketClosed { socket: s });
    }
    h.advance(5_000);
    let counts = h.d.counts();
    assert!(counts.cooldowns > 0);
    assert_eq!(
        Counts {
            cooldowns: 0,
            ..counts
        },
        Counts::default()
    );
    assert_eq!(h.d.invites.index_sizes(), (0, 0, 0));
    // Cooldowns end and are purged.
    assert_eq!(h.d.purge(h.now + DAY), counts.cooldowns);
    assert_eq!(h.d.counts(), Counts::default());
}

#[test]
fn next_deadline_tracks_the_earliest_timer() {
    let mut h = H::new();
    assert_eq!(h.d.next_deadline(), None);
    let a = h.ready(1);
    h.ready(2);
    h.invite_id(a, 2);
    assert_eq!(h.d.next_deadline(), Some(T0 + 45_000));
    h.now += 1_000;
    let b = h.d.sockets_of(&uid(2))[0];
    h.run(Command::SocketClosed { socket: b });
    assert_eq!(h.d.next_deadline(), Some(T0 + 6_000));
    // Grace fires first, cleaning up user 2 and declining its incoming invite to the caller.
    let fx = h.advance(5_000);
    assert_eq!(declined_reason(&fx, a), "offline");
    assert_eq!(h.d.next_deadline(), None);
}

#[test]
fn the_domain_works_from_another_thread_behind_a_mutex() {
    // The hub keeps the domain in a `Mutex` that every tokio worker locks, and effects are
    // delivered on whichever thread computed them: a domain built on one thread, mid-call,
    // must carry on from another and send its effects back.
    let mut h = H::new();
    let c = h.call(1, 2);
    let end_at = h.now + 10_000;
    let shared = std::sync::Arc::new(std::sync::Mutex::new(h.d));
    let worker = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let mut domain = shared.lock().expect("not poisoned");
            domain.handle(
                end_at,
                Command::CallEnd {
                    socket: c.a,
                    room_id: Some(c.room),
                },
            )
        })
    };
    let fx = worker.join().expect("the worker thread ran");
    let ended = record(&fx);
    assert_eq!((ended.room_id, ended.duration_seconds), (c.room, 10));
    assert_eq!(shared.lock().expect("not poisoned").counts().rooms, 0);
}
