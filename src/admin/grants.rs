//! Granting admin rights to a user account, found by its email (`napalmsky admin grant-user`,
//! `revoke-user`). Emails are stored normalised, so the operator's input is normalised the
//! same way before the lookup.

use crate::accounts::normalize_email;
use crate::clock::Millis;
use crate::store::records::AdminGrant;
use crate::store::{Id, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("not an email address")]
    InvalidEmail,
    #[error("no user account has this email")]
    NoSuchUser,
    #[error("this user holds no admin grant")]
    NotGranted,
    #[error("store: {0}")]
    Unavailable(#[from] StoreError),
}

/// What `grant_user` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granted {
    pub user_id: Id,
    /// The user already held a grant (it is kept as it was).
    pub already: bool,
}

/// Gives the account behind `email` admin rights.
pub async fn grant_user(
    store: &Store,
    email: &str,
    granted_by: String,
    now: Millis,
) -> Result<Granted, GrantError> {
    let email = normalize_email(email).ok_or(GrantError::InvalidEmail)?;
    store
        .write(move |tx| {
            let Some(user_id) = tx.user_id_by_email(&email)? else {
                return Ok(Err(GrantError::NoSuchUser));
            };
            if tx.admin_grant(&user_id)?.is_some() {
                return Ok(Ok(Granted {
                    user_id,
                    already: true,
                }));
            }
            let grant = AdminGrant {
                user_id,
                granted_at: now,
                granted_by,
            };
            tx.put_admin_grant(&grant)?;
            Ok(Ok(Granted {
                user_id,
                already: false,
            }))
        })
        .await?
}

/// Takes admin rights back from the account behind `email`; returns its user id.
pub async fn revoke_user(store: &Store, email: &str) -> Result<Id, GrantError> {
    let email = normalize_email(email).ok_or(GrantError::InvalidEmail)?;
    store
        .write(move |tx| {
            let Some(user_id) = tx.user_id_by_email(&email)? else {
                return Ok(Err(GrantError::NoSuchUser));
            };
            if !tx.delete_admin_grant(&user_id)? {
                return Ok(Err(GrantError::NotGranted));
            }
            Ok(Ok(user_id))
        })
        .await?
}

/// Every grant, by user id.
pub fn list_grants(store: &Store) -> Result<Vec<AdminGrant>, StoreError> {
    store.read()?.admin_grants()
}
