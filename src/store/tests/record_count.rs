//! `Reader::record_count` (the `replay --full` progress total) counts what `all_records` walks.

use super::support::{fresh_store, id, put_guest};

#[tokio::test]
async fn the_count_from_table_lengths_matches_the_walk() {
    let (store, _dir) = fresh_store();
    for n in 1..=3 {
        put_guest(&store, n).await.expect("guest");
    }
    store
        .write(|tx| {
            tx.extend_cooldown(id(1), id(2), i64::MAX / 4)?;
            tx.record_ip(id(1), "203.0.113.1".parse().expect("ip"), 10)?;
            tx.record_ip(id(1), "203.0.113.2".parse().expect("ip"), 20)
        })
        .await
        .expect("records");
    let reader = store.read().expect("read");
    let mut walked = 0;
    reader
        .all_records(|_| {
            walked += 1;
            Ok(())
        })
        .expect("walk");
    assert_eq!(
        walked,
        3 + 1 + 1,
        "three users, a cooldown, one address record"
    );
    assert_eq!(reader.record_count().expect("count"), walked);
}
