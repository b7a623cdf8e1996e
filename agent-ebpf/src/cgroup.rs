//! Cgroup lifecycle, so the agent learns of a pod's cgroup the moment kubelet (or the runtime)
//! creates it, before any process runs in it.
//!
//! Hooks: tracepoints `cgroup:cgroup_mkdir` and `cgroup:cgroup_rmdir`, fired from
//! `cgroup_mkdir()` / `cgroup_destroy_locked()` in `kernel/cgroup/cgroup.c`, for every
//! hierarchy (user space keeps the cgroup v2 ones).

use agent_common::record::{CgroupRecord, RecordKind};
use aya_ebpf::{
    EbpfContext as _,
    helpers::{bpf_probe_read_kernel_str_bytes, generated::bpf_ktime_get_boot_ns},
    macros::tracepoint,
    programs::TracePointContext,
};

use crate::{
    maps::{EVENTS, config, count_drop},
    task::{data_loc, read_field},
};

entry! {
    /// `cgroup:cgroup_mkdir`, fired by `cgroup_mkdir()` for a new cgroup directory.
    #[tracepoint(category = "cgroup", name = "cgroup_mkdir")]
    fn cgroup_mkdir(ctx: TracePointContext) -> u32 = try_cgroup(&ctx, RecordKind::CgroupMkdir);

    /// `cgroup:cgroup_rmdir`, fired by `cgroup_destroy_locked()`.
    #[tracepoint(category = "cgroup", name = "cgroup_rmdir")]
    fn cgroup_rmdir(ctx: TracePointContext) -> u32 = try_cgroup(&ctx, RecordKind::CgroupRmdir);
}

fn try_cgroup(ctx: &TracePointContext, kind: RecordKind) -> Result<u32, u32> {
    let cfg = config();
    let Some(mut entry) = EVENTS.reserve::<CgroupRecord>(0) else {
        count_drop(kind);
        return Err(0);
    };
    let rec = entry.as_mut_ptr();
    let base: *const u8 = ctx.as_ptr().cast();
    // SAFETY: `rec` is a reservation of size_of::<CgroupRecord>() bytes; tracepoint field
    // offsets come from the tracepoint's format file.
    unsafe {
        (*rec).header.kind = kind as u32;
        (*rec).header.size = size_of::<CgroupRecord>() as u32;
        (*rec).header.boot_ns = bpf_ktime_get_boot_ns();
        (*rec).cgroup_id = read_field(base, cfg.tp_cgroup_id).unwrap_or(0);
        (*rec).root = read_field(base, cfg.tp_cgroup_root).unwrap_or(u32::MAX);
        (*rec).level = read_field(base, cfg.tp_cgroup_level).unwrap_or(0);
        (*rec)._pad = 0;
        (*rec).path_len = 0;
        if let Ok(src) = data_loc(base, cfg.tp_cgroup_path) {
            if let Ok(s) = bpf_probe_read_kernel_str_bytes(src, &mut (*rec).path) {
                (*rec).path_len = s.len() as u32;
            }
        }
    }
    // Always wake the agent: until it knows this cgroup, a pod in it is not protected.
    entry.submit(aya_ebpf::bindings::BPF_RB_FORCE_WAKEUP.into());
    Ok(0)
}
