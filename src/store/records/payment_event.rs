//! The processed payment event record: a Stripe event id the webhook has acted on, so a
//! retried or replayed delivery changes nothing the second time.

use redb::TableDefinition;
use rkyv::{Archive, Deserialize, Serialize};

use crate::clock::Millis;
use crate::store::change::{ChangeOp, RecordKind};
use crate::store::codec::{Record, Rkyv, Stored, encode};
use crate::store::error::StoreError;
use crate::store::id::Id;
use crate::store::read::{Each, Reader};
use crate::store::tables::{self, TableVisitor};
use crate::store::tx::Tx;

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    /// Stripe's `evt_...` id (the key).
    pub event_id: String,
    /// The event's `type` (`checkout.session.completed`).
    pub kind: String,
    /// The user it paid for, when it did.
    pub user_id: Option<Id>,
    /// Stripe's `payment_intent`, when there was one.
    pub payment_id: Option<String>,
    pub processed_at: Millis,
    pub version: u64,
}

impl Record for PaymentEvent {
    const TYPE_NAME: &'static str = "napalmsky.payment_event.v1.rkyv08-unaligned-le";
}

const PAYMENT_EVENTS: TableDefinition<&str, Rkyv<PaymentEvent>> =
    TableDefinition::new("payment_events");

impl Tx<'_> {
    pub fn payment_event(&self, event_id: &str) -> Result<Option<PaymentEvent>, StoreError> {
        tables::owned(&self.txn().open_table(PAYMENT_EVENTS)?, event_id)
    }

    pub fn put_payment_event(&mut self, event: &mut PaymentEvent) -> Result<(), StoreError> {
        let key = event.event_id.as_str();
        event.version = self.enqueue(RecordKind::PaymentEvent, ChangeOp::Upsert, key.as_bytes())?;
        let bytes = encode(event)?;
        self.txn()
            .open_table(PAYMENT_EVENTS)?
            .insert(key, Stored::<PaymentEvent>::new(&bytes))?;
        Ok(())
    }
}

impl Reader {
    pub fn payment_event(&self, event_id: &str) -> Result<Option<PaymentEvent>, StoreError> {
        self.owned(PAYMENT_EVENTS, event_id)
    }
}

// The registry's hooks (`records/mod.rs`).

pub(super) fn visit_tables(visitor: &mut impl TableVisitor) -> Result<(), StoreError> {
    visitor.table(PAYMENT_EVENTS)
}

/// The outbox key is the event id. `None`: not a key this build writes.
pub(super) fn current(
    reader: &Reader,
    key: &[u8],
) -> Result<Option<Option<PaymentEvent>>, StoreError> {
    let id = std::str::from_utf8(key).ok();
    id.map(|id| reader.payment_event(id)).transpose()
}

pub(super) fn each(reader: &Reader, each: Each<'_, PaymentEvent>) -> Result<(), StoreError> {
    reader.each_in(PAYMENT_EVENTS, each)
}

/// How many records there are, without reading them.
pub(super) fn count(reader: &Reader) -> Result<u64, StoreError> {
    reader.count(PAYMENT_EVENTS)
}
