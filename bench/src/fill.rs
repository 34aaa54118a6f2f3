//! Filling a store with guest users and sessions through the real writer (group commit), for
//! the benchmarks that need a populated data directory.

use std::sync::Arc;

use napalmsky::accounts::{self, NewSession};
use napalmsky::store::records::{Gender, User};
use napalmsky::store::{Id, Store, StoreError};

/// Concurrent writes per round: enough for the writer to batch them into few commits.
const ROUND: usize = 1000;

/// One guest and its session, as `POST /auth/guest` creates them; returns (user, token).
pub async fn signup(store: &Store, name: String, now: i64) -> Result<(Id, Id), StoreError> {
    let user = User::new_guest(accounts::new_user_id(), name, Gender::Female, now);
    let session = NewSession {
        token: accounts::new_token(),
        ip_address: "127.0.0.1".into(),
        device_info: "bench".into(),
        now,
        // Longer than any benchmark, and inside Postgres' timestamp range (the sync benchmark
        // mirrors these sessions).
        ttl_ms: 30 * 24 * 3600 * 1000,
    };
    let ids = (user.id, session.token);
    store
        .write(move |tx| accounts::create_guest(tx, user, session))
        .await?;
    Ok(ids)
}

/// Signs up users `first..last` (names `user <i>`), 1,000 concurrent writes at a time.
pub async fn fill(
    store: &Arc<Store>,
    first: usize,
    last: usize,
    now: i64,
) -> Result<Vec<(Id, Id)>, Box<dyn std::error::Error>> {
    let mut ids = Vec::with_capacity(last.saturating_sub(first));
    let mut next = first;
    while next < last {
        let end = (next + ROUND).min(last);
        let writes: Vec<_> = (next..end)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { signup(&store, format!("user {i}"), now).await })
            })
            .collect();
        for write in writes {
            ids.push(write.await??);
        }
        next = end;
    }
    Ok(ids)
}
