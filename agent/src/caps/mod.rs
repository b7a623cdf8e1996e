//! What this node can enforce, found by trying: for each concern (network, rootfs writes,
//! privilege) the tiers are engaged in order of preference — every program a tier needs loaded
//! **and attached** ([`crate::loader::tiers`]) — and the first that engages whole is the
//! concern's tier. A BPF LSM program can load and attach yet never run when `bpf` is not in the
//! kernel's active LSM list, so that list is checked first.
//!
//! Tiers, strongest first: `lsm` (deny before the act), `cgroup` (network only), `sigkill`
//! (tracepoint + `bpf_send_signal`), `none` (report only). The network concern prefers
//! `cgroup`, which the agent enforces with everywhere (see [`Concern::preference`]).
//!
//! Start-up facts are computed once ([`Startup::discover`]): tracefs, the kernel's identity and
//! LSM list, this kernel's struct offsets (one parse of its BTF by our reader), and aya's BTF
//! (parsed only where LSM programs can run). The agent and `rampart-agent probe` share them.

mod kernel;
mod report;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use agent_common::config::KernelConfig;
use aya::Ebpf;

pub use kernel::KernelInfo;
pub use report::{Concern, ConcernReport, ProbeReport, Tier, TierStatus};

use crate::loader::{
    self, Attached,
    offsets::{self, OffsetError},
    tiers::{self, Hooks},
    tracefs::Tracefs,
};

/// Why aya's BTF for LSM programs is not at hand.
#[derive(Debug, thiserror::Error)]
pub enum NoLsmBtf {
    #[error("bpf is not in the active LSM list ({list}): LSM programs would attach but never run")]
    NotActive { list: String },
    #[error("kernel BTF unavailable: {0}")]
    Unavailable(#[from] aya::BtfError),
    #[error("the kernel BTF was released after start-up")]
    Released,
}

/// Facts about the running kernel, computed once at start.
pub struct Startup {
    pub kernel: KernelInfo,
    pub tracefs: Option<Tracefs>,
    /// aya's BTF for LSM programs, or why LSM programs cannot be used here.
    pub btf: Result<aya::Btf, NoLsmBtf>,
    /// How long each step took.
    pub steps: Vec<(&'static str, Duration)>,
}

impl Startup {
    /// Find tracefs (mounting it if needed), read the kernel's identity and LSM list, compute
    /// the offsets and, where `bpf` is an active LSM, parse the BTF LSM programs load against.
    pub fn discover() -> Startup {
        let mut steps = Vec::new();
        let mut step = |name, since: Instant| steps.push((name, since.elapsed()));
        let t = Instant::now();
        let tracefs = Tracefs::find_or_mount();
        let kernel = KernelInfo::read(&tracefs);
        let tracefs = tracefs.ok();
        step("kernel facts", t);
        let t = Instant::now();
        let btf = if !kernel.has_bpf_lsm() {
            let list = if kernel.lsm.is_empty() {
                kernel.lsm_error.clone().unwrap_or_else(|| "unknown".into())
            } else {
                kernel.lsm.join(",")
            };
            Err(NoLsmBtf::NotActive { list })
        } else {
            aya::Btf::from_sys_fs().map_err(NoLsmBtf::from)
        };
        step("BTF for LSM programs", t);
        Startup { kernel, tracefs, btf, steps }
    }

    /// Free aya's parse of the kernel BTF (tens of MiB for a full vmlinux) while no concern
    /// needs it; the other facts stay. [`Startup::reparse_btf`] brings it back.
    pub fn release_btf(&mut self) {
        if self.btf.is_ok() {
            self.btf = Err(NoLsmBtf::Released);
        }
    }

    /// Parse the kernel BTF again if [`Startup::release_btf`] set it aside (a concern engaged
    /// after start-up needs it for its LSM programs).
    pub fn reparse_btf(&mut self) {
        if matches!(self.btf, Err(NoLsmBtf::Released)) {
            self.btf = aya::Btf::from_sys_fs().map_err(NoLsmBtf::from);
        }
    }

    /// This kernel's struct and tracepoint offsets for the programs (one parse of its BTF by our
    /// reader), or everything that is missing.
    pub fn kernel_config(&mut self) -> Result<KernelConfig, OffsetError> {
        let t = Instant::now();
        let config = match &self.tracefs {
            Some(tracefs) => offsets::kernel_config(tracefs),
            None => Err(OffsetError::NoTracefs),
        };
        self.steps.push(("offsets from BTF", t.elapsed()));
        config
    }

    pub fn hooks<'a>(&'a self, cgroup_root: &'a Path) -> Hooks<'a> {
        Hooks { tracefs: self.tracefs.as_ref(), btf: self.btf.as_ref().ok(), cgroup_root }
    }

    /// Why a tier cannot be used here before anything is loaded, with the LSM reason from
    /// start-up.
    fn unavailable(&self, concern: Concern, tier: Tier, hooks: &Hooks<'_>) -> Option<String> {
        match (&self.btf, tier) {
            (Err(why), Tier::Lsm) if concern != Concern::Network => Some(why.to_string()),
            _ => tiers::unavailable(concern, tier, hooks),
        }
    }
}

/// What [`establish`] does with a tier that engaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trial {
    /// `rampart-agent probe`: try every tier, keep none.
    Every,
    /// The agent: stop at the first tier that engages, and keep it attached.
    Keep,
}

/// Engage, per concern, the strongest tier whose programs all load and attach. Tiers after
/// the chosen one are not tried under [`Trial::Keep`] (their reason says so).
pub fn establish(ebpf: &mut Ebpf, startup: &Startup, cgroup_root: &Path, trial: Trial) -> ProbeReport {
    let mut establish = |c| establish_concern(ebpf, startup, cgroup_root, c, trial).0;
    ProbeReport {
        network: establish(Concern::Network),
        rootfs: establish(Concern::Rootfs),
        privilege: establish(Concern::Privilege),
        kernel: startup.kernel.clone(),
        rules: None,
    }
}

/// Engage the strongest tier of one concern whose programs all load and attach; under
/// [`Trial::Keep`], with the links of the tier kept (dropped, they detach).
pub fn establish_concern(
    ebpf: &mut Ebpf,
    startup: &Startup,
    cgroup_root: &Path,
    c: Concern,
    trial: Trial,
) -> (ConcernReport, Vec<Attached>) {
    let hooks = startup.hooks(cgroup_root);
    let started = Instant::now();
    let mut chosen: Option<Tier> = None;
    let mut kept = Vec::new();
    let tiers = c.preference().map(|t| {
        if let Some(chosen) = chosen.filter(|_| trial == Trial::Keep) {
            return (t, TierStatus::no(format!("not tried: the {chosen} tier is in use")));
        }
        if let Some(why) = startup.unavailable(c, t, &hooks) {
            return (t, TierStatus::no(why));
        }
        let status = match tiers::engage(ebpf, c, t, &hooks) {
            Ok(engaged) => {
                if trial == Trial::Keep {
                    kept = engaged.links;
                }
                TierStatus::yes(engaged.what)
            }
            Err(e) => {
                if chosen.is_none() && t != Tier::None {
                    tracing::warn!(concern = c.as_str(), tier = %t, error = %e, "tier unavailable; trying the next");
                }
                TierStatus::no(e.to_string())
            }
        };
        if status.available && chosen.is_none() {
            chosen = Some(t);
        }
        if trial == Trial::Every {
            tiers::disengage(ebpf, c, t);
        }
        (t, status)
    });
    let report = ConcernReport::choose(tiers);
    tracing::debug!(concern = c.as_str(), tier = %report.tier, ms = started.elapsed().as_millis() as u64, "concern engaged");
    (report, kept)
}

/// `rampart-agent probe`: the start-up facts and a trial of every tier, nothing kept.
/// `cgroup_root`: the host's cgroup v2 hierarchy, when not the one mounted here.
pub fn probe(cgroup_root: Option<&Path>) -> ProbeReport {
    let mut startup = Startup::discover();
    if let Some(root) = cgroup_root {
        startup.kernel.cgroup2 = Some(root.display().to_string());
    }
    let config = match startup.kernel_config() {
        Ok(config) => config,
        Err(e) => return ProbeReport::unloadable(startup.kernel.clone(), &e.to_string()),
    };
    let root = startup.kernel.cgroup2.clone().unwrap_or_else(|| "/sys/fs/cgroup".into());
    match loader::load_object(&config, 4096 * 4, None) {
        Ok(mut ebpf) => establish(&mut ebpf, &startup, Path::new(&root), Trial::Every),
        Err(e) => ProbeReport::unloadable(startup.kernel.clone(), &e.to_string()),
    }
}
