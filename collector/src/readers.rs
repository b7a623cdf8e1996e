//! Readers of stored history — `Replay`, `WhatIf`, `Verify`, and `Subscribe` while it sends history —
//! bounded in number and never allowed to hold what they were given forever.
//!
//! Design constraints:
//! - **Bounded in all.** Each reader holds a permit for as long as it reads the store (its own
//!   connection and blocking thread). At most `--max-readers` at once over all clients; one
//!   more is refused at once with RESOURCE_EXHAUSTED, never queued.
//! - **No reader holds on.** A client that takes nothing for `--reader-stall-timeout` while
//!   the collector has something for it is cut off: its response ends with DEADLINE_EXCEEDED
//!   (never a truncated stream that looks complete), and its permit, reader thread and SQLite
//!   connection are released. What was already queued for it is bounded by the response
//!   buffer.
//! - **Ingest never waits.** Readers use their own connections; nothing here is on the ingest
//!   path.

use std::{
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_stream::{Stream, StreamExt as _, wrappers::ReceiverStream};
use tonic::Status;
use tracing::warn;

/// A response stream.
pub type Out<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Cloned, it counts the same readers (the metrics endpoint holds a clone).
#[derive(Clone, Debug)]
pub struct Readers {
    permits: Arc<Semaphore>,
    max: usize,
    stall: Duration,
    /// Readers cut off for not reading.
    pub cut_off: Arc<AtomicU64>,
}

/// One reader's side of its response: sends with the stall timeout, holds the permit.
#[derive(Debug)]
pub struct Reader<T> {
    tx: mpsc::Sender<Result<T, Status>>,
    cut: mpsc::Sender<Result<T, Status>>,
    stall: Duration,
    cut_off: Arc<AtomicU64>,
    /// Given back before a cut-off is announced, so a client told it was cut off finds the
    /// permit free.
    permit: std::sync::Mutex<Option<OwnedSemaphorePermit>>,
}

impl Readers {
    /// Readers now, and the most at once.
    pub fn in_use(&self) -> (usize, usize) {
        (self.max - self.permits.available_permits(), self.max)
    }

    pub fn new(max: usize, stall: Duration) -> Self {
        Readers { permits: Arc::new(Semaphore::new(max)), max, stall, cut_off: Arc::default() }
    }

    /// A permit to read stored history (held by the caller for as long as it reads), or
    /// RESOURCE_EXHAUSTED when all are taken.
    pub fn permit(&self) -> Result<OwnedSemaphorePermit, Status> {
        Arc::clone(&self.permits).try_acquire_owned().map_err(|_| {
            Status::resource_exhausted(format!(
                "{} readers are already reading stored history (--max-readers); try again later",
                self.max
            ))
        })
    }

    /// A reader and its response stream (`buffer` items queued at most). With `history`, it
    /// takes a permit, or fails with RESOURCE_EXHAUSTED when all are taken.
    pub fn open<T: Send + 'static>(
        &self,
        buffer: usize,
        history: bool,
    ) -> Result<(Reader<T>, Out<T>), Status> {
        let permit = if history { Some(self.permit()?) } else { None };
        let (tx, rx) = mpsc::channel(buffer);
        let (cut, cut_rx) = mpsc::channel(1);
        let stream = ReceiverStream::new(rx).merge(ReceiverStream::new(cut_rx));
        let reader = Reader {
            tx,
            cut,
            stall: self.stall,
            cut_off: Arc::clone(&self.cut_off),
            permit: std::sync::Mutex::new(permit),
        };
        Ok((reader, Box::pin(stream)))
    }
}

impl<T> Reader<T> {
    /// Sends `item`; `false` once the client is gone or has been cut off for not reading.
    pub async fn send(&self, item: Result<T, Status>) -> bool {
        // Room in the buffer: no deadline to set up (a replay sends hundreds of thousands).
        let item = match self.tx.try_send(item) {
            Ok(()) => return true,
            Err(mpsc::error::TrySendError::Closed(_)) => return false,
            Err(mpsc::error::TrySendError::Full(item)) => item,
        };
        match tokio::time::timeout(self.stall, self.tx.send(item)).await {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                drop(self.permit.lock().expect("not poisoned").take());
                self.cut_off.fetch_add(1, Relaxed);
                warn!(stall = ?self.stall, "a reader took nothing for the stall timeout; cut off");
                let message = format!(
                    "the client took nothing for {:?} (--reader-stall-timeout); the collector stopped reading for it",
                    self.stall
                );
                let _ = self.cut.try_send(Err(Status::deadline_exceeded(message)));
                false
            }
        }
    }

    /// Done with stored history: gives the permit back and keeps sending without the stall
    /// timeout (a live subscriber that falls behind is told what it missed instead).
    pub fn into_live(self) -> mpsc::Sender<Result<T, Status>> {
        self.tx
    }

    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
