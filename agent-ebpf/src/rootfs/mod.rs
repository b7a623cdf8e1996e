//! Writes to a container's root filesystem, judged against the pod's `allowWrite` prefixes.
//!
//! "The root filesystem" is the task's root mount (`current->fs->root.mnt`: a container's
//! overlay after pivot_root). Where a hook has a `struct path` or `struct file`, the mount is
//! that path's and the path is built from the dentry, walking up across mounts to the task's
//! root: exactly what the container sees, symlinks and `..` resolved by the kernel. Where only
//! a syscall's path string exists (the tracepoint tier's mkdir, unlink, rename, ...), the string
//! is made absolute with the cwd's or dirfd's dentry path, and the mount comes from the
//! container's mount table (`MOUNTS`, filled by the agent); a `..` there is not resolved and is
//! judged as a write outside every allowed prefix, and a leading `/proc/<process>/root` is cut
//! off (it leads into that process's root, where the rest of the path lands).

pub mod hold;
pub mod lsm;
pub mod tracepoint;

use agent_common::{
    config::KernelConfig,
    net::{ACTION_AUDIT, ACTION_DENY, DenyCount, PodPolicy},
    record::RecordKind,
    rootfs::{
        FILE_TRUNCATED_PATH, FILE_UNKNOWN_MOUNTS, FILE_UNRESOLVED, FileDenyKey, FileRecord, KEY_PATH_LEN,
        PATH_LEN, PathKey, ROOTFS_AUDIT, ROOTFS_READONLY, path_hash,
    },
};
use aya_ebpf::{
    bindings::BPF_F_NO_PREALLOC,
    helpers::{
        bpf_get_current_pid_tgid,
        generated::{
            bpf_ktime_get_boot_ns, bpf_probe_read_kernel, bpf_probe_read_kernel_str, bpf_probe_read_user_str,
        },
    },
    macros::map,
    maps::{HashMap, LpmTrie, PerCpuArray, lpm_trie::Key},
};

use crate::{
    maps::{EVENTS, count_drop, submit_flags},
    pods::{self, PodState},
    task::{self, current_task, read_field},
};

/// Mount points of each container, by mount namespace (value: `MOUNT_ROOTFS`/`MOUNT_OTHER`).
#[map]
pub static MOUNTS: LpmTrie<PathKey, u32> = LpmTrie::with_max_entries(16384, BPF_F_NO_PREALLOC);
/// Mount namespaces whose table is in `MOUNTS`.
#[map]
pub static MNTNS: HashMap<u32, u32> = HashMap::with_max_entries(4096, 0);
/// `allowWrite` prefixes, by rule set.
#[map]
pub static ROOTFS_ALLOW: LpmTrie<PathKey, u32> = LpmTrie::with_max_entries(16384, BPF_F_NO_PREALLOC);
/// Syscall number → `OP_*`, for programs shared by several syscalls (numbers are per arch).
#[map]
pub static SYSCALL_OPS: HashMap<u32, u32> = HashMap::with_max_entries(64, 0);
/// Refused writes → attempts since the first was reported.
#[map]
pub static FILE_DENIES: HashMap<FileDenyKey, DenyCount> = HashMap::with_max_entries(16384, 0);

/// Steps of the walk up from a dentry (path components and mount crossings); a path the walk
/// does not finish is judged as outside every allowed prefix.
pub const WALK: usize = 64;

/// Per-CPU scratch space: keys and buffers too large for the 512-byte stack.
///
/// `steps`, `off` and `cut` are kept here rather than in registers on purpose: the verifier
/// does not track values in map memory, so a loop whose paths differ only in them merges at
/// its head instead of multiplying (see [`hidden`]).
#[repr(C)]
pub struct Scratch {
    pub key: Key<PathKey>,
    /// Path being built; offsets are masked to `PATH_LEN - 1` and writes are at most
    /// `PATH_LEN` long, so the second half is slack the verifier can see.
    pub buf: [u8; 2 * PATH_LEN + 8],
    /// The user's path string.
    pub user: [u8; PATH_LEN],
    /// Name pointers met on the walk, leaf first (0 for a mount crossing).
    pub names: [u64; WALK],
    /// Steps the walk took (`WALK + 1`: it did not reach the root).
    pub steps: u64,
    /// Length of the path in `buf`.
    pub off: u64,
    /// 1 when the path was cut at `PATH_LEN`.
    pub cut: u64,
    /// A rename's destination while its source is judged: action, flags and length.
    pub first: u64,
    /// The last bytes seen by [`has_dotdot`].
    pub window: u64,
    /// The answer of [`mount_kind`].
    pub kind: u64,
    /// The `FILE_*` flags a path builder returns (see [`opaque_path`]).
    pub flags: u64,
    pub rec: FileRecord,
}

/// A value the verifier sees as unknown (a volatile load from map memory).
#[inline(always)]
pub fn hidden(slot: &u64) -> u64 {
    // SAFETY: a plain load from a valid reference.
    unsafe { core::ptr::read_volatile(slot) }
}

/// Store `v` where [`hidden`] reads it.
#[inline(always)]
pub fn hide(slot: &mut u64, v: u64) {
    // SAFETY: a plain store to a valid reference.
    unsafe { core::ptr::write_volatile(slot, v) }
}

#[map]
static SCRATCH: PerCpuArray<Scratch> = PerCpuArray::with_max_entries(1, 0);

#[inline(always)]
pub fn scratch() -> Option<&'static mut Scratch> {
    // SAFETY: per-CPU slot; programs do not nest on one CPU for these hooks.
    SCRATCH.get_ptr_mut(0).map(|p| unsafe { &mut *p })
}

/// The pod policy of the current task, if its root filesystem is judged.
#[inline(always)]
pub fn judged_pod() -> Option<PodPolicy> {
    match pods::current(&pods::runtime()).0 {
        PodState::Pod(p) if p.flags & ROOTFS_READONLY != 0 => Some(p),
        _ => None,
    }
}

/// The current task's root (vfsmount, dentry).
#[inline(always)]
pub fn task_root(cfg: &KernelConfig) -> (*const u8, *const u8) {
    // SAFETY: offsets from BTF; reads are checked.
    unsafe {
        let fs: *const u8 = read_field(current_task(), cfg.task_fs).unwrap_or(core::ptr::null());
        let mnt = read_field(fs, cfg.fs_root + cfg.path_mnt).unwrap_or(core::ptr::null());
        let dentry = read_field(fs, cfg.fs_root + cfg.path_dentry).unwrap_or(core::ptr::null());
        (mnt, dentry)
    }
}

/// The `struct file` of the current task's descriptor `fd`.
#[inline(always)]
pub fn fd_file(cfg: &KernelConfig, fd: i64) -> Option<*const u8> {
    if fd < 0 {
        return None;
    }
    // SAFETY: offsets from BTF; reads are checked; the index is bounded by max_fds.
    unsafe {
        let files: *const u8 = read_field(current_task(), cfg.task_files).ok()?;
        let fdt: *const u8 = read_field(files, cfg.files_fdt).ok()?;
        let max: u32 = read_field(fdt, cfg.fdtable_max_fds).ok()?;
        if fd as u64 >= u64::from(max) {
            return None;
        }
        let array: *const *const u8 = read_field(fdt, cfg.fdtable_fd).ok()?;
        let file: *const u8 = aya_ebpf::helpers::bpf_probe_read_kernel(array.add(fd as usize)).ok()?;
        (!file.is_null()).then_some(file)
    }
}

/// (vfsmount, dentry) of a `struct path` at `path`.
#[inline(always)]
pub fn path_parts(cfg: &KernelConfig, path: *const u8) -> (*const u8, *const u8) {
    // SAFETY: offsets from BTF; reads are checked.
    unsafe {
        (
            read_field(path, cfg.path_mnt).unwrap_or(core::ptr::null()),
            read_field(path, cfg.path_dentry).unwrap_or(core::ptr::null()),
        )
    }
}

/// Walk up from (`mnt`, `dentry`) to the task's root, keeping the names met in `s.names` and
/// the number of steps in `s.steps` (left at `WALK + 1` when the walk does not reach the root).
///
/// A failed read ends the walk unfinished (unresolved) rather than going on with a null
/// pointer: a null the verifier knows is a constant it tracks precisely, and every iteration
/// would spawn its own copy of the rest of the walk (seconds of verification under emulation).
#[inline(always)]
fn walk_up(s: &mut Scratch, cfg: &KernelConfig, mnt: *const u8, dentry: *const u8) -> Option<()> {
    let (root_mnt, root_dentry) = task_root(cfg);
    if root_mnt.is_null() || root_dentry.is_null() || mnt.is_null() || dentry.is_null() {
        return None;
    }
    // SAFETY: kernel pointers are only dereferenced through checked reads.
    let mut mount = unsafe { mnt.sub(cfg.mount_mnt as usize) };
    let mut d = dentry;
    for i in 0..WALK {
        // SAFETY: as above.
        let vfs = unsafe { mount.add(cfg.mount_mnt as usize) };
        if d == root_dentry && vfs == root_mnt {
            hide(&mut s.steps, i as u64);
            return Some(());
        }
        // SAFETY: as above.
        let mnt_root: *const u8 = unsafe { read_field(vfs, cfg.vfsmount_root) }.ok()?;
        if d == mnt_root {
            // The top of this mount: continue from its mount point in the parent mount.
            // SAFETY: as above.
            let parent: *const u8 = unsafe { read_field(mount, cfg.mount_parent) }.ok()?;
            if parent == mount {
                hide(&mut s.steps, i as u64);
                return Some(());
            }
            // SAFETY: as above.
            d = unsafe { read_field(mount, cfg.mount_mountpoint) }.ok()?;
            mount = parent;
            s.names[i] = 0;
            continue;
        }
        // SAFETY: as above.
        s.names[i] = unsafe { read_field::<u64>(d, cfg.dentry_name) }.unwrap_or(0);
        // SAFETY: as above.
        let parent: *const u8 = unsafe { read_field(d, cfg.dentry_parent) }.ok()?;
        if parent == d {
            hide(&mut s.steps, i as u64 + 1);
            return Some(());
        }
        d = parent;
    }
    None
}

/// Write the path of (`mnt`, `dentry`) as the current task sees it into `s.buf`, walking up
/// dentries and across mounts to the task's root. Returns its length (without NUL) and
/// `FILE_*` flags: `FILE_TRUNCATED_PATH` when cut at `PATH_LEN` (the prefix is kept, so the
/// verdict stays exact), plus `FILE_UNRESOLVED` when the walk did not reach the root.
#[inline(always)]
pub fn dentry_path(s: &mut Scratch, cfg: &KernelConfig, mnt: *const u8, dentry: *const u8) -> (usize, u32) {
    hide(&mut s.steps, WALK as u64 + 1);
    walk_up(s, cfg, mnt, dentry);
    hide(&mut s.off, 0);
    hide(&mut s.cut, 0);
    for j in 0..WALK as u64 {
        let steps = hidden(&s.steps).min(WALK as u64);
        if j >= steps {
            break;
        }
        let name = s.names[(steps - 1 - j) as usize & (WALK - 1)];
        if name == 0 {
            continue;
        }
        let o = hidden(&s.off) as usize & (PATH_LEN - 1);
        s.buf[o] = b'/';
        // SAFETY: writes at most PATH_LEN bytes starting below PATH_LEN in a 2*PATH_LEN buffer.
        let len = unsafe {
            bpf_probe_read_kernel_str(s.buf.as_mut_ptr().add(o + 1).cast(), PATH_LEN as u32, name as *const _)
        };
        if len <= 0 {
            break;
        }
        let end = o + len as usize; // len counts the NUL: `/` + name
        if end >= PATH_LEN - 1 {
            hide(&mut s.off, PATH_LEN as u64 - 1);
            hide(&mut s.cut, 1);
            break;
        }
        hide(&mut s.off, end as u64);
    }
    let mut flags = 0;
    if hidden(&s.cut) != 0 {
        flags |= FILE_TRUNCATED_PATH;
    }
    if hidden(&s.steps) > WALK as u64 {
        flags |= FILE_TRUNCATED_PATH | FILE_UNRESOLVED;
    }
    if hidden(&s.off) == 0 {
        s.buf[0] = b'/';
        s.buf[1] = 0;
        hide(&mut s.off, 1);
    }
    opaque_path(s, flags)
}

/// A built path's (length, flags) as the verifier sees them: unknown scalars, read back from
/// scratch. Returned as constants, every combination of flags and the root's length 1 would
/// be verified separately through everything the caller does next (its loops included).
#[inline(always)]
fn opaque_path(s: &mut Scratch, flags: u32) -> (usize, u32) {
    hide(&mut s.flags, u64::from(flags));
    (hidden(&s.off) as usize & (PATH_LEN - 1), hidden(&s.flags) as u32)
}

/// Build the absolute path (as the container sees it) of the user path string at `user`,
/// relative to `dirfd` (or the cwd) into `s.buf`. Returns (length, `FILE_*` flags).
#[inline(always)]
pub fn user_path(s: &mut Scratch, cfg: &KernelConfig, dirfd: i64, user: *const u8) -> Option<(usize, u32)> {
    // SAFETY: reading a user string into a buffer of its size.
    let n = unsafe { bpf_probe_read_user_str(s.user.as_mut_ptr().cast(), PATH_LEN as u32, user.cast()) };
    if n <= 1 {
        return None;
    }
    let mut flags = 0;
    if s.user[0] == b'/' {
        // SAFETY: a kernel copy between two buffers of at least PATH_LEN bytes.
        unsafe { bpf_probe_read_kernel(s.buf.as_mut_ptr().cast(), PATH_LEN as u32, s.user.as_ptr().cast()) };
        hide(&mut s.off, (n - 1) as u64);
    } else {
        const AT_FDCWD: i64 = -100;
        let (mnt, dentry) = if dirfd == AT_FDCWD {
            // SAFETY: offsets from BTF; reads are checked.
            let fs: *const u8 =
                unsafe { read_field(current_task(), cfg.task_fs) }.unwrap_or(core::ptr::null());
            // SAFETY: the pointer is only used for checked reads.
            path_parts(cfg, unsafe { fs.add(cfg.fs_pwd as usize) })
        } else {
            let file = fd_file(cfg, dirfd)?;
            // SAFETY: as above.
            path_parts(cfg, unsafe { file.add(cfg.file_path as usize) })
        };
        let (base, base_flags) = dentry_path(s, cfg, mnt, dentry);
        flags |= base_flags;
        let o = if base == 1 { 0 } else { base & (PATH_LEN - 1) };
        s.buf[o] = b'/';
        // SAFETY: at most PATH_LEN bytes from below PATH_LEN in a 2*PATH_LEN buffer.
        let m = unsafe {
            bpf_probe_read_kernel_str(
                s.buf.as_mut_ptr().add(o + 1).cast(),
                PATH_LEN as u32,
                s.user.as_ptr().cast(),
            )
        };
        let total = o + m.max(1) as usize;
        if total >= PATH_LEN - 1 {
            flags |= FILE_TRUNCATED_PATH;
            hide(&mut s.off, PATH_LEN as u64 - 1);
        } else {
            hide(&mut s.off, total as u64);
        }
    }
    let len = hidden(&s.off) as usize & (PATH_LEN - 1);
    let cut = proc_root_len(s, len);
    if cut != 0 {
        strip(s, cut, len);
    }
    if has_dotdot(s) {
        flags |= FILE_UNRESOLVED;
    }
    Some(opaque_path(s, flags))
}

/// A byte of the path being built.
#[inline(always)]
fn at(s: &Scratch, i: usize) -> u8 {
    s.buf[i & (PATH_LEN - 1)]
}

#[inline(always)]
fn literal(s: &Scratch, i: usize, text: &[u8]) -> bool {
    let mut k = 0;
    while k < text.len() {
        if at(s, i + k) != text[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// The end of a `/`-terminated run of 1 to 10 digits at `i` (past the slash).
#[inline(always)]
fn number(s: &Scratch, i: usize) -> Option<usize> {
    let mut n = 0;
    while n < 10 && at(s, i + n).is_ascii_digit() {
        n += 1;
    }
    (n > 0 && at(s, i + n) == b'/').then_some(i + n + 1)
}

/// The length of a leading `/proc/<process>/root` (`self`, `thread-self`, a pid, or
/// `<pid>/task/<tid>`) in the path being built, followed by `/` or its end; 0 for any other
/// path. Such a path is a magic link to that process's root: in a container, its root
/// filesystem, where the write lands, and not on the `/proc` mount its string names.
#[inline(always)]
fn proc_root_len(s: &Scratch, len: usize) -> usize {
    if !literal(s, 0, b"/proc/") {
        return 0;
    }
    let process = if literal(s, 6, b"self/") {
        11
    } else if literal(s, 6, b"thread-self/") {
        18
    } else {
        let Some(e) = number(s, 6) else { return 0 };
        if literal(s, e, b"task/") {
            let Some(t) = number(s, e + 5) else { return 0 };
            t
        } else {
            e
        }
    };
    let end = process + 4;
    if !literal(s, process, b"root") || end > len || (at(s, end) != b'/' && at(s, end) != 0) {
        return 0;
    }
    end
}

/// Cut the first `cut` bytes off the `len`-byte path being built (through the user buffer,
/// which then holds the rest); nothing left is the root, `/`.
#[inline(always)]
fn strip(s: &mut Scratch, cut: usize, len: usize) {
    let rest = len.saturating_sub(cut);
    if rest == 0 {
        s.buf[0] = b'/';
        s.buf[1] = 0;
        s.user[0] = b'/';
        s.user[1] = 0;
        hide(&mut s.off, 1);
        return;
    }
    // SAFETY: kernel copies of PATH_LEN bytes: from below PATH_LEN in the 2*PATH_LEN buffer into
    // the PATH_LEN user buffer, and back.
    unsafe {
        bpf_probe_read_kernel(
            s.user.as_mut_ptr().cast(),
            PATH_LEN as u32,
            s.buf.as_ptr().add(cut & (PATH_LEN - 1)).cast(),
        );
        bpf_probe_read_kernel(s.buf.as_mut_ptr().cast(), PATH_LEN as u32, s.user.as_ptr().cast());
    }
    hide(&mut s.off, rest as u64);
}

/// Whether the path string in `s.user` has a `..` component: a window of the last bytes (kept
/// in scratch, see [`hidden`]), checked at each `/` and at the end (a leading `/` is assumed,
/// so a relative `../x` counts).
#[inline(always)]
pub fn has_dotdot(s: &mut Scratch) -> bool {
    const SLASH_DOT_DOT: u64 = u64::from_be_bytes([0, 0, 0, 0, 0, b'/', b'.', b'.']);
    hide(&mut s.window, u64::from(b'/'));
    for i in 0..PATH_LEN {
        let b = s.user[i];
        if (b == b'/' || b == 0) && hidden(&s.window) & 0x00ff_ffff == SLASH_DOT_DOT {
            return true;
        }
        if b == 0 {
            break;
        }
        let next = (hidden(&s.window) << 8) | u64::from(b);
        hide(&mut s.window, next);
    }
    false
}

/// Put `s.buf[..len]` + `/` in the lookup key for table `set` (at most [`KEY_PATH_LEN`] bytes).
#[inline(always)]
fn key_for(s: &mut Scratch, set: u32, len: usize) {
    s.key.data.set = set;
    // SAFETY: kernel copy into a KEY_PATH_LEN buffer from a larger one.
    unsafe {
        bpf_probe_read_kernel(s.key.data.path.as_mut_ptr().cast(), KEY_PATH_LEN as u32, s.buf.as_ptr().cast())
    };
    if len < KEY_PATH_LEN {
        s.key.data.path[len] = b'/';
        s.key.prefix_len = 32 + 8 * (len as u32 + 1);
    } else {
        s.key.prefix_len = 32 + 8 * KEY_PATH_LEN as u32;
    }
}

/// Whether `s.buf[..len]` is under one of the rule set's `allowWrite` prefixes.
#[inline(always)]
pub fn allowed(s: &mut Scratch, pod: &PodPolicy, len: usize) -> bool {
    key_for(s, pod.rootfs_set, len);
    ROOTFS_ALLOW.get(&s.key).is_some()
}

/// Whether the current task's root is still the node's root filesystem: a runtime setting a
/// container up before `pivot_root` (`RuntimeConfig::host_root_dev`), not yet inside it.
#[inline(always)]
pub fn in_node_root(cfg: &KernelConfig) -> bool {
    let node = pods::runtime().host_root_dev;
    if node == 0 {
        return false;
    }
    let (mnt, _) = task_root(cfg);
    // SAFETY: offsets from BTF; reads are checked.
    let dev: u32 = unsafe {
        let sb: *const u8 = read_field(mnt, cfg.vfsmount_sb).unwrap_or(core::ptr::null());
        read_field(sb, cfg.sb_dev).unwrap_or(0)
    };
    dev == node
}

/// The current task's mount namespace (its inode number; 0 when unreadable).
#[inline(always)]
pub fn current_mntns(cfg: &KernelConfig) -> u32 {
    // SAFETY: offsets from BTF; reads are checked.
    unsafe {
        let ns: *const u8 = read_field(current_task(), cfg.task_nsproxy).unwrap_or(core::ptr::null());
        let mnt_ns: *const u8 = read_field(ns, cfg.nsproxy_mnt_ns).unwrap_or(core::ptr::null());
        read_field(mnt_ns, cfg.mnt_ns_inum).unwrap_or(0)
    }
}

/// The mount kind of `s.buf[..len]` in the current task's mount namespace, from `MOUNTS`
/// (`MOUNT_ROOTFS`, `MOUNT_OTHER`), 0 when that namespace's table is not known yet. The
/// answer goes through scratch memory: a plain register here tempts LLVM into merging paths in
/// a way the verifier refuses.
#[inline(always)]
pub fn mount_kind(s: &mut Scratch, cfg: &KernelConfig, len: usize) -> u32 {
    hide(&mut s.kind, 0);
    let mntns = current_mntns(cfg);
    // SAFETY: plain lookup.
    if unsafe { MNTNS.get(&mntns) }.is_some() {
        key_for(s, mntns, len);
        if let Some(kind) = MOUNTS.get(&s.key) {
            hide(&mut s.kind, u64::from(*kind));
        }
    }
    hidden(&s.kind) as u32
}

/// The verdict on a judged write: `Some(action)` to report it (deny or audit), `None` when
/// allowed. For path strings, `in_rootfs` is the mount table's answer (`None`: the table is
/// not known yet, and the write is reported, not stopped) and `flags` the path's.
#[inline(always)]
pub fn decide(pod: &PodPolicy, in_rootfs: Option<bool>, allowed: bool, flags: &mut u32) -> Option<u8> {
    let unresolved = *flags & FILE_UNRESOLVED != 0;
    if in_rootfs == Some(false) && !unresolved {
        return None;
    }
    if allowed && !unresolved {
        return None;
    }
    if in_rootfs.is_none() {
        *flags |= FILE_UNKNOWN_MOUNTS;
        return Some(ACTION_AUDIT);
    }
    Some(if pod.flags & ROOTFS_AUDIT != 0 { ACTION_AUDIT } else { ACTION_DENY })
}

/// Keep a rename destination's verdict (action, 0 when allowed), path length and flags in
/// scratch while the source is judged: hidden from the verifier, so the source's walk is
/// verified once rather than once per destination outcome.
#[inline(always)]
pub fn keep_first(s: &mut Scratch, action: u8, len: usize, flags: u32) {
    hide(&mut s.first, u64::from(action) << 56 | (len as u64 & 0x1ff) << 32 | u64::from(flags));
}

/// What [`keep_first`] kept: (action, length, flags).
#[inline(always)]
pub fn take_first(s: &Scratch) -> (u8, u16, u32) {
    let first = hidden(&s.first);
    ((first >> 56) as u8, (first >> 32) as u16 & 0x1ff, first as u32)
}

/// A rename's action from its two ends (0: allowed): a denial at either end wins.
#[inline(always)]
pub fn rename_action(old: u8, new: u8) -> Option<u8> {
    if old == ACTION_DENY || new == ACTION_DENY {
        Some(ACTION_DENY)
    } else if old != 0 {
        Some(old)
    } else if new != 0 {
        Some(new)
    } else {
        None
    }
}

/// Fill `s.rec` for a judged write of `op` on `s.buf[..len]` (the target, if any, is copied
/// by the caller).
#[inline(always)]
pub fn prepare(s: &mut Scratch, cfg: &KernelConfig, op: u32, action: u8, flags: u32, len: usize) {
    let rec = &mut s.rec;
    rec.header.kind = RecordKind::File as u32;
    rec.header.size = size_of::<FileRecord>() as u32;
    // SAFETY: helper without preconditions.
    rec.header.boot_ns = unsafe { bpf_ktime_get_boot_ns() };
    task::fill(&mut rec.task, cfg);
    rec.ret = 0;
    rec.count = 1;
    rec.op = op;
    rec.flags = flags;
    rec.action = action;
    rec._pad = [0; 3];
    rec.path_len = len as u16;
    rec.target_len = 0;
    // SAFETY: kernel copy between buffers of at least PATH_LEN bytes.
    unsafe { bpf_probe_read_kernel(rec.path.as_mut_ptr().cast(), PATH_LEN as u32, s.buf.as_ptr().cast()) };
}

/// Read the user string at `user` into `s.user` and copy it, as it is, into the record's
/// target; returns its length.
#[inline(always)]
pub fn raw_target(s: &mut Scratch, user: *const u8) -> usize {
    // SAFETY: reading a user string into a buffer of its size.
    let n = unsafe { bpf_probe_read_user_str(s.user.as_mut_ptr().cast(), PATH_LEN as u32, user.cast()) };
    // SAFETY: kernel copy between buffers of PATH_LEN bytes.
    unsafe {
        bpf_probe_read_kernel(s.rec.target.as_mut_ptr().cast(), PATH_LEN as u32, s.user.as_ptr().cast())
    };
    (n.max(1) as usize - 1) & (PATH_LEN - 1)
}

/// Copy `s.buf[..len]` into the record's target path.
#[inline(always)]
pub fn set_target(s: &mut Scratch, len: usize) {
    s.rec.target_len = len as u16;
    // SAFETY: kernel copy between buffers of at least PATH_LEN bytes.
    unsafe {
        bpf_probe_read_kernel(s.rec.target.as_mut_ptr().cast(), PATH_LEN as u32, s.buf.as_ptr().cast())
    };
}

/// Emit `rec` unless the same refusal was recorded before (then it is only counted).
#[inline(always)]
pub fn emit(rec: &FileRecord) {
    let key = FileDenyKey {
        cgroup_id: rec.task.cgroup_id,
        path_hash: path_hash(&rec.path, usize::from(rec.path_len)),
        op: rec.op,
        _pad: 0,
    };
    if let Some(seen) = FILE_DENIES.get_ptr_mut(&key) {
        // SAFETY: a map value, valid during this run; the count is bumped atomically (attempts
        // race on every CPU), the time is whichever attempt wrote last.
        unsafe {
            crate::maps::add(&raw mut (*seen).count, 1);
            (*seen).last_ns = rec.header.boot_ns;
        }
        return;
    }
    let first = DenyCount {
        count: 0,
        last_ns: rec.header.boot_ns,
        pid: rec.task.pid,
        action: rec.action,
        _pad: [0; 3],
        comm: rec.task.comm,
    };
    let _ = FILE_DENIES.insert(&key, &first, 0);
    if EVENTS.output::<FileRecord>(rec, submit_flags()).is_err() {
        count_drop(RecordKind::File);
    }
}

/// The current thread's id (for pending maps).
#[inline(always)]
pub fn thread() -> u64 {
    bpf_get_current_pid_tgid()
}

/// Whether the mount `mnt` is the current task's root mount.
#[inline(always)]
pub fn is_root_mount(cfg: &KernelConfig, mnt: *const u8) -> bool {
    task_root(cfg).0 == mnt
}
