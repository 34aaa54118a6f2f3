//! A mirrored table described once, as a list of columns: each says its Postgres name and type,
//! how to read its value from the store record, and whether it is part of the key, updated on
//! conflict, and covered by `--verify`. The SQL (`sql.rs`) and the verify row text are both
//! generated from that one list.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::store::records::Id;

/// One array parameter of a statement, owning its values.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// A store record type mirrored into one Postgres table, described by [`Mirrored::describe`].
pub(crate) trait Mirrored: Sized + Send + Sync + 'static {
    fn describe() -> Table<Self>;
}

/// One mirrored table: its name and columns. (Its record kind is the one `kinds.rs` maps to
/// the record type.)
pub(crate) struct Table<R> {
    pub(crate) name: &'static str,
    pub(crate) columns: Vec<Column<R>>,
}

impl<R: 'static> Table<R> {
    /// `columns` in the table's order; `sync_version` (from the record's `version`) follows.
    pub(crate) fn new(name: &'static str, version: fn(&R) -> u64, columns: Vec<Column<R>>) -> Self {
        let mut columns = columns;
        columns.push(sync_version(version));
        Self { name, columns }
    }
}

/// `R`'s table, described once per process.
pub(crate) fn table<R: Mirrored>() -> &'static Table<R> {
    type Described = HashMap<TypeId, &'static (dyn Any + Send + Sync)>;
    static DESCRIBED: OnceLock<Mutex<Described>> = OnceLock::new();
    let mut described = DESCRIBED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let table = *described
        .entry(TypeId::of::<R>())
        .or_insert_with(|| Box::leak(Box::new(R::describe())));
    match table.downcast_ref() {
        Some(table) => table,
        None => unreachable!("described under its own type id"),
    }
}

/// The mirror key of a record the store deleted, from its outbox key: for a table keyed by
/// ids, the outbox key is those ids in key order; for one keyed by one address, its text.
/// `None` for a key that does not decode, and for tables with other keys (`chat_history`,
/// whose rows the store never deletes).
pub(crate) fn deleted_key<R: Mirrored>(outbox_key: &[u8]) -> Option<Vec<KeyPart>> {
    let keys: Vec<&Column<R>> = table::<R>()
        .columns
        .iter()
        .filter(|c| c.role == Role::Key)
        .collect();
    if let [key] = keys.as_slice()
        && key.ty == PgType::Inet
    {
        let text = std::str::from_utf8(outbox_key).ok()?;
        return Some(vec![KeyPart::Text(text.to_owned())]);
    }
    if keys.iter().any(|c| c.ty != PgType::Uuid) || outbox_key.len() != 16 * keys.len() {
        return None;
    }
    outbox_key
        .chunks_exact(16)
        .map(|chunk| Some(KeyPart::Uuid(uuid(&Id::try_from(chunk).ok()?))))
        .collect()
}

/// How a column travels: the array type of its UNNEST parameter and how the SELECT turns the
/// unnested value into the column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PgType {
    Uuid,
    Text,
    Int,
    Int8,
    Bool,
    Jsonb,
    /// Sent as BIGINT ms since the epoch; stored as the original's `TIMESTAMP` (UTC).
    Timestamp,
    /// Sent as text (NULL when not an address); stored as INET.
    Inet,
}

impl PgType {
    pub(crate) fn array(self) -> &'static str {
        match self {
            Self::Uuid => "uuid[]",
            Self::Text | Self::Inet => "text[]",
            Self::Int => "int[]",
            Self::Int8 | Self::Timestamp => "int8[]",
            Self::Bool => "bool[]",
            Self::Jsonb => "jsonb[]",
        }
    }
}

/// What a conflicting row does with the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Part of the conflict target (the primary key).
    Key,
    /// Replaced by the incoming value.
    Updated,
    /// Written on insert only: kept as it is on conflict (a trigger maintains it, or it is
    /// the row's creation time).
    InsertOnly,
}

/// One value of a key column, for deleting by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyPart {
    Uuid(Uuid),
    Text(String),
}

pub(crate) fn uuid(id: &Id) -> Uuid {
    Uuid::from_bytes(*id)
}

/// A value a column can carry: Postgres can take an array of it, and `--verify` writes it as
/// Postgres' `::text` would (ids hyphenated lower-case, booleans 0/1, NULL as empty).
pub(crate) trait PgValue: ToSql + Sync + Send + Sized + 'static {
    const NULLABLE: bool = false;
    fn verify_text(&self) -> String;
    /// The value as a key part; `None` for types no key uses.
    fn key_part(&self) -> Option<KeyPart> {
        None
    }
}

impl PgValue for Uuid {
    fn verify_text(&self) -> String {
        self.hyphenated().to_string()
    }
    fn key_part(&self) -> Option<KeyPart> {
        Some(KeyPart::Uuid(*self))
    }
}

impl PgValue for String {
    fn verify_text(&self) -> String {
        self.clone()
    }
    fn key_part(&self) -> Option<KeyPart> {
        Some(KeyPart::Text(self.clone()))
    }
}

impl PgValue for &'static str {
    fn verify_text(&self) -> String {
        (*self).to_owned()
    }
}

impl PgValue for bool {
    fn verify_text(&self) -> String {
        u8::from(*self).to_string()
    }
}

impl PgValue for i32 {
    fn verify_text(&self) -> String {
        self.to_string()
    }
}

impl PgValue for i64 {
    fn verify_text(&self) -> String {
        self.to_string()
    }
}

impl PgValue for serde_json::Value {
    fn verify_text(&self) -> String {
        self.to_string()
    }
}

impl<T: PgValue> PgValue for Option<T> {
    const NULLABLE: bool = true;
    fn verify_text(&self) -> String {
        self.as_ref().map(T::verify_text).unwrap_or_default()
    }
}

type ArrayOf<R> = Box<dyn Fn(&[R]) -> Param + Send + Sync>;
type TextOf<R> = Box<dyn Fn(&R) -> String + Send + Sync>;
type KeyOf<R> = Box<dyn Fn(&R) -> Option<KeyPart> + Send + Sync>;

pub(crate) struct Column<R> {
    pub(crate) name: &'static str,
    pub(crate) ty: PgType,
    pub(crate) role: Role,
    pub(crate) verified: bool,
    pub(crate) nullable: bool,
    array: ArrayOf<R>,
    text: TextOf<R>,
    key: KeyOf<R>,
}

impl<R: 'static> Column<R> {
    /// A column updated on conflict and not verified; see the builder methods below.
    pub(crate) fn new<V: PgValue>(
        name: &'static str,
        ty: PgType,
        get: impl Fn(&R) -> V + Clone + Send + Sync + 'static,
    ) -> Self {
        let (for_text, for_key) = (get.clone(), get.clone());
        Self {
            name,
            ty,
            role: Role::Updated,
            verified: false,
            nullable: V::NULLABLE,
            array: Box::new(move |rows| Box::new(rows.iter().map(&get).collect::<Vec<V>>())),
            text: Box::new(move |row| match ty {
                PgType::Inet => as_postgres_host(for_text(row).verify_text()),
                _ => for_text(row).verify_text(),
            }),
            key: Box::new(move |row| for_key(row).key_part()),
        }
    }

    /// Part of the primary key (and so of `--verify`'s row text).
    pub(crate) fn key(mut self) -> Self {
        self.role = Role::Key;
        self.verified = true;
        self
    }

    pub(crate) fn insert_only(mut self) -> Self {
        self.role = Role::InsertOnly;
        self
    }

    /// Covered by the `--verify` checksum.
    pub(crate) fn verified(mut self) -> Self {
        self.verified = true;
        self
    }

    pub(crate) fn values(&self, rows: &[R]) -> Param {
        (self.array)(rows)
    }

    pub(crate) fn verify_text(&self, row: &R) -> String {
        (self.text)(row)
    }

    pub(crate) fn key_part(&self, row: &R) -> Option<KeyPart> {
        (self.key)(row)
    }
}

/// An address as Postgres' `host()` writes it, which `--verify` compares with: the same as
/// `IpAddr`'s display except for the deprecated IPv4-compatible IPv6 addresses (the first 96
/// bits zero, then not `::` or `::1`...), which Postgres writes as `::1.2.3.4` and Rust as
/// `::102:304`. Anything that is not an address is left as it is.
fn as_postgres_host(text: String) -> String {
    match text.parse::<std::net::Ipv6Addr>() {
        Ok(ip) if ip.segments()[..6] == [0; 6] && ip.segments()[6] != 0 => {
            let [.., a, b, c, d] = ip.octets();
            format!("::{a}.{b}.{c}.{d}")
        }
        _ => text,
    }
}

/// The record's key, one part per key column.
pub(crate) fn key_of<R: Mirrored>(row: &R) -> Vec<KeyPart> {
    table::<R>()
        .columns
        .iter()
        .filter(|c| c.role == Role::Key)
        .filter_map(|c| c.key_part(row))
        .collect()
}

/// The verify row text: the verified columns joined by '|'.
pub(crate) fn verify_text<R: Mirrored>(row: &R) -> String {
    table::<R>()
        .columns
        .iter()
        .filter(|c| c.verified)
        .map(|c| c.verify_text(row))
        .collect::<Vec<_>>()
        .join("|")
}

/// `version` as Postgres BIGINT (sequence numbers stay far below i64::MAX).
pub(crate) fn version(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn int(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The `sync_version` column every mirrored table ends with (verified: it says which change
/// the row holds).
fn sync_version<R: 'static>(get: fn(&R) -> u64) -> Column<R> {
    Column::new("sync_version", PgType::Int8, move |r: &R| version(get(r))).verified()
}
