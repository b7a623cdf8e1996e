//! Privilege escalation: credential changes of tasks in pods that gain privilege, judged from
//! the pod's `PodPolicy` (see `agent_common::privilege` for what counts as a gain).
//!
//! Two tiers share this module: `lsm` (denies with EPERM before the change, on kernels with BPF
//! LSM) and `tracepoint` (the `sigkill` tier: compares credentials across the syscall and kills
//! the task before it returns to user space, so no user-space instruction runs with the new
//! privileges; the change itself did happen in the kernel, and the record says so).

pub mod lsm;
pub mod tracepoint;

use agent_common::{
    config::KernelConfig,
    net::{ACTION_ALLOW, ACTION_AUDIT, ACTION_DENY, PRIV_AUDIT, PRIV_DENY, PRIV_GID_LIST, PRIV_UID_LIST},
    privilege::{Creds, PRIV_BINARY_LEN, PRIV_JUDGED, PRIV_UNKNOWN_POD, PrivRecord, id_gain},
    record::RecordKind,
};
use aya_ebpf::helpers::bpf_probe_read_kernel_str_bytes;

use crate::{
    maps::{EVENTS, count_drop, submit_flags},
    pods::PodState,
    task::{self, read_field},
};

/// The ids and capability sets of the `struct cred` at `cred`: two reads (the agent checked
/// that the ids, and permitted + effective, are contiguous).
#[inline(always)]
pub fn read_creds(cred: *const u8, cfg: &KernelConfig) -> Creds {
    // SAFETY: offsets come from the running kernel's BTF; reads are checked.
    let ids: [u32; 8] = unsafe { read_field(cred, cfg.cred_ids) }.unwrap_or([u32::MAX; 8]);
    let caps: [u64; 2] = unsafe { read_field(cred, cfg.cred_caps) }.unwrap_or([0; 2]);
    Creds {
        uid: ids[0],
        gid: ids[1],
        suid: ids[2],
        sgid: ids[3],
        euid: ids[4],
        egid: ids[5],
        fsuid: ids[6],
        fsgid: ids[7],
        cap_permitted: caps[0],
        cap_effective: caps[1],
    }
}

/// The current task's (objective) credentials.
#[inline(always)]
pub fn current_creds(cfg: &KernelConfig) -> Creds {
    // SAFETY: offsets from BTF; the read is checked.
    let cred: *const u8 =
        unsafe { read_field(task::current_task(), cfg.task_real_cred) }.unwrap_or(core::ptr::null());
    read_creds(cred, cfg)
}

/// What to do about `old` → `new` for a task in `state`: `None` when nothing was gained (or
/// the task is not in a pod), else `(action, PRIV_* flags)`.
#[inline(always)]
pub fn judge(state: PodState, old: &Creds, new: &Creds) -> Option<(u8, u32)> {
    let (pod, mut flags) = match state {
        PodState::Host => return None,
        PodState::Unknown => (Default::default(), PRIV_UNKNOWN_POD),
        PodState::Pod(p) => (p, 0),
    };
    let uids = pod.flags & PRIV_UID_LIST != 0;
    let gids = pod.flags & PRIV_GID_LIST != 0;
    let gained = id_gain(old.uid, new.uid, uids, &pod.allowed_uids)
        || id_gain(old.euid, new.euid, uids, &pod.allowed_uids)
        || id_gain(old.suid, new.suid, uids, &pod.allowed_uids)
        || id_gain(old.fsuid, new.fsuid, uids, &pod.allowed_uids)
        || id_gain(old.gid, new.gid, gids, &pod.allowed_gids)
        || id_gain(old.egid, new.egid, gids, &pod.allowed_gids)
        || id_gain(old.sgid, new.sgid, gids, &pod.allowed_gids)
        || id_gain(old.fsgid, new.fsgid, gids, &pod.allowed_gids)
        || new.caps_gained(old) != 0;
    if !gained {
        return None;
    }
    let action = if pod.flags & PRIV_DENY != 0 {
        flags |= PRIV_JUDGED;
        ACTION_DENY
    } else if pod.flags & PRIV_AUDIT != 0 {
        flags |= PRIV_JUDGED;
        ACTION_AUDIT
    } else {
        ACTION_ALLOW
    };
    Some((action, flags))
}

/// Write a privilege record; `binary` is a kernel string (exec) or null.
#[inline(always)]
pub fn emit(
    cfg: &KernelConfig,
    op: u32,
    old: &Creds,
    new: &Creds,
    action: u8,
    flags: u32,
    binary: *const u8,
) {
    let Some(mut entry) = EVENTS.reserve::<PrivRecord>(0) else {
        count_drop(RecordKind::Privilege);
        return;
    };
    let rec = entry.as_mut_ptr();
    // SAFETY: a reservation of size_of::<PrivRecord>() bytes, written in full (the binary up to
    // binary_len).
    unsafe {
        (*rec).header.kind = RecordKind::Privilege as u32;
        (*rec).header.size = size_of::<PrivRecord>() as u32;
        (*rec).header.boot_ns = aya_ebpf::helpers::generated::bpf_ktime_get_boot_ns();
        task::fill(&mut (*rec).task, cfg);
        (*rec).old = *old;
        (*rec).new = *new;
        (*rec).op = op;
        (*rec).flags = flags;
        (*rec).action = action;
        (*rec)._pad = [0; 5];
        (*rec).binary_len = 0;
        if !binary.is_null()
            && let Ok(s) = bpf_probe_read_kernel_str_bytes(binary, &mut (*rec).binary)
        {
            (*rec).binary_len = s.len().min(PRIV_BINARY_LEN) as u16;
        }
    }
    entry.submit(submit_flags());
}
