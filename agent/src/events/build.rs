//! Turning kernel records into `rampart.v1.Event`s (before attribution and verdict).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use agent_common::{
    net::{
        ACTION_AUDIT, ACTION_DENY, DIR_INGRESS, FLOW_RESTRICTED, FLOW_UNKNOWN_POD, Flow as KernelFlow,
        FlowRecord, IPPROTO_UDP, PHASE_CLOSE, PHASE_UPDATE,
    },
    record::{EXEC_ARGS_TRUNCATED, ExecRecord, TaskInfo},
    user::c_bytes,
};
use rampart_proto::{
    v1::{
        Event, Exec, Flow, Parent, Process, Verdict,
        event::Body,
        flow::{Direction, Phase, Protocol},
        verdict,
    },
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

    pub fn wall(&self, boot_ns: u64) -> Timestamp {
        Timestamp::from_unix_nanos(boot_ns as i64 + self.offset_ns)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The process part of an event, from the kernel's view of the task.
pub fn process(task: &TaskInfo, binary: String, parent: Parent) -> Process {
    Process {
        pid: task.pid,
        tid: task.tid,
        uid: task.uid,
        euid: task.euid,
        gid: task.gid,
        egid: task.egid,
        comm: text(c_bytes(&task.comm, task.comm.len())),
        binary,
        parent: Some(parent),
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

pub fn exec_binary(r: &ExecRecord) -> String {
    text(c_bytes(&r.filename, usize::from(r.filename_len)))
}

/// An exec event without pod and verdict.
pub fn exec_event(r: &ExecRecord, node: &str, clock: &Clock, parent: Parent) -> Event {
    let binary = exec_binary(r);
    let args = &r.args[..usize::from(r.args_len).min(r.args.len())];
    Event {
        time: Some(clock.wall(r.header.boot_ns)),
        node: node.to_string(),
        pod: None,
        process: Some(process(&r.task, binary.clone(), parent)),
        body: Some(Body::Exec(Exec {
            binary,
            args: split_args(args),
            args_truncated: r.flags & EXEC_ARGS_TRUNCATED != 0,
        })),
        verdict: None,
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

/// `TCP_*` state names (`include/net/tcp_states.h`).
pub fn tcp_state_name(state: u8) -> &'static str {
    match state {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => "",
    }
}

/// A flow as the kernel reported it: an open, update or close record, or a summary of the
/// refusals it counted (`count` attempts, the last at `boot_ns`).
#[derive(Clone, Copy, Debug)]
pub struct FlowReport<'a> {
    pub flow: &'a KernelFlow,
    pub phase: u8,
    pub tcp_state: u8,
    pub cookie: u64,
    pub count: u64,
    pub boot_ns: u64,
}

impl<'a> From<&'a FlowRecord> for FlowReport<'a> {
    fn from(r: &'a FlowRecord) -> Self {
        FlowReport {
            flow: &r.flow,
            phase: r.phase,
            tcp_state: r.tcp_state,
            cookie: r.cookie,
            count: r.count,
            boot_ns: r.header.boot_ns,
        }
    }
}

/// A flow event without pod; its verdict says what the kernel did (policy and rule are named
/// after attribution, by the verdict function).
pub fn flow_event(r: &FlowReport<'_>, node: &str, clock: &Clock, binary: String) -> Event {
    let f = r.flow;
    let phase = match r.phase {
        PHASE_UPDATE => Phase::Update,
        PHASE_CLOSE => Phase::Close,
        // An open, or a refused attempt (the verdict says which).
        _ => Phase::Open,
    };
    let action = match f.action {
        ACTION_DENY => verdict::Action::Deny,
        ACTION_AUDIT => verdict::Action::Audit,
        _ => verdict::Action::Allow,
    };
    // The cgroup programs judged this pod's traffic whenever a policy (or the fail-closed
    // setting for an unknown pod) applied to it.
    let judged =
        f.flags & FLOW_RESTRICTED != 0 || (f.flags & FLOW_UNKNOWN_POD != 0 && f.action == ACTION_DENY);
    let (rule, policy) = if f.flags & FLOW_UNKNOWN_POD != 0 {
        let mode = if f.action == ACTION_DENY { "fail-closed" } else { "fail-open" };
        (format!("unknown-pod ({mode})"), String::new())
    } else {
        (String::new(), String::new())
    };
    Event {
        time: Some(clock.wall(r.boot_ns)),
        node: node.to_string(),
        pod: None,
        process: Some(Process {
            pid: f.pid,
            tid: f.pid,
            comm: text(c_bytes(&f.comm, f.comm.len())),
            binary,
            ..Default::default()
        }),
        body: Some(Body::Flow(Flow {
            direction: if f.direction == DIR_INGRESS { Direction::Ingress } else { Direction::Egress } as i32,
            protocol: if f.proto == IPPROTO_UDP { Protocol::Udp } else { Protocol::Tcp } as i32,
            phase: phase as i32,
            local_ip: if f.local_ip == [0; 16] {
                String::new()
            } else {
                flow_ip(f.family, &f.local_ip).to_string()
            },
            local_port: u32::from(f.local_port),
            remote_ip: flow_ip(f.family, &f.remote_ip).to_string(),
            remote_port: u32::from(f.remote_port),
            bytes_sent: f.bytes_sent,
            bytes_received: f.bytes_received,
            packets_sent: f.packets_sent,
            packets_received: f.packets_received,
            tcp_state: if f.proto == IPPROTO_UDP {
                String::new()
            } else {
                tcp_state_name(r.tcp_state).to_string()
            },
            socket_cookie: r.cookie,
        })),
        verdict: Some(Verdict {
            action: action as i32,
            policy,
            rule,
            tier: if judged { verdict::Tier::Cgroup } else { verdict::Tier::None } as i32,
            enforced: action == verdict::Action::Deny,
            degraded: false,
        }),
        repeat_count: r.count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_split_on_nul() {
        assert_eq!(split_args(b"sh\0-c\0echo hi\0"), ["sh", "-c", "echo hi"]);
        assert_eq!(split_args(b"truncat"), ["truncat"]);
        assert!(split_args(b"").is_empty());
        assert_eq!(split_args(b"a\0\0b\0"), ["a", "", "b"]);
    }

    #[test]
    fn wall_clock_is_near_now() {
        let c = Clock::now();
        let boot = clock_ns(libc::CLOCK_BOOTTIME) as u64;
        let wall = c.wall(boot).unix_nanos();
        let now = clock_ns(libc::CLOCK_REALTIME);
        assert!((now - wall).abs() < 1_000_000_000);
    }
}
