//! README, "One writer, group commit": "a storage error inside an operation rolls back its
//! batch". The batch before and the batch after commit; the store keeps working.

use std::sync::Arc;

use tokio::sync::oneshot;

use super::support::{fresh_store, guest, put_guest, stored_guests, wait_until};
use crate::store::StoreError;

const INJECTED: &str = "disk said no";

fn is_injected(answer: &Result<u64, StoreError>) -> bool {
    matches!(answer, Err(StoreError::Storage(message)) if message == INJECTED)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_error_inside_an_operation_rolls_back_its_batch_alone() {
    let (store, _dir) = fresh_store();
    let store = Arc::new(store);

    // Batch 1: a single job that holds the writer until batch 2 is queued behind it. The
    // writer gathers a batch before running it, so once this job runs its batch is closed.
    let (running, is_running) = oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let first = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .write(move |tx| {
                    let _ = running.send(());
                    let _ = released.recv();
                    let mut user = guest(1);
                    tx.put_user(&mut user)?;
                    Ok(user.version)
                })
                .await
        }
    });
    is_running.await.expect("the first job runs");

    // Batch 2, queued in this order: a good job, one that fails after it wrote, a good job.
    let spawn_put = |n: u8| {
        let store = store.clone();
        tokio::spawn(async move { put_guest(&store, n).await })
    };
    let before_failure = spawn_put(2);
    wait_until("the first job of batch 2 is queued", || {
        store.queued_writes() == 1
    })
    .await;
    let failing = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .write(|tx| {
                    tx.put_user(&mut guest(3))?;
                    Err::<u64, _>(StoreError::Storage(INJECTED.into()))
                })
                .await
        }
    });
    wait_until("the failing job is queued", || store.queued_writes() == 2).await;
    let after_failure = spawn_put(4);
    wait_until("batch 2 is queued", || store.queued_writes() == 3).await;
    release.send(()).expect("the first job waits");

    let first_version = first.await.expect("task").expect("batch 1 commits");
    for (what, answer) in [
        (
            "the job before the failure",
            before_failure.await.expect("task"),
        ),
        ("the failing job", failing.await.expect("task")),
        (
            "the job after the failure",
            after_failure.await.expect("task"),
        ),
    ] {
        assert!(
            is_injected(&answer),
            "{what} is refused with the error: {answer:?}"
        );
    }
    assert_eq!(
        stored_guests(&store, &[1, 2, 3, 4]),
        vec![1],
        "batch 2 left nothing"
    );

    // Batch 3 commits, with the next sequence number: batch 2's outbox entries are gone too.
    let next_version = put_guest(&store, 5).await.expect("batch 3 commits");
    assert_eq!(next_version, first_version + 1);
    assert_eq!(stored_guests(&store, &[1, 2, 3, 4, 5]), vec![1, 5]);
    let outbox: Vec<u64> = store
        .read()
        .expect("reader")
        .outbox_batch(10)
        .expect("outbox")
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(outbox, vec![first_version, next_version]);

    let health = store.health().expect("health");
    assert!(!health.failed, "a failed operation is not a failed store");
    assert_eq!((health.writer.commits, health.writer.writes), (2, 2));
    store.close().await;
}
