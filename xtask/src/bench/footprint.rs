//! The agent's footprint: RSS idle and with 10,000 pod cgroups and their Pod objects (goal
//! <= 48 MiB, and under 2 KiB per extra pod); the kernel memory of its BPF maps, from the
//! kernel's own accounting (`memlock` in each map's fdinfo), at both points; RSS once 100,000
//! execs, each a new pid (`pid_max` raised for the run), are in its process table; idle CPU
//! (goal <= 0.1% of a core); and start to ready against the baseline of empty programs
//! attached to the same hooks (until the agent is ready a node enforces nothing new).

use std::{
    fs,
    path::Path,
    thread::sleep,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    pod::{Driver, PodSpec, Qos, TestPod},
};

use super::{Goal, segments::Baseline};

/// The agent's process table's bound (`rampart_agent::process::CAPACITY`; xtask does not
/// depend on the agent, whose build compiles the kernel programs).
const PROCESS_TABLE: usize = 128 * 1024;

/// `kernel.pid_max` raised for a run (so that many execs are as many pids), put back on drop.
struct PidMax(Option<String>);

impl PidMax {
    const PATH: &str = "/proc/sys/kernel/pid_max";

    fn at_least(n: usize) -> anyhow::Result<PidMax> {
        let was = fs::read_to_string(Self::PATH).context(Self::PATH)?;
        if was.trim().parse::<usize>().context(Self::PATH)? >= n {
            return Ok(PidMax(None));
        }
        fs::write(Self::PATH, n.to_string()).with_context(|| format!("raising {} to {n}", Self::PATH))?;
        Ok(PidMax(Some(was)))
    }
}

impl Drop for PidMax {
    fn drop(&mut self) {
        if let Some(was) = &self.0
            && let Err(e) = fs::write(Self::PATH, was.trim())
        {
            eprintln!("could not put {} back to {}: {e}", Self::PATH, was.trim());
        }
    }
}

/// Spawn to `attached` of empty programs on every hook the agent uses (exec, the network
/// cgroup hooks, the rootfs and privilege hooks of this kernel's tier), one after the other.
fn baseline_attach() -> anyhow::Result<Duration> {
    let t = Instant::now();
    let mut held = Vec::new();
    for hook in ["exec", "network", "rootfs", "privilege"] {
        held.push(Baseline::start(hook)?);
    }
    let took = t.elapsed();
    drop(held);
    Ok(took)
}

/// The agent's own start to ready (`rampart_startup_seconds`), in seconds.
fn startup(agent: &Agent) -> anyhow::Result<f64> {
    agent.metric("rampart_startup_seconds").context("rampart_startup_seconds")
}

/// CPU time of every thread of `pid`, in ns (`/proc/PID/task/*/schedstat`, first field).
pub(super) fn cpu_ns(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for task in fs::read_dir(format!("/proc/{pid}/task"))? {
        let text = fs::read_to_string(task?.path().join("schedstat")).unwrap_or_default();
        total += text.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    Ok(total)
}

/// The kernel memory of the BPF maps `pid` holds: the `memlock` the kernel accounts to each
/// map (its real usage on Linux 6.4+), summed over the map file descriptors in its fdinfo.
fn map_bytes(pid: u32) -> anyhow::Result<f64> {
    let mut total = 0.0;
    for fd in fs::read_dir(format!("/proc/{pid}/fdinfo"))? {
        let text = fs::read_to_string(fd?.path()).unwrap_or_default();
        if !text.contains("map_type:") {
            continue;
        }
        let memlock =
            text.lines().find_map(|l| l.strip_prefix("memlock:")).and_then(|v| v.trim().parse::<f64>().ok());
        total += memlock.unwrap_or(0.0);
    }
    Ok(total)
}

fn settled_rss(agent: &Agent) -> anyhow::Result<f64> {
    sleep(Duration::from_secs(2));
    super::procfs::rss_kib(agent.pid().context("agent running")?)
}

pub fn bench(out_dir: &Path, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> agent footprint");
    let manifests = tempfile::tempdir()?;
    // A policy with every section, so every concern is engaged at start (rootfs waits for one).
    let policies = tempfile::tempdir()?;
    fs::write(
        policies.path().join("all.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: all, namespace: bench}\n\
         spec:\n  podSelector: {matchLabels: {app: none}}\n  mode: audit\n  network: {egress: []}\n  \
         filesystem: {rootfs: readOnly}\n  privilege: {escalation: deny}\n",
    )?;
    let options = || AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        policies: Some(policies.path().into()),
        ..Default::default()
    };
    let idle = Agent::start(options());
    let start_idle = startup(&idle)?;
    let rss_idle = settled_rss(&idle)?;
    let pid = idle.pid().context("agent running")?;
    let maps_idle = map_bytes(pid)?;
    let window = Duration::from_secs(if quick { 5 } else { 20 });
    let (c0, t0) = (cpu_ns(pid)?, Instant::now());
    sleep(window);
    let cpu_pct = (cpu_ns(pid)? - c0) as f64 / t0.elapsed().as_nanos() as f64 * 100.0;
    idle.stop();
    println!("    idle: RSS {rss_idle:.0} KiB, CPU {cpu_pct:.3}% of a core over {window:?}");

    let n = if quick { 1000 } else { 10_000 };
    println!("    creating {n} pod cgroups and Pod manifests");
    let pods: Vec<TestPod> = (0..n)
        .map(|i| {
            let spec = PodSpec::new("bench", &format!("pod-{i}"))
                .driver(if i % 2 == 0 { Driver::Systemd } else { Driver::Cgroupfs })
                .qos(if i % 3 == 0 { Qos::Guaranteed } else { Qos::Burstable });
            TestPod::create(spec)
        })
        .collect();
    // A thousand Pod objects a file (the agent reads at most 4,096 files from its directory).
    for (f, chunk) in pods.chunks(1000).enumerate() {
        let text: Vec<String> = chunk.iter().map(TestPod::manifest).collect();
        fs::write(manifests.path().join(format!("pods-{f}.yaml")), text.join("\n---\n"))?;
    }
    let loaded = Agent::start(options());
    loaded.wait_metric("rampart_pods", n as f64);
    let start_loaded = startup(&loaded)?;
    let rss_loaded = settled_rss(&loaded)?;
    let maps_loaded = map_bytes(loaded.pid().context("agent running")?)?;
    // The process table: every exec is a new pid the agent keeps (up to its bound), once
    // pid_max lets that many pids be handed out before they wrap.
    let execs = if quick { 10_000 } else { 100_000 };
    let pid_max = PidMax::at_least(2 * execs)?;
    println!("    {execs} execs of a tiny binary");
    super::exec::fork_exec(&out_dir.join("tiny"), execs)?;
    drop(pid_max);
    let rss_procs = settled_rss(&loaded)?;
    let per_proc = (rss_procs - rss_loaded) * 1024.0 / execs.min(PROCESS_TABLE) as f64;
    println!("    after {execs} execs: RSS {rss_procs:.0} KiB ({per_proc:.0} bytes per tracked process)");
    loaded.stop();
    let rounds = if quick { 1 } else { 3 };
    let mut bases = (0..rounds)
        .map(|_| baseline_attach().map(|d| d.as_secs_f64()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    bases.sort_by(f64::total_cmp);
    let base = bases[bases.len() / 2];
    println!(
        "    start to ready: {start_idle:.2}s idle, {start_loaded:.2}s with {n} pods; empty programs on the same hooks attach in {base:.2}s"
    );
    drop(pods);
    let per_pod = (rss_loaded - rss_idle) * 1024.0 / n as f64;
    let maps_per_pod = (maps_loaded - maps_idle) / n as f64;
    println!(
        "    {n} pods: RSS {rss_loaded:.0} KiB ({per_pod:.0} bytes per pod); BPF maps {:.1} → {:.1} MiB ({maps_per_pod:.0} bytes per pod)",
        maps_idle / 1048576.0,
        maps_loaded / 1048576.0
    );

    Ok(vec![
        Goal::at_most("agent RSS idle", rss_idle / 1024.0, "MiB", 48.0, ""),
        Goal::at_most(&format!("agent RSS with {n} pods"), rss_loaded / 1024.0, "MiB", 48.0, ""),
        Goal::at_most("agent RSS per extra pod", per_pod / 1024.0, "KiB", 2.0, ""),
        Goal::reported(
            &format!("kernel memory of the agent's BPF maps, idle / with {n} pods"),
            maps_loaded / 1048576.0,
            "MiB",
            format!(
                "{:.1} MiB idle, {maps_per_pod:.0} bytes per pod (most maps are preallocated)",
                maps_idle / 1048576.0
            ),
        ),
        Goal::at_most(
            &format!("agent RSS with {execs} pids in its process table (bounded at {PROCESS_TABLE})"),
            rss_procs / 1024.0,
            "MiB",
            48.0,
            format!("{per_proc:.0} bytes per tracked process"),
        ),
        Goal::at_most("agent idle CPU", cpu_pct, "%core", 0.1, format!("over {window:?}")),
        Goal::at_most(
            "agent start to ready / empty programs attached",
            start_idle / base,
            "x",
            2.0,
            format!("{start_idle:.2}s vs {base:.2}s"),
        ),
        Goal::at_most(
            &format!("agent start to ready with {n} pods / empty programs attached"),
            start_loaded / base,
            "x",
            2.0,
            format!("{start_loaded:.2}s vs {base:.2}s"),
        ),
    ])
}
