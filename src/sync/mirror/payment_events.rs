//! `payment_events`: the Stripe events the webhook acted on (a napalmsky table: the original
//! kept no record of them, so a retried delivery paid twice).

use super::columns::PgType::{Text, Timestamp, Uuid};
use super::columns::{Column, Mirrored, Table, uuid};
use crate::store::records::PaymentEvent;

impl Mirrored for PaymentEvent {
    fn describe() -> Table<Self> {
        let columns = vec![
            Column::new("event_id", Text, |e: &PaymentEvent| e.event_id.clone()).key(),
            Column::new("kind", Text, |e: &PaymentEvent| e.kind.clone()).verified(),
            Column::new("user_id", Uuid, |e: &PaymentEvent| {
                e.user_id.as_ref().map(uuid)
            }),
            Column::new("payment_id", Text, |e: &PaymentEvent| e.payment_id.clone()),
            Column::new("processed_at", Timestamp, |e: &PaymentEvent| e.processed_at),
        ];
        Table::new("payment_events", |e: &PaymentEvent| e.version, columns)
    }
}
