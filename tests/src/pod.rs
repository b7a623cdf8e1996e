//! Pods as the kubelet makes them on a node: a pod cgroup and a container cgroup under the
//! cgroup v2 hierarchy, named per cgroup driver, QoS class and runtime, plus the Pod object
//! (as a static manifest) that names them. Processes are moved into the container cgroup
//! before they exec, as a runtime does.

use std::{
    fs,
    os::unix::fs::MetadataExt as _,
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Duration,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    Systemd,
    Cgroupfs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Containerd,
    Crio,
    Docker,
}

impl Runtime {
    pub fn status_prefix(self) -> &'static str {
        match self {
            Runtime::Containerd => "containerd://",
            Runtime::Crio => "cri-o://",
            Runtime::Docker => "docker://",
        }
    }
}

/// The mount point of the cgroup v2 hierarchy.
pub fn cgroup2_root() -> PathBuf {
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").expect("read mountinfo");
    mountinfo
        .lines()
        .find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            (right.split_whitespace().next()? == "cgroup2")
                .then(|| left.split_whitespace().nth(4).map(PathBuf::from))?
        })
        .expect("a cgroup2 mount")
}

pub struct PodSpec {
    /// Give the pod its own network namespace on the test bridge.
    pub netns: bool,
    pub namespace: String,
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub container_name: String,
    /// Named container ports: (name, number, `TCP`/`UDP`).
    pub ports: Vec<(String, u16, String)>,
    pub driver: Driver,
    pub qos: Qos,
    pub runtime: Runtime,
}

impl PodSpec {
    pub fn new(namespace: &str, name: &str) -> Self {
        PodSpec {
            netns: false,
            namespace: namespace.into(),
            name: name.into(),
            labels: vec![("app".into(), name.into())],
            container_name: "main".into(),
            ports: Vec::new(),
            driver: Driver::Systemd,
            qos: Qos::Burstable,
            runtime: Runtime::Containerd,
        }
    }

    pub fn driver(mut self, d: Driver) -> Self {
        self.driver = d;
        self
    }

    pub fn qos(mut self, q: Qos) -> Self {
        self.qos = q;
        self
    }

    pub fn runtime(mut self, r: Runtime) -> Self {
        self.runtime = r;
        self
    }

    pub fn with_netns(mut self) -> Self {
        self.netns = true;
        self
    }

    /// Declare a named container port.
    pub fn port(mut self, name: &str, number: u16, protocol: &str) -> Self {
        self.ports.push((name.into(), number, protocol.into()));
        self
    }

    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.labels.retain(|(key, _)| key != k);
        self.labels.push((k.into(), v.into()));
        self
    }
}

/// A pod on this node: its cgroups exist until it is dropped.
pub struct TestPod {
    pub spec: PodSpec,
    /// The pod's network namespace, if it has its own.
    pub netns: Option<crate::netns::NetNs>,
    pub uid: String,
    pub container_id: String,
    pub pod_dir: PathBuf,
    pub container_dir: PathBuf,
}

impl TestPod {
    /// Create the pod's cgroup directories in the kubelet layout.
    pub fn create(spec: PodSpec) -> TestPod {
        let uid = crate::random_uuid();
        let container_id = crate::random_hex(64);
        let root = cgroup2_root();
        let (pod_dir, container_dir) = layout(&root, &spec, &uid, &container_id);
        fs::create_dir_all(&container_dir)
            .unwrap_or_else(|e| panic!("creating {}: {e}", container_dir.display()));
        let netns = spec.netns.then(crate::netns::NetNs::create);
        TestPod { spec, netns, uid, container_id, pod_dir, container_dir }
    }

    /// The cgroup v2 id of the container's cgroup.
    pub fn container_cgroup_id(&self) -> u64 {
        fs::metadata(&self.container_dir).expect("container cgroup").ino()
    }

    /// The Pod object, as kubelet would report it (with its addresses when it has its own
    /// network namespace).
    pub fn manifest(&self) -> String {
        let s = &self.spec;
        let labels: String = s.labels.iter().map(|(k, v)| format!("    {k}: {v:?}\n")).collect();
        let ports: String = if s.ports.is_empty() {
            String::new()
        } else {
            let list: String = s
                .ports
                .iter()
                .map(|(n, p, proto)| format!("    - {{name: {n}, containerPort: {p}, protocol: {proto}}}\n"))
                .collect();
            format!("    ports:\n{list}")
        };
        let ips = match &self.netns {
            Some(n) => format!("  podIP: {}\n  podIPs:\n  - ip: {}\n  - ip: '{}'\n", n.v4, n.v4, n.v6),
            None => String::new(),
        };
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  uid: {uid}\n  labels:\n{labels}\
             spec:\n  containers:\n  - name: {c}\n    image: busybox\n{ports}status:\n  phase: Running\n{ips}  containerStatuses:\n\
             \x20 - name: {c}\n    containerID: {prefix}{cid}\n    ready: true\n",
            name = s.name,
            ns = s.namespace,
            uid = self.uid,
            c = s.container_name,
            prefix = s.runtime.status_prefix(),
            cid = self.container_id,
        )
    }

    /// Write the manifest into `dir` atomically (write, then rename), as `<namespace>_<name>.yaml`.
    pub fn write_manifest(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("{}_{}.yaml", self.spec.namespace, self.spec.name));
        let tmp = dir.join(format!(".{}_{}.tmp", self.spec.namespace, self.spec.name));
        fs::write(&tmp, self.manifest()).expect("write manifest");
        fs::rename(&tmp, &path).expect("rename manifest");
        path
    }

    /// A command that runs `argv` inside the container's cgroup: a shell moves itself into
    /// the cgroup, then execs `argv`, as a runtime starts a container's process.
    pub fn command(&self, argv: &[&str]) -> Command {
        let procs = self.container_dir.join("cgroup.procs");
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(r#"echo $$ > "$0" && exec "$@""#).arg(&procs);
        if let Some(ns) = &self.netns {
            ns.enter(&mut cmd);
        }
        cmd.args(argv);
        cmd
    }

    /// The pod's IPv4 address (its netns address, or loopback when it shares the host's).
    pub fn v4(&self) -> String {
        self.netns.as_ref().map_or_else(|| "127.0.0.1".into(), |n| n.v4.clone())
    }

    /// The pod's IPv6 address.
    pub fn v6(&self) -> String {
        self.netns.as_ref().map_or_else(|| "::1".into(), |n| n.v6.clone())
    }

    /// Run `argv` inside the container's cgroup and wait for it.
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.command(argv).output().expect("spawn /bin/sh")
    }
}

fn layout(root: &Path, s: &PodSpec, uid: &str, cid: &str) -> (PathBuf, PathBuf) {
    let qos = match s.qos {
        Qos::Guaranteed => None,
        Qos::Burstable => Some("burstable"),
        Qos::BestEffort => Some("besteffort"),
    };
    match s.driver {
        Driver::Systemd => {
            let mut pod = root.join("kubepods.slice");
            let uid_ = uid.replace('-', "_");
            match qos {
                Some(q) => {
                    pod.push(format!("kubepods-{q}.slice"));
                    pod.push(format!("kubepods-{q}-pod{uid_}.slice"));
                }
                None => pod.push(format!("kubepods-pod{uid_}.slice")),
            }
            let scope = match s.runtime {
                Runtime::Containerd => format!("cri-containerd-{cid}.scope"),
                Runtime::Crio => format!("crio-{cid}.scope"),
                Runtime::Docker => format!("docker-{cid}.scope"),
            };
            let container = pod.join(scope);
            (pod, container)
        }
        Driver::Cgroupfs => {
            let mut pod = root.join("kubepods");
            if let Some(q) = qos {
                pod.push(q);
            }
            pod.push(format!("pod{uid}"));
            let name = match s.runtime {
                Runtime::Crio => format!("crio-{cid}"),
                Runtime::Containerd | Runtime::Docker => cid.to_string(),
            };
            let container = pod.join(name);
            (pod, container)
        }
    }
}

impl TestPod {
    /// Kill every process in the container's cgroup (`cgroup.kill`, else one by one).
    pub fn kill_all(&self) {
        if fs::write(self.container_dir.join("cgroup.kill"), "1").is_ok() {
            return;
        }
        let procs = fs::read_to_string(self.container_dir.join("cgroup.procs")).unwrap_or_default();
        for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
            // SAFETY: signalling a process of this test's pod.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for TestPod {
    fn drop(&mut self) {
        self.kill_all();
        // Processes that ran here have been waited for; the kernel may take a moment to
        // notice the cgroup is empty.
        for dir in [&self.container_dir, &self.pod_dir] {
            for _ in 0..40 {
                if fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    }
}
