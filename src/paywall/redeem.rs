//! A user spends an invite code: at signup (`POST /auth/guest {inviteCode}`) or afterwards
//! (`POST /payment/apply-code`). Either way the user gets the grace period and their own
//! 4-use code at once (the original minted none on the second path, §7.22), and the use is
//! durable (the original kept uses in memory only).

use super::access::has_access;
use super::codes::mint_user_code;
use crate::clock::Millis;
use crate::store::records::{CodeKind, PaidStatus, User};
use crate::store::{Id, Store, StoreError, Tx};

/// Why a code was refused, with the original's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    Unknown,
    Deactivated,
    AlreadyUsed,
    FullyUsed,
}

impl CodeRefusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "Invalid invite code",
            Self::Deactivated => "This invite code has been deactivated",
            Self::AlreadyUsed => "You have already used this invite code",
            Self::FullyUsed => "This invite code has been fully used",
        }
    }
}

/// Spends `code` for `user` (whose changes the caller stores): checks it, records the use,
/// counts it down on a user code (and on its owner's record), and gives `user` the grace
/// period and their own code. Nothing is written when the code is refused.
pub fn redeem_code(
    tx: &mut Tx<'_>,
    code: &str,
    user: &mut User,
    now: Millis,
) -> Result<Result<(), CodeRefusal>, StoreError> {
    let Some(mut found) = tx.invite_code(code)? else {
        return Ok(Err(CodeRefusal::Unknown));
    };
    if !found.is_active {
        return Ok(Err(CodeRefusal::Deactivated));
    }
    if tx.has_used_code(code, user.id)? {
        return Ok(Err(CodeRefusal::AlreadyUsed));
    }
    let counted = found.kind == CodeKind::User;
    if counted && found.uses_remaining <= 0 {
        return Ok(Err(CodeRefusal::FullyUsed));
    }
    if counted {
        found.uses_remaining -= 1;
    }
    tx.record_code_use(&mut found, user.id, now)?;
    if let Some(owner) = found
        .created_by
        .filter(|owner| counted && *owner != user.id)
        && let Some(mut owner) = tx.user(&owner)?
    {
        owner.invite_code_uses_remaining = found.uses_remaining;
        tx.put_user(&mut owner)?;
    }
    user.paid_status = PaidStatus::QrGracePeriod;
    user.invite_code_used = Some(code.to_owned());
    user.updated_at = now;
    mint_user_code(tx, user, now)?;
    Ok(Ok(()))
}

#[derive(Debug)]
pub enum ApplyError {
    UserNotFound,
    /// Paid, verified or in the grace period already.
    AlreadyHasAccess,
    Refused(CodeRefusal),
    Unavailable(StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /payment/apply-code`: a signed-up user without access spends a code.
pub async fn apply_code(
    store: &Store,
    user_id: Id,
    code: String,
    now: Millis,
) -> Result<User, ApplyError> {
    store
        .write(move |tx| {
            let Some(mut user) = tx.user(&user_id)? else {
                return Ok(Err(ApplyError::UserNotFound));
            };
            if has_access(user.paid_status) {
                return Ok(Err(ApplyError::AlreadyHasAccess));
            }
            if let Err(refusal) = redeem_code(tx, &code, &mut user, now)? {
                return Ok(Err(ApplyError::Refused(refusal)));
            }
            tx.put_user(&mut user)?;
            Ok(Ok(user))
        })
        .await?
}
