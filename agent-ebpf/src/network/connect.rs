//! Egress: outgoing connections and unconnected datagrams.
//!
//! Hooks: cgroup sock_addr `connect4`/`connect6` (`BPF_CGROUP_INET{4,6}_CONNECT`, run from
//! `__inet_stream_connect`/`udp_pre_connect` via `__cgroup_bpf_run_filter_sock_addr()` in
//! `kernel/bpf/cgroup.c`) and `sendmsg4`/`sendmsg6` (`BPF_CGROUP_UDP{4,6}_SENDMSG`, from
//! `udp_sendmsg`/`udpv6_sendmsg` when an address is given). Returning 0 makes the syscall fail
//! with EPERM; these run in the calling task's context.

use agent_common::{
    net::{ACTION_DENY, DIR_EGRESS, DIR_INGRESS, Flow, IPPROTO_TCP, IPPROTO_UDP, Owner},
    record::COMM_LEN,
};
use aya_ebpf::{
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid,
        generated::{bpf_get_current_ancestor_cgroup_id, bpf_get_current_cgroup_id, bpf_get_socket_cookie},
    },
    macros::cgroup_sock_addr,
    programs::SockAddrContext,
};

use super::{
    EGRESS, FLOWS, PeerKey, decide, is_reply, is_v4_mapped, now, pod_state, refused, runtime, track,
};

const SOCK_STREAM: u32 = 1;

cgroup_entry! {
    /// `BPF_CGROUP_INET4_CONNECT`, run by the protocol's `pre_connect` (`tcp_v4_pre_connect()`,
    /// `udp_pre_connect()`) before the connection is attempted.
    #[cgroup_sock_addr(connect4)]
    fn connect4(ctx: SockAddrContext) -> i32 = try_egress(&ctx, false);

    /// `BPF_CGROUP_INET6_CONNECT`: `tcp_v6_pre_connect()`, `udpv6_pre_connect()`.
    #[cgroup_sock_addr(connect6)]
    fn connect6(ctx: SockAddrContext) -> i32 = try_egress(&ctx, true);

    /// `BPF_CGROUP_UDP4_SENDMSG`, run by `udp_sendmsg()` for a datagram with an address.
    #[cgroup_sock_addr(sendmsg4)]
    fn sendmsg4(ctx: SockAddrContext) -> i32 = try_egress(&ctx, false);

    /// `BPF_CGROUP_UDP6_SENDMSG`, run by `udpv6_sendmsg()`.
    #[cgroup_sock_addr(sendmsg6)]
    fn sendmsg6(ctx: SockAddrContext) -> i32 = try_egress(&ctx, true);
}

/// 1 lets the call through, 0 refuses it with EPERM.
fn try_egress(ctx: &SockAddrContext, v6: bool) -> Result<i32, i32> {
    let cfg = runtime();
    // SAFETY: helpers without preconditions.
    let leaf = unsafe { bpf_get_current_cgroup_id() };
    let state = pod_state(&cfg, leaf, |l| unsafe { bpf_get_current_ancestor_cgroup_id(l) });
    if let super::PodState::Host = state {
        return Ok(1);
    }
    // SAFETY: the context pointer is valid for the program's run; fields are read one by one
    // (the verifier refuses reads through a derived context pointer).
    let (sock_type, port, mut addr) = unsafe {
        let sa = &*ctx.sock_addr;
        let mut addr = [0u8; 16];
        if v6 {
            let w = [sa.user_ip6[0], sa.user_ip6[1], sa.user_ip6[2], sa.user_ip6[3]];
            addr[0..4].copy_from_slice(&w[0].to_ne_bytes());
            addr[4..8].copy_from_slice(&w[1].to_ne_bytes());
            addr[8..12].copy_from_slice(&w[2].to_ne_bytes());
            addr[12..16].copy_from_slice(&w[3].to_ne_bytes());
        } else {
            addr[0..4].copy_from_slice(&sa.user_ip4.to_ne_bytes());
        }
        (sa.type_, u16::from_be(sa.user_port as u16), addr)
    };
    let mut family = if v6 { 6 } else { 4 };
    if v6 && is_v4_mapped(&addr) {
        family = 4;
        addr = [addr[12], addr[13], addr[14], addr[15], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    }
    let proto = if sock_type == SOCK_STREAM { IPPROTO_TCP } else { IPPROTO_UDP };
    // SAFETY: helper on our own context.
    let cookie = unsafe { bpf_get_socket_cookie(ctx.sock_addr.cast()) };
    // SAFETY: plain map lookup; only the direction is kept.
    let tracked = unsafe { FLOWS.get(&cookie) }.map(|f| f.direction);
    // A UDP socket answering a peer that reached it through the ingress side: a reply, which
    // the socket's flow already counts. Only a socket whose flow is inbound has admitted
    // peers, so a client's connect does not look.
    if proto == IPPROTO_UDP
        && tracked == Some(DIR_INGRESS)
        && is_reply(&PeerKey { cookie, remote_ip: addr, remote_port: port, family, _pad: [0; 5] })
    {
        return Ok(1);
    }
    let Some(d) = decide(&cfg, state, EGRESS, family, &addr, proto, port) else {
        return Ok(1);
    };
    let pid_tgid = bpf_get_current_pid_tgid();
    let mut flow = Flow {
        cgroup_id: leaf,
        opened_ns: now(),
        last_report_ns: 0,
        bytes_sent: 0,
        bytes_received: 0,
        packets_sent: 0,
        packets_received: 0,
        pid: (pid_tgid >> 32) as u32,
        local_port: 0,
        remote_port: port,
        local_ip: [0; 16],
        remote_ip: addr,
        family,
        proto,
        direction: DIR_EGRESS,
        action: d.action,
        flags: d.flags,
        _pad: [0; 3],
        owner: Owner::default(),
        comm: bpf_get_current_comm().unwrap_or([0; COMM_LEN]),
    };
    crate::task::read_owner(&crate::maps::config(), &mut flow.owner);
    if d.action == ACTION_DENY {
        refused(&flow, cookie);
        return Err(0);
    }
    // Allowed or audited: a flow, whose records carry the action.
    if tracked.is_none() {
        // Opens when traffic flows: TCP at ESTABLISHED (sockops), UDP at its first datagram
        // (cgroup_skb) — a connect() without a send (glibc's source-address selection does
        // this for every lookup) is no flow.
        track(cookie, &flow);
    }
    Ok(1)
}
