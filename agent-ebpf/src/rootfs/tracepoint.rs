//! The tracepoint tier: syscall tracepoints (`kernel/trace/trace_syscalls.c`).
//!
//! - `sys_exit` of open, openat, openat2 and creat: the new descriptor's `struct file` says
//!   whether it is open for writing (or was created or truncated) and on which mount; a denied
//!   write kills the task before it can write a byte (a creation or truncation already
//!   happened, and the record says so).
//! - `sys_enter` of the path-string operations (mkdir, unlink, rmdir, rename, link, symlink,
//!   mknod, chmod, chown, truncate and their `*at` forms; fchmod, fchown, ftruncate by
//!   descriptor) judges the path; `sys_exit` adds the return value, kills a denied task and
//!   emits. The kill cannot stop the call itself: the record says whether it took effect.
//!
//! One program per argument layout; which operation a syscall is comes from `SYSCALL_OPS`
//! (syscall numbers differ by architecture; the agent fills it).

use agent_common::{
    net::{ACTION_DENY, PodPolicy},
    rootfs::{
        FILE_CREATED, FILE_HAS_RET, FILE_KILLED, FILE_TRUNCATED, FILE_UNRESOLVED, FileRecord, MOUNT_ROOTFS,
        OP_CREATE, OP_IO_URING_SETUP, OP_OPEN_WRITE, OP_RMDIR, OP_SYMLINK, OP_TRUNCATE, OP_UNLINK,
        OP_UNLINKAT, PATH_LEN,
    },
};
use aya_ebpf::{
    helpers::{bpf_probe_read_user, generated::bpf_send_signal},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};

use super::{
    SYSCALL_OPS, Scratch, allowed, decide, dentry_path, emit, fd_file, has_dotdot, in_node_root,
    is_root_mount, judged_pod, mount_kind, path_parts, prepare, raw_target, rename_action, scratch,
    set_target, thread, user_path,
};
use crate::maps::config;

/// Judged operations waiting for their syscall's return.
#[map]
static FILE_PENDING: HashMap<u64, FileRecord> = HashMap::with_max_entries(4096, 0);

const NR: usize = 8;
const SIGKILL: u32 = 9;
const FMODE_WRITE: u32 = 0x2;
const FMODE_CREATED: u32 = 0x10_0000;
const O_TRUNC: u32 = 0o1000;
const AT_FDCWD: i64 = -100;
const AT_REMOVEDIR: i64 = 0x200;
const ENOENT: i64 = 2;
const EEXIST: i64 = 17;
const ENOTDIR: i64 = 20;

#[inline(always)]
fn arg<T>(ctx: &TracePointContext, i: usize) -> Option<T> {
    // SAFETY: reading the tracepoint record (args start at 16, one u64 each).
    unsafe { ctx.read_at(16 + 8 * i) }.ok()
}

#[inline(always)]
fn op_of(ctx: &TracePointContext) -> Option<u32> {
    let nr: i32 = arg_nr(ctx)?;
    // SAFETY: plain lookup.
    unsafe { SYSCALL_OPS.get(&(nr as u32)) }.copied()
}

#[inline(always)]
fn arg_nr(ctx: &TracePointContext) -> Option<i32> {
    // SAFETY: reading the tracepoint record.
    unsafe { ctx.read_at(NR) }.ok()
}

/// `None` becomes "nothing to do" (0) in the entry points.
trait OrZero<T> {
    fn z(self) -> Result<T, u32>;
}

impl<T> OrZero<T> for Option<T> {
    #[inline(always)]
    fn z(self) -> Result<T, u32> {
        self.ok_or(0)
    }
}

entry! {
    #[tracepoint]
    fn rootfs_open_exit(ctx: TracePointContext) -> u32 = try_open_exit(&ctx);
}

/// `sys_exit_open*`/`creat`: judge the new descriptor's file.
fn try_open_exit(ctx: &TracePointContext) -> Result<u32, u32> {
    let fd: i64 = arg(ctx, 0).z()?; // the exit record's `ret`
    if fd < 0 {
        return Ok(0);
    }
    let pod = judged_pod().z()?;
    let cfg = config();
    let file = fd_file(&cfg, fd).z()?;
    // SAFETY: offsets from BTF; reads are checked.
    let (mode, oflags): (u32, u32) = unsafe {
        (
            crate::task::read_field(file, cfg.file_mode).unwrap_or(0),
            crate::task::read_field(file, cfg.file_flags).unwrap_or(0),
        )
    };
    let created = mode & FMODE_CREATED != 0;
    let truncated = oflags & O_TRUNC != 0 && mode & FMODE_WRITE != 0;
    if mode & FMODE_WRITE == 0 && !created {
        return Ok(0);
    }
    // SAFETY: the pointer is only used for checked reads.
    let (mnt, dentry) = path_parts(&cfg, unsafe { file.add(cfg.file_path as usize) });
    if !is_root_mount(&cfg, mnt) {
        return Ok(0);
    }
    let s = scratch().z()?;
    let (len, mut flags) = dentry_path(s, &cfg, mnt, dentry);
    let ok = allowed(s, &pod, len);
    let action = decide(&pod, Some(true), ok, &mut flags).z()?;
    let op = if created {
        flags |= FILE_CREATED;
        OP_CREATE
    } else if truncated {
        flags |= FILE_TRUNCATED;
        OP_TRUNCATE
    } else {
        OP_OPEN_WRITE
    };
    flags |= FILE_HAS_RET;
    if action == ACTION_DENY {
        // SAFETY: helper; signals the current task's process.
        unsafe { bpf_send_signal(SIGKILL) };
        flags |= FILE_KILLED;
    }
    prepare(s, &cfg, op, action, flags, len);
    s.rec.ret = fd;
    emit(&s.rec);
    Ok(0)
}

/// The verdict on `s.buf[..len]` (a path string made absolute): mount from the container's
/// table, then the allowed prefixes.
#[inline(always)]
fn judge_buf(s: &mut Scratch, pod: &PodPolicy, len: usize, flags: &mut u32) -> Option<u8> {
    let cfg = config();
    let kind = mount_kind(s, &cfg, len);
    let ok = allowed(s, pod, len);
    // A runtime before `pivot_root` writes the container's tree from outside it.
    let in_rootfs = if kind != 0 {
        Some(kind == MOUNT_ROOTFS)
    } else if in_node_root(&cfg) {
        Some(false)
    } else {
        None
    };
    decide(pod, in_rootfs, ok, flags)
}

/// [`rootfs_judge_path`] found no path to judge (an empty or unreadable string, or no scratch).
const NO_PATH: u64 = u64::MAX;

/// Build the path string at `user` (relative to `dirfd`) into scratch (`s.buf`) and judge it
/// for a pod with flags `pod_flags` and `allowWrite` set `rootfs_set`. Returns
/// `action << 40 | len << 32 | flags` (action 0: allowed), or [`NO_PATH`].
///
/// A global function (exported, so its BTF linkage is global): the verifier checks it once per
/// program, on its own, with its arguments as unknown scalars, rather than once for every call
/// and every state that reaches one. Inlined, the rename, link and symlink programs verified
/// the path builder (the dentry walk, the string joins, the mount and prefix lookups) two or
/// three times each, 100,000–136,000 instructions, most of the rootfs tier's start. Linux 5.10
/// passes only scalars (and the context) to a global function, hence the pod as two numbers
/// and scratch looked up again here.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn rootfs_judge_path(dirfd: i64, user: u64, pod_flags: u32, rootfs_set: u32) -> u64 {
    let Some(s) = scratch() else { return NO_PATH };
    let cfg = config();
    let Some((len, mut flags)) = user_path(s, &cfg, dirfd, user as *const u8) else { return NO_PATH };
    let pod = PodPolicy { flags: pod_flags, rootfs_set, ..PodPolicy::default() };
    let action = judge_buf(s, &pod, len, &mut flags).unwrap_or(0);
    u64::from(action) << 40 | (len as u64) << 32 | u64::from(flags)
}

/// [`rootfs_judge_path`] as (action, length, flags); the path is in `s.buf`.
#[inline(always)]
fn judge(pod: &PodPolicy, dirfd: i64, user: u64) -> Option<(u8, usize, u32)> {
    let r = rootfs_judge_path(dirfd, user, pod.flags, pod.rootfs_set);
    if r == NO_PATH {
        return None;
    }
    Some(((r >> 40) as u8, (r >> 32) as usize & (PATH_LEN - 1), r as u32))
}

/// Judge the path string at `user` (relative to `dirfd`) for `op`; the record is prepared in
/// scratch when it is to be reported.
#[inline(always)]
fn judge_path(s: &mut Scratch, pod: &PodPolicy, op: u32, dirfd: i64, user: u64) -> Option<u8> {
    let (action, len, flags) = judge(pod, dirfd, user)?;
    if action == 0 {
        return None;
    }
    prepare(s, &config(), op, action, flags, len);
    Some(action)
}

/// Keep the prepared record until the syscall returns (a full table is counted).
#[inline(always)]
fn hold(s: &Scratch) {
    if FILE_PENDING.insert(&thread(), &s.rec, 0).is_err() {
        crate::maps::count_slot(agent_common::record::DROP_FILE_PENDING_FULL);
    }
}

entry! {
    #[tracepoint]
    fn rootfs_enter_path(ctx: TracePointContext) -> u32 = try_enter_path(&ctx);
}

/// mkdir, unlink, rmdir, chmod, chown, lchown, mknod, truncate: `(path, ...)`.
fn try_enter_path(ctx: &TracePointContext) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let op = op_of(ctx).z()?;
    let path: u64 = arg(ctx, 0).z()?;
    let s = scratch().z()?;
    judge_path(s, &pod, op, AT_FDCWD, path).z()?;
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_enter_at(ctx: TracePointContext) -> u32 = try_enter_at(&ctx);
}

/// mkdirat, unlinkat, fchmodat, fchmodat2, fchownat, mknodat: `(dirfd, path, ...)`.
fn try_enter_at(ctx: &TracePointContext) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let mut op = op_of(ctx).z()?;
    let dirfd: i64 = arg(ctx, 0).z()?;
    let path: u64 = arg(ctx, 1).z()?;
    if op == OP_UNLINKAT {
        let flag: i64 = arg(ctx, 2).z()?;
        op = if flag & AT_REMOVEDIR != 0 { OP_RMDIR } else { OP_UNLINK };
    }
    let s = scratch().z()?;
    judge_path(s, &pod, op, dirfd as i32 as i64, path).z()?;
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_enter_two(ctx: TracePointContext) -> u32 = try_enter_two(&ctx, None);

    #[tracepoint]
    fn rootfs_enter_two_at(ctx: TracePointContext) -> u32 = try_enter_two(&ctx, Some(()));
}

/// rename, link `(old, new)`; renameat, renameat2, linkat `(olddirfd, old, newdirfd, new)`.
/// Both write at both ends (the new name is the record's target): a hard link makes the file
/// it links to writable through the new name, so the file linked to is judged as written.
fn try_enter_two(ctx: &TracePointContext, at: Option<()>) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let op = op_of(ctx).z()?;
    let (odir, old, ndir, new): (i64, u64, i64, u64) = match at {
        None => (AT_FDCWD, arg(ctx, 0).z()?, AT_FDCWD, arg(ctx, 1).z()?),
        Some(()) => (arg(ctx, 0).z()?, arg(ctx, 1).z()?, arg(ctx, 2).z()?, arg(ctx, 3).z()?),
    };
    let s = scratch().z()?;
    // The destination first, kept as the target.
    let (new_action, new_len, new_flags) = judge(&pod, ndir as i32 as i64, new).z()?;
    set_target(s, new_len);
    let (old_action, old_len, old_flags) = judge(&pod, odir as i32 as i64, old).z()?;
    let action = rename_action(old_action, new_action).z()?;
    prepare(s, &config(), op, action, old_flags | new_flags, old_len);
    s.rec.target_len = new_len as u16;
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_enter_symlink(ctx: TracePointContext) -> u32 = try_enter_symlink(&ctx, false);

    #[tracepoint]
    fn rootfs_enter_symlinkat(ctx: TracePointContext) -> u32 = try_enter_symlink(&ctx, true);
}

/// symlink `(target, linkpath)`, symlinkat `(target, newdirfd, linkpath)`: the link is the
/// write. This tier judges later writes by their path strings, which cannot show that a
/// directory on the way is a symlink: after `ln -s /etc /tmp/e`, `mv x /tmp/e/x` would be
/// judged at /tmp/e/x and land in /etc. So a symlink is also judged at its target, the stricter
/// end winning (the target is the record's `target`): an absolute target where it points, a
/// relative one with `..` as unresolved (outside every allowed prefix); a relative one without
/// `..` stays under the link's own directory and adds nothing.
fn try_enter_symlink(ctx: &TracePointContext, at: bool) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let target: u64 = arg(ctx, 0).z()?;
    let (dir, path): (i64, u64) =
        if at { (arg(ctx, 1).z()?, arg(ctx, 2).z()?) } else { (AT_FDCWD, arg(ctx, 1).z()?) };
    let s = scratch().z()?;
    // SAFETY: reading one byte of the caller's string.
    let first: u8 = unsafe { bpf_probe_read_user(target as *const u8) }.unwrap_or(0);
    let (target_action, target_len, target_flags) = if first == b'/' {
        let (action, len, flags) = judge(&pod, AT_FDCWD, target).z()?;
        set_target(s, len);
        (action, len, flags)
    } else {
        let len = raw_target(s, target as *const u8);
        if has_dotdot(s) {
            let mut flags = FILE_UNRESOLVED;
            (decide(&pod, Some(true), false, &mut flags).unwrap_or(0), len, flags)
        } else {
            (0, 0, 0)
        }
    };
    let (action, len, flags) = judge(&pod, dir as i32 as i64, path).z()?;
    let action = rename_action(target_action, action).z()?;
    prepare(s, &config(), OP_SYMLINK, action, flags | target_flags, len);
    s.rec.target_len = target_len as u16;
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_enter_uring(ctx: TracePointContext) -> u32 = try_enter_uring(&ctx);
}

/// io_uring_setup: file operations submitted through a ring (`IORING_OP_OPENAT`, `_WRITE`,
/// `_RENAMEAT`, ...) run in the kernel without entering a syscall tracepoint, so this tier
/// could judge none of them. A pod under a `readOnly` rule may not set a ring up: the call is
/// judged as a write this tier cannot place (unresolved: outside every prefix), and under
/// `enforce` the process is killed at its return, before it can submit anything.
fn try_enter_uring(_ctx: &TracePointContext) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let s = scratch().z()?;
    let mut flags = FILE_UNRESOLVED;
    let action = decide(&pod, Some(true), false, &mut flags).z()?;
    s.buf[0] = 0;
    prepare(s, &config(), OP_IO_URING_SETUP, action, flags, 0);
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_enter_fd(ctx: TracePointContext) -> u32 = try_enter_fd(&ctx);
}

/// fchmod, fchown, ftruncate: `(fd, ...)`, judged from the descriptor's file.
fn try_enter_fd(ctx: &TracePointContext) -> Result<u32, u32> {
    let pod = judged_pod().z()?;
    let op = op_of(ctx).z()?;
    let fd: i64 = arg(ctx, 0).z()?;
    let cfg = config();
    let file = fd_file(&cfg, fd as i32 as i64).z()?;
    // SAFETY: the pointer is only used for checked reads.
    let (mnt, dentry) = path_parts(&cfg, unsafe { file.add(cfg.file_path as usize) });
    if !is_root_mount(&cfg, mnt) {
        return Ok(0);
    }
    let s = scratch().z()?;
    let (len, mut flags) = dentry_path(s, &cfg, mnt, dentry);
    let ok = allowed(s, &pod, len);
    let action = decide(&pod, Some(true), ok, &mut flags).z()?;
    prepare(s, &cfg, op, action, flags, len);
    hold(s);
    Ok(0)
}

entry! {
    #[tracepoint]
    fn rootfs_exit(ctx: TracePointContext) -> u32 = try_exit(&ctx);
}

/// The return of a judged path operation: kill a denied task, emit the record.
///
/// A call that failed wrote nothing, so nobody is killed for it. One that failed its lookup
/// (`EEXIST`, `ENOENT`, `ENOTDIR`: `mkdir -p` on a directory that exists) never came near a
/// write, and the LSM tier's hooks would not have run for it: it is not reported either.
/// Other failures (`EACCES`, `EROFS`, ...) are reported as attempts.
fn try_exit(ctx: &TracePointContext) -> Result<u32, u32> {
    let key = thread();
    let rec = FILE_PENDING.get_ptr_mut(&key).z()?;
    let ret: i64 = arg(ctx, 0).z()?;
    let lookup_failed = ret == -ENOENT || ret == -EEXIST || ret == -ENOTDIR;
    if !lookup_failed {
        // SAFETY: a map value, valid during this run; removed after use.
        unsafe {
            (*rec).ret = ret;
            (*rec).flags |= FILE_HAS_RET;
            if (*rec).action == ACTION_DENY && ret >= 0 {
                bpf_send_signal(SIGKILL);
                (*rec).flags |= FILE_KILLED;
            }
            emit(&*rec);
        }
    }
    let _ = FILE_PENDING.remove(&key);
    Ok(0)
}
