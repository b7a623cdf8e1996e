//! Containers under a root-filesystem policy, for the rootfs tests: a node (policy and pod
//! manifest directories), the tier its agent enforces with, and waits for file events.

use std::{fs, time::Duration};

use serde_json::Value;

use crate::{
    agent::{Agent, AgentOptions},
    container::{Container, ContainerSpec},
    pod::{PodSpec, TestPod},
};

pub const WAIT: Duration = Duration::from_secs(10);
pub const RUN: Duration = Duration::from_secs(30);

pub struct Node {
    pub policies: tempfile::TempDir,
    pub manifests: tempfile::TempDir,
}

impl Node {
    pub fn new(mode: &str, allow: &str) -> Node {
        let n = Node { policies: tempfile::tempdir().unwrap(), manifests: tempfile::tempdir().unwrap() };
        fs::write(
            n.policies.path().join("fs.yaml"),
            format!(
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: read-only, namespace: files}}\n\
                 spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: {mode}\n  \
                 filesystem: {{rootfs: readOnly, allowWrite: [{allow}]}}\n"
            ),
        )
        .unwrap();
        n
    }

    pub fn agent(&self) -> Agent {
        Agent::start(AgentOptions {
            policies: Some(self.policies.path().into()),
            pod_manifests: Some(self.manifests.path().into()),
            ..Default::default()
        })
    }

    /// A created (not started) container of pod files/web running `script`, known to the agent
    /// with its mount table.
    pub fn container(&self, agent: &Agent, script: &str) -> Container {
        self.container_of(agent, ContainerSpec::new(script))
    }

    /// A pod files/web (`n` tells several apart) known to the agent, with no process yet.
    pub fn pod(&self, agent: &Agent, n: usize) -> TestPod {
        let pod = TestPod::create(PodSpec::new("files", &format!("web-{n}")).label("app", "web"));
        pod.write_manifest(self.manifests.path());
        agent.wait_metric("rampart_pods", (n + 1) as f64);
        pod
    }

    /// The same for a container built from `spec`.
    pub fn container_of(&self, agent: &Agent, spec: ContainerSpec) -> Container {
        let c = Container::create(PodSpec::new("files", "web"), spec);
        c.pod.write_manifest(self.manifests.path());
        agent.wait_metric("rampart_pods", 1.0);
        agent.wait_metric("rampart_mount_tables", 1.0);
        c
    }
}

/// The rootfs tier this node's agent enforces with.
pub fn tier(agent: &Agent) -> String {
    try_tier(agent).expect("no rootfs tier in the agent's metrics")
}

/// The rootfs tier, or `None` when the metrics could not be read (a VM whose only vCPU the
/// verifier has while a concern is engaged can let the read time out).
pub fn try_tier(agent: &Agent) -> Option<String> {
    ["lsm", "sigkill", "none"].into_iter().map(String::from).find(|t| {
        agent.metric(&format!("rampart_enforcement_tier{{concern=\"rootfs\",tier=\"{t}\"}}")) == Some(1.0)
    })
}

/// The exit status line the container's shell prints for a stopped write.
pub fn stopped(tier: &str) -> &'static str {
    match tier {
        "sigkill" => "=137",
        "lsm" => "=1",
        other => panic!("tier {other} cannot stop a write"),
    }
}

pub fn file_events(agent: &Agent, c: &Container) -> Vec<Value> {
    agent
        .events()
        .into_iter()
        .filter(|e| e["file"].is_object() && e["pod"]["uid"] == c.pod.uid.as_str())
        .collect()
}

pub fn wait_file(agent: &Agent, c: &Container, op: &str, path: &str) -> Value {
    agent.wait_event(&format!("a file event {op} {path}"), WAIT, |e| {
        e["pod"]["uid"] == c.pod.uid.as_str() && e["file"]["operation"] == op && e["file"]["path"] == path
    })
}

/// The script's last command: an exec the test waits for, so that any event for the writes
/// before it is out too.
pub const MARKER: &str = "sh -c ': rampart-marker'";

/// Wait for the marker exec. A write's record leaves the kernel at its syscall's return, before
/// the script's next command is exec'd, and the agent writes events in the ring's order: once
/// the marker is out, so is every write before it.
pub fn settle(agent: &Agent, c: &Container) {
    agent.wait_event("the marker exec", WAIT, |e| {
        e["pod"]["uid"] == c.pod.uid.as_str()
            && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x == ": rampart-marker"))
    });
}

/// A process of the container's cgroup that is stopped (state `T` in `/proc/PID/stat`): the
/// kernel's hold at exec, seen from outside.
pub fn stopped_process(c: &Container) -> Option<u32> {
    let procs = fs::read_to_string(c.pod.container_dir.join("cgroup.procs")).ok()?;
    procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()).find(|pid| {
        fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| stat.rsplit_once(") ").map(|(_, rest)| rest.starts_with('T')))
            .unwrap_or(false)
    })
}
