//! The admin service against a real store: token lifetime, account changes ending sessions,
//! grants by email, and every outcome of `authorize`.

use std::time::Duration;

use super::*;
use crate::accounts::{
    NewSession, PasswordHasher, create_guest, id_string, new_token, new_user_id,
};
use crate::clock::{ManualClock, Millis};
use crate::store::records::{AccountType, BanStatus, Gender, User};
use crate::store::{Id, Store};

const NOW: Millis = 1_767_225_600_000;
const PASSWORD: &str = "correct horse";

struct Fixture {
    store: Store,
    hasher: PasswordHasher,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::starting_at(NOW);
        let store = Store::open(dir.path(), 10, 10, Duration::from_secs(60), clock).expect("store");
        Self {
            store,
            hasher: PasswordHasher::new(2, 64, 1).expect("test parameters"),
            _dir: dir,
        }
    }

    async fn with_admin(username: &str) -> Self {
        let fixture = Self::new();
        add_account(
            &fixture.store,
            &fixture.hasher,
            username,
            PASSWORD.into(),
            NOW,
        )
        .await
        .expect("created");
        fixture
    }

    async fn login(
        &self,
        username: &str,
        password: &str,
        now: Millis,
    ) -> Result<AdminLogin, AdminLoginError> {
        log_in(&self.store, &self.hasher, username, password.into(), now).await
    }

    async fn admin_token(&self, username: &str) -> String {
        let login = self
            .login(username, PASSWORD, NOW)
            .await
            .expect("logged in");
        id_string(&login.token)
    }

    /// A permanent user with `email` and one session lasting a day; returns (user id, token).
    async fn user(&self, email: &str, edit: impl FnOnce(&mut User)) -> (Id, String) {
        let mut user = User::new_guest(new_user_id(), "Ops".into(), Gender::Female, NOW);
        user.account_type = AccountType::Permanent;
        user.email = Some(email.to_owned());
        edit(&mut user);
        let user_id = user.id;
        let session = NewSession {
            token: new_token(),
            ip_address: "192.0.2.1".into(),
            device_info: "test".into(),
            now: NOW,
            ttl_ms: ADMIN_SESSION_TTL_MS,
        };
        let token = session.token;
        self.store
            .write(move |tx| create_guest(tx, user, session))
            .await
            .expect("stored");
        (user_id, id_string(&token))
    }

    fn authorize(&self, token: &str) -> Result<Reviewer, AdminRefusal> {
        authorize(&self.store, token, NOW + 1)
    }

    fn admin_sessions(&self) -> u64 {
        self.store
            .read()
            .expect("reader")
            .admin_session_count()
            .expect("count")
    }
}

#[tokio::test]
async fn an_admin_token_lives_24_hours_from_login_and_is_purged_after() {
    let fixture = Fixture::with_admin("Alice").await;
    let login = fixture
        .login("alice", PASSWORD, NOW)
        .await
        .expect("logged in");
    assert_eq!(login.username, "alice");
    assert_eq!(login.expires_at, NOW + 24 * 3600 * 1000);
    let token = id_string(&login.token);
    let username = |at| session_username(&fixture.store, &token, at).expect("read");
    assert_eq!(
        username(NOW + ADMIN_SESSION_TTL_MS - 1).as_deref(),
        Some("alice")
    );
    assert_eq!(
        username(NOW + ADMIN_SESSION_TTL_MS),
        None,
        "expired at 24 h"
    );

    let purge = |at: Millis| {
        fixture
            .store
            .write(move |tx| purge_expired_admin_sessions(tx, at, 100))
    };
    assert_eq!(
        purge(NOW + ADMIN_SESSION_TTL_MS - 1).await.expect("purge"),
        0
    );
    assert_eq!(fixture.admin_sessions(), 1);
    assert_eq!(purge(NOW + ADMIN_SESSION_TTL_MS).await.expect("purge"), 1);
    assert_eq!(fixture.admin_sessions(), 0);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_usernames_get_the_same_refusal_and_no_token() {
    let fixture = Fixture::with_admin("alice").await;
    for (username, password) in [
        ("alice", "wrong password"),
        ("bob", PASSWORD),
        ("alice", "short"),
        ("not a username", PASSWORD),
    ] {
        let refused = fixture.login(username, password, NOW).await;
        assert!(
            matches!(refused, Err(AdminLoginError::InvalidCredentials)),
            "{username}: {refused:?}"
        );
    }
    assert_eq!(fixture.admin_sessions(), 0);
}

#[tokio::test]
async fn logout_deletes_the_token_and_ignores_unknown_ones() {
    let fixture = Fixture::with_admin("alice").await;
    let token = fixture.admin_token("alice").await;
    log_out(&fixture.store, "not-a-token")
        .await
        .expect("ignored");
    log_out(&fixture.store, &id_string(&new_token()))
        .await
        .expect("ignored");
    assert_eq!(fixture.admin_sessions(), 1);
    log_out(&fixture.store, &token).await.expect("logged out");
    assert_eq!(
        session_username(&fixture.store, &token, NOW).expect("read"),
        None
    );
    assert_eq!(fixture.admin_sessions(), 0);
}

#[tokio::test]
async fn a_new_password_ends_the_sessions_and_the_old_one_no_longer_works() {
    let fixture = Fixture::with_admin("alice").await;
    fixture.admin_token("alice").await;
    fixture.admin_token("alice").await;
    let ended = change_password(
        &fixture.store,
        &fixture.hasher,
        "alice",
        "new password".into(),
        NOW + 5,
    )
    .await
    .expect("changed");
    assert_eq!(ended, 2);
    assert_eq!(fixture.admin_sessions(), 0);
    assert!(fixture.login("alice", PASSWORD, NOW).await.is_err());
    assert!(fixture.login("alice", "new password", NOW).await.is_ok());
    let account = list_accounts(&fixture.store).expect("list").remove(0);
    assert_eq!((account.created_at, account.updated_at), (NOW, NOW + 5));
    assert!(account.password_hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn removing_an_account_ends_its_sessions_only() {
    let fixture = Fixture::with_admin("alice").await;
    add_account(&fixture.store, &fixture.hasher, "bob", PASSWORD.into(), NOW)
        .await
        .expect("created");
    let alice = fixture.admin_token("alice").await;
    let bob = fixture.admin_token("bob").await;
    assert_eq!(
        remove_account(&fixture.store, "ALICE")
            .await
            .expect("removed"),
        1
    );
    assert!(matches!(
        fixture.authorize(&alice),
        Err(AdminRefusal::Unauthorized)
    ));
    assert!(matches!(
        fixture.authorize(&bob),
        Ok(Reviewer::Admin { .. })
    ));
    assert!(matches!(
        remove_account(&fixture.store, "alice").await,
        Err(AdminAccountError::NoSuchAccount)
    ));
    let names: Vec<_> = list_accounts(&fixture.store)
        .expect("list")
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["bob"]);
}

#[tokio::test]
async fn account_creation_refuses_duplicates_bad_usernames_and_weak_passwords() {
    let fixture = Fixture::with_admin("alice").await;
    let add = |username: &'static str, password: &'static str| {
        add_account(
            &fixture.store,
            &fixture.hasher,
            username,
            password.into(),
            NOW,
        )
    };
    assert!(matches!(
        add("Alice", PASSWORD).await,
        Err(AdminAccountError::Exists)
    ));
    assert!(matches!(
        add("", PASSWORD).await,
        Err(AdminAccountError::InvalidUsername(_))
    ));
    assert!(matches!(
        add("a b", PASSWORD).await,
        Err(AdminAccountError::InvalidUsername(_))
    ));
    assert!(matches!(
        add("carol", "short").await,
        Err(AdminAccountError::WeakPassword(_))
    ));
    assert!(matches!(
        change_password(
            &fixture.store,
            &fixture.hasher,
            "nobody",
            PASSWORD.into(),
            NOW
        )
        .await,
        Err(AdminAccountError::NoSuchAccount)
    ));
    assert_eq!(list_accounts(&fixture.store).expect("list").len(), 1);
}

#[tokio::test]
async fn grants_are_found_by_normalised_email_and_revoked() {
    let fixture = Fixture::new();
    let (user_id, _) = fixture.user("ops@example.com", |_| {}).await;
    let grant = |email: &'static str| grant_user(&fixture.store, email, "test".into(), NOW);
    let granted = grant("  OPS@Example.com ").await.expect("granted");
    assert_eq!(
        granted,
        Granted {
            user_id,
            already: false
        }
    );
    assert!(grant("ops@example.com").await.expect("granted").already);
    let grants = list_grants(&fixture.store).expect("list");
    assert_eq!(grants.len(), 1);
    assert_eq!((grants[0].user_id, grants[0].granted_at), (user_id, NOW));
    assert_eq!(grants[0].granted_by, "test");

    assert!(matches!(
        grant("nobody@example.com").await,
        Err(GrantError::NoSuchUser)
    ));
    assert!(matches!(
        grant("not an email").await,
        Err(GrantError::InvalidEmail)
    ));
    assert_eq!(
        revoke_user(&fixture.store, "ops@example.com")
            .await
            .expect("revoked"),
        user_id
    );
    assert!(matches!(
        revoke_user(&fixture.store, "ops@example.com").await,
        Err(GrantError::NotGranted)
    ));
    assert!(list_grants(&fixture.store).expect("list").is_empty());
}

#[tokio::test]
async fn authorize_lets_admins_and_granted_users_through_and_refuses_the_rest() {
    let fixture = Fixture::with_admin("alice").await;
    let admin = fixture.admin_token("alice").await;
    let (granted_id, granted) = fixture.user("ops@example.com", |_| {}).await;
    let (_, plain) = fixture.user("ann@example.com", |_| {}).await;
    let (_, banned) = fixture
        .user("ban@example.com", |u| u.ban_status = BanStatus::Temporary)
        .await;
    for email in ["ops@example.com", "ban@example.com"] {
        grant_user(&fixture.store, email, "test".into(), NOW)
            .await
            .expect("granted");
    }

    let reviewer = fixture.authorize(&admin).expect("admin");
    assert_eq!(
        reviewer,
        Reviewer::Admin {
            username: "alice".into()
        }
    );
    assert_eq!(reviewer.reviewed_by(), "alice");
    let reviewer = fixture.authorize(&granted).expect("granted user");
    assert_eq!(
        reviewer,
        Reviewer::GrantedUser {
            user_id: granted_id
        }
    );
    assert_eq!(reviewer.reviewed_by(), id_string(&granted_id));

    assert!(matches!(
        fixture.authorize(&plain),
        Err(AdminRefusal::NotAdmin)
    ));
    assert!(matches!(
        fixture.authorize(&banned),
        Err(AdminRefusal::NotAdmin)
    ));
    for unknown in ["", "garbage", &id_string(&new_token())] {
        assert!(
            matches!(fixture.authorize(unknown), Err(AdminRefusal::Unauthorized)),
            "{unknown}"
        );
    }
    // Both kinds of token expire: the admin's at 24 h, the user's session at its own end.
    let later = NOW + ADMIN_SESSION_TTL_MS;
    assert!(matches!(
        authorize(&fixture.store, &admin, later),
        Err(AdminRefusal::Unauthorized)
    ));
    assert!(matches!(
        authorize(&fixture.store, &granted, later),
        Err(AdminRefusal::Unauthorized)
    ));

    revoke_user(&fixture.store, "ops@example.com")
        .await
        .expect("revoked");
    assert!(matches!(
        fixture.authorize(&granted),
        Err(AdminRefusal::NotAdmin)
    ));
}

#[tokio::test]
async fn an_invalidated_user_session_is_refused_even_with_a_grant() {
    let fixture = Fixture::new();
    let (_, token) = fixture.user("ops@example.com", |_| {}).await;
    grant_user(&fixture.store, "ops@example.com", "test".into(), NOW)
        .await
        .expect("granted");
    let id = crate::accounts::parse_id(&token).expect("an id");
    fixture
        .store
        .write(move |tx| {
            let mut session = tx.session(&id)?.expect("stored");
            session.is_active = false;
            tx.put_session(&mut session)
        })
        .await
        .expect("invalidated");
    assert!(matches!(
        fixture.authorize(&token),
        Err(AdminRefusal::Unauthorized)
    ));
}
