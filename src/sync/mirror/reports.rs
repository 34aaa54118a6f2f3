//! `reports`: one row per report, in the original's columns.

use super::columns::PgType::{Inet, Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::Report;

/// INET rejects anything that is not an address (a client the server could not place is
/// "unknown" elsewhere); such a value is stored as NULL rather than refusing the row.
fn reporter_ip(report: &Report) -> Option<String> {
    let ip = report
        .reporter_ip
        .as_deref()?
        .parse::<std::net::IpAddr>()
        .ok()?;
    Some(ip.to_string())
}

impl Mirrored for Report {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("report_id", Uuid, |r: &Report| uuid(&r.id)).key(),
            Column::new("reported_user_id", Uuid, |r: &Report| {
                uuid(&r.reported_user_id)
            })
            .verified(),
            Column::new("reported_user_name", Text, |r: &Report| {
                r.reported_user_name.clone()
            }),
            Column::new("reported_user_selfie", Text, |r: &Report| {
                r.reported_user_selfie.clone()
            }),
            Column::new("reported_user_video", Text, |r: &Report| {
                r.reported_user_video.clone()
            }),
            Column::new("reporter_user_id", Uuid, |r: &Report| {
                uuid(&r.reporter_user_id)
            })
            .verified(),
            Column::new("reporter_name", Text, |r: &Report| r.reporter_name.clone()),
            Column::new("reporter_ip", Inet, reporter_ip),
            Column::new("reason", Text, |r: &Report| r.reason.clone()).verified(),
            Column::new("room_id", Uuid, |r: &Report| r.room_id.as_ref().map(uuid)),
            Column::new("timestamp", Timestamp, |r: &Report| r.created_at),
        ];
        Table::new("reports", |r: &Report| r.version, columns)
    }
}
