//! Network enforcement and flow tracking: map keys and values, and the flow record.
//!
//! Maps the agent fills (all keyed so programs attach once, at the cgroup v2 root):
//! - `KUBEPODS`: cgroup ids of the kubelet's `kubepods` roots. A task whose ancestor at
//!   `RuntimeConfig::kubepods_level` is not here is a host task, and leaves at once.
//! - `PODS`: cgroup id (pod level and container level) → [`PodPolicy`]: which rule sets apply.
//!   A task below a kubepods root without an entry belongs to a pod whose policy is not known
//!   yet: `RuntimeConfig::fail_closed` decides.
//! - `CIDR4` / `CIDR6`: LPM tries keyed by (rule set, address) → [`PortSet`], the ports allowed
//!   for addresses whose longest matching prefix this is. An empty set denies.
//!
//! - `IDENTITY4` / `IDENTITY6`: pod address → the pod's identity (a number per distinct
//!   namespace, labels, namespace labels and named ports; the replicas of a Deployment share
//!   one), for every pod of the cluster the agent knows.
//! - `PEER_RULES`: (rule set, identity) → [`PortSet`], the ports a rule set's pod peers allow
//!   towards (or from) the pods of that identity. A connection is allowed when the address
//!   part (`CIDR4`/`CIDR6`) or this pod part allows it.
//!
//! - `POD_CIDR4` / `POD_CIDR6`: the cluster's pod address ranges (`--pod-cidr`). An address in
//!   them with no identity is a pod the agent has not learned yet: an *unknown peer*, which
//!   `RuntimeConfig::unknown_peer_allow` lets through (fail-open) or not, for rule sets with pod
//!   peers.
//!
//! Rule sets are immutable once referenced: a change builds a new set, flips `PODS`, then
//! deletes the old set, so no pod is ever judged against a half-written set.

use crate::record::{COMM_LEN, RecordHeader};

pub const KUBEPODS_MAP: &str = "KUBEPODS";
pub const PODS_MAP: &str = "PODS";
pub const CIDR4_MAP: &str = "CIDR4";
pub const CIDR6_MAP: &str = "CIDR6";
pub const RUNTIME_MAP: &str = "RUNTIME";
pub const IDENTITY4_MAP: &str = "IDENTITY4";
pub const IDENTITY6_MAP: &str = "IDENTITY6";
pub const PEER_RULES_MAP: &str = "PEER_RULES";
pub const POD_CIDR4_MAP: &str = "POD_CIDR4";
pub const POD_CIDR6_MAP: &str = "POD_CIDR6";
pub const FLOWS_MAP: &str = "FLOWS";
pub const DENIES_MAP: &str = "DENIES";

/// `PodPolicy::flags`: egress is an allowlist (else unrestricted).
pub const EGRESS_RESTRICTED: u32 = 1 << 0;
/// `PodPolicy::flags`: ingress is an allowlist (else unrestricted).
pub const INGRESS_RESTRICTED: u32 = 1 << 1;
/// `PodPolicy::flags`: egress denials are only reported (every applicable policy is in audit mode).
pub const EGRESS_AUDIT: u32 = 1 << 2;
/// `PodPolicy::flags`: ingress denials are only reported.
pub const INGRESS_AUDIT: u32 = 1 << 3;
/// `PodPolicy::flags`: the egress rule set has pod peers (an unknown peer may match them).
pub const EGRESS_PEERS: u32 = 1 << 4;
/// `PodPolicy::flags`: the ingress rule set has pod peers.
pub const INGRESS_PEERS: u32 = 1 << 5;

/// `PodPolicy::flags`: an escalation is denied (SIGKILL or EPERM, by tier).
pub const PRIV_DENY: u32 = 1 << 8;
/// `PodPolicy::flags`: an escalation is reported as `audit`.
pub const PRIV_AUDIT: u32 = 1 << 9;
/// `PodPolicy::flags`: `allowed_uids` holds the ids a uid may change to (else any non-zero).
pub const PRIV_UID_LIST: u32 = 1 << 10;
/// `PodPolicy::flags`: `allowed_gids` likewise.
pub const PRIV_GID_LIST: u32 = 1 << 11;
/// Ids a pod's allowed list holds at most.
pub const ALLOWED_IDS: usize = 8;

/// Everything the kernel enforces for one pod, in the `PODS` hash keyed by cgroup id.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodPolicy {
    pub egress_set: u32,
    pub ingress_set: u32,
    /// Network (`EGRESS_*`, `INGRESS_*`), privilege (`PRIV_*`) and root filesystem
    /// (`rootfs::ROOTFS_*`) flags.
    pub flags: u32,
    /// The `allowWrite` prefix set in `ROOTFS_ALLOW`.
    pub rootfs_set: u32,
    /// Unused slots hold 0, which is never allowed (a change to 0 is always an escalation).
    pub allowed_uids: [u32; ALLOWED_IDS],
    pub allowed_gids: [u32; ALLOWED_IDS],
}

const _: () = assert!(size_of::<PodPolicy>() == 16 + 8 * ALLOWED_IDS);

/// Runtime settings in the one-entry `RUNTIME` array.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Depth of the kubepods roots below the cgroup v2 root (1 for `/kubepods.slice`); 0 while
    /// none is known (every task is a host task).
    pub kubepods_level: u32,
    /// Deny the traffic of pods whose policy is not known yet (else allow and report).
    pub fail_closed: u32,
    /// Interval between a long-lived flow's update records, in ns.
    pub flow_interval_ns: u64,
    /// Let a restricted pod's connection with an unknown peer through (else judge it as no
    /// pod's address: only address blocks may allow it).
    pub unknown_peer_allow: u32,
    /// The node's root filesystem (`super_block.s_dev`, the kernel's encoding; 0: unknown). A
    /// pod's task whose root is still there is a runtime setting up the container before
    /// `pivot_root`, not yet inside the container's root filesystem.
    pub host_root_dev: u32,
    /// Until this boot time (ns), a task of a pod under an enforced `readOnly` rule whose
    /// mount namespace's table is not known is stopped at exec until the agent has learnt it
    /// (`rootfs::HELD_MAP`). The agent renews it every second while the tracepoint tier judges
    /// path strings; 0 (or a lapsed lease: no agent running) holds nobody.
    pub hold_until_ns: u64,
}

const _: () = assert!(size_of::<RuntimeConfig>() == 32);

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr4Key {
    pub set: u32,
    /// Network byte order.
    pub addr: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr6Key {
    pub set: u32,
    pub addr: [u8; 16],
}

/// A `PEER_RULES` key: one rule set's ports for one pod identity.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerRuleKey {
    pub set: u32,
    pub identity: u32,
}

const _: () = assert!(size_of::<PeerRuleKey>() == 8);

/// Bits of the LPM key taken by the rule-set id (the prefix length of a key is 32 + the
/// address prefix length).
pub const SET_BITS: u32 = 32;

pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;

/// An inclusive port range for one protocol.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
    pub proto: u8,
    pub _pad: [u8; 3],
}

/// Port ranges one prefix allows at most.
pub const PORT_RANGES: usize = 16;
/// `PortSet::any`: every TCP port.
pub const ANY_TCP: u32 = 1 << 0;
/// `PortSet::any`: every UDP port.
pub const ANY_UDP: u32 = 1 << 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    pub count: u32,
    pub any: u32,
    pub ranges: [PortRange; PORT_RANGES],
}

const _: () = assert!(size_of::<PortSet>() == 8 + 8 * PORT_RANGES);

impl PortSet {
    /// Whether `port` (host byte order) of protocol `proto` is allowed.
    #[inline(always)]
    pub fn allows(&self, proto: u8, port: u16) -> bool {
        let any = match proto {
            IPPROTO_TCP => ANY_TCP,
            IPPROTO_UDP => ANY_UDP,
            _ => 0,
        };
        if self.any & any != 0 {
            return true;
        }
        let mut i = 0;
        while i < PORT_RANGES {
            if i as u32 >= self.count {
                break;
            }
            let r = &self.ranges[i];
            if r.proto == proto && r.lo <= port && port <= r.hi {
                return true;
            }
            i += 1;
        }
        false
    }
}

pub const DIR_EGRESS: u8 = 1;
pub const DIR_INGRESS: u8 = 2;

pub const ACTION_ALLOW: u8 = 1;
pub const ACTION_DENY: u8 = 2;
pub const ACTION_AUDIT: u8 = 3;

/// `Flow::flags`: the task's pod had no policy entry yet (see `RuntimeConfig::fail_closed`).
pub const FLOW_UNKNOWN_POD: u8 = 1 << 0;
/// `Flow::flags`: the pod's traffic in this direction is restricted by a policy.
pub const FLOW_RESTRICTED: u8 = 1 << 1;
/// `Flow::flags`: the open record went out.
pub const FLOW_OPEN_SENT: u8 = 1 << 2;
/// `Flow::flags` (TCP): the peer's FIN arrived (the kernel counts it as a received byte).
pub const FLOW_FIN_IN: u8 = 1 << 3;
/// `Flow::flags` (TCP): our FIN was acknowledged (the kernel counts it as an acked byte).
pub const FLOW_FIN_OUT_ACKED: u8 = 1 << 4;
/// `Flow::flags`: the remote address is in a pod range but no pod the agent knows: the
/// unknown-peer setting decided.
pub const FLOW_UNKNOWN_PEER: u8 = 1 << 5;

/// The task that opened a socket (connected it, or bound the one a connection arrived at): its
/// parent and ids, from its credentials when it did.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    pub ppid: u32,
    /// `uid, gid` then `euid, egid`: pairs in `struct cred`'s order, read in place.
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    /// [`OWNER_KNOWN`] when the fields were read (an arriving connection to a socket no pod
    /// task bound has no owner).
    pub flags: u32,
}

pub const OWNER_KNOWN: u32 = 1;

const _: () = assert!(size_of::<Owner>() == 24);

/// One connection (socket), in the `FLOWS` hash keyed by socket cookie.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Flow {
    /// cgroup v2 id of the task that opened it (or of the listener, for accepted ones).
    pub cgroup_id: u64,
    pub opened_ns: u64,
    pub last_report_ns: u64,
    /// UDP: counted per datagram. TCP: in `FLOWS`, the `tcp_sock` byte counters at
    /// ESTABLISHED (the handshake's share); in records, payload bytes so far.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub packets_sent: u64,
    pub packets_received: u64,
    pub pid: u32,
    /// Host byte order.
    pub local_port: u16,
    pub remote_port: u16,
    /// IPv4 addresses use the first 4 bytes.
    pub local_ip: [u8; 16],
    pub remote_ip: [u8; 16],
    /// 4 or 6.
    pub family: u8,
    pub proto: u8,
    pub direction: u8,
    pub action: u8,
    pub flags: u8,
    pub _pad: [u8; 3],
    pub owner: Owner,
    pub comm: [u8; COMM_LEN],
}

const _: () = assert!(size_of::<Flow>() == 7 * 8 + 4 + 4 + 32 + 8 + size_of::<Owner>() + COMM_LEN);

pub const PHASE_OPEN: u8 = 1;
pub const PHASE_UPDATE: u8 = 2;
pub const PHASE_CLOSE: u8 = 3;
/// A connection attempt refused (or, in audit, that would have been).
pub const PHASE_DENIED: u8 = 4;

/// A flow record in the ring buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FlowRecord {
    pub header: RecordHeader,
    pub cookie: u64,
    /// Attempts this record stands for (denials are folded: see `DENIES`).
    pub count: u64,
    pub flow: Flow,
    pub phase: u8,
    /// TCP state number at the time (`TCP_ESTABLISHED` = 1, ...), 0 for UDP.
    pub tcp_state: u8,
    pub _pad: [u8; 6],
}

const _: () = assert!(size_of::<FlowRecord>() == 16 + 16 + size_of::<Flow>() + 8);

/// Key of the `DENIES` hash: one refused (pod, peer, port, protocol, direction).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DenyKey {
    pub cgroup_id: u64,
    pub remote_ip: [u8; 16],
    /// The port that was refused: the peer's for egress, the pod's own for ingress (a peer's
    /// source port changes with every attempt; the pod's port is what it tried to reach).
    pub port: u16,
    pub proto: u8,
    pub direction: u8,
    pub family: u8,
    pub _pad: [u8; 3],
}

const _: () = assert!(size_of::<DenyKey>() == 32);

/// Attempts counted for a [`DenyKey`] since the first was reported. The kernel only adds;
/// user space reports the growth as summary events and forgets idle keys.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DenyCount {
    pub count: u64,
    pub last_ns: u64,
    pub pid: u32,
    pub action: u8,
    pub _pad: [u8; 3],
    pub comm: [u8; COMM_LEN],
}

const _: () = assert!(size_of::<DenyCount>() == 8 + 8 + 8 + COMM_LEN);

impl DenyKey {
    /// The key a refused flow is counted under, in the kernel and in user space alike.
    pub fn of(f: &Flow) -> DenyKey {
        let port = if f.direction == DIR_INGRESS { f.local_port } else { f.remote_port };
        DenyKey {
            cgroup_id: f.cgroup_id,
            remote_ip: f.remote_ip,
            port,
            proto: f.proto,
            direction: f.direction,
            family: f.family,
            _pad: [0; 3],
        }
    }
}
