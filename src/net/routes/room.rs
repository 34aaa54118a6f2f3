//! `/room`: history, the caller's timer, the matchmaking queue and the reel. The queue and the
//! reel are served from the realtime domain's in-memory index: no store read per candidate.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use hyper::{HeaderMap, StatusCode, Uri};
use rand_core::{OsRng, RngCore};
use serde_json::{Map, Value, json};

use crate::accounts::id_string;
use crate::app::Shown;
use crate::config::Paywall;
use crate::domain::{Profile, UserId};
use crate::net::Http;
use crate::net::auth::require_auth;
use crate::net::call::{Answer, Call};
use crate::net::error::ApiError;
use crate::net::respond::{json_bytes, ok};
use crate::paywall;
use crate::referrals;
use crate::store::{AuthContext, Reader};

/// History entries returned at most (newest first).
const MAX_HISTORY: usize = 500;
/// `/room/reel` page size: the original's default, and a maximum it lacked (§7.32).
const REEL_DEFAULT: usize = 20;
const REEL_MAX: usize = 100;

/// `requirePayment`, plus the session and ban checks the original skipped (§7.4, §7.5).
fn require_access(state: &Arc<Http>, headers: &HeaderMap) -> Result<Arc<AuthContext>, ApiError> {
    let context = require_auth(state, headers)?;
    if state.config.rules.paywall == Paywall::On && !paywall::has_access(context.paid_status) {
        return Err(ApiError::PaymentRequired);
    }
    Ok(context)
}

/// `GET /room/queue`: everyone online and available but the caller and the users the caller
/// reported, capped at `--queue-max-results`, the caller's introductions first; cooldowns
/// are marked, not filtered (as the original).
///
/// Built under the domain lock, so it is cheap there: the total is O(1), and each item is
/// its profile's pre-rendered card (`Profile::queue_card_fields`) copied into the body, plus
/// the caller's own fields. No JSON is serialized per request.
pub async fn queue(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_access(state, call.request.headers())?;
    let me = context.user_id;
    let now = state.clock.now_ms();
    let limit = state.config.rules.queue_max_results;
    let reported = reported_by(state, &me)?;
    let introduced = introductions_for(state, &me)?;
    let (body, track) = state.realtime.with_domain(|domain| {
        let total = domain.available_count() - usize::from(domain.is_available(&me));
        let mut body = QueueBodyWriter::with_capacity(limit.min(total));
        let listed = |id: &UserId| *id != me && !reported.contains(id);
        // Introductions first (the client sorts them first too, but the cap must not cut
        // them off).
        let mut introduced_shown = Vec::new();
        for (user, by) in &introduced {
            if body.items == limit {
                break;
            }
            if let Some(profile) = domain.profile(user).filter(|_| listed(user))
                && domain.is_available(user)
            {
                body.push(profile, domain.cooldown_until(&me, user, now), Some(by));
                introduced_shown.push(*user);
            }
        }
        // Then the rest, starting at the caller's own id: different callers see different
        // slices of a large queue instead of everyone seeing the same first ones.
        let rest = domain
            .available_users_from(&me)
            .filter(|p| listed(&p.user_id()) && !introduced.iter().any(|(u, _)| *u == p.user_id()));
        let mut run_end = None;
        let mut cut = false;
        for profile in rest {
            if body.items == limit {
                cut = true;
                break;
            }
            let cooldown = domain.cooldown_until(&me, &profile.user_id(), now);
            body.push(profile, cooldown, None);
            run_end = Some(profile.user_id());
        }
        // What this page shows, for presence delivery (see `app::presence::pages`).
        let shown = if cut {
            Shown::Run {
                from: me,
                to: run_end.unwrap_or(me),
            }
        } else {
            Shown::All
        };
        // Only an online user's overlay receives presence; the others are not tracked.
        let track = domain.is_online(&me).then_some((shown, introduced_shown));
        (body.finish(total), track)
    });
    if let Some((shown, introduced_shown)) = track {
        state.realtime.page_shown(me, shown, introduced_shown);
    }
    Ok(json_bytes(StatusCode::OK, Bytes::from(body)))
}

/// Whom `me` reported, read from the store only if `QueueExtras` says there is anyone: the
/// common queue and reel request reads nothing.
fn reported_by(state: &Http, me: &UserId) -> Result<Vec<UserId>, ApiError> {
    if !state.queue_extras.has_reported(me) {
        return Ok(Vec::new());
    }
    Ok(state.store.read()?.reported_by(me)?)
}

/// Who was introduced to `me`, read only if `QueueExtras` says there is anyone.
fn introductions_for(state: &Http, me: &UserId) -> Result<Vec<(UserId, String)>, ApiError> {
    if !state.queue_extras.has_introductions(me) {
        return Ok(Vec::new());
    }
    introduced_to(&state.store.read()?, me)
}

/// The users introduced to `me` (through a shared intro code), with who introduced them,
/// newest first, each once.
fn introduced_to(reader: &Reader, me: &UserId) -> Result<Vec<(UserId, String)>, ApiError> {
    let notifications = reader.referral_notifications_for(me, referrals::NOTIFICATIONS_LISTED)?;
    let mut introduced: Vec<(UserId, String)> = Vec::with_capacity(notifications.len());
    for n in notifications {
        if !introduced
            .iter()
            .any(|(user, _)| *user == n.referred_user_id)
        {
            introduced.push((n.referred_user_id, n.introduced_by_name));
        }
    }
    Ok(introduced)
}

/// `{"users":[...],"totalAvailable":n}`, written item by item.
struct QueueBodyWriter {
    bytes: Vec<u8>,
    items: usize,
}

impl QueueBodyWriter {
    /// Typical card plus per-caller fields, so the buffer rarely grows.
    const ITEM_BYTES: usize = 256;

    fn with_capacity(items: usize) -> Self {
        let mut bytes = Vec::with_capacity(48 + items * Self::ITEM_BYTES);
        bytes.extend_from_slice(br#"{"users":["#);
        Self { bytes, items: 0 }
    }

    /// One item: the card, then `hasCooldown`, `cooldownExpiry` and the introduction fields
    /// (`introduced_by`: who introduced this user to the caller).
    fn push(
        &mut self,
        profile: &Profile,
        cooldown_until: Option<i64>,
        introduced_by: Option<&str>,
    ) {
        if self.items > 0 {
            self.bytes.push(b',');
        }
        self.items += 1;
        self.bytes
            .extend_from_slice(profile.queue_card_fields().as_bytes());
        match cooldown_until {
            Some(until) => {
                self.bytes
                    .extend_from_slice(br#","hasCooldown":true,"cooldownExpiry":"#);
                let _ = write!(self.bytes, "{until}");
            }
            None => self
                .bytes
                .extend_from_slice(br#","hasCooldown":false,"cooldownExpiry":null"#),
        }
        match introduced_by {
            Some(name) => {
                self.bytes
                    .extend_from_slice(br#","wasIntroducedToMe":true,"introducedBy":"#);
                let _ = serde_json::to_writer(&mut self.bytes, name);
                self.bytes.push(b'}');
            }
            None => self
                .bytes
                .extend_from_slice(br#","wasIntroducedToMe":false,"introducedBy":null}"#),
        }
    }

    fn finish(mut self, total_available: usize) -> Vec<u8> {
        self.bytes.extend_from_slice(br#"],"totalAvailable":"#);
        let _ = write!(self.bytes, "{total_available}");
        self.bytes.push(b'}');
        self.bytes
    }
}

fn query_params(uri: &Uri) -> HashMap<&str, &str> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect()
}

/// `GET /room/reel?limit=&cursor=`: a shuffled page of available users without cooldown,
/// never repeating a user within one cursor.
pub async fn reel(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_access(state, call.request.headers())?;
    let params = query_params(call.request.uri());
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(REEL_DEFAULT)
        .min(REEL_MAX);
    let cursor = params
        .get("cursor")
        .filter(|c| !c.is_empty() && c.len() <= 64)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), |c| (*c).to_owned());
    let me = context.user_id;
    let now = state.clock.now_ms();
    let reported = reported_by(state, &me)?;
    let (items, has_more) = state.realtime.with_domain(|domain| {
        state.reels.with_seen(&cursor, now, |seen| {
            let mut candidates: Vec<&Profile> = domain
                .available_users()
                .filter(|p| p.user_id() != me && !seen.contains(&p.user_id()))
                .filter(|p| !reported.contains(&p.user_id()))
                .filter(|p| domain.cooldown_until(&me, &p.user_id(), now).is_none())
                .collect();
            shuffle(&mut candidates);
            let has_more = candidates.len() > limit;
            candidates.truncate(limit);
            let picked = candidates.iter().map(|p| p.user_id()).collect();
            let items: Vec<Value> = candidates.iter().map(|p| p.card_json()).collect();
            (picked, (items, has_more))
        })
    });
    Ok(ok(
        &json!({ "items": items, "cursor": cursor, "hasMore": has_more }),
    ))
}

/// Fisher-Yates with the OS random source.
fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = (OsRng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// `GET /room/history`: the caller's calls, newest first (hot and archived).
pub async fn history(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let entries = state
        .store
        .read()
        .and_then(|r| r.history_of(&context.user_id, MAX_HISTORY))?;
    let history: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let messages: Value = serde_json::from_str(&entry.messages).unwrap_or(json!([]));
            json!({
                "sessionId": entry.session_id,
                "roomId": id_string(&entry.room_id),
                "partnerId": id_string(&entry.partner_id),
                "partnerName": entry.partner_name,
                "startedAt": entry.started_at,
                "duration": entry.duration_seconds,
                "messages": messages,
            })
        })
        .collect();
    Ok(ok(&json!({ "history": history })))
}

/// `GET /room/me`: `{userId, name, selfieUrl, timerTotal}` (timer from the stored metrics).
pub async fn me(state: &Arc<Http>, call: Call) -> Answer {
    let context = require_auth(state, call.request.headers())?;
    let found = state.store.read().and_then(|r| {
        r.with_user(&context.user_id, |u| {
            let mut body = Map::new();
            body.insert("userId".into(), json!(id_string(&u.id)));
            body.insert("name".into(), json!(u.name.as_str()));
            if let Some(url) = u.selfie_url.as_ref() {
                body.insert("selfieUrl".into(), json!(url.as_str()));
            }
            body.insert(
                "timerTotal".into(),
                json!(u.timer_total_seconds.to_native()),
            );
            Value::Object(body)
        })
    })?;
    let body = found.ok_or(ApiError::NotFound("User not found"))?;
    Ok(ok(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_body_is_the_original_shape_with_per_caller_fields() {
        let card = |n: u8, name: &str| {
            let mut id = [0u8; 16];
            id[15] = n;
            Profile::new(id, name.to_owned(), "male".to_owned(), None, None)
        };
        let mut body = QueueBodyWriter::with_capacity(2);
        body.push(&card(1, "Ann"), None, None);
        body.push(
            &card(2, "Bo \"B\""),
            Some(1_700_000_000_000),
            Some("Cy \"C\""),
        );
        let parsed: Value = serde_json::from_slice(&body.finish(5)).expect("valid JSON");
        let item = |n: u8, name: &str, cooldown: Option<i64>, by: Option<&str>| {
            let mut id = [0u8; 16];
            id[15] = n;
            json!({
                "userId": id_string(&id),
                "name": name,
                "gender": "male",
                "hasCooldown": cooldown.is_some(),
                "cooldownExpiry": cooldown,
                "wasIntroducedToMe": by.is_some(),
                "introducedBy": by,
            })
        };
        assert_eq!(
            parsed,
            json!({
                "users": [
                    item(1, "Ann", None, None),
                    item(2, "Bo \"B\"", Some(1_700_000_000_000), Some("Cy \"C\""))
                ],
                "totalAvailable": 5,
            })
        );
        let empty: Value =
            serde_json::from_slice(&QueueBodyWriter::with_capacity(0).finish(0)).expect("JSON");
        assert_eq!(empty, json!({"users": [], "totalAvailable": 0}));
    }
}
