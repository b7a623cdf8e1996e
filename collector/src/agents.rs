//! The agents this collector has heard from: what each said in its Hello (version, tiers),
//! its latest counters, whether it is connected, and the last sequence stored per boot. Kept
//! in memory for sessions since start; `Status` adds the boots found in the store.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use rampart_proto::{
    v1::{AgentStats, AgentStatus, ConcernTier, Gap, Hello},
    wkt::Timestamp,
};

use crate::store::{Origin, StoredAgent};

#[derive(Clone, Debug, Default)]
struct Entry {
    version: String,
    connections: u32,
    peer: String,
    connected_since: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    tiers: Vec<ConcernTier>,
    stats: Option<AgentStats>,
    last_sequence: u64,
    unobserved_before: Option<Gap>,
}

#[derive(Debug, Default)]
pub struct Agents {
    entries: Mutex<BTreeMap<Origin, Entry>>,
}

/// A connected stream; marks the agent disconnected when dropped.
pub struct Connection {
    origin: Origin,
    agents: Arc<Agents>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut entries = self.agents.entries.lock().expect("not poisoned");
        if let Some(e) = entries.get_mut(&self.origin) {
            e.connections = e.connections.saturating_sub(1);
            e.last_seen = Some(crate::now());
        }
    }
}

impl Connection {
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl Agents {
    pub fn connected(self: &Arc<Self>, hello: &Hello, peer: String) -> Connection {
        let origin = Origin { node: hello.node.clone(), boot_id: hello.boot_id.clone() };
        let now = crate::now();
        let mut entries = self.entries.lock().expect("not poisoned");
        let e = entries.entry(origin.clone()).or_default();
        e.version = hello.version.clone();
        e.connections += 1;
        e.peer = peer;
        e.connected_since = Some(now);
        e.last_seen = Some(now);
        e.tiers = hello.tiers.clone();
        e.stats = hello.stats.clone();
        e.unobserved_before = hello.unobserved_before.clone();
        Connection { origin, agents: Arc::clone(self) }
    }

    /// Agent streams open now.
    pub fn streams(&self) -> u64 {
        let entries = self.entries.lock().expect("not poisoned");
        entries.values().map(|e| u64::from(e.connections)).sum()
    }

    pub fn stats(&self, conn: &Connection, stats: AgentStats) {
        let mut entries = self.entries.lock().expect("not poisoned");
        if let Some(e) = entries.get_mut(&conn.origin) {
            e.stats = Some(stats);
            e.last_seen = Some(crate::now());
        }
    }

    /// A batch of `origin` (possibly an earlier boot than its stream's) is stored up to `last`.
    pub fn stored(&self, origin: &Origin, last: u64) {
        let mut entries = self.entries.lock().expect("not poisoned");
        let e = entries.entry(origin.clone()).or_default();
        e.last_sequence = e.last_sequence.max(last);
        e.last_seen = Some(crate::now());
    }

    /// Agent boots known, from memory and from the store: every one with `all`, else per node
    /// the connected boots, or the latest one when none is connected (dead boots age out of
    /// the list). Returns them and how many were left out.
    pub fn status(&self, stored: Vec<StoredAgent>, all: bool) -> (Vec<AgentStatus>, u32) {
        let mut entries = self.entries.lock().expect("not poisoned").clone();
        for s in stored {
            let e = entries.entry(s.origin).or_default();
            e.last_sequence = e.last_sequence.max(s.last_sequence);
            if e.last_seen.is_none() {
                e.last_seen = Some(Timestamp::from_unix_nanos(s.last_seen_ns));
            }
        }
        // Per node: the connected boots; a node with none keeps its latest boot by last seen.
        // (A dead boot's spooled batches, resent by the next boot, make it the latest seen.)
        let connected: BTreeSet<String> =
            entries.iter().filter(|(_, e)| e.connections > 0).map(|(o, _)| o.node.clone()).collect();
        let mut latest: BTreeMap<String, (Option<i64>, String)> = BTreeMap::new();
        for (o, e) in &entries {
            let seen = e.last_seen.map(|t| t.unix_nanos());
            let slot = latest.entry(o.node.clone()).or_insert((seen, o.boot_id.clone()));
            if seen > slot.0 {
                *slot = (seen, o.boot_id.clone());
            }
        }
        let before = entries.len();
        if !all {
            entries.retain(|o, e| {
                e.connections > 0
                    || (!connected.contains(&o.node)
                        && latest.get(&o.node).is_some_and(|(_, b)| *b == o.boot_id))
            });
        }
        let hidden = (before - entries.len()) as u32;
        let list = entries
            .into_iter()
            .map(|(o, e)| AgentStatus {
                node: o.node,
                // Never the whole id: that is what a stream needs to write into the boot.
                boot_id: rampart_proto::collector::shown_boot(&o.boot_id).to_owned(),
                version: e.version,
                connected: e.connections > 0,
                peer: e.peer,
                connected_since: e.connected_since,
                last_seen: e.last_seen,
                tiers: e.tiers,
                stats: e.stats,
                last_sequence: e.last_sequence,
                unobserved_before: e.unobserved_before,
            })
            .collect();
        (list, hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_boot_seen_last_is_hidden_while_the_next_boot_is_connected() {
        let agents = Arc::new(Agents::default());
        let hello = |boot: &str| Hello { node: "n1".into(), boot_id: boot.into(), ..Default::default() };
        let old = agents.connected(&hello("old"), "peer".into());
        drop(old);
        let _new = agents.connected(&hello("new"), "peer".into());
        // The new boot resends what the old one spooled: the old boot is the last seen.
        agents.stored(&Origin { node: "n1".into(), boot_id: "old".into() }, 7);
        let (shown, hidden) = agents.status(Vec::new(), false);
        assert_eq!(shown.iter().map(|a| a.boot_id.as_str()).collect::<Vec<_>>(), ["new"]);
        assert_eq!(hidden, 1);
        assert_eq!(agents.status(Vec::new(), true).0.len(), 2);
    }

    #[test]
    fn a_node_with_no_connected_boot_keeps_its_latest() {
        let agents = Agents::default();
        let boot = |b: &str, seen| StoredAgent {
            origin: Origin { node: "n1".into(), boot_id: b.into() },
            last_sequence: 1,
            last_seen_ns: seen,
        };
        let (shown, hidden) = agents.status(vec![boot("a", 100), boot("b", 200)], false);
        assert_eq!(shown.iter().map(|a| a.boot_id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(hidden, 1);
    }
}
