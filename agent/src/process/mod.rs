//! What the agent knows about processes: the binary and comm each pid last exec'd, to name a
//! process and its parent without a `/proc` read per event. Bounded; a pid whose exec the agent
//! did not see is read from `/proc` once (the agent runs in the host pid namespace) and kept
//! like the others, so a busy process costs two reads, not two per event.

use std::{
    collections::{HashMap, VecDeque},
    fs,
};

use rampart_proto::domain::Parent;

#[derive(Clone, Debug, Default)]
struct Proc {
    comm: String,
    binary: String,
}

pub struct ProcessTable {
    procs: HashMap<u32, Proc>,
    order: VecDeque<u32>,
    capacity: usize,
}

impl ProcessTable {
    pub fn new(capacity: usize) -> Self {
        ProcessTable { procs: HashMap::new(), order: VecDeque::new(), capacity }
    }

    /// `pid` now runs `binary` as `comm`.
    pub fn exec(&mut self, pid: u32, comm: &str, binary: &str) {
        let p = Proc { comm: comm.into(), binary: binary.into() };
        if self.procs.insert(pid, p).is_none() {
            self.order.push_back(pid);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.procs.remove(&old);
                }
            }
        }
    }

    /// The parent `ppid`, from the table or else `/proc`.
    pub fn parent(&mut self, ppid: u32) -> Parent {
        match self.lookup(ppid) {
            Some(p) => Parent { pid: ppid, comm: p.comm.clone(), binary: p.binary.clone() },
            None if ppid != 0 => Parent { pid: ppid, ..Parent::default() },
            None => Parent::default(),
        }
    }

    /// The binary `pid` runs, from the table or else `/proc`.
    pub fn binary(&mut self, pid: u32) -> String {
        self.lookup(pid).map(|p| p.binary.clone()).unwrap_or_default()
    }

    /// `pid` from the table, or read from `/proc` once and kept (nothing is kept for a process
    /// already gone).
    fn lookup(&mut self, pid: u32) -> Option<&Proc> {
        if pid == 0 {
            return None;
        }
        if !self.procs.contains_key(&pid) {
            let binary = fs::read_link(format!("/proc/{pid}/exe")).ok()?.display().to_string();
            let comm = fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|s| s.trim_end().to_string())
                .unwrap_or_default();
            self.exec(pid, &comm, &binary);
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
        assert_eq!(t.binary(me), p.binary);
    }
}
