//! Checks on the Postgres mirror of a test server.

use napalmsky::store::Store;

use super::TestServer;
use super::pg::client;

/// The outbox is empty and the last sync step succeeded.
pub async fn synced(server: &TestServer) -> bool {
    let health = server.get("/health", None).await;
    health.body["sync"]["outboxDepth"] == 0 && health.body["sync"]["lastError"].is_null()
}

/// How many of the users with these ids the mirror's `users` table holds.
pub async fn mirrored_users(url: &str, ids: &[String]) -> usize {
    let ids: Vec<uuid::Uuid> = ids
        .iter()
        .map(|id| uuid::Uuid::parse_str(id).unwrap())
        .collect();
    let count: i64 = client(url)
        .await
        .query_one(
            "SELECT count(*) FROM users WHERE user_id = ANY($1)",
            &[&ids],
        )
        .await
        .unwrap()
        .get(0);
    count as usize
}

/// Every mirrored table has the store's row count and checksum: each acknowledged row is in
/// Postgres exactly once, and nothing else is.
pub async fn assert_mirror_equals_store(store: &Store, url: &str) {
    let comparisons = napalmsky::sync::compare(store, &client(url).await)
        .await
        .unwrap();
    for comparison in &comparisons {
        assert!(comparison.matches(), "{comparison:?}");
    }
    assert!(
        comparisons
            .iter()
            .any(|c| c.table == "users" && c.store_rows > 0)
    );
}
