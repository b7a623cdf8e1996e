//! The `sigkill` tier: syscall tracepoints around every credential-changing syscall.
//!
//! Hooks: `syscalls:sys_enter_<name>` and `syscalls:sys_exit_<name>` for setuid, setgid,
//! setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid, capset, execve and execveat
//! (the syscall tracepoints in `kernel/trace/trace_syscalls.c`). Entry snapshots the task's
//! credentials; exit (if the syscall succeeded) compares them with the new ones and, for a
//! denied gain, sends SIGKILL: delivered before the task returns to user space, so no
//! instruction of it runs with the new privileges. The attach list is the agent's
//! (`loader::PRIVILEGE_SYSCALLS`).

use agent_common::{
    net::{ACTION_DENY, PodPolicy},
    privilege::{Creds, PRIV_KILLED},
};
use aya_ebpf::{
    helpers::{bpf_get_current_pid_tgid, generated::bpf_send_signal},
    macros::{map, tracepoint},
    maps::HashMap,
    programs::TracePointContext,
};

use super::{current_creds, emit, judge};
use crate::{
    maps::config,
    pods::{self, PodState},
};

/// Credentials at syscall entry, per thread, for tasks in pods.
#[map]
static PRIV_ENTRY: HashMap<u64, Entry> = HashMap::with_max_entries(16384, 0);

#[repr(C)]
#[derive(Clone, Copy)]
struct Entry {
    creds: Creds,
    /// The task's pod policy at entry (`PodState::Unknown` when `known` is 0).
    pod: PodPolicy,
    known: u32,
    _pad: u32,
}

/// Offset of `__syscall_nr` in a syscall tracepoint record (fixed by
/// `include/trace/events/syscalls.h`).
const NR: usize = 8;
const SIGKILL: u32 = 9;

entry! {
    /// `syscalls:sys_enter_<name>` of every syscall in the module doc.
    #[tracepoint]
    fn priv_enter(ctx: TracePointContext) -> u32 = try_enter(&ctx);

    /// `syscalls:sys_exit_<name>` of the same syscalls.
    #[tracepoint]
    fn priv_exit(ctx: TracePointContext) -> u32 = try_exit(&ctx);
}

fn try_enter(_ctx: &TracePointContext) -> Result<u32, u32> {
    let (state, _) = pods::current(&pods::runtime());
    // Every field written on every path before the entry is read as a whole (older verifiers
    // refuse a read of stack bytes one path left unwritten).
    let mut entry = Entry { creds: current_creds(&config()), pod: PodPolicy::default(), known: 0, _pad: 0 };
    match state {
        PodState::Host => return Ok(0),
        PodState::Unknown => {}
        PodState::Pod(p) => {
            entry.pod = p;
            entry.known = 1;
        }
    }
    let _ = PRIV_ENTRY.insert(&bpf_get_current_pid_tgid(), &entry, 0);
    Ok(0)
}

fn try_exit(ctx: &TracePointContext) -> Result<u32, u32> {
    let pid_tgid = bpf_get_current_pid_tgid();
    // A thread other than the leader that execs takes the leader's id.
    let leader = (pid_tgid >> 32) << 32 | (pid_tgid >> 32);
    // SAFETY: plain lookups; the value is copied before the delete.
    let (key, entry) = match unsafe { PRIV_ENTRY.get(&pid_tgid) } {
        Some(e) => (pid_tgid, *e),
        None => match unsafe { PRIV_ENTRY.get(&leader) } {
            Some(e) => (leader, *e),
            None => return Ok(0),
        },
    };
    let _ = PRIV_ENTRY.remove(&key);
    // No need for the return value: a failed call changes nothing, and the comparison of
    // credentials is the judge (setfsuid does not even return an error).
    let cfg = config();
    let new = current_creds(&cfg);
    let state = if entry.known != 0 { PodState::Pod(entry.pod) } else { PodState::Unknown };
    let Some((action, mut flags)) = judge(state, &entry.creds, &new) else { return Ok(0) };
    if action == ACTION_DENY {
        // SAFETY: helper; signals the current task's process.
        unsafe { bpf_send_signal(SIGKILL) };
        flags |= PRIV_KILLED;
    }
    // The syscall number, from the exit record (only once something is to be reported).
    // SAFETY: reading the tracepoint record.
    let nr: i32 = unsafe { ctx.read_at(NR) }.unwrap_or(-1);
    emit(&cfg, nr as u32, &entry.creds, &new, action, flags, core::ptr::null());
    Ok(0)
}
