//! A real store in a temporary directory, and accounts to put in it, for the operations' tests.

use std::time::Duration;

use super::{NewSession, create_guest, new_token, new_user_id};
use crate::clock::{ManualClock, Millis};
use crate::store::records::{AccountType, Gender, User};
use crate::store::{Id, Store};

pub const NOW: Millis = 1_767_225_600_000;

pub fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::starting_at(NOW);
    let store = Store::open(dir.path(), 10, 10, Duration::from_secs(60), clock).expect("store");
    (store, dir)
}

/// A permanent account whose stored password hash is `hash`.
pub fn permanent_user(email: &str, hash: &str) -> User {
    let mut user = User::new_guest(new_user_id(), "Ann".into(), Gender::Female, NOW);
    user.account_type = AccountType::Permanent;
    user.email = Some(email.to_owned());
    user.password_hash = Some(hash.to_owned());
    user
}

/// A session starting now and lasting a minute.
pub fn fresh_session() -> NewSession {
    NewSession {
        token: new_token(),
        ip_address: "192.0.2.1".into(),
        device_info: "test".into(),
        now: NOW,
        ttl_ms: 60_000,
    }
}

/// Stores `user` with one active session; returns its token.
pub async fn session_for(store: &Store, user: User) -> Id {
    let session = fresh_session();
    let token = session.token;
    store
        .write(move |tx| create_guest(tx, user, session))
        .await
        .expect("stored");
    token
}

/// Marks `user` temporarily banned, as a ban would.
pub async fn ban(store: &Store, user: Id) {
    store
        .write(move |tx| {
            let mut found = tx.user(&user)?.expect("a stored user");
            found.ban_status = crate::store::records::BanStatus::Temporary;
            tx.put_user(&mut found)
        })
        .await
        .expect("banned");
}
