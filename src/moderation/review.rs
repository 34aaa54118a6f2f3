//! `POST /report/review/:userId`: an admin's decision on a ban, durable (the original kept
//! unbans in memory only, so a restart brought them back).

use super::addresses;
use super::rules::ModerationRules;
use crate::clock::Millis;
use crate::store::records::{BanStatus, IpBan};
use crate::store::{Id, Store, StoreError, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The ban stands for good; the user appears on the public blacklist.
    Permanent,
    /// The ban is lifted, with the IP bans no other banned user holds.
    Vindicated,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "permanent" => Some(Self::Permanent),
            "vindicated" => Some(Self::Vindicated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permanent => "permanent",
            Self::Vindicated => "vindicated",
        }
    }

    /// The original's `reviewStatus` for the decision.
    fn review_status(self) -> &'static str {
        match self {
            Self::Permanent => "reviewed_ban",
            Self::Vindicated => "reviewed_vindicate",
        }
    }
}

#[derive(Debug)]
pub enum ReviewError {
    NoBanRecord,
    Unavailable(StoreError),
}

impl From<StoreError> for ReviewError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// What a review changed, for the gate and the sockets.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub user_id: Id,
    pub decision: Decision,
    /// Addresses whose ban the vindication lifted.
    pub lifted: Vec<String>,
    /// Addresses a permanent ban IP-banned that were not banned (lifted by an earlier
    /// vindication, or no longer shared).
    pub banned: Vec<IpBan>,
}

/// Records `decision` on `user_id`'s ban, reviewed by `reviewer` (an admin's username or a
/// granted user's id).
pub async fn review(
    store: &Store,
    rules: ModerationRules,
    user_id: Id,
    decision: Decision,
    reviewer: String,
    now: Millis,
) -> Result<Reviewed, ReviewError> {
    store
        .write(move |tx| write(tx, &rules, user_id, decision, reviewer, now))
        .await?
}

fn write(
    tx: &mut Tx<'_>,
    rules: &ModerationRules,
    user_id: Id,
    decision: Decision,
    reviewer: String,
    now: Millis,
) -> Result<Result<Reviewed, ReviewError>, StoreError> {
    let Some(mut record) = tx.ban_record(&user_id)? else {
        return Ok(Err(ReviewError::NoBanRecord));
    };
    let status = match decision {
        Decision::Permanent => BanStatus::Permanent,
        Decision::Vindicated => BanStatus::Vindicated,
    };
    record.ban_status = status;
    record.review_status = Some(decision.review_status().to_owned());
    record.reviewed_at = Some(now);
    record.reviewed_by = Some(reviewer);
    tx.put_ban_record(&mut record)?;
    if let Some(mut user) = tx.user(&user_id)? {
        user.ban_status = match decision {
            Decision::Permanent => BanStatus::Permanent,
            Decision::Vindicated => BanStatus::None,
        };
        user.review_status = record.review_status.clone();
        user.updated_at = now;
        tx.put_user(&mut user)?;
    }
    let mut reviewed = Reviewed {
        user_id,
        decision,
        lifted: Vec::new(),
        banned: Vec::new(),
    };
    match decision {
        Decision::Vindicated => reviewed.lifted = lift_ip_bans(tx, &record.ip_addresses, user_id)?,
        Decision::Permanent => {
            let (ips, reason) = (&record.ip_addresses, &record.banned_reason);
            reviewed.banned = addresses::ban_unshared(tx, &user_id, ips, reason, rules, now)?;
        }
    }
    Ok(Ok(reviewed))
}

/// Lifts the IP bans this user's ban made, except where another banned user was recorded.
fn lift_ip_bans(tx: &mut Tx<'_>, ips: &[String], user_id: Id) -> Result<Vec<String>, StoreError> {
    let mut lifted = Vec::new();
    for ip in ips {
        let Some(ban) = tx.ip_ban(ip)? else { continue };
        if ban.user_id == Some(user_id) && !addresses::held_by_another_ban(tx, ip, &user_id)? {
            tx.delete_ip_ban(ip)?;
            lifted.push(ip.clone());
        }
    }
    Ok(lifted)
}
