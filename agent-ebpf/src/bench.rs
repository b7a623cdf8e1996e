//! Empty programs for the benchmark baselines: the cost of having *a* program on each hook the
//! agent uses, against which the agent's programs are measured.

use aya_ebpf::{
    macros::{cgroup_skb, cgroup_sock, cgroup_sock_addr, lsm, sock_ops, tracepoint},
    programs::{LsmContext, SkBuffContext, SockAddrContext, SockContext, SockOpsContext, TracePointContext},
};

/// Empty program on a tracepoint: `sched:sched_process_exec` and `sched:sched_process_exit`
/// (the exec hooks' floor), the syscall tracepoints of the `sigkill` tiers.
#[tracepoint]
pub fn bench_noop_tracepoint(_ctx: TracePointContext) -> u32 {
    0
}

/// Empty LSM program; loaded once per hook (the hook is chosen at load time).
#[lsm(hook = "file_open")]
pub fn bench_noop_lsm(_ctx: LsmContext) -> i32 {
    0
}

#[cgroup_sock_addr(connect4)]
pub fn bench_connect4(_ctx: SockAddrContext) -> i32 {
    1
}

#[cgroup_sock_addr(connect6)]
pub fn bench_connect6(_ctx: SockAddrContext) -> i32 {
    1
}

#[cgroup_sock_addr(sendmsg4)]
pub fn bench_sendmsg4(_ctx: SockAddrContext) -> i32 {
    1
}

#[cgroup_sock_addr(sendmsg6)]
pub fn bench_sendmsg6(_ctx: SockAddrContext) -> i32 {
    1
}

#[cgroup_skb(ingress)]
pub fn bench_skb_ingress(_ctx: SkBuffContext) -> i32 {
    1
}

#[cgroup_skb(egress)]
pub fn bench_skb_egress(_ctx: SkBuffContext) -> i32 {
    1
}

#[sock_ops]
pub fn bench_tcp_lifecycle(_ctx: SockOpsContext) -> u32 {
    1
}

#[cgroup_sock(post_bind4)]
pub fn bench_post_bind4(_ctx: SockContext) -> i32 {
    1
}

#[cgroup_sock(post_bind6)]
pub fn bench_post_bind6(_ctx: SockContext) -> i32 {
    1
}

#[cgroup_sock(sock_release)]
pub fn bench_sock_release(_ctx: SockContext) -> i32 {
    1
}
