//! Holding a container's first instruction until its mount table is known.
//!
//! On the tracepoint tier a path string is placed on a mount by the container's mount table
//! (`MOUNTS`), which the agent reads from `/proc/PID/mountinfo`. A container created and
//! started back to back (`runc run`) can exec its entrypoint before the agent has read it; its
//! first writes could then only be reported. So an exec (`sched_process_exec`) by a task of a
//! pod under an enforced `readOnly` rule, in a mount namespace whose table is not known, stops
//! the process (SIGSTOP, delivered before the new image's first instruction) and records it in
//! `HELD`; the agent learns the table and sends SIGCONT. The signal is sent before the entry is
//! written, so an agent that sees the entry always finds the stop queued (a SIGCONT discards a
//! stop not yet delivered).
//!
//! Holding needs an agent to release: the agent renews `RuntimeConfig::hold_until_ns` every
//! second, and once that lease lapses (no agent; pinned programs enforcing alone) nobody is
//! held and such writes are reported as on an unknown mount, as before.

use agent_common::{
    config::KernelConfig,
    rootfs::{ROOTFS_AUDIT, ROOTFS_READONLY},
};
use aya_ebpf::{
    helpers::{
        bpf_get_current_pid_tgid,
        generated::{bpf_ktime_get_boot_ns, bpf_send_signal},
    },
    macros::map,
    maps::HashMap,
};

use super::{MNTNS, current_mntns, in_node_root};
use crate::pods::{self, PodState};

/// Processes stopped at exec: tgid → mount namespace (see the module doc).
#[map]
pub static HELD: HashMap<u32, u32> = HashMap::with_max_entries(4096, 0);

const SIGSTOP: u32 = 19;
const SIGCONT: u32 = 18;

/// Stop the current process if its exec must wait for its mount table; whether it was.
#[inline(always)]
pub fn hold_if_unknown(cfg: &KernelConfig) -> bool {
    let runtime = pods::runtime();
    // SAFETY: helper without preconditions.
    if runtime.hold_until_ns == 0 || unsafe { bpf_ktime_get_boot_ns() } > runtime.hold_until_ns {
        return false;
    }
    let PodState::Pod(pod) = pods::current(&runtime).0 else { return false };
    if pod.flags & ROOTFS_READONLY == 0 || pod.flags & ROOTFS_AUDIT != 0 {
        return false;
    }
    // A runtime before `pivot_root` is not in the container yet; its table is not the one.
    if in_node_root(cfg) {
        return false;
    }
    let mntns = current_mntns(cfg);
    // SAFETY: plain lookup.
    if mntns == 0 || unsafe { MNTNS.get(&mntns) }.is_some() {
        return false;
    }
    // SAFETY: helper; signals the current task's process.
    if unsafe { bpf_send_signal(SIGSTOP) } != 0 {
        return false;
    }
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    if HELD.insert(&tgid, &mntns, 0).is_err() {
        // Nobody would release it: the SIGCONT discards the stop before it is delivered.
        // SAFETY: as above.
        unsafe { bpf_send_signal(SIGCONT) };
        return false;
    }
    true
}
