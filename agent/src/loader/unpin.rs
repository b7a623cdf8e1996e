//! Removing pinned links so that their programs no longer act once the removal returns.
//!
//! Removing a link's pin only drops a reference, and bpffs drops it late: after an RCU grace
//! period, from a workqueue (`bpf_free_inode()` → `bpf_link_put()` in `kernel/bpf/`). Until
//! then the program still acts, long enough for a connect() made right after `uninstall` to be
//! refused. So:
//! - each link is detached first with `BPF_LINK_DETACH` (`link_detach()` in
//!   `kernel/bpf/syscall.c`), which cgroup links (the network concern) have since Linux 5.9: the
//!   program is off its hook when the call returns;
//! - a link whose type cannot be detached that way (tracepoint and LSM links answer
//!   `EOPNOTSUPP`) is waited for until the kernel has released it. Not by the link's id: the
//!   link is unreachable by id as soon as its count drops to zero, before the workqueue runs
//!   its release; but the link's program is put only after that release, so the program's id
//!   going away is the sign (nothing else holds these programs once no agent runs).

use std::{
    ffi::CString,
    io,
    os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use super::sys::bpf;

const BPF_OBJ_GET: libc::c_long = 7;
const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;
const BPF_LINK_DETACH: libc::c_long = 34;

/// How long a link that could not be detached may take to be freed once unpinned.
const FREED_WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum UnpinError {
    #[error("{path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path}: {source}")]
    Remove { path: PathBuf, source: io::Error },
    #[error(
        "the program of link {path} (program id {prog_id}) is still loaded {FREED_WITHIN:?} after the pin was \
         removed: a process holds it (is an agent of this build still running?)"
    )]
    StillAttached { prog_id: u32, path: PathBuf },
}

/// Whether [`remove_links`] waits for the links it could not detach to be released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Wait: nothing in this process holds their programs (`rampart-agent uninstall`, or an
    /// agent removing another build's pins).
    Wait,
    /// Do not: this process holds their programs (an agent stopping for an uninstall), and
    /// they are released when it exits.
    AtExit,
}

/// Detaches and unpins every link pinned under `dir` (recursively), then removes `dir`.
/// Returns how many links there were.
pub fn remove_links(dir: &Path, release: Release) -> Result<usize, UnpinError> {
    let pins = files(dir);
    // Detached now where the link type allows it; the others are freed with their last
    // reference, once the pin is gone (this process's descriptor is closed before that).
    let mut undetached = Vec::new();
    for path in &pins {
        let link = obj_get(path).map_err(|source| UnpinError::Open { path: path.clone(), source })?;
        if !detach(&link) {
            let prog_id =
                link_prog_id(&link).map_err(|source| UnpinError::Open { path: path.clone(), source })?;
            undetached.push((prog_id, path.clone()));
        }
    }
    std::fs::remove_dir_all(dir).map_err(|source| UnpinError::Remove { path: dir.to_owned(), source })?;
    if release == Release::AtExit {
        return Ok(pins.len());
    }
    let deadline = Instant::now() + FREED_WITHIN;
    for (prog_id, path) in undetached {
        while prog_exists(prog_id) {
            if Instant::now() > deadline {
                return Err(UnpinError::StillAttached { prog_id, path });
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    Ok(pins.len())
}

/// The files under `dir`, recursively (none where it cannot be read).
pub(super) fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    collect(dir, &mut out);
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A descriptor of the object pinned at `path`.
fn obj_get(path: &Path) -> io::Result<OwnedFd> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // attr: pathname (u64), bpf_fd, file_flags.
    let fd = bpf(BPF_OBJ_GET, &(c.as_ptr() as u64).to_ne_bytes())?;
    // SAFETY: a descriptor bpf(2) just returned, owned here.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `BPF_LINK_DETACH`; whether the program is off its hook now.
fn detach(link: &OwnedFd) -> bool {
    bpf(BPF_LINK_DETACH, &(link.as_raw_fd() as u32).to_ne_bytes()).is_ok()
}

/// The id of the link's program (`struct bpf_link_info`: type, id, prog_id).
fn link_prog_id(link: &OwnedFd) -> io::Result<u32> {
    let mut info = [0u32; 4];
    let mut head = [0u8; 16];
    // attr.info: bpf_fd, info_len, info (pointer).
    head[0..4].copy_from_slice(&(link.as_raw_fd() as u32).to_ne_bytes());
    head[4..8].copy_from_slice(&(size_of_val(&info) as u32).to_ne_bytes());
    head[8..16].copy_from_slice(&(info.as_mut_ptr() as u64).to_ne_bytes());
    bpf(BPF_OBJ_GET_INFO_BY_FD, &head)?;
    Ok(info[2])
}

/// Whether program `id` is still held by something (a descriptor of it is opened and closed).
fn prog_exists(id: u32) -> bool {
    match bpf(BPF_PROG_GET_FD_BY_ID, &id.to_ne_bytes()) {
        // SAFETY: a descriptor bpf(2) just returned, closed here.
        Ok(fd) => {
            drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
            true
        }
        Err(e) => e.raw_os_error() != Some(libc::ENOENT),
    }
}
