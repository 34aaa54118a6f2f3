//! Login: a permanent account by email and password, with one active session per user.
//!
//! The ban rule runs twice: after the password check (so only the owner of the password learns
//! of the ban), and again inside the write, so a ban that lands during the hash still refuses
//! the login. Both fail closed: a store that cannot say whether the user is banned refuses.

use super::login_failures::LoginFailures;
use super::password::{HashError, PasswordHasher};
use super::session_verdict::is_banned;
use super::{NewSession, normalize_email};
use crate::store::records::{AccountType, BanStatus, User};
use crate::store::{Id, Store, StoreError, Tx};

#[derive(Debug)]
pub struct LoggedIn {
    pub user: Box<User>,
    /// The new session's token.
    pub token: Id,
    /// How many active sessions this login ended: their sockets are to be told and closed.
    pub invalidated: u32,
}

#[derive(Debug)]
pub enum LoginError {
    /// No account has this email (or the email is not one).
    NoAccount,
    /// A guest account: it must be linked first.
    NotPermanent,
    /// The password does not match (or the account has none).
    WrongPassword,
    /// Too many wrong passwords for this account lately: not checked until `until`.
    AccountLocked { until: crate::clock::Millis },
    Banned {
        status: BanStatus,
        review: Option<String>,
    },
    /// The account changed between the password check and the write; try again.
    Changed,
    /// The password could not be verified.
    Hashing(HashError),
    /// The store could not answer or write.
    Unavailable(StoreError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// The ban as login reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanFacts {
    pub status: BanStatus,
    pub review: Option<String>,
}

impl BanFacts {
    fn of(user: &User) -> Self {
        Self {
            status: user.ban_status,
            review: user.review_status.clone(),
        }
    }
}

/// The ban rule on the result of reading the user's ban: a failed read refuses (fail
/// closed); a user gone since the lookup goes on, for the write to find out.
pub fn refuse_banned(read: Result<Option<BanFacts>, StoreError>) -> Result<(), LoginError> {
    match read? {
        Some(ban) if is_banned(ban.status) => Err(LoginError::Banned {
            status: ban.status,
            review: ban.review,
        }),
        _ => Ok(()),
    }
}

/// What login needs to know about the account behind an email.
struct Account {
    user_id: Id,
    permanent: bool,
    hash: Option<String>,
}

fn find_account(store: &Store, email: &str) -> Result<Option<Account>, StoreError> {
    let reader = store.read()?;
    let Some(user_id) = reader.user_id_by_email(email)? else {
        return Ok(None);
    };
    reader.with_user(&user_id, |u| Account {
        user_id,
        permanent: u.account_type.as_str() == AccountType::Permanent.as_str(),
        hash: u.password_hash.as_ref().map(|h| h.as_str().to_owned()),
    })
}

fn read_ban(store: &Store, user_id: &Id) -> Result<Option<BanFacts>, StoreError> {
    Ok(store.read()?.user(user_id)?.as_ref().map(BanFacts::of))
}

/// `POST /auth/login`: checks the credentials and the ban, then ends the user's other
/// sessions and starts `session`.
pub async fn log_in(
    store: &Store,
    hasher: &PasswordHasher,
    failures: &LoginFailures,
    email: &str,
    password: String,
    session: NewSession,
) -> Result<LoggedIn, LoginError> {
    let email = normalize_email(email).ok_or(LoginError::NoAccount)?;
    let account = find_account(store, &email)?.ok_or(LoginError::NoAccount)?;
    if !account.permanent {
        return Err(LoginError::NotPermanent);
    }
    let stored_hash = account.hash.ok_or(LoginError::WrongPassword)?;
    if let Some(until) = failures.locked_until(&account.user_id, session.now) {
        return Err(LoginError::AccountLocked { until });
    }
    let verified = hasher
        .verify(password.clone(), stored_hash.clone())
        .await
        .map_err(LoginError::Hashing)?;
    if !verified.matches {
        failures.failed(account.user_id, session.now);
        return Err(LoginError::WrongPassword);
    }
    failures.succeeded(&account.user_id);
    refuse_banned(read_ban(store, &account.user_id))?;
    let upgraded = if verified.needs_rehash {
        rehash(hasher, password).await
    } else {
        None
    };
    let user_id = account.user_id;
    store
        .write(move |tx| login(tx, user_id, &stored_hash, upgraded, session))
        .await?
}

/// An Argon2id hash replacing an old-scheme one; a failure only postpones the upgrade.
async fn rehash(hasher: &PasswordHasher, password: String) -> Option<String> {
    match hasher.hash(password).await {
        Ok(hash) => Some(hash),
        Err(e) => {
            tracing::error!(error = %e, "password re-hash failed");
            None
        }
    }
}

/// The login's write: every active session of the user is invalidated, a new one created.
/// `checked_hash` is the hash the password was verified against; `upgraded_hash` replaces it.
pub fn login(
    tx: &mut Tx<'_>,
    user_id: Id,
    checked_hash: &str,
    upgraded_hash: Option<String>,
    session: NewSession,
) -> Result<LoginOutcome, StoreError> {
    let Some(mut user) = tx.user(&user_id)? else {
        return Ok(Err(LoginError::Changed));
    };
    if user.password_hash.as_deref() != Some(checked_hash)
        || user.account_type != AccountType::Permanent
    {
        return Ok(Err(LoginError::Changed));
    }
    if let Err(banned) = refuse_banned(Ok(Some(BanFacts::of(&user)))) {
        return Ok(Err(banned));
    }
    let mut invalidated = 0;
    for token in tx.tokens_of(&user_id)? {
        if let Some(mut old) = tx.session(&token)?
            && old.is_active
        {
            old.is_active = false;
            tx.put_session(&mut old)?;
            invalidated += 1;
        }
    }
    if let Some(hash) = upgraded_hash {
        user.password_hash = Some(hash);
        tx.put_user(&mut user)?;
    }
    let token = session.token;
    session.open(tx, user_id)?;
    Ok(Ok(LoggedIn {
        user: Box::new(user),
        token,
        invalidated,
    }))
}

/// What the login's write decided; a refusal has written nothing.
pub type LoginOutcome = Result<LoggedIn, LoginError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::test_store::{fresh_session, permanent_user, session_for, store};

    #[test]
    fn a_failed_ban_read_refuses_the_login() {
        let refused = refuse_banned(Err(StoreError::Storage("disk gone".into())));
        assert!(
            matches!(
                refused,
                Err(LoginError::Unavailable(StoreError::Storage(_)))
            ),
            "{refused:?}"
        );
    }

    #[test]
    fn the_ban_rule_refuses_bans_and_lets_others_through() {
        let ban = |status| {
            Ok(Some(BanFacts {
                status,
                review: Some("pending".into()),
            }))
        };
        assert!(matches!(
            refuse_banned(ban(BanStatus::Temporary)),
            Err(LoginError::Banned {
                status: BanStatus::Temporary,
                review: Some(_)
            })
        ));
        assert!(matches!(
            refuse_banned(ban(BanStatus::Permanent)),
            Err(LoginError::Banned { .. })
        ));
        assert!(refuse_banned(ban(BanStatus::None)).is_ok());
        assert!(refuse_banned(ban(BanStatus::Vindicated)).is_ok());
        assert!(refuse_banned(Ok(None)).is_ok(), "the write decides");
    }

    /// A permanent user with one active session, in a fresh store.
    struct Fixture {
        store: Store,
        _dir: tempfile::TempDir,
        user_id: Id,
        old_session: Id,
    }

    impl Fixture {
        async fn new() -> Self {
            let (store, _dir) = store();
            let user = permanent_user("ann@example.com", CHECKED_HASH);
            let user_id = user.id;
            let old_session = session_for(&store, user).await;
            Self {
                store,
                _dir,
                user_id,
                old_session,
            }
        }

        /// Runs the login's write for a password checked against `CHECKED_HASH`.
        async fn write_login(&self) -> (LoginOutcome, Id) {
            let (user_id, new) = (self.user_id, fresh_session());
            let new_token = new.token;
            let outcome = self
                .store
                .write(move |tx| login(tx, user_id, CHECKED_HASH, None, new))
                .await
                .expect("the store answers");
            (outcome, new_token)
        }

        fn session_is_active(&self, token: &Id) -> Option<bool> {
            let reader = self.store.read().expect("reader");
            reader.session(token).expect("read").map(|s| s.is_active)
        }
    }

    const CHECKED_HASH: &str = "checked-hash";

    #[tokio::test]
    async fn a_ban_landing_before_the_write_refuses_it_and_writes_nothing() {
        let fixture = Fixture::new().await;
        let user_id = fixture.user_id;
        // The ban lands after the password was checked against CHECKED_HASH.
        fixture
            .store
            .write(move |tx| {
                let mut user = tx.user(&user_id)?.expect("stored");
                user.ban_status = BanStatus::Temporary;
                tx.put_user(&mut user)
            })
            .await
            .expect("banned");
        let (outcome, new_token) = fixture.write_login().await;
        assert!(
            matches!(
                outcome,
                Err(LoginError::Banned {
                    status: BanStatus::Temporary,
                    ..
                })
            ),
            "{outcome:?}"
        );
        let old = fixture.session_is_active(&fixture.old_session);
        assert_eq!(old, Some(true), "the old session was not invalidated");
        assert_eq!(fixture.session_is_active(&new_token), None);
    }

    #[tokio::test]
    async fn the_write_invalidates_the_other_sessions_and_starts_one() {
        let fixture = Fixture::new().await;
        let (outcome, new_token) = fixture.write_login().await;
        let logged_in = outcome.expect("logged in");
        assert_eq!((logged_in.token, logged_in.invalidated), (new_token, 1));
        assert_eq!(fixture.session_is_active(&fixture.old_session), Some(false));
        assert_eq!(fixture.session_is_active(&new_token), Some(true));
    }
}
