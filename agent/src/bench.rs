//! `rampart-agent bench-baseline --hook H`: an empty program on the hook the agent uses, for
//! the benchmark's "empty program" floor. Prints `attached` once attached; exits on SIGTERM.

use crate::{
    config::BaselineHook,
    loader::{self, LoadError},
};

pub async fn baseline(hook: BaselineHook) -> Result<(), LoadError> {
    let mut ebpf = loader::load_object(&Default::default(), 4096)?;
    match hook {
        BaselineHook::Exec => {
            loader::attach_tracepoint(&mut ebpf, "bench_noop_tracepoint", "sched", "sched_process_exec")?
        }
        BaselineHook::Network => {
            let root = crate::attribution::cgroupfs::cgroup2_mount().map_err(|e| LoadError::Cgroup {
                path: "cgroup2".into(),
                source: std::io::Error::other(e),
            })?;
            for program in loader::NETWORK_PROGRAMS {
                loader::attach_cgroup(&mut ebpf, &format!("bench_{program}"), &root)?;
            }
        }
        BaselineHook::Privilege => {
            for syscall in loader::PRIVILEGE_SYSCALLS {
                for side in ["enter", "exit"] {
                    let tp = format!("sys_{side}_{syscall}");
                    loader::attach_tracepoint(&mut ebpf, "bench_noop_tracepoint", "syscalls", &tp)?;
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
    drop(ebpf);
    Ok(())
}
