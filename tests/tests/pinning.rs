//! Enforcement that survives the agent (`--pin-dir`): an agent is killed with SIGKILL, and
//! while none runs a pod's denied connect still fails with EPERM (the allowed one still
//! connects) and its setuid-root exec is still stopped; a new agent adopts the pinned state
//! (the same kernel links, none attached again) and reports what the kernel saw while no agent
//! ran; an agent stopped as in a rollout leaves the policy in force; `rampart-agent uninstall`
//! removes it all, and the same connect and exec go through.
//! (`pinning_daemonset.rs` has the cluster's side: a rollout or an uninstall told apart.)
//!
//! The pins go in a bpffs mounted for the test, so other tests' agents never see them.

use std::{
    fs,
    os::unix::{fs::PermissionsExt as _, process::ExitStatusExt as _},
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions, agent_bin},
    bpffs::{Bpffs, c_path},
    net::{Server, connects_to_bridge as connects, port, trigger},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require,
};

const WAIT: Duration = Duration::from_secs(20);

/// A policy for `app=web` pods in `shop`: egress to the bridge on `allowed` only, and, with
/// `escalation`, no privilege gain.
fn policy(allowed: u16, escalation: bool) -> String {
    let privilege = if escalation { "  privilege: {escalation: deny}\n" } else { "" };
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: web, namespace: shop}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: enforce\n  network:\n    egress:\n\
         \x20     - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {allowed}}}]\n{privilege}"
    )
}

/// What the pod meets: whether a connect to each port went through (else it failed with
/// EPERM), and whether its setuid-root exec was stopped.
#[derive(Debug, PartialEq)]
struct Seen {
    connected: Vec<bool>,
    escalation_stopped: bool,
}

fn workload(pod: &TestPod, ports: &[u16], suid: &Path) -> Seen {
    let t = trigger();
    let connected = ports.iter().map(|p| connects(pod, *p)).collect();
    let out = pod.exec(&[&t, "as-user", "1000", suid.to_str().unwrap(), "ids"]);
    let ran = String::from_utf8_lossy(&out.stdout).contains("ok uid=");
    assert!(ran || !out.status.success() || out.status.signal() == Some(9), "{out:?}");
    Seen { connected, escalation_stopped: !ran }
}

/// Whether this kernel attaches tracepoints through BPF links (5.15 and later).
fn kernel_has_tracepoint_links() -> bool {
    rampart_tests::kernel_version() >= (5, 15)
}

/// The kernel id of the link pinned at `path`: `BPF_OBJ_GET`, then the descriptor's fdinfo.
fn link_id(path: &Path) -> u64 {
    /// `union bpf_attr` for `BPF_OBJ_GET`, as far as kernels before 6.5 know it.
    #[repr(C)]
    struct ObjGet {
        pathname: u64,
        bpf_fd: u32,
        file_flags: u32,
    }
    const BPF_OBJ_GET: libc::c_long = 7;
    let c = c_path(path);
    let attr = ObjGet { pathname: c.as_ptr() as u64, bpf_fd: 0, file_flags: 0 };
    // SAFETY: the attr outlives the call, and its size is passed.
    let fd =
        unsafe { libc::syscall(libc::SYS_bpf, BPF_OBJ_GET, &attr as *const ObjGet, size_of::<ObjGet>()) };
    assert!(fd >= 0, "BPF_OBJ_GET {}: {}", path.display(), std::io::Error::last_os_error());
    let info = fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap();
    // SAFETY: closing the descriptor opened above.
    unsafe { libc::close(fd as i32) };
    info.lines()
        .find_map(|l| l.strip_prefix("link_id:"))
        .unwrap_or_else(|| panic!("no link_id in the fdinfo of {}:\n{info}", path.display()))
        .trim()
        .parse()
        .unwrap()
}

/// The kernel ids of the links pinned under `dir`, sorted.
fn pinned_link_ids(dir: &Path) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.components().any(|c| c.as_os_str() == "links") {
                ids.push(link_id(&path));
            }
        }
    }
    ids.sort_unstable();
    ids
}

// vm-test: core
#[test]
fn enforcement_survives_a_killed_agent_is_adopted_and_uninstalled() {
    if !require::root("enforcement_survives_a_killed_agent_is_adopted_and_uninstalled") {
        return;
    }
    ensure_bridge();
    let bpffs = Bpffs::mount();
    let (policies, manifests, work) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fs::set_permissions(work.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let suid: PathBuf = work.path().join("suid-root");
    fs::copy(trigger(), &suid).unwrap();
    std::os::unix::fs::chown(&suid, Some(0), Some(0)).unwrap();
    fs::set_permissions(&suid, fs::Permissions::from_mode(0o4755)).unwrap();
    let (allowed, denied) = (port(), port());
    let _servers = [Server::tcp(BRIDGE_V4, allowed, 0, 64), Server::tcp(BRIDGE_V4, denied, 0, 64)];
    fs::write(policies.path().join("web.yaml"), policy(allowed, true)).unwrap();
    let agent = || {
        Agent::start(AgentOptions {
            policies: Some(policies.path().into()),
            pod_manifests: Some(manifests.path().into()),
            extra: vec!["--pin-dir".into(), bpffs.path().display().to_string()],
            ..Default::default()
        })
    };
    let ports = [allowed, denied];
    let enforced = Seen { connected: vec![true, false], escalation_stopped: true };

    let first = agent();
    let pod = TestPod::create(PodSpec::new("shop", "web-1").label("app", "web").with_netns());
    pod.write_manifest(manifests.path());
    first.wait_metric("rampart_pods", 1.0);
    assert_eq!(workload(&pod, &ports, &suid), enforced, "under the first agent");
    let links = pinned_link_ids(&bpffs.path());
    assert!(!links.is_empty(), "links pinned under {}", bpffs.path().display());
    // Before 5.15 tracepoints attach without a BPF link: a sigkill tier cannot be pinned, the
    // agent says so, and that tier ends with the agent.
    let unpinned = first.log().contains("enforcement on the sigkill tier ends with the agent");
    let privilege_tier =
        if first.metric("rampart_enforcement_tier{concern=\"privilege\",tier=\"sigkill\"}") == Some(1.0) {
            "sigkill"
        } else {
            "lsm"
        };
    assert_eq!(unpinned, privilege_tier == "sigkill" && !kernel_has_tracepoint_links(), "{}", first.log());
    let while_down = Seen { connected: vec![true, false], escalation_stopped: !unpinned };

    // SIGKILL: nothing drains, nothing detaches. The policy stays in force, exactly. A port
    // never tried before is refused too: its first refusal is a record in the ring.
    first.kill();
    assert_eq!(workload(&pod, &ports, &suid), while_down, "with no agent running");
    let unseen = port();
    assert!(!connects(&pod, unseen), "a new port, with no agent running");

    // A new agent adopts: the same links, none attached again; what the kernel saw while no
    // agent ran is reported.
    let second = agent();
    assert!(
        second.log().contains("adopting the enforcement an earlier agent of this build left pinned"),
        "{}",
        second.log()
    );
    assert_eq!(pinned_link_ids(&bpffs.path()), links, "the pinned links are the first agent's");
    second.wait_metric("rampart_pods", 1.0);
    let refused = second.wait_event("the connect refused while no agent ran", WAIT, |e| {
        e["pod"]["name"] == "web-1"
            && e["flow"]["remotePort"] == u64::from(unseen)
            && e["verdict"]["action"] == "deny"
    });
    assert_eq!(refused["verdict"]["enforced"], true, "{refused}");
    assert_eq!(workload(&pod, &ports, &suid), enforced, "under the adopting agent");

    // Stopped as in a rollout (SIGTERM): still in force.
    assert!(second.stop().success());
    assert_eq!(workload(&pod, &ports, &suid), while_down, "after a SIGTERM");

    // Uninstalled: every program detaches.
    let out = Command::new(agent_bin()).args(["uninstall", "--pin-dir"]).arg(bpffs.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.starts_with(&format!("removed {} pinned links", links.len())),
        "{out:?}"
    );
    assert_eq!(
        workload(&pod, &ports, &suid),
        Seen { connected: vec![true, true], escalation_stopped: false },
        "after uninstall"
    );
    let out = Command::new(agent_bin()).args(["uninstall", "--pin-dir"]).arg(bpffs.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("nothing pinned"), "{out:?}");
}
