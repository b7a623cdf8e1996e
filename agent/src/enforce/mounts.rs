//! Containers' mount tables, for the rootfs tracepoint tier: where a syscall's path string is
//! all the kernel has, `MOUNTS` tells it which mount of the container a path is on.
//!
//! A container's mount table is read from `/proc/PID/mountinfo` of a process in its cgroup
//! (its mount points as the container sees them) and written keyed by its mount namespace
//! (`/proc/PID/ns/mnt`). runc's `create` leaves the container's first process waiting in its
//! cgroup with its mounts in place, so the table is usually known before the container starts;
//! until it is, the kernel reports (or, failing closed, denies) writes it cannot place.

use std::{collections::HashMap, fs, path::Path};

use agent_common::rootfs::{KEY_PATH_LEN, MOUNT_OTHER, MOUNT_ROOTFS, PathKey};
use aya::maps::{
    HashMap as BpfHashMap, MapData,
    lpm_trie::{Key, LpmTrie},
};

/// The LPM key for `prefix` (a path as the container sees it) in table `set`: the prefix with a
/// trailing `/` (whole components only), `/` itself as is.
pub fn path_key(set: u32, prefix: &str) -> Option<Key<PathKey>> {
    let mut bytes = prefix.trim_end_matches('/').as_bytes().to_vec();
    bytes.push(b'/');
    if bytes.len() > KEY_PATH_LEN {
        return None;
    }
    let mut path = [0u8; KEY_PATH_LEN];
    path[..bytes.len()].copy_from_slice(&bytes);
    Some(Key::new(32 + 8 * bytes.len() as u32, PathKey { set, path }))
}

struct Table {
    /// A process that was in the namespace when it was read (the table goes with it).
    pid: u32,
    keys: Vec<Key<PathKey>>,
}

pub struct MountTables {
    pub(super) mounts: LpmTrie<MapData, PathKey, u32>,
    pub(super) known: BpfHashMap<MapData, u32, u32>,
    tables: HashMap<u32, Table>,
}

impl MountTables {
    pub fn new(mounts: LpmTrie<MapData, PathKey, u32>, known: BpfHashMap<MapData, u32, u32>) -> Self {
        MountTables { mounts, known, tables: HashMap::new() }
    }

    /// Learn the mount namespaces of the processes in `cgroup_dir` not known yet.
    pub fn learn(&mut self, cgroup_dir: &Path) {
        let Ok(procs) = fs::read_to_string(cgroup_dir.join("cgroup.procs")) else { return };
        for pid in procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()) {
            let Some(ns) = mount_ns(pid) else { continue };
            if self.tables.contains_key(&ns) {
                continue;
            }
            let Ok(info) = fs::read_to_string(format!("/proc/{pid}/mountinfo")) else { continue };
            let mut keys = Vec::new();
            for point in mount_points(&info) {
                let kind = if point == "/" { MOUNT_ROOTFS } else { MOUNT_OTHER };
                if let Some(key) = path_key(ns, &point)
                    && self.mounts.insert(&key, kind, 0).is_ok()
                {
                    keys.push(key);
                }
            }
            if self.known.insert(ns, 1, 0).is_ok() {
                self.tables.insert(ns, Table { pid, keys });
            }
        }
    }

    /// Forget namespaces whose process is gone (the container ended).
    pub fn forget_dead(&mut self) {
        let dead: Vec<u32> =
            self.tables.iter().filter(|(ns, t)| mount_ns(t.pid) != Some(**ns)).map(|(ns, _)| *ns).collect();
        for ns in dead {
            if let Some(t) = self.tables.remove(&ns) {
                let _ = self.known.remove(&ns);
                for k in &t.keys {
                    let _ = self.mounts.remove(k);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// The mount namespace inode of `pid` (`/proc/PID/ns/mnt` → `mnt:[4026531841]`).
fn mount_ns(pid: u32) -> Option<u32> {
    let link = fs::read_link(format!("/proc/{pid}/ns/mnt")).ok()?;
    let s = link.to_str()?;
    s.strip_prefix("mnt:[")?.strip_suffix(']')?.parse::<u64>().ok().map(|n| n as u32)
}

/// Mount points of a mountinfo (field 5, octal escapes undone), in order.
pub fn mount_points(info: &str) -> Vec<String> {
    info.lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .map(|p| {
            let mut out = String::new();
            let mut chars = p.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    let oct: String = chars.by_ref().take(3).collect();
                    out.push(u8::from_str_radix(&oct, 8).map_or('?', char::from));
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cover_whole_components() {
        let k = path_key(7, "/tmp").unwrap();
        assert_eq!(k.prefix_len(), 32 + 8 * 5);
        assert_eq!(&k.data().path[..5], b"/tmp/");
        assert_eq!(path_key(7, "/").unwrap().prefix_len(), 32 + 8);
        assert_eq!(&path_key(7, "/data/").unwrap().data().path[..6], b"/data/");
        assert!(path_key(7, &"/x".repeat(200)).is_none());
    }

    #[test]
    fn mountinfo_points() {
        let info = "1187 1186 0:90 / / rw,relatime - overlay overlay rw\n\
                    1188 1187 0:93 / /proc rw - proc proc rw\n\
                    1190 1187 8:1 /vol /data\\040dir rw - ext4 /dev/vda rw\n";
        assert_eq!(mount_points(info), ["/", "/proc", "/data dir"]);
    }
}
