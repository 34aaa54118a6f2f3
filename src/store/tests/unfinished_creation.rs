//! README, "Storage faults": a data file whose creation a crash interrupted (redb's magic
//! number never written) is moved aside and the store starts on a new one; any other file
//! redb refuses stays where it is and the open fails.

use super::support::{open, put_guest, stored_guests};
use crate::store::db::DB_FILE;

#[tokio::test]
async fn a_file_whose_creation_never_finished_is_moved_aside_and_created_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    // As redb leaves it before its first sync: sized, the header without its magic number.
    let mut unfinished = vec![0u8; 64 * 1024];
    unfinished[9] = 0x02;
    std::fs::write(dir.path().join(DB_FILE), &unfinished).expect("file");

    let store = open(dir.path()).expect("the store opens");
    put_guest(&store, 1).await.expect("and takes writes");
    assert_eq!(stored_guests(&store, &[1]), vec![1]);
    let aside = dir.path().join(format!("{DB_FILE}.unfinished"));
    assert_eq!(std::fs::read(aside).expect("kept aside"), unfinished);
    store.close().await;
}

#[test]
fn a_foreign_file_is_left_alone_and_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(DB_FILE);
    std::fs::write(&path, b"not a database at all").expect("file");
    assert!(open(dir.path()).is_err(), "a foreign file is not opened");
    assert_eq!(
        std::fs::read(&path).expect("still there"),
        b"not a database at all"
    );
}
