//! A user's referral notifications: listing, marking read, and the pushed message.

use serde_json::{Value, json};

use crate::store::records::ReferralNotification;
use crate::store::{Id, Reader, Store, StoreError};

/// `GET /referral/notifications` lists at most this many, newest first.
pub const NOTIFICATIONS_LISTED: usize = 200;

/// `referral:notification`'s `message` (the original's text).
fn notification_message(notification: &ReferralNotification) -> String {
    format!("{} wants to connect with you!", notification.referred_name)
}

/// The notification as the API and `referral:notification` show it (the original's fields).
pub fn notification_json(n: &ReferralNotification) -> Value {
    let id = |id: &crate::store::Id| uuid::Uuid::from_bytes(*id).to_string();
    json!({
        "id": id(&n.id),
        "forUserId": id(&n.for_user_id),
        "referredUserId": id(&n.referred_user_id),
        "referredName": n.referred_name,
        "introducedBy": id(&n.introduced_by),
        "introducedByName": n.introduced_by_name,
        "timestamp": n.timestamp,
        "read": n.read,
    })
}

/// The `referral:notification` payload.
pub fn notification_event(n: &ReferralNotification) -> Value {
    json!({ "message": notification_message(n), "notification": notification_json(n) })
}

/// The user's unread notifications, newest first (sent on the socket's `auth`).
pub fn unread_notifications(
    reader: &Reader,
    user: &Id,
) -> Result<Vec<ReferralNotification>, StoreError> {
    let listed = reader.referral_notifications_for(user, NOTIFICATIONS_LISTED)?;
    Ok(listed.into_iter().filter(|n| !n.read).collect())
}

/// Marks `user`'s notification `id` read; `false` if the user has no such notification.
pub async fn mark_read(store: &Store, user: Id, id: Id) -> Result<bool, StoreError> {
    store
        .write(move |tx| {
            let Some(mut notification) = tx.referral_notification(&id)? else {
                return Ok(false);
            };
            if notification.for_user_id != user {
                return Ok(false);
            }
            if !notification.read {
                notification.read = true;
                tx.put_referral_notification(&mut notification)?;
            }
            Ok(true)
        })
        .await
}
