//! Rows of the original's moderation tables (`reports`, `ban_records`, `ip_bans`) -> store
//! records, as pure functions like `convert.rs`: what a row lacks is defaulted, and the
//! change returned for the report. Whether the users a row names exist is checked by the
//! table readers (`tables/`), which see the store.

use std::net::IpAddr;

use serde_json::Value;
use uuid::Uuid;

use super::convert::{BanRow, Reason, ban_status, id, json_kind, metric, unknown};
use crate::clock::Millis;
use crate::store::records::{BanRecord, IpBan, Report};

/// What the original's routes wrote for a report or ban without a reason (the server's own
/// default, so an imported report reads like a new one).
pub(super) use crate::moderation::NO_REASON;

/// An address as the store keeps it (as `IpAddr` displays it, an IPv4-mapped IPv6 address as
/// the IPv4 one, as the server records a client); `None` if it is not an address.
pub(super) fn address(text: &str) -> Option<String> {
    let ip = text.trim().parse::<IpAddr>().ok()?;
    Some(ip.to_canonical().to_string())
}

fn reason_or_default(reason: Option<String>, changes: &mut Vec<Reason>) -> String {
    reason.unwrap_or_else(|| {
        changes.push(("no reason; set to 'No reason provided'", None));
        NO_REASON.to_owned()
    })
}

fn time_or_now(
    time: Option<Millis>,
    what: &'static str,
    now: Millis,
    c: &mut Vec<Reason>,
) -> Millis {
    time.unwrap_or_else(|| {
        c.push((what, None));
        now
    })
}

/// One `reports` row as read (`reporter_ip` is `host(reporter_ip)`).
#[derive(Debug, Clone, Default)]
pub(super) struct ReportRow {
    pub report_id: Uuid,
    pub reported_user_id: Uuid,
    pub reported_user_name: Option<String>,
    pub reported_user_selfie: Option<String>,
    pub reported_user_video: Option<String>,
    pub reporter_user_id: Uuid,
    pub reporter_name: Option<String>,
    pub reporter_ip: Option<String>,
    pub reason: Option<String>,
    pub room_id: Option<Uuid>,
    pub timestamp: Option<Millis>,
}

/// A NULL name stays empty here: the reader fills in the user's name from the store.
pub(super) fn report(row: ReportRow, now: Millis, changes: &mut Vec<Reason>) -> Report {
    let no_time = "no timestamp; set to the import time";
    Report {
        id: id(row.report_id),
        reported_user_id: id(row.reported_user_id),
        reported_user_name: row.reported_user_name.unwrap_or_default(),
        reported_user_selfie: row.reported_user_selfie,
        reported_user_video: row.reported_user_video,
        reporter_user_id: id(row.reporter_user_id),
        reporter_name: row.reporter_name.unwrap_or_default(),
        reporter_ip: row.reporter_ip.as_deref().and_then(address),
        reason: reason_or_default(row.reason, changes),
        room_id: row.room_id.map(id),
        created_at: time_or_now(row.timestamp, no_time, now, changes),
        version: 0,
    }
}

/// The ban record of a `ban_records` row. A NULL `user_name` stays empty (the write fills in
/// the user's name); `reviewed_by` becomes the reviewer's id as text (the record also holds
/// an admin's username there, which the original could not store).
pub(super) fn ban_record(
    row: &BanRow,
    now: Millis,
    changes: &mut Vec<Reason>,
) -> Result<BanRecord, Reason> {
    let status = ban_status(&row.ban_status)
        .ok_or_else(|| unknown("unknown ban status", &row.ban_status))?;
    let no_time = "no banned_at; set to the import time";
    Ok(BanRecord {
        user_id: id(row.user_id),
        user_name: row.user_name.clone().unwrap_or_default(),
        user_selfie: row.user_selfie.clone(),
        user_video: row.user_video.clone(),
        ban_status: status,
        banned_at: time_or_now(row.banned_at, no_time, now, changes),
        banned_reason: reason_or_default(row.banned_reason.clone(), changes),
        report_count: metric(row.report_count, "report_count", changes),
        review_status: row.review_status.clone(),
        reviewed_at: row.reviewed_at,
        reviewed_by: row.reviewed_by.map(|u| u.hyphenated().to_string()),
        ip_addresses: ip_addresses(row.ip_addresses.as_ref(), changes),
        version: 0,
    })
}

/// `ip_addresses`: a JSON array of address strings. Entries that are not are dropped and
/// reported.
fn ip_addresses(value: Option<&Value>, changes: &mut Vec<Reason>) -> Vec<String> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            let kind = Some(json_kind(other).to_owned());
            changes.push(("ip_addresses is not an array; cleared", kind));
            return Vec::new();
        }
    };
    let addresses: Vec<String> = items
        .iter()
        .filter_map(|item| item.as_str().and_then(address))
        .collect();
    let bad = items.len() - addresses.len();
    if bad > 0 {
        let detail = Some(format!("{bad} of {}", items.len()));
        changes.push((
            "ip_addresses entries that are not addresses dropped",
            detail,
        ));
    }
    addresses
}

/// One `ip_bans` row as read (`ip` is `host(ip_address)`).
#[derive(Debug, Clone, Default)]
pub(super) struct IpBanRow {
    pub ip: String,
    pub banned_at: Option<Millis>,
    pub user_id: Option<Uuid>,
    pub reason: Option<String>,
}

pub(super) fn ip_ban(
    row: IpBanRow,
    now: Millis,
    changes: &mut Vec<Reason>,
) -> Result<IpBan, Reason> {
    let ip = address(&row.ip).ok_or_else(|| unknown("not an address", &row.ip))?;
    let no_time = "no banned_at; set to the import time";
    Ok(IpBan {
        ip,
        banned_at: time_or_now(row.banned_at, no_time, now, changes),
        user_id: row.user_id.map(id),
        reason: reason_or_default(row.reason, changes),
        version: 0,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::records::BanStatus;

    const NOW: Millis = 1_767_225_600_000;

    #[test]
    fn addresses_are_kept_as_the_server_records_them() {
        assert_eq!(address("203.0.113.7").as_deref(), Some("203.0.113.7"));
        assert_eq!(
            address("::ffff:203.0.113.7").as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(address("2001:DB8:0::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(address("unknown"), None);
    }

    #[test]
    fn a_report_row_defaults_what_it_lacks() {
        let row = ReportRow {
            report_id: Uuid::from_u128(1),
            reported_user_id: Uuid::from_u128(2),
            reporter_user_id: Uuid::from_u128(3),
            reporter_ip: Some("::ffff:198.51.100.4".into()),
            ..ReportRow::default()
        };
        let mut changes = Vec::new();
        let report = report(row, NOW, &mut changes);
        assert_eq!(report.reason, NO_REASON);
        assert_eq!(report.created_at, NOW);
        assert_eq!(report.reporter_ip.as_deref(), Some("198.51.100.4"));
        assert_eq!(
            (report.room_id, report.reported_user_name.as_str()),
            (None, "")
        );
        let reasons: Vec<&str> = changes.iter().map(|c| c.0).collect();
        assert_eq!(
            reasons,
            [
                "no reason; set to 'No reason provided'",
                "no timestamp; set to the import time"
            ]
        );
    }

    #[test]
    fn a_ban_record_row_keeps_its_review_and_good_addresses() {
        let reviewer = Uuid::from_u128(9);
        let row = BanRow {
            user_id: Uuid::from_u128(7),
            ban_status: "permanent".into(),
            banned_at: Some(NOW - 100),
            banned_reason: None,
            report_count: Some(-1),
            review_status: Some("reviewed_ban".into()),
            reviewed_at: Some(NOW),
            reviewed_by: Some(reviewer),
            ip_addresses: Some(json!(["203.0.113.1", "::ffff:203.0.113.2", 7, "nope"])),
            ..BanRow::default()
        };
        let mut changes = Vec::new();
        let record = ban_record(&row, NOW, &mut changes).unwrap();
        assert_eq!(record.ban_status, BanStatus::Permanent);
        assert_eq!(record.banned_at, NOW - 100);
        assert_eq!(record.banned_reason, NO_REASON);
        assert_eq!(record.report_count, 0);
        assert_eq!(record.reviewed_by, Some(reviewer.hyphenated().to_string()));
        assert_eq!(record.ip_addresses, ["203.0.113.1", "203.0.113.2"]);
        assert_eq!(changes.len(), 3, "{changes:?}");
        let odd = BanRow {
            ban_status: "shadow".into(),
            ..row
        };
        assert_eq!(
            ban_record(&odd, NOW, &mut changes).unwrap_err().0,
            "unknown ban status"
        );
    }

    #[test]
    fn an_ip_ban_row_is_keyed_by_its_canonical_address() {
        let row = IpBanRow {
            ip: "::ffff:192.0.2.1".into(),
            banned_at: None,
            user_id: None,
            reason: Some("auto".into()),
        };
        let mut changes = Vec::new();
        let ban = ip_ban(row, NOW, &mut changes).unwrap();
        assert_eq!((ban.ip.as_str(), ban.banned_at), ("192.0.2.1", NOW));
        assert_eq!(changes.len(), 1);
    }
}
