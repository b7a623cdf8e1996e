//! Per-packet work, kept to what has no cheaper hook: judging inbound connections (a TCP SYN,
//! a UDP datagram) against the pod's ingress allowlist, and counting UDP bytes and packets.
//! Every other TCP packet costs one or two loads from its headers; every other UDP packet one
//! or two map lookups.
//!
//! Hooks: `cgroup_skb/ingress` and `cgroup_skb/egress` (`BPF_CGROUP_INET_{INGRESS,EGRESS}`,
//! run from `sk_filter_trim_cap()` and `ip_finish_output()`/`ip6_finish_output()` via
//! `__cgroup_bpf_run_filter_skb()` in `kernel/bpf/cgroup.c`). Returning 0 drops the packet: a
//! refused TCP connection never sees its SYN answered.

use agent_common::{
    net::{
        ACTION_DENY, DIR_INGRESS, FLOW_OPEN_SENT, Flow, IPPROTO_TCP, IPPROTO_UDP, Owner, PHASE_OPEN,
        PHASE_UPDATE,
    },
    record::COMM_LEN,
};
use aya_ebpf::{
    helpers::generated::{bpf_get_socket_cookie, bpf_skb_ancestor_cgroup_id, bpf_skb_cgroup_id},
    macros::{cgroup_skb, map},
    maps::PerCpuArray,
    programs::SkBuffContext,
};

use super::{
    BOUND, FLOWS, INGRESS, PENDING, PeerKey, PendingKey, REPLIES, decide, emit, now, pod_state, refused,
    runtime, track,
};

const ETH_P_IP: u32 = 0x0800;
const ETH_P_IPV6: u32 = 0x86dd;
const TCP_SYN: u8 = 0x02;
const TCP_ACK: u8 = 0x10;

/// The flow an inbound connection opens, built here rather than on the stack: with it on the
/// stack `skb_ingress` needs 432 + 72 bytes, which 6.1's verifier rounds (32 bytes a frame) past
/// the 512-byte limit ("combined stack size of 2 calls is 544"); newer kernels round to 16.
#[map]
static OPENING: PerCpuArray<Flow> = PerCpuArray::with_max_entries(1, 0);

/// The headers that matter, from the packet.
struct Packet {
    family: u8,
    proto: u8,
    /// Source (ingress: the peer) and destination (ingress: the pod).
    src: [u8; 16],
    src_port: u16,
    dst_port: u16,
    tcp_flags: u8,
    /// UDP payload bytes.
    payload: u32,
}

cgroup_entry! {
    /// `BPF_CGROUP_INET_INGRESS`, run by `sk_filter_trim_cap()` as a packet reaches its socket.
    #[cgroup_skb(ingress)]
    fn skb_ingress(ctx: SkBuffContext) -> i32 = try_ingress(&ctx);

    /// `BPF_CGROUP_INET_EGRESS`, run by `ip_finish_output()` / `ip6_finish_output()`.
    #[cgroup_skb(egress)]
    fn skb_egress(ctx: SkBuffContext) -> i32 = try_egress(&ctx);
}

fn parse(ctx: &SkBuffContext) -> Option<Packet> {
    let (family, proto, l4) = transport(ctx)?;
    if proto != IPPROTO_TCP && proto != IPPROTO_UDP {
        return None;
    }
    let mut p = Packet { family, proto, src: [0; 16], src_port: 0, dst_port: 0, tcp_flags: 0, payload: 0 };
    if family == 4 {
        let saddr: [u8; 4] = ctx.load(12).ok()?;
        p.src[0..4].copy_from_slice(&saddr);
    } else {
        p.src = ctx.load(8).ok()?;
    }
    let ports: [u8; 4] = ctx.load(l4).ok()?;
    p.src_port = u16::from_be_bytes([ports[0], ports[1]]);
    p.dst_port = u16::from_be_bytes([ports[2], ports[3]]);
    if p.proto == IPPROTO_TCP {
        p.tcp_flags = ctx.load(l4 + 13).ok()?;
    } else {
        p.payload = ctx.len().saturating_sub(l4 as u32 + 8);
    }
    Some(p)
}

/// The family (4 or 6), the transport protocol and where its header starts, from the IP header
/// alone.
#[inline(always)]
fn transport(ctx: &SkBuffContext) -> Option<(u8, u8, usize)> {
    let proto_l3 = u32::from_be(ctx.skb.protocol()) >> 16;
    if proto_l3 == ETH_P_IP {
        // Version and header length .. protocol, in one load.
        let head: [u8; 10] = ctx.load(0).ok()?;
        Some((4, head[9], ((head[0] & 0x0f) as usize) * 4))
    } else if proto_l3 == ETH_P_IPV6 {
        Some((6, ctx.load(6).ok()?, 40))
    } else {
        None
    }
}

fn try_ingress(ctx: &SkBuffContext) -> Result<i32, i32> {
    // Of TCP only a connection's first packet (a SYN) is judged here; every other TCP packet,
    // tracked or not, passes on what its headers say, before the socket cookie or any map is
    // read.
    if let Some((_, IPPROTO_TCP, l4)) = transport(ctx) {
        let flags: u8 = ctx.load(l4 + 13).map_err(|_| 1)?;
        if flags & (TCP_SYN | TCP_ACK) != TCP_SYN {
            return Ok(1);
        }
    }
    let skb = ctx.skb.skb;
    // SAFETY: helper on our own context.
    let cookie = unsafe { bpf_get_socket_cookie(skb.cast()) };
    // A tracked socket: TCP data of an accepted connection passes at once; a UDP client socket
    // counts what it receives (an established UDP peer is not re-judged per datagram).
    if let Some(flow) = FLOWS.get_ptr_mut(&cookie) {
        // SAFETY: a map value, valid during this run.
        unsafe {
            if (*flow).proto == IPPROTO_TCP {
                return Ok(1);
            }
            if (*flow).direction != DIR_INGRESS {
                let Some(p) = parse(ctx) else { return Ok(1) };
                count(&mut *flow, cookie, p.payload, false);
                return Ok(1);
            }
        }
    }
    let cfg = runtime();
    // SAFETY: helpers on our own context.
    let leaf = unsafe { bpf_skb_cgroup_id(skb) };
    let state = pod_state(&cfg, leaf, |l| unsafe { bpf_skb_ancestor_cgroup_id(skb, l) });
    if let super::PodState::Host = state {
        return Ok(1);
    }
    let Some(p) = parse(ctx) else { return Ok(1) };
    // Only a TCP connection's first packet is judged; the accepted socket's flow is built from
    // PENDING at PASSIVE_ESTABLISHED (sockops).
    if p.proto == IPPROTO_TCP && p.tcp_flags & (TCP_SYN | TCP_ACK) != TCP_SYN {
        return Ok(1);
    }
    let Some(d) = decide(&cfg, state, INGRESS, p.family, &p.src, p.proto, p.dst_port) else {
        return Ok(1);
    };
    // Who bound the receiving socket (the listener or the UDP server).
    // SAFETY: plain map lookup.
    let (pid, owner, comm) = match unsafe { BOUND.get(&cookie) } {
        Some(b) => (b.pid, b.owner, b.comm),
        None => (0, Owner::default(), [0; COMM_LEN]),
    };
    let Some(flow) = OPENING.get_ptr_mut(0) else { return Ok(1) };
    // SAFETY: this CPU's scratch slot, written in full before it is read; a program run does
    // not migrate, and ingress runs in softirq, which does not nest on a CPU.
    let flow = unsafe { &mut *flow };
    *flow = Flow {
        cgroup_id: leaf,
        opened_ns: now(),
        last_report_ns: now(),
        bytes_sent: 0,
        bytes_received: 0,
        packets_sent: 0,
        packets_received: 0,
        pid,
        local_port: p.dst_port,
        remote_port: p.src_port,
        local_ip: [0; 16],
        remote_ip: p.src,
        family: p.family,
        proto: p.proto,
        direction: DIR_INGRESS,
        action: d.action,
        flags: d.flags,
        _pad: [0; 3],
        owner,
        comm,
    };
    if d.action == ACTION_DENY {
        refused(flow, cookie);
        return Err(0);
    }
    if p.proto == IPPROTO_TCP {
        let key = PendingKey {
            remote_ip: p.src,
            remote_port: p.src_port,
            local_port: p.dst_port,
            family: p.family,
            _pad: [0; 3],
        };
        let _ = PENDING.insert(&key, flow, 0);
        return Ok(1);
    }
    // UDP to a pod's socket: the peer is remembered so the socket may answer it (a reply is
    // not new egress), and a peer not seen before is reported with its own open record.
    let new_peer =
        admit(&PeerKey { cookie, remote_ip: p.src, remote_port: p.src_port, family: p.family, _pad: [0; 5] });
    // One flow per socket, from its first datagram, counting every peer's datagrams.
    match FLOWS.get_ptr_mut(&cookie) {
        Some(f) => {
            // SAFETY: a map value, valid during this run.
            unsafe { count(&mut *f, cookie, p.payload, false) };
            if new_peer {
                flow.bytes_received = u64::from(p.payload);
                flow.packets_received = 1;
                flow.flags |= FLOW_OPEN_SENT;
                emit(flow, cookie, PHASE_OPEN, 0, 0);
            }
        }
        None => {
            count(flow, cookie, p.payload, false);
            track(cookie, flow);
        }
    }
    Ok(1)
}

/// Note a datagram admitted from `key`'s peer; true when the socket had not heard from it.
#[inline(always)]
fn admit(key: &PeerKey) -> bool {
    let t = now();
    if let Some(last) = REPLIES.get_ptr_mut(key) {
        // SAFETY: a map value, valid during this run; written at most once a second so a busy
        // peer does not dirty the cache line on every datagram.
        unsafe {
            if t.saturating_sub(*last) > 1_000_000_000 {
                *last = t;
            }
        }
        return false;
    }
    // A full map evicts its least recently used peer: at worst a reply to it is judged as
    // egress again, and its next datagram reports it again.
    let _ = REPLIES.insert(key, &t, 0);
    true
}

fn try_egress(ctx: &SkBuffContext) -> Result<i32, i32> {
    // TCP's bytes and segments come from sockops, with the socket's own counters.
    if let Some((_, IPPROTO_TCP, _)) = transport(ctx) {
        return Ok(1);
    }
    let skb = ctx.skb.skb;
    // SAFETY: helper on our own context.
    let cookie = unsafe { bpf_get_socket_cookie(skb.cast()) };
    let Some(flow) = FLOWS.get_ptr_mut(&cookie) else { return Ok(1) };
    // SAFETY: a map value, valid during this run.
    unsafe {
        if (*flow).proto != IPPROTO_UDP {
            return Ok(1);
        }
        let Some(p) = parse(ctx) else { return Ok(1) };
        count(&mut *flow, cookie, p.payload, true);
    }
    Ok(1)
}

/// Count one UDP datagram; the first one opens the flow, later ones may be due an update.
#[inline(always)]
fn count(flow: &mut Flow, cookie: u64, payload: u32, sent: bool) {
    if sent {
        flow.bytes_sent += u64::from(payload);
        flow.packets_sent += 1;
    } else {
        flow.bytes_received += u64::from(payload);
        flow.packets_received += 1;
    }
    if flow.flags & FLOW_OPEN_SENT == 0 {
        flow.flags |= FLOW_OPEN_SENT;
        flow.last_report_ns = now();
        emit(flow, cookie, PHASE_OPEN, 0, 0);
    } else {
        report_if_due(flow, cookie, &runtime());
    }
}

/// A periodic update for a long-lived UDP flow.
#[inline(always)]
fn report_if_due(flow: &mut Flow, cookie: u64, cfg: &agent_common::net::RuntimeConfig) {
    let t = now();
    if cfg.flow_interval_ns != 0 && t.saturating_sub(flow.last_report_ns) >= cfg.flow_interval_ns {
        flow.last_report_ns = t;
        emit(flow, cookie, PHASE_UPDATE, 0, 0);
    }
}
