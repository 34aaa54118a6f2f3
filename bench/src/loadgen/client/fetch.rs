//! The HTTP fetches a user's timers ask for ([`Fetch`]), run as tasks beside its socket so
//! that a slow answer never holds up the socket, and what their answers do.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::model::ClientModel;
use super::shared::Shared;
use super::state::User;
use super::state::overlay::Fetch;
use crate::loadgen::metrics::{Counter, Step};
use crate::loadgen::wire::{QueueList, WireError};

/// A finished fetch's answer.
#[derive(Debug)]
pub enum Answer {
    Queue(Result<QueueList, WireError>),
    Stats(Result<u64, WireError>),
}

/// (what was fetched, how long it took, the answer).
pub type Finished = (Fetch, Duration, Answer);

/// The fetches in flight of one user (aborted when dropped).
pub type InFlight = JoinSet<Finished>;

/// Whether `fetch` may start with `in_flight` fetches running. The web client sends each
/// fetch its timers ask for, concurrent or not; the legacy model skips a poll while the
/// previous one is unanswered, as the generator always did.
pub fn may_start(model: ClientModel, in_flight: usize) -> bool {
    model == ClientModel::Web || in_flight == 0
}

/// Starts `fetch` and counts it (a request sent, whatever its answer).
pub fn start(in_flight: &mut InFlight, sh: &Arc<Shared>, token: &str, fetch: Fetch) {
    let counter = match fetch {
        Fetch::Poll => Counter::QueuePolls,
        Fetch::Reactive => Counter::QueueReactive,
        Fetch::Stats => Counter::StatsLive,
    };
    sh.count(counter, 1);
    let sh = sh.clone();
    let token = token.to_owned();
    in_flight.spawn(async move {
        let started = Instant::now();
        let answer = match fetch {
            Fetch::Poll | Fetch::Reactive => Answer::Queue(sh.http.queue(&token).await),
            Fetch::Stats => Answer::Stats(sh.http.stats_live().await),
        };
        (fetch, started.elapsed(), answer)
    });
}

/// Records a finished fetch; a queue list goes to the user. A failure of any fetch, reactive
/// ones included, is an error.
pub fn finished(sh: &Shared, user: &mut User, (_, took, answer): Finished) {
    match answer {
        Answer::Queue(Ok(list)) => {
            sh.record(Step::QueueGet, took);
            sh.count(Counter::QueueBytes, list.body_bytes as u64);
            user.on_queue(list.entries);
        }
        Answer::Stats(Ok(_online)) => sh.record(Step::StatsLive, took),
        Answer::Queue(Err(e)) | Answer::Stats(Err(e)) => sh.error(&e.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_legacy_model_waits_for_the_previous_answer() {
        assert!(may_start(ClientModel::Web, 3));
        assert!(may_start(ClientModel::Legacy, 0));
        assert!(!may_start(ClientModel::Legacy, 1));
    }
}
