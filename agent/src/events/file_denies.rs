//! Refused (or audited) writes, summarised: the kernel records the first of each (pod cgroup,
//! operation, path) and counts the rest in `FILE_DENIES`; here the growth of each count becomes
//! one summary per tick: the first record's observation (kept until the key goes idle) with
//! the new attempts as its repeat count and the last one's time. A process writing the same
//! denied file in a loop costs one event per second.

use std::{collections::HashMap, time::Duration};

use agent_common::{
    net::DenyCount,
    rootfs::{FILE_DENIES_MAP, FileDenyKey, FileRecord, path_hash},
};
use aya::{
    Ebpf,
    maps::{HashMap as BpfHashMap, MapData},
};
use rampart_proto::domain::Observation;

use super::build::Clock;

const IDLE: Duration = Duration::from_secs(60);

pub struct FileDenies {
    map: BpfHashMap<MapData, FileDenyKey, DenyCount>,
    /// Per key: the attempts reported so far, the pod cgroup and the first observation.
    seen: HashMap<FileDenyKey, Seen>,
}

struct Seen {
    reported: u64,
    cgroup_id: u64,
    first: Observation,
}

/// The kernel's key for a record.
pub fn key_of(r: &FileRecord) -> FileDenyKey {
    let path_hash = path_hash(&r.path, usize::from(r.path_len));
    FileDenyKey { cgroup_id: r.task.cgroup_id, path_hash, op: r.op, _pad: 0 }
}

impl FileDenies {
    pub fn new(ebpf: &mut Ebpf) -> Option<Self> {
        let map = BpfHashMap::try_from(ebpf.take_map(FILE_DENIES_MAP)?).ok()?;
        Some(FileDenies { map, seen: HashMap::new() })
    }

    /// A first record went out (as `observation`): keep it to build summaries from.
    pub fn remember(&mut self, r: &FileRecord, observation: &Observation) {
        let seen = Seen { reported: 0, cgroup_id: r.task.cgroup_id, first: observation.clone() };
        self.seen.insert(key_of(r), seen);
    }

    /// Summaries since the last scan, with their pod cgroup.
    pub fn scan(&mut self, now_ns: u64, clock: &Clock) -> Vec<(u64, Observation)> {
        let mut out = Vec::new();
        let mut idle = Vec::new();
        for (key, count) in self.map.iter().flatten() {
            match self.seen.get_mut(&key) {
                Some(seen) if count.count > seen.reported => {
                    let summary = summary(&seen.first, count.count - seen.reported, count.last_ns, clock);
                    seen.reported = count.count;
                    out.push((seen.cgroup_id, summary));
                }
                _ if now_ns.saturating_sub(count.last_ns) > IDLE.as_nanos() as u64 => idle.push(key),
                _ => {}
            }
        }
        for key in idle {
            let _ = self.map.remove(&key);
            self.seen.remove(&key);
        }
        out
    }
}

/// The summary of `attempts` more refusals like `first`, the last at `last_ns` (boot time).
pub fn summary(first: &Observation, attempts: u64, last_ns: u64, clock: &Clock) -> Observation {
    Observation { time: clock.wall(last_ns), repeat_count: attempts, ..first.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_the_path_up_to_its_length() {
        // SAFETY: a zeroed record is valid plain data.
        let mut r: FileRecord = unsafe { std::mem::zeroed() };
        r.path[..12].copy_from_slice(b"/etc/passwd\0");
        r.path_len = 11;
        let a = key_of(&r);
        r.path[12] = b'x'; // after the path: left over in the kernel's buffer
        assert_eq!(key_of(&r), a);
        r.path[4] = b'-';
        assert_ne!(key_of(&r), a);
        r.path[4] = b'/';
        r.path_len = 4;
        assert_ne!(key_of(&r), a, "/etc is not /etc/passwd");
    }
}
