//! Password hashing: Argon2id for new hashes, bcrypt (imported from the original) still
//! verifies and is flagged for re-hashing.
//!
//! Hashing costs tens of milliseconds of CPU and ~19 MiB of memory, so it runs on tokio's
//! blocking pool behind a semaphore: logins can never starve the async threads or the memory.

use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
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
}

impl PasswordHasher {
    pub fn new(concurrency: usize, memory_kib: u32, iterations: u32) -> Result<Self, HashError> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        Ok(Self {
            permits: Semaphore::new(concurrency),
            params,
        })
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
