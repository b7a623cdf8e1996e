//! One tier of one concern, engaged as a whole: every program the tier needs is loaded (the
//! verifier runs) and attached, or none stays. This is both the probe's trial and the agent's
//! real attachment, so "the probe said lsm" and "the agent enforces with lsm" cannot disagree,
//! and a program that fails at run time (verifier, missing hook) drops its concern to the next
//! tier instead of stopping the agent.
//!
//! Hooks, by concern and tier:
//! - network / cgroup: the ten cgroup programs of `agent-ebpf/src/network` at the cgroup v2 root.
//! - rootfs / lsm: `security_file_open()`, `security_path_*()` and, on 6.2+,
//!   `security_file_truncate()`; rootfs / sigkill: the syscall tracepoints of
//!   [`ROOTFS_TRACEPOINTS`].
//! - privilege / lsm: `security_task_fix_setuid()`, `security_task_fix_setgid()`,
//!   `security_capset()`, `security_bprm_creds_from_file()`; privilege / sigkill: entry and exit
//!   tracepoints of [`PRIVILEGE_SYSCALLS`].

use std::path::Path;

use aya::{Btf, Ebpf, programs::Program};

use super::{
    Attached, LoadError, NETWORK_PROGRAMS, PRIVILEGE_LSM, PRIVILEGE_SYSCALLS, ROOTFS_FILE_TRUNCATE,
    ROOTFS_LSM, ROOTFS_TRACEPOINTS, attach_cgroup, attach_lsm, attach_rootfs_lsm, attach_tracepoint,
    tracefs::Tracefs,
};
use crate::caps::{Concern, Tier};

/// Test-only fault injection: LSM hooks (comma-separated) to treat as missing from the kernel.
/// A program for such a hook is loaded against a hook name no kernel has, so its load fails
/// for real (BTF lookup) and the agent's fallback runs as it would on such a kernel.
pub const UNAVAILABLE_HOOKS_ENV: &str = "RAMPART_TEST_UNAVAILABLE_LSM_HOOKS";

/// What engaging a tier needs from start-up, computed once.
pub struct Hooks<'a> {
    pub tracefs: Option<&'a Tracefs>,
    /// aya's view of the kernel's BTF, for LSM programs (parsed only where `bpf` is an active LSM).
    pub btf: Option<&'a Btf>,
    /// Where the network programs attach.
    pub cgroup_root: &'a Path,
}

/// Why a tier cannot be engaged on this node, before anything is loaded.
pub fn unavailable(concern: Concern, tier: Tier, hooks: &Hooks<'_>) -> Option<String> {
    match (concern, tier) {
        (_, Tier::None) => None,
        (Concern::Network, Tier::Cgroup) => None,
        (Concern::Network, _) => Some(format!(
            "Rampart has no {tier}-tier network programs: network rules are enforced by cgroup programs"
        )),
        (_, Tier::Cgroup) => Some("no cgroup BPF hook covers this concern".into()),
        (_, Tier::Lsm) if hooks.btf.is_none() => {
            Some("the kernel's BTF is not available to LSM programs".into())
        }
        (_, Tier::Lsm) => None,
        (_, Tier::Sigkill) => match hooks.tracefs {
            None => Some("tracefs is unavailable".into()),
            Some(t) if !t.root.join("events/syscalls").is_dir() => {
                Some("no syscall tracepoints (kernel without CONFIG_FTRACE_SYSCALLS?)".into())
            }
            Some(_) => None,
        },
    }
}

/// A tier engaged: what it does, and its links (dropped, they detach).
pub struct Engaged {
    pub what: String,
    pub links: Vec<Attached>,
}

/// Load and attach every program of `tier` for `concern`. On failure, whatever of the tier was
/// attached is detached and unloaded again, and the error says which program failed and, for
/// the verifier, its last lines.
pub fn engage(
    ebpf: &mut Ebpf,
    concern: Concern,
    tier: Tier,
    hooks: &Hooks<'_>,
) -> Result<Engaged, LoadError> {
    let mut links = Vec::new();
    match try_engage(ebpf, concern, tier, hooks, &mut links) {
        Ok(what) => Ok(Engaged { what, links }),
        Err(e) => {
            drop(links);
            disengage(ebpf, concern, tier);
            Err(e)
        }
    }
}

fn try_engage(
    ebpf: &mut Ebpf,
    concern: Concern,
    tier: Tier,
    hooks: &Hooks<'_>,
    links: &mut Vec<Attached>,
) -> Result<String, LoadError> {
    match (concern, tier) {
        (_, Tier::None) => Ok(none_reason(concern).into()),
        (Concern::Network, Tier::Cgroup) => {
            super::load_programs(ebpf, &NETWORK_PROGRAMS)?;
            for program in NETWORK_PROGRAMS {
                links.push(attach_cgroup(ebpf, program, hooks.cgroup_root)?);
            }
            Ok(format!(
                "{} cgroup programs attached to {}: a denied connect() or sendmsg() fails with EPERM",
                NETWORK_PROGRAMS.len(),
                hooks.cgroup_root.display()
            ))
        }
        (Concern::Rootfs, Tier::Lsm) => {
            let btf = hooks.btf.ok_or(LoadError::NoBtf)?;
            links.extend(attach_rootfs_lsm(ebpf, btf)?);
            let n = links.len();
            Ok(format!(
                "{n} LSM programs attached (file_open, path_*): a denied write fails with EPERM before it happens"
            ))
        }
        (Concern::Privilege, Tier::Lsm) => {
            let btf = hooks.btf.ok_or(LoadError::NoBtf)?;
            for (program, hook) in PRIVILEGE_LSM {
                links.push(attach_lsm(ebpf, program, hook, btf)?);
            }
            Ok("LSM programs attached (task_fix_setuid/setgid, capset, bprm_creds_from_file): a denied gain fails with EPERM before the change".into())
        }
        (Concern::Rootfs, Tier::Sigkill) => {
            let tracefs = hooks.tracefs.ok_or(LoadError::NoTracefs)?;
            // Tracepoints this architecture lacks (arm64 has only the `*at` forms).
            let exists = |tp: &&str| tracefs.root.join("events/syscalls").join(tp).is_dir();
            let used: Vec<&str> = ROOTFS_TRACEPOINTS
                .iter()
                .filter(|(_, tps)| tps.iter().any(exists))
                .map(|(p, _)| *p)
                .collect();
            super::load_programs(ebpf, &used)?;
            let mut n = 0;
            for (program, tracepoints) in ROOTFS_TRACEPOINTS {
                for tp in tracepoints {
                    if exists(tp) {
                        links.push(attach_tracepoint(ebpf, program, "syscalls", tp)?);
                        n += 1;
                    }
                }
            }
            Ok(format!(
                "{n} syscall tracepoints with bpf_send_signal attached: the offender is killed, the write may take effect"
            ))
        }
        (Concern::Privilege, Tier::Sigkill) => {
            for syscall in PRIVILEGE_SYSCALLS {
                links.push(attach_tracepoint(
                    ebpf,
                    "priv_enter",
                    "syscalls",
                    &format!("sys_enter_{syscall}"),
                )?);
                links.push(attach_tracepoint(ebpf, "priv_exit", "syscalls", &format!("sys_exit_{syscall}"))?);
            }
            Ok("syscall tracepoints with bpf_send_signal attached: the offender is killed before it runs another instruction".into())
        }
        (concern, tier) => Err(LoadError::NoTier { concern, tier }),
    }
}

fn none_reason(concern: Concern) -> &'static str {
    match concern {
        Concern::Network => "nothing attached: flows are neither seen nor blocked",
        Concern::Rootfs => "nothing attached: root filesystem writes are neither seen nor blocked",
        Concern::Privilege => "nothing attached: privilege changes are neither seen nor blocked",
    }
}

/// The programs a tier loads.
fn programs(concern: Concern, tier: Tier) -> Vec<&'static str> {
    match (concern, tier) {
        (Concern::Network, Tier::Cgroup) => NETWORK_PROGRAMS.to_vec(),
        (Concern::Rootfs, Tier::Lsm) => ROOTFS_LSM
            .iter()
            .map(|(p, _)| *p)
            .chain([ROOTFS_FILE_TRUNCATE.0])
            .chain(super::SOURCE_ENDS.iter().map(|(p, _, _)| *p))
            .collect(),
        (Concern::Rootfs, Tier::Sigkill) => ROOTFS_TRACEPOINTS.iter().map(|(p, _)| *p).collect(),
        (Concern::Privilege, Tier::Lsm) => PRIVILEGE_LSM.iter().map(|(p, _)| *p).collect(),
        (Concern::Privilege, Tier::Sigkill) => vec!["priv_enter", "priv_exit"],
        _ => Vec::new(),
    }
}

/// Unload every program of a tier (the probe's trials, once their links are dropped, and a
/// tier that failed half-way).
pub fn disengage(ebpf: &mut Ebpf, concern: Concern, tier: Tier) {
    for name in programs(concern, tier) {
        let result = match ebpf.program_mut(name) {
            Some(Program::TracePoint(p)) if p.fd().is_ok() => p.unload(),
            Some(Program::Lsm(p)) if p.fd().is_ok() => p.unload(),
            Some(Program::CgroupSockAddr(p)) if p.fd().is_ok() => p.unload(),
            Some(Program::CgroupSock(p)) if p.fd().is_ok() => p.unload(),
            Some(Program::CgroupSkb(p)) if p.fd().is_ok() => p.unload(),
            Some(Program::SockOps(p)) if p.fd().is_ok() => p.unload(),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(program = name, error = %e, "unloading a program of an abandoned tier failed");
        }
    }
}

/// The hook an LSM program is loaded for: `hook`, unless a test made it unavailable.
pub fn lsm_hook(hook: &str) -> String {
    let unavailable = std::env::var(UNAVAILABLE_HOOKS_ENV).unwrap_or_default();
    if unavailable.split(',').any(|h| h.trim() == hook) {
        format!("{hook}_made_unavailable_by_{UNAVAILABLE_HOOKS_ENV}")
    } else {
        hook.to_string()
    }
}
