//! The agent's idle CPU with containers under a `readOnly` root-filesystem policy. On the
//! rootfs `sigkill` tier the agent keeps each container's mount table, learns the tables of
//! new containers at its tick and forgets those of ended ones: work per container, every
//! second, while nothing happens. Each container here is a process of its own pod in its own
//! mount namespace, chrooted into a tmpfs (a root that is not the node's, as after a runtime's
//! `pivot_root`), running a static binary that only waits.

use std::{
    fs,
    path::Path,
    process::{Child, Command},
    thread::sleep,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    pod::{PodSpec, TestPod},
};

use super::{Goal, footprint::cpu_ns};

/// The tmpfs the containers are chrooted into, unmounted on drop.
struct Root(tempfile::TempDir);

impl Root {
    fn new(out_dir: &Path) -> anyhow::Result<Root> {
        let dir = tempfile::tempdir()?;
        let st = Command::new("mount").args(["-t", "tmpfs", "tmpfs"]).arg(dir.path()).status()?;
        anyhow::ensure!(st.success(), "mounting a tmpfs at {}", dir.path().display());
        let src = out_dir.join("wait.c");
        fs::write(&src, "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n")?;
        let st = Command::new("gcc")
            .args(["-O2", "-static", "-o"])
            .arg(dir.path().join("wait"))
            .arg(&src)
            .status()?;
        anyhow::ensure!(st.success(), "gcc -static (libc6-dev)");
        Ok(Root(dir))
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

pub fn bench(out_dir: &Path, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> agent idle CPU with containers under a readOnly policy");
    let n = if quick { 200 } else { 1000 };
    let root = Root::new(out_dir)?;
    let policies = tempfile::tempdir()?;
    let manifests = tempfile::tempdir()?;
    fs::write(
        policies.path().join("fs.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: read-only, namespace: bench}\n\
         spec:\n  podSelector: {matchLabels: {app: web}}\n  mode: enforce\n  filesystem: {rootfs: readOnly}\n",
    )?;
    let pods: Vec<TestPod> = (0..n)
        .map(|i| TestPod::create(PodSpec::new("bench", &format!("web-{i}")).label("app", "web")))
        .collect();
    let text: Vec<String> = pods.iter().map(TestPod::manifest).collect();
    fs::write(manifests.path().join("pods.yaml"), text.join("\n---\n"))?;
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        policies: Some(policies.path().into()),
        ..Default::default()
    });
    agent.wait_metric("rampart_pods", n as f64);
    let tier = agent.tier("rootfs");
    let root_dir = root.0.path().to_str().context("tmpfs path")?;
    let mut containers: Vec<Child> = pods
        .iter()
        .map(|p| p.command(&["unshare", "-m", "chroot", root_dir, "/wait"]).spawn())
        .collect::<Result<_, _>>()?;
    agent.wait_metric("rampart_mount_tables", n as f64);
    // Past the containers' first seconds, when each is visited every tick.
    sleep(Duration::from_secs(if quick { 12 } else { 15 }));
    let pid = agent.pid().context("agent running")?;
    let window = Duration::from_secs(if quick { 10 } else { 30 });
    let (c0, t0) = (cpu_ns(pid)?, Instant::now());
    sleep(window);
    let cpu_pct = (cpu_ns(pid)? - c0) as f64 / t0.elapsed().as_nanos() as f64 * 100.0;
    let per_container_us = cpu_pct / 100.0 * 1e6 / n as f64;
    println!(
        "    {n} containers ({tier} tier): agent CPU {cpu_pct:.3}% of a core over {window:?} ({per_container_us:.1} µs a second per container)"
    );
    agent.stop();
    for c in &mut containers {
        let _ = c.kill();
        let _ = c.wait();
    }
    drop(pods);
    drop(root);
    Ok(vec![Goal::reported(
        &format!("agent idle CPU with {n} containers under a readOnly policy"),
        cpu_pct,
        "%core",
        format!(
            "{tier} tier, each container its own mount namespace; {per_container_us:.1} µs a second per container"
        ),
    )])
}
