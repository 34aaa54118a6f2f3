//! The delivery rule: which sockets get which of a tick's presence announcements.
//!
//! The web client reacts to announcements: one that shows a user available makes every open
//! queue overlay fetch `/room/queue` 300 ms later, one that takes a user away removes it from
//! the list at once. Sending every change to every socket (the original) is exact but costs
//! changes x sockets frames, and as many queue fetches: O(N^2). So:
//!
//! - **Within the budget** (`--presence-budget` frame deliveries per tick, frames x
//!   listeners), every authenticated socket gets every change, as the original did.
//! - **Past it**, a socket gets only what its overlay needs: every change that takes away a
//!   user its last page shows (never dropped, see [`super::pages`]), plus at most one
//!   "someone became available" change per poll interval of the client (5 s), and only one
//!   that would appear on its page; one is enough, it makes the client fetch the whole page.
//!   Sockets of users in a call get nothing: the room page shows no queue and the overlay
//!   fetches its page when it opens again. Everything else is left to the client's 5 s poll.

use std::sync::Arc;

use bytes::Bytes;

use super::buffer::UserChange;
use super::pages::{DisplayedPages, Overlay, Shown};
use crate::app::TextBatch;
use crate::domain::{FastMap, UserId};

/// How often the web client's queue overlay polls `/room/queue`: past the budget, one hint
/// per socket per poll interval adds at most as many fetches as the polls.
pub const WEB_CLIENT_QUEUE_POLL_MS: i64 = 5_000;

/// The numbers of the rule.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRule {
    /// Frame deliveries (frames x listeners) a tick may make while sending everything to
    /// everyone.
    pub budget: usize,
    /// Past the budget, a socket gets at most one arrival hint per this many ms.
    pub hint_interval_ms: i64,
}

impl DeliveryRule {
    /// The rule for the web client's overlay, with `--presence-budget`.
    pub fn web_client(budget: usize) -> Self {
        Self {
            budget,
            hint_interval_ms: WEB_CLIENT_QUEUE_POLL_MS,
        }
    }
}

/// One authenticated socket, as the rule sees it. The sockets of one user come one after
/// the other (`Domain::presence_listeners` lists them user by user).
#[derive(Debug, Clone, Copy)]
pub struct Listener {
    pub user: UserId,
    pub in_call: bool,
}

/// A tick's deliveries.
#[derive(Debug)]
pub enum Delivery {
    /// Every listener gets this batch (within the budget).
    Everyone(Arc<TextBatch>),
    /// Past the budget: listener index -> its own batch; listeners not named get nothing.
    Each(Vec<(usize, Arc<TextBatch>)>),
}

/// Decides a tick's deliveries. `now` (ms) times the hints, which are recorded in `pages`.
pub fn plan(
    changes: &[UserChange],
    listeners: &[Listener],
    pages: &mut DisplayedPages,
    now: i64,
    rule: &DeliveryRule,
) -> Delivery {
    let frames: usize = changes.iter().map(|c| c.frames.len()).sum();
    if frames.saturating_mul(listeners.len()) <= rule.budget {
        let all = changes.iter().flat_map(|c| c.frames.iter().cloned());
        return Delivery::Everyone(Arc::new(TextBatch::new(all.collect())));
    }
    Delivery::Each(plan_bounded(changes, listeners, pages, now, rule))
}

fn plan_bounded(
    changes: &[UserChange],
    listeners: &[Listener],
    pages: &mut DisplayedPages,
    now: i64,
    rule: &DeliveryRule,
) -> Vec<(usize, Arc<TextBatch>)> {
    let removals = ById::of(changes, |c| c.removal);
    let arrivals = ById::of(changes, |c| c.arrival);
    // A user's sockets come one after the other and share one overlay: the hint chosen for
    // the first goes to the others.
    let mut last_hint: Option<(UserId, Option<usize>)> = None;
    // Overlays that showed the whole queue get every removal: one batch per hint for all of
    // them, so a tick of many removals is not copied for every such socket.
    let mut whole_queue: FastMap<Option<usize>, Arc<TextBatch>> = FastMap::default();
    let mut deliveries = Vec::new();
    for (index, listener) in listeners.iter().enumerate() {
        if listener.in_call {
            continue;
        }
        let hint = match last_hint {
            Some((user, hint)) if user == listener.user => hint,
            _ => {
                let hint = hint_for(listener.user, &arrivals, pages, now, rule);
                last_hint = Some((listener.user, hint));
                hint
            }
        };
        let overlay = pages.get(&listener.user);
        let shows_everyone = overlay.is_some_and(|o| o.shown == Some(Shown::All));
        let mut picked: Vec<usize> = match overlay {
            Some(overlay) if !shows_everyone => removals.shown_by(overlay),
            _ => Vec::new(),
        };
        if shows_everyone {
            if hint.is_none() && removals.0.is_empty() {
                continue;
            }
            let batch = whole_queue.entry(hint).or_insert_with(|| {
                let mut all: Vec<usize> = removals.0.iter().map(|(_, i)| *i).collect();
                all.extend(hint);
                batch_of(changes, all)
            });
            deliveries.push((index, batch.clone()));
            continue;
        }
        picked.extend(hint);
        if !picked.is_empty() {
            deliveries.push((index, batch_of(changes, picked)));
        }
    }
    deliveries
}

/// The arrival to hint to `user`'s overlay, if one is due and would appear on its page;
/// recorded as sent.
fn hint_for(
    user: UserId,
    arrivals: &ById,
    pages: &mut DisplayedPages,
    now: i64,
    rule: &DeliveryRule,
) -> Option<usize> {
    let overlay = pages.get(&user);
    let due = overlay
        .and_then(|o| o.hinted_at)
        .is_none_or(|at| now - at >= rule.hint_interval_ms);
    let hint = due
        .then(|| arrivals.first_appearing_on(overlay, &user))
        .flatten()?;
    pages.get_mut(user).hinted_at = Some(now);
    Some(hint)
}

/// The frames of the changes `picked` (indexes, any order, no repeats), in change order.
fn batch_of(changes: &[UserChange], mut picked: Vec<usize>) -> Arc<TextBatch> {
    picked.sort_unstable();
    let frames: Vec<Bytes> = picked
        .iter()
        .flat_map(|&i| changes[i].frames.iter().cloned())
        .collect();
    Arc::new(TextBatch::new(frames))
}

/// Changes of one kind by user id (index into the tick's changes), for range lookups.
struct ById(Vec<(UserId, usize)>);

impl ById {
    fn of(changes: &[UserChange], keep: impl Fn(&UserChange) -> bool) -> Self {
        let mut ids: Vec<(UserId, usize)> = changes
            .iter()
            .enumerate()
            .filter(|(_, c)| keep(c))
            .map(|(i, c)| (c.user, i))
            .collect();
        ids.sort_unstable();
        Self(ids)
    }

    /// The entries whose user `shown` contains, in id order (wrapped runs: the end first).
    fn in_shown<'a>(&'a self, shown: &Shown) -> impl Iterator<Item = &'a (UserId, usize)> {
        let ids = &self.0;
        let at = |user: &UserId| ids.partition_point(|(id, _)| id < user);
        let after = |user: &UserId| ids.partition_point(|(id, _)| id <= user);
        let (first, second) = match shown {
            Shown::All => (&ids[..], &ids[..0]),
            Shown::Run { from, to } if from <= to => (&ids[at(from)..after(to)], &ids[..0]),
            Shown::Run { from, to } => (&ids[at(from)..], &ids[..after(to)]),
        };
        first.iter().chain(second)
    }

    /// The changes of users `overlay` shows.
    fn shown_by(&self, overlay: &Overlay) -> Vec<usize> {
        let mut found: Vec<usize> = match &overlay.shown {
            Some(shown) => self.in_shown(shown).map(|(_, i)| *i).collect(),
            None => Vec::new(),
        };
        for user in &overlay.introduced {
            let outside_run = !overlay.shown.as_ref().is_some_and(|s| s.contains(user));
            if outside_run && let Ok(at) = self.0.binary_search_by(|(id, _)| id.cmp(user)) {
                found.push(self.0[at].1);
            }
        }
        found
    }

    /// A change of a user (not `me`) that a fetch now would add to `overlay`'s page: any, if
    /// the page was not cut by the limit or never fetched; otherwise one inside its run.
    fn first_appearing_on(&self, overlay: Option<&Overlay>, me: &UserId) -> Option<usize> {
        let shown = overlay
            .and_then(|o| o.shown.as_ref())
            .unwrap_or(&Shown::All);
        self.in_shown(shown)
            .find(|(user, _)| user != me)
            .map(|(_, i)| *i)
    }
}

#[cfg(test)]
mod tests;
