use std::time::{Duration, Instant};

use clap::Parser as _;
use serde_json::{Value, json};

use super::User;
use super::overlay::Fetch;
use crate::loadgen::args::Args;
use crate::loadgen::client::presence::Flags;
use crate::loadgen::client::shared::Shared;
use crate::loadgen::validate::QueueEntry;
use crate::loadgen::wire::PresenceUpdate;

const ME: &str = "00000000-0000-4000-8000-000000000001";
const PEER: &str = "00000000-0000-4000-8000-000000000002";
const INVITE: &str = "00000000-0000-4000-8000-0000000000aa";
const ROOM: &str = "00000000-0000-4000-8000-0000000000bb";

fn shared(extra: &[&str]) -> Shared {
    let mut argv = vec![
        "loadgen",
        "--invite-rate",
        "1000",
        "--call-length",
        "2",
        "--ice-per-call",
        "2",
        "--chats-per-call",
        "1",
    ];
    argv.extend_from_slice(extra);
    let settings = Args::parse_from(argv).settings().unwrap();
    Shared::new(settings, crate::loadgen::wall_ms_u64()).unwrap()
}

/// The (name, payload) of each frame the user wants to send.
fn sent(user: &mut User) -> Vec<(String, Value)> {
    user.take_out()
        .into_iter()
        .map(|frame| {
            let body = frame.strip_prefix("42").expect("an event frame");
            let v: Value = serde_json::from_str(body).unwrap();
            let name = v[0].as_str().unwrap().to_owned();
            (name, v.get(1).cloned().unwrap_or(Value::Null))
        })
        .collect()
}

fn names(frames: &[(String, Value)]) -> Vec<&str> {
    frames.iter().map(|(n, _)| n.as_str()).collect()
}

fn notify() -> Value {
    json!({"inviteId": INVITE, "fromUser": {"userId": PEER, "name": "p"}, "requestedSeconds": 60, "ttlMs": 20000})
}

fn start(initiator: bool) -> Value {
    json!({"roomId": ROOM, "agreedSeconds": 60, "isInitiator": initiator, "peerUser": {"userId": PEER, "name": "p"}})
}

/// Joins the queue (which opens the web overlay) and forgets the frames that sends.
fn joined(user: &mut User, now: Instant) {
    user.joined(now);
    user.take_out();
}

fn entry(user_id: &str) -> QueueEntry {
    QueueEntry {
        user_id: user_id.into(),
        has_cooldown: false,
    }
}

/// The `/room/queue` fetches due (the landing page's timer is not the point of these tests).
fn queue_fetches(user: &mut User, sh: &Shared, now: Instant) -> Vec<Fetch> {
    let mut due = user.on_tick(sh, now);
    due.retain(|f| *f != Fetch::Stats);
    due
}

fn became(available: bool) -> PresenceUpdate {
    PresenceUpdate::Queue {
        user_id: PEER.into(),
        available,
    }
}

fn errors(sh: &Shared) -> Vec<(String, u64)> {
    sh.metrics.snapshot().errors.into_iter().collect()
}

#[test]
fn callee_accepts_joins_and_answers_the_offer() {
    let sh = shared(&["--accept-probability", "1"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 1);
    user.joined(t0);
    assert_eq!(names(&sent(&mut user)), ["presence:join", "queue:join"]);

    sh.invite_sent(PEER, ME, t0);
    user.on_event(&sh, t0 + Duration::from_millis(3), "call:notify", &notify());
    let out = sent(&mut user);
    assert_eq!(names(&out), ["call:accept"]);
    assert_eq!(
        out[0].1,
        json!({"inviteId": INVITE, "requestedSeconds": 60})
    );
    assert_eq!(sh.metrics.snapshot().steps["invite_notify"].len(), 1);

    user.on_event(&sh, t0, "call:start", &start(false));
    assert_eq!(names(&sent(&mut user)), ["room:join"]);
    let offer = json!({"offer": {"sdp": "x", "sentAt": crate::loadgen::wall_ms()}, "from": PEER});
    user.on_event(&sh, t0, "rtc:offer", &offer);
    let out = sent(&mut user);
    assert_eq!(
        names(&out),
        ["rtc:answer", "rtc:ice", "rtc:ice", "room:chat"]
    );
    assert_eq!(out[0].1["roomId"], ROOM);
    assert!(out[0].1["answer"]["sentAt"].is_f64());
    assert!(out[3].1["text"].as_str().unwrap().starts_with("t="));

    let chat = json!({"from": PEER, "text": format!("t={}", crate::loadgen::wall_ms()), "timestamp": 1, "type": "message"});
    user.on_event(&sh, t0, "room:chat", &chat);
    user.on_event(&sh, t0, "session:finalized", &json!({"sessionId": "s"}));
    assert_eq!(names(&sent(&mut user)), ["queue:join"]);
    let c = sh.metrics.snapshot();
    assert_eq!(c.steps["rtc_relay"].len(), 1);
    assert_eq!(c.steps["chat_relay"].len(), 1);
    assert!(errors(&sh).is_empty(), "{:?}", errors(&sh));
}

#[test]
fn caller_invites_offers_and_ends_the_call() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 2);
    joined(&mut user, t0);
    user.on_queue(vec![
        QueueEntry {
            user_id: PEER.into(),
            has_cooldown: false,
        },
        QueueEntry {
            user_id: "00000000-0000-4000-8000-000000000003".into(),
            has_cooldown: true,
        },
        QueueEntry {
            user_id: ME.into(),
            has_cooldown: false,
        },
    ]);
    // Rate 1000/s: the first invite is due within milliseconds.
    let later = t0 + Duration::from_secs(1);
    user.on_tick(&sh, later);
    let out = sent(&mut user);
    let invites: Vec<_> = out.iter().filter(|(n, _)| n == "call:invite").collect();
    assert_eq!(invites.len(), 1, "{out:?}");
    assert_eq!(
        invites[0].1,
        json!({"toUserId": PEER, "requestedSeconds": 60})
    );

    sh.accept_sent(ME, PEER, later);
    user.on_event(&sh, later, "call:start", &start(true));
    let out = sent(&mut user);
    assert_eq!(names(&out), ["room:join", "rtc:offer"]);
    assert!(out[1].1["offer"]["sentAt"].is_f64());
    assert_eq!(sh.metrics.snapshot().steps["accept_start"].len(), 1);

    let answer = json!({"answer": {"sdp": "y", "sentAt": crate::loadgen::wall_ms()}, "from": PEER});
    user.on_event(&sh, later, "rtc:answer", &answer);
    assert_eq!(names(&sent(&mut user)), ["rtc:ice", "rtc:ice", "room:chat"]);

    // Nobody is left to invite; after the call length the caller ends the call.
    user.on_tick(&sh, later + Duration::from_secs(3));
    let out = sent(&mut user);
    assert_eq!(names(&out), ["call:end"]);
    assert_eq!(out[0].1, json!({"roomId": ROOM}));
    user.on_event(&sh, later, "session:finalized", &json!({"sessionId": "s"}));
    assert_eq!(names(&sent(&mut user)), ["queue:join"]);
    assert_eq!(sh.metrics.outcome_count("calls_completed"), 1);
    assert!(errors(&sh).is_empty(), "{:?}", errors(&sh));
    assert_eq!(sh.pending_tables(), (0, 0));
}

#[test]
fn declines_with_probability_zero() {
    let sh = shared(&["--accept-probability", "0"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 3);
    user.on_event(&sh, t0, "call:notify", &notify());
    let out = sent(&mut user);
    assert_eq!(names(&out), ["call:decline"]);
    assert_eq!(out[0].1, json!({"inviteId": INVITE}));
}

#[test]
fn wrong_payloads_are_counted_as_errors() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 4);
    user.on_event(
        &sh,
        t0,
        "call:notify",
        &json!({"fromUser": {"userId": PEER}}),
    );
    let mut no_room = start(true);
    no_room.as_object_mut().unwrap().remove("roomId");
    user.on_event(&sh, t0, "call:start", &no_room);
    assert_eq!(
        errors(&sh),
        [
            ("protocol:call:notify:inviteId".to_owned(), 1),
            ("protocol:call:start:roomId".to_owned(), 1)
        ]
    );
    assert!(sent(&mut user).is_empty());
}

#[test]
fn declines_are_outcomes_unless_the_reason_is_abnormal() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 5);
    joined(&mut user, t0);
    user.on_queue(vec![QueueEntry {
        user_id: PEER.into(),
        has_cooldown: false,
    }]);
    user.on_tick(&sh, t0 + Duration::from_secs(1));
    user.on_event(
        &sh,
        t0,
        "call:declined",
        &json!({"inviteId": INVITE, "reason": "cooldown"}),
    );
    assert!(errors(&sh).is_empty());
    assert_eq!(sh.metrics.outcome_count("declined:cooldown"), 1);
    // Not inviting any more: a second decline is unexpected, and an odd reason is an error.
    user.on_event(
        &sh,
        t0,
        "call:declined",
        &json!({"inviteId": INVITE, "reason": "invalid_target"}),
    );
    assert_eq!(
        errors(&sh),
        [
            ("declined:invalid_target".to_owned(), 1),
            ("unexpected:call:declined".to_owned(), 1)
        ]
    );
}

#[test]
fn an_answer_racing_a_withdrawal_is_an_outcome() {
    let sh = shared(&["--accept-probability", "1"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 6);
    user.on_event(&sh, t0, "call:notify", &notify());
    user.on_event(&sh, t0, "call:rescinded", &json!({"inviteId": INVITE}));
    user.on_event(
        &sh,
        t0,
        "error",
        &json!({"message": "Invite not found or expired"}),
    );
    assert!(errors(&sh).is_empty(), "{:?}", errors(&sh));
    assert_eq!(sh.metrics.outcome_count("race:invite_gone"), 1);
    // Without a withdrawal the same message is an error.
    user.on_event(
        &sh,
        t0,
        "error",
        &json!({"message": "Invite not found or expired"}),
    );
    assert_eq!(
        errors(&sh),
        [("server:Invite not found or expired".to_owned(), 1)]
    );
}

#[test]
fn invites_received_while_inviting_wait_for_the_outcome() {
    let sh = shared(&["--accept-probability", "1"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 7);
    joined(&mut user, t0);
    user.on_queue(vec![QueueEntry {
        user_id: PEER.into(),
        has_cooldown: false,
    }]);
    user.on_tick(&sh, t0 + Duration::from_secs(1));
    sent(&mut user);
    // Mutual invite: PEER's notification arrives, then the server's one room.
    user.on_event(&sh, t0, "call:notify", &notify());
    assert!(sent(&mut user).is_empty(), "no answer while inviting");
    user.on_event(&sh, t0, "call:start", &start(true));
    assert_eq!(names(&sent(&mut user)), ["room:join", "rtc:offer"]);
    assert!(errors(&sh).is_empty(), "{:?}", errors(&sh));
}

#[test]
fn missing_answers_time_out() {
    let sh = shared(&["--accept-probability", "1", "--timeout", "1"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 8);
    user.on_event(&sh, t0, "call:notify", &notify());
    user.on_tick(&sh, t0 + Duration::from_secs(2));
    assert!(
        errors(&sh).contains(&("timeout:call:start".to_owned(), 1)),
        "{:?}",
        errors(&sh)
    );
}

#[test]
fn stopping_silences_errors() {
    let sh = shared(&[]);
    sh.stop();
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 9);
    user.on_event(&sh, t0, "call:start", &json!({}));
    assert!(errors(&sh).is_empty());
}

#[test]
fn the_web_overlay_is_open_in_the_queue_and_closed_in_a_call() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 10);
    assert_eq!(
        queue_fetches(&mut user, &sh, t0),
        [],
        "closed before queue:join"
    );
    joined(&mut user, t0);
    assert_eq!(queue_fetches(&mut user, &sh, t0), [Fetch::Poll], "at once");
    let t1 = t0 + Duration::from_secs(1);
    user.on_presence(t1, &became(true));
    user.on_presence(t1, &became(true));
    let refetch = t1 + Duration::from_millis(300);
    assert_eq!(
        queue_fetches(&mut user, &sh, refetch),
        [Fetch::Reactive, Fetch::Reactive]
    );
    assert_eq!(
        queue_fetches(&mut user, &sh, t0 + Duration::from_secs(5)),
        [Fetch::Poll]
    );

    // In a call: no polls, and announcements schedule nothing.
    let call = t0 + Duration::from_secs(6);
    user.on_event(&sh, call, "call:start", &start(false));
    user.on_presence(call, &became(true));
    let during = call + Duration::from_secs(5);
    assert_eq!(queue_fetches(&mut user, &sh, during), []);
    assert_eq!(user.presence_updates + user.queue_updates, 3, "all counted");

    // session:finalized and queue:join: the overlay opens and fetches at once.
    let end = call + Duration::from_secs(6);
    user.on_event(&sh, end, "session:finalized", &json!({"sessionId": "s"}));
    assert!(names(&sent(&mut user)).contains(&"queue:join"));
    assert_eq!(queue_fetches(&mut user, &sh, end), [Fetch::Poll]);
    assert_eq!(
        queue_fetches(&mut user, &sh, end + Duration::from_millis(4999)),
        []
    );
}

#[test]
fn an_unavailable_user_leaves_the_list_at_once() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 11);
    joined(&mut user, t0);
    user.on_queue(vec![entry(PEER)]);
    user.on_presence(t0, &became(false));
    assert_eq!(
        queue_fetches(&mut user, &sh, t0 + Duration::from_secs(1)),
        [Fetch::Poll]
    );
    assert!(sent(&mut user).is_empty(), "nobody left to invite");
    assert_eq!(sh.metrics.outcome_count("invite_skipped:no_candidate"), 1);
}

#[test]
fn a_list_arriving_after_the_overlay_closed_is_dropped() {
    let sh = shared(&[]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 12);
    joined(&mut user, t0);
    user.on_event(&sh, t0, "call:start", &start(true));
    user.on_queue(vec![entry("00000000-0000-4000-8000-000000000003")]);
    user.on_event(&sh, t0, "session:finalized", &json!({"sessionId": "s"}));
    sent(&mut user);
    // Open again, but the list is the next fetch's: nothing to invite yet.
    user.on_tick(&sh, t0 + Duration::from_secs(1));
    assert!(!names(&sent(&mut user)).contains(&"call:invite"));
}

#[test]
fn the_legacy_model_polls_whatever_the_phase() {
    let sh = shared(&["--client-model", "legacy"]);
    let t0 = Instant::now();
    let mut user = User::new(ME.into(), &sh, t0, 13);
    joined(&mut user, t0);
    user.on_event(&sh, t0, "call:start", &start(false));
    // The first poll is somewhere in the first interval, then one per interval.
    let polls: usize = (1..=10)
        .map(|s| user.on_tick(&sh, t0 + Duration::from_secs(s)).len())
        .sum();
    assert_eq!(polls, 2, "10 s in a call, 5 s interval");
}

#[test]
fn the_user_publishes_its_truth_and_keeps_its_view() {
    let sh = shared(&["--check-presence", "--accept-probability", "1"]);
    let t0 = Instant::now();
    let handle = sh.presence.join(ME, t0);
    let mut user = User::new(ME.into(), &sh, t0, 14).with_presence(handle.clone());
    let truth = |h: &crate::loadgen::client::presence::table::PresenceHandle| {
        let slot = h.snapshot();
        (slot.truth, slot.since)
    };
    assert_eq!(truth(&handle), (Flags::ONLINE, t0));
    let t1 = t0 + Duration::from_millis(5);
    joined(&mut user, t1);
    assert_eq!(truth(&handle), (Flags::IN_QUEUE, t1));
    // Accepting an invite changes nothing; call:start does.
    let t2 = t0 + Duration::from_secs(2);
    user.on_event(&sh, t2, "call:notify", &notify());
    assert_eq!(truth(&handle), (Flags::IN_QUEUE, t1));
    user.on_event(&sh, t2, "call:start", &start(false));
    assert_eq!(truth(&handle), (Flags::ONLINE, t2));
    let t3 = t0 + Duration::from_secs(30);
    user.on_event(&sh, t3, "session:finalized", &json!({"sessionId": "s"}));
    assert_eq!(truth(&handle), (Flags::IN_QUEUE, t3));
    // The view follows the broadcasts, in a call too.
    user.on_presence(t3, &became(false));
    assert_eq!(handle.snapshot().view.get(PEER), Some(Flags::ONLINE));
}
