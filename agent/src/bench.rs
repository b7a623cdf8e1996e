//! `rampart-agent bench-baseline --hook H`: an empty program on the hook the agent uses, for
//! the benchmark's "empty program" floor. For rootfs and privilege that is the tier the probe
//! chooses: LSM hooks where BPF LSM works, else the syscall tracepoints. Prints `attached`
//! once attached; exits on SIGTERM.

use aya::{Btf, Ebpf};

use crate::{
    caps,
    config::BaselineHook,
    loader::{self, Attached, LoadError, tracefs::Tracefs},
};

pub async fn baseline(hook: BaselineHook) -> Result<(), LoadError> {
    // The agent uses LSM hooks wherever LSM programs load and attach here (BTF alone is not
    // enough: a kernel may refuse them, as the probe finds); the tracepoints otherwise.
    let lsm = || caps::Startup::discover().btf.is_ok();
    let mut ebpf = loader::load_object(&Default::default(), 4096, None)?;
    // One object per LSM hook: a program is loaded for one hook.
    let lsm_hooks = match hook {
        BaselineHook::Rootfs => &loader::ROOTFS_LSM[..],
        BaselineHook::Privilege => &loader::PRIVILEGE_LSM[..],
        BaselineHook::Exec | BaselineHook::Network => &[],
    };
    let per_hook: Vec<(Ebpf, Attached)> =
        if lsm_hooks.is_empty() || !lsm() { Vec::new() } else { noop_lsm(lsm_hooks).unwrap_or_default() };
    // The links: attached while they live.
    let mut links = Vec::new();
    match hook {
        BaselineHook::Exec => {
            for tp in ["sched_process_exec", "sched_process_exit"] {
                links.push(loader::attach_tracepoint(&mut ebpf, "bench_noop_tracepoint", "sched", tp)?);
            }
        }
        BaselineHook::Network => {
            let root = crate::attribution::cgroupfs::cgroup2_mount().map_err(|e| LoadError::Cgroup {
                path: "cgroup2".into(),
                source: std::io::Error::other(e),
            })?;
            for program in loader::NETWORK_PROGRAMS {
                links.push(loader::attach_cgroup(&mut ebpf, &format!("bench_{program}"), &root)?);
            }
        }
        BaselineHook::Rootfs | BaselineHook::Privilege if !per_hook.is_empty() => {}
        BaselineHook::Rootfs => {
            let tracefs = Tracefs::find_or_mount()?;
            for (_, tracepoints) in loader::ROOTFS_TRACEPOINTS {
                for tp in
                    tracepoints.iter().filter(|tp| tracefs.root.join("events/syscalls").join(tp).is_dir())
                {
                    links.push(loader::attach_tracepoint(
                        &mut ebpf,
                        "bench_noop_tracepoint",
                        "syscalls",
                        tp,
                    )?);
                }
            }
        }
        BaselineHook::Privilege => {
            for syscall in loader::PRIVILEGE_SYSCALLS {
                for side in ["enter", "exit"] {
                    let tp = format!("sys_{side}_{syscall}");
                    links.push(loader::attach_tracepoint(
                        &mut ebpf,
                        "bench_noop_tracepoint",
                        "syscalls",
                        &tp,
                    )?);
                }
            }
        }
    }
    println!("attached");
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(links);
    drop(per_hook);
    drop(ebpf);
    Ok(())
}

/// The empty LSM program on each hook of `programs` (program name, hook).
fn noop_lsm(programs: &[(&str, &str)]) -> Result<Vec<(Ebpf, Attached)>, LoadError> {
    let btf = Btf::from_sys_fs().map_err(LoadError::Btf)?;
    programs
        .iter()
        .map(|(_, hook)| {
            let mut ebpf = loader::load_object(&Default::default(), 4096, None)?;
            let link = loader::attach_lsm(&mut ebpf, "bench_noop_lsm", hook, &btf)?;
            Ok((ebpf, link))
        })
        .collect()
}
