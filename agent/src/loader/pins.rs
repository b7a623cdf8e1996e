//! Enforcement that outlives the agent: the kernel state pinned in bpffs (`--pin-dir`).
//!
//! Design constraints:
//! - **The policy stays in force without an agent.** A crash, an OOM kill, an upgrade or a
//!   DaemonSet rollout must not open a window: every enforcement link and every map is pinned,
//!   so the programs stay attached and the maps keep saying what the policies said. What the
//!   programs report meanwhile waits in the ring buffer (its drops are counted in a map).
//! - **One copy.** An agent of the same build on the same kernel adopts what it finds: the
//!   maps as its own (opened from their pins, with what they hold, the ring's unread records
//!   too) and the pinned tiers as engaged. Nothing is attached a second time.
//! - **No window on upgrade either.** Another build's state stays attached until this agent's
//!   own programs are, and is removed after.
//! - **Removable.** `rampart-agent uninstall` detaches the programs and removes the pins
//!   ([`super::unpin`]: removing a pin alone detaches a moment later).
//! - **Opt-in.** Without `--pin-dir` nothing is pinned and everything detaches at exit: tests
//!   run many agents side by side, each with its own object.
//!
//! Layout under the pin directory (bpffs holds directories and pinned objects, no files, and no `.` in names):
//! `<build>/maps/<MAP>`, `<build>/links/<concern>/<program>@<hook>`, and
//! `<build>/tiers/<concern>-<tier>`, a directory made once every link of the tier is pinned
//! (so its presence means the whole tier is there). The build is a hash of the
//! kernel object, the ring buffer's size and this kernel's offsets: what must be equal for the
//! maps and programs to mean the same thing.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use agent_common::config::KernelConfig;
use aya::EbpfError;

use super::{Attached, AttachedLink, OBJECT, unpin::Release};
use crate::caps::{Concern, Tier};

/// The pin directory the chart mounts and the agent's flag defaults to.
pub const DEFAULT_DIR: &str = "/sys/fs/bpf/rampart";

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{path} is not on a BPF filesystem (mount one: `mount -t bpf bpf /sys/fs/bpf`; in a pod, mount the \
         host's /sys/fs/bpf)"
    )]
    NotBpffs { path: PathBuf },
    #[error(transparent)]
    Unpin(#[from] super::unpin::UnpinError),
    #[error("pinning link {name} at {path}: {source}")]
    Link { name: String, path: PathBuf, source: aya::pin::PinError },
    #[error(
        "link {name} cannot be pinned: this kernel attaches tracepoints without BPF links (before Linux 5.15), \
         so enforcement on the {tier} tier ends with the agent"
    )]
    NotPinnable { name: String, tier: Tier },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> PinError + '_ {
    move |source| PinError::Io { path: path.to_owned(), source }
}

/// What [`Pins::keep`] did with a tier's links.
#[derive(Debug)]
pub enum Kept {
    Pinned,
    /// Not pinned (why), and the links, attached while the agent keeps them.
    Unpinnable(PinError, Vec<Attached>),
}

/// This build's pinned state on this kernel.
#[derive(Debug)]
pub struct Pins {
    root: PathBuf,
    build: String,
    /// Concerns whose tier an agent of this build pinned whole: adopted, not attached again.
    adopted: BTreeMap<Concern, Tier>,
}

impl Pins {
    /// Opens (creating) `root/<build>`, and reads which tiers an earlier agent of this build
    /// left pinned whole.
    pub fn open(root: &Path, build: String) -> Result<Pins, PinError> {
        fs::create_dir_all(root).map_err(io_at(root))?;
        if !is_bpffs(root) {
            return Err(PinError::NotBpffs { path: root.to_owned() });
        }
        let dir = root.join(&build);
        for sub in ["maps", "links"] {
            let d = dir.join(sub);
            fs::create_dir_all(&d).map_err(io_at(&d))?;
        }
        let mut pins = Pins { root: root.to_owned(), build, adopted: BTreeMap::new() };
        for e in fs::read_dir(pins.tiers_dir()).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some((c, t)) = name.split_once('-') else { continue };
            let c = Concern::ALL.into_iter().find(|x| x.as_str() == c);
            let t = Tier::ALL.into_iter().find(|x| x.as_str() == t && *x != Tier::None);
            if let (Some(c), Some(t)) = (c, t) {
                pins.adopted.insert(c, t);
            }
        }
        Ok(pins)
    }

    /// The pin directory (every build's).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This build's directory in it.
    pub fn dir(&self) -> PathBuf {
        self.root.join(&self.build)
    }

    fn tiers_dir(&self) -> PathBuf {
        self.dir().join("tiers")
    }

    /// Where map `name` is pinned.
    pub fn map_path(&self, name: &str) -> PathBuf {
        self.dir().join("maps").join(name)
    }

    fn links_dir(&self, c: Concern) -> PathBuf {
        self.dir().join("links").join(c.as_str())
    }

    /// The tier of `c` an earlier agent of this build left pinned, if any.
    pub fn adopted(&self, c: Concern) -> Option<Tier> {
        self.adopted.get(&c).copied()
    }

    /// Whether anything was adopted: the maps then hold an earlier agent's state.
    pub fn adopting(&self) -> bool {
        !self.adopted.is_empty()
    }

    /// Pins the links of `c`'s engaged `tier` (the programs then stay attached without the
    /// agent) and records the tier. A tier with a link bpffs cannot hold is not pinned at all:
    /// its links come back, for the agent to keep while it runs. A pin that fails loses its
    /// link (aya drops it): the error is the agent's to stop on, and the next agent attaches
    /// the tier again, replacing what of it was pinned.
    pub fn keep(&mut self, c: Concern, tier: Tier, links: Vec<Attached>) -> Result<Kept, PinError> {
        if tier == Tier::None {
            return Ok(Kept::Pinned);
        }
        if let Some(a) = links.iter().find(|a| matches!(a.link, AttachedLink::PerfEvent(_))) {
            return Ok(Kept::Unpinnable(PinError::NotPinnable { name: a.name.clone(), tier }, links));
        }
        let dir = self.links_dir(c);
        fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        for a in links {
            let AttachedLink::Fd(link) = a.link else { unreachable!("checked above") };
            let path = dir.join(&a.name);
            // Left by an agent that stopped half-way through pinning this tier.
            let _ = fs::remove_file(&path);
            // The pin holds the link; the descriptor closes here.
            drop(link.pin(&path).map_err(|source| PinError::Link {
                name: a.name,
                path: path.clone(),
                source,
            })?);
        }
        let mark = self.tiers_dir().join(format!("{}-{tier}", c.as_str()));
        fs::create_dir_all(&mark).map_err(io_at(&mark))?;
        Ok(Kept::Pinned)
    }

    /// Removes what other builds left pinned (an upgrade's predecessor), once this agent's own
    /// programs are attached: their programs detach. Returns the builds removed.
    pub fn remove_other_builds(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.root) else { return Vec::new() };
        let mut removed = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != self.build && is_build(&e) && remove(&e.path(), Release::Wait).is_ok() {
                removed.push(name);
            }
        }
        removed
    }
}

/// What `rampart-agent uninstall` removed.
#[derive(Debug, Default)]
pub struct Removed {
    pub links: usize,
    pub maps: usize,
}

/// Removes every pin under `root` (every build): the programs detach (see [`Release`] for
/// when), the maps are freed once no program holds them. Safe to run twice.
pub fn uninstall(root: &Path, release: Release) -> Result<Removed, PinError> {
    let mut removed = Removed::default();
    if !root.exists() {
        return Ok(removed);
    }
    if !is_bpffs(root) {
        return Err(PinError::NotBpffs { path: root.to_owned() });
    }
    for build in fs::read_dir(root).map_err(io_at(root))?.flatten().filter(is_build) {
        let path = build.path();
        removed.maps += super::unpin::files(&path.join("maps")).len();
        removed.links += remove(&path, release)?;
    }
    let _ = fs::remove_dir(root);
    Ok(removed)
}

/// Whether a pin directory entry is a build's directory (16 hex digits): nothing else there is
/// touched, should the directory be shared.
fn is_build(e: &fs::DirEntry) -> bool {
    let name = e.file_name();
    let name = name.to_string_lossy();
    name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit()) && e.path().is_dir()
}

/// Links first (their programs detached when this returns), then the processes held at exec
/// are let run, then maps and the rest. Returns how many links there were.
fn remove(build: &Path, release: Release) -> Result<usize, PinError> {
    let links = build.join("links");
    let n = if links.exists() { super::unpin::remove_links(&links, release)? } else { 0 };
    release_held(&build.join("maps").join(agent_common::rootfs::HELD_MAP));
    fs::remove_dir_all(build).map_err(io_at(build))?;
    Ok(n)
}

/// SIGCONT to every process a pinned `HELD` map lists (stopped at exec while the agent that
/// would have released it was gone).
fn release_held(pin: &Path) {
    let Ok(data) = aya::maps::MapData::from_pin(pin) else { return };
    let Ok(held) = aya::maps::HashMap::<_, u32, u32>::try_from(aya::maps::Map::HashMap(data)) else { return };
    for pid in held.keys().filter_map(Result::ok) {
        // SAFETY: kill(2) with a signal number; a pid that is gone answers ESRCH.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGCONT) };
    }
}

/// `statfs(2)` says BPF_FS_MAGIC.
fn is_bpffs(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a statfs buffer of the right size.
    let rc = unsafe { libc::statfs(c.as_ptr(), &mut st) };
    const BPF_FS_MAGIC: u32 = 0xcafe_4a11;
    rc == 0 && st.f_type as u32 == BPF_FS_MAGIC
}

/// The names of the object's maps, but its data sections (`.rodata`, `.bss`: written at load
/// and frozen, never shared).
pub fn map_names() -> Result<Vec<String>, EbpfError> {
    let object = aya_obj::Object::parse(OBJECT)?;
    let mut names: Vec<String> = object.maps.into_keys().filter(|n| !n.starts_with('.')).collect();
    names.sort();
    Ok(names)
}

/// The build: FNV-1a over the kernel object, the ring buffer's size and this kernel's
/// offsets.
pub fn build_id(config: &KernelConfig, ring_bytes: u32) -> String {
    // SAFETY: `KernelConfig` is `#[repr(C)]` and all `u32`s (its size is asserted), so every
    // byte is initialised.
    let config_bytes = unsafe {
        std::slice::from_raw_parts((config as *const KernelConfig).cast::<u8>(), size_of::<KernelConfig>())
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in OBJECT.iter().chain(&ring_bytes.to_le_bytes()).chain(config_bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_changes_with_the_offsets_and_the_ring() {
        let a = KernelConfig::zeroed();
        let mut b = KernelConfig::zeroed();
        b.task_tgid = 4;
        assert_eq!(build_id(&a, 4096), build_id(&a, 4096));
        assert_ne!(build_id(&a, 4096), build_id(&b, 4096));
        assert_ne!(build_id(&a, 4096), build_id(&a, 8192));
    }

    #[test]
    fn the_maps_are_named_without_the_data_sections() {
        let names = map_names().unwrap();
        assert!(names.iter().any(|n| n == agent_common::EVENTS_MAP), "{names:?}");
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    #[test]
    fn a_directory_elsewhere_is_refused_with_how_to_mount_bpffs() {
        let dir = tempfile::tempdir().unwrap();
        let e = Pins::open(dir.path(), "x".into()).unwrap_err().to_string();
        assert!(e.contains("not on a BPF filesystem") && e.contains("mount -t bpf"), "{e}");
    }
}
