//! What the agent knows about processes: the binary and comm each pid last exec'd, to name a
//! process and its parent without a `/proc` read per event.
//!
//! Design constraints, first:
//! - **Bounded**, at [`CAPACITY`] pids (first in, first out); a node's `pid_max` bounds it too,
//!   since it is keyed by pid. A pid whose exec the agent did not see (or forgot) is read from
//!   `/proc` once (the agent runs in the host pid namespace) and kept like the others, so a
//!   busy process costs two reads, not two per event.
//! - **Never another process's name**: a pid is handed out again once its process is gone
//!   (after `pid_max` more, 32,768 on some nodes), and a process that forked without exec'ing
//!   would otherwise be named after the pid's earlier owner. The kernel reports each process's
//!   exit ([`ProcessTable::exited`]); a later event under that pid whose comm is not the dead
//!   process's is another process's, read from `/proc`, and named by nothing when it is gone
//!   too. The dead process's own last events (its sockets close after its exit) keep its name.
//! - **Small per process**: a node may run 100,000 of them. The comm is kept inline (the
//!   kernel's is at most 15 bytes) and each binary path once, shared by every process that runs
//!   it (a pool swept when it has doubled), so a pid costs about 110 bytes of RSS (measured by
//!   `cargo xtask bench --only footprint`) rather than two strings of its own (~240).

use std::{
    collections::{HashMap, HashSet, VecDeque},
    fs,
    sync::Arc,
};

use rampart_proto::domain::Parent;

/// Pids the table keeps at most: enough for 100,000 live processes on a node whose `pid_max`
/// allows them (most distributions set 4,194,304 on 64-bit).
pub const CAPACITY: usize = 128 * 1024;

/// The kernel's `TASK_COMM_LEN`, NUL included.
const COMM_LEN: usize = 16;

#[derive(Clone, Debug)]
struct Proc {
    /// NUL-padded, as the kernel keeps it.
    comm: [u8; COMM_LEN],
    binary: Arc<str>,
    /// The kernel reported the process's exit: the pid may since be another process's.
    exited: bool,
}

impl Proc {
    /// The comm's bytes up to its NUL.
    fn comm_slice(&self) -> &[u8] {
        agent_common::user::c_bytes(&self.comm, COMM_LEN)
    }

    fn comm(&self) -> String {
        String::from_utf8_lossy(self.comm_slice()).into_owned()
    }
}

/// Cut `comm` to what the kernel keeps (15 bytes), at a character boundary.
fn comm_bytes(comm: &str) -> [u8; COMM_LEN] {
    let mut end = comm.len().min(COMM_LEN - 1);
    while !comm.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = [0; COMM_LEN];
    out[..end].copy_from_slice(&comm.as_bytes()[..end]);
    out
}

pub struct ProcessTable {
    procs: HashMap<u32, Proc>,
    order: VecDeque<u32>,
    capacity: usize,
    /// One copy of each binary path in use.
    binaries: HashSet<Arc<str>>,
    /// Paths in `binaries` after its last sweep.
    swept: usize,
}

impl ProcessTable {
    pub fn new(capacity: usize) -> Self {
        ProcessTable {
            procs: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            binaries: HashSet::new(),
            swept: 0,
        }
    }

    /// `pid` now runs `binary` as `comm`.
    pub fn exec(&mut self, pid: u32, comm: &str, binary: &str) {
        let p = Proc { comm: comm_bytes(comm), binary: self.share(binary), exited: false };
        if self.procs.insert(pid, p).is_none() {
            self.order.push_back(pid);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.procs.remove(&old);
                }
            }
        }
    }

    /// The shared copy of `binary`; paths no process runs any more go when the pool doubles.
    fn share(&mut self, binary: &str) -> Arc<str> {
        if let Some(b) = self.binaries.get(binary) {
            return Arc::clone(b);
        }
        let b: Arc<str> = binary.into();
        self.binaries.insert(Arc::clone(&b));
        if self.binaries.len() > 2 * self.swept.max(64) {
            self.binaries.retain(|b| Arc::strong_count(b) > 1);
            self.swept = self.binaries.len();
        }
        b
    }

    /// `pid`'s process ended (the kernel's `sched_process_exit` of its thread-group leader).
    /// Its entry stays for the events its exit still makes.
    pub fn exited(&mut self, pid: u32) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.exited = true;
        }
    }

    /// The parent `ppid`, from the table or else `/proc`. An event's parent is alive when the
    /// event is made, and records arrive in the order they were made: a parent whose exit
    /// came first is a later process with the same pid.
    pub fn parent(&mut self, ppid: u32) -> Parent {
        match self.lookup(ppid, None) {
            Some(p) => Parent { pid: ppid, comm: p.comm(), binary: p.binary.to_string() },
            None if ppid != 0 => Parent { pid: ppid, ..Parent::default() },
            None => Parent::default(),
        }
    }

    /// The binary `pid` runs, from the table or else `/proc`; `comm` is the one the kernel
    /// read with the event (NUL-padded), which tells a dead process's last events from a new
    /// process with its pid.
    pub fn binary(&mut self, pid: u32, comm: &[u8]) -> String {
        self.lookup(pid, Some(comm)).map(|p| p.binary.to_string()).unwrap_or_default()
    }

    /// `pid` from the table, or read from `/proc` once and kept (nothing is kept for a process
    /// already gone). An exited entry answers only for its own process: for an event with its
    /// comm (`comm`: `None` for a parent, which never outlives its exit).
    fn lookup(&mut self, pid: u32, comm: Option<&[u8]>) -> Option<&Proc> {
        if pid == 0 {
            return None;
        }
        match self.procs.get(&pid) {
            Some(p) if !p.exited => {}
            Some(p) if comm.is_some_and(|c| agent_common::user::c_bytes(c, COMM_LEN) == p.comm_slice()) => {}
            // Not known, or the pid is another process's now.
            _ => {
                let binary = fs::read_link(format!("/proc/{pid}/exe")).ok()?.display().to_string();
                let comm = fs::read_to_string(format!("/proc/{pid}/comm"))
                    .map(|s| s.trim_end().to_string())
                    .unwrap_or_default();
                self.exec(pid, &comm, &binary);
            }
        }
        self.procs.get(&pid)
    }

    pub fn len(&self) -> usize {
        self.procs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_bounds() {
        let mut t = ProcessTable::new(2);
        t.exec(10, "sh", "/bin/sh");
        t.exec(11, "a", "/a");
        t.exec(12, "b", "/b");
        assert_eq!(t.len(), 2);
        assert_eq!(t.parent(12).binary, "/b");
        // pid 10 fell out; /proc has no pid 10 of ours to name, so it is empty or a real one.
        assert_eq!(t.parent(10).pid, 10);
        assert_eq!(t.parent(0), Parent::default());
    }

    #[test]
    fn falls_back_to_proc_once() {
        let mut t = ProcessTable::new(4);
        let me = std::process::id();
        let p = t.parent(me);
        assert!(!p.comm.is_empty());
        assert!(!p.binary.is_empty());
        assert_eq!(t.len(), 1, "what /proc said is kept");
        assert_eq!(t.binary(me, &comm_bytes(&p.comm)), p.binary);
    }

    #[test]
    fn keeps_the_kernels_comm_and_one_copy_of_each_binary() {
        let mut t = ProcessTable::new(1000);
        t.exec(1, "a-very-long-command-name", "/usr/bin/x");
        t.exec(2, "ünïcödé-ñame-xx", "/usr/bin/x");
        assert_eq!(t.parent(1).comm, "a-very-long-com");
        assert_eq!(t.parent(2).comm, "ünïcödé-ña");
        assert_eq!(t.parent(2).binary, "/usr/bin/x");
        assert_eq!(t.binaries.len(), 1);
        // Binaries nobody runs any more leave the pool once it has doubled.
        for pid in 3..400 {
            t.exec(pid, "sh", &format!("/bin/{pid}"));
            t.exec(pid, "sh", "/bin/sh");
        }
        assert!(t.binaries.len() <= 2 * 64 + 1, "{} binaries kept", t.binaries.len());
    }

    /// A pid no process can have (`pid_max` is at most 2^22).
    const GONE: u32 = u32::MAX - 1;

    fn comm(s: &str) -> [u8; COMM_LEN] {
        comm_bytes(s)
    }

    #[test]
    fn an_exited_pid_names_only_its_own_last_events() {
        let mut t = ProcessTable::new(8);
        t.exec(GONE, "echo", "/bin/echo");
        t.exec(GONE - 1, "sh", "/bin/sh");
        t.exited(GONE);
        // The dead process's own last events (its sockets closing) keep its name...
        assert_eq!(t.binary(GONE, &comm("echo")), "/bin/echo");
        // ... another process under its pid is not named after it (and is gone from /proc too).
        assert_eq!(t.binary(GONE, &comm("rampart-trigger")), "");
        // A parent outlives no exit of its own.
        assert_eq!(t.parent(GONE), Parent { pid: GONE, ..Parent::default() });
        // A live process's threads may carry other comms: still named.
        assert_eq!(t.binary(GONE - 1, &comm("worker-1")), "/bin/sh");
        assert_eq!(t.parent(GONE - 1).binary, "/bin/sh");
        // A new exec under the pid is the pid's process again.
        t.exec(GONE, "cat", "/bin/cat");
        assert_eq!(t.binary(GONE, &comm("cat")), "/bin/cat");
        assert_eq!(t.parent(GONE).binary, "/bin/cat");
    }

    #[test]
    fn a_reused_pid_is_read_from_proc() {
        let mut t = ProcessTable::new(8);
        let me = std::process::id();
        let exe = fs::read_link("/proc/self/exe").unwrap().display().to_string();
        t.exec(me, "old", "/usr/bin/old");
        t.exited(me);
        assert_eq!(t.binary(me, &comm("new-comm")), exe);
        assert_eq!(t.parent(me).binary, exe, "what /proc said is kept");
    }
}
