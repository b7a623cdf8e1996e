//! Network: egress and ingress allowlists per pod, enforced by cgroup programs attached once at
//! the cgroup v2 root, and per-connection flow records.
//!
//! A task's pod is found from its cgroup (see [`crate::pods`]); a host task is allowed and
//! untracked after one lookup.
//! Decisions read the rule set's LPM trie (the address part) and, for an address the agent
//! knows as a pod, the set's ports for that pod's identity (the pod part); every decision on a pod's traffic is
//! recorded: allowed and audited connections become flows (open/update/close), refusals become
//! one record per (pod, peer, port) with later attempts counted in `DENIES`.

pub mod connect;
pub mod skb;
pub mod sock;
pub mod sockops;

use agent_common::{
    net::{
        ACTION_ALLOW, ACTION_AUDIT, ACTION_DENY, Cidr4Key, Cidr6Key, DenyCount, DenyKey, EGRESS_AUDIT,
        EGRESS_PEERS, EGRESS_RESTRICTED, FLOW_RESTRICTED, FLOW_UNKNOWN_PEER, FLOW_UNKNOWN_POD, Flow,
        FlowRecord, INGRESS_AUDIT, INGRESS_PEERS, INGRESS_RESTRICTED, PeerRuleKey, PortSet, RuntimeConfig,
        SET_BITS,
    },
    record::{COMM_LEN, RecordKind},
};
use aya_ebpf::{
    bindings::BPF_F_NO_PREALLOC,
    helpers::generated::bpf_ktime_get_boot_ns,
    macros::map,
    maps::{HashMap, LpmTrie, LruHashMap, lpm_trie::Key},
};

use crate::maps::{EVENTS, count_drop, count_slot};
pub use crate::pods::{PodState, pod_state, runtime};

#[map]
pub static CIDR4: LpmTrie<Cidr4Key, PortSet> = LpmTrie::with_max_entries(65536, BPF_F_NO_PREALLOC);
#[map]
pub static CIDR6: LpmTrie<Cidr6Key, PortSet> = LpmTrie::with_max_entries(65536, BPF_F_NO_PREALLOC);
/// Pod address (network byte order) → identity.
#[map]
pub static IDENTITY4: HashMap<[u8; 4], u32> = HashMap::with_max_entries(65536, BPF_F_NO_PREALLOC);
#[map]
pub static IDENTITY6: HashMap<[u8; 16], u32> = HashMap::with_max_entries(65536, BPF_F_NO_PREALLOC);
/// (rule set, identity) → the ports the set's pod peers allow for pods of that identity.
#[map]
pub static PEER_RULES: HashMap<PeerRuleKey, PortSet> = HashMap::with_max_entries(262144, BPF_F_NO_PREALLOC);
/// The cluster's pod address ranges (`--pod-cidr`), keyed by prefix.
#[map]
pub static POD_CIDR4: LpmTrie<[u8; 4], u32> = LpmTrie::with_max_entries(256, BPF_F_NO_PREALLOC);
#[map]
pub static POD_CIDR6: LpmTrie<[u8; 16], u32> = LpmTrie::with_max_entries(256, BPF_F_NO_PREALLOC);
/// Open connections by socket cookie.
#[map]
pub static FLOWS: HashMap<u64, Flow> = HashMap::with_max_entries(65536, 0);
/// Refused (pod, peer, port, protocol, direction) → attempts since the first was reported.
#[map]
pub static DENIES: HashMap<DenyKey, DenyCount> = HashMap::with_max_entries(16384, 0);
/// Inbound TCP connections judged at their SYN, waiting for the accepted socket.
#[map]
pub static PENDING: LruHashMap<PendingKey, Flow> = LruHashMap::with_max_entries(4096, 0);
/// Sockets of pods that bound a port (listeners, UDP servers): who bound them.
#[map]
pub static BOUND: HashMap<u64, Binder> = HashMap::with_max_entries(16384, 0);
/// UDP peers admitted into a pod's socket → when their last datagram was admitted. A datagram
/// the socket sends back to such a peer within [`REPLY_WINDOW_NS`] is a reply: part of an
/// exchange the ingress side admitted, as NetworkPolicy treats it, and not judged as new egress
/// (a DNS server under an egress policy must answer its clients). Also how a server socket
/// tells a new peer from a known one: each new peer gets its own open record.
#[map]
pub static REPLIES: LruHashMap<PeerKey, u64> = LruHashMap::with_max_entries(65536, 0);

/// How long after a peer's last admitted datagram a reply to it is let through (the kernel's
/// conntrack keeps an answered UDP exchange for 120 s; `nf_conntrack_udp_timeout_stream`).
pub const REPLY_WINDOW_NS: u64 = 120_000_000_000;

/// One peer of one socket.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PeerKey {
    pub cookie: u64,
    pub remote_ip: [u8; 16],
    pub remote_port: u16,
    pub family: u8,
    pub _pad: [u8; 5],
}

/// Whether `key` was admitted into its socket within the reply window.
#[inline(always)]
pub fn is_reply(key: &PeerKey) -> bool {
    // SAFETY: plain map lookup; a racing update only moves the time forward.
    match unsafe { REPLIES.get(key) } {
        Some(last) => now().saturating_sub(*last) < REPLY_WINDOW_NS,
        None => false,
    }
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct PendingKey {
    pub remote_ip: [u8; 16],
    pub remote_port: u16,
    pub local_port: u16,
    pub family: u8,
    pub _pad: [u8; 3],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Binder {
    pub cgroup_id: u64,
    pub pid: u32,
    pub _pad: u32,
    pub owner: agent_common::net::Owner,
    pub comm: [u8; COMM_LEN],
}

/// A decision on one connection attempt: the action and the flags its flow carries.
#[derive(Clone, Copy)]
pub struct Decision {
    pub action: u8,
    pub flags: u8,
}

pub const EGRESS: bool = true;
pub const INGRESS: bool = false;

/// Judge `(addr, proto, port)` for a pod in direction `egress`; `None` for host tasks.
#[inline(always)]
pub fn decide(
    cfg: &RuntimeConfig,
    state: PodState,
    egress: bool,
    family: u8,
    addr: &[u8; 16],
    proto: u8,
    port: u16,
) -> Option<Decision> {
    let p = match state {
        PodState::Host => return None,
        PodState::Unknown => {
            let action = if cfg.fail_closed != 0 { ACTION_DENY } else { ACTION_ALLOW };
            return Some(Decision { action, flags: FLOW_UNKNOWN_POD });
        }
        PodState::Pod(p) => p,
    };
    let (restricted, audit, peers, set) = if egress {
        (EGRESS_RESTRICTED, EGRESS_AUDIT, EGRESS_PEERS, p.egress_set)
    } else {
        (INGRESS_RESTRICTED, INGRESS_AUDIT, INGRESS_PEERS, p.ingress_set)
    };
    if p.flags & restricted == 0 {
        return Some(Decision { action: ACTION_ALLOW, flags: 0 });
    }
    let mut flags = FLOW_RESTRICTED;
    let allowed = match lookup(set, family, addr) {
        Some(ports) if ports.allows(proto, port) => true,
        _ => match identity(family, addr) {
            // SAFETY: plain map lookup.
            Some(identity) => match unsafe { PEER_RULES.get(&PeerRuleKey { set, identity }) } {
                Some(ports) => ports.allows(proto, port),
                None => false,
            },
            // A pod the agent has not learned yet, where the set's pod peers might have
            // matched it: the unknown-peer setting decides.
            None if p.flags & peers != 0 && in_pod_range(family, addr) => {
                flags |= FLOW_UNKNOWN_PEER;
                cfg.unknown_peer_allow != 0
            }
            None => false,
        },
    };
    let action = if allowed {
        ACTION_ALLOW
    } else if p.flags & audit != 0 {
        ACTION_AUDIT
    } else {
        ACTION_DENY
    };
    Some(Decision { action, flags })
}

#[inline(always)]
fn lookup(set: u32, family: u8, addr: &[u8; 16]) -> Option<&'static PortSet> {
    if family == 4 {
        let key = Key::new(SET_BITS + 32, Cidr4Key { set, addr: [addr[0], addr[1], addr[2], addr[3]] });
        CIDR4.get(&key)
    } else {
        let key = Key::new(SET_BITS + 128, Cidr6Key { set, addr: *addr });
        CIDR6.get(&key)
    }
}

/// The identity of the pod at `addr`, if the agent knows one there.
#[inline(always)]
fn identity(family: u8, addr: &[u8; 16]) -> Option<u32> {
    // SAFETY: plain map lookups; the values are copied out.
    unsafe {
        if family == 4 {
            IDENTITY4.get(&[addr[0], addr[1], addr[2], addr[3]]).copied()
        } else {
            IDENTITY6.get(addr).copied()
        }
    }
}

/// Whether `addr` is in one of the cluster's pod ranges.
#[inline(always)]
fn in_pod_range(family: u8, addr: &[u8; 16]) -> bool {
    if family == 4 {
        POD_CIDR4.get(&Key::new(32, [addr[0], addr[1], addr[2], addr[3]])).is_some()
    } else {
        POD_CIDR6.get(&Key::new(128, *addr)).is_some()
    }
}

/// Start tracking a flow; a full table is counted (the connection itself goes on).
#[inline(always)]
pub fn track(cookie: u64, flow: &Flow) {
    if FLOWS.insert(&cookie, flow, 0).is_err() {
        count_slot(agent_common::record::DROP_FLOW_TABLE_FULL);
    }
}

/// `::ffff:a.b.c.d` is an IPv4 peer on a dual-stack socket.
#[inline(always)]
pub fn is_v4_mapped(a: &[u8; 16]) -> bool {
    a[0] == 0
        && a[1] == 0
        && a[2] == 0
        && a[3] == 0
        && a[4] == 0
        && a[5] == 0
        && a[6] == 0
        && a[7] == 0
        && a[8] == 0
        && a[9] == 0
        && a[10] == 0xff
        && a[11] == 0xff
}

#[inline(always)]
pub fn now() -> u64 {
    // SAFETY: helper without preconditions.
    unsafe { bpf_ktime_get_boot_ns() }
}

/// Write a flow record.
#[inline(always)]
pub fn emit(flow: &Flow, cookie: u64, phase: u8, tcp_state: u8, count: u64) {
    let Some(mut entry) = EVENTS.reserve::<FlowRecord>(0) else {
        count_drop(RecordKind::Flow);
        return;
    };
    let rec = entry.as_mut_ptr();
    // SAFETY: a reservation of size_of::<FlowRecord>() bytes, written in full.
    unsafe {
        (*rec).header.kind = RecordKind::Flow as u32;
        (*rec).header.size = size_of::<FlowRecord>() as u32;
        (*rec).header.boot_ns = now();
        (*rec).cookie = cookie;
        (*rec).count = count;
        (*rec).flow = *flow;
        (*rec).phase = phase;
        (*rec).tcp_state = tcp_state;
        (*rec)._pad = [0; 6];
    }
    entry.submit(crate::maps::submit_flags());
}

/// A refused (or audited-as-refused) attempt: the first for its key is recorded, later ones
/// are counted for user space to summarise.
#[inline(always)]
pub fn refused(flow: &Flow, cookie: u64) {
    let key = DenyKey::of(flow);
    if let Some(seen) = DENIES.get_ptr_mut(&key) {
        // SAFETY: a map value, valid during this run; the count is bumped atomically (attempts
        // race on every CPU), the time is whichever attempt wrote last.
        unsafe {
            crate::maps::add(&raw mut (*seen).count, 1);
            (*seen).last_ns = now();
        }
        return;
    }
    let first = DenyCount {
        count: 0,
        last_ns: now(),
        pid: flow.pid,
        action: flow.action,
        _pad: [0; 3],
        comm: flow.comm,
    };
    // If the table is full the attempt is simply recorded on its own: nothing is lost.
    let _ = DENIES.insert(&key, &first, 0);
    emit(flow, cookie, agent_common::net::PHASE_DENIED, 0, 1);
}
