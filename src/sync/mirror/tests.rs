//! The generated SQL, spelled out: what a column list turns into.

use super::columns::{key_of, table, verify_text};
use super::kinds::KINDS;
use super::sql::{checksum_sql, delete_sql, delete_unkept_sql, insert_kept, upsert_sql};
use super::{KeyPart, Rows};
use crate::store::Current;
use crate::store::records::{
    BanRecord, BanStatus, Cooldown, HistoryEntry, IpBan, RecordKind, Report, Session,
};

#[test]
fn the_cooldowns_upsert_delete_and_checksum_are_generated_from_its_columns() {
    assert_eq!(
        upsert_sql::<Cooldown>("<"),
        "INSERT INTO cooldowns (user_id_1, user_id_2, expires_at, sync_version)\n\
         SELECT r.user_id_1, r.user_id_2, to_timestamp(r.expires_at / 1000.0) AT TIME ZONE 'UTC', \
         r.sync_version\n\
         FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::int8[]) \
         AS r(user_id_1, user_id_2, expires_at, sync_version)\n\
         ON CONFLICT (user_id_1, user_id_2) DO UPDATE SET expires_at = EXCLUDED.expires_at, \
         sync_version = EXCLUDED.sync_version\n\
         WHERE cooldowns.sync_version < EXCLUDED.sync_version"
    );
    assert_eq!(
        delete_sql::<Cooldown>(),
        "DELETE FROM cooldowns t USING UNNEST($1::uuid[], $2::uuid[]) AS d(user_id_1, user_id_2) \
         WHERE t.user_id_1 = d.user_id_1 AND t.user_id_2 = d.user_id_2"
    );
    assert_eq!(
        checksum_sql::<Cooldown>(),
        "SELECT count(*)::int8, coalesce(sum(('x' || substr(md5(user_id_1::text || '|' || \
         user_id_2::text || '|' || sync_version), 1, 15))::bit(60)::int8::numeric), 0)::text \
         FROM cooldowns"
    );
}

#[test]
fn the_sessions_upsert_casts_the_address_and_overwrite_accepts_equal_versions() {
    assert_eq!(
        upsert_sql::<Session>("<="),
        "INSERT INTO sessions (session_token, user_id, ip_address, device_info, is_active, \
         created_at, expires_at, last_active_at, sync_version)\n\
         SELECT r.session_token, r.user_id, r.ip_address::inet, r.device_info, r.is_active, \
         to_timestamp(r.created_at / 1000.0) AT TIME ZONE 'UTC', \
         to_timestamp(r.expires_at / 1000.0) AT TIME ZONE 'UTC', \
         to_timestamp(r.last_active_at / 1000.0) AT TIME ZONE 'UTC', r.sync_version\n\
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[], $6::int8[], \
         $7::int8[], $8::int8[], $9::int8[]) AS r(session_token, user_id, ip_address, \
         device_info, is_active, created_at, expires_at, last_active_at, sync_version)\n\
         ON CONFLICT (session_token) DO UPDATE SET user_id = EXCLUDED.user_id, \
         ip_address = EXCLUDED.ip_address, device_info = EXCLUDED.device_info, \
         is_active = EXCLUDED.is_active, created_at = EXCLUDED.created_at, \
         expires_at = EXCLUDED.expires_at, last_active_at = EXCLUDED.last_active_at, \
         sync_version = EXCLUDED.sync_version\n\
         WHERE sessions.sync_version <= EXCLUDED.sync_version"
    );
}

#[test]
fn insert_only_columns_stay_out_of_the_update_list() {
    let history = upsert_sql::<HistoryEntry>("<");
    let (_, updates) = history.split_once("DO UPDATE SET").unwrap_or_default();
    assert!(
        history.contains("ON CONFLICT (session_id, user_id)"),
        "{history}"
    );
    assert!(!updates.contains("created_at"), "{updates}");
    assert!(!updates.contains("user_id ="), "{updates}");
    assert!(
        updates.contains("messages = EXCLUDED.messages"),
        "{updates}"
    );
    let users = upsert_sql::<crate::store::records::User>("<");
    let (_, updates) = users.split_once("DO UPDATE SET").unwrap_or_default();
    assert!(
        !updates.contains("updated_at"),
        "the trigger owns it: {updates}"
    );
    assert!(
        updates.contains("created_at = EXCLUDED.created_at"),
        "{updates}"
    );
    assert_eq!(
        users.matches("::").count() - users.matches("::inet").count(),
        34
    );
}

#[test]
fn the_users_checksum_covers_the_columns_marked_verified() {
    assert_eq!(
        checksum_sql::<crate::store::records::User>(),
        "SELECT count(*)::int8, coalesce(sum(('x' || substr(md5(user_id::text || '|' || name \
         || '|' || account_type || '|' || coalesce(email, '') || '|' || timer_total_seconds \
         || '|' || session_count || '|' || paid_status || '|' || successful_sessions || '|' \
         || ban_status || '|' || sync_version), 1, 15))::bit(60)::int8::numeric), 0)::text \
         FROM users"
    );
}

fn entry(session: &str, user: u8) -> HistoryEntry {
    HistoryEntry {
        user_id: [user; 16],
        session_id: session.to_owned(),
        room_id: [9; 16],
        partner_id: [7; 16],
        partner_name: "p".to_owned(),
        started_at: 1_000,
        duration_seconds: 42,
        messages: "[]".to_owned(),
        version: 5,
    }
}

#[test]
fn the_store_side_row_text_matches_the_checksum_columns() {
    let e = entry("room-1", 1);
    assert_eq!(
        verify_text(&e),
        "room-1|01010101-0101-0101-0101-010101010101|07070707-0707-0707-0707-070707070707|42|5"
    );
    assert_eq!(
        key_of(&e),
        vec![
            KeyPart::Text("room-1".to_owned()),
            KeyPart::Uuid(uuid::Uuid::from_bytes([1; 16]))
        ]
    );
}

#[test]
fn a_batch_splits_parents_first_and_deletes_children_first() {
    let mut rows = Rows::default();
    rows.add(Current::Deleted(RecordKind::User, vec![1; 16]));
    rows.add(Current::History(entry("s", 1)));
    rows.add(Current::Deleted(RecordKind::Cooldown, vec![2; 32]));
    rows.add(Current::Cooldown(Cooldown {
        a: [1; 16],
        b: [2; 16],
        until: 9,
        version: 1,
    }));
    // Undecodable keys and kinds the store never deletes add nothing.
    rows.add(Current::Deleted(RecordKind::Session, vec![1; 3]));
    rows.add(Current::Deleted(RecordKind::History, vec![1; 40]));
    assert_eq!(rows.len(), 4);
    let kinds: Vec<RecordKind> = rows.into_singles().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            RecordKind::History,
            RecordKind::Cooldown,
            RecordKind::Cooldown,
            RecordKind::User
        ]
    );
    assert_eq!(table::<Cooldown>().name, "cooldowns");
    assert_eq!(KINDS.len(), 13);
}

fn ip_ban(ip: &str) -> IpBan {
    IpBan {
        ip: ip.to_owned(),
        banned_at: 1_000,
        user_id: Some([3; 16]),
        reason: "auto".to_owned(),
        version: 8,
    }
}

#[test]
fn ip_bans_are_keyed_by_the_address_compared_as_inet() {
    assert_eq!(
        delete_sql::<IpBan>(),
        "DELETE FROM ip_bans t USING UNNEST($1::text[]) AS d(ip_address) \
         WHERE t.ip_address::inet = d.ip_address::inet"
    );
    assert_eq!(
        checksum_sql::<IpBan>(),
        "SELECT count(*)::int8, coalesce(sum(('x' || substr(md5(coalesce(host(ip_address), '') \
         || '|' || coalesce(user_id::text, '') || '|' || sync_version), 1, 15))::bit(60)::int8\
         ::numeric), 0)::text FROM ip_bans"
    );
    // replay --full's kept keys go into a table of the mirror's column types: cast like the
    // upsert (text into an inet column is refused otherwise).
    assert_eq!(
        insert_kept::<IpBan>(&[vec![KeyPart::Text("2001:db8::1".into())]]).sql,
        "INSERT INTO napalmsky_kept_ip_bans SELECT r.ip_address::inet \
         FROM UNNEST($1::text[]) AS r(ip_address)"
    );
    assert!(delete_unkept_sql::<IpBan>().ends_with("k.ip_address::inet = t.ip_address::inet)"));
    assert!(
        upsert_sql::<IpBan>("<").contains("ON CONFLICT (ip_address) DO UPDATE"),
        "{}",
        upsert_sql::<IpBan>("<")
    );
}

#[test]
fn a_deleted_ip_ban_is_deleted_by_its_address_text() {
    let mut rows = Rows::default();
    rows.add(Current::Deleted(RecordKind::IpBan, b"2001:db8::1".to_vec()));
    rows.add(Current::Deleted(RecordKind::IpBan, vec![0xff, 0xfe]));
    assert_eq!(rows.len(), 1, "a key that is not text deletes nothing");
    assert_eq!(
        super::columns::deleted_key::<IpBan>(b"203.0.113.9"),
        Some(vec![KeyPart::Text("203.0.113.9".to_owned())])
    );
    assert_eq!(
        key_of(&ip_ban("203.0.113.9")),
        super::columns::deleted_key::<IpBan>(b"203.0.113.9").unwrap_or_default(),
        "an upsert and a delete of one ban name the same row"
    );
}

#[test]
fn the_ip_ban_row_text_writes_addresses_as_postgres_host_does() {
    let row = |ip: &str| verify_text(&ip_ban(ip));
    assert_eq!(
        row("203.0.113.9"),
        "203.0.113.9|03030303-0303-0303-0303-030303030303|8"
    );
    assert_eq!(
        row("2001:db8::7"),
        "2001:db8::7|03030303-0303-0303-0303-030303030303|8"
    );
    // IPv4-compatible IPv6: Rust displays `::102:304`, Postgres' host() `::1.2.3.4`.
    let compatible = "::1.2.3.4".parse::<std::net::IpAddr>().unwrap();
    assert_eq!(compatible.to_string(), "::102:304");
    assert!(row(&compatible.to_string()).starts_with("::1.2.3.4|"));
    assert!(row("::1").starts_with("::1|"));
    assert!(row("::ffff:1.2.3.4").starts_with("::ffff:1.2.3.4|"));
    let orphan = IpBan {
        user_id: None,
        ..ip_ban("198.51.100.1")
    };
    assert_eq!(verify_text(&orphan), "198.51.100.1||8");
}

#[test]
fn reports_and_ban_records_verify_their_ids_statuses_and_counts() {
    let report = Report {
        id: [1; 16],
        reported_user_id: [2; 16],
        reported_user_name: "r".into(),
        reported_user_selfie: None,
        reported_user_video: None,
        reporter_user_id: [3; 16],
        reporter_name: "s".into(),
        reporter_ip: Some("2001:db8::2".into()),
        reason: "spam".into(),
        room_id: None,
        created_at: 5,
        version: 4,
    };
    assert_eq!(
        verify_text(&report),
        "01010101-0101-0101-0101-010101010101|02020202-0202-0202-0202-020202020202|\
         03030303-0303-0303-0303-030303030303|spam|4"
    );
    let ip_of = |ip: Option<&str>| {
        let column = table::<Report>()
            .columns
            .iter()
            .find(|c| c.name == "reporter_ip");
        let report = Report {
            reporter_ip: ip.map(str::to_owned),
            ..report.clone()
        };
        column.map(|c| c.verify_text(&report))
    };
    assert_eq!(ip_of(Some("2001:db8::2")).as_deref(), Some("2001:db8::2"));
    assert_eq!(
        ip_of(Some("unknown")).as_deref(),
        Some(""),
        "not an address: NULL, not a refused row"
    );
    let record = BanRecord {
        user_id: [2; 16],
        user_name: "r".into(),
        user_selfie: None,
        user_video: None,
        ban_status: BanStatus::Temporary,
        banned_at: 5,
        banned_reason: "reports".into(),
        report_count: 4,
        review_status: Some("pending".into()),
        reviewed_at: None,
        reviewed_by: Some("admin".into()),
        ip_addresses: vec!["203.0.113.1".into()],
        version: 6,
    };
    assert_eq!(
        verify_text(&record),
        "02020202-0202-0202-0202-020202020202|temporary|4|pending|6"
    );
    let upsert = upsert_sql::<BanRecord>("<");
    assert!(
        upsert.contains("reviewed_by = EXCLUDED.reviewed_by, reviewer = EXCLUDED.reviewer"),
        "{upsert}"
    );
}
