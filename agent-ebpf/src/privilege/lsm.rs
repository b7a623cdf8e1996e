//! The `lsm` tier: deny a gain of privilege with EPERM before it happens.
//!
//! Hooks (`security/security.c`, BPF LSM): `task_fix_setuid` and `task_fix_setgid` (every
//! uid/gid-changing syscall, with the prepared new credentials), `capset`, and
//! `bprm_creds_from_file` (an exec's new credentials after setuid/setgid bits and file
//! capabilities were applied — the capability LSM runs first). An LSM program must pass on a
//! non-zero verdict of an earlier one, which arrives as its last argument.

use agent_common::{
    net::ACTION_DENY,
    privilege::{Creds, OP_LSM_CAPSET, OP_LSM_EXEC, OP_LSM_SETGID, OP_LSM_SETUID, PRIV_BLOCKED},
};
use aya_ebpf::{macros::lsm, programs::LsmContext};

use super::{current_creds, emit, judge, read_creds};
use crate::{lsm_ret, maps::config, pods, task::read_field};

/// The entry point's return: a denial (ours or one passed on) as -EPERM.
#[inline(always)]
fn result(r: Result<i32, i32>) -> i32 {
    match r {
        Ok(r) | Err(r) => lsm_ret::verdict(r),
    }
}

/// `int task_fix_setuid(struct cred *new, const struct cred *old, int flags)`
#[lsm(hook = "task_fix_setuid")]
pub fn lsm_task_fix_setuid(ctx: LsmContext) -> i32 {
    result(try_setid(&ctx, OP_LSM_SETUID))
}

/// `int task_fix_setgid(struct cred *new, const struct cred *old, int flags)`
#[lsm(hook = "task_fix_setgid")]
pub fn lsm_task_fix_setgid(ctx: LsmContext) -> i32 {
    result(try_setid(&ctx, OP_LSM_SETGID))
}

/// `int capset(struct cred *new, const struct cred *old, const kernel_cap_t *effective,
/// const kernel_cap_t *inheritable, const kernel_cap_t *permitted)`
#[lsm(hook = "capset")]
pub fn lsm_capset(ctx: LsmContext) -> i32 {
    result(try_capset(&ctx))
}

/// `int bprm_creds_from_file(struct linux_binprm *bprm, const struct file *file)`
#[lsm(hook = "bprm_creds_from_file")]
pub fn lsm_bprm_creds_from_file(ctx: LsmContext) -> i32 {
    result(try_exec(&ctx))
}

/// The verdict: 0 to allow, -EPERM for a denied gain.
fn verdict(op: u32, old: &Creds, new: &Creds, binary: *const u8) -> i32 {
    let (state, _) = pods::current(&pods::runtime());
    let Some((action, mut flags)) = judge(state, old, new) else { return 0 };
    let deny = action == ACTION_DENY;
    if deny {
        flags |= PRIV_BLOCKED;
    }
    emit(&config(), op, old, new, action, flags, binary);
    if deny { lsm_ret::DENY } else { 0 }
}

fn try_setid(ctx: &LsmContext, op: u32) -> Result<i32, i32> {
    // Hook arguments, as declared above.
    let (new, old, flags, prev): (*const u8, *const u8, i32, i32) =
        (ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3));
    if prev != 0 {
        return Err(prev);
    }
    let cfg = config();
    Ok(verdict(op | (flags as u32 & 0xff), &read_creds(old, &cfg), &read_creds(new, &cfg), core::ptr::null()))
}

fn try_capset(ctx: &LsmContext) -> Result<i32, i32> {
    // Hook arguments, as declared above.
    let (old, effective, permitted, prev): (*const u8, *const u64, *const u64, i32) =
        (ctx.arg(1), ctx.arg(2), ctx.arg(4), ctx.arg(5));
    if prev != 0 {
        return Err(prev);
    }
    let cfg = config();
    let old = read_creds(old, &cfg);
    let mut new = old;
    // SAFETY: kernel pointers; the reads are checked.
    unsafe {
        new.cap_effective = aya_ebpf::helpers::bpf_probe_read_kernel(effective).unwrap_or(old.cap_effective);
        new.cap_permitted = aya_ebpf::helpers::bpf_probe_read_kernel(permitted).unwrap_or(old.cap_permitted);
    }
    Ok(verdict(OP_LSM_CAPSET, &old, &new, core::ptr::null()))
}

fn try_exec(ctx: &LsmContext) -> Result<i32, i32> {
    // Hook arguments, as declared above.
    let (bprm, prev): (*const u8, i32) = (ctx.arg(0), ctx.arg(2));
    if prev != 0 {
        return Err(prev);
    }
    let cfg = config();
    // SAFETY: offsets from BTF; reads are checked.
    let (new_cred, filename): (*const u8, *const u8) = unsafe {
        (
            read_field(bprm, cfg.bprm_cred).unwrap_or(core::ptr::null()),
            read_field(bprm, cfg.bprm_filename).unwrap_or(core::ptr::null()),
        )
    };
    if new_cred.is_null() {
        return Ok(0);
    }
    Ok(verdict(OP_LSM_EXEC, &current_creds(&cfg), &read_creds(new_cred, &cfg), filename))
}
