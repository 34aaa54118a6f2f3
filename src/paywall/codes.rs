//! Minting codes (a user's own, an admin's), checking one, and deactivating one.

use crate::clock::Millis;
use crate::code_text::new_code;
use crate::store::records::{CodeKind, InviteCode, User};
use crate::store::{Id, Reader, Store, StoreError, Tx};

/// Uses of a user's own code (every path of the original; older documents said 5).
pub const USER_CODE_USES: i32 = 4;

/// A code that no stored code has, drawn in the transaction that will store it. With 36^16
/// codes a collision is as good as impossible; the loop is there so it cannot matter.
fn unused_code(tx: &Tx<'_>) -> Result<String, StoreError> {
    loop {
        let code = new_code();
        if tx.invite_code(&code)?.is_none() {
            return Ok(code);
        }
    }
}

/// Gives `user` their own 4-use code (after a payment or a redeemed code), unless they have
/// one already: a retried payment never mints a second. Returns the user's code.
pub fn mint_user_code(tx: &mut Tx<'_>, user: &mut User, now: Millis) -> Result<String, StoreError> {
    if let Some(code) = &user.my_invite_code {
        return Ok(code.clone());
    }
    let mut code = InviteCode {
        code: unused_code(tx)?,
        kind: CodeKind::User,
        created_by: Some(user.id),
        created_by_name: user.name.clone(),
        created_at: now,
        max_uses: USER_CODE_USES,
        uses_remaining: USER_CODE_USES,
        total_used: 0,
        used_by: Vec::new(),
        is_active: true,
        version: 0,
    };
    tx.put_invite_code(&mut code)?;
    user.my_invite_code = Some(code.code.clone());
    user.invite_code_uses_remaining = USER_CODE_USES;
    Ok(code.code)
}

/// An unlimited admin code labelled `created_by_name`.
pub async fn mint_admin_code(
    store: &Store,
    created_by: Option<Id>,
    created_by_name: String,
    now: Millis,
) -> Result<InviteCode, StoreError> {
    store
        .write(move |tx| {
            let mut code = InviteCode {
                code: unused_code(tx)?,
                kind: CodeKind::Admin,
                created_by,
                created_by_name,
                created_at: now,
                max_uses: -1,
                uses_remaining: -1,
                total_used: 0,
                used_by: Vec::new(),
                is_active: true,
                version: 0,
            };
            tx.put_invite_code(&mut code)?;
            Ok(code)
        })
        .await
}

/// Deactivates `code`; `false` when there is no such code.
pub async fn deactivate_code(store: &Store, code: String) -> Result<bool, StoreError> {
    store
        .write(move |tx| {
            let Some(mut found) = tx.invite_code(&code)? else {
                return Ok(false);
            };
            if found.is_active {
                found.is_active = false;
                tx.put_invite_code(&mut found)?;
            }
            Ok(true)
        })
        .await
}

/// What `POST /payment/validate-code` finds for a well-formed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    Valid(InviteCode),
    Unknown,
    Deactivated,
    FullyUsed,
}

pub fn check_code(reader: &Reader, code: &str) -> Result<CodeCheck, StoreError> {
    Ok(match reader.invite_code(code)? {
        None => CodeCheck::Unknown,
        Some(found) if !found.is_active => CodeCheck::Deactivated,
        Some(found) if found.kind == CodeKind::User && found.uses_remaining <= 0 => {
            CodeCheck::FullyUsed
        }
        Some(found) => CodeCheck::Valid(found),
    })
}
