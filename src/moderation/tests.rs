//! The moderation rules against a real store: the threshold, the addresses a ban takes and
//! spares, reviews and what a vindication resets.

use std::net::IpAddr;

use super::*;
use crate::accounts::new_user_id;
use crate::accounts::test_store::{NOW, store};
use crate::clock::Millis;
use crate::store::records::{BanStatus, Gender, User};
use crate::store::{Id, Store};

const HOUR: Millis = 3600 * 1000;

fn rules() -> ModerationRules {
    ModerationRules {
        auto_ban_reporters: 4,
        shared_address_window_ms: 24 * HOUR,
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

async fn user(store: &Store, name: &str) -> Id {
    let user = User::new_guest(new_user_id(), name.into(), Gender::Male, NOW);
    let id = user.id;
    store
        .write(move |tx| tx.put_user(&mut user.clone()))
        .await
        .expect("stored");
    id
}

async fn seen(store: &Store, user: Id, address: &str, at: Millis) {
    let address = ip(address);
    store
        .write(move |tx| tx.record_ip(user, address, at))
        .await
        .expect("recorded");
}

async fn report(store: &Store, reporter: Id, reported: Id, now: Millis) -> Filed {
    let report = NewReport {
        reporter,
        reported,
        reason: None,
        room_id: None,
        reporter_ip: ip("192.0.2.200"),
    };
    match file_report(store, rules(), report, now).await {
        Ok(filed) => filed,
        Err(e) => panic!("report refused: {e:?}"),
    }
}

async fn reporters(store: &Store, n: usize) -> Vec<Id> {
    let mut found = Vec::new();
    for i in 0..n {
        found.push(user(store, &format!("Reporter {i}")).await);
    }
    found
}

fn banned_ips(store: &Store) -> Vec<String> {
    let mut ips: Vec<String> = store
        .read()
        .expect("reader")
        .ip_bans()
        .expect("bans")
        .into_iter()
        .map(|b| b.ip)
        .collect();
    ips.sort();
    ips
}

fn ban_status(store: &Store, user: &Id) -> BanStatus {
    let reader = store.read().expect("reader");
    reader.user(user).expect("read").expect("user").ban_status
}

#[tokio::test]
async fn the_fourth_distinct_reporter_bans_and_later_reports_do_not_ban_again() {
    let (store, _dir) = store();
    let target = user(&store, "Target").await;
    seen(&store, target, "203.0.113.1", NOW).await;
    let reporters = reporters(&store, 5).await;
    for (n, reporter) in reporters.iter().take(3).enumerate() {
        let filed = report(&store, *reporter, target, NOW).await;
        assert_eq!(filed.report_count, n as u32 + 1);
        assert!(filed.ban.is_none());
    }
    assert_eq!(ban_status(&store, &target), BanStatus::None);
    let fourth = report(&store, reporters[3], target, NOW + 1).await;
    let ban = fourth.ban.expect("banned at four");
    assert_eq!(ban.user_id, target);
    assert_eq!(ban.ip_bans.len(), 1);
    assert_eq!(ban_status(&store, &target), BanStatus::Temporary);
    let record = store.read().unwrap().ban_record(&target).unwrap().unwrap();
    assert_eq!(record.report_count, 4);
    assert_eq!(record.review_status.as_deref(), Some(PENDING));
    assert_eq!(record.banned_reason, "Auto-banned: 4 reports received");
    assert_eq!(record.banned_at, NOW + 1);
    assert_eq!(record.ip_addresses, ["203.0.113.1"]);

    let fifth = report(&store, reporters[4], target, NOW + 2).await;
    assert_eq!(fifth.report_count, 5);
    assert!(fifth.ban.is_none(), "already banned");
    assert_eq!(store.read().unwrap().reports_on(&target).unwrap().len(), 5);
    let again = NewReport {
        reporter: reporters[0],
        reported: target,
        reason: Some("again".into()),
        room_id: None,
        reporter_ip: ip("192.0.2.200"),
    };
    let refused = file_report(&store, rules(), again, NOW + 3).await;
    assert!(matches!(refused, Err(ReportError::AlreadyReported)));
    let yourself = NewReport {
        reporter: target,
        reported: target,
        reason: None,
        room_id: None,
        reporter_ip: ip("192.0.2.200"),
    };
    let refused = file_report(&store, rules(), yourself, NOW).await;
    assert!(matches!(refused, Err(ReportError::Yourself)));
}

#[tokio::test]
async fn an_address_another_unbanned_user_used_lately_is_spared() {
    let (store, _dir) = store();
    let target = user(&store, "Target").await;
    let bystander = user(&store, "Bystander").await;
    let old_neighbour = user(&store, "Old neighbour").await;
    let banned_neighbour = user(&store, "Banned neighbour").await;
    let ban_at = NOW + 30 * HOUR;
    seen(&store, target, "203.0.113.1", NOW).await; // only the target: banned
    seen(&store, target, "198.51.100.7", NOW).await; // shared lately: spared
    seen(&store, bystander, "198.51.100.7", ban_at - 2 * HOUR).await;
    seen(&store, target, "198.51.100.8", NOW).await; // shared before the window: banned
    seen(&store, old_neighbour, "198.51.100.8", ban_at - 25 * HOUR).await;
    seen(&store, target, "198.51.100.9", NOW).await; // shared with a banned user: banned
    seen(&store, banned_neighbour, "198.51.100.9", ban_at - HOUR).await;
    crate::accounts::test_store::ban(&store, banned_neighbour).await;

    for reporter in reporters(&store, 4).await {
        report(&store, reporter, target, ban_at).await;
    }
    assert_eq!(
        banned_ips(&store),
        ["198.51.100.8", "198.51.100.9", "203.0.113.1"]
    );
    let record = store.read().unwrap().ban_record(&target).unwrap().unwrap();
    assert_eq!(
        record.ip_addresses.len(),
        4,
        "all recorded addresses are kept on file"
    );
}

#[tokio::test]
async fn a_vindication_lifts_the_ban_and_its_address_bans_and_resets_the_count() {
    let (store, _dir) = store();
    let target = user(&store, "Target").await;
    let other = user(&store, "Other").await;
    seen(&store, target, "203.0.113.1", NOW).await;
    seen(&store, target, "203.0.113.2", NOW).await;
    seen(&store, other, "203.0.113.2", NOW - 48 * HOUR).await;
    for reporter in reporters(&store, 4).await {
        report(&store, reporter, target, NOW).await;
    }
    assert_eq!(banned_ips(&store), ["203.0.113.1", "203.0.113.2"]);
    // `other` gets banned too: the shared address stays banned for them.
    crate::accounts::test_store::ban(&store, other).await;

    let missing = review(
        &store,
        rules(),
        other,
        Decision::Vindicated,
        "root".into(),
        NOW,
    )
    .await;
    assert!(
        matches!(missing, Err(ReviewError::NoBanRecord)),
        "no case file"
    );
    let reviewed = review(
        &store,
        rules(),
        target,
        Decision::Vindicated,
        "root".into(),
        NOW + 1,
    )
    .await
    .expect("reviewed");
    assert_eq!(reviewed.lifted, ["203.0.113.1"]);
    assert_eq!(banned_ips(&store), ["203.0.113.2"]);
    assert_eq!(ban_status(&store, &target), BanStatus::None);
    let record = store.read().unwrap().ban_record(&target).unwrap().unwrap();
    assert_eq!(record.ban_status, BanStatus::Vindicated);
    assert_eq!(record.review_status.as_deref(), Some("reviewed_vindicate"));
    assert_eq!(record.reviewed_by.as_deref(), Some("root"));
    assert_eq!(record.reviewed_at, Some(NOW + 1));

    // Reports before the vindication were judged: it takes four new reporters.
    let later = reporters(&store, 4).await;
    for reporter in later.iter().take(3) {
        let filed = report(&store, *reporter, target, NOW + 2).await;
        assert!(filed.ban.is_none());
        assert!(filed.report_count <= 3);
    }
    let banned = report(&store, later[3], target, NOW + 3).await;
    assert!(banned.ban.is_some());
    assert_eq!(banned.report_count, 4);

    let permanent = review(
        &store,
        rules(),
        target,
        Decision::Permanent,
        "root".into(),
        NOW + 4,
    )
    .await
    .expect("reviewed");
    assert!(permanent.lifted.is_empty());
    assert_eq!(ban_status(&store, &target), BanStatus::Permanent);
    let stats = stats(&store.read().unwrap()).unwrap();
    assert_eq!(stats.total_reports, 8);
    assert_eq!(stats.permanent_bans, 1);
    assert_eq!(stats.pending_reviews, 0);
}
