//! Guest signup: a new account with a name and a gender, and its first session.

use super::{NewSession, new_user_id};
use crate::store::records::{Gender, PaidStatus, User};
use crate::store::{Id, Store, StoreError, Tx};

/// What a guest signs up with, already parsed and normalised.
pub struct GuestSignup<'a> {
    pub name: String,
    pub gender: Gender,
    pub invite_code: Option<&'a str>,
    pub session: NewSession,
}

#[derive(Debug)]
pub struct SignedUp {
    pub user_id: Id,
    pub token: Id,
    pub paid_status: PaidStatus,
}

#[derive(Debug)]
pub enum GuestError {
    /// Not 16 letters and digits.
    InviteCodeFormat,
    /// Well formed but matches no code.
    InviteCodeUnknown,
    Unavailable(StoreError),
}

impl From<StoreError> for GuestError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// `POST /auth/guest`.
pub async fn sign_up_guest(store: &Store, signup: GuestSignup<'_>) -> Result<SignedUp, GuestError> {
    if let Some(code) = signup.invite_code {
        check_invite_code(code)?;
    }
    // A referral (intro) code that matches nothing is ignored, as in the original; none can
    // match before the referral capability exists.
    let user = User::new_guest(
        new_user_id(),
        signup.name,
        signup.gender,
        signup.session.now,
    );
    let signed_up = SignedUp {
        user_id: user.id,
        token: signup.session.token,
        paid_status: user.paid_status,
    };
    let session = signup.session;
    store
        .write(move |tx| create_guest(tx, user, session))
        .await?;
    tracing::info!(user = %super::id_string(&signed_up.user_id), "guest signed up");
    Ok(signed_up)
}

/// Invite codes arrive with the paywall capability; until then no code exists, which the
/// original answers like this.
fn check_invite_code(code: &str) -> Result<(), GuestError> {
    let code = code.trim().to_uppercase();
    let well_formed = code.len() == 16 && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if !well_formed {
        return Err(GuestError::InviteCodeFormat);
    }
    Err(GuestError::InviteCodeUnknown)
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
