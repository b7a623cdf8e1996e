//! Network: TCP connect+accept+close cycles and UDP socket+connect+close, from a pod whose
//! policy holds 10,000 CIDR rules — no agent (A) / empty programs on the same ten cgroup hooks
//! (B) / the agent enforcing (C). Goals: C/A <= 1.02 and C/B <= 1.3 for the TCP cycle. Also the
//! flow-event rate the pipeline sustains during the TCP segments (median), with its drop count,
//! and the agent's CPU time per flow event it emitted ([`super::cpu`]).
//!
//! The agent runs as the tests run it: every event also goes to `--events-out` as a JSON line
//! in a file, which a node does not do (it sends protobuf batches to its collector). The file
//! is most of the agent's CPU here: on 2026-12-07 it used 5.5 µs per flow event with the file
//! and 2.0 µs with no output at all (events built, not sent), the TCP ratios the same within
//! their noise. The agent exporting to a collector is measured by [`super::capacity`].

use std::{path::Path, time::Instant};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{port, trigger, write_policy},
    pod::{PodSpec, TestPod},
};

use super::{
    Check, Goal, Rounds,
    cpu::Meter,
    segments::{Baseline, Variant, interleaved, median},
};

/// Run a `*-cycles` trigger in the pod; ns per cycle.
fn cycles(pod: &TestPod, mode: &str, addr: &str, n: u32) -> anyhow::Result<f64> {
    let t = trigger();
    let out = pod.exec(&[&t, mode, addr, &n.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ns_per_cycle=")
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{mode} failed: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

fn policy(dir: &Path, p: u16) {
    let mut to = String::new();
    for i in 0..9_999u32 {
        to.push_str(&format!("{{cidr: 10.{}.{}.{}/32}}, ", 100 + i / 65536, (i / 256) % 256, i % 256));
    }
    to.push_str("{cidr: 127.0.0.1/32}");
    write_policy(
        dir,
        "bench",
        "ten-thousand",
        "netbench",
        "enforce",
        &format!(
            "    egress:\n      - to: [{to}]\n        ports: [{{port: {p}}}, {{port: {p}, protocol: UDP}}]\n    ingress:\n      - from: [{{cidr: 127.0.0.1/32}}]\n        ports: [{{port: {p}}}]\n"
        ),
    );
}

pub fn bench(rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> network: TCP connect+accept+close and UDP connect, 10,000 CIDR rules");
    let (policies, manifests) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let p = port();
    policy(policies.path(), p);
    let pod = TestPod::create(PodSpec::new("bench", "netbench"));
    pod.write_manifest(manifests.path());
    let addr = format!("127.0.0.1:{p}");
    // Segments of ~0.5 s with the agent: long enough that one scheduling hiccup is noise.
    let n = if quick { 3000 } else { 20_000 };
    cycles(&pod, "tcp-cycles", &addr, n / 4)?; // warm up

    let segments = std::cell::RefCell::new(Vec::new());
    let start_agent = || -> anyhow::Result<Box<dyn std::any::Any>> {
        let agent = Agent::start(AgentOptions {
            policies: Some(policies.path().into()),
            pod_manifests: Some(manifests.path().into()),
            ..Default::default()
        });
        agent.wait_metric("rampart_policies", 1.0);
        agent.wait_metric("rampart_pods", 1.0);
        Ok(Box::new(agent))
    };
    let variants = [
        Variant { name: "A:none", start: Box::new(|| Ok(Box::new(()))) },
        Variant { name: "B:empty", start: Box::new(|| Ok(Box::new(Baseline::start("network")?))) },
        Variant { name: "C:agent", start: Box::new(start_agent) },
        Variant { name: "A2:none", start: Box::new(|| Ok(Box::new(()))) },
    ];
    let tcp_goals = [
        Check { num: "C:agent", den: "A:none", limit: 1.02, at_most: true },
        Check { num: "C:agent", den: "B:empty", limit: 1.3, at_most: true },
    ];
    let udp_goal = Check { num: "C:agent", den: "B:empty", limit: 1.3, at_most: true };
    let tcp = interleaved(rounds, &variants, &tcp_goals, |guard| {
        let agent = guard.and_then(|g| g.downcast_ref::<Agent>());
        let meter = agent.map(|a| Meter::start(a, "flow"));
        let t0 = Instant::now();
        let cost = cycles(&pod, "tcp-cycles", &addr, n)?;
        let elapsed = t0.elapsed().as_secs_f64();
        if let (Some(agent), Some(meter)) = (agent, meter) {
            let reading = meter.finish();
            segments.borrow_mut().push((reading, reading.events / elapsed, drops(agent)));
        }
        Ok(cost)
    })?;
    let udp = interleaved(rounds, &variants, &[udp_goal], |_| cycles(&pod, "udp-cycles", &addr, n))?;

    let segments = segments.into_inner();
    let rate = median(segments.iter().map(|s| s.1).collect());
    let drops = segments.iter().map(|s| s.2).fold(0.0, f64::max);
    let cpu_per_event_us =
        median(segments.iter().map(|s| s.0.us_per_event()).filter(|c| c.is_finite()).collect());
    let note = format!(
        "A {:.0} ns, B {:.0} ns, C {:.0} ns per cycle",
        tcp.get("A:none"),
        tcp.get("B:empty"),
        tcp.get("C:agent"),
    );
    Ok(vec![
        Goal::ratio("TCP cycle: agent / no agent (C/A)", &tcp, tcp_goals[0], note),
        Goal::ratio("TCP cycle: agent / empty programs (C/B)", &tcp, tcp_goals[1], ""),
        Goal::ratio(
            "UDP connect: agent / empty programs (C/B)",
            &udp,
            udp_goal,
            format!("C/A {:.3}", udp.ratio("C:agent", "A:none").value),
        ),
        Goal::at_most(
            "agent CPU per flow event (user + system)",
            cpu_per_event_us,
            "µs",
            4.0,
            format!("median of {} TCP segments, the catch-up after each included", segments.len()),
        ),
        Goal::at_most(
            "flow events during TCP cycles: drops",
            drops,
            "events",
            0.0,
            format!("median {rate:.0} flow events/s over the segments (4 per cycle)"),
        ),
    ])
}

/// Records and events the agent lost so far, every stage and kind together.
fn drops(agent: &Agent) -> f64 {
    agent
        .metrics()
        .lines()
        .filter(|l| l.starts_with("rampart_drops_total"))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}
