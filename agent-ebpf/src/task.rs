//! Reading the current task: ids, credentials and parent, at offsets from the agent's BTF read.

use agent_common::{
    config::KernelConfig,
    net::{OWNER_KNOWN, Owner},
    record::TaskInfo,
};
use aya_ebpf::helpers::{
    bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_kernel,
    generated::{
        bpf_get_current_cgroup_id, bpf_get_current_task, bpf_probe_read_kernel as bpf_probe_read_kernel_raw,
    },
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

    let task = current_task();
    // SAFETY: offsets come from the running kernel's BTF; reads are checked by the helper.
    unsafe {
        info.ppid = match read_field::<*const u8>(task, cfg.task_real_parent) {
            Ok(parent) => read_field::<u32>(parent, cfg.task_tgid).unwrap_or(0),
            Err(_) => 0,
        };
        match read_field::<*const u8>(task, cfg.task_real_cred) {
            Ok(cred) => {
                // uid, gid, suid, sgid, euid, egid, fsuid, fsgid (contiguous: checked by the agent).
                let ids: [u32; 8] = read_field(cred, cfg.cred_ids).unwrap_or([u32::MAX; 8]);
                info.uid = ids[0];
                info.gid = ids[1];
                info.euid = ids[4];
                info.egid = ids[5];
            }
            Err(_) => {
                info.uid = u32::MAX;
                info.gid = u32::MAX;
                info.euid = u32::MAX;
                info.egid = u32::MAX;
            }
        }
    }
}

/// Read the current task's parent and ids into `o`, in place: the cgroup programs that call
/// this have little stack to spare (6.1's verifier counts 512 bytes over the whole call chain).
#[inline(always)]
pub fn read_owner(cfg: &KernelConfig, o: &mut Owner) {
    let task = current_task();
    o.flags = 0;
    // SAFETY: offsets come from the running kernel's BTF; reads are checked by the helper and
    // write at most 8 bytes into the two adjacent u32 fields they point at.
    unsafe {
        o.ppid = match read_field::<*const u8>(task, cfg.task_real_parent) {
            Ok(parent) => read_field::<u32>(parent, cfg.task_tgid).unwrap_or(0),
            Err(_) => 0,
        };
        let Ok(cred) = read_field::<*const u8>(task, cfg.task_real_cred) else { return };
        // uid, gid, suid, sgid, euid, egid (contiguous: checked by the agent).
        let ids = cred.add(cfg.cred_ids as usize);
        let a = bpf_probe_read_kernel_raw((&raw mut o.uid).cast(), 8, ids.cast());
        let b = bpf_probe_read_kernel_raw((&raw mut o.euid).cast(), 8, ids.add(16).cast());
        if a == 0 && b == 0 {
            o.flags = OWNER_KNOWN;
        }
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
