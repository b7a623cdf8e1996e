//! Reading the kernel's ring buffer without blocking the runtime: wait for readiness on its fd,
//! then hand records over in bounded batches so other work (pod changes, signals) interleaves.

use std::io;

use aya::maps::{Map, MapData, MapError, RingBuf};
use tokio::io::{Interest, unix::AsyncFd};

/// Records handed over per wake-up before yielding to the rest of the loop.
pub const BATCH: usize = 4096;

pub struct Ring {
    fd: AsyncFd<RingBuf<MapData>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RingError {
    #[error("the EVENTS map is not a ring buffer: {0}")]
    Map(#[from] MapError),
    #[error("registering the ring buffer with the runtime: {0}")]
    Register(#[source] io::Error),
}

impl Ring {
    pub fn new(map: Map) -> Result<Self, RingError> {
        let rb = RingBuf::try_from(map)?;
        // SAFETY: the ring buffer owns its map fd for as long as the AsyncFd owns the ring.
        let fd = unsafe { AsyncFd::register_with_interest(rb, Interest::READABLE) }
            .map_err(|e| RingError::Register(e.into()))?;
        Ok(Ring { fd })
    }

    /// Wait until records may be there, then give up to [`BATCH`] of them to `each`.
    /// Returns how many were handed over.
    pub async fn read(&mut self, mut each: impl FnMut(&[u8])) -> io::Result<usize> {
        let mut guard = self.fd.readable_mut().await?;
        let rb = guard.get_inner_mut();
        let mut n = 0;
        while n < BATCH {
            let Some(item) = rb.next() else { break };
            each(&item);
            n += 1;
        }
        if n < BATCH {
            // Empty now; the next producer write wakes the fd again.
            guard.clear_ready();
        }
        Ok(n)
    }

    /// Hand over up to [`BATCH`] records that are there now, without waiting (records the
    /// kernel did not wake us for).
    pub fn drain_now(&mut self, mut each: impl FnMut(&[u8])) -> usize {
        let rb = self.fd.get_mut();
        let mut n = 0;
        while n < BATCH {
            let Some(item) = rb.next() else { break };
            each(&item);
            n += 1;
        }
        n
    }

    /// Hand over everything there is now, without waiting (for draining at shutdown).
    pub fn drain(&mut self, mut each: impl FnMut(&[u8])) -> usize {
        let rb = self.fd.get_mut();
        let mut n = 0;
        while let Some(item) = rb.next() {
            each(&item);
            n += 1;
        }
        n
    }
}
