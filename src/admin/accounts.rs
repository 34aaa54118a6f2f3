//! Creating, re-passwording, removing and listing admin accounts (the `napalmsky admin`
//! command). Each write decides before it writes, like every store operation.

use super::normalize_username;
use crate::accounts::{HashError, PasswordHasher, validate_password};
use crate::clock::Millis;
use crate::store::records::AdminAccount;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminAccountError {
    #[error("invalid username: {0}")]
    InvalidUsername(&'static str),
    #[error("{0}")]
    WeakPassword(&'static str),
    #[error("an admin account with this username already exists")]
    Exists,
    #[error("no admin account has this username")]
    NoSuchAccount,
    #[error("password hashing failed: {0}")]
    Hashing(#[from] HashError),
    #[error("store: {0}")]
    Unavailable(#[from] StoreError),
}

/// Creates an account; returns its (lower-cased) username.
pub async fn add_account(
    store: &Store,
    hasher: &PasswordHasher,
    username: &str,
    password: String,
    now: Millis,
) -> Result<String, AdminAccountError> {
    let username = normalize_username(username).map_err(AdminAccountError::InvalidUsername)?;
    validate_password(&password).map_err(AdminAccountError::WeakPassword)?;
    if store.read()?.admin_account(&username)?.is_some() {
        return Err(AdminAccountError::Exists);
    }
    let account = AdminAccount {
        username: username.clone(),
        password_hash: hasher.hash(password).await?,
        created_at: now,
        updated_at: now,
    };
    store
        .write(move |tx| {
            if tx.admin_account(&account.username)?.is_some() {
                return Ok(Err(AdminAccountError::Exists));
            }
            tx.put_admin_account(&account)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(username)
}

/// Replaces an account's password and ends its sessions (whoever held one must log in with
/// the new password). Returns how many sessions ended.
pub async fn change_password(
    store: &Store,
    hasher: &PasswordHasher,
    username: &str,
    password: String,
    now: Millis,
) -> Result<usize, AdminAccountError> {
    let username = normalize_username(username).map_err(AdminAccountError::InvalidUsername)?;
    validate_password(&password).map_err(AdminAccountError::WeakPassword)?;
    if store.read()?.admin_account(&username)?.is_none() {
        return Err(AdminAccountError::NoSuchAccount);
    }
    let hash = hasher.hash(password).await?;
    let ended = store
        .write(move |tx| {
            let Some(mut account) = tx.admin_account(&username)? else {
                return Ok(Err(AdminAccountError::NoSuchAccount));
            };
            account.password_hash = hash;
            account.updated_at = now;
            tx.put_admin_account(&account)?;
            Ok(Ok(tx.delete_admin_sessions_of(&username)?))
        })
        .await??;
    Ok(ended)
}

/// Removes an account and its sessions; returns how many sessions ended.
pub async fn remove_account(store: &Store, username: &str) -> Result<usize, AdminAccountError> {
    let username = normalize_username(username).map_err(AdminAccountError::InvalidUsername)?;
    let ended = store
        .write(move |tx| tx.delete_admin_account(&username))
        .await?;
    ended.ok_or(AdminAccountError::NoSuchAccount)
}

/// Every admin account, by username.
pub fn list_accounts(store: &Store) -> Result<Vec<AdminAccount>, StoreError> {
    store.read()?.admin_accounts()
}
