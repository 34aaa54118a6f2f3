//! The sending side of one realtime connection: a queue of frames bounded in frames and in
//! bytes, shared by the registry (which fills it) and the transport (which drains it), plus
//! the close signal.
//!
//! Not a tokio mpsc channel: that allocates a 32-slot block per channel up front (~1.3 KiB),
//! which at tens of thousands of idle sockets is a fifth of the memory budget per socket.
//! This queue allocates only while frames are waiting and gives large buffers back.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::Notify;

/// What a transport writes: an Engine.IO text packet, several of them in one queue slot, or
/// (WebSocket only) a control pong.
#[derive(Debug, Clone)]
pub enum Out {
    Text(Bytes),
    /// A presence tick's packets for this socket: one slot however many users changed, so a
    /// busy tick cannot fill the frame-bounded queue, and (for a tick sent to everyone) one
    /// allocation shared by every socket.
    Batch(Arc<TextBatch>),
    Pong(Bytes),
}

impl Out {
    fn len(&self) -> usize {
        match self {
            Out::Text(bytes) | Out::Pong(bytes) => bytes.len(),
            Out::Batch(batch) => batch.bytes,
        }
    }
}

/// Text packets sent together, in order.
#[derive(Debug)]
pub struct TextBatch {
    packets: Vec<Bytes>,
    bytes: usize,
}

impl TextBatch {
    pub fn new(packets: Vec<Bytes>) -> Self {
        let bytes = packets.iter().map(Bytes::len).sum();
        Self { packets, bytes }
    }

    pub fn packets(&self) -> &[Bytes] {
        &self.packets
    }
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeliverable {
    /// The bounded queue is full: the client reads too slowly. The outlet is closed and what
    /// it held dropped (see [`Outlet::try_send`]).
    Full,
    /// The transport is closed.
    Gone,
}

/// How much one socket's queue may hold: `--send-queue-capacity` frames and
/// `--send-queue-bytes` bytes, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
    pub frames: usize,
    pub bytes: usize,
}

/// A drained queue keeps at most this many slots of capacity.
const KEEP_SLOTS: usize = 16;

/// `Queue::waiting_since` before the heartbeat has seen the waiting frames.
const NOT_STAMPED: i64 = i64::MIN;

struct Queue {
    frames: VecDeque<Out>,
    /// Payload bytes of `frames`.
    bytes: usize,
    /// When the heartbeat first saw frames waiting that no drain has taken since
    /// (`NOT_STAMPED` until then): a transport that stops fetching is found by its age.
    waiting_since: i64,
    closed: bool,
}

pub struct Outlet {
    queue: Mutex<Queue>,
    limits: QueueLimits,
    /// Wakes the transport's writer: a frame was queued or the outlet closed.
    wake: Notify,
    /// Wakes everything waiting for the close (the WebSocket reader).
    closing: Notify,
    /// Monotonic milliseconds (see `Realtime::monotonic_ms`) of the last ping sent and of the
    /// last packet received; the heartbeat sweeper compares them.
    pub(super) ping_sent_at: AtomicI64,
    pub(super) last_seen_at: AtomicI64,
    pub(super) authenticated: AtomicBool,
}

impl Outlet {
    pub fn new(limits: QueueLimits, now: i64) -> Self {
        Self {
            queue: Mutex::new(Queue {
                frames: VecDeque::new(),
                bytes: 0,
                waiting_since: NOT_STAMPED,
                closed: false,
            }),
            limits,
            wake: Notify::new(),
            closing: Notify::new(),
            ping_sent_at: AtomicI64::new(now),
            last_seen_at: AtomicI64::new(now),
            authenticated: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a frame. Past either limit the outlet closes and drops what it held: a client
    /// that does not read has no use for it, and keeping it for a goodbye flush would keep the
    /// memory it took. One frame is always accepted into an empty queue, so a queue holds at
    /// most the byte limit or its largest frame, whichever is more.
    pub fn try_send(&self, out: Out) -> Result<(), Undeliverable> {
        {
            let mut queue = self.lock();
            if queue.closed {
                return Err(Undeliverable::Gone);
            }
            let full = queue.frames.len() >= self.limits.frames
                || (!queue.frames.is_empty() && queue.bytes + out.len() > self.limits.bytes);
            if full {
                drop(queue);
                self.abandon();
                return Err(Undeliverable::Full);
            }
            queue.bytes += out.len();
            queue.frames.push_back(out);
        }
        self.wake.notify_one();
        Ok(())
    }

    /// Payload bytes waiting in the queue (load shedding closes the heaviest first).
    pub fn queued_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Heartbeat: how long (ms) frames have waited without any being fetched, as of `now`.
    /// The first call that sees them waiting starts the count, so the answer is at most one
    /// heartbeat late; 0 while nothing waits.
    pub fn unfetched_for(&self, now: i64) -> i64 {
        let mut queue = self.lock();
        if queue.frames.is_empty() {
            return 0;
        }
        if queue.waiting_since == NOT_STAMPED {
            queue.waiting_since = now;
        }
        now.saturating_sub(queue.waiting_since)
    }

    /// Closes and drops what is queued: for a client that is not reading.
    pub fn abandon(&self) {
        {
            let mut queue = self.lock();
            queue.closed = true;
            queue.frames = VecDeque::new();
            queue.bytes = 0;
        }
        self.wake.notify_one();
        self.closing.notify_waiters();
    }

    /// Tells the transport to close. Frames already queued may still be written.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
        self.closing.notify_waiters();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Resolves once the outlet is closed.
    pub async fn closed(&self) {
        loop {
            let notified = self.closing.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Resolves once a frame is queued or the outlet is closed; [`Outlet::drain`] then takes
    /// the frames. Two steps, so the frames go straight into the transport's buffer rather
    /// than through a batch allocated per wake-up.
    pub async fn ready(&self) {
        loop {
            {
                let queue = self.lock();
                if !queue.frames.is_empty() || queue.closed {
                    return;
                }
            }
            // A frame queued between the check and here left a permit: no lost wakeup.
            self.wake.notified().await;
        }
    }

    /// Hands queued frames, oldest first, to `take`: up to `max_frames`, and no more than
    /// `max_bytes` of payload unless the first frame alone is larger (it still goes, alone).
    /// `false` once the outlet is closed and nothing is left to write.
    pub fn drain(&self, max_frames: usize, max_bytes: usize, mut take: impl FnMut(Out)) -> bool {
        let mut queue = self.lock();
        if queue.frames.is_empty() {
            return !queue.closed;
        }
        let mut taken = 0;
        let mut bytes = 0;
        while taken < max_frames {
            let Some(next) = queue.frames.front() else {
                break;
            };
            let len = next.len();
            if taken > 0 && bytes + len > max_bytes {
                break;
            }
            if let Some(out) = queue.frames.pop_front() {
                take(out);
            }
            taken += 1;
            bytes += len;
        }
        queue.bytes -= bytes;
        queue.waiting_since = NOT_STAMPED;
        if queue.frames.is_empty() && queue.frames.capacity() > KEEP_SLOTS {
            queue.frames = VecDeque::new();
        }
        true
    }

    pub fn seen(&self, now: i64) {
        self.last_seen_at.store(now, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a transport does: waits, then takes up to `max` frames; `None` once drained.
    async fn next_batch(outlet: &Outlet, max: usize) -> Option<Vec<Out>> {
        outlet.ready().await;
        let mut batch = Vec::new();
        outlet
            .drain(max, usize::MAX, |out| batch.push(out))
            .then_some(batch)
    }

    fn limits(frames: usize) -> QueueLimits {
        QueueLimits {
            frames,
            bytes: usize::MAX,
        }
    }

    fn text(s: &'static str) -> Out {
        Out::Text(Bytes::from_static(s.as_bytes()))
    }

    #[tokio::test]
    async fn bounded_in_order_and_closing() {
        let outlet = Outlet::new(limits(2), 0);
        outlet.try_send(text("a")).expect("room");
        outlet.try_send(text("b")).expect("room");
        assert_eq!(next_batch(&outlet, 10).await.map(|b| b.len()), Some(2));
        outlet.try_send(text("d")).expect("room again");
        outlet.close();
        assert_eq!(outlet.try_send(text("e")), Err(Undeliverable::Gone));
        assert_eq!(
            next_batch(&outlet, 10).await.map(|b| b.len()),
            Some(1),
            "queued before close"
        );
        assert!(next_batch(&outlet, 10).await.is_none());
        outlet.closed().await;
    }

    /// A waker that records that it was woken.
    #[derive(Default)]
    struct Flag(std::sync::atomic::AtomicBool);

    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_waiting_writer_is_woken() {
        use std::future::Future;
        use std::task::{Context, Poll, Waker};

        let outlet = Outlet::new(limits(4), 0);
        let flag = std::sync::Arc::new(Flag::default());
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let mut writer = std::pin::pin!(next_batch(&outlet, 4));
        assert!(
            writer.as_mut().poll(&mut cx).is_pending(),
            "nothing queued yet"
        );
        assert!(!flag.0.load(Ordering::SeqCst));
        outlet.try_send(text("x")).expect("room");
        assert!(flag.0.load(Ordering::SeqCst), "queuing wakes the writer");
        let Poll::Ready(batch) = writer.as_mut().poll(&mut cx) else {
            panic!("woken but still waiting");
        };
        assert_eq!(batch, Some(vec![text("x")]));
    }

    fn sized(len: usize) -> Out {
        Out::Text(Bytes::from(vec![b'x'; len]))
    }

    #[tokio::test]
    async fn overflowing_closes_the_outlet_and_drops_what_it_held() {
        let outlet = Outlet::new(limits(2), 0);
        outlet.try_send(text("a")).expect("room");
        outlet.try_send(text("b")).expect("room");
        assert_eq!(outlet.try_send(text("c")), Err(Undeliverable::Full));
        assert!(outlet.is_closed());
        assert_eq!(
            outlet.queued_bytes(),
            0,
            "nothing kept for a reader that is gone"
        );
        assert!(
            next_batch(&outlet, 10).await.is_none(),
            "nothing left to write"
        );
        assert_eq!(outlet.try_send(text("d")), Err(Undeliverable::Gone));
    }

    #[test]
    fn the_byte_bound_counts_payloads_and_admits_one_large_frame_alone() {
        let outlet = Outlet::new(
            QueueLimits {
                frames: 100,
                bytes: 1000,
            },
            0,
        );
        outlet
            .try_send(sized(5000))
            .expect("an empty queue takes one frame");
        assert_eq!(outlet.try_send(sized(1)), Err(Undeliverable::Full));

        let outlet = Outlet::new(
            QueueLimits {
                frames: 100,
                bytes: 1000,
            },
            0,
        );
        for _ in 0..4 {
            outlet.try_send(sized(250)).expect("within 1000 bytes");
        }
        assert_eq!(outlet.queued_bytes(), 1000);
        assert_eq!(outlet.try_send(sized(1)), Err(Undeliverable::Full));
    }

    #[test]
    fn a_batch_takes_one_slot_and_counts_all_its_bytes() {
        let outlet = Outlet::new(
            QueueLimits {
                frames: 2,
                bytes: 1000,
            },
            0,
        );
        let packets = vec![Bytes::from(vec![b'4'; 300]); 3];
        let batch = Arc::new(TextBatch::new(packets));
        outlet.try_send(Out::Batch(batch.clone())).expect("room");
        assert_eq!(outlet.queued_bytes(), 900);
        outlet.try_send(text("a")).expect("a second slot");
        let mut taken = Vec::new();
        assert!(outlet.drain(10, usize::MAX, |out| taken.push(out)));
        assert!(matches!(&taken[0], Out::Batch(b) if b.packets().len() == 3));
        assert_eq!(outlet.queued_bytes(), 0);
        outlet.try_send(Out::Batch(batch.clone())).expect("room");
        assert_eq!(
            outlet.try_send(Out::Batch(batch)),
            Err(Undeliverable::Full),
            "1800 bytes would pass the byte bound"
        );
    }

    #[test]
    fn a_drain_stops_at_its_byte_budget_but_always_takes_one_frame() {
        let outlet = Outlet::new(limits(100), 0);
        for len in [600, 300, 300, 50] {
            outlet.try_send(sized(len)).expect("room");
        }
        let mut lens = Vec::new();
        assert!(outlet.drain(100, 1000, |out| lens.push(out.len())));
        assert_eq!(lens, [600, 300], "the next 300 would pass 1000 bytes");
        assert_eq!(outlet.queued_bytes(), 350);
        lens.clear();
        assert!(outlet.drain(100, 10, |out| lens.push(out.len())));
        assert_eq!(lens, [300], "one frame even past the budget");
    }

    #[test]
    fn frames_nobody_fetches_age_from_the_first_heartbeat_that_sees_them() {
        let outlet = Outlet::new(limits(100), 0);
        assert_eq!(outlet.unfetched_for(1_000), 0, "nothing waits");
        outlet.try_send(text("a")).expect("room");
        assert_eq!(outlet.unfetched_for(2_000), 0, "first seen now");
        assert_eq!(outlet.unfetched_for(5_000), 3_000);
        outlet.try_send(text("b")).expect("room");
        assert!(outlet.drain(1, usize::MAX, |_| {}));
        assert_eq!(outlet.unfetched_for(6_000), 0, "a fetch restarts the count");
        assert_eq!(outlet.unfetched_for(7_500), 1_500);
    }

    impl PartialEq for Out {
        fn eq(&self, other: &Self) -> bool {
            matches!((self, other), (Out::Text(a), Out::Text(b)) | (Out::Pong(a), Out::Pong(b)) if a == b)
        }
    }
}
