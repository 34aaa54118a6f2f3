//! `napalmsky import --from-postgres`: a database with the original's schema and sample rows
//! is imported into a new data directory, then a server on it accepts the old passwords and
//! tokens. Rows that break a rule are reported. Tests that need Postgres are skipped with a
//! printed reason where none is reachable (mandatory in CI).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::TestServer;
use common::pg::{client, fresh_database};
use napalmsky::cli::{ImportArgs, ReplayArgs};
use napalmsky::clock::{ManualClock, SystemClock};
use napalmsky::store::Store;
use napalmsky::store::records::{AccountType, BanStatus, PaidStatus};
use napalmsky::sync::import::{ImportReport, TableReport, import};
use serde_json::json;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

const ORIGINAL_SCHEMA: &str = include_str!("../src/sync/sql/001_original.sql");

const ANN: &str = "00000000-0000-4000-8000-00000000000a";
const GUS: &str = "00000000-0000-4000-8000-00000000000b";
const COLE: &str = "00000000-0000-4000-8000-00000000000c";
const ACTIVE: &str = "10000000-0000-4000-8000-000000000001";
const INVALIDATED: &str = "10000000-0000-4000-8000-000000000002";
const EXPIRED: &str = "10000000-0000-4000-8000-000000000003";
const GUS_SESSION: &str = "10000000-0000-4000-8000-000000000004";
const ROOM: &str = "20000000-0000-4000-8000-000000000001";

const DAY: i64 = 86_400_000;

fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// `$n` (ms since the epoch) as the original's TIMESTAMP (UTC, without time zone).
fn ts(n: usize) -> String {
    format!("(to_timestamp(${n}::bigint / 1000.0) AT TIME ZONE 'UTC')")
}

fn id(text: &str) -> [u8; 16] {
    Uuid::parse_str(text).unwrap().into_bytes()
}

async fn exec(db: &tokio_postgres::Client, sql: &str, params: &[&(dyn ToSql + Sync)]) {
    db.execute(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e} {:?}", e.as_db_error()));
}

fn table<'r>(report: &'r ImportReport, name: &str) -> &'r TableReport {
    report
        .table(name)
        .unwrap_or_else(|| panic!("no {name} in the report:\n{report}"))
}

/// `user`'s referral notifications as (referred name, introducer name, read).
fn reader_notifications(store: &Store, user: &str) -> Vec<(String, String, bool)> {
    let listed = store
        .read()
        .unwrap()
        .referral_notifications_for(&id(user), 10)
        .unwrap();
    listed
        .into_iter()
        .map(|n| (n.referred_name, n.introduced_by_name, n.read))
        .collect()
}

/// Drains the data directory's outbox into `mirror` and verifies it; fails on a difference.
async fn replay_and_verify(
    dir: &std::path::Path,
    mirror: &str,
) -> napalmsky::sync::replay::ReplayReport {
    let replay = napalmsky::sync::replay::replay(&ReplayArgs {
        data_dir: dir.to_path_buf(),
        postgres_url: mirror.to_owned(),
        full: false,
        verify: true,
        dry_run: false,
        batch_size: 1000,
    })
    .await
    .unwrap();
    assert!(replay.differences.is_empty(), "{:?}", replay.differences);
    replay
}

fn args(url: &str, dir: &std::path::Path) -> ImportArgs {
    ImportArgs {
        from_postgres: url.to_owned(),
        data_dir: dir.to_path_buf(),
    }
}

/// Times shared by the sample rows and the assertions, whole seconds like the original's.
struct Times {
    now: i64,
    ann_created: i64,
    active_expires: i64,
    call_started: i64,
    cooldown_until: i64,
    banned_at: i64,
}

impl Times {
    fn new() -> Self {
        let now = now_ms() / 1000 * 1000;
        Self {
            now,
            ann_created: now - 10 * DAY,
            active_expires: now + 30 * DAY,
            call_started: now - 2 * DAY,
            cooldown_until: now + DAY,
            banned_at: now - DAY / 24,
        }
    }
}

/// The original's schema and sample rows: Ann (permanent, bcrypt, mixed-case email), Gus
/// (guest), Cole (permanent, email equal to Ann's once lower-cased, banned in ban_records).
async fn seed_original(url: &str, t: &Times) {
    let db = client(url).await;
    db.batch_execute(ORIGINAL_SCHEMA).await.unwrap();
    let ann_hash = bcrypt::hash("old-password", 4).unwrap();
    let cole_hash = bcrypt::hash("cole-password", 4).unwrap();
    let ann = Uuid::parse_str(ANN).unwrap();
    let gus = Uuid::parse_str(GUS).unwrap();
    let cole = Uuid::parse_str(COLE).unwrap();
    exec(
        &db,
        &format!(
            "INSERT INTO users (user_id, name, gender, account_type, email, password_hash,
                socials, timer_total_seconds, session_count, last_sessions, paid_status, paid_at,
                qr_unlocked, created_at)
             VALUES ($1, '  Ann  ', 'female', 'permanent', ' Ann@Example.COM', $2,
                '{{\"instagram\": \"@ann\"}}', 95, 1, $3, 'paid', {}, TRUE, {})",
            ts(4),
            ts(5)
        ),
        &[
            &ann,
            &ann_hash,
            &json!([{"at": t.call_started, "duration": 95}]),
            &(t.ann_created + 1000),
            &t.ann_created,
        ],
    )
    .await;
    exec(
        &db,
        "INSERT INTO users (user_id, name, gender, account_type, selfie_url)
         VALUES ($1, 'Gus', 'male', 'guest', 'https://cdn.example/gus.jpg')",
        &[&gus],
    )
    .await;
    exec(
        &db,
        &format!(
            "INSERT INTO users (user_id, name, gender, account_type, email, password_hash,
                created_at)
             VALUES ($1, 'Cole', 'nonbinary', 'permanent', 'ann@example.com', $2, {})",
            ts(3)
        ),
        &[&cole, &cole_hash, &(t.now - DAY)],
    )
    .await;
    let session = format!(
        "INSERT INTO sessions (session_token, user_id, ip_address, device_info, is_active,
            created_at, expires_at)
         VALUES ($1, $2, $3::text::inet, 'Firefox', $4, {}, {})",
        ts(5),
        ts(6)
    );
    for (token, user, ip, active, expires) in [
        (ACTIVE, ann, Some("203.0.113.7"), true, t.active_expires),
        (
            INVALIDATED,
            ann,
            Some("203.0.113.8"),
            false,
            t.now + 20 * DAY,
        ),
        (EXPIRED, gus, Some("198.51.100.1"), true, t.now - DAY),
        (GUS_SESSION, gus, None, true, t.now + 7 * DAY),
    ] {
        let token = Uuid::parse_str(token).unwrap();
        let created = expires - 30 * DAY;
        exec(
            &db,
            &session,
            &[&token, &user, &ip, &active, &created, &expires],
        )
        .await;
    }
    let room = Uuid::parse_str(ROOM).unwrap();
    exec(
        &db,
        &format!(
            "INSERT INTO chat_history (session_id, user_id, partner_id, partner_name, room_id,
                started_at, duration, messages)
             VALUES ('call-1', $1, $2, 'Gus', $3, {}, 95, $5)",
            ts(4)
        ),
        &[
            &ann,
            &gus,
            &room,
            &t.call_started,
            &json!([{"userId": ANN, "userName": "Ann", "text": "hi", "type": "message"}]),
        ],
    )
    .await;
    exec(
        &db,
        "INSERT INTO session_completions (user_id, partner_id, room_id, duration_seconds)
         VALUES ($1, $2, $3, 95)",
        &[&ann, &gus, &room],
    )
    .await;
    let cooldown = format!(
        "INSERT INTO cooldowns (user_id_1, user_id_2, expires_at) VALUES ($1, $2, {})",
        ts(3)
    );
    exec(&db, &cooldown, &[&ann, &gus, &t.cooldown_until]).await;
    exec(&db, &cooldown, &[&ann, &cole, &(t.now - 2 * DAY)]).await;
    exec(
        &db,
        &format!(
            "INSERT INTO ban_records (user_id, user_name, ban_status, banned_at, banned_reason,
                report_count, review_status)
             VALUES ($1, 'Cole', 'temporary', {}, 'multiple reports', 4, 'pending')",
            ts(2)
        ),
        &[&cole, &t.banned_at],
    )
    .await;
    exec(
        &db,
        "INSERT INTO invite_codes (code, created_by, created_by_name, type, max_uses,
            uses_remaining)
         VALUES ('ANNCODE1234ABCDE', $1, 'Ann', 'user', 5, 5)",
        &[&ann],
    )
    .await;
    let used_by = serde_json::json!([ann.to_string(), "not-a-user-id"]);
    exec(
        &db,
        "INSERT INTO invite_codes (code, created_by, created_by_name, type, max_uses,
            uses_remaining, used_by, is_active)
         VALUES ('ADMINCODE1234567', NULL, 'Admin (ops)', 'admin', -1, -1, $1, FALSE),
                ('short', NULL, 'x', 'user', 4, 4, '[]', TRUE)",
        &[&used_by],
    )
    .await;
    exec(
        &db,
        "INSERT INTO referral_notifications (id, for_user_id, referred_user_id, introduced_by,
            referred_name, introduced_by_name, read)
         VALUES ('30000000-0000-4000-8000-000000000001', $1, $2, $1, 'Gus', 'Ann', FALSE)",
        &[&ann, &gus],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_original_database_is_imported_and_its_passwords_and_tokens_work() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let t = Times::new();
    seed_original(&url, &t).await;
    let dir = tempfile::tempdir().unwrap();

    let report = import(&args(&url, dir.path())).await.unwrap();
    println!("{report}");

    let users = table(&report, "users");
    assert_eq!((users.read, users.imported), (3, 3), "{report}");
    assert_eq!(users.skipped_total(), 0, "{report}");
    let collision: Vec<_> = users.problems.iter().filter(|p| p.key == COLE).collect();
    assert_eq!(collision.len(), 1, "{report}");
    assert!(!collision[0].skipped);
    assert!(
        collision[0].reason.contains("email collides") && collision[0].reason.contains(ANN),
        "{}",
        collision[0].reason
    );
    let sessions = table(&report, "sessions");
    assert_eq!((sessions.read, sessions.imported), (4, 3), "{report}");
    assert_eq!(sessions.skipped.get("expired"), Some(&1), "{report}");
    let addresses = table(&report, "sessions.ip_address");
    assert_eq!((addresses.read, addresses.imported), (4, 3), "{report}");
    assert_eq!(addresses.skipped.get("no address"), Some(&1), "{report}");
    let history = table(&report, "chat_history");
    assert_eq!((history.read, history.imported), (1, 1), "{report}");
    let completions = table(&report, "session_completions");
    assert_eq!((completions.read, completions.imported), (1, 1), "{report}");
    let cooldowns = table(&report, "cooldowns");
    assert_eq!((cooldowns.read, cooldowns.imported), (2, 1), "{report}");
    assert_eq!(cooldowns.skipped.get("expired"), Some(&1), "{report}");
    let bans = table(&report, "ban_records");
    assert_eq!((bans.read, bans.imported), (1, 1), "{report}");
    assert!(
        bans.note.as_deref().unwrap().contains("1 also filled"),
        "{report}"
    );
    let codes = table(&report, "invite_codes");
    assert_eq!((codes.read, codes.imported), (3, 2), "{report}");
    assert_eq!(
        codes.skipped.get("not a 16-character code"),
        Some(&1),
        "{report}"
    );
    let notifications = table(&report, "referral_notifications");
    assert_eq!(
        (notifications.read, notifications.imported),
        (1, 1),
        "{report}"
    );
    for name in ["reports", "ip_bans"] {
        // Present and empty: reports and IP bans are imported (the moderation test below).
        let t = table(&report, name);
        assert!(t.present && t.read == 0 && t.imported == 0, "{report}");
    }
    let text = report.to_string();
    assert!(
        !text.contains("ANNCODE1234ABCDE"),
        "codes are secrets: {text}"
    );
    assert!(text.contains("ban_records: read 1, imported 1, skipped 0"));
    assert!(!text.contains("postgres://"), "the URL must not be printed");

    // The records themselves, read from the data directory.
    {
        let store = Store::open(
            dir.path(),
            1,
            1,
            std::time::Duration::from_secs(1),
            std::sync::Arc::new(SystemClock),
        )
        .unwrap();
        let reader = store.read().unwrap();
        let code = reader.invite_code("ANNCODE1234ABCDE").unwrap().unwrap();
        assert_eq!(code.created_by, Some(id(ANN)));
        assert_eq!(
            (code.max_uses, code.uses_remaining, code.total_used),
            (5, 5, 0)
        );
        assert!(code.is_active);
        let admin = reader.invite_code("ADMINCODE1234567").unwrap().unwrap();
        assert_eq!(admin.kind, napalmsky::store::records::CodeKind::Admin);
        assert_eq!(admin.created_by_name, "Admin (ops)");
        assert!(
            !admin.is_active,
            "deactivated in the source, deactivated here"
        );
        assert_eq!(
            (admin.total_used, admin.used_by.clone()),
            (1, vec![id(ANN)])
        );
        let ann = reader.user(&id(ANN)).unwrap().unwrap();
        assert_eq!(ann.name, "Ann");
        assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
        assert!(ann.password_hash.as_deref().unwrap().starts_with("$2b$04$"));
        assert_eq!(ann.account_type, AccountType::Permanent);
        assert_eq!(ann.paid_status, PaidStatus::Paid);
        assert_eq!(ann.paid_at, Some(t.ann_created + 1000));
        assert!(ann.qr_unlocked);
        assert_eq!(ann.created_at, t.ann_created);
        assert_eq!(ann.timer_total_seconds, 95);
        assert_eq!(ann.last_sessions.len(), 1);
        assert_eq!(ann.last_sessions[0].at, t.call_started);
        assert_eq!(
            reader.user_id_by_email("ann@example.com").unwrap(),
            Some(id(ANN))
        );
        let cole = reader.user(&id(COLE)).unwrap().unwrap();
        assert_eq!(cole.email, None);
        assert_eq!(cole.ban_status, BanStatus::Temporary);
        assert_eq!(cole.banned_at, Some(t.banned_at));
        assert_eq!(cole.banned_reason.as_deref(), Some("multiple reports"));
        assert_eq!(cole.review_status.as_deref(), Some("pending"));
        let record = reader.ban_record(&id(COLE)).unwrap().unwrap();
        assert_eq!(record.ban_status, BanStatus::Temporary);
        assert_eq!(record.banned_at, t.banned_at);
        assert_eq!(record.user_name, "Cole");
        let gus = reader.user(&id(GUS)).unwrap().unwrap();
        assert_eq!(gus.account_type, AccountType::Guest);
        assert_eq!(gus.socials, "{}");
        let active = reader.session(&id(ACTIVE)).unwrap().unwrap();
        assert_eq!(active.expires_at, t.active_expires);
        assert_eq!(active.ip_address, "203.0.113.7");
        assert!(active.is_active);
        let gus_session = reader.session(&id(GUS_SESSION)).unwrap().unwrap();
        assert_eq!(gus_session.ip_address, "unknown");
        assert!(reader.session(&id(EXPIRED)).unwrap().is_none());
        let cooldowns = reader.active_cooldowns(t.now).unwrap();
        assert_eq!(cooldowns.len(), 1);
        assert_eq!(
            (cooldowns[0].a, cooldowns[0].b, cooldowns[0].until),
            (id(ANN), id(GUS), t.cooldown_until)
        );
        // Every address a session was used from, expired sessions' too.
        let ips = |user: &str| -> Vec<String> {
            let record = reader.user_ips(&id(user)).unwrap().unwrap();
            let mut ips: Vec<String> = record.addresses.into_iter().map(|a| a.ip).collect();
            ips.sort();
            ips
        };
        assert_eq!(ips(ANN), ["203.0.113.7", "203.0.113.8"]);
        assert_eq!(ips(GUS), ["198.51.100.1"]);
        drop(reader);
        // Every record is in the outbox for the mirror: 3 users + 1 ban applied, 3 sessions,
        // 3 recorded addresses, 1 history entry, 1 completion, 1 cooldown, 1 ban record,
        // 2 invite codes, 1 referral notification.
        assert_eq!(store.health().unwrap().outbox_depth, 17);
        let listed = reader_notifications(&store, ANN);
        assert_eq!(listed, vec![("Gus".to_owned(), "Ann".to_owned(), false)]);
        store.close().await;
    }

    // A server on the imported directory: old tokens and the bcrypt password work.
    let server = TestServer::start_in(dir, ManualClock::starting_at(t.now), |_| {}).await;
    let me = server.get("/user/me", Some(ACTIVE)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["userId"], ANN);
    assert_eq!(me.body["name"], "Ann");
    assert_eq!(me.body["email"], "ann@example.com");
    assert_eq!(me.body["accountType"], "permanent");
    assert_eq!(me.body["socials"]["instagram"], "@ann");
    assert_eq!(me.body["createdAt"], t.ann_created);
    assert_eq!(me.body["timerTotalSeconds"], 95);
    assert_eq!(me.body["lastSessions"][0]["at"], t.call_started);
    let gus_me = server.get("/user/me", Some(GUS_SESSION)).await;
    assert_eq!(gus_me.status, 200, "{}", gus_me.body);
    assert_eq!(gus_me.body["name"], "Gus");

    let invalidated = server.get("/user/me", Some(INVALIDATED)).await;
    assert_eq!(invalidated.status, 401);
    assert_eq!(invalidated.body["sessionInvalidated"], true);
    let expired = server.get("/user/me", Some(EXPIRED)).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["error"], "Invalid or expired session");

    let history = server.get("/room/history", Some(ACTIVE)).await;
    assert_eq!(history.status, 200, "{}", history.body);
    let entries = history.body["history"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", history.body);
    assert_eq!(entries[0]["sessionId"], "call-1");
    assert_eq!(entries[0]["roomId"], ROOM);
    assert_eq!(entries[0]["partnerId"], GUS);
    assert_eq!(entries[0]["partnerName"], "Gus");
    assert_eq!(entries[0]["startedAt"], t.call_started);
    assert_eq!(entries[0]["duration"], 95);
    assert_eq!(entries[0]["messages"][0]["text"], "hi");

    assert_eq!(
        server
            .login("ann@example.com", "wrong-password")
            .await
            .status,
        401
    );
    let login = server.login(" ANN@example.com ", "old-password").await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["userId"], ANN);
    let fresh = login.body["sessionToken"].as_str().unwrap().to_owned();
    assert_eq!(server.get("/user/me", Some(&fresh)).await.status, 200);
    // The single-session rule covers the imported session too.
    let old = server.get("/user/me", Some(ACTIVE)).await;
    assert_eq!(old.status, 401);
    assert_eq!(old.body["sessionInvalidated"], true);
    // The bcrypt hash was upgraded at login; the password still works.
    assert_eq!(
        server.login("ann@example.com", "old-password").await.status,
        200
    );

    let health = server.get("/health", None).await;
    assert_eq!(health.body["store"]["users"], 3);
}

const ODD: &str = "00000000-0000-4000-8000-00000000000d";
/// Report ids in the order the import reads them (by `report_id`).
const REPORT: [&str; 5] = [
    "30000000-0000-4000-8000-000000000001",
    "30000000-0000-4000-8000-000000000002",
    "30000000-0000-4000-8000-000000000003",
    "30000000-0000-4000-8000-000000000004",
    "30000000-0000-4000-8000-000000000005",
];

/// The sample database plus moderation rows, good and bad. Odd's gender (a drifted schema)
/// keeps Odd out of the store, so what refers to Odd is skipped or loses the reference.
async fn seed_moderation(url: &str, t: &Times) {
    let db = client(url).await;
    db.batch_execute("ALTER TABLE users DROP CONSTRAINT users_gender_check")
        .await
        .unwrap();
    let odd = Uuid::parse_str(ODD).unwrap();
    exec(
        &db,
        "INSERT INTO users (user_id, name, gender, account_type) VALUES ($1, 'Odd', 'other', 'guest')",
        &[&odd],
    )
    .await;
    let (ann, gus, cole) = (ANN, GUS, COLE);
    let room = Uuid::parse_str(ROOM).unwrap();
    let report = format!(
        "INSERT INTO reports (report_id, reporter_user_id, reported_user_id, reporter_name,
            reported_user_name, reporter_ip, reason, room_id, timestamp)
         VALUES ($1::text::uuid, $2::text::uuid, $3::text::uuid, 'someone', $4,
            $5::text::inet, $6, $7, {})",
        ts(8)
    );
    let at = Some(t.now - DAY);
    let cole_name = Some("Cole then");
    let rows = [
        // Gus on Cole from an IPv4-mapped IPv6 address.
        (
            REPORT[0],
            gus,
            cole,
            cole_name,
            Some("::ffff:203.0.113.5"),
            Some("spam"),
            Some(room),
            at,
        ),
        // Ann on Cole: no name, reason, room or time.
        (
            REPORT[1],
            ann,
            cole,
            None,
            Some("2001:db8::5"),
            None,
            None,
            None,
        ),
        // Ann on Cole again: one report per pair.
        (
            REPORT[2],
            ann,
            cole,
            cole_name,
            None,
            Some("again"),
            None,
            at,
        ),
        // Odd (not imported) on Cole, and Gus on Odd.
        (REPORT[3], ODD, cole, cole_name, None, Some("x"), None, at),
        (REPORT[4], gus, ODD, Some("Odd"), None, Some("x"), None, at),
    ];
    for (report_id, reporter, reported, name, ip, reason, room, at) in rows {
        exec(
            &db,
            &report,
            &[
                &report_id, &reporter, &reported, &name, &ip, &reason, &room, &at,
            ],
        )
        .await;
    }
    // Cole's record (seed_original) gets its addresses: two good, one mapped, one not a string.
    exec(
        &db,
        r#"UPDATE ban_records SET ip_addresses = '["203.0.113.5", "::ffff:203.0.113.6", 5]'
           WHERE user_id = $1"#,
        &[&Uuid::parse_str(COLE).unwrap()],
    )
    .await;
    let ban = format!(
        "INSERT INTO ban_records (user_id, user_name, ban_status, banned_at, banned_reason,
            report_count, review_status, reviewed_at, reviewed_by)
         VALUES ($1::text::uuid, $2, $3, {}, 'reviewed', 1, $5, {}, $7::text::uuid)",
        ts(4),
        ts(6)
    );
    let reviewed = t.now - DAY / 2;
    for (user, name, status, review, reviewer) in [
        // Gus vindicated by Ann (a granted user: an id); no name on the record.
        (gus, None, "vindicated", "reviewed_vindicate", Some(ann)),
        // Ann banned for good, reviewed by Odd, who is not imported.
        (ann, Some("Ann"), "permanent", "reviewed_ban", Some(ODD)),
        // Odd's own record: Odd is not imported.
        (ODD, Some("Odd"), "permanent", "reviewed_ban", None),
    ] {
        exec(
            &db,
            &ban,
            &[
                &user,
                &name,
                &status,
                &t.banned_at,
                &review,
                &reviewed,
                &reviewer,
            ],
        )
        .await;
    }
    let ip_ban = format!(
        "INSERT INTO ip_bans (ip_address, user_id, reason, banned_at)
         VALUES ($1::text::inet, $2::text::uuid, $3, {})",
        ts(4)
    );
    for (ip, user, reason, at) in [
        (
            "203.0.113.5",
            Some(cole),
            Some("auto-ban"),
            Some(t.banned_at),
        ),
        // The same address as the one above, IPv4-mapped.
        (
            "::ffff:203.0.113.5",
            Some(cole),
            Some("auto-ban"),
            Some(t.banned_at),
        ),
        // Odd's address: the ban stays, without its user.
        (
            "2001:db8::5",
            Some(ODD),
            Some("auto-ban"),
            Some(t.banned_at),
        ),
        ("198.51.100.7", None, Some("by hand"), None),
    ] {
        exec(&db, &ip_ban, &[&ip, &user, &reason, &at]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_ban_records_and_ip_bans_are_imported_and_mirror() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let t = Times::new();
    seed_original(&url, &t).await;
    seed_moderation(&url, &t).await;
    let dir = tempfile::tempdir().unwrap();
    let before = now_ms();
    let report = import(&args(&url, dir.path())).await.unwrap();
    let after = now_ms();
    println!("{report}");

    let reports = table(&report, "reports");
    assert_eq!((reports.read, reports.imported), (5, 2), "{report}");
    assert_eq!(
        reports.skipped.get("user not imported"),
        Some(&2),
        "{report}"
    );
    let duplicate = "duplicate report of the pair";
    assert_eq!(reports.skipped.get(duplicate), Some(&1), "{report}");
    for reason in [
        "no reason; set to 'No reason provided'",
        "no timestamp; set to the import time",
        "no reported_user_name; the user's name used",
    ] {
        assert_eq!(reports.adjusted.get(reason), Some(&1), "{reason}\n{report}");
    }
    let listed = |t: &TableReport, key: &str| -> Vec<String> {
        let found = t.problems.iter().filter(|p| p.key == key && p.skipped);
        found.map(|p| p.reason.clone()).collect()
    };
    assert_eq!(
        listed(reports, REPORT[2]),
        [format!("{duplicate} ({ANN} already reported {COLE})")]
    );
    assert_eq!(
        listed(reports, REPORT[3]),
        [format!("user not imported (reporter {ODD})")]
    );
    assert_eq!(
        listed(reports, REPORT[4]),
        [format!("user not imported (reported user {ODD})")]
    );
    let bans = table(&report, "ban_records");
    assert_eq!((bans.read, bans.imported), (4, 3), "{report}");
    assert_eq!(bans.skipped.get("user not imported"), Some(&1), "{report}");
    assert_eq!(listed(bans, ODD), ["user not imported"]);
    let cleared = "reviewed_by refers to a user that was not imported; cleared";
    assert_eq!(bans.adjusted.get(cleared), Some(&1), "{report}");
    let dropped = "ip_addresses entries that are not addresses dropped";
    assert_eq!(bans.adjusted.get(dropped), Some(&1), "{report}");
    assert!(
        bans.note.as_deref().unwrap().starts_with("2 also filled"),
        "Cole's temporary and Ann's permanent ban; Gus's vindication is no ban: {report}"
    );
    let ip_bans = table(&report, "ip_bans");
    assert_eq!((ip_bans.read, ip_bans.imported), (4, 3), "{report}");
    assert_eq!(
        listed(ip_bans, "::ffff:203.0.113.5"),
        ["the same address as another ban (IPv4-mapped IPv6 read as IPv4) (203.0.113.5)"]
    );
    let kept = "user not imported; the ban kept without it";
    assert_eq!(ip_bans.adjusted.get(kept), Some(&1), "{report}");
    let no_time = "no banned_at; set to the import time";
    assert_eq!(ip_bans.adjusted.get(no_time), Some(&1), "{report}");

    {
        let store = Store::open(
            dir.path(),
            1,
            1,
            std::time::Duration::from_secs(1),
            std::sync::Arc::new(SystemClock),
        )
        .unwrap();
        let reader = store.read().unwrap();
        // Oldest first: Gus's (a day old), then Ann's (timed at the import).
        let on_cole = reader.reports_on(&id(COLE)).unwrap();
        assert_eq!(on_cole.len(), 2, "{on_cole:?}");
        let (gus, ann) = (&on_cole[0], &on_cole[1]);
        assert_eq!(gus.id, id(REPORT[0]));
        assert_eq!(gus.reporter_user_id, id(GUS));
        assert_eq!(gus.reported_user_id, id(COLE));
        assert_eq!(gus.reported_user_name, "Cole then");
        assert_eq!(gus.reporter_name, "someone");
        assert_eq!(gus.reporter_ip.as_deref(), Some("203.0.113.5"));
        assert_eq!(gus.reason, "spam");
        assert_eq!(gus.room_id, Some(id(ROOM)));
        assert_eq!(gus.created_at, t.now - DAY);
        assert_eq!(ann.id, id(REPORT[1]));
        assert_eq!(ann.reporter_ip.as_deref(), Some("2001:db8::5"));
        assert_eq!(ann.reason, "No reason provided");
        assert_eq!(ann.reported_user_name, "Cole", "the user's name");
        assert_eq!(ann.room_id, None);
        assert!(
            (before..=after).contains(&ann.created_at),
            "the import's now"
        );
        assert_eq!(reader.reported_by(&id(ANN)).unwrap(), [id(COLE)]);
        assert!(reader.report(&id(REPORT[2])).unwrap().is_none());
        assert_eq!(reader.newest_reports(10).unwrap().len(), 2);

        let cole = reader.ban_record(&id(COLE)).unwrap().unwrap();
        assert_eq!(cole.ip_addresses, ["203.0.113.5", "203.0.113.6"]);
        assert_eq!((cole.report_count, cole.reviewed_by.clone()), (4, None));
        let gus = reader.ban_record(&id(GUS)).unwrap().unwrap();
        assert_eq!(gus.user_name, "Gus", "no name on the row: the user's");
        assert_eq!(gus.ban_status, BanStatus::Vindicated);
        assert_eq!(gus.banned_reason, "reviewed");
        assert_eq!(gus.review_status.as_deref(), Some("reviewed_vindicate"));
        assert_eq!(gus.reviewed_at, Some(t.now - DAY / 2));
        assert_eq!(gus.reviewed_by.as_deref(), Some(ANN), "the hyphenated id");
        let ann = reader.ban_record(&id(ANN)).unwrap().unwrap();
        assert_eq!(
            (ann.ban_status, ann.reviewed_by),
            (BanStatus::Permanent, None)
        );
        assert!(reader.ban_record(&id(ODD)).unwrap().is_none());
        assert_eq!(reader.ban_records().unwrap().len(), 3);
        // Ann's permanent ban reached her user; Gus's vindication did not ban him.
        let ann_user = reader.user(&id(ANN)).unwrap().unwrap();
        assert_eq!(ann_user.ban_status, BanStatus::Permanent);
        let gus_user = reader.user(&id(GUS)).unwrap().unwrap();
        assert_eq!(gus_user.ban_status, BanStatus::None);

        let mut ip_bans = reader.ip_bans().unwrap();
        ip_bans.sort_by(|a, b| a.ip.cmp(&b.ip));
        let found: Vec<_> = ip_bans
            .iter()
            .map(|b| (b.ip.as_str(), b.user_id, b.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("198.51.100.7", None, "by hand"),
                ("2001:db8::5", None, "auto-ban"),
                ("203.0.113.5", Some(id(COLE)), "auto-ban"),
            ]
        );
        assert!((before..=after).contains(&ip_bans[0].banned_at));
        assert_eq!(ip_bans[2].banned_at, t.banned_at);
        drop(reader);
        store.close().await;
    }

    // The outbox the import filled drains into a new mirror, which then verifies.
    let Some(mirror) = fresh_database().await else {
        return;
    };
    let replay = replay_and_verify(dir.path(), &mirror).await;
    assert_eq!(replay.rows_rejected, 0);
    let pg = client(&mirror).await;
    for (table, rows) in [("reports", 2), ("ban_records", 3), ("ip_bans", 3)] {
        let count: i64 = pg
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(count, rows, "{table}");
    }
    let reviewer: Option<Uuid> = pg
        .query_one(
            "SELECT reviewed_by FROM ban_records WHERE user_id = $1",
            &[&Uuid::parse_str(GUS).unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(reviewer, Some(Uuid::parse_str(ANN).unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_break_a_rule_are_reported_and_the_rest_mirrors_cleanly() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let db = client(&url).await;
    db.batch_execute(ORIGINAL_SCHEMA).await.unwrap();
    // A database whose schema drifted: a gender the app does not know, longer names.
    db.batch_execute(
        "ALTER TABLE users DROP CONSTRAINT users_gender_check;
         ALTER TABLE users ALTER COLUMN name TYPE TEXT",
    )
    .await
    .unwrap();
    let (odd, referrer, good) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    exec(
        &db,
        "INSERT INTO users (user_id, name, gender, account_type) VALUES ($1, 'Odd', 'other', 'guest')",
        &[&odd],
    )
    .await;
    exec(
        &db,
        "INSERT INTO users (user_id, name, gender, account_type, referred_by, socials,
            last_sessions, timer_total_seconds)
         VALUES ($1, $2, 'female', 'guest', $3, '\"not an object\"',
            '[{\"at\": 1767225600000, \"duration\": 30}, {\"when\": \"never\"}]', -4)",
        &[&referrer, &"x".repeat(300), &odd],
    )
    .await;
    exec(
        &db,
        "INSERT INTO users (user_id, name, gender, account_type, session_count, streak_days)
         VALUES ($1, 'Good', 'male', 'guest', NULL, NULL)",
        &[&good],
    )
    .await;
    exec(
        &db,
        "INSERT INTO sessions (session_token, user_id, expires_at)
         VALUES ($1, $2, NOW() + interval '7 days'), ($3, $4, 'infinity')",
        &[&Uuid::new_v4(), &odd, &Uuid::new_v4(), &good],
    )
    .await;
    exec(
        &db,
        "INSERT INTO chat_history (session_id, user_id, partner_id, partner_name, room_id,
            started_at, duration, messages)
         VALUES ('with-odd', $1, $2, 'Odd', $3, NOW(), 40, '[]'),
                ('bad-messages', $1, $4, 'Ref', $3, NOW(), 40, '{\"text\": \"hi\"}')",
        &[&good, &odd, &Uuid::new_v4(), &referrer],
    )
    .await;
    // More guests than one page (5,000) and one write batch (1,000) hold.
    db.batch_execute(
        "INSERT INTO users (user_id, name, gender, account_type)
         SELECT gen_random_uuid(), 'Guest ' || i, 'unspecified', 'guest'
         FROM generate_series(1, 12001) AS i",
    )
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let report = import(&args(&url, dir.path())).await.unwrap();
    let users = table(&report, "users");
    assert_eq!(users.read, 12_004, "{report}");
    assert_eq!(users.imported, 12_003, "{report}");
    assert_eq!(users.skipped.get("unknown gender"), Some(&1), "{report}");
    let skipped = users.problems.iter().find(|p| p.skipped).unwrap();
    assert_eq!(skipped.key, odd.to_string());
    assert!(skipped.reason.contains("\"other\""), "{}", skipped.reason);
    for reason in [
        "name longer than 255 characters; cut",
        "socials is not a JSON object; set to {}",
        "bad last_sessions entries dropped",
        "negative metric set to 0",
        "refers to a user that was not imported; reference cleared",
    ] {
        assert_eq!(users.adjusted.get(reason), Some(&1), "{reason}\n{report}");
    }
    let sessions = table(&report, "sessions");
    assert_eq!(sessions.imported, 0, "{report}");
    assert_eq!(
        sessions.skipped.get("user not imported"),
        Some(&1),
        "{report}"
    );
    assert_eq!(
        sessions.skipped.get("expires_at is not a finite time"),
        Some(&1),
        "{report}"
    );
    let history = table(&report, "chat_history");
    assert_eq!(history.imported, 1, "{report}");
    assert_eq!(history.skipped.get("partner not imported"), Some(&1));
    assert_eq!(
        history
            .adjusted
            .get("messages is not a JSON array; set to []"),
        Some(&1)
    );

    {
        let store = Store::open(
            dir.path(),
            1,
            1,
            std::time::Duration::from_secs(1),
            std::sync::Arc::new(SystemClock),
        )
        .unwrap();
        let health = store.health().unwrap();
        assert_eq!(health.users, 12_003);
        let reader = store.read().unwrap();
        let referrer = reader.user(&referrer.into_bytes()).unwrap().unwrap();
        assert_eq!(referrer.referred_by, None);
        assert_eq!(referrer.name.chars().count(), 255);
        assert_eq!(referrer.socials, "{}");
        assert_eq!(referrer.timer_total_seconds, 0);
        assert_eq!(referrer.last_sessions.len(), 1);
        let good = reader.user(&good.into_bytes()).unwrap().unwrap();
        assert_eq!((good.session_count, good.streak_days), (0, None));
        assert!(reader.user(&odd.into_bytes()).unwrap().is_none());
        drop(reader);
        store.close().await;
    }

    // The outbox the import filled drains into a mirror with the mirror's foreign keys.
    let Some(mirror) = fresh_database().await else {
        return;
    };
    replay_and_verify(dir.path(), &mirror).await;
    let count: i64 = client(&mirror)
        .await
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 12_003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_refuses_a_data_directory_with_users_or_in_use() {
    // No Postgres needed: the data directory is checked before connecting.
    let secret_url = "postgres://napalm:hunter2-secret@127.0.0.1:1/original";
    let server = TestServer::start().await;
    server.guest("Existing").await;

    let in_use = import(&args(secret_url, server.dir.path()))
        .await
        .unwrap_err();
    let message = format!("{in_use:#}");
    assert!(
        message.contains("in use by a running napalmsky"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");

    let (dir, _clock) = server.stop().await;
    let refused = import(&args(secret_url, dir.path())).await.unwrap_err();
    let message = format!("{refused:#}");
    assert!(message.contains("already holds 1 users"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");

    // The refused directory is untouched: the server still starts with its one user.
    let server = TestServer::start_in(dir, ManualClock::starting_at(common::T0), |_| {}).await;
    assert_eq!(server.get("/health", None).await.body["store"]["users"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_source_fails_without_printing_its_url() {
    let dir = tempfile::tempdir().unwrap();
    let error = import(&args(
        "postgres://napalm:hunter2-secret@127.0.0.1:1/original",
        dir.path(),
    ))
    .await
    .unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("connecting to the source database"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}
