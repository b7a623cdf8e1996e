//! Containers' mount tables, for the rootfs tracepoint tier: where a syscall's path string is
//! all the kernel has, `MOUNTS` tells it which mount of the container a path is on.
//!
//! A container's mount table is read from `/proc/PID/mountinfo` of a process in its cgroup
//! (its mount points as the container sees them) and written keyed by its mount namespace
//! (`/proc/PID/ns/mnt`). runc's `create` leaves the container's first process waiting in its
//! cgroup with its mounts in place, so the table is usually known before the container starts.
//! Where it is not (create and start back to back), the kernel stops the process at its exec
//! and lists it in `HELD` (see the eBPF side's `rootfs::hold`): [`MountTables::resume_held`]
//! learns its table from the process itself and sends SIGCONT. A process whose table cannot be
//! read is resumed anyway (never left stopped), and its writes are reported as on an unknown
//! mount.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

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

/// A cgroup whose processes were all in known namespaces, or that has been empty since it was
/// first seen this many passes ago (a pod's own cgroup: its processes are in its containers'),
/// is visited again only after this many passes of [`MountTables::learn_containers`] (one a
/// tick). Reading every process's namespace every second cost ~30 µs of CPU a container (3% of
/// a core with 1,000 of them). A namespace made later inside such a container (`unshare`, which
/// needs `CAP_SYS_ADMIN`) is learnt at that visit, or at its first exec (held until then); a
/// new container's cgroup is visited every tick in its first passes, so that `runc create`'s
/// waiting process is learnt before the container starts.
const REVISIT: u64 = 10;

/// What a visit of a cgroup found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    /// No process (or the cgroup is gone).
    Empty,
    /// Every process is in a known namespace.
    Known,
    /// Some process is not: still being set up by its runtime, or its table unreadable.
    Unknown,
}

/// When [`MountTables::learn_containers`] first saw a cgroup, when it found it settled, and
/// the namespaces its processes were in then (a table forgotten unsettles the cgroup: another
/// of its processes may still be in that namespace, and is learnt from at the next pass).
#[derive(Clone, Debug)]
struct Seen {
    first: u64,
    settled: Option<u64>,
    namespaces: Vec<u32>,
}

struct Table {
    /// A process that was in the namespace when it was read (the table goes with it).
    pid: u32,
    keys: Vec<Key<PathKey>>,
}

pub struct MountTables {
    pub(super) mounts: LpmTrie<MapData, PathKey, u32>,
    pub(super) known: BpfHashMap<MapData, u32, u32>,
    held: BpfHashMap<MapData, u32, u32>,
    tables: HashMap<u32, Table>,
    /// The cgroups [`MountTables::learn_containers`] visits.
    seen: HashMap<u64, Seen>,
    passes: u64,
    /// [`host_root_dev`], read once.
    host_root_dev: u32,
}

/// What one pass over the held processes did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resumed {
    /// Resumed with their mount table known.
    pub known: u64,
    /// Resumed although their table could not be read.
    pub unknown: u64,
    /// Gone before they could be resumed.
    pub gone: u64,
}

impl MountTables {
    pub fn new(
        mounts: LpmTrie<MapData, PathKey, u32>,
        known: BpfHashMap<MapData, u32, u32>,
        held: BpfHashMap<MapData, u32, u32>,
        host_root_dev: u32,
    ) -> Self {
        MountTables {
            mounts,
            known,
            held,
            tables: HashMap::new(),
            seen: HashMap::new(),
            passes: 0,
            host_root_dev,
        }
    }

    /// Learn the mount namespaces of the processes in `cgroup_dir` not known yet, adding the
    /// known ones to `namespaces`.
    pub fn learn(&mut self, cgroup_dir: &Path, namespaces: &mut Vec<u32>) -> Visit {
        let Ok(procs) = fs::read_to_string(cgroup_dir.join("cgroup.procs")) else { return Visit::Empty };
        let mut visit = Visit::Empty;
        for pid in procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()) {
            match self.learn_pid(pid) {
                None => visit = Visit::Unknown,
                Some(ns) => {
                    if visit == Visit::Empty {
                        visit = Visit::Known;
                    }
                    if !namespaces.contains(&ns) {
                        namespaces.push(ns);
                    }
                }
            }
        }
        visit
    }

    /// One pass (a tick) over the containers whose root filesystem is judged: learn the
    /// namespaces of those not settled, and of settled ones once every [`REVISIT`] passes.
    /// `dir` finds a container's cgroup directory.
    pub fn learn_containers(
        &mut self,
        containers: impl IntoIterator<Item = u64>,
        dir: impl Fn(u64) -> Option<PathBuf>,
    ) {
        self.passes += 1;
        let now = self.passes;
        let mut seen = HashMap::with_capacity(self.seen.len());
        for cgroup in containers {
            let mut s = self.seen.remove(&cgroup).unwrap_or(Seen {
                first: now,
                settled: None,
                namespaces: Vec::new(),
            });
            if s.settled.is_none_or(|at| now - at >= REVISIT) {
                s.namespaces.clear();
                let visit = dir(cgroup).map_or(Visit::Empty, |d| self.learn(&d, &mut s.namespaces));
                let settled = match visit {
                    Visit::Known => true,
                    Visit::Empty => now - s.first >= REVISIT,
                    Visit::Unknown => false,
                };
                s.settled = settled.then_some(now);
            }
            seen.insert(cgroup, s);
        }
        self.seen = seen;
    }

    /// Learn the mount namespace of `pid` unless it is known; the namespace, if known now. A
    /// process still rooted in the node's root filesystem is a runtime setting the container
    /// up: its mount table is not the container's yet.
    fn learn_pid(&mut self, pid: u32) -> Option<u32> {
        let ns = mount_ns(pid)?;
        if self.tables.contains_key(&ns) {
            return Some(ns);
        }
        if self.host_root_dev != 0
            && root_dev(Path::new(&format!("/proc/{pid}/root/"))) == Some(self.host_root_dev)
        {
            return None;
        }
        let info = fs::read_to_string(format!("/proc/{pid}/mountinfo")).ok()?;
        let mut keys = Vec::new();
        for point in mount_points(&info) {
            let kind = if point == "/" { MOUNT_ROOTFS } else { MOUNT_OTHER };
            if let Some(key) = path_key(ns, &point)
                && self.mounts.insert(&key, kind, 0).is_ok()
            {
                keys.push(key);
            }
        }
        self.known.insert(ns, 1, 0).ok()?;
        self.tables.insert(ns, Table { pid, keys });
        Some(ns)
    }

    /// Learn the table of every process the kernel stopped at exec, and let it run.
    pub fn resume_held(&mut self) -> Resumed {
        let mut done = Resumed::default();
        let pids: Vec<u32> = self.held.keys().filter_map(Result::ok).collect();
        for pid in pids {
            let known = self.learn_pid(pid).is_some();
            // SAFETY: kill(2) with a signal number; a pid that is gone answers ESRCH.
            let sent = unsafe { libc::kill(pid as libc::pid_t, libc::SIGCONT) } == 0;
            match (sent, known) {
                (false, _) => done.gone += 1,
                (true, true) => done.known += 1,
                (true, false) => done.unknown += 1,
            }
            let _ = self.held.remove(&pid);
        }
        done
    }

    /// Forget namespaces whose process is gone (the container ended, or the process the table
    /// was read from did: the cgroups it was seen in are visited again at the next pass).
    pub fn forget_dead(&mut self) {
        let dead: Vec<u32> =
            self.tables.iter().filter(|(ns, t)| mount_ns(t.pid) != Some(**ns)).map(|(ns, _)| *ns).collect();
        if dead.is_empty() {
            return;
        }
        for s in self.seen.values_mut() {
            if s.namespaces.iter().any(|ns| dead.contains(ns)) {
                s.settled = None;
            }
        }
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

/// The node's root filesystem device in the kernel's encoding (`MKDEV`: major << 20 | minor,
/// as `super_block.s_dev`): pid 1's root (the node's init, with `hostPID`), else this agent's
/// own root (where pid 1's is not readable, the agent runs in the node's root); 0 when neither
/// can be read.
pub fn host_root_dev() -> u32 {
    root_dev(Path::new("/proc/1/root/")).or_else(|| root_dev(Path::new("/"))).unwrap_or(0)
}

/// The device of the directory `root`, in the kernel's encoding.
fn root_dev(root: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    let dev = fs::metadata(root).ok()?.dev();
    Some(libc::major(dev) << 20 | libc::minor(dev))
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
