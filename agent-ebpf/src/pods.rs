//! Which pod a task or socket belongs to, and what the kernel enforces for it: the maps the
//! agent fills, shared by every concern.
//!
//! A task's pod is found from its cgroup: the ancestor at `RuntimeConfig::kubepods_level` must
//! be a known kubepods root (else it is a host task: one lookup and out), then the task's own
//! cgroup or its pod-level ancestor must have a `PODS` entry (else its policy is not known yet).

use agent_common::net::{PodPolicy, RuntimeConfig};

use crate::{
    maps::{ancestor_walk, config},
    task::{current_task, read_field},
};
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
    // A constant of the loaded object: the verifier only sees the branch taken.
    let state = if ancestor_walk() {
        pod_state(cfg, leaf, walked_ancestor)
    } else {
        pod_state(cfg, leaf, |l| unsafe { bpf_get_current_ancestor_cgroup_id(l) })
    };
    (state, leaf)
}

/// Deepest cgroup level walked.
const MAX_LEVEL: i32 = 32;

/// `bpf_get_current_ancestor_cgroup_id(level)` where tracing programs may not call it: the id
/// of the current task's cgroup v2 ancestor at `level` (the root is 0), 0 when the task is not
/// that deep.
#[inline(always)]
fn walked_ancestor(level: i32) -> u64 {
    let cfg = config();
    // SAFETY: offsets from BTF; reads are checked.
    unsafe {
        let Ok(set) = read_field::<*const u8>(current_task(), cfg.task_cgroups) else { return 0 };
        let Ok(mut cgroup) = read_field::<*const u8>(set, cfg.css_set_dfl_cgrp) else { return 0 };
        let Ok(own) = read_field::<i32>(cgroup, cfg.cgroup_level) else { return 0 };
        if level < 0 || level > own {
            return 0;
        }
        let steps = own - level;
        for i in 0..MAX_LEVEL {
            if i >= steps {
                break;
            }
            let Ok(parent) = read_field::<*const u8>(cgroup, cfg.cgroup_self + cfg.css_parent) else {
                return 0;
            };
            if parent.is_null() {
                return 0;
            }
            // The parent css is its cgroup's `self`.
            cgroup = parent.wrapping_sub(cfg.cgroup_self as usize);
        }
        let Ok(kn) = read_field::<*const u8>(cgroup, cfg.cgroup_kn) else { return 0 };
        read_field::<u64>(kn, cfg.kernfs_node_id).unwrap_or(0)
    }
}
