//! A data file written by an older version of a record is refused when the store opens, with
//! an error naming the table and both record versions: never a panic, never a misread.
//!
//! The fixture `fixtures/users_v0.redb` is a data file as a build with a `v0` user record
//! would have left it: the `users` table holds `UserV0` archives under the type name
//! `napalmsky.user.v0.rkyv08-unaligned-le`, and `meta` says schema version 1, so only the
//! record's type name tells the versions apart. It was made by the ignored test below:
//! `cargo test -p napalmsky --lib regenerate_the_users_v0_fixture -- --ignored`.

use std::path::PathBuf;

use redb::{Database, TableDefinition};
use rkyv::{Archive, Deserialize, Serialize};

use super::support::{NOW, fresh_store, id, open, put_guest};
use crate::clock::Millis;
use crate::store::StoreError;
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::db::DB_FILE;
use crate::store::id::Id;
use crate::store::records::User;
use crate::store::tables::{META, META_SCHEMA_VERSION, SCHEMA_VERSION};

const OLD_TYPE_NAME: &str = "napalmsky.user.v0.rkyv08-unaligned-le";

/// An older, smaller user record.
#[derive(Archive, Serialize, Deserialize, Debug)]
struct UserV0 {
    id: Id,
    name: String,
    created_at: Millis,
}

impl Record for UserV0 {
    const TYPE_NAME: &'static str = OLD_TYPE_NAME;
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/store/tests/fixtures/users_v0.redb")
}

#[test]
fn a_table_of_an_older_record_version_is_refused_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixture(), dir.path().join(DB_FILE)).expect("fixture copied");

    let Err(error) = open(dir.path()) else {
        panic!("a store with a v0 users table opened");
    };
    let StoreError::Incompatible(message) = &error else {
        panic!("not refused as another version: {error}");
    };
    for named in ["users", OLD_TYPE_NAME, <User as Record>::TYPE_NAME] {
        assert!(message.contains(named), "{named:?} missing from: {message}");
    }
}

/// The control: a file of the current versions opens again.
#[tokio::test]
async fn a_file_of_the_current_record_versions_opens_again() {
    let (store, dir) = fresh_store();
    put_guest(&store, 1).await.expect("write");
    store.close().await;
    drop(store);
    let reopened = open(dir.path()).expect("reopens");
    assert!(
        reopened
            .read()
            .expect("reader")
            .user(&id(1))
            .expect("read")
            .is_some()
    );
}

#[test]
#[ignore = "writes the fixture file; run by hand after an intended change"]
fn regenerate_the_users_v0_fixture() {
    let path = fixture();
    let _ = std::fs::remove_file(&path);
    let mut db = Database::create(&path).expect("fixture database");
    let txn = db.begin_write().expect("write");
    {
        let users: TableDefinition<Id, Rkyv<UserV0>> = TableDefinition::new("users");
        let old = UserV0 {
            id: id(1),
            name: "written by v0".into(),
            created_at: NOW,
        };
        let bytes = encode(&old).expect("encode");
        txn.open_table(users)
            .expect("users")
            .insert(old.id, Stored::<UserV0>::new(&bytes))
            .expect("insert");
        txn.open_table(META)
            .expect("meta")
            .insert(META_SCHEMA_VERSION, SCHEMA_VERSION)
            .expect("schema version");
    }
    txn.commit().expect("commit");
    db.compact().expect("compact");
}
