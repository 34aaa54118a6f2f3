//! The one place that maps the store's closed `RecordKind` / `Current` enums to the mirrored
//! record types. A new kind makes the compiler ask for its arms here, and goes into `KINDS`
//! at the position it is written in (parents before the rows that refer to them); a mirrored
//! type missing from `KINDS` fails the first test that writes it.

use std::any::TypeId;
use std::marker::PhantomData;

use super::columns::{Mirrored, table};
use crate::store::Current;
use crate::store::records::{
    BanRecord, Completion, Cooldown, HistoryEntry, IntroCode, InviteCode, IpBan, PaymentEvent,
    RecordKind, ReferralNotification, Report, Session, User, UserIps,
};

/// Every mirrored kind, parents first: upserts run in this order, deletions in reverse.
pub(crate) const KINDS: [RecordKind; 13] = [
    RecordKind::User,
    RecordKind::UserIps,
    RecordKind::Session,
    RecordKind::History,
    RecordKind::Completion,
    RecordKind::Cooldown,
    RecordKind::Report,
    RecordKind::BanRecord,
    RecordKind::IpBan,
    RecordKind::InviteCode,
    RecordKind::PaymentEvent,
    RecordKind::IntroCode,
    RecordKind::ReferralNotification,
];

/// Where `kind` is written among the others.
pub(crate) fn position(kind: RecordKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

/// The kind `visit_table` maps to `R`: the record type's kind is said once, in that match.
pub(crate) fn kind_of<R: Mirrored>() -> RecordKind {
    struct Is<R>(bool, PhantomData<R>);
    impl<R: 'static> TableVisitor for Is<R> {
        fn table<T: Mirrored>(&mut self) {
            self.0 = TypeId::of::<T>() == TypeId::of::<R>();
        }
    }
    let found = KINDS.into_iter().find(|kind| {
        let mut is = Is::<R>(false, PhantomData);
        visit_table(*kind, &mut is);
        is.0
    });
    match found {
        Some(kind) => kind,
        None => unreachable!("{} is mirrored but not listed in KINDS", table::<R>().name),
    }
}

/// Something done per mirrored record type.
pub(crate) trait TableVisitor {
    fn table<R: Mirrored>(&mut self);
}

pub(crate) fn visit_table(kind: RecordKind, visitor: &mut impl TableVisitor) {
    match kind {
        RecordKind::User => visitor.table::<User>(),
        RecordKind::Session => visitor.table::<Session>(),
        RecordKind::History => visitor.table::<HistoryEntry>(),
        RecordKind::Completion => visitor.table::<Completion>(),
        RecordKind::Cooldown => visitor.table::<Cooldown>(),
        RecordKind::UserIps => visitor.table::<UserIps>(),
        RecordKind::Report => visitor.table::<Report>(),
        RecordKind::BanRecord => visitor.table::<BanRecord>(),
        RecordKind::IpBan => visitor.table::<IpBan>(),
        RecordKind::InviteCode => visitor.table::<InviteCode>(),
        RecordKind::PaymentEvent => visitor.table::<PaymentEvent>(),
        RecordKind::IntroCode => visitor.table::<IntroCode>(),
        RecordKind::ReferralNotification => visitor.table::<ReferralNotification>(),
    }
}

pub(crate) fn each_table(visitor: &mut impl TableVisitor) {
    for kind in KINDS {
        visit_table(kind, visitor);
    }
}

/// Something done with a record's current state.
pub(crate) trait Visitor {
    fn record<R: Mirrored>(&mut self, record: R);
    fn deleted<R: Mirrored>(&mut self, outbox_key: &[u8]);
}

pub(crate) fn visit(current: Current, visitor: &mut impl Visitor) {
    match current {
        Current::User(user) => visitor.record(*user),
        Current::Session(session) => visitor.record(session),
        Current::History(entry) => visitor.record(entry),
        Current::Completion(completion) => visitor.record(completion),
        Current::Cooldown(cooldown) => visitor.record(cooldown),
        Current::UserIps(record) => visitor.record(record),
        Current::Report(report) => visitor.record(report),
        Current::BanRecord(record) => visitor.record(record),
        Current::IpBan(ban) => visitor.record(ban),
        Current::InviteCode(code) => visitor.record(code),
        Current::PaymentEvent(event) => visitor.record(event),
        Current::IntroCode(code) => visitor.record(code),
        Current::ReferralNotification(notification) => visitor.record(notification),
        Current::Deleted(kind, key) => {
            struct Deleted<'a, V> {
                visitor: &'a mut V,
                key: &'a [u8],
            }
            impl<V: Visitor> TableVisitor for Deleted<'_, V> {
                fn table<R: Mirrored>(&mut self) {
                    self.visitor.deleted::<R>(self.key);
                }
            }
            visit_table(kind, &mut Deleted { visitor, key: &key });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct KindOf(Option<RecordKind>);
    impl TableVisitor for KindOf {
        fn table<R: Mirrored>(&mut self) {
            self.0 = Some(kind_of::<R>());
        }
    }

    #[test]
    fn every_listed_kind_maps_to_its_own_type() {
        for (i, kind) in KINDS.into_iter().enumerate() {
            let mut found = KindOf(None);
            visit_table(kind, &mut found);
            assert_eq!(found.0, Some(kind));
            assert_eq!(position(kind), i, "{kind:?} listed twice");
        }
    }
}
