//! Durable effects of the realtime flow, written by one worker fed through a bounded queue.
//!
//! The worker takes whatever queued up, writes it concurrently (so the store's writer commits
//! it in one group commit), and reports each committed call back to the domain as
//! `Command::CallRecorded`: the domain, not this file, turns it into `metrics:update`,
//! `qr:unlocked` and `session:finalized`, in the same order as every other effect.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::calls::{CallOutcome, FinishedCall, record_finished_call};
use crate::clock::SharedClock;
use crate::domain::{CallRecord, CallReport, Command, Durable, LastCall, SocketId, UserMetrics};
use crate::store::Store;

/// Durable effects waiting for the worker. The store's writer takes up to 4,096 operations
/// per commit; twice that absorbs a burst of ended calls while one commit is on disk.
const QUEUE_CAPACITY: usize = 8192;
/// Effects the worker writes together, at most.
const BATCH: usize = 1024;

/// The sending side, held by the realtime handle.
pub struct PersistQueue {
    sender: mpsc::Sender<Durable>,
}

/// The receiving side, owned by the worker.
pub struct PersistInbox {
    receiver: mpsc::Receiver<Durable>,
}

pub fn queue() -> (PersistQueue, PersistInbox) {
    let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
    (PersistQueue { sender }, PersistInbox { receiver })
}

impl PersistQueue {
    /// Queues a durable effect. Effects are applied from synchronous code, so a full queue
    /// cannot wait here; rather than lose a call's history, the effect waits in a task of its
    /// own (the queue's bound keeps that rare: it takes a store stalled for seconds).
    pub fn push(&self, durable: Durable, tasks: &TaskTracker) {
        match self.sender.try_send(durable) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(durable)) => {
                tracing::warn!("persistence queue full; a durable effect waits for room");
                let sender = self.sender.clone();
                tasks.spawn(async move {
                    if sender.send(durable).await.is_err() {
                        tracing::error!("persistence stopped; a durable effect was not written");
                    }
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("persistence stopped; a durable effect was not written");
            }
        }
    }
}

/// The worker: runs until `stop` is cancelled, then writes what was queued before and returns.
pub async fn run(
    mut inbox: PersistInbox,
    store: Arc<Store>,
    clock: SharedClock,
    report: impl Fn(Command),
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = tokio::select! {
            received = inbox.receiver.recv_many(&mut batch, BATCH) => received,
            () = stop.cancelled() => {
                inbox.receiver.close();
                inbox.receiver.recv_many(&mut batch, BATCH).await
            }
        };
        if received == 0 {
            return;
        }
        for recorded in write_batch(&store, &clock, batch.drain(..)).await {
            report(Command::CallRecorded(recorded));
        }
    }
}

/// Writes the effects concurrently; returns the reports of the finished calls, in order.
async fn write_batch(
    store: &Arc<Store>,
    clock: &SharedClock,
    effects: impl Iterator<Item = Durable>,
) -> Vec<CallReport> {
    let mut writes = JoinSet::new();
    for (order, durable) in effects.enumerate() {
        let store = store.clone();
        let now = clock.now_ms();
        writes.spawn(async move { (order, write(&store, durable, now).await) });
    }
    let mut outcomes: Vec<(usize, CallReport)> = Vec::new();
    while let Some(joined) = writes.join_next().await {
        match joined {
            Ok((order, Some(outcome))) => outcomes.push((order, outcome)),
            Ok((_, None)) => {}
            Err(e) => tracing::error!(error = %e, "a durable write panicked"),
        }
    }
    outcomes.sort_unstable_by_key(|(order, _)| *order);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// One durable effect; a finished call's report once its write is over.
async fn write(store: &Store, durable: Durable, now: i64) -> Option<CallReport> {
    match durable {
        Durable::Cooldown { a, b, until } => {
            if let Err(e) = store.write(move |tx| tx.extend_cooldown(a, b, until)).await {
                tracing::error!(error = %e, "could not store a cooldown");
            }
            None
        }
        Durable::CallFinished(record) => {
            let (session_id, finalize_to) = (record.session_id.clone(), record.finalize_to.clone());
            let call = finished_call(record);
            let stored = store
                .write(move |tx| record_finished_call(tx, &call, now))
                .await;
            let outcome = stored.unwrap_or_else(|e| {
                // The store now refuses every write and `/health` says degraded; the call is
                // still finalized for its room, so no client waits for an end that never comes.
                tracing::error!(error = %e, "could not store a finished call");
                CallOutcome::default()
            });
            Some(call_report(outcome, session_id, finalize_to))
        }
    }
}

fn finished_call(record: CallRecord) -> FinishedCall {
    FinishedCall {
        session_id: record.session_id,
        room_id: record.room_id,
        caller: record.caller,
        callee: record.callee,
        caller_name: record.caller_name,
        callee_name: record.callee_name,
        started_at: record.started_at,
        duration_seconds: record.duration_seconds,
        messages: Value::Array(record.messages).to_string(),
        record_history: record.record_history,
        record_completion: record.record_completion,
        // The domain sends the pair's cooldown as its own `Durable::Cooldown`.
        cooldown_until: None,
    }
}

/// The stored counters, in the domain's terms.
fn call_report(outcome: CallOutcome, session_id: String, finalize_to: Vec<SocketId>) -> CallReport {
    CallReport {
        session_id,
        finalize_to,
        metrics: outcome
            .metrics
            .into_iter()
            .map(|m| UserMetrics {
                user: m.user_id,
                timer_total_seconds: m.timer_total_seconds,
                session_count: m.session_count,
                last_calls: m
                    .last_sessions
                    .iter()
                    .map(|s| LastCall {
                        at: s.at,
                        duration_seconds: s.duration_seconds,
                    })
                    .collect(),
            })
            .collect(),
        unlocked: outcome.unlocked,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::EndReason;
    use crate::store::records::{Gender, User};

    const NOW: i64 = 1_767_225_600_000;

    async fn store() -> (Arc<Store>, SharedClock, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock: SharedClock = ManualClock::starting_at(NOW);
        let store =
            Store::open(dir.path(), 10, 10, Duration::from_secs(60), clock.clone()).expect("store");
        store
            .write(|tx| {
                for n in [1u8, 2] {
                    tx.put_user(&mut User::new_guest(
                        [n; 16],
                        format!("u{n}"),
                        Gender::Male,
                        NOW,
                    ))?;
                }
                Ok(())
            })
            .await
            .expect("users");
        (Arc::new(store), clock, dir)
    }

    fn call(room: u8) -> Durable {
        Durable::CallFinished(CallRecord {
            session_id: format!("session-{room}"),
            room_id: [room; 16],
            caller: [1; 16],
            callee: [2; 16],
            caller_name: "u1".into(),
            callee_name: "u2".into(),
            started_at: NOW - 40_000,
            duration_seconds: 40,
            messages: Vec::new(),
            record_history: true,
            record_completion: true,
            reason: EndReason::Ended,
            finalize_to: vec![room.into()],
        })
    }

    /// Runs the worker over `effects` queued before it starts, stopped at once: what it
    /// reports is what it wrote before returning.
    async fn run_over(effects: Vec<Durable>) -> (Vec<Command>, Arc<Store>, tempfile::TempDir) {
        let (store, clock, dir) = store().await;
        let (queue, inbox) = queue();
        let tasks = TaskTracker::new();
        for durable in effects {
            queue.push(durable, &tasks);
        }
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink = reports.clone();
        let stop = CancellationToken::new();
        stop.cancel();
        let report = move |command| sink.lock().expect("reports").push(command);
        run(inbox, store.clone(), clock, report, stop).await;
        let reports = reports.lock().expect("reports").clone();
        (reports, store, dir)
    }

    #[tokio::test]
    async fn a_committed_call_is_reported_back_to_the_domain_with_the_stored_counters() {
        let (reports, store, _dir) = run_over(vec![call(9), call(10)]).await;
        assert_eq!(
            reports.len(),
            2,
            "one report per call, in order: {reports:?}"
        );
        let Command::CallRecorded(second) = &reports[1] else {
            panic!("expected CallRecorded, got {:?}", reports[1]);
        };
        let users: Vec<_> = second.metrics.iter().map(|m| m.user).collect();
        assert_eq!(users, vec![[1; 16], [2; 16]]);
        assert_eq!(second.metrics[0].session_count, 2, "both calls counted");
        assert_eq!(second.metrics[0].timer_total_seconds, 80);
        assert_eq!(second.metrics[0].last_calls.len(), 2);
        let reader = store.read().expect("read");
        assert_eq!(reader.history_of(&[2; 16], 10).expect("history").len(), 2);
    }

    #[tokio::test]
    async fn a_cooldown_is_written_and_reports_nothing() {
        let until = NOW + 3_600_000;
        let durable = Durable::Cooldown {
            a: [1; 16],
            b: [2; 16],
            until,
        };
        let (reports, store, _dir) = run_over(vec![durable]).await;
        assert!(reports.is_empty(), "{reports:?}");
        let cooldowns = store
            .read()
            .expect("read")
            .active_cooldowns(NOW)
            .expect("read");
        assert_eq!(cooldowns.len(), 1);
        assert_eq!(cooldowns[0].until, until);
    }
}
