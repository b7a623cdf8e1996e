//! Decoding exec and flow records (and the fields every record shares) into typed
//! observations ([`rampart_proto::domain`]), once. Files and privilege changes have their own
//! modules.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use agent_common::{
    net::{
        ACTION_AUDIT, ACTION_DENY, DIR_INGRESS, FLOW_RESTRICTED, FLOW_UNKNOWN_PEER, FLOW_UNKNOWN_POD,
        FlowRecord, IPPROTO_UDP, OWNER_KNOWN, PHASE_CLOSE, PHASE_UPDATE,
    },
    record::{EXEC_ARGS_TRUNCATED, EXEC_HELD, ExecRecord, TaskInfo},
    user::c_bytes,
};
use rampart_policy::{Action, Direction, Protocol};
use rampart_proto::{
    domain::{
        Exec, Flow, KernelVerdict, Observation, Observed, Parent, Process, TaskIds, TcpState, UnknownPod,
    },
    v1::{flow::Phase, verdict::Tier},
    wkt::Timestamp,
};

/// Converts the kernel's CLOCK_BOOTTIME stamps to wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// CLOCK_REALTIME - CLOCK_BOOTTIME, in ns.
    offset_ns: i64,
}

fn clock_ns(id: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// CLOCK_BOOTTIME now, in ns (the kernel's `bpf_ktime_get_boot_ns`).
pub fn boot_ns() -> u64 {
    clock_ns(libc::CLOCK_BOOTTIME) as u64
}

impl Clock {
    pub fn now() -> Self {
        Clock { offset_ns: clock_ns(libc::CLOCK_REALTIME) - clock_ns(libc::CLOCK_BOOTTIME) }
    }

    /// A clock whose wall time is `offset_ns` after the boot-time stamp (recorded fixtures).
    pub fn with_offset(offset_ns: i64) -> Self {
        Clock { offset_ns }
    }

    /// The wall time of boot-time stamp `boot_ns`; a stamp no kernel writes (past `i64::MAX`, or
    /// one that would overflow) saturates instead of wrapping or panicking.
    pub fn wall(&self, boot_ns: u64) -> Timestamp {
        Timestamp::from_unix_nanos(i64::try_from(boot_ns).unwrap_or(i64::MAX).saturating_add(self.offset_ns))
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The kernel's decision code as an action.
pub fn action(code: u8) -> Action {
    match code {
        ACTION_DENY => Action::Deny,
        ACTION_AUDIT => Action::Audit,
        _ => Action::Allow,
    }
}

/// The process part of an observation, from the kernel's view of the task.
pub fn process(task: &TaskInfo, binary: String, parent: Parent) -> Process {
    Process {
        pid: task.pid,
        tid: task.tid,
        ids: Some(TaskIds { uid: task.uid, euid: task.euid, gid: task.gid, egid: task.egid }),
        comm: text(c_bytes(&task.comm, task.comm.len())),
        binary,
        parent,
    }
}

/// argv from the NUL-separated bytes of `mm->arg_start..arg_end`.
pub fn split_args(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes.split(|&b| b == 0).map(text).collect()
}

/// An exec: only seen, never judged by a kernel program.
pub fn exec(r: &ExecRecord, clock: &Clock, parent: Parent) -> Observation {
    let binary = text(c_bytes(&r.filename, usize::from(r.filename_len)));
    let args = &r.args[..usize::from(r.args_len).min(r.args.len())];
    Observation {
        time: clock.wall(r.header.boot_ns),
        process: process(&r.task, binary.clone(), parent),
        body: Observed::Exec(Exec {
            binary,
            args: split_args(args),
            args_truncated: r.flags & EXEC_ARGS_TRUNCATED != 0,
            held: r.flags & EXEC_HELD != 0,
        }),
        kernel: None,
        repeat_count: 0,
    }
}

/// The address a flow's bytes hold for its family.
pub fn flow_ip(family: u8, bytes: &[u8; 16]) -> IpAddr {
    if family == 4 {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    } else {
        IpAddr::V6(Ipv6Addr::from(*bytes))
    }
}

/// A flow; the kernel's verdict is what the cgroup programs did. The process is the socket's
/// owner: the task that connected it, or that bound the socket a connection arrived at.
pub fn flow(r: &FlowRecord, clock: &Clock, parent: Parent, binary: String) -> Observation {
    let f = &r.flow;
    let phase = match r.phase {
        PHASE_UPDATE => Phase::Update,
        PHASE_CLOSE => Phase::Close,
        // An open, or a refused attempt (the verdict says which).
        _ => Phase::Open,
    };
    let protocol = if f.proto == IPPROTO_UDP { Protocol::Udp } else { Protocol::Tcp };
    let action = action(f.action);
    let unknown_pod = f.flags & FLOW_UNKNOWN_POD != 0;
    // The cgroup programs judged this pod's traffic whenever a policy (or the fail-closed
    // setting for an unknown pod) applied to it.
    let judged = f.flags & FLOW_RESTRICTED != 0 || (unknown_pod && action == Action::Deny);
    Observation {
        time: clock.wall(r.header.boot_ns),
        process: Process {
            pid: f.pid,
            tid: f.pid,
            ids: (f.owner.flags & OWNER_KNOWN != 0).then_some(TaskIds {
                uid: f.owner.uid,
                euid: f.owner.euid,
                gid: f.owner.gid,
                egid: f.owner.egid,
            }),
            comm: text(c_bytes(&f.comm, f.comm.len())),
            binary,
            parent,
        },
        body: Observed::Flow(Flow {
            direction: if f.direction == DIR_INGRESS { Direction::Ingress } else { Direction::Egress },
            protocol,
            phase,
            local_ip: (f.local_ip != [0; 16]).then(|| flow_ip(f.family, &f.local_ip)),
            local_port: f.local_port,
            remote_ip: flow_ip(f.family, &f.remote_ip),
            remote_port: f.remote_port,
            bytes_sent: f.bytes_sent,
            bytes_received: f.bytes_received,
            packets_sent: f.packets_sent,
            packets_received: f.packets_received,
            tcp_state: if protocol == Protocol::Udp { None } else { TcpState::from_kernel(r.tcp_state) },
            socket_cookie: r.cookie,
            remote_pod: None,
        }),
        kernel: Some(KernelVerdict {
            action,
            tier: if judged { Tier::Cgroup } else { Tier::None },
            enforced: action == Action::Deny,
            unknown_peer: f.flags & FLOW_UNKNOWN_PEER != 0,
            unknown_pod: unknown_pod.then_some(if action == Action::Deny {
                UnknownPod::FailClosed
            } else {
                UnknownPod::FailOpen
            }),
        }),
        repeat_count: r.count,
    }
}

#[cfg(test)]
mod tests {
    use agent_common::net::Flow as KernelFlow;

    use super::*;

    #[test]
    fn args_split_on_nul() {
        assert_eq!(split_args(b"sh\0-c\0echo hi\0"), ["sh", "-c", "echo hi"]);
        assert_eq!(split_args(b"truncat"), ["truncat"]);
        assert!(split_args(b"").is_empty());
        assert_eq!(split_args(b"a\0\0b\0"), ["a", "", "b"]);
    }

    /// Found by the `ring_record` fuzz target (`fuzz/corpus/ring_record/boot_ns_overflow`): a
    /// flow record whose boot-time stamp is 0x6a6a...2a overflowed the addition.
    #[test]
    fn a_stamp_no_kernel_writes_saturates() {
        let c = Clock::with_offset(1_700_000_000_000_000_000);
        assert_eq!(c.wall(0x6a6a_6a6a_6a6a_002a).unix_nanos(), i64::MAX);
        assert_eq!(c.wall(u64::MAX).unix_nanos(), i64::MAX);
        assert_eq!(Clock::with_offset(-5).wall(0).unix_nanos(), -5);
    }

    #[test]
    fn wall_clock_is_near_now() {
        let c = Clock::now();
        let boot = clock_ns(libc::CLOCK_BOOTTIME) as u64;
        let wall = c.wall(boot).unix_nanos();
        let now = clock_ns(libc::CLOCK_REALTIME);
        assert!((now - wall).abs() < 1_000_000_000);
    }

    #[test]
    fn a_flow_is_judged_on_the_records_address_and_the_pod_side_port() {
        // SAFETY: a zeroed flow is valid plain data.
        let mut f: KernelFlow = unsafe { std::mem::zeroed() };
        f.family = 4;
        f.remote_ip[..4].copy_from_slice(&[10, 1, 2, 3]);
        f.remote_port = 5432;
        f.local_port = 40000;
        f.proto = IPPROTO_UDP;
        // SAFETY: a zeroed record is valid plain data.
        let mut r: FlowRecord = unsafe { std::mem::zeroed() };
        r.flow = f;
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let o = flow(&r, &Clock::with_offset(0), Parent::default(), String::new());
        assert_eq!(
            o.activity(),
            rampart_policy::Activity::Connection {
                direction: Direction::Egress,
                peer,
                port: 5432,
                protocol: Protocol::Udp,
                remote: None,
                local: None,
            }
        );
        f.direction = DIR_INGRESS;
        r.flow = f;
        assert!(matches!(
            flow(&r, &Clock::with_offset(0), Parent::default(), String::new()).activity(),
            rampart_policy::Activity::Connection { port: 40000, .. }
        ));
    }
}
