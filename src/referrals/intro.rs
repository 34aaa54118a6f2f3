//! Intro codes: 10 characters `[A-Z0-9]` from the OS random source (the original used
//! `Math.random`, §7.12), durable.

use crate::clock::Millis;
use crate::code_text::{normalize_code_of_len, random_code};
use crate::store::records::IntroCode;
use crate::store::{Id, Store, StoreError};

pub const INTRO_CODE_LEN: usize = 10;

#[derive(Debug)]
pub enum GenerateError {
    TargetNotFound,
    CreatorNotFound,
    Unavailable(StoreError),
}

impl From<StoreError> for GenerateError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// A code as a client sent it, trimmed and upper-cased; `None` unless 10 letters and digits.
pub fn normalize_intro_code(raw: &str) -> Option<String> {
    normalize_code_of_len(raw, INTRO_CODE_LEN)
}

/// `creator` introduces someone (yet unknown) to `target`. Self-targeting is allowed, as in
/// the original (a user sharing their own card).
pub async fn generate_intro(
    store: &Store,
    creator: Id,
    target: Id,
    now: Millis,
) -> Result<IntroCode, GenerateError> {
    store
        .write(move |tx| {
            let Some(target) = tx.user(&target)? else {
                return Ok(Err(GenerateError::TargetNotFound));
            };
            let Some(creator) = tx.user(&creator)? else {
                return Ok(Err(GenerateError::CreatorNotFound));
            };
            let code = loop {
                let code = random_code(INTRO_CODE_LEN);
                if tx.intro_code(&code)?.is_none() {
                    break code;
                }
            };
            let mut intro = IntroCode {
                code,
                target_user_id: target.id,
                target_name: target.name,
                created_by: creator.id,
                created_by_name: creator.name,
                created_at: now,
                version: 0,
            };
            tx.put_intro_code(&mut intro)?;
            Ok(Ok(intro))
        })
        .await?
}
