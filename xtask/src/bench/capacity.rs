//! Capacity and latency from the kernel. A pod makes UDP socket+connect+send+close cycles at a
//! fixed offered rate; each cycle is two flow records (the open at its datagram, the close) that go
//! the whole way: ring buffer → decode → attribution → verdict → export → the collector → its
//! SQLite store. The agent runs as on a node: no events file, the collector its only output,
//! a spool for what the collector cannot take yet.
//!
//! - **Capacity**: the highest offered rate at which every event is stored within [`DRAIN`] of
//!   the generator's end and no drop is counted anywhere, held for a whole step (60 s; 10 s with
//!   `--quick`). The rate doubles until a step loses, then bisects. Every step is printed and
//!   written (the loss curve).
//! - **Loss is counted at the store**, not taken from counters: expected = 2 × the cycles the
//!   generator made + the agent's other events in the step; stored = the collector's
//!   `rampart_ingest_events_total{result="stored"}`. The agent's drop counters are printed
//!   beside it; a loss they do not explain is named as such.
//! - **Latency**: a live subscriber of the collector (the release client) takes its receive
//!   time − the event's time (the kernel's boot-time stamp, made wall-clock by the agent) for
//!   every event, at 10%, 50% and 90% of the capacity found.
//!
//! Every step starts on an empty store (a new collector on the same address, which the agent
//! reconnects to): SQLite's inserts slow down as its indexes grow, and a search whose later
//! steps meet a bigger store would measure its own history. Everything shares the machine's
//! cores: the generator, the agent, the collector and the subscriber. The agent's and the
//! collector's CPU are printed per step.

use std::{
    collections::BTreeMap,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use rampart_tests::{
    agent::{Agent, AgentOptions},
    collector::{Collector, CollectorOptions},
    net::{port, trigger, write_policy},
    pod::{PodSpec, TestPod},
};

use super::{Goal, client, procfs};

/// Flow events per UDP socket+connect+send+close: the open and the close.
const EVENTS_PER_CYCLE: u64 = 2;
/// How long after the generator's end every event must be stored for a step to count as
/// sustained (a pipeline that only keeps up by queueing is not).
const DRAIN: Duration = Duration::from_secs(5);
/// The capacity row's name: a run that has it measured the loss curve too, even when no step
/// lost anything ([`super::record`]).
pub(super) const CAPACITY: &str = "capacity: events/s stored with zero loss";
/// The goal: events/s with zero loss on this 2-core machine, the agent within one core.
const GOAL_EVENTS: f64 = 250_000.0;

/// One step of the search.
#[derive(Clone, Debug)]
struct Step {
    /// Cycles per second asked of the generator.
    offered: f64,
    /// Events per second the generator actually made (it may not keep up).
    made: f64,
    /// The generator's flows and the agent's other events in the step.
    expected: u64,
    /// Stored once the pipeline was idle again.
    stored: u64,
    /// Everything made until the generator's end was stored within [`DRAIN`] of it.
    in_time: bool,
    /// Drops the agent counted, every stage.
    drops: u64,
    /// The nonzero ones, by stage and kind.
    drops_by: String,
    /// The agent's events besides the flows, by kind.
    others_by: String,
    /// The generator's cycles.
    cycles: u64,
    /// Where an unexplained loss happened: the kernel's flow records the agent decoded and the
    /// flow events it made, of the 2 × cycles due, and the events the collector acked to it as
    /// stored.
    flow_records: u64,
    flows_made: u64,
    acked_stored: u64,
    /// The collector's duplicate and conflict counts, and its refusals.
    collector_said: String,
    agent_cores: f64,
    collector_cores: f64,
    /// The collector's peak RSS (it started with the step).
    collector_peak_mib: f64,
    /// How late the generator's last cycle was.
    behind_ms: f64,
}

impl Step {
    fn lossless(&self) -> bool {
        self.in_time && self.stored >= self.expected && self.drops == 0
    }

    /// The generator could not make what was offered.
    fn generator_bound(&self) -> bool {
        self.made < 0.95 * self.offered * EVENTS_PER_CYCLE as f64
    }

    fn print(&self) {
        let lost = self.expected.saturating_sub(self.stored);
        let unexplained = lost.saturating_sub(self.drops);
        println!(
            "    offered {:>8.0} ev/s, made {:>8.0} ev/s: {} — {} expected, {} lost, {}, {} drops counted{}{}; agent {:.2} cores, collector {:.2} cores, generator {:.0} ms behind",
            self.offered * EVENTS_PER_CYCLE as f64,
            self.made,
            if self.lossless() { "lossless" } else { "LOSS" },
            self.expected,
            lost,
            if self.in_time { "in time" } else { "NOT stored within the drain" },
            self.drops,
            if self.drops > 0 { format!(" ({})", self.drops_by) } else { String::new() },
            if unexplained > 0 {
                format!(
                    " ({unexplained} lost that no counter explains; other events: {}; of {} flow events due, the agent decoded {} flow records and made {} flow events, and was told {} of its events were stored; the collector's: {})",
                    self.others_by,
                    self.cycles * EVENTS_PER_CYCLE,
                    self.flow_records,
                    self.flows_made,
                    self.acked_stored,
                    self.collector_said
                )
            } else {
                String::new()
            },
            self.agent_cores,
            self.collector_cores,
            self.behind_ms,
        );
    }
}

/// The agent's counts the bench reads, from one fetch of its `/metrics`.
struct AgentCounts {
    /// Events other than flows, by kind.
    others: BTreeMap<String, u64>,
    /// Drops by stage and kind.
    drops: BTreeMap<String, u64>,
    /// CPU seconds.
    cpu: f64,
    /// The kernel's flow records decoded.
    flow_records: u64,
    /// Flow events made.
    flow_events: u64,
    /// Events the collector acked as stored.
    acked_stored: u64,
}

/// The agent, the collector and the pod under test.
struct Rig {
    collector: Collector,
    agent: Agent,
    pod: TestPod,
    addr: String,
    _dirs: [tempfile::TempDir; 3],
}

impl Rig {
    fn start() -> anyhow::Result<Rig> {
        let (policies, manifests, spool) = (tempfile::tempdir()?, tempfile::tempdir()?, tempfile::tempdir()?);
        let p = port();
        // Audited: every connection is judged and recorded, none refused.
        write_policy(
            policies.path(),
            "bench",
            "capacity",
            "capacity",
            "audit",
            &format!(
                "    egress:\n      - to: [{{cidr: 127.0.0.1/32}}]\n        ports: [{{port: {p}, protocol: UDP}}]\n"
            ),
        );
        let pod = TestPod::create(PodSpec::new("bench", "capacity"));
        pod.write_manifest(manifests.path());
        let collector = Collector::start(collector_options(None));
        let agent = Agent::start(AgentOptions {
            policies: Some(policies.path().into()),
            pod_manifests: Some(manifests.path().into()),
            // A spool, as the DaemonSet gives it: while the collector stalls, what overflows
            // the memory queue waits on disk instead of being dropped.
            extra: vec![
                "--collector".into(),
                collector.url(),
                "--spool-dir".into(),
                spool.path().display().to_string(),
            ],
            no_events_file: true,
            ..Default::default()
        });
        agent.wait_metric("rampart_policies", 1.0);
        agent.wait_metric("rampart_pods", 1.0);
        Ok(Rig { collector, agent, pod, addr: format!("127.0.0.1:{p}"), _dirs: [policies, manifests, spool] })
    }

    /// A new collector on an empty store, at the same address; once the agent streams to it.
    fn fresh_store(&mut self) -> anyhow::Result<()> {
        let addr = self.collector.addr;
        self.collector.kill();
        self.collector = Collector::start(collector_options(Some(addr)));
        let start = Instant::now();
        loop {
            let (_, text) = self.collector.http("/metrics");
            if rampart_tests::metric_sample(&text, "rampart_agent_streams") == Some(1.0) {
                return Ok(());
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(30),
                "the agent did not reconnect within 30 s"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn stored(&self) -> anyhow::Result<u64> {
        let (code, text) = self.collector.http("/metrics");
        anyhow::ensure!(code == 200, "collector /metrics: {code}");
        rampart_tests::metric_sample(&text, "rampart_ingest_events_total{result=\"stored\"}")
            .map(|v| v as u64)
            .context("rampart_ingest_events_total{result=\"stored\"}")
    }

    fn collector_cpu(&self) -> f64 {
        self.collector.pid().and_then(|p| procfs::cpu_seconds(p).ok()).unwrap_or(f64::NAN)
    }

    /// What the agent's `/metrics` says so far (one fetch).
    fn agent_counts(&self) -> AgentCounts {
        let text = self.agent.metrics();
        let samples = |prefix: &'static str| {
            text.lines().filter_map(move |l| {
                let (name, value) = l.strip_prefix(prefix)?.rsplit_once(' ')?;
                Some((name.to_string(), value.parse::<f64>().ok()? as u64))
            })
        };
        let sample = |name| rampart_tests::metric_sample(&text, name).unwrap_or(0.0) as u64;
        AgentCounts {
            others: samples("rampart_events_total").filter(|(k, _)| k != "{kind=\"flow\"}").collect(),
            drops: samples("rampart_drops_total").collect(),
            cpu: rampart_tests::metric_sample(&text, "process_cpu_seconds_total").unwrap_or(f64::NAN),
            flow_records: sample("rampart_records_total{kind=\"flow\"}"),
            flow_events: sample("rampart_events_total{kind=\"flow\"}"),
            acked_stored: sample("rampart_export_events_total{result=\"stored\"}"),
        }
    }

    /// Wait until nothing new is stored for a second (at most 60 s): the pipeline is idle.
    fn settle(&self) -> anyhow::Result<u64> {
        let start = Instant::now();
        let mut last = self.stored()?;
        let mut quiet = Instant::now();
        while start.elapsed() < Duration::from_secs(60) && quiet.elapsed() < Duration::from_secs(1) {
            thread::sleep(Duration::from_millis(100));
            let now = self.stored()?;
            if now != last {
                (last, quiet) = (now, Instant::now());
            }
        }
        Ok(last)
    }

    /// The events stored since `stored0` once the pipeline is idle, and the agent's other
    /// events counted by then. The agent counts an event before it is stored, so the count is
    /// read first and the store settled after: an event the node made (an exec) just as the
    /// store went quiet would otherwise be expected and not yet stored, a loss that never
    /// happened. While the count moves during a settle, or the store holds less than expected,
    /// it settles again, a few times (a real loss stays one).
    fn settled(
        &self,
        stored0: u64,
        others0: &BTreeMap<String, u64>,
        flows: u64,
    ) -> anyhow::Result<(u64, BTreeMap<String, u64>)> {
        let mut attempts = 0;
        loop {
            let others = self.agent_counts().others;
            let stored = self.settle()? - stored0;
            attempts += 1;
            let expected = flows + grown(others0, others.clone()).0;
            if attempts == 5 || (stored >= expected && self.agent_counts().others == others) {
                return Ok((stored, others));
            }
        }
    }

    /// Offer `rate` cycles/s for `secs`, on an empty store.
    fn step(&mut self, rate: f64, secs: f64) -> anyhow::Result<Step> {
        self.settle()?;
        self.fresh_store()?;
        self.offer(rate, secs)
    }

    /// Offer `rate` cycles/s for `secs` to the store as it is.
    fn offer(&self, rate: f64, secs: f64) -> anyhow::Result<Step> {
        let stored0 = self.settle()?;
        let before = self.agent_counts();
        let collector_cpu0 = self.collector_cpu();
        let out =
            self.pod.exec(&[&trigger(), "udp-paced", &self.addr, &format!("{rate}"), &format!("{secs}")]);
        let (agent_cpu1, collector_cpu1) = (self.agent_counts().cpu, self.collector_cpu());
        let ended = Instant::now();
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> anyhow::Result<f64> {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                .with_context(|| {
                    format!("udp-paced: no {name} in {text:?} {}", String::from_utf8_lossy(&out.stderr))
                })
        };
        let (cycles, seconds, behind_ms) = (field("cycles")? as u64, field("seconds")?, field("behind_ms")?);
        // What the agent made besides the flows (the trigger's own exec, the node's processes)
        // is expected too: until the generator's end within the drain, and all of it once the
        // pipeline is idle again.
        let until_end = cycles * EVENTS_PER_CYCLE + grown(&before.others, self.agent_counts().others).0;
        let mut in_time = false;
        while !in_time && ended.elapsed() < DRAIN {
            in_time = self.stored()? - stored0 >= until_end;
            thread::sleep(Duration::from_millis(50));
        }
        let (stored, others) = self.settled(stored0, &before.others, cycles * EVENTS_PER_CYCLE)?;
        let after = self.agent_counts();
        let (others, others_by) = grown(&before.others, others);
        let expected = cycles * EVENTS_PER_CYCLE + others;
        let (drops, drops_by) = grown(&before.drops, after.drops);
        let collector_said = {
            let text = self.collector.http("/metrics").1;
            let wanted = ["result=\"duplicate\"", "result=\"conflict\"", "_refused_total"];
            let lines = text.lines().filter(|l| !l.starts_with('#') && wanted.iter().any(|w| l.contains(w)));
            lines.collect::<Vec<_>>().join(", ")
        };
        Ok(Step {
            offered: rate,
            made: (cycles * EVENTS_PER_CYCLE) as f64 / seconds,
            expected,
            stored,
            in_time,
            drops,
            drops_by,
            others_by,
            cycles,
            flow_records: after.flow_records.saturating_sub(before.flow_records),
            flows_made: after.flow_events.saturating_sub(before.flow_events),
            acked_stored: after.acked_stored.saturating_sub(before.acked_stored),
            collector_said,
            agent_cores: (agent_cpu1 - before.cpu) / seconds,
            collector_cores: (collector_cpu1 - collector_cpu0) / seconds,
            collector_peak_mib: self
                .collector
                .pid()
                .and_then(|p| procfs::status_kib(p, "VmHWM:").ok())
                .map_or(f64::NAN, |k| k / 1024.0),
            behind_ms,
        })
    }
}

fn collector_options(listen: Option<std::net::SocketAddr>) -> CollectorOptions {
    CollectorOptions {
        listen,
        extra: vec!["--metrics-addr".into(), "127.0.0.1:0".into()],
        ..Default::default()
    }
}

/// What grew from `before` to `after`: the sum, and the samples that grew as "name n, ...".
fn grown(before: &BTreeMap<String, u64>, after: BTreeMap<String, u64>) -> (u64, String) {
    let grew: Vec<(String, u64)> = after
        .into_iter()
        .map(|(k, v)| {
            let d = v.saturating_sub(before.get(&k).copied().unwrap_or(0));
            (k, d)
        })
        .filter(|(_, d)| *d > 0)
        .collect();
    (
        grew.iter().map(|g| g.1).sum(),
        grew.iter().map(|(k, d)| format!("{k} {d}")).collect::<Vec<_>>().join(", "),
    )
}

/// A live subscriber of the pod's namespace: the release client
/// ([`super::client::CLIENT`]`subscribe`), so its own decoding does not add to the latency it
/// measures. It runs until [`Subscriber::finish`] closes its standard input.
struct Subscriber(std::process::Child);

impl Subscriber {
    fn start(url: &str) -> anyhow::Result<Subscriber> {
        let child = std::process::Command::new(client::path(client::CLIENT))
            .args(["subscribe", url, "bench"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("starting the subscriber")?;
        Ok(Subscriber(child))
    }

    /// Event latencies (ns) it saw, and the events it was told it missed.
    fn finish(mut self) -> anyhow::Result<(Vec<i64>, u64)> {
        drop(self.0.stdin.take());
        let out = self.0.wait_with_output().context("the subscriber")?;
        anyhow::ensure!(out.status.success(), "the subscriber failed: {}", out.status);
        let (mut latencies, mut missed) = (Vec::new(), None);
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            match line.strip_prefix("missed ") {
                Some(n) => missed = Some(n.parse()?),
                None => latencies.push(line.parse()?),
            }
        }
        Ok((latencies, missed.context("the subscriber did not finish its report")?))
    }
}

/// The `q` quantile of sorted values.
fn quantile(sorted: &[i64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize] as f64
}

pub fn bench(quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> capacity: UDP flows (connect+send+close) from a pod, kernel to store, paced");
    let secs = if quick { 10.0 } else { 60.0 };
    client::build(&[client::CLIENT])?;
    let mut rig = Rig::start()?;
    // Events per cycle, checked on a small step before anything depends on it.
    let check = rig.step(500.0, 2.0)?;
    if !check.lossless() {
        check.print();
        bail!("a calibration step at 1,000 ev/s did not store exactly what was expected");
    }
    let steps = search(&mut rig, secs, quick)?;
    let best = steps.iter().filter(|s| s.lossless()).max_by(|a, b| a.made.total_cmp(&b.made));
    let mut goals = vec![Goal::at_least(
        CAPACITY,
        best.map_or(0.0, |b| b.made),
        "ev/s",
        GOAL_EVENTS,
        best.map_or(String::new(), |b| {
            format!(
                "held {secs:.0} s; agent {:.2} cores, collector {:.2} cores{}",
                b.agent_cores,
                b.collector_cores,
                if b.generator_bound() { "; the generator's limit, not the pipeline's" } else { "" }
            )
        }),
    )];
    if let Some(b) = best {
        goals.push(Goal::at_most("agent CPU at capacity", b.agent_cores, "cores", 1.0, ""));
        goals.push(Goal::reported(
            "collector peak RSS at capacity",
            b.collector_peak_mib,
            "MiB",
            format!("{} events stored in the step, on a new store", b.stored),
        ));
    }
    // The loss curve above it.
    let mut lossy: Vec<&Step> = steps.iter().filter(|s| !s.lossless()).collect();
    lossy.sort_by(|a, b| a.offered.total_cmp(&b.offered));
    for s in lossy {
        let lost = s.expected.saturating_sub(s.stored);
        goals.push(Goal::reported(
            &format!("loss at {:.0} ev/s offered", s.offered * EVENTS_PER_CYCLE as f64),
            lost as f64 / s.expected.max(1) as f64 * 100.0,
            "%",
            format!(
                "{lost} of {} events lost{}; drops counted: {}; agent {:.2} cores, collector {:.2} cores",
                s.expected,
                if s.in_time { "" } else { ", the rest not stored within the drain" },
                if s.drops > 0 { s.drops_by.as_str() } else { "none" },
                s.agent_cores,
                s.collector_cores,
            ),
        ));
    }
    if let Some(b) = best {
        let lat_secs = if quick { 5.0 } else { 20.0 };
        // Fractions of the capacity: what the best step made, not what it offered (a
        // generator-bound step offers more than the machine can make).
        let cycles = b.made / EVENTS_PER_CYCLE as f64;
        for fraction in [0.1, 0.5, 0.9] {
            goals.push(latency(&mut rig, cycles * fraction, lat_secs, fraction)?);
        }
    }
    Ok(goals)
}

/// Double the offered rate until a step loses, then bisect between the best lossless step and
/// the lowest lossy one until they are within 15% (or the steps run out).
fn search(rig: &mut Rig, secs: f64, quick: bool) -> anyhow::Result<Vec<Step>> {
    let mut steps: Vec<Step> = Vec::new();
    let (mut low, mut high) = (0.0_f64, f64::INFINITY);
    let mut rate = if quick { 4_000.0 } else { 2_500.0 };
    let max_steps = if quick { 7 } else { 9 };
    while steps.len() < max_steps {
        let s = rig.step(rate, secs)?;
        s.print();
        let (lossless, bound) = (s.lossless(), s.generator_bound());
        steps.push(s);
        if lossless && bound {
            println!("    the generator cannot offer more here: capacity is at least this");
            break;
        }
        if lossless {
            low = low.max(rate);
        } else {
            high = high.min(rate);
        }
        if high.is_infinite() {
            rate *= 2.0;
        } else if high / low.max(1.0) < 1.15 {
            break;
        } else {
            rate = (low + high) / 2.0;
        }
    }
    Ok(steps)
}

/// Latency percentiles from the kernel to a live subscriber at `rate` cycles/s.
fn latency(rig: &mut Rig, rate: f64, secs: f64, fraction: f64) -> anyhow::Result<Goal> {
    rig.settle()?;
    rig.fresh_store()?;
    let sub = Subscriber::start(&rig.collector.url())?;
    // The subscription is registered before the load starts.
    let start = Instant::now();
    while rampart_tests::metric_sample(&rig.collector.http("/metrics").1, "rampart_subscribers") != Some(1.0)
    {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(10),
            "the subscriber did not register within 10 s"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let s = rig.offer(rate, secs)?;
    let (mut ns, missed) = sub.finish()?;
    ns.sort_unstable();
    let ms = |q: f64| quantile(&ns, q) / 1e6;
    let (p50, p99, p999) = (ms(0.5), ms(0.99), ms(0.999));
    println!(
        "    at {:.0}% ({:.0} ev/s): p50 {p50:.1} ms, p99 {p99:.1} ms, p999 {p999:.1} ms over {} events, {missed} missed",
        fraction * 100.0,
        s.made,
        ns.len(),
    );
    let name = format!("latency p99 at {:.0}% of capacity", fraction * 100.0);
    let note = format!(
        "p50 {p50:.1} ms, p999 {p999:.1} ms; {} events at {:.0} ev/s, {missed} missed",
        ns.len(),
        s.made
    );
    Ok(if fraction == 0.5 {
        Goal::at_most(&name, p99, "ms", 100.0, note)
    } else {
        Goal::reported(&name, p99, "ms", note)
    })
}
