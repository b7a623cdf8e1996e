//! Rampart's collector: agents stream events in over gRPC ([`ingest`]), each stored exactly
//! once ([`store`]: SQLite by default) and offered to live subscribers ([`hub`]); people read
//! them live, replay history and ask for status ([`query`]). [`server`] wires it together;
//! `main.rs` is thin.
//!
//! Design constraints: an event is acked only once it is durable; a kill of the collector at
//! any moment loses nothing an agent was told is stored, and an agent's resend of anything
//! unacked is deduplicated by (node, agent boot id, sequence). Ingest never waits on a
//! subscriber. Replays stream from disk a page at a time.

pub mod access;
pub mod agents;
pub mod config;
pub mod filter;
pub mod hub;
pub mod identity;
pub mod ingest;
pub mod metrics;
pub mod query;
pub mod readers;
pub mod server;
pub mod store;
pub mod tls;
pub mod validate;
pub mod whatif;

use std::time::SystemTime;

use rampart_proto::wkt::Timestamp;

/// Wall-clock now.
pub fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

/// Wall-clock now, Unix nanoseconds.
pub fn now_ns() -> i64 {
    now().unix_nanos()
}

/// Resolves at `deadline`; never, when there is none.
pub async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Resolves once shutdown is signalled (or its sender is gone).
pub async fn stopping(rx: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Aborts a spawned task when dropped.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
