//! `AuthContext`: a session checked against the store, with its user's flags. Read here from
//! two records, cached by `Store::auth_context` (see `shared.rs`).

use super::error::StoreError;
use super::read::Reader;
use super::records::{AccountType, BanStatus, Id, PaidStatus};
use crate::clock::Millis;

/// A session checked against the store, with the flags of its user that auth decisions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    pub token: Id,
    pub user_id: Id,
    pub is_active: bool,
    pub expires_at: Millis,
    pub account_type: AccountType,
    pub ban_status: BanStatus,
    pub paid_status: PaidStatus,
}

impl Reader {
    /// The session and its user's flags; `None` when either is missing.
    pub fn auth_context(&self, token: &Id) -> Result<Option<AuthContext>, StoreError> {
        let session = self.with_session(token, |s| {
            (s.user_id, s.is_active, s.expires_at.to_native())
        })?;
        let Some((user_id, is_active, expires_at)) = session else {
            return Ok(None);
        };
        let flags = self.with_user(&user_id, |u| {
            (
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.account_type),
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.ban_status),
                rkyv::deserialize::<_, rkyv::rancor::Error>(&u.paid_status),
            )
        })?;
        let Some((account_type, ban_status, paid_status)) = flags else {
            return Ok(None);
        };
        let corrupt = |e: rkyv::rancor::Error| StoreError::Corrupt(e.to_string());
        Ok(Some(AuthContext {
            token: *token,
            user_id,
            is_active,
            expires_at,
            account_type: account_type.map_err(corrupt)?,
            ban_status: ban_status.map_err(corrupt)?,
            paid_status: paid_status.map_err(corrupt)?,
        }))
    }
}
