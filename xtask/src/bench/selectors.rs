//! Rules between groups of pods at scale: 10,000 known pods (Pod manifests of other nodes, each
//! with an address, labels and a named port; 500 distinct label sets in 50 namespaces) and 1,000
//! policies with `podSelector`/`namespaceSelector` peers, one of which selects the bench pod.
//!
//! - TCP connect+accept+close from the bench pod to a known pod's address, which its policy
//!   allows by selector: no agent (A) / the agent enforcing (C), interleaved; goal C/A <= 1.02.
//! - The agent's memory per known pod: RSS with the 10,000 pods minus RSS with none (same
//!   policies), divided by 10,000; goal <= 1 KiB.
//! - The time to apply a pod's address change, reported: from the rewrite of the target pod's
//!   manifest with a new address to the first connect to that address the kernel lets through
//!   (before it, the address is no known pod's and the connect fails with EPERM).

use std::{
    fmt::Write as _,
    fs,
    path::Path,
    thread::sleep,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{Server, port, trigger},
    pod::{PodSpec, TestPod},
};

use super::{
    Check, Goal, Rounds,
    segments::{Variant, interleaved},
};

const PODS: usize = 10_000;
const POLICIES: usize = 1_000;
const NAMESPACES: usize = 50;
const APPS: usize = 500;

/// A known pod of another node: its manifest.
fn peer(i: usize, app: &str, ip: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: peer-{i}\n  namespace: ns-{ns}\n  uid: peer-uid-{i}\n  labels: {{app: {app}, tier: t{tier}}}\n\
         spec:\n  containers:\n  - name: main\n    ports: [{{name: db, containerPort: 5432}}]\nstatus:\n  phase: Running\n  podIP: {ip}\n  podIPs: [{{ip: {ip}}}]\n---\n",
        ns = i % NAMESPACES,
        tier = i % 3,
    )
}

/// The 10,000 peers, 1,000 per file (a file is read whole, at most 1 MiB); `target` (the pod
/// the bench pod connects to) at `target_ip`.
fn write_peers(dir: &Path, target_ip: &str) -> anyhow::Result<()> {
    for f in 0..PODS / 1000 {
        let mut text = String::new();
        for i in f * 1000..(f + 1) * 1000 {
            // 10.{64+}.x.y: addresses nothing here routes.
            let ip = format!("10.{}.{}.{}", 64 + i / 65536, (i / 256) % 256, i % 256);
            text.push_str(&peer(i, &format!("app-{}", i % APPS), &ip));
        }
        fs::write(dir.join(format!("peers-{f}.yaml")), text)?;
    }
    write_target(dir, target_ip)
}

fn write_target(dir: &Path, ip: &str) -> anyhow::Result<()> {
    let tmp = dir.join(".target.tmp");
    fs::write(&tmp, peer(PODS, "target", ip))?;
    fs::rename(&tmp, dir.join("target.yaml"))?;
    Ok(())
}

/// 1,000 policies: each selects one app of its namespace and lets it reach the next app
/// anywhere on the named port, and be reached from its namespace's tier t0; plus the bench
/// pod's: the target, by label, on `p`.
fn write_policies(dir: &Path, p: u16) -> anyhow::Result<()> {
    for f in 0..POLICIES / 100 {
        let mut text = String::new();
        for k in f * 100..(f + 1) * 100 {
            let _ = write!(
                text,
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: p-{k}, namespace: ns-{ns}}}\n\
                 spec:\n  podSelector: {{matchLabels: {{app: app-{a}}}}}\n  mode: enforce\n  network:\n    egress:\n\
                 \x20     - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: app-{next}}}}}}}]\n        ports: [{{port: db}}]\n\
                 \x20   ingress:\n      - from: [{{podSelector: {{matchLabels: {{tier: t0}}}}}}]\n---\n",
                ns = k % NAMESPACES,
                a = k % APPS,
                next = (k + 1) % APPS,
            );
        }
        fs::write(dir.join(format!("policies-{f}.yaml")), text)?;
    }
    fs::write(
        dir.join("bench.yaml"),
        format!(
            "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: bench, namespace: bench}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: selbench}}}}\n  mode: enforce\n  network:\n    egress:\n\
             \x20     - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: target}}}}}}]\n        ports: [{{port: {p}}}]\n"
        ),
    )?;
    Ok(())
}

fn cycles(pod: &TestPod, addr: &str, n: u32) -> anyhow::Result<f64> {
    let t = trigger();
    let out = pod.exec(&[&t, "tcp-cycles", addr, &n.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ns_per_cycle=")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("tcp-cycles failed: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

fn rss_kib(agent: &Agent) -> anyhow::Result<f64> {
    sleep(Duration::from_secs(2));
    let pid = agent.pid().context("agent running")?;
    super::procfs::rss_kib(pid)
}

pub fn bench(rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> selectors: {PODS} known pods, {POLICIES} policies with pod and namespace selectors");
    let (policies, manifests, empty) = (tempfile::tempdir()?, tempfile::tempdir()?, tempfile::tempdir()?);
    let p = port();
    write_policies(policies.path(), p)?;
    // The target pod's address is on loopback, so the bench pod (in the host's network
    // namespace) reaches it; the cycle's listener is the trigger's own, on that address.
    let target = "127.0.0.5";
    write_peers(manifests.path(), target)?;
    let pod = TestPod::create(PodSpec::new("bench", "selbench"));
    pod.write_manifest(manifests.path());
    pod.write_manifest(empty.path());
    let addr = format!("{target}:{p}");
    let n = if quick { 3000 } else { 20_000 };
    cycles(&pod, &addr, n / 4)?; // warm up

    let start = |dir: &Path, pods: usize| {
        let agent = Agent::start(AgentOptions {
            policies: Some(policies.path().into()),
            pod_manifests: Some(dir.into()),
            ..Default::default()
        });
        agent.wait_metric("rampart_policies", (POLICIES + 1) as f64);
        agent.wait_metric("rampart_pods", pods as f64);
        agent
    };
    let variants = [
        Variant { name: "A:none", start: Box::new(|| Ok(Box::new(()))) },
        Variant { name: "C:agent", start: Box::new(|| Ok(Box::new(start(manifests.path(), PODS + 2)))) },
        Variant { name: "A2:none", start: Box::new(|| Ok(Box::new(()))) },
    ];
    let goal = Check { num: "C:agent", den: "A:none", limit: 1.02, at_most: true };
    let tcp = interleaved(rounds, &variants, &[goal], |_| cycles(&pod, &addr, n))?;

    // Memory: the same policies with and without the 10,000 known pods.
    let bare = start(empty.path(), 1);
    let rss_bare = rss_kib(&bare)?;
    bare.stop();
    let loaded = start(manifests.path(), PODS + 2);
    let rss_loaded = rss_kib(&loaded)?;
    let per_pod = (rss_loaded - rss_bare) * 1024.0 / PODS as f64;
    println!(
        "    RSS {rss_bare:.0} KiB with 1 pod, {rss_loaded:.0} KiB with {PODS} more ({per_pod:.0} bytes each)"
    );

    // A pod's address change: the target moves to a new address, which the agent must learn
    // before the bench pod's connect to it passes.
    let _server = Server::tcp("127.0.0.6", p, 0, 1_000_000);
    let t = trigger();
    let connect = || pod.exec(&[&t, "tcp-connect", &format!("127.0.0.6:{p}"), "0", "200"]).status.success();
    anyhow::ensure!(!connect(), "127.0.0.6 is no known pod's yet: the connect must fail");
    let moved = Instant::now();
    write_target(manifests.path(), "127.0.0.6")?;
    while !connect() {
        anyhow::ensure!(moved.elapsed() < Duration::from_secs(30), "the new address was not learned in 30 s");
    }
    let apply_ms = moved.elapsed().as_secs_f64() * 1000.0;
    println!("    address change applied (manifest written → connect allowed) in {apply_ms:.0} ms");
    loaded.stop();

    Ok(vec![
        Goal::ratio(
            "TCP cycle to a pod allowed by selector, 10,000 pods / 1,000 policies: agent / no agent (C/A)",
            &tcp,
            goal,
            format!("A {:.0} ns, C {:.0} ns per cycle", tcp.get("A:none"), tcp.get("C:agent")),
        ),
        Goal::at_most(
            "agent memory per known pod (10,000 pods of other nodes)",
            per_pod,
            "bytes",
            1024.0,
            format!("RSS {rss_bare:.0} → {rss_loaded:.0} KiB"),
        ),
        Goal::reported(
            "time to apply a pod's address change (manifest written → connect allowed)",
            apply_ms,
            "ms",
            "includes the directory watch, reindexing 10,000 pods and the map writes",
        ),
    ])
}
