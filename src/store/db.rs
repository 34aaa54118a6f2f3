//! `Store`: opening the data directory, submitting writes, beginning reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use redb::{Database, ReadableDatabase, ReadableTable};
use tokio::sync::{Notify, mpsc, oneshot};

use super::auth_context::AuthContext;
use super::cache::StatCache;
use super::change::OUTBOX;
use super::error::StoreError;
use super::id::Id;
use super::read::Reader;
use super::records::{self, SESSIONS, USERS};
use super::shared::{Caches, Shared};
use super::stats::{WriterSnapshot, WriterStats};
use super::tables::{self, META, META_SCHEMA_VERSION, SCHEMA_VERSION};
use super::tx::Tx;
use super::unfinished;
use super::writer::{self, Job};
use crate::clock::{Millis, SharedClock};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "napalmsky.redb";
/// Write jobs waiting for the writer; senders wait (backpressure) when it is full.
const WRITE_QUEUE: usize = 8192;

pub struct Store {
    db: Arc<Database>,
    jobs: mpsc::Sender<Option<Job>>,
    shared: Arc<Shared>,
    writer: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    path: PathBuf,
}

/// The numbers `/health` reports about the store.
#[derive(Debug, Clone)]
pub struct StoreHealth {
    pub path: PathBuf,
    pub file_bytes: u64,
    pub users: u64,
    pub sessions: u64,
    pub outbox_depth: u64,
    pub outbox_oldest_at: Option<Millis>,
    pub writer: WriterSnapshot,
    pub failed: bool,
}

impl Store {
    /// Opens (or creates) the database in `data_dir` and starts the writer thread.
    pub fn open(
        data_dir: &Path,
        session_cache: u64,
        user_cache: u64,
        cache_ttl: Duration,
        clock: SharedClock,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let db = match Database::create(&path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Locked(data_dir.display().to_string()));
            }
            Err(e) => match unfinished::set_aside(&path)? {
                Some(aside) => {
                    tracing::warn!(file = %aside.display(), "the data file's creation never finished (a crash during the first start); moved aside, creating it again");
                    Database::create(&path)?
                }
                None => return Err(e.into()),
            },
        };
        Self::start(db, path, session_cache, user_cache, cache_ttl, clock)
    }

    /// Test seam: the store on a database the test opened itself, on any redb
    /// `StorageBackend` (the storage-fault tests run it on a simulated disk). `label` stands
    /// in for the file's path in `StoreHealth`.
    #[cfg(test)]
    pub(super) fn on_database(
        db: Database,
        label: &str,
        session_cache: u64,
        user_cache: u64,
        cache_ttl: Duration,
        clock: SharedClock,
    ) -> Result<Self, StoreError> {
        let path = PathBuf::from(label);
        Self::start(db, path, session_cache, user_cache, cache_ttl, clock)
    }

    /// Creates the tables if needed and starts the writer thread on an open database.
    fn start(
        db: Database,
        path: PathBuf,
        session_cache: u64,
        user_cache: u64,
        cache_ttl: Duration,
        clock: SharedClock,
    ) -> Result<Self, StoreError> {
        init_tables(&db)?;
        let shared = Arc::new(Shared {
            epoch: AtomicU64::new(0),
            caches: Caches {
                sessions: StatCache::new(session_cache, cache_ttl),
                users: StatCache::new(user_cache, cache_ttl),
            },
            stats: WriterStats::default(),
            failed: AtomicBool::new(false),
            fatal: Notify::new(),
            fail_next_commit: AtomicBool::new(false),
        });
        let db = Arc::new(db);
        let (jobs, receiver) = mpsc::channel(WRITE_QUEUE);
        let writer = {
            let (db, shared) = (db.clone(), shared.clone());
            std::thread::Builder::new()
                .name("store-writer".into())
                .spawn(move || writer::run(db, receiver, shared, clock))?
        };
        Ok(Self {
            db,
            jobs,
            shared,
            writer: std::sync::Mutex::new(Some(writer)),
            path,
        })
    }

    /// Runs `op` in the next group commit and answers once that commit is durable.
    ///
    /// `op` must decide before it writes (see `Tx`); a `StoreError` from it rolls back the
    /// whole batch it shared.
    pub async fn write<R, F>(&self, op: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Send + 'static,
    {
        if self.shared.failed.load(Ordering::SeqCst) {
            return Err(StoreError::Failed);
        }
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |tx: Option<&mut Tx<'_>>| {
            let Some(tx) = tx else {
                // Never ran: whatever the writer answers, this write did not happen.
                return Box::new(move |commit: Result<(), StoreError>| {
                    let _ = answer.send(Err(commit.err().unwrap_or(StoreError::Failed)));
                });
            };
            match op(tx) {
                Ok(value) => Box::new(move |commit: Result<(), StoreError>| {
                    let _ = answer.send(commit.map(|()| value));
                }),
                Err(error) => {
                    tx.poisoned.get_or_insert_with(|| error.clone());
                    Box::new(move |_| {
                        let _ = answer.send(Err(error));
                    })
                }
            }
        });
        self.jobs
            .send(Some(job))
            .await
            .map_err(|_| StoreError::Closed)?;
        answered.await.map_err(|_| StoreError::Closed)?
    }

    /// A consistent snapshot for reads. Cheap: redb reads come from the memory map.
    pub fn read(&self) -> Result<Reader, StoreError> {
        Ok(Reader::new(self.db.begin_read()?))
    }

    pub fn caches(&self) -> &Caches {
        &self.shared.caches
    }

    /// The verified session behind `token` (cached), or `None` if no such session exists.
    pub fn auth_context(&self, token: &Id) -> Result<Option<Arc<AuthContext>>, StoreError> {
        if let Some(found) = self.shared.caches.sessions.get(token) {
            return Ok(Some(found));
        }
        let read_epoch = self.shared.epoch.load(Ordering::SeqCst);
        let Some(context) = self.read()?.auth_context(token)? else {
            return Ok(None);
        };
        let context = Arc::new(context);
        self.shared.caches.sessions.insert_if_current(
            *token,
            context.clone(),
            read_epoch,
            &self.shared.epoch,
        );
        Ok(Some(context))
    }

    /// A cached rendering keyed by user, produced by `render` on a miss.
    pub fn user_body(
        &self,
        user_id: &Id,
        render: impl FnOnce(&Reader) -> Result<Option<Bytes>, StoreError>,
    ) -> Result<Option<Bytes>, StoreError> {
        if let Some(found) = self.shared.caches.users.get(user_id) {
            return Ok(Some(found));
        }
        let read_epoch = self.shared.epoch.load(Ordering::SeqCst);
        let Some(body) = render(&self.read()?)? else {
            return Ok(None);
        };
        self.shared.caches.users.insert_if_current(
            *user_id,
            body.clone(),
            read_epoch,
            &self.shared.epoch,
        );
        Ok(Some(body))
    }

    /// The store's numbers. A failed store still answers (its counts then read 0 if redb
    /// refuses reads too, as it does after an I/O error until reopened), so that `/health`
    /// says `degraded` instead of failing itself.
    pub fn health(&self) -> Result<StoreHealth, StoreError> {
        let counted = self.read().and_then(|reader| {
            Ok((
                reader.count(USERS)?,
                reader.count(SESSIONS)?,
                reader.count(OUTBOX)?,
                reader.outbox_oldest_at()?,
            ))
        });
        // Loaded after the reads: a read that failed because the store just failed counts.
        let failed = self.shared.failed.load(Ordering::SeqCst);
        let (users, sessions, outbox_depth, outbox_oldest_at) = match counted {
            Ok(counts) => counts,
            Err(_) if failed => (0, 0, 0, None),
            Err(error) => return Err(error),
        };
        Ok(StoreHealth {
            path: self.path.clone(),
            file_bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            users,
            sessions,
            outbox_depth,
            outbox_oldest_at,
            writer: self.shared.stats.snapshot(),
            failed,
        })
    }

    /// Resolves when the writer hit an unrecoverable storage error.
    pub async fn failed(&self) {
        let notified = self.shared.fatal.notified();
        if self.shared.failed.load(Ordering::SeqCst) {
            return;
        }
        notified.await;
    }

    /// Test seam: the writer's next commit fails as a real commit failure would (the store
    /// then refuses writes and reports itself failed). For tests of that path only.
    #[doc(hidden)]
    pub fn fail_next_commit_for_tests(&self) {
        self.shared.fail_next_commit.store(true, Ordering::SeqCst);
    }

    /// Write jobs sent but not yet taken by the writer: lets tests know what the next batch
    /// will hold.
    #[cfg(test)]
    pub(super) fn queued_writes(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Lets the writer commit what is queued, then stops it. Later writes fail with `Closed`.
    pub async fn close(&self) {
        let _ = self.jobs.send(None).await;
        let handle = self.writer.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// Creates every table so that readers never meet a missing one (refusing a table written by
/// another record version), and records the schema.
fn init_tables(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    {
        tables::create(&txn, OUTBOX)?;
        records::create_tables(&txn)?;
        let mut meta = txn.open_table(META)?;
        let stored = meta.get(META_SCHEMA_VERSION)?.map(|v| v.value());
        match stored {
            None => {
                meta.insert(META_SCHEMA_VERSION, SCHEMA_VERSION)?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => {
                return Err(StoreError::Corrupt(format!(
                    "data directory has schema version {v}, this build reads {SCHEMA_VERSION}"
                )));
            }
        }
    }
    txn.commit()?;
    Ok(())
}
