//! `napalmsky admin ...`: the real binary on a data directory, the password piped on stdin,
//! and a server started on the directory afterwards to see what the commands did.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{T0, TestServer};
use napalmsky::admin::{AdminRefusal, Reviewer, authorize};
use napalmsky::clock::ManualClock;
use reqwest::StatusCode;
use serde_json::json;

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `napalmsky admin <args> --data-dir <dir>` with `stdin` piped in.
fn admin(dir: &Path, args: &[&str], stdin: &str) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_napalmsky"))
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        // Cheap hashes keep the test fast; the defaults are the production parameters.
        .env("NAPALMSKY_ARGON2_MEMORY_KIB", "64")
        .env("NAPALMSKY_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Ran {
        ok: status.success(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn succeeds(ran: Ran, says: &str) -> Ran {
    assert!(ran.ok, "failed: {}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains(says), "stdout: {}", ran.stdout);
    ran
}

fn fails(ran: Ran, says: &str) {
    assert!(!ran.ok, "succeeded: {}", ran.stdout);
    assert!(ran.stderr.contains(says), "stderr: {}", ran.stderr);
}

fn never_shows(ran: &Ran, secret: &str) {
    assert!(!ran.stdout.contains(secret) && !ran.stderr.contains(secret));
    assert!(!ran.stdout.contains("$argon2") && !ran.stderr.contains("$argon2"));
}

async fn admin_login(server: &TestServer, password: &str) -> StatusCode {
    let body = json!({"username": "alice", "password": password});
    server.post("/admin/login", body, None).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_added_listed_repassworded_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let user = ["--username", "Alice"];
    let add = |password: &str| admin(&path, &[&["add"][..], &user].concat(), password);

    let ran = succeeds(add("first password\n"), "admin account 'alice' created");
    never_shows(&ran, "first password");
    fails(add("another password\n"), "already exists");
    let short = admin(&path, &["add", "--username", "bob"], "short\n");
    fails(short, "Password must be at least 8 characters");
    let bad = admin(&path, &["add", "--username", "a b"], "long enough\n");
    fails(bad, "invalid username");
    fails(
        admin(&path, &["add", "--username", "bob"], ""),
        "no password given",
    );

    let list = succeeds(admin(&path, &["list"], ""), "admin accounts: 1");
    assert!(list.stdout.contains("  alice  created "), "{}", list.stdout);
    assert!(list.stdout.contains("granted users: 0"), "{}", list.stdout);

    let passwd = admin(
        &path,
        &["passwd", "--username", "alice"],
        "second password\n",
    );
    never_shows(
        &succeeds(passwd, "password of 'alice' changed"),
        "second password",
    );
    let passwd = admin(
        &path,
        &["passwd", "--username", "nobody"],
        "third password\n",
    );
    fails(passwd, "no admin account has this username");

    let server = TestServer::start_in(dir, ManualClock::starting_at(T0), |_| {}).await;
    assert_eq!(admin_login(&server, "first password").await, 401);
    assert_eq!(admin_login(&server, "second password").await, 200);
    let (dir, _) = server.stop().await;

    let removed = admin(dir.path(), &["remove", "--username", "alice"], "");
    succeeds(removed, "admin account 'alice' removed; 1 session(s) ended");
    succeeds(admin(dir.path(), &["list"], ""), "admin accounts: 0");
    let again = admin(dir.path(), &["remove", "--username", "alice"], "");
    fails(again, "no admin account has this username");

    let server = TestServer::start_in(dir, ManualClock::starting_at(T0), |_| {}).await;
    assert_eq!(admin_login(&server, "second password").await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_granted_and_revoked_by_email() {
    let server = TestServer::start().await;
    let (op_id, _) = server.permanent("Op", "op@example.com", "password1").await;
    let (dir, clock) = server.stop().await;
    let path = dir.path().to_path_buf();

    let grant = |email: &str| admin(&path, &["grant-user", "--email", email], "");
    succeeds(
        grant(" OP@Example.com "),
        &format!("granted admin rights to user {op_id}"),
    );
    succeeds(grant("op@example.com"), "already holds admin rights");
    fails(
        grant("nobody@example.com"),
        "no user account has this email",
    );
    fails(grant("not an email"), "not an email address");
    let list = succeeds(admin(&path, &["list"], ""), "granted users: 1");
    let line = format!("  {op_id}  \"Op\"  granted ");
    assert!(list.stdout.contains(&line), "{}", list.stdout);
    assert!(list.stdout.contains("by \"napalmsky admin grant-user\""));
    assert!(
        !list.stdout.contains("op@example.com"),
        "no email it was not given"
    );

    // The granted user's own session now passes the admin check.
    let server = TestServer::start_in(dir, clock, |_| {}).await;
    let login = server.login("op@example.com", "password1").await;
    let token = login.body["sessionToken"].as_str().unwrap().to_owned();
    let store = server.running().internals().store();
    let reviewer = authorize(store, &token, T0).unwrap();
    let op = napalmsky::accounts::parse_id(&op_id).unwrap();
    assert_eq!(reviewer, Reviewer::GrantedUser { user_id: op });
    let (dir, clock) = server.stop().await;

    let revoke = |email: &str| admin(dir.path(), &["revoke-user", "--email", email], "");
    succeeds(
        revoke("op@example.com"),
        &format!("revoked admin rights of user {op_id}"),
    );
    fails(revoke("op@example.com"), "holds no admin grant");
    fails(
        revoke("nobody@example.com"),
        "no user account has this email",
    );

    let server = TestServer::start_in(dir, clock, |_| {}).await;
    let store = server.running().internals().store();
    let refused = authorize(store, &token, T0);
    assert!(
        matches!(refused, Err(AdminRefusal::NotAdmin)),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_held_by_a_server_is_refused() {
    let server = TestServer::start().await;
    let path = server.dir.path();
    let expected = format!(
        "the data directory {} is in use by a running napalmsky server; stop it first",
        path.display()
    );
    fails(admin(path, &["list"], ""), &expected);
    let add = admin(path, &["add", "--username", "alice"], "long enough\n");
    fails(add, &expected);
    // Nothing was written behind the server's back.
    let store = server.running().internals().store();
    assert!(store.read().unwrap().admin_accounts().unwrap().is_empty());
}
