//! Socket lifetime edges a flow needs: who bound a pod's listening socket (so an accepted
//! connection names the process that opened it), and the release of a socket (the close of a
//! UDP flow, and cleanup for anything still tracked).
//!
//! Hooks: cgroup sock `post_bind4`/`post_bind6` (`BPF_CGROUP_INET{4,6}_POST_BIND`, from
//! `__inet_bind()`/`__inet6_bind()`) in the binding task's context, and `sock_release`
//! (`BPF_CGROUP_INET_SOCK_RELEASE`, from `inet_release()`).

use agent_common::{
    net::{FLOW_OPEN_SENT, IPPROTO_UDP, Owner, PHASE_CLOSE},
    record::COMM_LEN,
};
use aya_ebpf::{
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid,
        generated::{bpf_get_current_ancestor_cgroup_id, bpf_get_current_cgroup_id, bpf_get_socket_cookie},
    },
    macros::cgroup_sock,
    programs::SockContext,
};

use super::{BOUND, Binder, FLOWS, PodState, emit, pod_state, runtime};

cgroup_entry! {
    /// `BPF_CGROUP_INET4_POST_BIND`, run by `__inet_bind()` once the address is bound.
    #[cgroup_sock(post_bind4)]
    fn post_bind4(ctx: SockContext) -> i32 = try_post_bind(&ctx);

    /// `BPF_CGROUP_INET6_POST_BIND`, run by `__inet6_bind()`.
    #[cgroup_sock(post_bind6)]
    fn post_bind6(ctx: SockContext) -> i32 = try_post_bind(&ctx);

    /// `BPF_CGROUP_INET_SOCK_RELEASE`, run by `inet_release()` when the socket is closed.
    #[cgroup_sock(sock_release)]
    fn sock_release(ctx: SockContext) -> i32 = try_release(&ctx);
}

fn try_post_bind(ctx: &SockContext) -> Result<i32, i32> {
    let cfg = runtime();
    // SAFETY: helpers without preconditions.
    let leaf = unsafe { bpf_get_current_cgroup_id() };
    if let PodState::Host = pod_state(&cfg, leaf, |l| unsafe { bpf_get_current_ancestor_cgroup_id(l) }) {
        return Ok(1);
    }
    // SAFETY: helper on our own context.
    let cookie = unsafe { bpf_get_socket_cookie(ctx.sock.cast()) };
    let mut binder = Binder {
        cgroup_id: leaf,
        pid: (bpf_get_current_pid_tgid() >> 32) as u32,
        _pad: 0,
        owner: Owner::default(),
        comm: bpf_get_current_comm().unwrap_or([0; COMM_LEN]),
    };
    crate::task::read_owner(&crate::maps::config(), &mut binder.owner);
    let _ = BOUND.insert(&cookie, &binder, 0);
    Ok(1)
}

fn try_release(ctx: &SockContext) -> Result<i32, i32> {
    // SAFETY: helper on our own context.
    let cookie = unsafe { bpf_get_socket_cookie(ctx.sock.cast()) };
    let _ = BOUND.remove(&cookie);
    // SAFETY: plain map lookup; the value is copied before the delete.
    let Some(flow) = (unsafe { FLOWS.get(&cookie) }) else { return Ok(1) };
    let flow = *flow;
    if flow.proto == IPPROTO_UDP {
        let _ = FLOWS.remove(&cookie);
        if flow.flags & FLOW_OPEN_SENT != 0 {
            emit(&flow, cookie, PHASE_CLOSE, 0, 0);
        }
    } else if flow.flags & FLOW_OPEN_SENT == 0 {
        // A TCP connect that never established (and may never see a state callback).
        let _ = FLOWS.remove(&cookie);
    }
    // An established TCP connection outlives its file: it closes from sockops when TCP
    // reaches CLOSE, with the socket's final counters.
    Ok(1)
}
