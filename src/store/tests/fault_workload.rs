//! The storage-fault cases' workload: the write jobs (through the real `Tx` operations), the
//! users they touch, and what a case has written so far in the model (`fault_model.rs`).

use super::fault_model::{Fate, Model, Value};
use super::support::{NOW, id};
use crate::store::records::{Gender, Session, User};
use crate::store::{StoreError, Tx};
use crate::test_rng::Rng;

/// User ids are `[n; 16]` for `n` in `1..=MAX_USER`; user `n`'s session is `[n | 0x80; 16]`.
pub(super) const MAX_USER: u8 = 120;
/// Users (each with a session) in the image most cases start from.
pub(super) const BASE_USERS: u8 = 6;

pub(super) const POISON: &str = "rolled back by the test";

pub(super) fn session_token(n: u8) -> [u8; 16] {
    [n | 0x80; 16]
}

pub(super) fn user_key(n: u8) -> String {
    format!("user {n}")
}

pub(super) fn session_key(n: u8) -> String {
    format!("session {n}")
}

/// One write job of the workload, through the real `Tx` operations.
#[derive(Clone, Debug)]
pub(super) enum Write {
    NewUser(u8, Value),
    /// A user and its session in one job: they commit together or not at all.
    NewUserWithSession(u8, Value),
    /// Reads the user inside the job and writes it back renamed.
    Rename(u8, Value),
    /// Writes a user, then fails: its whole batch rolls back.
    Poisoned(u8, Value),
}

impl Write {
    /// The model keys it writes, with their values.
    pub(super) fn changes(&self) -> Vec<(String, Value)> {
        match self {
            Write::NewUser(n, v) | Write::Rename(n, v) | Write::Poisoned(n, v) => {
                vec![(user_key(*n), v.clone())]
            }
            Write::NewUserWithSession(n, v) => {
                vec![(user_key(*n), v.clone()), (session_key(*n), v.clone())]
            }
        }
    }

    pub(super) fn apply(&self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        match self {
            Write::NewUser(n, name) => put_user(tx, *n, name),
            Write::NewUserWithSession(n, name) => {
                put_user(tx, *n, name)?;
                tx.put_session(&mut session(*n, name))
            }
            Write::Rename(n, name) => {
                let mut user = tx
                    .user(&id(*n))?
                    .ok_or_else(|| StoreError::Corrupt(format!("user {n} to rename is gone")))?;
                user.name = name.clone();
                tx.put_user(&mut user)
            }
            Write::Poisoned(n, name) => {
                put_user(tx, *n, name)?;
                Err(StoreError::Storage(POISON.into()))
            }
        }
    }
}

pub(super) fn put_user(tx: &mut Tx<'_>, n: u8, name: &str) -> Result<(), StoreError> {
    tx.put_user(&mut User::new_guest(
        id(n),
        name.to_owned(),
        Gender::Female,
        NOW,
    ))
}

pub(super) fn session(n: u8, device: &str) -> Session {
    Session {
        token: session_token(n),
        user_id: id(n),
        ip_address: "203.0.113.7".into(),
        device_info: device.to_owned(),
        is_active: true,
        created_at: NOW,
        expires_at: NOW + 86_400_000,
        last_active_at: NOW,
        version: 0,
    }
}

/// What a case has written so far, and the next unused user number.
pub(super) struct Written {
    pub(super) model: Model,
    /// User numbers created together with their session, and the value they were created with.
    pub(super) pairs: Vec<(u8, Value)>,
    pub(super) next_user: u8,
    /// Tells values apart across the whole case.
    pub(super) generation: u32,
}

impl Written {
    pub(super) fn empty() -> Self {
        Self {
            model: Model::default(),
            pairs: Vec::new(),
            next_user: 1,
            generation: 0,
        }
    }

    pub(super) fn value(&mut self, n: u8) -> Value {
        self.generation += 1;
        format!("{n}.{}", self.generation)
    }

    /// A fresh user number, or `None` when all are taken.
    pub(super) fn fresh(&mut self) -> Option<u8> {
        (self.next_user <= MAX_USER).then(|| {
            self.next_user += 1;
            self.next_user - 1
        })
    }

    pub(super) fn plan_write(&mut self, rng: &mut Rng, busy: &[u8]) -> Option<Write> {
        let renamable: Vec<u8> = (1..self.next_user)
            .filter(|n| self.model.acknowledged(&user_key(*n)).is_some() && !busy.contains(n))
            .collect();
        let choice = rng.below(20);
        if (8..14).contains(&choice) && !renamable.is_empty() {
            let n = *rng.pick(&renamable);
            return Some(Write::Rename(n, self.value(n)));
        }
        let n = self.fresh()?;
        let v = self.value(n);
        Some(match choice {
            0 => Write::Poisoned(n, v),
            1..=7 => Write::NewUserWithSession(n, v),
            _ => Write::NewUser(n, v),
        })
    }

    /// Up to four writes on distinct users, so that their order inside a round is irrelevant.
    pub(super) fn plan_round(&mut self, rng: &mut Rng) -> Vec<Write> {
        let mut writes: Vec<Write> = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let busy: Vec<u8> = writes.iter().map(Write::user).collect();
            if let Some(write) = self.plan_write(rng, &busy) {
                writes.push(write);
            }
        }
        writes
    }
}

impl Write {
    pub(super) fn user(&self) -> u8 {
        match self {
            Write::NewUser(n, _)
            | Write::NewUserWithSession(n, _)
            | Write::Rename(n, _)
            | Write::Poisoned(n, _) => *n,
        }
    }
}

/// Enters the answer to a submitted write into the model.
pub(super) fn record(written: &mut Written, write: &Write, fate: Fate) {
    for (key, value) in write.changes() {
        written.model.answered(&key, &value, fate);
    }
    if let (Write::NewUserWithSession(n, v), Fate::Durable | Fate::Unknown) = (write, fate) {
        written.pairs.push((*n, v.clone()));
    }
}
