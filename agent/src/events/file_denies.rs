//! Refused (or audited) writes, summarised: the kernel records the first of each (pod cgroup,
//! operation, path) and counts the rest in `FILE_DENIES`; here the growth of each count becomes
//! one summary event per tick, built from the first record (kept until the key goes idle), so
//! a process writing the same denied file in a loop costs one event per second.

use std::{collections::HashMap, time::Duration};

use agent_common::{
    net::DenyCount,
    rootfs::{FILE_DENIES_MAP, FileDenyKey, FileRecord, path_hash},
};
use aya::{
    Ebpf,
    maps::{HashMap as BpfHashMap, MapData},
};

const IDLE: Duration = Duration::from_secs(60);

pub struct FileDenies {
    map: BpfHashMap<MapData, FileDenyKey, DenyCount>,
    seen: HashMap<FileDenyKey, (u64, Box<FileRecord>)>,
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

    /// A first record went out: keep it to build summaries from.
    pub fn remember(&mut self, r: &FileRecord) {
        self.seen.insert(key_of(r), (0, Box::new(*r)));
    }

    /// Summaries (records with `count` set to the new attempts) since the last scan.
    pub fn scan(&mut self, now_ns: u64) -> Vec<FileRecord> {
        let mut out = Vec::new();
        let mut idle = Vec::new();
        for (key, count) in self.map.iter().flatten() {
            match self.seen.get_mut(&key) {
                Some((reported, first)) if count.count > *reported => {
                    let mut r = **first;
                    r.count = count.count - *reported;
                    r.header.boot_ns = count.last_ns;
                    *reported = count.count;
                    out.push(r);
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
