//! A simulated disk under redb, for the storage-fault tests: a `StorageBackend` over bytes in
//! memory that fails the operation a test picked and loses what a power cut would lose.
//!
//! The model of a disk: reads see every write (`live`), but only what a successful
//! `sync_data` covered survives a power cut (`durable`). The changes since the last sync are
//! kept in order; after a cut, a restart finds the durable bytes, optionally with some of those
//! unsynced changes applied (whole writes, or only some of a write's 512-byte sectors), as a
//! disk that reorders and tears its write-back may leave them.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use redb::StorageBackend;

use crate::test_rng::Rng;

/// Disks write whole sectors atomically; a torn write keeps some of them.
const SECTOR: usize = 512;

/// The operations a fault can be aimed at (`len` is metadata and never fails).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    SetLen,
    Sync,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Read, Op::Write, Op::SetLen, Op::Sync];

    fn index(self) -> usize {
        self as usize
    }
}

/// What happens when the aimed-at operation comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// That one operation fails (and does nothing); the disk keeps working.
    Error,
    /// The power goes: that operation and every later one fail.
    PowerCut,
}

/// The `nth` (from 0) operation of kind `op` has `effect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub op: Op,
    pub nth: u64,
    pub effect: Effect,
}

/// A change not yet covered by a successful sync.
enum Unsynced {
    Write { offset: usize, data: Vec<u8> },
    SetLen(usize),
}

#[derive(Default)]
struct State {
    live: Vec<u8>,
    durable: Vec<u8>,
    unsynced: Vec<Unsynced>,
    /// Operations attempted so far, per `Op`.
    counts: [u64; 4],
    fault: Option<Fault>,
    /// Whether the fault fired (it fires at most once).
    fired: bool,
    powered_off: bool,
}

impl State {
    /// Counts the operation and says whether it must fail.
    fn fails(&mut self, op: Op) -> bool {
        let nth = self.counts[op.index()];
        self.counts[op.index()] += 1;
        if self.powered_off {
            return true;
        }
        match self.fault {
            Some(fault) if !self.fired && fault.op == op && fault.nth == nth => {
                self.fired = true;
                if fault.effect == Effect::PowerCut {
                    self.powered_off = true;
                }
                true
            }
            _ => false,
        }
    }
}

/// The disk; `backend()` hands redb a view of it, the test keeps the `Arc` to cut the power
/// and to take the image a restart would find.
#[derive(Default)]
pub struct SimDisk {
    state: Mutex<State>,
}

impl SimDisk {
    /// A disk holding `image`, fully synced, with `fault` armed (counting starts now).
    pub fn holding(image: Vec<u8>, fault: Option<Fault>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                live: image.clone(),
                durable: image,
                fault,
                ..State::default()
            }),
        })
    }

    pub fn backend(self: &Arc<Self>) -> SimBackend {
        SimBackend(self.clone())
    }

    // A panicking test thread must not hide the disk from the rest of the test.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn fault_fired(&self) -> bool {
        self.lock().fired
    }

    /// Operations attempted so far, in the order of `Op::ALL` (to size fault positions).
    pub fn counts(&self) -> [u64; 4] {
        self.lock().counts
    }

    /// The next operation of kind `op` has `effect` (replacing any fault armed before).
    pub fn arm(&self, op: Op, effect: Effect) {
        let mut state = self.lock();
        let nth = state.counts[op.index()];
        state.fault = Some(Fault { op, nth, effect });
        state.fired = false;
    }

    /// From now on every operation fails: nothing the old process does reaches the image.
    pub fn cut_power(&self) {
        self.lock().powered_off = true;
    }

    /// The bytes a restart finds: the durable image, plus, with `torn`, a random part of the
    /// unsynced changes (each dropped, kept, or kept only in some of its sectors).
    pub fn image_after_restart(&self, torn: Option<&mut Rng>) -> Vec<u8> {
        let state = self.lock();
        let mut image = state.durable.clone();
        let Some(rng) = torn else {
            return image;
        };
        for change in &state.unsynced {
            match change {
                Unsynced::SetLen(len) => {
                    if rng.chance(2) {
                        image.resize(*len, 0);
                    }
                }
                Unsynced::Write { offset, data } => match rng.below(3) {
                    0 => {}
                    1 => write_at(&mut image, *offset, data),
                    _ => {
                        for (i, sector) in data.chunks(SECTOR).enumerate() {
                            if rng.chance(2) {
                                write_at(&mut image, offset + i * SECTOR, sector);
                            }
                        }
                    }
                },
            }
        }
        image
    }
}

/// Writes `data` at `offset`, growing `bytes` as a file grows.
fn write_at(bytes: &mut Vec<u8>, offset: usize, data: &[u8]) {
    let end = offset + data.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[offset..end].copy_from_slice(data);
}

fn injected(op: Op) -> io::Error {
    io::Error::other(format!("simulated disk: {op:?} failed"))
}

fn offset_of(offset: u64) -> io::Result<usize> {
    usize::try_from(offset).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset"))
}

pub struct SimBackend(Arc<SimDisk>);

// Never print the bytes: redb formats its backend into its debug log.
impl std::fmt::Debug for SimBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimBackend").finish_non_exhaustive()
    }
}

impl StorageBackend for SimBackend {
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.lock().live.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let mut state = self.0.lock();
        if state.fails(Op::Read) {
            return Err(injected(Op::Read));
        }
        let start = offset_of(offset)?;
        let source = state
            .live
            .get(start..start + out.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))?;
        out.copy_from_slice(source);
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut state = self.0.lock();
        if state.fails(Op::SetLen) {
            return Err(injected(Op::SetLen));
        }
        let len = offset_of(len)?;
        state.live.resize(len, 0);
        state.unsynced.push(Unsynced::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut state = self.0.lock();
        if state.fails(Op::Sync) {
            // A failed sync makes nothing durable; what it covered stays unsynced.
            return Err(injected(Op::Sync));
        }
        let State {
            durable, unsynced, ..
        } = &mut *state;
        for change in unsynced.drain(..) {
            match change {
                Unsynced::SetLen(len) => durable.resize(len, 0),
                Unsynced::Write { offset, data } => write_at(durable, offset, &data),
            }
        }
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut state = self.0.lock();
        if state.fails(Op::Write) {
            return Err(injected(Op::Write));
        }
        let offset = offset_of(offset)?;
        write_at(&mut state.live, offset, data);
        state.unsynced.push(Unsynced::Write {
            offset,
            data: data.to_vec(),
        });
        Ok(())
    }
}

mod the_disk {
    use super::*;

    fn write(disk: &Arc<SimDisk>, offset: u64, data: &[u8]) -> io::Result<()> {
        disk.backend().write(offset, data)
    }

    #[test]
    fn a_restart_finds_only_what_was_synced() {
        let disk = SimDisk::holding(vec![0; 4], None);
        write(&disk, 0, b"ab").expect("write");
        disk.backend().sync_data().expect("sync");
        write(&disk, 2, b"cd").expect("write");
        let mut seen = [0; 4];
        disk.backend().read(0, &mut seen).expect("read");
        assert_eq!(&seen, b"abcd", "reads see unsynced writes");
        assert_eq!(disk.image_after_restart(None), b"ab\0\0");
    }

    #[test]
    fn a_torn_restart_keeps_some_unsynced_sectors_and_nothing_else() {
        let disk = SimDisk::holding(Vec::new(), None);
        let data: Vec<u8> = (0..8 * SECTOR).map(|i| (i / SECTOR) as u8 + 1).collect();
        write(&disk, 0, &data).expect("write");
        let (mut kept_all, mut kept_none, mut kept_part) = (false, false, false);
        let mut rng = Rng(7);
        for _ in 0..64 {
            let image = disk.image_after_restart(Some(&mut rng));
            let sectors: Vec<bool> = (0..8)
                .map(|s| image.get(s * SECTOR).is_some_and(|b| *b == s as u8 + 1))
                .collect();
            for (s, chunk) in image.chunks(SECTOR).enumerate() {
                let whole = chunk.iter().all(|b| *b == s as u8 + 1);
                assert!(
                    whole || chunk.iter().all(|b| *b == 0),
                    "a sector is torn inside"
                );
            }
            kept_all |= sectors.iter().all(|k| *k);
            kept_none |= image.is_empty();
            kept_part |= sectors.contains(&true) && sectors.contains(&false);
        }
        assert!(kept_all && kept_none && kept_part);
    }

    #[test]
    fn a_fault_fails_its_operation_once_and_a_power_cut_fails_everything_after() {
        let fault = Fault {
            op: Op::Sync,
            nth: 1,
            effect: Effect::Error,
        };
        let disk = SimDisk::holding(vec![0; 2], Some(fault));
        let backend = disk.backend();
        backend.sync_data().expect("the 0th sync");
        assert!(!disk.fault_fired());
        write(&disk, 0, b"x").expect("write");
        assert!(backend.sync_data().is_err(), "the 1st sync fails");
        assert!(disk.fault_fired());
        assert_eq!(
            disk.image_after_restart(None),
            b"\0\0",
            "a failed sync keeps nothing"
        );
        backend.sync_data().expect("the 2nd sync works");
        assert_eq!(disk.image_after_restart(None), b"x\0");

        disk.cut_power();
        let mut out = [0; 1];
        assert!(backend.read(0, &mut out).is_err() && write(&disk, 1, b"y").is_err());
        assert!(backend.set_len(9).is_err() && backend.sync_data().is_err());
        assert_eq!(disk.image_after_restart(None), b"x\0");
        assert_eq!(disk.counts(), [1, 2, 1, 4]);
    }
}
