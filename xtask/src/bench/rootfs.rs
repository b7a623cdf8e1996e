//! Root filesystem writes: open(O_CREAT|O_WRONLY)+close of a file on an overlay mount (the
//! process chrooted into it, as a container's root) in a pod whose policy is `readOnly` with
//! 100 `allowWrite` prefixes, the file under one of them — no agent (A) / empty programs on
//! the hooks of the rootfs tier (B) / the agent (C). Goal on the `lsm` tier: C/B <= 1.05. The
//! `sigkill` tier (syscall tracepoints) is published as measured, with no goal: its cost is
//! the price of a kernel without BPF LSM.

use std::{path::Path, process::Command};

use anyhow::{Context as _, bail};
use rampart_tests::{
    agent::{Agent, AgentOptions, agent_bin},
    net::trigger,
    pod::{PodSpec, TestPod},
};

use super::{
    Goal,
    segments::{Baseline, Variant, interleaved},
};

/// An overlay mount (lower with `/tmp`, empty upper), unmounted when dropped.
struct Overlay {
    dir: tempfile::TempDir,
}

impl Overlay {
    fn mount() -> anyhow::Result<Overlay> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        for sub in ["lower/tmp", "upper", "work", "merged"] {
            std::fs::create_dir_all(d.join(sub))?;
        }
        let opts = format!(
            "lowerdir={},upperdir={},workdir={}",
            d.join("lower").display(),
            d.join("upper").display(),
            d.join("work").display()
        );
        let st = Command::new("mount")
            .args(["-t", "overlay", "overlay", "-o", &opts])
            .arg(d.join("merged"))
            .status()?;
        if !st.success() {
            bail!("mounting the overlay failed");
        }
        Ok(Overlay { dir })
    }

    fn merged(&self) -> std::path::PathBuf {
        self.dir.path().join("merged")
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.merged()).status();
    }
}

/// The rootfs tier the probe chooses on this node.
fn tier() -> anyhow::Result<String> {
    let out = Command::new(agent_bin()).args(["probe", "-o", "json"]).output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).context("probe JSON")?;
    report["rootfs"]["tier"].as_str().map(String::from).context("no rootfs tier in the probe")
}

pub fn bench(rounds: usize, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> rootfs: open(O_CREAT|O_WRONLY)+close on an overlay root, 100 allowWrite prefixes");
    let tier = tier()?;
    let (policies, manifests) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let prefixes: Vec<String> =
        std::iter::once("/tmp".to_string()).chain((1..100).map(|i| format!("/srv/app-{i}/cache"))).collect();
    std::fs::write(
        policies.path().join("p.yaml"),
        format!(
            "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: read-only, namespace: bench}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: fsbench}}}}\n  mode: enforce\n  \
             filesystem: {{rootfs: readOnly, allowWrite: [{}]}}\n",
            prefixes.join(", ")
        ),
    )?;
    let pod = TestPod::create(PodSpec::new("bench", "fsbench"));
    pod.write_manifest(manifests.path());
    let overlay = Overlay::mount()?;
    let n = if quick { "20000" } else { "200000" };
    let root = overlay.merged();
    let run = || -> anyhow::Result<f64> { open_loop(&pod, &root, n) };
    let variants = [
        Variant { name: "A:none", start: Box::new(|| Ok(Box::new(()))) },
        Variant { name: "B:empty", start: Box::new(|| Ok(Box::new(Baseline::start("rootfs")?))) },
        Variant {
            name: "C:agent",
            start: Box::new(|| {
                let agent = Agent::start(AgentOptions {
                    policies: Some(policies.path().into()),
                    pod_manifests: Some(manifests.path().into()),
                    ..Default::default()
                });
                agent.wait_metric("rampart_pods", 1.0);
                Ok(Box::new(agent))
            }),
        },
        Variant { name: "A2:none", start: Box::new(|| Ok(Box::new(()))) },
    ];
    let m = interleaved(rounds, &variants, |_| run())?;
    let noise = (m.ratio("A2:none", "A:none") - 1.0).abs();
    let note = format!(
        "tier {tier}; A {:.0} ns, B {:.0} ns, C {:.0} ns per open+close; C/A {:.2}; A/A noise {:.1}%",
        m.get("A:none"),
        m.get("B:empty"),
        m.get("C:agent"),
        m.ratio("C:agent", "A:none"),
        noise * 100.0
    );
    let name = "open+close on the rootfs: agent / empty programs (C/B)";
    let ratio = m.ratio("C:agent", "B:empty");
    Ok(vec![if tier == "lsm" {
        Goal::at_most(name, ratio, "ratio", 1.05, note)
    } else {
        Goal::reported(name, ratio, "ratio", format!("{note}; no goal on the tracepoint tier"))
    }])
}

fn open_loop(pod: &TestPod, root: &Path, n: &str) -> anyhow::Result<f64> {
    let t = trigger();
    let root = root.to_str().context("path")?;
    let out = pod.exec(&[&t, "open-loop", root, "/tmp/f", n]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ns_per_cycle=")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("open-loop failed: {text}"))
}
