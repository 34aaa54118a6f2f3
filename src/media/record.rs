//! The user record's side of an upload: the URL is set in one store write, and once that is
//! committed the file it replaced is deleted, so a user has one selfie and one video on disk.

use super::format::MediaKind;
use super::name::StoredName;
use super::storage::Uploads;
use crate::domain::Profile;
use crate::store::records::User;
use crate::store::{Id, StoreError, Tx};

/// The user after the change, and the URL it replaced.
pub struct MediaChanged {
    pub user: User,
    pub previous: Option<String>,
}

/// Sets the user's URL of `kind`; `None` if the user does not exist.
pub fn set_url(
    tx: &mut Tx<'_>,
    user_id: Id,
    kind: MediaKind,
    url: String,
) -> Result<Option<MediaChanged>, StoreError> {
    let Some(mut user) = tx.user(&user_id)? else {
        return Ok(None);
    };
    let slot = match kind {
        MediaKind::Selfie => &mut user.selfie_url,
        MediaKind::Video => &mut user.video_url,
    };
    let previous = slot.replace(url);
    tx.put_user(&mut user)?;
    Ok(Some(MediaChanged { user, previous }))
}

/// Deletes the file a committed change replaced, if it was one of ours (an imported URL, or
/// one of another host, names no file here). Called only after the commit: a crash between
/// the two leaves an unreferenced file, never a URL without its file.
pub async fn delete_replaced(uploads: &Uploads, previous: Option<&str>, current: &StoredName) {
    let Some(old) = previous.and_then(StoredName::from_url) else {
        return;
    };
    if old == *current {
        return;
    }
    if let Err(e) = uploads.remove(&old).await {
        tracing::warn!(error = %e, file = %old, "could not delete a replaced upload");
    }
}

/// The realtime profile of a user record (what queue cards and `call:notify` show).
pub fn profile_of(user: &User) -> Profile {
    Profile::new(
        user.id,
        user.name.clone(),
        user.gender.as_str().to_owned(),
        user.selfie_url.clone(),
        user.video_url.clone(),
    )
}
