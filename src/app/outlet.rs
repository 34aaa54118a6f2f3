//! The sending side of one realtime connection: a bounded queue of frames, shared by the
//! registry (which fills it) and the transport (which drains it), plus the close signal.
//!
//! Not a tokio mpsc channel: that allocates a 32-slot block per channel up front (~1.3 KiB),
//! which at tens of thousands of idle sockets is a fifth of the memory budget per socket.
//! This queue allocates only while frames are waiting and gives large buffers back.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use bytes::Bytes;
use tokio::sync::Notify;

/// What a transport writes: an Engine.IO text packet, or (WebSocket only) a control pong.
#[derive(Debug, Clone)]
pub enum Out {
    Text(Bytes),
    Pong(Bytes),
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undeliverable {
    /// The bounded queue is full: the client reads too slowly and must be disconnected.
    Full,
    /// The transport is closed.
    Gone,
}

/// A drained queue keeps at most this many slots of capacity.
const KEEP_SLOTS: usize = 16;

struct Queue {
    frames: VecDeque<Out>,
    closed: bool,
}

pub struct Outlet {
    queue: Mutex<Queue>,
    capacity: usize,
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
    pub fn new(capacity: usize, now: i64) -> Self {
        Self {
            queue: Mutex::new(Queue {
                frames: VecDeque::new(),
                closed: false,
            }),
            capacity,
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

    pub fn try_send(&self, out: Out) -> Result<(), Undeliverable> {
        {
            let mut queue = self.lock();
            if queue.closed {
                return Err(Undeliverable::Gone);
            }
            if queue.frames.len() >= self.capacity {
                return Err(Undeliverable::Full);
            }
            queue.frames.push_back(out);
        }
        self.wake.notify_one();
        Ok(())
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

    /// Hands up to `max` queued frames, oldest first, to `take`. `false` once the outlet is
    /// closed and nothing is left to write.
    pub fn drain(&self, max: usize, take: impl FnMut(Out)) -> bool {
        let mut queue = self.lock();
        if queue.frames.is_empty() {
            return !queue.closed;
        }
        let count = queue.frames.len().min(max);
        queue.frames.drain(..count).for_each(take);
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
        outlet.drain(max, |out| batch.push(out)).then_some(batch)
    }

    fn text(s: &'static str) -> Out {
        Out::Text(Bytes::from_static(s.as_bytes()))
    }

    #[tokio::test]
    async fn bounded_in_order_and_closing() {
        let outlet = Outlet::new(2, 0);
        outlet.try_send(text("a")).expect("room");
        outlet.try_send(text("b")).expect("room");
        assert_eq!(outlet.try_send(text("c")), Err(Undeliverable::Full));
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

        let outlet = Outlet::new(4, 0);
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

    impl PartialEq for Out {
        fn eq(&self, other: &Self) -> bool {
            matches!((self, other), (Out::Text(a), Out::Text(b)) | (Out::Pong(a), Out::Pong(b)) if a == b)
        }
    }
}
