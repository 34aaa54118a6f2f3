//! `cooldowns`: one row per pair of users who may not meet again yet.

use std::sync::LazyLock;

use super::columns::{Column, KeyPart, Mirrored, PgType, sync_version, uuid};
use crate::store::records::{Cooldown, Id, RecordKind};

static COLUMNS: LazyLock<Vec<Column<Cooldown>>> = LazyLock::new(|| {
    use PgType::{Timestamp, Uuid};
    vec![
        Column::new("user_id_1", Uuid, |c: &Cooldown| uuid(&c.a)).key(),
        Column::new("user_id_2", Uuid, |c: &Cooldown| uuid(&c.b)).key(),
        Column::new("expires_at", Timestamp, |c: &Cooldown| c.until),
        sync_version(|c: &Cooldown| c.version),
    ]
});

impl Mirrored for Cooldown {
    const KIND: RecordKind = RecordKind::Cooldown;
    const TABLE: &'static str = "cooldowns";

    fn columns() -> &'static [Column<Self>] {
        &COLUMNS
    }

    /// The outbox key is the pair's two ids.
    fn deleted_key(outbox_key: &[u8]) -> Option<Vec<KeyPart>> {
        let a: Id = outbox_key.get(..16)?.try_into().ok()?;
        let b: Id = outbox_key.get(16..32)?.try_into().ok()?;
        Some(vec![KeyPart::Uuid(uuid(&a)), KeyPart::Uuid(uuid(&b))])
    }
}
