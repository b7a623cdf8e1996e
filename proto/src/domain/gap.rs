//! A window in which the node was not observed: no agent was running. Not a kernel record: the
//! agent learns it at start from what the previous boot left on disk.

use crate::{
    v1::{self, gap::Reason},
    wkt::Timestamp,
};

/// How the previous boot ended, which fixes how exact the window's start is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootEnd {
    /// It stopped (SIGTERM): the start is when it stopped observing.
    Stopped,
    /// It ended without stopping (killed, crashed, power lost): the start is its last sign of
    /// life, at most the heartbeat interval before it ended.
    Ended,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub from: Timestamp,
    pub until: Timestamp,
    pub previous_boot_id: String,
    pub end: BootEnd,
}

impl From<&Gap> for v1::Gap {
    fn from(g: &Gap) -> Self {
        v1::Gap {
            from: Some(g.from),
            until: Some(g.until),
            reason: match g.end {
                BootEnd::Stopped => Reason::AgentStopped,
                BootEnd::Ended => Reason::AgentEnded,
            } as i32,
            // Readers see it: the shown form only (see `shown_boot`).
            previous_boot_id: crate::collector::shown_boot(&g.previous_boot_id).to_owned(),
        }
    }
}

impl Gap {
    /// The event that puts the window in the stream: the node's, with no pod, process or
    /// verdict.
    pub fn to_event(&self, node: &str) -> v1::Event {
        v1::Event {
            time: Some(self.from),
            node: node.to_owned(),
            body: Some(v1::event::Body::Gap(self.into())),
            ..Default::default()
        }
    }
}
