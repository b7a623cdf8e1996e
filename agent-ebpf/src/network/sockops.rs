//! TCP connection lifecycle: open at ESTABLISHED, periodic updates, close — with the kernel's
//! own counters (`tcp_sock` bytes and segments), so no per-packet program is needed for TCP.
//!
//! Hook: `sock_ops` (`BPF_PROG_TYPE_SOCK_OPS`), called from `tcp_call_bpf()`
//! (`include/net/tcp.h`) at `TCP_CONNECT_CB`, `ACTIVE_ESTABLISHED_CB`,
//! `PASSIVE_ESTABLISHED_CB`, and — once a flow asks for them with
//! `bpf_sock_ops_cb_flags_set` — `STATE_CB` (every state change) and `RTT_CB` (every RTT
//! sample, used for the periodic update).

use agent_common::net::{
    DIR_INGRESS, FLOW_FIN_IN, FLOW_FIN_OUT_ACKED, FLOW_OPEN_SENT, Flow, PHASE_CLOSE, PHASE_OPEN, PHASE_UPDATE,
};
use aya_ebpf::{
    bindings::{
        BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB, BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, BPF_SOCK_OPS_RTT_CB,
        BPF_SOCK_OPS_RTT_CB_FLAG, BPF_SOCK_OPS_STATE_CB, BPF_SOCK_OPS_STATE_CB_FLAG,
        BPF_SOCK_OPS_TCP_CONNECT_CB,
    },
    helpers::generated::bpf_get_socket_cookie,
    macros::sock_ops,
    programs::SockOpsContext,
};

use super::{FLOWS, PENDING, PendingKey, emit, is_v4_mapped, now, runtime, track};

// `include/net/tcp_states.h`
const TCP_FIN_WAIT1: u32 = 4;
const TCP_FIN_WAIT2: u32 = 5;
const TCP_CLOSE: u32 = 7;
const TCP_CLOSE_WAIT: u32 = 8;
const TCP_LAST_ACK: u32 = 9;
const TCP_CLOSING: u32 = 11;

/// Which FINs a state change means were received or acknowledged: the kernel's byte counters
/// include one sequence number for each, which is not payload.
#[inline(always)]
fn fin_flags(old: u32, new: u32) -> u8 {
    let mut f = 0;
    if new == TCP_CLOSE_WAIT || new == TCP_CLOSING || (old == TCP_FIN_WAIT2 && new == TCP_CLOSE) {
        f |= FLOW_FIN_IN;
    }
    if (old == TCP_FIN_WAIT1 && new == TCP_FIN_WAIT2)
        || (old == TCP_LAST_ACK && new == TCP_CLOSE)
        || (old == TCP_CLOSING && new == TCP_CLOSE)
    {
        f |= FLOW_FIN_OUT_ACKED;
    }
    f
}

entry! {
    /// `BPF_CGROUP_SOCK_OPS`, run by `tcp_call_bpf()` at the TCP state changes asked for.
    #[sock_ops]
    fn tcp_lifecycle(ctx: SockOpsContext) -> u32 = try_sockops(&ctx);
}

fn try_sockops(ctx: &SockOpsContext) -> Result<u32, u32> {
    let op = ctx.op();
    // Taken only by the callbacks that use it: the others (`TIMEOUT_INIT`, `RWND_INIT`,
    // `NEEDS_ECN`, also on request sockets) come on every connection and need nothing.
    // SAFETY: helper on our own context.
    let cookie = || unsafe { bpf_get_socket_cookie(ctx.ops.cast()) };
    match op {
        BPF_SOCK_OPS_TCP_CONNECT_CB => {
            // SAFETY: plain map lookup.
            if unsafe { FLOWS.get(&cookie()) }.is_some() {
                // Ask for state changes now, so a connect that never establishes is cleaned up.
                let _ = ctx.set_cb_flags((BPF_SOCK_OPS_STATE_CB_FLAG | BPF_SOCK_OPS_RTT_CB_FLAG) as i32);
            }
        }
        BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB => {
            let cookie = cookie();
            let Some(flow) = FLOWS.get_ptr_mut(&cookie) else { return Ok(0) };
            // SAFETY: a map value, valid during this run.
            unsafe {
                fill_local(ctx, &mut *flow);
                set_base(ctx, &mut *flow);
                (*flow).flags |= FLOW_OPEN_SENT;
                (*flow).last_report_ns = now();
                emit_tcp(ctx, &*flow, cookie, PHASE_OPEN);
            }
        }
        BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB => {
            let (family, remote_ip) = remote_ip(ctx);
            let key = PendingKey {
                remote_ip,
                remote_port: u32::from_be(ctx.remote_port()) as u16,
                local_port: ctx.local_port() as u16,
                family,
                _pad: [0; 3],
            };
            // SAFETY: plain map lookup; the value is copied out before the delete.
            let Some(pending) = (unsafe { PENDING.get(&key) }) else { return Ok(0) };
            let mut flow: Flow = *pending;
            let _ = PENDING.remove(&key);
            let cookie = cookie();
            fill_local(ctx, &mut flow);
            set_base(ctx, &mut flow);
            flow.direction = DIR_INGRESS;
            flow.flags |= FLOW_OPEN_SENT;
            flow.last_report_ns = now();
            let _ = ctx.set_cb_flags((BPF_SOCK_OPS_STATE_CB_FLAG | BPF_SOCK_OPS_RTT_CB_FLAG) as i32);
            emit_tcp(ctx, &flow, cookie, PHASE_OPEN);
            track(cookie, &flow);
        }
        BPF_SOCK_OPS_STATE_CB => {
            let (old, new) = (ctx.arg(0), ctx.arg(1));
            let cookie = cookie();
            let Some(flow) = FLOWS.get_ptr_mut(&cookie) else { return Ok(0) };
            // SAFETY: a map value, valid during this run.
            unsafe { (*flow).flags |= fin_flags(old, new) };
            if new != TCP_CLOSE {
                return Ok(0);
            }
            // SAFETY: as above; copied before the delete.
            let flow = unsafe { *flow };
            let _ = FLOWS.remove(&cookie);
            if flow.flags & FLOW_OPEN_SENT != 0 {
                emit_tcp(ctx, &flow, cookie, PHASE_CLOSE);
            }
        }
        BPF_SOCK_OPS_RTT_CB => {
            let cookie = cookie();
            let Some(flow) = FLOWS.get_ptr_mut(&cookie) else { return Ok(0) };
            let t = now();
            let interval = runtime().flow_interval_ns;
            // SAFETY: a map value, valid during this run.
            unsafe {
                if (*flow).flags & FLOW_OPEN_SENT != 0
                    && interval != 0
                    && t.saturating_sub((*flow).last_report_ns) >= interval
                {
                    (*flow).last_report_ns = t;
                    emit_tcp(ctx, &*flow, cookie, PHASE_UPDATE);
                }
            }
        }
        _ => {}
    }
    Ok(0)
}

/// Remember the byte counters at ESTABLISHED: what the handshake put there is not payload.
#[inline(always)]
fn set_base(ctx: &SockOpsContext, flow: &mut Flow) {
    // SAFETY: reading counters from the sock_ops context of a full TCP socket.
    unsafe {
        flow.bytes_sent = (*ctx.ops).bytes_acked;
        flow.bytes_received = (*ctx.ops).bytes_received;
    }
}

/// A flow record with the socket's payload bytes (counters less the handshake's share and the
/// FINs), segments and state.
#[inline(always)]
fn emit_tcp(ctx: &SockOpsContext, flow: &Flow, cookie: u64, phase: u8) {
    let mut f = *flow;
    let fin_out = u64::from(f.flags & FLOW_FIN_OUT_ACKED != 0);
    let fin_in = u64::from(f.flags & FLOW_FIN_IN != 0);
    // SAFETY: reading counters from the sock_ops context of a full TCP socket.
    unsafe {
        let ops = &*ctx.ops;
        f.bytes_sent = ops.bytes_acked.saturating_sub(flow.bytes_sent + fin_out);
        f.bytes_received = ops.bytes_received.saturating_sub(flow.bytes_received + fin_in);
        f.packets_sent = u64::from(ops.segs_out);
        f.packets_received = u64::from(ops.segs_in);
        emit(&f, cookie, phase, ops.state as u8, 0);
    }
}

/// (family, address) of the peer; an IPv4 peer of a dual-stack socket is IPv4.
#[inline(always)]
fn remote_ip(ctx: &SockOpsContext) -> (u8, [u8; 16]) {
    if ctx.family() == AF_INET6 { ip6(ctx.remote_ip6()) } else { ip4(ctx.remote_ip4()) }
}

#[inline(always)]
fn fill_local(ctx: &SockOpsContext, flow: &mut Flow) {
    flow.local_port = ctx.local_port() as u16;
    let (_, ip) = if ctx.family() == AF_INET6 { ip6(ctx.local_ip6()) } else { ip4(ctx.local_ip4()) };
    flow.local_ip = ip;
}

const AF_INET6: u32 = 10;

#[inline(always)]
fn ip4(w: u32) -> (u8, [u8; 16]) {
    let mut a = [0u8; 16];
    a[0..4].copy_from_slice(&w.to_ne_bytes());
    (4, a)
}

#[inline(always)]
fn ip6(w: [u32; 4]) -> (u8, [u8; 16]) {
    let mut a = [0u8; 16];
    a[0..4].copy_from_slice(&w[0].to_ne_bytes());
    a[4..8].copy_from_slice(&w[1].to_ne_bytes());
    a[8..12].copy_from_slice(&w[2].to_ne_bytes());
    a[12..16].copy_from_slice(&w[3].to_ne_bytes());
    if is_v4_mapped(&a) {
        return ip4(w[3]);
    }
    (6, a)
}
