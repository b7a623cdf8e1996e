//! Root filesystem writes on an overlay mount (the process chrooted into it, as a container's
//! root) in pods whose policies are `readOnly` with 100 `allowWrite` prefixes — no agent (A) /
//! empty programs on the hooks of the rootfs tier (B) / the agent (C):
//!
//! - open(O_CREAT|O_WRONLY)+close of an existing file under an allowed prefix. Goal on the
//!   `lsm` tier: C/B <= 1.05; the `sigkill` tier (syscall tracepoints) is published as
//!   measured, its cost being the price of a kernel without BPF LSM.
//! - create+write+close of a new file each time under an allowed prefix: C/A <= 1.3.
//! - the same in a directory no prefix allows, in a pod whose policy is `audit`: every write
//!   is a refusal the kernel reports (a new path each time, so each is an event): C/A
//!   published as measured.

use std::process::Command;

use anyhow::{Context as _, bail};
use rampart_tests::{
    agent::{Agent, AgentOptions, agent_bin},
    net::trigger,
    pod::{PodSpec, TestPod},
};

use super::{
    Check, Goal, Rounds,
    segments::{Baseline, Variant, interleaved},
};

/// An overlay mount (lower with `/tmp`, empty upper), all of it on a tmpfs of its own so a
/// create costs what the kernel's VFS and the hooks cost, not a disk's (a create with the upper
/// directory on this VM's ext4 disk took ~200 µs and varied by 10%, hiding the agent's few
/// microseconds). Unmounted when dropped.
struct Overlay {
    dir: tempfile::TempDir,
}

impl Overlay {
    fn mount() -> anyhow::Result<Overlay> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=512m", "rampart-bench"])
            .arg(d)
            .status()?;
        if !st.success() {
            bail!("mounting a tmpfs for the overlay failed");
        }
        for sub in ["lower/tmp", "lower/srv/data", "upper", "work", "merged"] {
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
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// The rootfs tier the probe chooses on this node.
fn tier() -> anyhow::Result<String> {
    let out = Command::new(agent_bin()).args(["probe", "-o", "json"]).output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).context("probe JSON")?;
    report["rootfs"]["tier"].as_str().map(String::from).context("no rootfs tier in the probe")
}

fn policy(name: &str, app: &str, mode: &str, prefixes: &[String]) -> String {
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {name}, namespace: bench}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: {app}}}}}\n  mode: {mode}\n  \
         filesystem: {{rootfs: readOnly, allowWrite: [{}]}}\n",
        prefixes.join(", ")
    )
}

pub fn bench(rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> rootfs: opens, creates and refused creates on an overlay root, 100 allowWrite prefixes");
    let tier = tier()?;
    let (policies, manifests) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let prefixes: Vec<String> =
        std::iter::once("/tmp".to_string()).chain((1..100).map(|i| format!("/srv/app-{i}/cache"))).collect();
    std::fs::write(policies.path().join("p.yaml"), policy("read-only", "fsbench", "enforce", &prefixes))?;
    std::fs::write(policies.path().join("a.yaml"), policy("read-only-audit", "fsaudit", "audit", &prefixes))?;
    let pod = TestPod::create(PodSpec::new("bench", "fsbench"));
    pod.write_manifest(manifests.path());
    let audited = TestPod::create(PodSpec::new("bench", "fsaudit"));
    audited.write_manifest(manifests.path());
    let overlay = Overlay::mount()?;
    let root = overlay.merged();
    let (opens, creates) = if quick { ("20000", "5000") } else { ("200000", "50000") };
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
                agent.wait_metric("rampart_pods", 2.0);
                Ok(Box::new(agent))
            }),
        },
        Variant { name: "A2:none", start: Box::new(|| Ok(Box::new(()))) },
    ];
    let open_goal = Check { num: "C:agent", den: "B:empty", limit: 1.05, at_most: true };
    let create_goal = Check { num: "C:agent", den: "A:none", limit: 1.3, at_most: true };
    let lsm = tier == "lsm";
    let open_checks: &[Check] = if lsm { &[open_goal] } else { &[] };
    let open = interleaved(rounds, &variants, open_checks, |_| {
        in_root(&pod, &["open-loop", root.to_str().context("path")?, "/tmp/f", opens])
    })?;
    let create = interleaved(rounds, &variants, &[create_goal], |_| {
        in_root(&pod, &["create-loop", root.to_str().context("path")?, "/tmp", creates])
    })?;
    let refused = interleaved(rounds, &variants, &[], |_| {
        in_root(&audited, &["create-loop", root.to_str().context("path")?, "/srv/data", creates])
    })?;
    let costs = |m: &super::segments::Samples, what: &str| {
        format!(
            "tier {tier}; A {:.0} ns, B {:.0} ns, C {:.0} ns per {what}",
            m.get("A:none"),
            m.get("B:empty"),
            m.get("C:agent")
        )
    };
    let open_name = "open+close on the rootfs: agent / empty programs (C/B)";
    let open_note =
        format!("{}; C/A {:.2}", costs(&open, "open+close"), open.ratio("C:agent", "A:none").value);
    Ok(vec![
        if lsm {
            Goal::ratio(open_name, &open, open_goal, open_note)
        } else {
            Goal::ratio_reported(
                open_name,
                &open,
                "C:agent",
                "B:empty",
                format!("{open_note}; no goal on the tracepoint tier"),
            )
        },
        Goal::ratio(
            "create+write+close of new files, allowed: agent / no agent (C/A)",
            &create,
            create_goal,
            costs(&create, "create+write+close"),
        ),
        Goal::ratio_reported(
            "create+write+close of new files, refused under audit (an event each): agent / no agent (C/A)",
            &refused,
            "C:agent",
            "A:none",
            costs(&refused, "refused create"),
        ),
    ])
}

/// Run a trigger loop in `pod`; ns per cycle.
fn in_root(pod: &TestPod, args: &[&str]) -> anyhow::Result<f64> {
    let t = trigger();
    let mut argv = vec![t.as_str()];
    argv.extend_from_slice(args);
    let out = pod.exec(&argv);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ns_per_cycle=")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{} failed: {text} {}", args[0], String::from_utf8_lossy(&out.stderr)))
}
