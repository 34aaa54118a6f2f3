//! Password hashing: Argon2id for new hashes, bcrypt (imported from the original) still
//! verifies and is flagged for re-hashing.
//!
//! Hashing costs tens of milliseconds of CPU and ~19 MiB of memory, so it runs on tokio's
//! blocking pool behind a semaphore: logins can never starve the async threads or the memory.
//! Past `--password-hash-queue` waiting hashes a request is refused at once (`Busy`) instead
//! of joining a queue that would make everyone's login wait behind a flood.

use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing parameters are invalid: {0}")]
    Params(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed")]
    Task,
    /// Every hashing slot is taken and the queue behind them is full.
    #[error("too many password hashes are waiting")]
    Busy,
}

/// Result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The hash is in an old scheme (bcrypt) and should be replaced by an Argon2id one.
    pub needs_rehash: bool,
}

pub struct PasswordHasher {
    permits: Semaphore,
    params: Params,
    /// Hashes running or waiting for a permit.
    in_line: AtomicUsize,
    /// Most hashes running or waiting at once.
    max_in_line: usize,
}

/// One place in line; given back when the hash is done (or the caller gave up).
struct InLine<'a>(&'a AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordHasher {
    pub fn new(concurrency: usize, memory_kib: u32, iterations: u32) -> Result<Self, HashError> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        Ok(Self {
            permits: Semaphore::new(concurrency),
            params,
            in_line: AtomicUsize::new(0),
            max_in_line: usize::MAX,
        })
    }

    /// At most `concurrency + waiting` hashes in line; past that, `HashError::Busy` at once.
    pub fn with_queue_limit(mut self, concurrency: usize, waiting: usize) -> Self {
        self.max_in_line = concurrency.saturating_add(waiting);
        self
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let params = self.params.clone();
        self.run(move || hash_argon2id(&password, params)).await?
    }

    pub async fn verify(&self, password: String, stored: String) -> Result<Verified, HashError> {
        self.run(move || verify_any(&password, &stored)).await
    }

    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, HashError> {
        if self.in_line.fetch_add(1, Ordering::AcqRel) >= self.max_in_line {
            self.in_line.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        let _in_line = InLine(&self.in_line);
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Task)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| HashError::Task)
    }
}

fn hash_argon2id(password: &str, params: Params) -> Result<String, HashError> {
    use argon2::PasswordHasher as _;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// Checks `password` against a PHC Argon2 string or a bcrypt hash. An unreadable stored hash
/// never matches.
fn verify_any(password: &str, stored: &str) -> Verified {
    if stored.starts_with("$2") {
        return Verified {
            matches: bcrypt::verify(password, stored).unwrap_or(false),
            needs_rehash: true,
        };
    }
    let matches = PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    Verified {
        matches,
        needs_rehash: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(2, 64, 1).expect("valid test parameters")
    }

    #[tokio::test]
    async fn argon2id_round_trip() {
        let hasher = hasher();
        let hash = hasher.hash("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        let ok = hasher
            .verify("correct horse".into(), hash.clone())
            .await
            .expect("verify");
        assert_eq!(
            ok,
            Verified {
                matches: true,
                needs_rehash: false
            }
        );
        let bad = hasher.verify("wrong".into(), hash).await.expect("verify");
        assert!(!bad.matches);
    }

    #[tokio::test]
    async fn past_the_queue_limit_a_hash_is_refused_at_once() {
        let hasher = std::sync::Arc::new(
            PasswordHasher::new(1, 64, 1)
                .unwrap()
                .with_queue_limit(1, 1),
        );
        // Hold the only permit so that hashes queue up behind it.
        let held = hasher.permits.acquire().await.unwrap();
        let first = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("one".into()).await }
        });
        let second = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash("two".into()).await }
        });
        // Both take a place in line (the limit is 1 running + 1 waiting)...
        while hasher.in_line.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        // ...so a third is refused without waiting.
        assert!(matches!(
            hasher.hash("three".into()).await,
            Err(HashError::Busy)
        ));
        drop(held);
        assert!(first.await.unwrap().is_ok());
        assert!(second.await.unwrap().is_ok());
        assert_eq!(
            hasher.in_line.load(Ordering::Acquire),
            0,
            "places given back"
        );
    }

    #[tokio::test]
    async fn bcrypt_hashes_verify_and_ask_for_rehash() {
        let stored = bcrypt::hash("legacy pass", 4).expect("bcrypt");
        let hasher = hasher();
        let ok = hasher
            .verify("legacy pass".into(), stored.clone())
            .await
            .expect("verify");
        assert_eq!(
            ok,
            Verified {
                matches: true,
                needs_rehash: true
            }
        );
        let bad = hasher.verify("nope".into(), stored).await.expect("verify");
        assert!(!bad.matches);
    }

    #[tokio::test]
    async fn garbage_hashes_never_match() {
        let hasher = hasher();
        let result = hasher
            .verify("x".into(), "not a hash".into())
            .await
            .expect("verify");
        assert!(!result.matches);
    }
}
