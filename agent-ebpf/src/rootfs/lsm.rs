//! The `lsm` tier: deny a write to the root filesystem with EPERM before it happens.
//!
//! Hooks (`security/security.c`, BPF LSM; the `path_*` ones need CONFIG_SECURITY_PATH, which
//! distribution kernels have): `file_open` (an open for writing), `file_truncate` (6.2+), `path_mknod` (every creation
//! of a file, O_CREAT included, before it happens), `path_mkdir`, `path_unlink`, `path_rmdir`,
//! `path_rename` and `path_link` (both ends), `path_symlink`, `path_truncate`, `path_chmod`,
//! `path_chown`. Each has a mount and a dentry, so the mount and the path are exact. An LSM
//! program passes on a non-zero verdict of an earlier one (its last argument); every entry
//! point returns through [`lsm_ret::verdict`], so the 6.10+ verifier can bound it.

use agent_common::{
    config::KernelConfig,
    net::{ACTION_DENY, PodPolicy},
    rootfs::{
        FILE_BLOCKED, OP_CHMOD, OP_CHOWN, OP_CREATE, OP_LINK, OP_MKDIR, OP_OPEN_WRITE, OP_RENAME, OP_RMDIR,
        OP_SYMLINK, OP_TRUNCATE, OP_UNLINK,
    },
};
use aya_ebpf::{
    macros::{lsm, map},
    maps::ProgramArray,
    programs::LsmContext,
};

use super::{
    allowed, decide, dentry_path, emit, is_root_mount, judged_pod, keep_first, path_parts, prepare,
    rename_action, scratch, set_target, take_first,
};
use crate::{lsm_ret, maps::config, task::read_field};

const FMODE_WRITE: u32 = 0x2;
const O_TRUNC: u32 = 0o1000;
const FMODE_CREATED: u32 = 0x10_0000;
/// A file the kernel opened for itself (`alloc_empty_file_noaccount`): overlayfs's open of the
/// upper file behind the container's (6.1 `open_with_fake_path`, 6.6+ backing files). The
/// container's own open was judged already.
const FMODE_NOACCOUNT: u32 = 0x2000_0000;

/// Judge a write at (`mnt`, `dentry`); `Some(action)` with the record prepared when reported.
#[inline(always)]
fn judge(cfg: &KernelConfig, pod: &PodPolicy, op: u32, mnt: *const u8, dentry: *const u8) -> Option<u8> {
    if !is_root_mount(cfg, mnt) {
        return None;
    }
    let s = scratch()?;
    let (len, mut flags) = dentry_path(s, cfg, mnt, dentry);
    let ok = allowed(s, pod, len);
    let action = decide(pod, Some(true), ok, &mut flags)?;
    prepare(s, cfg, op, action, flags | FILE_BLOCKED, len);
    Some(action)
}

/// Emit the prepared record; -EPERM for a denial.
#[inline(always)]
fn verdict(action: Option<u8>) -> i32 {
    let Some(action) = action else { return 0 };
    let Some(s) = scratch() else { return 0 };
    if action != ACTION_DENY {
        s.rec.flags &= !FILE_BLOCKED;
    }
    emit(&s.rec);
    if action == ACTION_DENY { lsm_ret::DENY } else { 0 }
}

/// (dir, dentry) hooks: the dentry is the child of `dir` being created or removed.
#[inline(always)]
fn at_dir(ctx: &LsmContext, op: u32, prev: usize) -> i32 {
    let before: i32 = ctx.arg(prev);
    if before != 0 {
        return before;
    }
    let Some(pod) = judged_pod() else { return 0 };
    let cfg = config();
    let (dir, dentry): (*const u8, *const u8) = (ctx.arg(0), ctx.arg(1));
    let (mnt, _) = path_parts(&cfg, dir);
    verdict(judge(&cfg, &pod, op, mnt, dentry))
}

/// `struct path *` hooks.
#[inline(always)]
fn at_path(ctx: &LsmContext, op: u32, prev: usize) -> i32 {
    let before: i32 = ctx.arg(prev);
    if before != 0 {
        return before;
    }
    let Some(pod) = judged_pod() else { return 0 };
    let cfg = config();
    let (mnt, dentry) = path_parts(&cfg, ctx.arg(0));
    verdict(judge(&cfg, &pod, op, mnt, dentry))
}

/// `struct file *` hooks: judged at the file's mount and dentry, unless the kernel opened the
/// file for itself; `file_open` only for an open for writing of an existing file.
#[inline(always)]
fn at_file(ctx: &LsmContext, op: u32) -> i32 {
    let before: i32 = ctx.arg(1);
    if before != 0 {
        return before;
    }
    let Some(pod) = judged_pod() else { return 0 };
    let cfg = config();
    let file: *const u8 = ctx.arg(0);
    // SAFETY: offsets from BTF; reads are checked.
    let mode: u32 = unsafe { read_field(file, cfg.file_mode) }.unwrap_or(0);
    // A file this open created was judged by `path_mknod` already; one it truncates is judged
    // once, by the truncate hook that runs next (`handle_truncate()`: `file_truncate` on 6.2+,
    // `path_truncate` before), and reported as the truncate it is.
    // SAFETY: as above.
    let oflags: u32 = unsafe { read_field(file, cfg.file_flags) }.unwrap_or(0);
    let not_a_write = op == OP_OPEN_WRITE
        && (mode & FMODE_WRITE == 0 || mode & FMODE_CREATED != 0 || oflags & O_TRUNC != 0);
    if not_a_write || mode & FMODE_NOACCOUNT != 0 {
        return 0;
    }
    // SAFETY: the pointer is only used for checked reads.
    let (mnt, dentry) = path_parts(&cfg, unsafe { file.add(cfg.file_path as usize) });
    verdict(judge(&cfg, &pod, op, mnt, dentry))
}

/// `int file_open(struct file *file)`
#[lsm(hook = "file_open")]
pub fn lsm_file_open(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_file(&ctx, OP_OPEN_WRITE))
}

/// `int file_truncate(struct file *file)` (6.2 and later): `ftruncate()` and `open(O_TRUNC)`,
/// which before 6.2 went through `path_truncate`.
#[lsm(hook = "file_truncate")]
pub fn lsm_file_truncate(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_file(&ctx, OP_TRUNCATE))
}

/// `int path_mknod(const struct path *dir, struct dentry *dentry, umode_t mode, unsigned int dev)`
#[lsm(hook = "path_mknod")]
pub fn lsm_path_mknod(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_dir(&ctx, OP_CREATE, 4))
}

/// `int path_mkdir(const struct path *dir, struct dentry *dentry, umode_t mode)`
#[lsm(hook = "path_mkdir")]
pub fn lsm_path_mkdir(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_dir(&ctx, OP_MKDIR, 3))
}

/// `int path_unlink(const struct path *dir, struct dentry *dentry)`
#[lsm(hook = "path_unlink")]
pub fn lsm_path_unlink(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_dir(&ctx, OP_UNLINK, 2))
}

/// `int path_rmdir(const struct path *dir, struct dentry *dentry)`
#[lsm(hook = "path_rmdir")]
pub fn lsm_path_rmdir(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_dir(&ctx, OP_RMDIR, 2))
}

/// `int path_symlink(const struct path *dir, struct dentry *dentry, const char *old_name)`
#[lsm(hook = "path_symlink")]
pub fn lsm_path_symlink(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_dir(&ctx, OP_SYMLINK, 3))
}

/// `int path_truncate(const struct path *path)`
#[lsm(hook = "path_truncate")]
pub fn lsm_path_truncate(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_path(&ctx, OP_TRUNCATE, 1))
}

/// `int path_chmod(const struct path *path, umode_t mode)`
#[lsm(hook = "path_chmod")]
pub fn lsm_path_chmod(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_path(&ctx, OP_CHMOD, 2))
}

/// `int path_chown(const struct path *path, kuid_t uid, kgid_t gid)`
#[lsm(hook = "path_chown")]
pub fn lsm_path_chown(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(at_path(&ctx, OP_CHOWN, 3))
}

/// A write at both ends (a rename, a hard link), first half: the new name, at (`dir`'s mount,
/// `dentry`), judged and kept in scratch as the record's target; then the source is judged by
/// the second half, reached by tail call through `source` (one dentry walk per program keeps
/// each under the verifier's instruction budget: 6.12 refuses two walks in one). Returns only
/// when that tail call failed (the agent fills the map before attaching): the new name's
/// verdict alone, the record naming it at both ends.
#[inline(always)]
fn first_end(ctx: &LsmContext, op: u32, source: &ProgramArray, dir: *const u8, dentry: *const u8) -> i32 {
    let Some(pod) = judged_pod() else { return 0 };
    let cfg = config();
    let (mnt, _) = path_parts(&cfg, dir);
    let Some(s) = scratch() else { return 0 };
    // Both paths are built (an end on a volume is named too); only rootfs ends are judged.
    let (len, mut flags) = dentry_path(s, &cfg, mnt, dentry);
    let ok = allowed(s, &pod, len);
    let action = decide(&pod, Some(is_root_mount(&cfg, mnt)), ok, &mut flags).unwrap_or(0);
    set_target(s, len);
    keep_first(s, action, len, flags);
    // SAFETY: the map holds the second half, loaded for this same hook.
    unsafe { source.tail_call(ctx, 0) };
    let Some(action) = rename_action(0, action) else { return 0 };
    prepare(s, &cfg, op, action, flags | FILE_BLOCKED, len);
    s.rec.target_len = len as u16;
    verdict(Some(action))
}

/// The second half: the source at (`dir`'s mount, `dentry`), with the new name's verdict in
/// scratch. The stricter of the two ends wins; the record names the source, the new name as
/// its target.
#[inline(always)]
fn second_end(op: u32, dir: *const u8, dentry: *const u8) -> i32 {
    let Some(pod) = judged_pod() else { return 0 };
    let cfg = config();
    let (mnt, _) = path_parts(&cfg, dir);
    let Some(s) = scratch() else { return 0 };
    let (len, mut flags) = dentry_path(s, &cfg, mnt, dentry);
    let ok = allowed(s, &pod, len);
    let action = decide(&pod, Some(is_root_mount(&cfg, mnt)), ok, &mut flags).unwrap_or(0);
    let (new_action, new_len, new_flags) = take_first(s);
    let Some(action) = rename_action(action, new_action) else { return 0 };
    prepare(s, &cfg, op, action, flags | new_flags | FILE_BLOCKED, len);
    s.rec.target_len = new_len;
    verdict(Some(action))
}

/// `int path_link(struct dentry *old_dentry, const struct path *new_dir, struct dentry *new_dentry)`.
/// A hard link is a write at both ends: through the new name the file's content can be
/// rewritten, so linking a file the policy protects into an allowed directory is refused like
/// writing it. The new name first; then [`lsm_path_link_source`].
#[lsm(hook = "path_link")]
pub fn lsm_path_link(ctx: LsmContext) -> i32 {
    let before: i32 = ctx.arg(3);
    if before != 0 {
        return lsm_ret::verdict(before);
    }
    lsm_ret::verdict(first_end(&ctx, OP_LINK, &LINK_SOURCE, ctx.arg(1), ctx.arg(2)))
}

#[map]
static LINK_SOURCE: ProgramArray = ProgramArray::with_max_entries(1, 0);

/// `path_link`'s source end, never attached: the file linked to, on the new name's mount (a
/// link never crosses one).
#[lsm(hook = "path_link")]
pub fn lsm_path_link_source(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(second_end(OP_LINK, ctx.arg(1), ctx.arg(0)))
}

/// `int path_rename(const struct path *old_dir, struct dentry *old_dentry,
/// const struct path *new_dir, struct dentry *new_dentry, unsigned int flags)`: the
/// destination first; then [`lsm_path_rename_source`].
#[lsm(hook = "path_rename")]
pub fn lsm_path_rename(ctx: LsmContext) -> i32 {
    let before: i32 = ctx.arg(5);
    if before != 0 {
        return lsm_ret::verdict(before);
    }
    lsm_ret::verdict(first_end(&ctx, OP_RENAME, &RENAME_SOURCE, ctx.arg(2), ctx.arg(3)))
}

#[map]
static RENAME_SOURCE: ProgramArray = ProgramArray::with_max_entries(1, 0);

/// `path_rename`'s source end, never attached.
#[lsm(hook = "path_rename")]
pub fn lsm_path_rename_source(ctx: LsmContext) -> i32 {
    lsm_ret::verdict(second_end(OP_RENAME, ctx.arg(0), ctx.arg(1)))
}
