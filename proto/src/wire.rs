//! `rampart.v1.Ingest` as the collector reads it.
//!
//! Design constraints:
//! - **The same wire.** These messages have the field numbers and types of `AgentMessage` and
//!   `Batch` in `collector.proto`; agents send the generated `v1` types and nothing tells the
//!   two apart on the wire. Only the collector's server reads these (`ingest_server`, generated
//!   by `cargo xtask codegen` with the `v1` route and these input types).
//! - **Each event decoded once, into its own allocation.** A `repeated Event` decodes into one
//!   `Vec<Event>` that grows by doubling as the events come (a copy of every event at each
//!   growth, and fresh pages for the large ones), and then each event moves once more into the
//!   `Arc` the collector shares it through. Here a batch's events stay as their own bytes (a
//!   slice of the received message, no copy), so the collector decodes each one straight into
//!   its `Arc`, and an event that cannot be decoded refuses its batch with its sequence rather
//!   than ending the stream.

use bytes::Bytes;

use crate::v1::{AgentStats, Hello};

#[expect(
    clippy::allow_attributes,
    unused_qualifications,
    reason = "generated code is not held to the workspace lints"
)]
mod generated {
    include!("gen/rampart.v1.Ingest.rs");
}
pub use generated::ingest_server;

/// `rampart.v1.AgentMessage`, its batch's events left encoded.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AgentMessage {
    #[prost(oneof = "agent_message::Message", tags = "1, 2, 3")]
    pub message: Option<agent_message::Message>,
}

pub mod agent_message {
    use super::{AgentStats, Batch, Hello};

    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Message {
        #[prost(message, tag = "1")]
        Hello(Hello),
        #[prost(message, tag = "2")]
        Batch(Batch),
        #[prost(message, tag = "3")]
        Stats(AgentStats),
    }
}

/// `rampart.v1.Batch` with each `Event` as its encoded bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Batch {
    #[prost(string, tag = "1")]
    pub boot_id: String,
    #[prost(uint64, tag = "2")]
    pub first_sequence: u64,
    #[prost(bytes = "bytes", repeated, tag = "3")]
    pub events: Vec<Bytes>,
}

impl Batch {
    /// Sequence of the last event, or `None` when the batch is empty or the range overflows.
    pub fn last_sequence(&self) -> Option<u64> {
        crate::collector::last_sequence(self.first_sequence, self.events.len())
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;
    use crate::v1::{self, Event};

    fn sent(message: v1::agent_message::Message) -> AgentMessage {
        let bytes = v1::AgentMessage { message: Some(message) }.encode_to_vec();
        AgentMessage::decode(Bytes::from(bytes)).expect("decodes as the wire type")
    }

    #[test]
    fn an_agents_batch_reads_as_its_events_bytes() {
        let events: Vec<Event> =
            (0..3).map(|i| Event { node: format!("n{i}"), ..Default::default() }).collect();
        let batch = v1::Batch { boot_id: "boot".into(), first_sequence: 7, events: events.clone() };
        let Some(agent_message::Message::Batch(b)) = sent(v1::agent_message::Message::Batch(batch)).message
        else {
            panic!("not a batch")
        };
        assert_eq!((b.boot_id.as_str(), b.first_sequence, b.last_sequence()), ("boot", 7, Some(9)));
        let decoded: Vec<Event> = b.events.iter().map(|e| Event::decode(e.clone()).unwrap()).collect();
        assert_eq!(decoded, events);
    }

    #[test]
    fn hello_and_stats_read_as_sent() {
        let hello = Hello { node: "n".into(), boot_id: "b".into(), ..Default::default() };
        let got = sent(v1::agent_message::Message::Hello(hello.clone())).message;
        assert_eq!(got, Some(agent_message::Message::Hello(hello)));
        let stats = AgentStats { spooled_events: 5, ..Default::default() };
        let got = sent(v1::agent_message::Message::Stats(stats.clone())).message;
        assert_eq!(got, Some(agent_message::Message::Stats(stats)));
    }
}
