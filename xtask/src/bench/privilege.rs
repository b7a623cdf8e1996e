//! Privilege: `setuid(getuid())` and fork+exec loops inside a pod whose policy denies
//! escalation — no agent (A) / empty programs on the same syscall tracepoints (B) / the agent
//! (C). Goal: C/B <= 1.3. The `sigkill` tier's syscall tracepoints also put every task of the
//! node on the slow syscall path; the C/A ratio shows what that costs, and is reported.

use std::path::Path;

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::trigger,
    pod::{PodSpec, TestPod},
};

use super::{
    Check, Goal, Rounds,
    segments::{Baseline, Variant, interleaved},
};

fn in_pod(pod: &TestPod, args: &[&str]) -> anyhow::Result<f64> {
    let t = trigger();
    let mut argv = vec![t.as_str()];
    argv.extend_from_slice(args);
    let out = pod.exec(&argv);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ns_per_cycle=")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{args:?} failed: {text}"))
}

pub fn bench(out_dir: &Path, rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> privilege: setuid(getuid()) and fork+exec in a pod");
    let (policies, manifests) = (tempfile::tempdir()?, tempfile::tempdir()?);
    std::fs::write(
        policies.path().join("p.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: no-escalation, namespace: bench}\n\
         spec:\n  podSelector: {matchLabels: {app: privbench}}\n  mode: enforce\n  privilege: {escalation: deny}\n",
    )?;
    let pod = TestPod::create(PodSpec::new("bench", "privbench"));
    pod.write_manifest(manifests.path());
    let tiny = out_dir.join("tiny");
    let tiny = tiny.to_str().context("path")?;
    let (n_setuid, n_exec) = if quick { ("20000", "200") } else { ("200000", "2000") };
    let variants = [
        Variant { name: "A:none", start: Box::new(|| Ok(Box::new(()))) },
        Variant { name: "B:empty", start: Box::new(|| Ok(Box::new(Baseline::start("privilege")?))) },
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
    let goal = Check { num: "C:agent", den: "B:empty", limit: 1.3, at_most: true };
    let setuid = interleaved(rounds, &variants, &[goal], |_| in_pod(&pod, &["setuid-loop", n_setuid]))?;
    let exec = interleaved(rounds, &variants, &[goal], |_| in_pod(&pod, &["exec-loop", tiny, n_exec]))?;
    Ok(vec![
        Goal::ratio(
            "setuid(getuid()): agent / empty programs (C/B)",
            &setuid,
            goal,
            format!(
                "A {:.0} ns, B {:.0} ns, C {:.0} ns per call; C/A {:.2}",
                setuid.get("A:none"),
                setuid.get("B:empty"),
                setuid.get("C:agent"),
                setuid.ratio("C:agent", "A:none").value,
            ),
        ),
        Goal::ratio(
            "fork+exec in a pod: agent / empty programs (C/B)",
            &exec,
            goal,
            format!("C/A {:.2}", exec.ratio("C:agent", "A:none").value),
        ),
    ])
}
