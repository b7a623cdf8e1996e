//! Turning kernel records into `rampart.v1.Event`s (before attribution and verdict).

use agent_common::{
    record::{EXEC_ARGS_TRUNCATED, ExecRecord, TaskInfo},
    user::c_bytes,
};
use rampart_proto::{
    v1::{Event, Exec, Parent, Process, event::Body},
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
