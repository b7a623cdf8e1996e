//! One subject's stored messages, read with pull requests of our own on the core connection:
//! for a replay (up to what is stored when it starts) and for the live follower (on and on).
//!
//! Design constraints:
//! - **Per message, only what reading needs.** async-nats' consumers wrap every message with
//!   a clone of the JetStream context and parse its whole ack subject (timestamp included); an
//!   ordered consumer also pulls a fixed 500 messages per request. Here a message is the core
//!   client's, its stream sequence and pending count are read from the ack subject's tokens,
//!   and at most [`BATCH`] messages are asked for and not yet received: once half of them
//!   came, a request asks for what brings that back to [`BATCH`]. So the server is never more
//!   than [`BATCH`] messages ahead of the reader, however long the reading (and never near the
//!   subscription's capacity, beyond which the client would drop messages).
//!   (Measured on 100,000 stored events, reading and decoding in one process: about 1.35× the
//!   ordered consumer's rate.)
//! - **A reader survives a failover, as an ordered consumer's does.** The consumer is an
//!   ephemeral, unacknowledged, in-memory one of one replica. The server says it is alive with
//!   idle heartbeats; when nothing at all comes for [`SILENT`], or the server ends the requests
//!   (a 409: consumer deleted, leadership changed), a new consumer is made from the sequence
//!   after the last one read, on a new inbox (so nothing of the old one can be mistaken for the
//!   new one's), and the reading goes on without gap or repeat.

use std::time::Duration;

use async_nats::{
    Client, StatusCode, Subscriber,
    jetstream::{
        consumer::{AckPolicy, DeliverPolicy, pull},
        stream::Stream,
    },
};
use bytes::Bytes;
use futures_util::StreamExt as _;

use crate::store::StoreError;

/// Messages asked for and not yet received, at most.
const BATCH: usize = 2048;
/// How long one pull request waits for messages at most.
const EXPIRES: Duration = Duration::from_secs(5);
/// How often the server says it is there while it has nothing to send.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// Nothing, not even a heartbeat, for this long: the consumer's server is taken for gone.
const SILENT: Duration = Duration::from_secs(3);
/// An ephemeral consumer left behind (a replay whose client went away) is removed after this.
const INACTIVE: Duration = Duration::from_secs(10);

/// One stored message: its stream sequence, how many more the consumer has, its payload.
pub struct Stored {
    pub sequence: u64,
    pub pending: u64,
    pub payload: Bytes,
}

/// A subject's messages in stream order, from `deliver` on.
pub struct Messages {
    client: Client,
    stream: Stream,
    filter_subject: String,
    deliver: DeliverPolicy,
    /// Whether to wait for messages stored from now on (the follower) rather than end where
    /// the stream ended when the consumer was made (a replay).
    follow: bool,
    /// The consumer's pull subject, and the inbox its messages come to with its subject.
    current: Option<(String, String, Subscriber)>,
    /// Messages asked for and not yet received.
    owed: usize,
    /// The last sequence handed out: a new consumer starts after it.
    last: Option<u64>,
}

impl Messages {
    /// What is stored from `deliver` on, up to the end as it is when the consumer is made;
    /// `filter_subject` empty: the whole stream.
    pub fn replay(client: Client, stream: Stream, filter_subject: String, deliver: DeliverPolicy) -> Self {
        Messages {
            client,
            stream,
            filter_subject,
            deliver,
            follow: false,
            current: None,
            owed: 0,
            last: None,
        }
    }

    /// Every message of the stream from sequence `from` on, waiting for new ones.
    pub fn follow(client: Client, stream: Stream, from: u64) -> Self {
        let deliver = DeliverPolicy::ByStartSequence { start_sequence: from };
        let filter_subject = String::new();
        Messages { client, stream, filter_subject, deliver, follow: true, current: None, owed: 0, last: None }
    }

    /// Make the consumer (again, after the last sequence read) and send its first pull request;
    /// false when a replay's consumer has nothing to deliver.
    async fn start(&mut self) -> Result<bool, StoreError> {
        let deliver = match self.last {
            Some(last) => DeliverPolicy::ByStartSequence { start_sequence: last + 1 },
            None => self.deliver,
        };
        let config = pull::Config {
            filter_subject: self.filter_subject.clone(),
            deliver_policy: deliver,
            ack_policy: AckPolicy::None,
            num_replicas: 1,
            memory_storage: true,
            inactive_threshold: INACTIVE,
            ..Default::default()
        };
        let (stream, client, follow) = (&self.stream, &self.client, self.follow);
        let started = super::through_failover("starting to read the stream", || async {
            let consumer = super::with_attempt(stream.create_consumer(config.clone())).await?;
            let info = consumer.cached_info();
            if info.num_pending == 0 && !follow {
                return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(None);
            }
            let subject = client.new_inbox();
            let inbox = client.subscribe(subject.clone()).await.map_err(Box::new)?;
            let pull = format!("$JS.API.CONSUMER.MSG.NEXT.{}.{}", info.stream_name, info.name);
            Ok(Some((pull, subject, inbox)))
        })
        .await?;
        let Some(current) = started else { return Ok(false) };
        self.current = Some(current);
        self.owed = 0;
        self.top_up().await?;
        Ok(true)
    }

    /// Ask for what brings the messages owed back to [`BATCH`], once they fell to half of it.
    async fn top_up(&mut self) -> Result<(), StoreError> {
        if self.owed > BATCH / 2 {
            return Ok(());
        }
        let Some((pull, inbox, _)) = &self.current else { return Ok(()) };
        let batch = BATCH - self.owed;
        let request = format!(
            "{{\"batch\":{batch},\"expires\":{},\"idle_heartbeat\":{}}}",
            EXPIRES.as_nanos(),
            HEARTBEAT.as_nanos()
        );
        self.owed = BATCH;
        self.client
            .publish_with_reply(pull.clone(), inbox.clone(), request.into())
            .await
            .map_err(|e| super::nats("asking for a replay's messages")(Box::new(e)))
    }

    /// The next message; `None` once a replay's consumer had nothing more when it was made.
    pub async fn next(&mut self) -> Result<Option<Stored>, StoreError> {
        loop {
            if self.current.is_none() && !self.start().await? {
                return Ok(None);
            }
            let (_, _, inbox) = self.current.as_mut().expect("a consumer");
            let message = match tokio::time::timeout(SILENT, inbox.next()).await {
                Ok(Some(m)) => m,
                // Silent, or the subscription ended: a new consumer, from after the last read.
                Ok(None) | Err(_) => {
                    self.current = None;
                    continue;
                }
            };
            match message.status {
                None => {}
                Some(StatusCode::IDLE_HEARTBEAT) => continue,
                // A request that expired: what it still owed never comes (all of it, if the
                // server does not say).
                Some(StatusCode::TIMEOUT | StatusCode::NOT_FOUND) => {
                    let unsent = message
                        .headers
                        .as_ref()
                        .and_then(|h| h.get("Nats-Pending-Messages"))
                        .and_then(|n| n.as_str().parse().ok())
                        .unwrap_or(self.owed);
                    self.owed = self.owed.saturating_sub(unsent);
                    self.top_up().await?;
                    continue;
                }
                // Ended by the server (consumer deleted, leadership changed, ...).
                Some(_) => {
                    self.current = None;
                    continue;
                }
            }
            // Every stored message has its metadata there; one without is not skipped quietly.
            let Some((sequence, pending)) = message.reply.as_deref().and_then(ack_tokens) else {
                let reply = format!("{:?}", message.reply);
                return Err(super::nats("reading a message's metadata")(
                    format!("after sequence {:?}: no JetStream ack subject ({reply})", self.last).into(),
                ));
            };
            self.last = Some(sequence);
            self.owed = self.owed.saturating_sub(1);
            self.top_up().await?;
            return Ok(Some(Stored { sequence, pending, payload: message.payload }));
        }
    }
}

/// The stream sequence and the pending count of a message's ack subject:
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`, or
/// with `<domain>.<account hash>.` after `$JS.ACK.` and a token more at the end (ADR-15).
fn ack_tokens(reply: &str) -> Option<(u64, u64)> {
    let tokens = reply.strip_prefix("$JS.ACK.")?;
    let mut t = [""; 10];
    let mut n = 0;
    for (slot, token) in t.iter_mut().zip(tokens.split('.')) {
        *slot = token;
        n += 1;
    }
    let (sequence, pending) = match n {
        7 => (t[3], t[6]),
        9 | 10 => (t[5], t[8]),
        _ => return None,
    };
    Some((sequence.parse().ok()?, pending.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::ack_tokens;

    #[test]
    fn both_ack_subject_forms_give_the_stream_sequence_and_pending() {
        assert_eq!(ack_tokens("$JS.ACK.EVENTS.c1.1.4711.12.1767225600000000000.99"), Some((4711, 99)));
        assert_eq!(
            ack_tokens("$JS.ACK.hub.ACCHASH.EVENTS.c1.1.4711.12.1767225600000000000.99.rand"),
            Some((4711, 99))
        );
        assert_eq!(
            ack_tokens("$JS.ACK.hub.ACCHASH.EVENTS.c1.1.4711.12.1767225600000000000.99"),
            Some((4711, 99))
        );
        assert_eq!(ack_tokens("_INBOX.x.y"), None);
        assert_eq!(ack_tokens("$JS.ACK.EVENTS.c1.1.x.12.0.99"), None);
    }
}
