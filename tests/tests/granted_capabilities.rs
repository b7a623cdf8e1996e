//! The agent's DaemonSet grants it four capabilities (`deploy/kustomize/base/agent-daemonset.yaml`,
//! rendered from the Helm chart; [`rampart_tests::daemonset`] compiles it in, so the VMs check
//! the same list). Here the real
//! agent runs as uid 0 with exactly those in its bounding set (every other one dropped before
//! exec, as a container runtime does) on every kernel of the matrix: each concern must get the
//! tier full root gets — the `lsm` tier too on the kernels with BPF LSM, which the host's
//! least-privilege test cannot show (the host's kernel refuses BPF LSM programs to everyone).
//!
//! Debian's kernels (the VM matrix's) set `kernel.perf_event_paranoid` to 3, where their patch
//! lets only CAP_SYS_ADMIN open perf events: there the agent with the four alone must exit
//! saying so and how to fix it, and the comparison is made with CAP_SYS_ADMIN added, as the
//! chart's `agent.sysAdminForPerfEvents` does. Kernels before 5.11 (the matrix's 5.10) charge
//! BPF maps to RLIMIT_MEMLOCK: where the inherited limit is too small, the agent must exit
//! naming it and the chart's `agent.sysResourceForMemlock`, and CAP_SYS_RESOURCE is added.

use std::{fs, os::unix::process::CommandExt as _, process::Command};

use rampart_tests::{
    agent::{Agent, AgentOptions, Launcher, agent_bin},
    daemonset::{agent_container, granted_capabilities},
    nsrun::capability_number,
    require,
};

const CONCERNS: [&str; 3] = ["network", "rootfs", "privilege"];

/// Whether this kernel charges BPF maps to RLIMIT_MEMLOCK (before 5.11) and the limit the
/// agent inherits is too small for its maps (a few MiB; the kernel's default is 64 KiB there).
fn memlock_charged() -> bool {
    let before_5_11 = rampart_tests::kernel_version() < (5, 11);
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit with a valid struct.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) }, 0);
    before_5_11 && limit.rlim_max < 64 << 20
}

/// Run the agent with only `caps` in its bounding set (so, as uid 0, in its permitted and
/// effective sets after exec).
fn with_only(caps: &[String]) -> Box<Launcher> {
    let keep: Vec<u32> = caps
        .iter()
        .map(|c| capability_number(&format!("CAP_{c}")).unwrap_or_else(|| panic!("CAP_{c}?")))
        .collect();
    let last: u32 = fs::read_to_string("/proc/sys/kernel/cap_last_cap").unwrap().trim().parse().unwrap();
    let drop: Vec<u32> = (0..=last).filter(|c| !keep.contains(c)).collect();
    Box::new(move |args, env| {
        let mut cmd = Command::new(agent_bin());
        cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        let drop = drop.clone();
        // SAFETY: only prctl between fork and exec, on a vector prepared before.
        unsafe {
            cmd.pre_exec(move || {
                for cap in &drop {
                    if libc::prctl(libc::PR_CAPBSET_DROP, *cap as libc::c_ulong, 0, 0, 0) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        cmd
    })
}

/// Start an agent (with `launcher`, else as full root) with a policy engaging every concern:
/// its tiers and log.
fn run(policies: &std::path::Path, launcher: Option<Box<Launcher>>) -> (Vec<String>, String) {
    let agent =
        Agent::start(AgentOptions { policies: Some(policies.into()), launcher, ..Default::default() });
    let (tiers, log) = (CONCERNS.map(|c| agent.tier(c)).to_vec(), agent.log());
    assert!(agent.stop().success(), "{log}");
    (tiers, log)
}

// vm-test: core
#[test]
fn the_daemonsets_capabilities_get_every_tier_full_root_gets() {
    if !require::root("the_daemonsets_capabilities_get_every_tier_full_root_gets") {
        return;
    }
    let policies = tempfile::tempdir().unwrap();
    fs::write(
        policies.path().join("all.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: all, namespace: ops}\n\
         spec:\n  podSelector: {matchLabels: {app: worker}}\n  mode: enforce\n\
         \x20 network: {egress: []}\n  filesystem: {rootfs: readOnly}\n  privilege: {escalation: deny}\n",
    )
    .unwrap();
    let mut caps = granted_capabilities(&agent_container().0);
    if memlock_charged() {
        let refused = Agent::try_start(AgentOptions {
            policies: Some(policies.path().into()),
            launcher: Some(with_only(&caps)),
            ..Default::default()
        });
        let log = refused.err().expect(
            "the agent started without CAP_SYS_RESOURCE where BPF maps are charged to a finite RLIMIT_MEMLOCK",
        );
        assert!(
            log.contains("RLIMIT_MEMLOCK") && log.contains("agent.sysResourceForMemlock"),
            "the refusal names the limit and the fix: {log}"
        );
        caps.push("SYS_RESOURCE".into());
    }
    let paranoid: i32 =
        fs::read_to_string("/proc/sys/kernel/perf_event_paranoid").unwrap().trim().parse().unwrap();
    if paranoid > 2 {
        let refused = Agent::try_start(AgentOptions {
            policies: Some(policies.path().into()),
            launcher: Some(with_only(&caps)),
            ..Default::default()
        });
        let log =
            refused.err().expect("the agent started without CAP_SYS_ADMIN where perf_event_paranoid > 2");
        assert!(
            log.contains(&format!("kernel.perf_event_paranoid is {paranoid}"))
                && log.contains("agent.sysAdminForPerfEvents"),
            "the refusal names the sysctl and the fix: {log}"
        );
        caps.push("SYS_ADMIN".into());
    }
    let (root_tiers, _) = run(policies.path(), None);
    let (granted_tiers, log) = run(policies.path(), Some(with_only(&caps)));
    assert_eq!(
        granted_tiers, root_tiers,
        "tiers (network, rootfs, privilege) with {caps:?} vs full root:\n{log}"
    );
}
