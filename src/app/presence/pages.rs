//! What each user's queue overlay shows, as far as presence delivery needs to know: the range
//! of the ordered index its last `GET /room/queue` listed, and when it was last hinted.
//!
//! A page is the run of listed users after the caller's own id (wrapping around), cut at
//! `--queue-max-results`, so two ids describe it whatever its length; introductions listed
//! before the run are kept by id (rare). A user who joins the index inside the range after
//! the fetch is not on the page, but treating it as shown only sends a removal the client
//! ignores: the range errs on the side of delivering.

use crate::domain::{FastMap, UserId};

/// The listed users a page showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The listing ended before the limit: it showed every listed user, so any change of the
    /// queue changes this page.
    All,
    /// The run from `from` (the caller's id) to `to`, both included, wrapping past the end of
    /// the id order when `to < from`.
    Run { from: UserId, to: UserId },
}

impl Shown {
    pub fn contains(&self, user: &UserId) -> bool {
        match self {
            Shown::All => true,
            Shown::Run { from, to } if from <= to => from <= user && user <= to,
            Shown::Run { from, to } => user >= from || user <= to,
        }
    }
}

/// One user's overlay.
#[derive(Debug, Default)]
pub struct Overlay {
    /// `None` until the user fetched a page: nothing is shown to take away.
    pub shown: Option<Shown>,
    /// Introduced users, listed before the run.
    pub introduced: Vec<UserId>,
    /// When this user's sockets were last sent a "someone became available" hint (ms).
    pub hinted_at: Option<i64>,
}

impl Overlay {
    /// Whether the page lists `user` (or would, had it fetched just now, for a user inside
    /// its range): what the delivery rule computes by ranges, for its tests.
    #[cfg(test)]
    pub fn shows(&self, user: &UserId) -> bool {
        self.shown.as_ref().is_some_and(|s| s.contains(user)) || self.introduced.contains(user)
    }
}

/// Overlays of online users. Entries are dropped when the user goes offline, and pruned to
/// the current audience now and then (a page fetched while the user was leaving), so the map
/// is bounded by the users online.
#[derive(Debug, Default)]
pub struct DisplayedPages {
    overlays: FastMap<UserId, Overlay>,
}

impl DisplayedPages {
    /// Records the page `user` was just served.
    pub fn shown(&mut self, user: UserId, shown: Shown, introduced: Vec<UserId>) {
        let overlay = self.overlays.entry(user).or_default();
        overlay.shown = Some(shown);
        overlay.introduced = introduced;
    }

    pub fn get(&self, user: &UserId) -> Option<&Overlay> {
        self.overlays.get(user)
    }

    pub fn get_mut(&mut self, user: UserId) -> &mut Overlay {
        self.overlays.entry(user).or_default()
    }

    pub fn forget(&mut self, user: &UserId) {
        self.overlays.remove(user);
    }

    /// Keeps only the users `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&UserId) -> bool) {
        self.overlays.retain(|user, _| keep(user));
    }

    pub fn len(&self) -> usize {
        self.overlays.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_contains_its_ends_and_wraps_past_the_last_id() {
        let run = Shown::Run {
            from: [10; 16],
            to: [20; 16],
        };
        assert!(run.contains(&[10; 16]) && run.contains(&[15; 16]) && run.contains(&[20; 16]));
        assert!(!run.contains(&[9; 16]) && !run.contains(&[21; 16]));
        let wrapped = Shown::Run {
            from: [200; 16],
            to: [5; 16],
        };
        assert!(wrapped.contains(&[250; 16]) && wrapped.contains(&[0; 16]));
        assert!(wrapped.contains(&[5; 16]) && !wrapped.contains(&[6; 16]));
        assert!(!wrapped.contains(&[199; 16]));
        assert!(Shown::All.contains(&[1; 16]));
    }

    #[test]
    fn an_overlay_shows_its_run_and_its_introductions_only_once_fetched() {
        let mut pages = DisplayedPages::default();
        assert!(
            !pages.get_mut([1; 16]).shows(&[2; 16]),
            "nothing fetched yet"
        );
        let run = Shown::Run {
            from: [1; 16],
            to: [3; 16],
        };
        pages.shown([1; 16], run, vec![[90; 16]]);
        let overlay = pages.get(&[1; 16]).expect("recorded");
        assert!(overlay.shows(&[2; 16]) && overlay.shows(&[90; 16]));
        assert!(!overlay.shows(&[50; 16]));
        pages.forget(&[1; 16]);
        assert_eq!(pages.len(), 0);
    }
}
