//! Which pod a task or socket belongs to, and what the kernel enforces for it: the maps the
//! agent fills, shared by every concern.
//!
//! A task's pod is found from its cgroup: the ancestor at `RuntimeConfig::kubepods_level` must
//! be a known kubepods root (else it is a host task: one lookup and out), then the task's own
//! cgroup or its pod-level ancestor must have a `PODS` entry (else its policy is not known yet).

use agent_common::net::{PodPolicy, RuntimeConfig};
use aya_ebpf::{
    helpers::generated::{bpf_get_current_ancestor_cgroup_id, bpf_get_current_cgroup_id},
    macros::map,
    maps::{Array, HashMap},
};

#[map]
pub static KUBEPODS: HashMap<u64, u32> = HashMap::with_max_entries(16, 0);
#[map]
pub static PODS: HashMap<u64, PodPolicy> = HashMap::with_max_entries(65536, 0);
#[map]
pub static RUNTIME: Array<RuntimeConfig> = Array::with_max_entries(1, 0);
/// Where a task (or socket) stands.
#[derive(Clone, Copy)]
pub enum PodState {
    Host,
    /// Below a kubepods root, but no policy entry yet.
    Unknown,
    Pod(PodPolicy),
}

#[inline(always)]
pub fn runtime() -> RuntimeConfig {
    match RUNTIME.get(0) {
        Some(c) => *c,
        None => RuntimeConfig::default(),
    }
}

/// The pod state of a task or socket whose cgroup is `leaf`, with `ancestor(level)` giving the
/// id of its ancestor at `level`.
#[inline(always)]
pub fn pod_state(cfg: &RuntimeConfig, leaf: u64, ancestor: impl Fn(i32) -> u64) -> PodState {
    let level = cfg.kubepods_level;
    if level == 0 {
        return PodState::Host;
    }
    // SAFETY: plain map lookups.
    unsafe {
        if KUBEPODS.get(&ancestor(level as i32)).is_none() {
            return PodState::Host;
        }
        if let Some(p) = PODS.get(&leaf) {
            return PodState::Pod(*p);
        }
        // The pod level sits one (guaranteed) or two (burstable, besteffort) below kubepods.
        if let Some(p) = PODS.get(&ancestor(level as i32 + 1)) {
            return PodState::Pod(*p);
        }
        if let Some(p) = PODS.get(&ancestor(level as i32 + 2)) {
            return PodState::Pod(*p);
        }
    }
    PodState::Unknown
}

/// The pod state of the current task, and its cgroup id.
#[inline(always)]
pub fn current(cfg: &RuntimeConfig) -> (PodState, u64) {
    // SAFETY: helpers without preconditions.
    let leaf = unsafe { bpf_get_current_cgroup_id() };
    let state = pod_state(cfg, leaf, |l| unsafe { bpf_get_current_ancestor_cgroup_id(l) });
    (state, leaf)
}
