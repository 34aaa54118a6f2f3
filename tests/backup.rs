//! `napalmsky backup` and `napalmsky restore`: the real binary against a running server (over
//! its control socket) and against a stopped data directory; what a backup holds, that it is
//! verified, and that a restore refuses to mix with existing data.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::TestServer;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR png payload";

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The JSON summary the command printed (log lines may share stdout).
    fn summary(&self) -> Value {
        let line = self.stdout.lines().rev().find(|l| l.starts_with('{'));
        let line = line.unwrap_or_else(|| panic!("no summary: {}{}", self.stdout, self.stderr));
        serde_json::from_str(line).unwrap()
    }
}

/// Runs the binary off the async threads (the server under test shares the runtime).
async fn napalmsky(args: Vec<String>) -> Ran {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(env!("CARGO_BIN_EXE_napalmsky"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        Ran {
            ok: output.status.success(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    })
    .await
    .unwrap()
}

async fn backup(data_dir: &Path, to: &Path) -> Ran {
    let args = ["backup", "--data-dir", s(data_dir), "--to", s(to)];
    napalmsky(args.map(str::to_owned).to_vec()).await
}

async fn restore(from: &Path, data_dir: &Path) -> Ran {
    let args = ["restore", "--from", s(from), "--data-dir", s(data_dir)];
    napalmsky(args.map(str::to_owned).to_vec()).await
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn succeeded(ran: Ran) -> Value {
    assert!(ran.ok, "failed: {}{}", ran.stdout, ran.stderr);
    ran.summary()
}

fn failed(ran: Ran, says: &str) {
    assert!(!ran.ok, "succeeded: {}", ran.stdout);
    assert!(ran.stderr.contains(says), "stderr: {}", ran.stderr);
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A server started on a restored directory.
async fn started_on(dir: tempfile::TempDir) -> TestServer {
    TestServer::start_in(
        dir,
        napalmsky::clock::ManualClock::starting_at(common::T0),
        |_| {},
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_change_acknowledged_before_it() {
    let server = Arc::new(TestServer::start().await);
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    // Per writer: its first user's token and the last profile edit answered 200.
    let edited: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (server, acknowledged, stop) = (server.clone(), acknowledged.clone(), stop.clone());
        let edited = edited.clone();
        writers.push(tokio::spawn(async move {
            let (_, first) = server.guest(&format!("w{writer}")).await;
            let slot = {
                let mut edited = edited.lock().unwrap();
                edited.push((first.clone(), 0));
                edited.len() - 1
            };
            let mut n = 1;
            while !stop.load(Ordering::SeqCst) {
                // A new record, and a change to an existing one.
                let user = server.guest(&format!("w{writer}n{n}")).await;
                acknowledged.lock().unwrap().push(user);
                let edit = json!({"socials": {"x": format!("@edit{n}")}});
                let reply = server.put("/user/me", edit, Some(&first)).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                edited.lock().unwrap()[slot].1 = n;
                n += 1;
            }
        }));
    }
    // Load is running: some changes are in before the backup is asked for.
    common::wait_until(30, "signups under way", || {
        let count = acknowledged.lock().unwrap().len();
        async move { count >= 50 }
    })
    .await;
    let edits_before: Vec<(String, u64)> = edited.lock().unwrap().clone();
    let before: Vec<(String, String)> = acknowledged.lock().unwrap().clone();
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("nightly");
    let ran = backup(server.dir.path(), &to).await;
    let during = acknowledged.lock().unwrap().len() - before.len();
    assert!(during > 0, "writes went on while the backup ran");
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    let total = acknowledged.lock().unwrap().len();
    let summary = succeeded(ran);
    assert_eq!(summary["via"], "server", "{summary}");
    assert_eq!(summary["verified"], true);
    let users = summary["users"].as_u64().unwrap() as usize;
    assert!(
        // (plus each writer's first user, not in `acknowledged`)
        users >= before.len() && users <= total + 4,
        "{users} users in the backup; {} acknowledged before it, {total} in all ({during} during)",
        before.len()
    );
    // Private: it holds password hashes and tokens.
    assert_eq!(mode(&to), 0o700);
    assert_eq!(mode(&to.join("napalmsky.redb")), 0o600);
    assert_eq!(mode(&to.join("MANIFEST.json")), 0o600);
    // The staged copy inside the data directory is gone.
    let staging = server.dir.path().join(".backups");
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);

    let fresh = tempfile::tempdir().unwrap();
    let restored = succeeded(restore(&to, fresh.path()).await);
    assert_eq!(restored["users"], summary["users"]);
    let server = Arc::into_inner(server).unwrap();
    server.stop().await;
    let server = started_on(fresh).await;
    for (user_id, token) in &before {
        let me = server.get("/user/me", Some(token)).await;
        assert_eq!(
            me.status, 200,
            "user {user_id} acknowledged before the backup"
        );
        assert_eq!(me.body["userId"], *user_id);
    }
    // An edit acknowledged before the backup is there, or a later one.
    for (token, acknowledged_edit) in &edits_before {
        let me = server.get("/user/me", Some(token)).await;
        let x = me.body["socials"]["x"].as_str().unwrap_or("@edit0");
        let restored_edit: u64 = x.trim_start_matches("@edit").parse().unwrap();
        assert!(
            restored_edit >= *acknowledged_edit,
            "{x} < edit {acknowledged_edit}"
        );
    }
    let health = server.get("/health", None).await;
    assert_eq!(health.body["store"]["users"].as_u64(), Some(users as u64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_directory_is_backed_up_directly() {
    let server = TestServer::start().await;
    let (user_id, token) = server.guest("Gus").await;
    let (dir, _clock) = server.stop().await;
    assert!(
        !dir.path().join("control.sock").exists(),
        "the socket goes with the server"
    );

    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("b");
    let summary = succeeded(backup(dir.path(), &to).await);
    assert_eq!(summary["via"], "direct");
    assert_eq!(summary["users"], 1);

    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("data");
    succeeded(restore(&to, &target).await);
    let restored = tempfile::tempdir().unwrap();
    std::fs::remove_dir(restored.path()).unwrap();
    std::fs::rename(&target, restored.path()).unwrap();
    let server = started_on(restored).await;
    let me = server.get("/user/me", Some(&token)).await;
    assert_eq!(me.body["userId"], user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_in_the_backup_and_served_after_a_restore() {
    let server = TestServer::start().await;
    let (_, token) = server.guest("Pia").await;
    let body = {
        let boundary = "b0undary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"selfie\"; \
             filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(PNG);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        body
    };
    let reply = server
        .http
        .post(format!("{}/media/selfie", server.base))
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .header("authorization", format!("Bearer {token}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let url = reply.json::<Value>().await.unwrap()["selfieUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = url.rsplit('/').next().unwrap().to_owned();

    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("b");
    let summary = succeeded(backup(server.dir.path(), &to).await);
    assert_eq!(summary["uploads"], 1);
    assert_eq!(std::fs::read(to.join("uploads").join(&name)).unwrap(), PNG);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(to.join("MANIFEST.json")).unwrap()).unwrap();
    assert_eq!(manifest["uploads"][0]["name"], name.as_str());
    assert_eq!(manifest["uploads"][0]["bytes"], PNG.len());
    server.stop().await;

    let fresh = tempfile::tempdir().unwrap();
    succeeded(restore(&to, fresh.path()).await);
    let server = started_on(fresh).await;
    let path = &url[url.find("/uploads/").unwrap()..];
    let served = server
        .http
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_directory_holding_data_and_backup_a_used_target() {
    let server = TestServer::start().await;
    server.guest("Gus").await;
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("b");
    succeeded(backup(server.dir.path(), &to).await);

    // Into the live data directory, and into one holding any file at all.
    failed(restore(&to, server.dir.path()).await, "already holds data");
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), b"keep me").unwrap();
    failed(restore(&to, other.path()).await, "already holds data");
    assert_eq!(
        std::fs::read(other.path().join("notes.txt")).unwrap(),
        b"keep me"
    );
    assert_eq!(std::fs::read_dir(other.path()).unwrap().count(), 1);

    // No database there: refused, and nothing created.
    let nowhere = backups.path().join("no-such-dir");
    failed(
        backup(&nowhere, &backups.path().join("c")).await,
        "holds no napalmsky database",
    );
    assert!(!nowhere.exists());

    // A backup never goes into a directory holding something.
    failed(backup(server.dir.path(), &to).await, "is not empty");
    // Nothing left behind next to the target or in the data directory.
    assert_eq!(std::fs::read_dir(backups.path()).unwrap().count(), 1);
    let staging = server.dir.path().join(".backups");
    assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
}

/// Copies a backup directory (files and `uploads/`) for tampering with.
fn copy_backup(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_backup(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("MANIFEST.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_backup_fails_verification() {
    let server = TestServer::start().await;
    for n in 0..5 {
        server.guest(&format!("g{n}")).await;
    }
    let backups = tempfile::tempdir().unwrap();
    let good = backups.path().join("good");
    succeeded(backup(server.dir.path(), &good).await);
    server.stop().await;
    let restore_into = |name: &str| backups.path().join(format!("restored-{name}"));

    // One byte of the database flipped.
    let flipped = backups.path().join("flipped");
    copy_backup(&good, &flipped);
    let db = flipped.join("napalmsky.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&db, bytes).unwrap();
    let target = restore_into("flipped");
    failed(restore(&flipped, &target).await, "SHA-256");
    assert!(!target.exists(), "nothing restored from a damaged backup");

    // A record count changed in the manifest (its file checksum still right).
    let recounted = backups.path().join("recounted");
    copy_backup(&good, &recounted);
    edit_manifest(&recounted, |m| {
        let tables = m["tables"].as_array_mut().unwrap();
        let users = tables.iter_mut().find(|t| t["name"] == "users").unwrap();
        users["entries"] = json!(6);
    });
    failed(
        restore(&recounted, &restore_into("recounted")).await,
        "table users holds 5 entries, the manifest says 6",
    );

    // A table checksum changed; an upload that is not in the manifest; no manifest at all.
    let rehashed = backups.path().join("rehashed");
    copy_backup(&good, &rehashed);
    edit_manifest(&rehashed, |m| m["tables"][0]["sha256"] = json!("00"));
    failed(
        restore(&rehashed, &restore_into("rehashed")).await,
        "checksum differs",
    );
    let extra = backups.path().join("extra");
    copy_backup(&good, &extra);
    std::fs::write(extra.join("uploads").join("planted.png"), PNG).unwrap();
    failed(
        restore(&extra, &restore_into("extra")).await,
        "not in the manifest",
    );
    let unfinished = backups.path().join("unfinished");
    copy_backup(&good, &unfinished);
    std::fs::remove_file(unfinished.join("MANIFEST.json")).unwrap();
    failed(
        restore(&unfinished, &restore_into("unfinished")).await,
        "incomplete",
    );

    // The untouched one still restores.
    succeeded(restore(&good, &restore_into("good")).await);
    assert!(napalmsky::backup::verify(&good).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_socket_is_private_and_answers_bad_requests_with_an_error() {
    // What a killed server left: a stale socket file and a staged backup nobody collected.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("control.sock"), b"stale").unwrap();
    std::fs::create_dir_all(dir.path().join(".backups/1-abandoned")).unwrap();
    let server = started_on(dir).await;
    assert!(!server.dir.path().join(".backups/1-abandoned").exists());
    let socket: PathBuf = server.dir.path().join("control.sock");
    assert_eq!(mode(&socket), 0o600);
    for bad in [
        &b"{\"op\":\"drop tables\"}\n"[..],
        b"not json\n",
        &[b'x'; 5000],
    ] {
        let stream = tokio::net::UnixStream::connect(&socket).await.unwrap();
        let (read, mut write) = stream.into_split();
        write.write_all(bad).await.unwrap();
        write.shutdown().await.unwrap();
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await.unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(answer["ok"], false, "{line}");
        assert!(answer["error"].as_str().is_some(), "{line}");
    }
    // Still serving, and a backup still works.
    assert_eq!(server.get("/health", None).await.status, 200);
    let backups = tempfile::tempdir().unwrap();
    succeeded(backup(server.dir.path(), &backups.path().join("b")).await);
    let (dir, _) = server.stop().await;
    assert!(!dir.path().join("control.sock").exists());
}
