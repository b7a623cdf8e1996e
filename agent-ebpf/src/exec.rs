//! Process execution.
//!
//! Hook: tracepoint `sched:sched_process_exec`, fired from `exec_binprm()` in `fs/exec.c` once
//! the new image is committed, in the context of the task that exec'd (so the current task's
//! `mm` already holds the new argv). A container's process whose mount table the agent does not
//! know yet is held here (`rootfs::hold`).

use agent_common::record::{
    EXEC_ARGS_LEN, EXEC_ARGS_TRUNCATED, EXEC_ARGS_UNREADABLE, EXEC_FILENAME_LEN, EXEC_FILENAME_TRUNCATED,
    EXEC_HELD, ExecRecord, RecordKind,
};
use aya_ebpf::{
    EbpfContext as _,
    helpers::{bpf_probe_read_kernel_str_bytes, bpf_probe_read_user_buf, generated::bpf_ktime_get_boot_ns},
    macros::tracepoint,
    programs::TracePointContext,
};

use crate::{
    maps::{EVENTS, config, count_drop},
    task::{self, current_task, data_loc, read_field},
};

entry! {
    /// `sched:sched_process_exec`, fired by `exec_binprm()` once the new image is in place.
    #[tracepoint(category = "sched", name = "sched_process_exec")]
    fn exec(ctx: TracePointContext) -> u32 = try_exec(&ctx);
}

fn try_exec(ctx: &TracePointContext) -> Result<u32, u32> {
    let cfg = config();
    // Before the record: a process is held (and released) even when the ring is full.
    let held = crate::rootfs::hold::hold_if_unknown(&cfg);
    let Some(mut entry) = EVENTS.reserve::<ExecRecord>(0) else {
        count_drop(RecordKind::Exec);
        return Err(0);
    };
    let rec = entry.as_mut_ptr();
    // SAFETY: `rec` points at a reservation of size_of::<ExecRecord>() bytes, written here
    // field by field before submit.
    unsafe {
        (*rec).header.kind = RecordKind::Exec as u32;
        (*rec).header.size = size_of::<ExecRecord>() as u32;
        (*rec).header.boot_ns = bpf_ktime_get_boot_ns();
        task::fill(&mut (*rec).task, &cfg);
        (*rec).flags = if held { EXEC_HELD } else { 0 };

        // Binary path, as the kernel opened it (bprm->filename).
        (*rec).filename_len = 0;
        if let Ok(src) = data_loc(ctx.as_ptr().cast(), cfg.tp_exec_filename) {
            if let Ok(s) = bpf_probe_read_kernel_str_bytes(src, &mut (*rec).filename) {
                (*rec).filename_len = s.len() as u16;
                if s.len() >= EXEC_FILENAME_LEN - 1 {
                    (*rec).flags |= EXEC_FILENAME_TRUNCATED;
                }
            }
        }

        // argv, NUL-separated, from the new image's mm.
        (*rec).args_len = 0;
        let mm: *const u8 = read_field(current_task(), cfg.task_mm).unwrap_or(core::ptr::null());
        let start: u64 = read_field(mm, cfg.mm_arg_start).unwrap_or(0);
        let end: u64 = read_field(mm, cfg.mm_arg_end).unwrap_or(0);
        let mut len = end.saturating_sub(start) as usize;
        if len > EXEC_ARGS_LEN {
            len = EXEC_ARGS_LEN;
            (*rec).flags |= EXEC_ARGS_TRUNCATED;
        }
        if len > 0 {
            let args = &mut (*rec).args;
            if bpf_probe_read_user_buf(start as *const u8, &mut args[..len]).is_ok() {
                (*rec).args_len = len as u16;
            } else {
                (*rec).flags |= EXEC_ARGS_UNREADABLE;
            }
        }
    }
    // A held process waits for the agent: wake it now.
    let flags =
        if held { aya_ebpf::bindings::BPF_RB_FORCE_WAKEUP.into() } else { crate::maps::submit_flags() };
    entry.submit(flags);
    Ok(0)
}
