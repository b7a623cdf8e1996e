//! Writes to a container's root filesystem: path keys for the string LPM tries, the file record.
//!
//! Two string tries answer the questions about a path (as the container sees it): `MOUNTS`,
//! keyed by mount namespace, says which mount of the container a path is on (the agent fills
//! it from `/proc/PID/mountinfo`; only needed where the kernel has no `struct path` to look
//! at); `ROOTFS_ALLOW`, keyed by rule set, holds the `allowWrite` prefixes. Prefixes are stored
//! with a trailing `/` and paths looked up with one appended, so a prefix matches whole
//! components only (`/tmp` covers `/tmp` and `/tmp/x`, not `/tmpfoo`). The kernel caps an LPM
//! key's data at 256 bytes, so a path is looked up by its first [`KEY_PATH_LEN`] bytes, which
//! is exact for every prefix shorter than that; longer `allowWrite` prefixes are refused.

use crate::record::{RecordHeader, TaskInfo};

pub const MOUNTS_MAP: &str = "MOUNTS";
pub const MNTNS_MAP: &str = "MNTNS";
pub const ROOTFS_ALLOW_MAP: &str = "ROOTFS_ALLOW";
pub const SYSCALL_OPS_MAP: &str = "SYSCALL_OPS";
pub const FILE_DENIES_MAP: &str = "FILE_DENIES";
/// Processes stopped at exec until their mount namespace's table is known: tgid → mount
/// namespace. The kernel adds an entry after it sent the SIGSTOP; the agent learns the table,
/// sends SIGCONT, then removes it.
pub const HELD_MAP: &str = "HELD";

/// Bytes of a path the kernel judges and reports.
pub const PATH_LEN: usize = 256;

/// Path bytes in an LPM key: the kernel's `LPM_DATA_SIZE_MAX` (256) less the table id.
pub const KEY_PATH_LEN: usize = 252;

/// Data of an LPM key over a path: the id of the table (mount namespace or rule set) first,
/// then the path bytes. The key's prefix length is `32 + 8 * bytes`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PathKey {
    pub set: u32,
    pub path: [u8; KEY_PATH_LEN],
}

const _: () = assert!(size_of::<PathKey>() == 256);

/// `MOUNTS` values.
pub const MOUNT_ROOTFS: u32 = 1;
pub const MOUNT_OTHER: u32 = 2;

/// `PodPolicy::flags`: writes to the root filesystem outside `allowWrite` are judged.
pub const ROOTFS_READONLY: u32 = 1 << 16;
/// `PodPolicy::flags`: ... and only reported (every applicable policy is in audit mode).
pub const ROOTFS_AUDIT: u32 = 1 << 17;

/// Operations (`FileRecord::op`, and `SYSCALL_OPS` values).
pub const OP_OPEN_WRITE: u32 = 1;
pub const OP_TRUNCATE: u32 = 2;
pub const OP_CREATE: u32 = 3;
pub const OP_MKDIR: u32 = 4;
pub const OP_UNLINK: u32 = 5;
pub const OP_RMDIR: u32 = 6;
pub const OP_RENAME: u32 = 7;
pub const OP_CHMOD: u32 = 8;
pub const OP_CHOWN: u32 = 9;
pub const OP_LINK: u32 = 10;
pub const OP_SYMLINK: u32 = 11;
/// `unlinkat(.., AT_REMOVEDIR)`: the program picks `OP_RMDIR` from the flag.
pub const OP_UNLINKAT: u32 = 12;
/// `io_uring_setup()` by a pod under a `readOnly` rule, on the `sigkill` tier: operations
/// submitted through a ring enter no syscall tracepoint, so their writes could not be judged.
pub const OP_IO_URING_SETUP: u32 = 13;

/// `FileRecord::flags`: the kernel denied it before the act (LSM, EPERM).
pub const FILE_BLOCKED: u32 = 1 << 0;
/// `FileRecord::flags`: SIGKILL was sent (the operation may have taken effect: see `ret`).
pub const FILE_KILLED: u32 = 1 << 1;
/// `FileRecord::flags`: `ret` holds the syscall's return value.
pub const FILE_HAS_RET: u32 = 1 << 2;
/// `FileRecord::flags`: an open created the file.
pub const FILE_CREATED: u32 = 1 << 3;
/// `FileRecord::flags`: an open truncated the file.
pub const FILE_TRUNCATED: u32 = 1 << 4;
/// `FileRecord::flags`: the path has `..` the kernel could not resolve; judged as a rootfs
/// write outside every allowed prefix.
pub const FILE_UNRESOLVED: u32 = 1 << 5;
/// `FileRecord::flags`: the container's mount table was not known yet.
pub const FILE_UNKNOWN_MOUNTS: u32 = 1 << 6;
/// `FileRecord::flags`: the path (or target path) was longer than [`PATH_LEN`].
pub const FILE_TRUNCATED_PATH: u32 = 1 << 7;

/// A write to a container's root filesystem that a policy judged (denied or audited).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FileRecord {
    pub header: RecordHeader,
    pub task: TaskInfo,
    /// The syscall's return value (with `FILE_HAS_RET`).
    pub ret: i64,
    /// Attempts this record stands for (repeats are folded: see `FILE_DENIES`).
    pub count: u64,
    pub op: u32,
    pub flags: u32,
    /// `net::ACTION_*`.
    pub action: u8,
    pub _pad: [u8; 3],
    pub path_len: u16,
    pub target_len: u16,
    /// The path as the container sees it.
    pub path: [u8; PATH_LEN],
    /// The second path: a rename's destination, a link's new name.
    pub target: [u8; PATH_LEN],
}

const _: () = assert!(size_of::<FileRecord>() == 16 + 56 + 16 + 16 + 2 * PATH_LEN);

/// Key of `FILE_DENIES`: one refused (pod cgroup, operation, path).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileDenyKey {
    pub cgroup_id: u64,
    /// [`path_hash`] of the path.
    pub path_hash: u64,
    pub op: u32,
    pub _pad: u32,
}

const _: () = assert!(size_of::<FileDenyKey>() == 24);

/// FNV-1a over `path[..len]`, eight bytes at a time (the bytes after `len` are not the path's):
/// the path part of a [`FileDenyKey`], computed the same way in the kernel and the agent.
#[inline(always)]
pub fn path_hash(path: &[u8; PATH_LEN], len: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in 0..PATH_LEN / 8 {
        let start = w * 8;
        if start >= len {
            break;
        }
        // SAFETY: `start + 8 <= PATH_LEN`; an unaligned read of plain bytes.
        let mut word = unsafe { path.as_ptr().add(start).cast::<u64>().read_unaligned() };
        let rest = len - start;
        if rest < 8 {
            word &= (1u64 << (rest * 8)) - 1;
        }
        h = (h ^ word).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ len as u64
}
