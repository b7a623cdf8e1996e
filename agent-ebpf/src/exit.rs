//! Process exits, so the agent's process table never names a process after an earlier one
//! that had its pid.
//!
//! Hook: tracepoint `sched:sched_process_exit`, fired from `do_exit()` in `kernel/exit.c` for
//! every exiting task, before `exit_files()` closes its sockets (so the closes of a process's
//! flows come after its exit in the ring). A process is reported once its last thread exits,
//! under its pid (the thread group's id, the pid user space knows): a leader that exits before
//! its other threads (`pthread_exit()` from `main`) leaves a process that still runs.

use agent_common::record::{ExitRecord, RecordKind};
use aya_ebpf::{
    helpers::{bpf_get_current_pid_tgid, generated::bpf_ktime_get_boot_ns},
    macros::tracepoint,
    programs::TracePointContext,
};

use crate::{
    maps::{EVENTS, config, count_drop, submit_flags},
    task::{current_task, read_field},
};

entry! {
    /// `sched:sched_process_exit`, fired by `do_exit()`.
    #[tracepoint(category = "sched", name = "sched_process_exit")]
    fn process_exit(_ctx: TracePointContext) -> u32 = try_exit();
}

fn try_exit() -> Result<u32, u32> {
    let id = bpf_get_current_pid_tgid();
    let (pid, tid) = ((id >> 32) as u32, id as u32);
    let cfg = config();
    // SAFETY: offsets from BTF; reads are checked.
    let live = unsafe {
        read_field::<*const u8>(current_task(), cfg.task_signal)
            .and_then(|s| read_field::<i32>(s, cfg.signal_live))
    };
    // `do_exit()` counts the thread out of `signal->live` before this tracepoint: above 0, other
    // threads of the process run on. (Two last threads exiting at once may both read 0; the
    // process is then reported twice, which user space takes as once.) Should the count be
    // unreadable, a leader's exit stands for the process's.
    let process_gone = match live {
        Ok(n) => n <= 0,
        Err(_) => pid == tid,
    };
    if !process_gone {
        return Ok(0);
    }
    let Some(mut entry) = EVENTS.reserve::<ExitRecord>(0) else {
        count_drop(RecordKind::Exit);
        return Err(0);
    };
    let rec = entry.as_mut_ptr();
    // SAFETY: `rec` is a reservation of size_of::<ExitRecord>() bytes, written in full here.
    unsafe {
        (*rec).header.kind = RecordKind::Exit as u32;
        (*rec).header.size = size_of::<ExitRecord>() as u32;
        (*rec).header.boot_ns = bpf_ktime_get_boot_ns();
        (*rec).pid = pid;
        (*rec)._pad = 0;
    }
    entry.submit(submit_flags());
    Ok(0)
}
