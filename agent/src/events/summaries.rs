//! Repeated refusals, summarised, for connections (`DENIES`) and root-filesystem writes
//! (`FILE_DENIES`) alike.
//!
//! Design constraints, first:
//! - A pod hammering a denied port or file must cost one event per second, not one per
//!   attempt: the kernel records the first refusal of each key (pod cgroup and peer, or pod
//!   cgroup, operation and path) in the ring buffer and only counts the rest in a map.
//! - A summary is the first refusal's observation, decoded once from its real record, with the
//!   attempts since the last summary as its repeat count and the last one's time: no kernel
//!   record is made up in user space.
//! - Attempts whose first record never arrived (the ring buffer was full) cannot be described;
//!   when their key goes idle they are counted as lost
//!   (`rampart_drops_total{stage="summary"}`), never dropped silently.
//! - Keys idle for a while, with everything reported, are forgotten, here and in the map.

use std::{collections::HashMap, hash::Hash, time::Duration};

use agent_common::{
    net::{DENIES_MAP, DenyCount, DenyKey},
    rootfs::{FILE_DENIES_MAP, FileDenyKey, FileRecord, path_hash},
};
use aya::{
    Ebpf,
    maps::{HashMap as BpfHashMap, MapData},
};
use rampart_policy::Direction;
use rampart_proto::domain::{Observation, Observed};

use super::build::Clock;

/// Keys untouched this long, with everything reported, are removed.
const IDLE: Duration = Duration::from_secs(60);

pub struct Summaries<K> {
    map: BpfHashMap<MapData, K, DenyCount>,
    seen: HashMap<K, Seen>,
}

/// The first refusal of a key, and what of its count was reported.
struct Seen {
    reported: u64,
    cgroup_id: u64,
    first: Observation,
}

/// What a scan found.
pub struct Scan {
    /// Summaries, with the pod cgroup each belongs to.
    pub summaries: Vec<(u64, Observation)>,
    /// Attempts counted under a key whose first record never arrived.
    pub unmatched: u64,
}

impl<K: aya::Pod + Eq + Hash> Summaries<K> {
    fn open(ebpf: &mut Ebpf, map: &str) -> Option<Self> {
        let map = BpfHashMap::try_from(ebpf.take_map(map)?).ok()?;
        Some(Summaries { map, seen: HashMap::new() })
    }

    /// A first refusal went out as `first`: summaries of `key` are built from it.
    pub fn remember(&mut self, key: K, cgroup_id: u64, first: &Observation) {
        let mut first = first.clone();
        // Refused connections into a pod are counted per pod port, whatever the peer's source
        // port: a summary names the port the peer tried to reach, and no source port.
        if let Observed::Flow(f) = &mut first.body
            && f.direction == Direction::Ingress
        {
            f.remote_port = 0;
        }
        self.seen.insert(key, Seen { reported: 0, cgroup_id, first });
    }

    /// The attempts counted since the last scan; `now_ns` is CLOCK_BOOTTIME.
    pub fn scan(&mut self, now_ns: u64, clock: &Clock) -> Scan {
        let mut scan = Scan { summaries: Vec::new(), unmatched: 0 };
        let mut idle = Vec::new();
        for (key, count) in self.map.iter().flatten() {
            match self.seen.get_mut(&key) {
                Some(seen) if count.count > seen.reported => {
                    let summary = repeated(&seen.first, count.count - seen.reported, count.last_ns, clock);
                    seen.reported = count.count;
                    scan.summaries.push((seen.cgroup_id, summary));
                }
                seen if now_ns.saturating_sub(count.last_ns) > IDLE.as_nanos() as u64 => {
                    // Idle. Without a first record (its ring-buffer slot was lost; a first
                    // record still unread is never this old), its attempts are counted lost.
                    if seen.is_none() {
                        scan.unmatched += count.count;
                    }
                    idle.push(key);
                }
                _ => {}
            }
        }
        for key in idle {
            let _ = self.map.remove(&key);
            self.seen.remove(&key);
        }
        scan
    }
}

impl Summaries<DenyKey> {
    pub fn connections(ebpf: &mut Ebpf) -> Option<Self> {
        Summaries::open(ebpf, DENIES_MAP)
    }
}

impl Summaries<FileDenyKey> {
    pub fn writes(ebpf: &mut Ebpf) -> Option<Self> {
        Summaries::open(ebpf, FILE_DENIES_MAP)
    }
}

/// `attempts` more refusals like `first`, the last at `last_ns` (boot time).
pub fn repeated(first: &Observation, attempts: u64, last_ns: u64, clock: &Clock) -> Observation {
    Observation { time: clock.wall(last_ns), repeat_count: attempts, ..first.clone() }
}

/// The kernel's `FILE_DENIES` key of a file record.
pub fn write_key(r: &FileRecord) -> FileDenyKey {
    let path_hash = path_hash(&r.path, usize::from(r.path_len));
    FileDenyKey { cgroup_id: r.task.cgroup_id, path_hash, op: r.op, _pad: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_key_hashes_the_path_up_to_its_length() {
        // SAFETY: a zeroed record is valid plain data.
        let mut r: FileRecord = unsafe { std::mem::zeroed() };
        r.path[..12].copy_from_slice(b"/etc/passwd\0");
        r.path_len = 11;
        let a = write_key(&r);
        r.path[12] = b'x'; // after the path: left over in the kernel's buffer
        assert_eq!(write_key(&r), a);
        r.path[4] = b'-';
        assert_ne!(write_key(&r), a);
        r.path[4] = b'/';
        r.path_len = 4;
        assert_ne!(write_key(&r), a, "/etc is not /etc/passwd");
    }
}
