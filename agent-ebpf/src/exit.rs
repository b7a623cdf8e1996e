//! Process exits, so the agent's process table never names a process after an earlier one
//! that had its pid.
//!
//! Hook: tracepoint `sched:sched_process_exit`, fired from `do_exit()` in `kernel/exit.c` for
//! every exiting task, before `exit_files()` closes its sockets (so the closes of a process's
//! flows come after its exit in the ring). Only a thread-group leader's exit is reported: the
//! pid user space knows is the leader's.

use agent_common::record::{ExitRecord, RecordKind};
use aya_ebpf::{
    helpers::{bpf_get_current_pid_tgid, generated::bpf_ktime_get_boot_ns},
    macros::tracepoint,
    programs::TracePointContext,
};

use crate::maps::{EVENTS, count_drop, submit_flags};

entry! {
    /// `sched:sched_process_exit`, fired by `do_exit()`.
    #[tracepoint(category = "sched", name = "sched_process_exit")]
    fn process_exit(_ctx: TracePointContext) -> u32 = try_exit();
}

fn try_exit() -> Result<u32, u32> {
    let id = bpf_get_current_pid_tgid();
    let (pid, tid) = ((id >> 32) as u32, id as u32);
    // Another thread of a process that lives on.
    if pid != tid {
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
