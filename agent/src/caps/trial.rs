//! Trying each tier for real: load and attach the probe programs from `agent-ebpf/src/probe.rs`,
//! then detach them at once. Nothing here blocks anything.

use std::{collections::HashMap, fs, path::PathBuf};

use aya::{
    Btf, Ebpf,
    programs::{CgroupAttachMode, CgroupSockAddr, Lsm, TracePoint},
};

use super::{Concern, KernelInfo, Tier, TierStatus};
use crate::loader::{self, describe, tracefs::Tracefs};

pub struct Trials<'k> {
    kernel: &'k KernelInfo,
    tracefs: Option<Tracefs>,
    ebpf: Result<Ebpf, String>,
    btf: Result<Btf, String>,
    /// Load outcome per program, so each is loaded once.
    loaded: HashMap<&'static str, Result<(), String>>,
}

impl<'k> Trials<'k> {
    pub fn new(kernel: &'k KernelInfo, tracefs: Option<Tracefs>) -> Self {
        let ebpf = loader::load_object(&Default::default(), 4096 * 4).map_err(|e| e.to_string());
        let btf = Btf::from_sys_fs().map_err(|e| format!("kernel BTF unavailable: {e}"));
        Trials { kernel, tracefs, ebpf, btf, loaded: HashMap::new() }
    }

    pub fn try_tier(&mut self, concern: Concern, tier: Tier) -> TierStatus {
        match (tier, concern) {
            (Tier::Lsm, Concern::Network) => self.lsm("probe_lsm_socket_connect", "socket_connect"),
            (Tier::Lsm, Concern::Rootfs) => self.lsm("probe_lsm_file_open", "file_open"),
            (Tier::Lsm, Concern::Privilege) => self.lsm("probe_lsm_task_fix_setuid", "task_fix_setuid"),
            (Tier::Cgroup, Concern::Network) => self.cgroup_connect4(),
            (Tier::Cgroup, _) => TierStatus::no("no cgroup BPF hook covers this concern"),
            (Tier::Sigkill, Concern::Network) => self.sigkill("sys_enter_connect"),
            (Tier::Sigkill, Concern::Rootfs) => self.sigkill("sys_enter_openat"),
            (Tier::Sigkill, Concern::Privilege) => self.sigkill("sys_enter_setuid"),
            (Tier::None, _) => TierStatus::yes("report only: events are reported, nothing is blocked"),
        }
    }

    fn lsm(&mut self, program: &'static str, hook: &str) -> TierStatus {
        let btf = match &self.btf {
            Ok(btf) => btf,
            Err(e) => return TierStatus::no(e.clone()),
        };
        let ebpf = match &mut self.ebpf {
            Ok(ebpf) => ebpf,
            Err(e) => return TierStatus::no(e.clone()),
        };
        let Some(Ok(prog)) = ebpf.program_mut(program).map(<&mut Lsm>::try_from) else {
            return TierStatus::no(format!("{program} missing from the kernel object"));
        };
        let loaded = self.loaded.entry(program).or_insert_with(|| {
            prog.load(hook, btf).map_err(|e| format!("LSM program for {hook}: {}", describe(&e)))
        });
        if let Err(e) = loaded {
            return TierStatus::no(e.clone());
        }
        match prog.attach() {
            Ok(link) => {
                let _ = prog.detach(link);
            }
            Err(e) => {
                return TierStatus::no(format!("attaching the LSM program to {hook}: {}", describe(&e)));
            }
        }
        if !self.kernel.has_bpf_lsm() {
            let list = if self.kernel.lsm.is_empty() {
                self.kernel.lsm_error.clone().unwrap_or_else(|| "unknown".into())
            } else {
                self.kernel.lsm.join(",")
            };
            return TierStatus::no(format!(
                "bpf is not in the active LSM list ({list}): LSM programs attach but never run"
            ));
        }
        TierStatus::yes(format!("LSM program attached to {hook}; bpf is in the active LSM list"))
    }

    fn cgroup_connect4(&mut self) -> TierStatus {
        const PROGRAM: &str = "probe_cgroup_connect4";
        let Some(root) = self.kernel.cgroup2.as_ref().map(PathBuf::from) else {
            return TierStatus::no("no cgroup v2 hierarchy is mounted");
        };
        let ebpf = match &mut self.ebpf {
            Ok(ebpf) => ebpf,
            Err(e) => return TierStatus::no(e.clone()),
        };
        let Some(Ok(prog)) = ebpf.program_mut(PROGRAM).map(<&mut CgroupSockAddr>::try_from) else {
            return TierStatus::no(format!("{PROGRAM} missing from the kernel object"));
        };
        let loaded = self
            .loaded
            .entry(PROGRAM)
            .or_insert_with(|| prog.load().map_err(|e| format!("cgroup connect4 program: {}", describe(&e))));
        if let Err(e) = loaded {
            return TierStatus::no(e.clone());
        }
        // A scratch cgroup keeps the trial away from every real process.
        let scratch = root.join(format!("rampart-probe-{}", std::process::id()));
        let target = match fs::create_dir(&scratch) {
            Ok(()) => scratch.clone(),
            Err(_) => root.clone(),
        };
        let result = match fs::File::open(&target) {
            Ok(dir) => match prog.attach(&dir, CgroupAttachMode::Single) {
                Ok(link) => {
                    let _ = prog.detach(link);
                    TierStatus::yes(format!("cgroup connect4 program attached to {}", root.display()))
                }
                Err(e) => TierStatus::no(format!("attaching cgroup connect4: {}", describe(&e))),
            },
            Err(e) => TierStatus::no(format!("opening {}: {e}", target.display())),
        };
        let _ = fs::remove_dir(&scratch);
        result
    }

    fn sigkill(&mut self, syscall_tp: &str) -> TierStatus {
        const PROGRAM: &str = "probe_tp_sigkill";
        let Some(tracefs) = &self.tracefs else {
            return TierStatus::no(
                self.kernel.tracefs_error.clone().unwrap_or_else(|| "tracefs unavailable".into()),
            );
        };
        if !tracefs.root.join("events/syscalls").join(syscall_tp).is_dir() {
            return TierStatus::no(format!(
                "tracepoint syscalls:{syscall_tp} does not exist (kernel without CONFIG_FTRACE_SYSCALLS?)"
            ));
        }
        let ebpf = match &mut self.ebpf {
            Ok(ebpf) => ebpf,
            Err(e) => return TierStatus::no(e.clone()),
        };
        let Some(Ok(prog)) = ebpf.program_mut(PROGRAM).map(<&mut TracePoint>::try_from) else {
            return TierStatus::no(format!("{PROGRAM} missing from the kernel object"));
        };
        let loaded = self.loaded.entry(PROGRAM).or_insert_with(|| {
            prog.load().map_err(|e| format!("tracepoint program with bpf_send_signal: {}", describe(&e)))
        });
        if let Err(e) = loaded {
            return TierStatus::no(e.clone());
        }
        match prog.attach("syscalls", syscall_tp) {
            Ok(link) => {
                let _ = prog.detach(link);
                TierStatus::yes(format!(
                    "tracepoint syscalls:{syscall_tp} with bpf_send_signal attached; the offender is killed, the syscall may take effect"
                ))
            }
            Err(e) => TierStatus::no(format!("attaching to syscalls:{syscall_tp}: {}", describe(&e))),
        }
    }
}
