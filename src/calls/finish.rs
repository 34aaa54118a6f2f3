use crate::clock::Millis;
use crate::store::records::{Completion, HistoryEntry, LastSession, PaidStatus, User};
use crate::store::{Id, StoreError, Tx};

/// Completed calls (>= 30 s) that unlock a user's QR code.
pub const QR_UNLOCK_SESSIONS: u32 = 4;
/// `lastSessions` keeps this many calls.
const LAST_SESSIONS_KEPT: usize = 10;

/// An ended call as the realtime domain reports it.
#[derive(Debug, Clone)]
pub struct FinishedCall {
    pub session_id: String,
    pub room_id: Id,
    pub caller: Id,
    pub callee: Id,
    pub caller_name: String,
    pub callee_name: String,
    pub started_at: Millis,
    pub duration_seconds: u32,
    /// The room's messages as a JSON array text.
    pub messages: String,
    /// Long enough for history and metrics (>= 5 s).
    pub record_history: bool,
    /// Long enough to count towards the QR unlock (>= 30 s).
    pub record_completion: bool,
    /// The pair's cooldown, if this call sets one.
    pub cooldown_until: Option<Millis>,
}

/// A user's call metrics after the call (`metrics:update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    pub user_id: Id,
    pub timer_total_seconds: u64,
    pub session_count: u32,
    pub last_sessions: Vec<LastSession>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallOutcome {
    pub metrics: Vec<Metrics>,
    /// Users whose QR code this call unlocked, with their completed-session count.
    pub unlocked: Vec<(Id, u32)>,
}

fn metrics_of(user: &User) -> Metrics {
    Metrics {
        user_id: user.id,
        timer_total_seconds: user.timer_total_seconds,
        session_count: user.session_count,
        last_sessions: user.last_sessions.clone(),
    }
}

/// Writes everything an ended call leaves behind. Users that no longer exist are skipped.
pub fn record_finished_call(
    tx: &mut Tx<'_>,
    call: &FinishedCall,
    now: Millis,
) -> Result<CallOutcome, StoreError> {
    let mut outcome = CallOutcome {
        metrics: Vec::with_capacity(2),
        unlocked: Vec::new(),
    };
    let sides = [
        (call.caller, call.callee, &call.callee_name),
        (call.callee, call.caller, &call.caller_name),
    ];
    for (user_id, partner_id, partner_name) in sides {
        let Some(mut user) = tx.user(&user_id)? else {
            continue;
        };
        let mut changed = false;
        if call.record_history {
            tx.add_history(&mut HistoryEntry {
                user_id,
                session_id: call.session_id.clone(),
                room_id: call.room_id,
                partner_id,
                partner_name: partner_name.clone(),
                started_at: call.started_at,
                duration_seconds: call.duration_seconds,
                messages: call.messages.clone(),
                version: 0,
            })?;
            user.timer_total_seconds += u64::from(call.duration_seconds);
            user.session_count += 1;
            user.last_sessions.push(LastSession {
                at: now,
                duration_seconds: call.duration_seconds,
            });
            let excess = user.last_sessions.len().saturating_sub(LAST_SESSIONS_KEPT);
            user.last_sessions.drain(..excess);
            changed = true;
        }
        if call.record_completion {
            let new = tx.add_completion(&mut Completion {
                user_id,
                room_id: call.room_id,
                partner_id,
                duration_seconds: call.duration_seconds,
                completed_at: now,
                version: 0,
            })?;
            if new {
                user.successful_sessions += 1;
                changed = true;
                if !user.qr_unlocked && user.successful_sessions >= QR_UNLOCK_SESSIONS {
                    user.qr_unlocked = true;
                    user.qr_unlocked_at = Some(now);
                    // Only the grace period turns into verified; a paid or unpaid status is
                    // not overwritten (the original's DB mode did, §7.23).
                    if user.paid_status == PaidStatus::QrGracePeriod {
                        user.paid_status = PaidStatus::QrVerified;
                    }
                    outcome.unlocked.push((user_id, user.successful_sessions));
                }
            }
        }
        if changed {
            tx.put_user(&mut user)?;
        }
        outcome.metrics.push(metrics_of(&user));
    }
    if let Some(until) = call.cooldown_until {
        tx.extend_cooldown(call.caller, call.callee, until)?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::ManualClock;
    use crate::store::Store;
    use crate::store::records::Gender;

    const NOW: Millis = 1_767_225_600_000;

    async fn store_with(users: &[(Id, PaidStatus)]) -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(
            dir.path(),
            10,
            10,
            Duration::from_secs(60),
            ManualClock::starting_at(NOW),
        )
        .expect("store");
        let users: Vec<(Id, PaidStatus)> = users.to_vec();
        store
            .write(move |tx| {
                for (id, paid) in users {
                    let mut user = User::new_guest(id, format!("u{}", id[0]), Gender::Male, NOW);
                    user.paid_status = paid;
                    tx.put_user(&mut user)?;
                }
                Ok(())
            })
            .await
            .expect("users");
        (store, dir)
    }

    fn call(room: u8, duration: u32, started_at: Millis) -> FinishedCall {
        FinishedCall {
            session_id: format!("session-{room}"),
            room_id: [room; 16],
            caller: [1; 16],
            callee: [2; 16],
            caller_name: "u1".into(),
            callee_name: "u2".into(),
            started_at,
            duration_seconds: duration,
            messages: "[]".into(),
            record_history: duration >= 5,
            record_completion: duration >= 30,
            cooldown_until: (duration >= 5).then_some(started_at + 86_400_000),
        }
    }

    async fn finish(store: &Store, call: FinishedCall) -> CallOutcome {
        store
            .write(move |tx| record_finished_call(tx, &call, NOW))
            .await
            .expect("write")
    }

    #[tokio::test]
    async fn history_is_written_for_both_participants() {
        let (store, _dir) =
            store_with(&[([1; 16], PaidStatus::Unpaid), ([2; 16], PaidStatus::Unpaid)]).await;
        let outcome = finish(&store, call(9, 42, NOW - 42_000)).await;
        let reader = store.read().expect("read");
        let mine = reader.history_of(&[1; 16], 100).expect("history");
        let theirs = reader.history_of(&[2; 16], 100).expect("history");
        assert_eq!(mine.len(), 1);
        assert_eq!(theirs.len(), 1);
        assert_eq!(mine[0].partner_id, [2; 16]);
        assert_eq!(mine[0].partner_name, "u2");
        assert_eq!(theirs[0].partner_id, [1; 16]);
        assert_eq!(theirs[0].session_id, mine[0].session_id);
        assert_eq!(outcome.metrics.len(), 2);
        assert_eq!(outcome.metrics[0].timer_total_seconds, 42);
        assert_eq!(outcome.metrics[0].session_count, 1);
        assert_eq!(
            outcome.metrics[0].last_sessions,
            vec![LastSession {
                at: NOW,
                duration_seconds: 42
            }]
        );
    }

    #[tokio::test]
    async fn short_calls_leave_no_history_and_metrics_keep_ten() {
        let (store, _dir) =
            store_with(&[([1; 16], PaidStatus::Unpaid), ([2; 16], PaidStatus::Unpaid)]).await;
        let outcome = finish(&store, call(1, 4, NOW)).await;
        assert_eq!(outcome.metrics[0].session_count, 0);
        assert!(
            store
                .read()
                .expect("read")
                .history_of(&[1; 16], 10)
                .expect("h")
                .is_empty()
        );
        for room in 10..22 {
            finish(&store, call(room, 10, NOW + i64::from(room))).await;
        }
        let user = store
            .read()
            .expect("read")
            .user(&[1; 16])
            .expect("read")
            .expect("user");
        assert_eq!(user.session_count, 12);
        assert_eq!(user.timer_total_seconds, 120);
        assert_eq!(user.last_sessions.len(), 10);
    }

    #[tokio::test]
    async fn fourth_completion_unlocks_the_qr_code_once() {
        let (store, _dir) = store_with(&[
            ([1; 16], PaidStatus::QrGracePeriod),
            ([2; 16], PaidStatus::Unpaid),
        ])
        .await;
        for room in 1..=3 {
            assert!(
                finish(&store, call(room, 30, NOW))
                    .await
                    .unlocked
                    .is_empty()
            );
        }
        // The same room again does not count twice.
        assert!(finish(&store, call(3, 30, NOW)).await.unlocked.is_empty());
        let outcome = finish(&store, call(4, 31, NOW)).await;
        assert_eq!(outcome.unlocked, vec![([1; 16], 4), ([2; 16], 4)]);
        let reader = store.read().expect("read");
        let graced = reader.user(&[1; 16]).expect("read").expect("user");
        assert!(graced.qr_unlocked);
        assert_eq!(graced.paid_status, PaidStatus::QrVerified);
        let unpaid = reader.user(&[2; 16]).expect("read").expect("user");
        assert_eq!(
            unpaid.paid_status,
            PaidStatus::Unpaid,
            "an unpaid user stays unpaid (§7.23)"
        );
        drop(reader);
        assert!(
            finish(&store, call(5, 40, NOW)).await.unlocked.is_empty(),
            "unlocks once"
        );
    }

    #[tokio::test]
    async fn cooldowns_are_never_shortened_and_expire() {
        let (store, _dir) = store_with(&[]).await;
        let set =
            |until: Millis| store.write(move |tx| tx.extend_cooldown([2; 16], [1; 16], until));
        assert_eq!(set(NOW + 86_400_000).await.expect("set"), NOW + 86_400_000);
        assert_eq!(
            set(NOW + 3_600_000).await.expect("set"),
            NOW + 86_400_000,
            "not shortened"
        );
        let active = store
            .read()
            .expect("read")
            .active_cooldowns(NOW)
            .expect("list");
        assert_eq!(active.len(), 1);
        assert_eq!(
            (active[0].a, active[0].b),
            ([1; 16], [2; 16]),
            "ordered pair"
        );
        let purged = store
            .write(|tx| tx.purge_expired_cooldowns(NOW + 86_400_000, 100))
            .await
            .expect("purge");
        assert_eq!(purged, 1);
        assert!(
            store
                .read()
                .expect("read")
                .active_cooldowns(NOW)
                .expect("list")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn archived_history_is_still_served_newest_first() {
        let (store, _dir) =
            store_with(&[([1; 16], PaidStatus::Unpaid), ([2; 16], PaidStatus::Unpaid)]).await;
        finish(&store, call(1, 10, NOW - 10 * 86_400_000)).await;
        finish(&store, call(2, 10, NOW)).await;
        let moved = store
            .write(|tx| tx.archive_history(NOW - 7 * 86_400_000, 100))
            .await
            .expect("archive");
        assert_eq!(moved, 2, "one old entry per participant");
        let history = store
            .read()
            .expect("read")
            .history_of(&[1; 16], 10)
            .expect("h");
        let rooms: Vec<u8> = history.iter().map(|h| h.room_id[0]).collect();
        assert_eq!(rooms, vec![2, 1]);
    }

    #[tokio::test]
    async fn deleted_users_are_skipped() {
        let (store, _dir) = store_with(&[([1; 16], PaidStatus::Unpaid)]).await;
        let outcome = finish(&store, call(1, 40, NOW)).await;
        assert_eq!(outcome.metrics.len(), 1);
    }
}
