//! Capability probes: the smallest program of each kind a tier needs. The agent loads and
//! attaches each one to learn, for real, what this kernel can enforce; none of them acts.

use aya_ebpf::{
    helpers::generated::bpf_send_signal,
    macros::{cgroup_sock_addr, lsm, tracepoint},
    programs::{LsmContext, SockAddrContext, TracePointContext},
};

/// Never set: keeps the `bpf_send_signal` call in the sigkill probe without ever taking it.
#[unsafe(no_mangle)]
static PROBE_ARMED: u32 = 0;

/// LSM tier, rootfs concern. Hook: `security_file_open()` (`security/security.c`).
#[lsm(hook = "file_open")]
pub fn probe_lsm_file_open(_ctx: LsmContext) -> i32 {
    0
}

/// LSM tier, network concern. Hook: `security_socket_connect()` (`security/security.c`).
#[lsm(hook = "socket_connect")]
pub fn probe_lsm_socket_connect(_ctx: LsmContext) -> i32 {
    0
}

/// LSM tier, privilege concern. Hook: `security_task_fix_setuid()` (`security/security.c`).
#[lsm(hook = "task_fix_setuid")]
pub fn probe_lsm_task_fix_setuid(_ctx: LsmContext) -> i32 {
    0
}

/// Cgroup tier, network concern: allows every connect (returns 1).
/// Hook: `BPF_CGROUP_INET4_CONNECT`, run from `__cgroup_bpf_run_filter_sock_addr()`
/// (`kernel/bpf/cgroup.c`).
#[cgroup_sock_addr(connect4)]
pub fn probe_cgroup_connect4(_ctx: SockAddrContext) -> i32 {
    1
}

/// Sigkill tier: a tracepoint program that may call `bpf_send_signal`. Attached by the probe to
/// `syscalls:sys_enter_setuid` (rarely hit; the call is never taken).
#[tracepoint]
pub fn probe_tp_sigkill(_ctx: TracePointContext) -> u32 {
    // SAFETY: plain static read.
    if unsafe { core::ptr::read_volatile(&PROBE_ARMED) } != 0 {
        // SAFETY: helper; never reached unless armed.
        unsafe { bpf_send_signal(9) };
    }
    0
}
