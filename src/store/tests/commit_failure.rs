//! README, "One writer, group commit": "a failed commit stops all writes (redb refuses them
//! until reopened), marks `/health` `degraded`". `/health` reads `StoreHealth::failed`.

use std::time::Duration;

use super::support::{fresh_store, put_guest, stored_guests};
use crate::store::StoreError;

#[tokio::test]
async fn a_failed_commit_refuses_further_writes_and_marks_the_store_failed() {
    let (store, _dir) = fresh_store();
    put_guest(&store, 1).await.expect("a healthy commit");
    assert!(!store.health().expect("health").failed);

    store.fail_next_commit_for_tests();
    let answer = put_guest(&store, 2).await;
    assert!(
        matches!(answer, Err(StoreError::Failed)),
        "the write in the failed commit is refused like later ones: {answer:?}"
    );

    let health = store.health().expect("reads still work");
    assert!(health.failed, "health reports the store failed");
    tokio::time::timeout(Duration::from_secs(5), store.failed())
        .await
        .expect("`failed()` resolves, so `serve` shuts down");

    let later = put_guest(&store, 3).await;
    assert!(
        matches!(later, Err(StoreError::Failed)),
        "later writes are refused: {later:?}"
    );
    assert_eq!(stored_guests(&store, &[1, 2, 3]), vec![1]);
    assert_eq!(store.health().expect("health").writer.commits, 1);
}
