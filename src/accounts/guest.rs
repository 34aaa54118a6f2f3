//! Guest signup: a new account with a name and a gender, and its first session.

use super::{NewSession, new_user_id};
use crate::paywall::{CodeRefusal, normalize_code, redeem_code};
use crate::referrals::{Introduction, introduce};
use crate::store::records::{Gender, PaidStatus, User};
use crate::store::{Id, Store, StoreError, Tx};

/// What a guest signs up with, already parsed and normalised.
pub struct GuestSignup<'a> {
    pub name: String,
    pub gender: Gender,
    pub invite_code: Option<&'a str>,
    /// An intro code (`?ref=` of a shared link).
    pub referral_code: Option<&'a str>,
    pub session: NewSession,
}

#[derive(Debug)]
pub struct SignedUp {
    pub user_id: Id,
    pub token: Id,
    pub paid_status: PaidStatus,
    /// The introduction the referral code made, if it matched one.
    pub introduction: Option<Introduction>,
}

#[derive(Debug)]
pub enum GuestError {
    /// Not 16 letters and digits.
    InviteCodeFormat,
    /// Well formed but refused: unknown, deactivated or used up.
    InviteCodeRefused(CodeRefusal),
    Unavailable(StoreError),
}

impl From<StoreError> for GuestError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /auth/guest`.
///
/// With an invite code the guest spends it in the same transaction that creates them: the
/// grace period and their own 4-use code, or no account at all when the code is refused.
pub async fn sign_up_guest(store: &Store, signup: GuestSignup<'_>) -> Result<SignedUp, GuestError> {
    let code = match signup.invite_code {
        Some(raw) => Some(normalize_code(raw).ok_or(GuestError::InviteCodeFormat)?),
        None => None,
    };
    let referral_code = signup.referral_code.map(str::to_owned);
    let mut user = User::new_guest(
        new_user_id(),
        signup.name,
        signup.gender,
        signup.session.now,
    );
    let (user_id, token, now) = (user.id, signup.session.token, signup.session.now);
    let session = signup.session;
    let (paid_status, introduction) = store
        .write(move |tx| {
            if let Some(code) = code
                && let Err(refusal) = redeem_code(tx, &code, &mut user, now)?
            {
                return Ok(Err(GuestError::InviteCodeRefused(refusal)));
            }
            // A referral code that matches nothing is ignored, as in the original.
            let introduction = match &referral_code {
                Some(code) => introduce(tx, code, &mut user, now)?,
                None => None,
            };
            let paid_status = user.paid_status;
            create_guest(tx, user, session)?;
            Ok(Ok((paid_status, introduction)))
        })
        .await??;
    tracing::info!(user = %super::id_string(&user_id), "guest signed up");
    Ok(SignedUp {
        user_id,
        token,
        paid_status,
        introduction,
    })
}

/// The signup's write: the guest and its first session.
pub fn create_guest(
    tx: &mut Tx<'_>,
    mut user: User,
    session: NewSession,
) -> Result<(), StoreError> {
    tx.put_user(&mut user)?;
    session.open(tx, user.id)
}
