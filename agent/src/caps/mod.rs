//! What this node can enforce, found by trying: for each concern (network, rootfs writes,
//! privilege) every tier's smallest program is loaded **and attached**, and the strongest tier
//! that works is chosen. A BPF LSM program can load and attach yet never run when `bpf` is not
//! in the kernel's active LSM list, so that list is checked too.
//!
//! Tiers, strongest first: `lsm` (deny before the act), `cgroup` (network only), `sigkill`
//! (tracepoint + `bpf_send_signal`), `none` (report only). The network concern prefers
//! `cgroup`, which the agent enforces with everywhere (see [`Concern::preference`]).

mod kernel;
mod report;
mod trial;

pub use kernel::KernelInfo;
pub use report::{Concern, ConcernReport, ProbeReport, Tier, TierStatus};

use crate::loader::tracefs::Tracefs;

/// Probe the running kernel. Needs root (CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON); without them
/// every tier but `none` reports the errno it got.
pub fn probe() -> ProbeReport {
    let tracefs = Tracefs::find_or_mount();
    let kernel = KernelInfo::read(&tracefs);
    let mut trials = trial::Trials::new(&kernel, tracefs.ok());
    let mut concern = |c: Concern| {
        let tiers = c.preference().map(|t| (t, trials.try_tier(c, t)));
        ConcernReport::choose(tiers)
    };
    ProbeReport {
        network: concern(Concern::Network),
        rootfs: concern(Concern::Rootfs),
        privilege: concern(Concern::Privilege),
        kernel,
    }
}
