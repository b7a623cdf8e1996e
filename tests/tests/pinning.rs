//! Enforcement that survives the agent (`--pin-dir`): an agent is killed with SIGKILL, and
//! while none runs a pod's denied connect still fails with EPERM (the allowed one still
//! connects) and its setuid-root exec is still stopped; a new agent adopts the pinned state
//! (the same kernel links, none attached again) and reports what the kernel saw while no agent
//! ran; an agent stopped as in a rollout leaves the policy in force; `rampart-agent uninstall`
//! removes it all, and the same connect and exec go through.
//!
//! In a cluster, the agent tells the two stops apart by asking the API server for its
//! DaemonSet: present (a rollout), the pins stay; deleted (an uninstall), the agent removes
//! them on its way out.
//!
//! The pins go in a bpffs mounted for the test, so other tests' agents never see them.

use std::{
    ffi::CString,
    fs,
    os::unix::{ffi::OsStrExt as _, fs::PermissionsExt as _, process::ExitStatusExt as _},
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions, agent_bin},
    apiserver::{ApiServer, Collection, fixtures},
    net::{Server, outcome, port, sockaddr, trigger},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require,
};

const WAIT: Duration = Duration::from_secs(20);

/// A bpffs of the test's own, unmounted (after everything pinned in it is removed) on drop.
struct Bpffs(tempfile::TempDir);

/// `path` as a C string.
fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

impl Bpffs {
    fn mount() -> Bpffs {
        let dir = tempfile::tempdir().unwrap();
        let (source, fstype, target) = (c"bpf", c"bpf", c_path(dir.path()));
        // SAFETY: NUL-terminated strings; no data argument.
        let rc =
            unsafe { libc::mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), 0, std::ptr::null()) };
        assert_eq!(rc, 0, "mounting a bpffs for the test: {}", std::io::Error::last_os_error());
        Bpffs(dir)
    }

    /// The pin directory in it, as the DaemonSet's `/sys/fs/bpf/rampart`.
    fn path(&self) -> PathBuf {
        self.0.path().join("rampart")
    }
}

impl Drop for Bpffs {
    fn drop(&mut self) {
        let _ = Command::new(agent_bin()).args(["uninstall", "--pin-dir"]).arg(self.path()).output();
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(c_path(self.0.path()).as_ptr(), libc::MNT_DETACH) };
    }
}

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

/// Whether a connect from `pod` to the bridge on `port` goes through (else EPERM).
fn connects(pod: &TestPod, port: u16) -> bool {
    match outcome(&pod.exec(&[&trigger(), "tcp-connect", &sockaddr(BRIDGE_V4, port)])) {
        Ok(_) => true,
        Err(1) => false,
        Err(e) => panic!("connect to {port}: errno {e}"),
    }
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

    // SIGKILL: nothing drains, nothing detaches. The policy stays in force, exactly. A port
    // never tried before is refused too: its first refusal is a record in the ring.
    first.kill();
    assert_eq!(workload(&pod, &ports, &suid), enforced, "with no agent running");
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
    assert_eq!(workload(&pod, &ports, &suid), enforced, "after a SIGTERM");

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

#[test]
fn an_agent_whose_daemonset_is_deleted_takes_the_enforcement_with_it() {
    if !require::root("an_agent_whose_daemonset_is_deleted_takes_the_enforcement_with_it") {
        return;
    }
    ensure_bridge();
    let bpffs = Bpffs::mount();
    let api = ApiServer::start();
    api.apply(fixtures::node("test-node"));
    api.apply(fixtures::namespace("shop", &[]));
    api.apply(fixtures::daemonset("rampart-system", "rampart-agent"));
    let dir = tempfile::tempdir().unwrap();
    let (allowed, denied) = (port(), port());
    let _servers = [Server::tcp(BRIDGE_V4, allowed, 0, 16), Server::tcp(BRIDGE_V4, denied, 0, 16)];
    api.apply(fixtures::policy(
        "shop",
        "web",
        serde_json::json!({
            "podSelector": {"matchLabels": {"app": "web"}},
            "mode": "enforce",
            "network": {"egress": [{"to": [{"cidr": format!("{BRIDGE_V4}/32")}], "ports": [{"port": allowed}]}]}
        }),
    ));
    let kubeconfig = api.kubeconfig(dir.path());
    let agent = || {
        Agent::start(AgentOptions {
            node_name: Some("test-node".into()),
            extra: vec![
                "--kubeconfig".into(),
                kubeconfig.display().to_string(),
                "--pin-dir".into(),
                bpffs.path().display().to_string(),
                "--daemonset".into(),
                "rampart-system/rampart-agent".into(),
            ],
            ..Default::default()
        })
    };
    let first = agent();
    let pod = TestPod::create(PodSpec::new("shop", "web-1").label("app", "web").with_netns());
    api.apply(fixtures::pod(&pod, "test-node"));
    first.wait_metric("rampart_pods", 1.0);
    assert!(connects(&pod, allowed) && !connects(&pod, denied), "under the first agent");

    // A rollout: the DaemonSet is there, the pins stay.
    assert!(first.stop().success());
    assert!(first.log().contains("the DaemonSet stays: enforcement left pinned"), "{}", first.log());
    assert!(!connects(&pod, denied), "between two agents of a rollout");

    // An uninstall: the DaemonSet is deleted before its pods; the last agent removes the pins.
    let last = agent();
    assert!(last.log().contains("adopting the enforcement"), "{}", last.log());
    assert!(api.delete(Collection::DaemonSets, "rampart-system", "rampart-agent"));
    assert!(last.stop().success());
    assert!(
        last.log().contains("the DaemonSet is being deleted: pinned enforcement removed"),
        "{}",
        last.log()
    );
    assert!(connects(&pod, denied), "after the uninstall, nothing of Rampart is attached");
}
