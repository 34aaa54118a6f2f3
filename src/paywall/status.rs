//! `GET /payment/status`: the user's paid state and their own code.

use super::access::effective_status;
use crate::store::records::{InviteCode, PaidStatus, User};
use crate::store::{Reader, StoreError};

#[derive(Debug, Clone)]
pub struct PaymentStatus {
    pub user: User,
    /// The status the API shows (see `effective_status`).
    pub paid_status: PaidStatus,
    pub my_code: Option<InviteCode>,
    /// The own code's remaining uses when there is a code, else the user's column: a code
    /// used up reads 0 (the original's `||` fell back to the stale column, §7.25).
    pub uses_remaining: i32,
}

pub fn payment_status(
    reader: &Reader,
    user: User,
    paywall_on: bool,
) -> Result<PaymentStatus, StoreError> {
    let my_code = match &user.my_invite_code {
        Some(code) => reader.invite_code(code)?,
        None => None,
    };
    let uses_remaining = my_code
        .as_ref()
        .map_or(user.invite_code_uses_remaining, |c| c.uses_remaining);
    Ok(PaymentStatus {
        paid_status: effective_status(user.paid_status, paywall_on),
        user,
        my_code,
        uses_remaining,
    })
}
