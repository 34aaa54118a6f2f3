//! A real coturn (`turnserver --use-auth-secret`) on loopback checks the credentials a
//! server with the same secret hands out: `turnutils_uclient` allocates a relay with a
//! fresh one, and is refused with an expired one and with one signed by another secret.
//! coturn compares the username's expiry with the real time, so the server under test runs
//! on a manual clock set near the real time.
//!
//! Needs Debian's `coturn` package (`turnserver`, `turnutils_uclient`). Without it the test
//! is skipped with the reason printed; `.ci/run` installs it and sets `CI=true`, which makes
//! it mandatory.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TestServer;
use napalmsky::clock::{Clock, ManualClock, SystemClock};

const SECRET: &str = "coturn-e2e-secret";

fn skip_or_fail(reason: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("the coturn test is mandatory in CI: {reason}");
    }
    eprintln!("SKIPPED coturn test: {reason}");
    true
}

fn installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A loopback port free for both UDP and TCP (coturn listens on both).
fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// A child process killed when the test ends, passing or not.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts coturn and returns once it accepts connections on `port`.
async fn start_coturn(port: u16, dir: &Path) -> Killed {
    let child = Command::new("turnserver")
        .args([
            "-n",
            "--use-auth-secret",
            &format!("--static-auth-secret={SECRET}"),
            "--realm=napalmsky",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            &format!("--listening-port={port}"),
            // uclient's peer is itself on loopback.
            "--allow-loopback-peers",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--log-file=stdout",
            &format!("--pidfile={}", dir.join("turnserver.pid").display()),
            &format!("--userdb={}", dir.join("turndb").display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    common::wait_until(10, "coturn to listen", || {
        let exited = child.0.try_wait().unwrap();
        assert!(exited.is_none(), "turnserver exited: {exited:?}");
        let up = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok();
        async move { up }
    })
    .await;
    child
}

/// Allocates a relay with `turnutils_uclient` and sends one message through it (client to
/// client). Returns whether coturn relayed it, and the tool's output.
async fn allocate(dir: &Path, port: u16, username: &str, credential: &str) -> (bool, String) {
    // Output to a file: a pipe nobody reads while waiting could fill and block the tool.
    let log = dir.join("uclient.log");
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new("turnutils_uclient")
        .args(["-u", username, "-w", credential])
        .args(["-y", "-n", "1", "-m", "1", "-e", "127.0.0.1"])
        .args(["-p", &port.to_string(), "127.0.0.1"])
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut status = None;
    common::wait_until(30, "turnutils_uclient to finish", || {
        status = child.0.try_wait().unwrap();
        let done = status.is_some();
        async move { done }
    })
    .await;
    let status = status.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    // Its summary line: `start_mclient: tot_send_msgs=4, tot_recv_msgs=4`.
    let received = text
        .lines()
        .filter_map(|line| line.split("tot_recv_msgs=").nth(1))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let relayed = status.success() && !text.contains("ERROR") && received > 0;
    (relayed, text)
}

/// The TURN entry of a `/turn/credentials` answer: (username, credential).
async fn turn_credential(server: &TestServer, token: &str) -> (String, String) {
    let reply = server.get("/turn/credentials", Some(token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["provider"], "coturn");
    let turn = &reply.body["iceServers"][1];
    (
        turn["username"].as_str().unwrap().to_owned(),
        turn["credential"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn coturn_accepts_fresh_credentials_and_refuses_expired_or_forged_ones() {
    for program in ["turnserver", "turnutils_uclient"] {
        if !installed(program) && skip_or_fail(&format!("{program} is not installed")) {
            return;
        }
    }
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    let _coturn = start_coturn(port, work.path()).await;

    // Two hours in the past: the first credential (one hour TTL) expired an hour ago.
    let real_now = SystemClock.now_ms();
    let clock = ManualClock::starting_at(real_now - 2 * 3_600_000);
    let server = TestServer::start_in(tempfile::tempdir().unwrap(), clock, |config| {
        config.turn.turn_secret = Some(SECRET.into());
        config.turn.turn_urls = vec![format!("turn:127.0.0.1:{port}")];
    })
    .await;
    let (user_id, token) = server.guest("Ada").await;

    let (expired, expired_credential) = turn_credential(&server, &token).await;
    let expiry: i64 = expired.split(':').next().unwrap().parse().unwrap();
    assert!(expiry * 1000 < real_now, "{expired} is in the past");
    let (relayed, output) = allocate(work.path(), port, &expired, &expired_credential).await;
    assert!(!relayed, "an expired credential was accepted:\n{output}");
    assert!(output.contains("Cannot complete Allocation"), "{output}");

    // Back to the real time: the expired credential is not reused; the new one works.
    server.clock.advance(Duration::from_secs(2 * 3600));
    let (fresh, fresh_credential) = turn_credential(&server, &token).await;
    assert_ne!(fresh, expired);
    assert!(fresh.ends_with(&format!(":{user_id}")));
    let (relayed, output) = allocate(work.path(), port, &fresh, &fresh_credential).await;
    assert!(relayed, "coturn refused a fresh credential:\n{output}");

    // The same username signed with another secret is refused: coturn checks the signature.
    let forged = napalmsky::turn::credential(b"another-secret", &user_id, expiry + 7200);
    assert_eq!(forged.username, fresh, "same username as the fresh one");
    let (relayed, output) = allocate(work.path(), port, &forged.username, &forged.credential).await;
    assert!(!relayed, "a forged credential was accepted:\n{output}");
}
