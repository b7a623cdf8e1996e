//! The agent runs with what its DaemonSet grants and no more: its container spec is read from
//! the rendered manifest (`deploy/kustomize/base/agent-daemonset.yaml`, generated from the Helm
//! chart; [`rampart_tests::daemonset`]) — capabilities, user, read-only root filesystem, no privilege escalation, host paths
//! and which are read-only, host pid namespace — and the real agent binary runs in a runc
//! container configured exactly that way. There it must probe, attach, enforce and report; and
//! without any one of the capabilities the manifest lists, a named operation must fail.
//!
//! The container's root filesystem is the image's (`cargo xtask image`, which `cargo xtask test`
//! builds for this machine first): the static binaries on `scratch`.
//!
//! The manifest's `seccompProfile: RuntimeDefault` is applied as containerd applies it
//! ([`rampart_tests::seccomp`]: containerd's default profile for the container's capabilities).
//!
//! What the container differs in, and why: it keeps the host's network namespace (the pod gets
//! its own, which grants nothing more) so the test reads `/metrics`; `--collector` is not set
//! (no collector runs here).
//! The `lsm` tiers cannot be shown here: this host's kernel refuses BPF LSM programs even to
//! full root. The VM kernels with BPF LSM show them (`granted_capabilities.rs`).
// vm-test: host-only: the agent in a runc container, which the VM initramfs does not have.

use std::{
    ffi::OsString,
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions, Launcher},
    daemonset::{agent_container, granted_capabilities},
    net::{Server, outcome, port, sockaddr, trigger, write_policy},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod, cgroup2_root},
    require,
};
use serde_json::{Value, json};

const EPERM: i32 = 1;
const WAIT: Duration = Duration::from_secs(10);

/// The image's root filesystem for this machine (`cargo xtask image --arch <this one>`).
fn image_rootfs() -> PathBuf {
    let arch = if cfg!(target_arch = "aarch64") { "arm64" } else { "amd64" };
    let path = std::env::var_os("RAMPART_IMAGE_ROOTFS").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/image").join(arch).join("rootfs")
    });
    assert!(
        path.join("usr/bin/rampart-agent").is_file(),
        "{}: no image root filesystem; run `cargo xtask image --arch {arch}` (cargo xtask test does)",
        path.display()
    );
    path
}

/// `dest` as a copy of `src` whose files are hard links (a copy where linking is refused).
fn link_tree(src: &Path, dest: &Path) {
    fs::create_dir_all(dest).unwrap();
    fs::set_permissions(dest, fs::metadata(src).unwrap().permissions()).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            link_tree(&from, &to);
        } else if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).unwrap();
        }
    }
}

/// The bpffs instances mounted for the agent's `bpffs` volume (a node's /sys/fs/bpf): one per
/// agent started, so that no agent adopts what another, granted otherwise, pinned. Each is
/// emptied (`rampart-agent uninstall`) and unmounted when the next agent starts and when the
/// node goes, which detaches what it held.
#[derive(Clone, Default)]
struct Bpffs(std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>>);

impl Bpffs {
    fn fresh(&self) -> PathBuf {
        self.clear();
        let dir = tempfile::Builder::new().prefix("rampart-bpffs").tempdir().unwrap().keep();
        let status = Command::new("mount").args(["-t", "bpf", "bpf"]).arg(&dir).status().unwrap();
        assert!(status.success(), "mounting a bpffs for the agent's /sys/fs/bpf");
        self.0.lock().unwrap().push(dir.clone());
        dir
    }

    fn clear(&self) {
        for dir in self.0.lock().unwrap().drain(..) {
            let _ = Command::new(rampart_tests::agent::agent_bin())
                .args(["uninstall", "--pin-dir"])
                .arg(dir.join("rampart"))
                .output();
            let _ = Command::new("umount").arg(&dir).status();
            let _ = fs::remove_dir(&dir);
        }
    }

    /// The tiers the last agent pinned whole, as `concern-tier`.
    fn pinned_tiers(&self) -> Vec<String> {
        let Some(dir) = self.0.lock().unwrap().last().map(|d| d.join("rampart")) else { return Vec::new() };
        let Some(build) = fs::read_dir(&dir).ok().and_then(|mut d| d.next()).and_then(Result::ok) else {
            return Vec::new();
        };
        let mut tiers: Vec<String> = fs::read_dir(build.path().join("tiers"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        tiers.sort();
        tiers
    }
}

/// A runc launcher for the agent configured as `container`/`pod` say, with `caps`.
fn launcher(
    container: Value,
    pod: Value,
    caps: Vec<String>,
    test_dirs: Vec<PathBuf>,
    bpffs: Bpffs,
) -> Box<Launcher> {
    Box::new(move |args: &[OsString], env: &[(String, String)]| {
        let bundle = tempfile::Builder::new().prefix("rampart-agent-ctr").tempdir().unwrap().keep();
        // The image's files, linked: runc adds mount points to the copy, never to the image.
        let rootfs = bundle.join("rootfs");
        link_tree(&image_rootfs(), &rootfs);
        let sc = &container["securityContext"];
        assert_eq!(sc["privileged"], false);
        let bind = |src: &Path, dst: &str, ro: bool| {
            if !rootfs.join(dst.trim_start_matches('/')).exists() {
                fs::create_dir_all(rootfs.join(dst.trim_start_matches('/'))).unwrap();
            }
            json!({"destination": dst, "type": "bind", "source": src, "options": ["rbind", if ro { "ro" } else { "rw" }]})
        };
        let mut mounts = vec![
            json!({"destination": "/proc", "type": "proc", "source": "proc"}),
            json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}),
            json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}),
        ];
        // The manifest's host paths. The cgroup volume is this host's cgroup v2 hierarchy
        // (what `agent.cgroupHostPath` is set to on a hybrid host like this one).
        let volumes = pod["volumes"].as_array().expect("volumes");
        for m in container["volumeMounts"].as_array().expect("volumeMounts") {
            let name = m["name"].as_str().unwrap();
            let v = volumes.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("volume {name}"));
            let host = match name {
                "cgroup" => cgroup2_root(),
                "spool" => tempfile::tempdir().unwrap().keep(),
                // The kubelet's projected token for the collector (no collector runs here).
                "collector-token" => tempfile::tempdir().unwrap().keep(),
                // The node's bpffs: one of the test's own.
                "bpffs" => bpffs.fresh(),
                _ => PathBuf::from(v["hostPath"]["path"].as_str().expect("only hostPath volumes")),
            };
            mounts.push(bind(&host, m["mountPath"].as_str().unwrap(), m["readOnly"] == true));
        }
        // What the test hands the agent: its policies and pod manifests (read-only), and the
        // directory its events and log go to.
        for dir in &test_dirs {
            mounts.push(bind(dir, dir.to_str().unwrap(), true));
        }
        let events = args.iter().skip_while(|a| *a != "--events-out").nth(1).expect("--events-out");
        let events_dir = Path::new(events).parent().unwrap();
        mounts.push(bind(events_dir, events_dir.to_str().unwrap(), false));
        let mut env_list: Vec<String> = vec!["PATH=/usr/bin".into()];
        for e in container["env"].as_array().expect("env") {
            let name = e["name"].as_str().unwrap();
            if let Some(v) = e["value"].as_str()
                && !name.starts_with("RAMPART_COLLECTOR")
                && !name.starts_with("RAMPART_SPOOL")
                // No API server runs here to ask for the DaemonSet at SIGTERM.
                && name != "RAMPART_DAEMONSET"
            {
                env_list.push(format!("{name}={v}"));
            }
        }
        env_list.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        let caps: Vec<String> = caps.iter().map(|c| format!("CAP_{c}")).collect();
        let mut namespaces = vec![
            json!({"type": "mount"}),
            json!({"type": "ipc"}),
            json!({"type": "uts"}),
            json!({"type": "cgroup"}),
        ];
        if pod["hostPID"] != true {
            namespaces.push(json!({"type": "pid"}));
        }
        let mut argv = vec!["/usr/bin/rampart-agent".to_string()];
        argv.extend(args.iter().map(|a| a.to_string_lossy().into_owned()));
        let mut linux = json!({"namespaces": namespaces});
        match sc["seccompProfile"]["type"].as_str() {
            Some("RuntimeDefault") => linux["seccomp"] = rampart_tests::seccomp::runtime_default(&caps),
            Some("Unconfined") | None => {}
            Some(other) => panic!("seccompProfile {other}: the test knows RuntimeDefault and Unconfined"),
        }
        let config = json!({
            "ociVersion": "1.0.2",
            "process": {
                "terminal": false,
                "user": {"uid": sc["runAsUser"].as_u64().expect("runAsUser"), "gid": sc["runAsGroup"].as_u64().expect("runAsGroup")},
                "args": argv,
                "env": env_list,
                "cwd": "/",
                "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
                "noNewPrivileges": sc["allowPrivilegeEscalation"] == false,
            },
            "root": {"path": "rootfs", "readonly": sc["readOnlyRootFilesystem"] == true},
            "hostname": "rampart-agent",
            "mounts": mounts,
            "linux": linux,
        });
        fs::write(bundle.join("config.json"), serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let mut cmd = Command::new("runc");
        cmd.arg("--root").arg(bundle.join("state")).args(["run", "--bundle"]).arg(&bundle);
        cmd.arg(format!("rampart-agent-{}", rampart_tests::random_hex(8)));
        cmd
    })
}

/// The pid of `rampart-agent` below `runc` (its `run` forks the container's process).
fn agent_in_container(runc: u32) -> u32 {
    let children = |pid: u32| -> Vec<u32> {
        fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|t| fs::read_to_string(t.path().join("children")).ok())
            .flat_map(|c| c.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
            .collect()
    };
    let mut todo = vec![runc];
    while let Some(pid) = todo.pop() {
        if fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "rampart-agent") {
            return pid;
        }
        todo.extend(children(pid));
    }
    panic!("no rampart-agent process below runc ({runc})");
}

struct Node {
    policies: tempfile::TempDir,
    manifests: tempfile::TempDir,
    bpffs: Bpffs,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.bpffs.clear();
    }
}

impl Node {
    fn new() -> Node {
        ensure_bridge();
        Node {
            policies: tempfile::tempdir().unwrap(),
            manifests: tempfile::tempdir().unwrap(),
            bpffs: Bpffs::default(),
        }
    }

    /// The agent in its container with `caps`.
    fn agent(&self, caps: Vec<String>) -> AgentOptions {
        let (container, pod) = agent_container();
        let dirs = vec![self.policies.path().into(), self.manifests.path().into()];
        AgentOptions {
            policies: Some(self.policies.path().into()),
            pod_manifests: Some(self.manifests.path().into()),
            launcher: Some(launcher(container, pod, caps, dirs, self.bpffs.clone())),
            ..Default::default()
        }
    }
}

#[test]
fn the_agent_granted_only_what_its_daemonset_grants_enforces_and_reports() {
    if !require::root("the_agent_granted_only_what_its_daemonset_grants_enforces_and_reports")
        || !require::runc("the_agent_granted_only_what_its_daemonset_grants_enforces_and_reports")
    {
        return;
    }
    let (container, _) = agent_container();
    let node = Node::new();
    let (ok, no) = (port(), port());
    write_policy(
        node.policies.path(),
        "shop",
        "web-egress",
        "web",
        "enforce",
        &format!("    egress:\n      - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {ok}}}]\n"),
    );
    let agent = Agent::start(node.agent(granted_capabilities(&container)));
    let pid = agent_in_container(agent.pid().expect("runc runs"));
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("Seccomp:\t2"), "the agent runs under the RuntimeDefault filter:\n{status}");
    assert_eq!(agent.tier("network"), "cgroup", "{}", agent.log());
    assert_ne!(agent.tier("privilege"), "none", "{}", agent.log());
    let web = TestPod::create(PodSpec::new("shop", "web").with_netns());
    web.write_manifest(node.manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let _server = Server::tcp(BRIDGE_V4, ok, 0, 1);
    let t = trigger();
    assert!(outcome(&web.exec(&[&t, "tcp-connect", &sockaddr(BRIDGE_V4, ok)])).is_ok(), "allowed connect");
    assert_eq!(
        outcome(&web.exec(&[&t, "tcp-connect", &sockaddr(BRIDGE_V4, no)])),
        Err(EPERM),
        "denied connect"
    );
    let e = agent.wait_event("the deny", WAIT, |e| {
        e["pod"]["name"] == "web"
            && e["flow"]["remotePort"] == u64::from(no)
            && e["verdict"]["action"] == "deny"
    });
    assert_eq!(e["verdict"]["tier"], "cgroup", "{e}");
    assert_eq!(e["verdict"]["enforced"], true, "{e}");
    assert_eq!(e["verdict"]["policy"], "shop/web-egress", "{e}");
    // The DaemonSet's bpffs volume and capabilities let it pin its enforcement.
    let tiers = node.bpffs.pinned_tiers();
    assert!(tiers.iter().any(|t| t == "network-cgroup"), "pinned tiers: {tiers:?}\n{}", agent.log());
    assert!(agent.stop().success(), "{}", agent.log());
}

/// Start the agent without `cap`: the agent and its log once it is ready, or its exit and log.
fn without(node: &Node, caps: &[String], cap: &str) -> (Option<Agent>, String) {
    let fewer: Vec<String> = caps.iter().filter(|c| *c != cap).cloned().collect();
    match Agent::try_start(node.agent(fewer)) {
        Ok(agent) => {
            let log = agent.log();
            (Some(agent), log)
        }
        Err(log) => (None, log),
    }
}

#[test]
fn without_any_one_granted_capability_a_named_operation_fails() {
    if !require::root("without_any_one_granted_capability_a_named_operation_fails")
        || !require::runc("without_any_one_granted_capability_a_named_operation_fails")
    {
        return;
    }
    let (container, _) = agent_container();
    let caps = granted_capabilities(&container);
    let node = Node::new();
    // A pod process older than the agent: naming it as a parent takes /proc/PID/exe, which a
    // process with fewer capabilities than the target may only read with CAP_SYS_PTRACE.
    let pod = TestPod::create(PodSpec::new("shop", "old"));
    pod.write_manifest(node.manifests.path());
    let mut checked = Vec::new();
    for cap in &caps {
        let old = OldShell::start(&pod);
        let (agent, log) = without(&node, &caps, cap);
        match cap.as_str() {
            "BPF" => {
                assert!(agent.is_none(), "the agent started without CAP_BPF:\n{log}");
                assert!(log.contains("loading the kernel object"), "without CAP_BPF: {log}");
            }
            "PERFMON" => {
                assert!(agent.is_none(), "the agent started without CAP_PERFMON:\n{log}");
                assert!(log.contains("cgroup_mkdir") && log.contains("EPERM"), "without CAP_PERFMON: {log}");
            }
            "NET_ADMIN" => {
                let agent = agent.expect("the agent runs without CAP_NET_ADMIN, without the network concern");
                assert_eq!(agent.tier("network"), "none", "{log}");
                assert!(log.contains("loading connect4") && log.contains("EPERM"), "{log}");
                assert!(agent.stop().success());
            }
            "SYS_PTRACE" => {
                let agent = agent.expect("the agent runs without CAP_SYS_PTRACE");
                let parent = old.parent_binary_of_its_child(&agent);
                assert_eq!(parent, "", "a pod process's binary was read without CAP_SYS_PTRACE");
                assert!(agent.stop().success());
                let old = OldShell::start(&pod);
                let agent = Agent::start(node.agent(caps.clone()));
                let parent = old.parent_binary_of_its_child(&agent);
                assert!(!parent.is_empty(), "with CAP_SYS_PTRACE the parent's binary is named");
                assert!(agent.stop().success());
            }
            other => {
                panic!("CAP_{other} is granted by the DaemonSet but this test does not know what needs it")
            }
        }
        checked.push(cap.clone());
    }
    assert_eq!(checked, caps, "every granted capability was taken away once");
}

/// A shell in a pod that waits for a line, runs a child, and waits for another line before it
/// exits: started before an agent, so the agent never saw its exec and names it as a parent
/// from /proc.
struct OldShell(std::process::Child);

impl OldShell {
    fn start(pod: &TestPod) -> OldShell {
        // `read y` last: the shell outlives its child, and never execs the child in place.
        OldShell(
            pod.command(&["/bin/sh", "-c", "read x; /bin/true; read y"])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    }

    /// Let the shell run its child: the parent binary the child's exec event names.
    fn parent_binary_of_its_child(mut self, agent: &Agent) -> String {
        let pid = self.0.id();
        let mut stdin = self.0.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
        let e = agent.wait_event("the old shell's child's exec", WAIT, |e| {
            e["exec"].is_object() && e["process"]["parent"]["pid"] == u64::from(pid)
        });
        stdin.write_all(b"done\n").unwrap();
        drop(stdin);
        assert!(self.0.wait().unwrap().success());
        e["process"]["parent"]["binary"].as_str().unwrap_or_default().to_string()
    }
}
