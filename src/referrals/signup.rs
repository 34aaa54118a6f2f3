//! An introduction at signup: the new user's introduction fields, and a referral notification
//! for the person they were introduced to (the original never created one).

use super::intro::normalize_intro_code;
use crate::clock::Millis;
use crate::store::records::{IntroCode, ReferralNotification, User};
use crate::store::{StoreError, Tx};

/// What a signup through an intro code made: who the new user meets, and the notification.
#[derive(Debug, Clone)]
pub struct Introduction {
    pub intro: IntroCode,
    pub target: User,
    pub notification: ReferralNotification,
}

/// Introduces `user` (being created; the caller stores it) through `raw_code`. An unknown
/// code, or one whose target is gone, is ignored, as in the original.
pub fn introduce(
    tx: &mut Tx<'_>,
    raw_code: &str,
    user: &mut User,
    now: Millis,
) -> Result<Option<Introduction>, StoreError> {
    let Some(code) = normalize_intro_code(raw_code) else {
        return Ok(None);
    };
    let Some(intro) = tx.intro_code(&code)? else {
        return Ok(None);
    };
    let Some(target) = tx.user(&intro.target_user_id)? else {
        return Ok(None);
    };
    user.introduced_to = Some(target.id);
    user.introduced_via_code = Some(intro.code.clone());
    user.introduced_by = Some(intro.created_by);
    let mut notification = ReferralNotification {
        id: *uuid::Uuid::new_v4().as_bytes(),
        for_user_id: target.id,
        referred_user_id: user.id,
        referred_name: user.name.clone(),
        introduced_by: intro.created_by,
        introduced_by_name: intro.created_by_name.clone(),
        timestamp: now,
        read: false,
        version: 0,
    };
    tx.put_referral_notification(&mut notification)?;
    Ok(Some(Introduction {
        intro,
        target,
        notification,
    }))
}
