//! Reading the current task: ids, credentials and parent, at offsets from the agent's BTF read.

use agent_common::{
    config::KernelConfig,
    net::{OWNER_KNOWN, Owner},
    record::TaskInfo,
};
use aya_ebpf::helpers::{
    bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_kernel,
    generated::{bpf_get_current_cgroup_id, bpf_get_current_task},
};

/// Read a `T` at `base + offset` in kernel memory.
#[inline(always)]
pub unsafe fn read_field<T>(base: *const u8, offset: u32) -> Result<T, i32> {
    // SAFETY: bpf_probe_read_kernel checks the address; a bad one yields an error, not a fault.
    unsafe { bpf_probe_read_kernel(base.add(offset as usize).cast::<T>()) }
}

/// The current `task_struct`.
#[inline(always)]
pub fn current_task() -> *const u8 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_get_current_task() as *const u8 }
}

/// Fill `info` from the current task.
#[inline(always)]
pub fn fill(info: &mut TaskInfo, cfg: &KernelConfig) {
    let pid_tgid = bpf_get_current_pid_tgid();
    info.pid = (pid_tgid >> 32) as u32;
    info.tid = pid_tgid as u32;
    // SAFETY: helper without preconditions.
    info.cgroup_id = unsafe { bpf_get_current_cgroup_id() };
    info.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    info._pad = 0;

    let o = owner(cfg);
    info.ppid = o.ppid;
    info.uid = o.uid;
    info.gid = o.gid;
    info.euid = o.euid;
    info.egid = o.egid;
}

/// The current task's parent and ids (`u32::MAX` for ids whose credentials could not be read).
#[inline(always)]
pub fn owner(cfg: &KernelConfig) -> Owner {
    let task = current_task();
    // SAFETY: offsets come from the running kernel's BTF; reads are checked by the helper.
    unsafe {
        let ppid = match read_field::<*const u8>(task, cfg.task_real_parent) {
            Ok(parent) => read_field::<u32>(parent, cfg.task_tgid).unwrap_or(0),
            Err(_) => 0,
        };
        // uid, gid, suid, sgid, euid, egid, fsuid, fsgid (contiguous: checked by the agent).
        let ids: [u32; 8] = match read_field::<*const u8>(task, cfg.task_real_cred) {
            Ok(cred) => read_field(cred, cfg.cred_ids).unwrap_or([u32::MAX; 8]),
            Err(_) => [u32::MAX; 8],
        };
        Owner { ppid, uid: ids[0], gid: ids[1], euid: ids[4], egid: ids[5], flags: OWNER_KNOWN }
    }
}

/// The kernel's `__data_loc` string in a tracepoint record: the `u32` at `field` holds the
/// string's offset from the record start (low 16 bits) and its length (high 16 bits).
#[inline(always)]
pub fn data_loc(ctx: *const u8, field: u32) -> Result<*const u8, i32> {
    // SAFETY: the tracepoint record is kernel memory; the read is checked.
    let loc: u32 = unsafe { read_field(ctx, field)? };
    // SAFETY: pointer arithmetic inside the record; only passed to checked reads.
    Ok(unsafe { ctx.add((loc & 0xffff) as usize) })
}
