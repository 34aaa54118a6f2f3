//! The record codec on arbitrary bytes, as a damaged file or a value written by another
//! record version would present them: decoding as any record type either refuses the bytes
//! or yields a record whose encoding decodes back to the same encoding. Never a panic, never
//! a read outside the bytes (rkyv validates every archive before use).

use crate::store::codec::{Record, Stored, encode};
use crate::store::records::{
    AdminAccount, AdminGrant, AdminSession, BanRecord, Completion, Cooldown, HistoryEntry,
    IntroCode, InviteCode, IpBan, PaymentEvent, ReferralNotification, Report, Session, User,
    UserIps,
};

/// Decodes `bytes` as every record type the store holds.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    as_record::<User>(bytes)?;
    as_record::<Session>(bytes)?;
    as_record::<HistoryEntry>(bytes)?;
    as_record::<Completion>(bytes)?;
    as_record::<Cooldown>(bytes)?;
    as_record::<Report>(bytes)?;
    as_record::<BanRecord>(bytes)?;
    as_record::<IpBan>(bytes)?;
    as_record::<UserIps>(bytes)?;
    as_record::<InviteCode>(bytes)?;
    as_record::<IntroCode>(bytes)?;
    as_record::<ReferralNotification>(bytes)?;
    as_record::<PaymentEvent>(bytes)?;
    as_record::<AdminAccount>(bytes)?;
    as_record::<AdminSession>(bytes)?;
    as_record::<AdminGrant>(bytes)?;
    Ok(())
}

fn as_record<T: Record>(bytes: &[u8]) -> Result<(), String> {
    // redb hands values over unaligned: copy to an odd offset so alignment is never assumed.
    let mut shifted = Vec::with_capacity(bytes.len() + 1);
    shifted.push(0);
    shifted.extend_from_slice(bytes);
    let Ok(record) = Stored::<T>::new(&shifted[1..]).to_record() else {
        return Ok(());
    };
    let name = T::TYPE_NAME;
    let first = encode(&record).map_err(|e| format!("{name}: decoded but not encodable: {e}"))?;
    let again = Stored::<T>::new(&first)
        .to_record()
        .map_err(|e| format!("{name}: its own encoding is refused: {e}"))?;
    let second = encode(&again).map_err(|e| format!("{name}: {e}"))?;
    if first.as_slice() != second.as_slice() {
        return Err(format!("{name}: re-encoding changed the bytes"));
    }
    Ok(())
}

/// Valid encodings of a user, a session and a history entry, for seeding mutations.
pub fn samples() -> Vec<Vec<u8>> {
    use crate::store::records::Gender;
    let user = User::new_guest([7; 16], "Ann".into(), Gender::Female, 1_000);
    let session = Session {
        token: [1; 16],
        user_id: [7; 16],
        ip_address: "203.0.113.9".into(),
        device_info: "Mozilla/5.0".into(),
        is_active: true,
        created_at: 1_000,
        expires_at: 2_000,
        last_active_at: 1_500,
        version: 3,
    };
    let history = HistoryEntry {
        user_id: [7; 16],
        session_id: "session-1".into(),
        room_id: [9; 16],
        partner_id: [8; 16],
        partner_name: "Bo".into(),
        started_at: 1_000,
        duration_seconds: 61,
        messages: r#"[{"type":"message","text":"hi"}]"#.into(),
        version: 1,
    };
    [encode(&user), encode(&session), encode(&history)]
        .into_iter()
        .filter_map(Result::ok)
        .map(|bytes| bytes.to_vec())
        .collect()
}
