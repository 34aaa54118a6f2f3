//! `net::admin_guard::require_admin` on a real `Http` handle (built here, where the handles
//! are wired): the header forms and the three answers. The decision itself is tested in
//! `admin/tests.rs`; this checks the edge's mapping of it.

// `ApiError` is large (see `net/mod.rs`); the guard returns it as the routes do.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, HeaderValue};

use super::AppState;
use crate::accounts::{NewSession, create_guest, id_string, new_token, new_user_id};
use crate::admin::{Reviewer, add_account, grant_user, log_in};
use crate::clock::{ManualClock, Millis};
use crate::config::Config;
use crate::net::ApiError;
use crate::net::admin_guard::require_admin;
use crate::store::Store;
use crate::store::records::{AccountType, Gender, User};

const NOW: Millis = 1_767_225_600_000;

fn headers(authorization: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(value).expect("a header"),
        );
    }
    headers
}

async fn user_token(state: &AppState, email: &str) -> String {
    let mut user = User::new_guest(new_user_id(), "Ops".into(), Gender::Female, NOW);
    user.account_type = AccountType::Permanent;
    user.email = Some(email.to_owned());
    let session = NewSession {
        token: new_token(),
        ip_address: "192.0.2.1".into(),
        device_info: "test".into(),
        now: NOW,
        ttl_ms: 60_000,
    };
    let token = session.token;
    state
        .http
        .store
        .write(move |tx| create_guest(tx, user, session))
        .await
        .expect("stored");
    id_string(&token)
}

#[tokio::test]
async fn require_admin_answers_the_reviewer_401_or_403() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::defaults();
    config.store.data_dir = dir.path().to_path_buf();
    config.accounts.argon2_memory_kib = 64;
    config.accounts.argon2_iterations = 1;
    let clock = ManualClock::starting_at(NOW);
    let store =
        Store::open(dir.path(), 10, 10, Duration::from_secs(60), clock.clone()).expect("store");
    let state: Arc<AppState> = AppState::new(
        config,
        store,
        clock,
        "127.0.0.1:3001".parse().expect("addr"),
    )
    .expect("state");
    let http = &state.http;
    add_account(
        &http.store,
        &http.hasher,
        "alice",
        "admin password".into(),
        NOW,
    )
    .await
    .expect("created");
    let login = log_in(
        &http.store,
        &http.hasher,
        "alice",
        "admin password".into(),
        NOW,
    )
    .await
    .expect("logged in");
    let admin = id_string(&login.token);
    let granted = user_token(&state, "ops@example.com").await;
    let plain = user_token(&state, "ann@example.com").await;
    grant_user(&http.store, "ops@example.com", "test".into(), NOW)
        .await
        .expect("granted");

    let guard = |value: Option<&str>| require_admin(http, &headers(value));
    let alice = Reviewer::Admin {
        username: "alice".into(),
    };
    assert_eq!(
        guard(Some(&format!("Bearer {admin}"))).ok(),
        Some(alice.clone())
    );
    assert_eq!(guard(Some(&admin)).ok(), Some(alice), "a bare token too");
    let reviewer = guard(Some(&format!("Bearer {granted}"))).expect("granted user");
    assert!(matches!(reviewer, Reviewer::GrantedUser { .. }));
    assert!(matches!(
        guard(Some(&format!("Bearer {plain}"))),
        Err(ApiError::AdminAccessRequired)
    ));
    for refused in [None, Some("Bearer "), Some("Bearer garbage")] {
        assert!(
            matches!(guard(refused), Err(ApiError::AdminAuthorizationRequired)),
            "{refused:?}"
        );
    }
    state.http.store.close().await;
}
