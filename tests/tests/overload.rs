//! Overload and faults, end to end with the real agent and the real collector: what cannot be
//! kept is counted where it was lost, what was kept is stored once.
//!
//! - a burst into a one-page ring buffer and a full spool while the collector is down: every
//!   exec of the pod's is stored or counted at the stage that lost it, and the store's gaps in
//!   the boot's sequence numbers are exactly the agent's export drops;
//! - an agent SIGKILLed between the collector storing its batches and the acks reaching it:
//!   the next boot resends them, the collector answers "duplicate", nothing is stored twice;
//! - a collector whose disk is full: it refuses the batch with a status that says so, the agent
//!   spools, and once space returns everything is stored once, nothing counted as lost.
//!
//! The subscriber that never reads is in `collector_ingest.rs`, the agent's own full spool
//! disk in `collector_agent.rs`.
// vm-test: host-only: the export path and the collector are user space; the ring buffer's drop counters are the same code on every kernel.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    cli,
    collector::{Collector, CollectorOptions},
    disk::SmallDisk,
    pod::{PodSpec, TestPod},
    proxy::DelayProxy,
    require, wait_for,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);
const RING_EXEC: &str = r#"rampart_drops_total{stage="ringbuf",kind="exec"}"#;
const SPOOL_FULL: &str = r#"rampart_drops_total{stage="spool",kind="overflow"}"#;
const DUPLICATES: &str = r#"rampart_export_events_total{result="duplicate"}"#;

fn marker() -> String {
    format!("rampart-test-{}", rampart_tests::random_hex(12))
}

/// `i` of an exec of `/bin/true <m> <i>`.
fn numbered(e: &Value, m: &str) -> Option<usize> {
    let a = e["exec"]["args"].as_array()?;
    (e["exec"]["binary"] == "/bin/true" && a.get(1)? == m).then(|| a.get(2)?.as_str()?.parse().ok())?
}

/// `/bin/true <m> <i>` for `i` in `from..to`, all at once, from one shell in the pod; returns
/// how many ran (each says so once its exec succeeded).
fn burst(pod: &TestPod, m: &str, from: usize, to: usize) -> usize {
    const SCRIPT: &str = r#"m=$1; i=$2; while [ "$i" -lt "$3" ]; do { /bin/true "$m" "$i" && echo ran; } & i=$((i+1)); done; wait"#;
    let out = pod.exec(&["/bin/sh", "-c", SCRIPT, "sh", m, &from.to_string(), &to.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ran = String::from_utf8_lossy(&out.stdout).lines().filter(|l| *l == "ran").count();
    assert_eq!(ran, to - from, "every exec ran: {}", String::from_utf8_lossy(&out.stderr));
    ran
}

/// The numbers of `m`'s execs in the store, with how often each is there.
fn stored(collector: &Collector, namespace: &str, m: &str) -> BTreeMap<usize, usize> {
    let mut seen = BTreeMap::new();
    for e in cli::events(&collector.url(), &["replay", "-o", "json", "--namespace", namespace]) {
        if let Some(i) = numbered(&e, m) {
            *seen.entry(i).or_insert(0) += 1;
        }
    }
    seen
}

/// Per agent boot in the store: (events stored, highest sequence stored).
fn boots(store: &Path) -> BTreeMap<String, (u64, u64)> {
    let db =
        rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut q = db
        .prepare("SELECT a.boot_id, COUNT(*), MAX(e.seq) FROM events e JOIN agents a ON a.id = e.agent GROUP BY a.boot_id")
        .unwrap();
    q.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64)))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Every `rampart_drops_total` sample that is not 0, but for `except`.
fn other_drops(agent: &Agent, except: &[&str]) -> Vec<String> {
    agent
        .metrics()
        .lines()
        .filter(|l| l.starts_with("rampart_drops_total{") && !l.ends_with(" 0"))
        .filter(|l| !except.iter().any(|e| l.starts_with(e)))
        .map(String::from)
        .collect()
}

fn agent_to(url: &str, manifests: &Path, spool: &Path, extra: &[&str]) -> Agent {
    let mut args =
        vec!["--collector".to_string(), url.to_string(), "--spool-dir".into(), spool.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    Agent::start(AgentOptions { pod_manifests: Some(manifests.into()), extra: args, ..Default::default() })
}

#[test]
fn a_burst_into_a_tiny_ring_and_a_full_spool_is_stored_or_counted_event_for_event() {
    if !require::root("a_burst_into_a_tiny_ring_and_a_full_spool_is_stored_or_counted_event_for_event") {
        return;
    }
    let mut collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-overload", "burst-0"));
    pod.write_manifest(manifests.path());
    collector.kill();
    let agent = agent_to(
        &collector.url(),
        manifests.path(),
        spool.path(),
        &["--ring-buffer-size", "4096", "--spool-size", "1MiB"],
    );

    // Bursts of parallel execs until the one-page ring buffer has overflowed and the spool
    // (1 MiB, the collector down) has refused a batch.
    let m = marker();
    let mut launched = 0;
    wait_for("both the ring buffer and the spool to drop events", Duration::from_secs(180), || {
        burst(&pod, &m, launched, launched + 400);
        launched += 400;
        let ring = agent.metric(RING_EXEC).unwrap_or(0.0);
        let spool = agent.metric(SPOOL_FULL).unwrap_or(0.0);
        (ring > 0.0 && spool > 0.0).then_some(())
    });
    // Once an exec made after the bursts is decoded, every record of theirs has been read.
    let end = marker();
    wait_for("an exec after the bursts to be decoded", WAIT, || {
        assert!(pod.exec(&["/bin/true", &end, "0"]).status.success());
        agent.events().iter().any(|e| numbered(e, &end).is_some()).then_some(())
    });
    let decoded: BTreeSet<usize> = agent.events().iter().filter_map(|e| numbered(e, &m)).collect();
    // The kernel stage: each exec of the pod's that never became an event is counted there,
    // once the agent has read the kernel's counters again (the counter also holds the node's
    // own execs lost in the same bursts).
    let missing = launched - decoded.len();
    assert!(missing > 0, "{launched} execs, all decoded: the ring never overflowed for the pod");
    let ring_drops = wait_for("the ring buffer's drop counter to cover the pod's lost execs", WAIT, || {
        let n = agent.metric(RING_EXEC).unwrap_or(0.0);
        (n >= missing as f64).then_some(n)
    });

    // The collector returns: the spool is delivered, and an exec made now is stored after it.
    collector.restart();
    agent.wait_metric("rampart_spool_events", 0.0);
    let after = marker();
    wait_for("an exec made after the outage in the store", WAIT, || {
        assert!(pod.exec(&["/bin/true", &after, "0"]).status.success());
        (!stored(&collector, "e2e-overload", &after).is_empty()).then_some(())
    });
    // The export stage, exactly: the sequence numbers missing from the store are the events
    // the agent counted as dropped by the spool, one for one.
    let spool_drops = agent.metric(SPOOL_FULL).unwrap();
    let all = boots(&collector.store);
    assert_eq!(all.len(), 1, "one agent boot: {all:?}");
    let (count, last) = *all.values().next().unwrap();
    assert_eq!(
        last - count,
        spool_drops as u64,
        "{count} stored of sequences 1..={last}; the spool dropped {spool_drops}"
    );
    let kept = stored(&collector, "e2e-overload", &m);
    assert!(kept.values().all(|&n| n == 1), "nothing stored twice");
    assert!(kept.keys().all(|i| decoded.contains(i)), "only what was decoded is stored");
    let lost = decoded.len() - kept.len();
    assert!(
        lost > 0 && lost as f64 <= spool_drops,
        "{} decoded, {} stored, {spool_drops} spool drops",
        decoded.len(),
        kept.len()
    );
    // No other reason (any record kind may meet the one-page ring, the node's own included),
    // and the collector's status shows the same counts.
    assert_eq!(
        other_drops(&agent, &[r#"rampart_drops_total{stage="ringbuf""#, SPOOL_FULL]),
        Vec::<String>::new()
    );
    wait_for("the collector's status to show the agent's spool drops", WAIT, || {
        let status = &cli::events(&collector.url(), &["status", "-o", "json"])[0];
        let drops = status["agents"][0]["stats"]["drops"].as_array().cloned().unwrap_or_default();
        // A u64 in proto JSON is a string.
        let count = |kind: &str| {
            let d = drops.iter().find(|d| d["kind"] == kind)?;
            d["count"].as_str().and_then(|c| c.parse::<f64>().ok()).or_else(|| d["count"].as_f64())
        };
        (count("overflow") == Some(spool_drops) && count("exec").is_some_and(|n| n >= ring_drops))
            .then_some(())
    });
    assert!(agent.stop().success());
}

#[test]
fn an_agent_killed_between_delivery_and_ack_resends_and_nothing_is_stored_twice() {
    if !require::root("an_agent_killed_between_delivery_and_ack_resends_and_nothing_is_stored_twice") {
        return;
    }
    let mut collector = Collector::start(CollectorOptions::default());
    let proxy = DelayProxy::start(collector.addr);
    let url = format!("http://{}", proxy.addr);
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-resend", "worker-0"));
    pod.write_manifest(manifests.path());
    collector.kill();
    let first = agent_to(&url, manifests.path(), spool.path(), &[]);
    let m = marker();
    const N: usize = 300;
    burst(&pod, &m, 0, N);
    wait_for("the execs in the spool", WAIT, || {
        let decoded = first.events().iter().filter(|e| numbered(e, &m).is_some()).count();
        (decoded == N && first.metric("rampart_spool_events").unwrap_or(0.0) >= N as f64).then_some(())
    });

    // The collector returns, but its answers reach the agent two seconds late: batches are
    // stored and the agent has heard no ack when it is killed.
    proxy.set_delay(Duration::from_secs(2));
    collector.restart();
    wait_for("the collector to store the first resent batch", WAIT, || {
        (boots(&collector.store).values().map(|b| b.0).sum::<u64>() > 0).then_some(())
    });
    assert_eq!(first.metric("rampart_export_batches_acked_total"), Some(0.0), "no ack has reached the agent");
    first.kill();
    let stored_before = boots(&collector.store).values().map(|b| b.0).sum::<u64>();
    proxy.set_delay(Duration::ZERO);

    // The next boot sends the spool from its last ack: what was stored comes back as duplicates.
    let second = agent_to(&url, manifests.path(), spool.path(), &[]);
    second.wait_metric("rampart_spool_events", 0.0);
    let kept = wait_for("every exec in the store", WAIT, || {
        let kept = stored(&collector, "e2e-resend", &m);
        (kept.len() == N).then_some(kept)
    });
    assert!(kept.values().all(|&n| n == 1), "each exec stored once: {kept:?}");
    let duplicates = second.metric(DUPLICATES).unwrap();
    assert!(duplicates > 0.0, "the resend was exercised ({stored_before} stored before the kill)");
    assert!(
        duplicates <= stored_before as f64,
        "{duplicates} duplicates, {stored_before} stored before the kill"
    );
    assert_eq!(other_drops(&second, &[]), Vec::<String>::new());
    assert!(second.stop().success());
}

#[test]
fn a_collector_out_of_disk_refuses_with_a_clear_status_and_loses_nothing_once_space_returns() {
    if !require::root(
        "a_collector_out_of_disk_refuses_with_a_clear_status_and_loses_nothing_once_space_returns",
    ) {
        return;
    }
    let disk = SmallDisk::mount(32 << 20);
    let store = disk.path().join("events.db");
    let collector = Collector::start(CollectorOptions {
        store: Some(format!("sqlite:{}", store.display())),
        ..Default::default()
    });
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-storefull", "worker-0"));
    pod.write_manifest(manifests.path());
    let agent = agent_to(&collector.url(), manifests.path(), spool.path(), &[]);
    let before = marker();
    burst(&pod, &before, 0, 20);
    wait_for("the first execs in the store", WAIT, || {
        (stored(&collector, "e2e-storefull", &before).len() == 20).then_some(())
    });

    // The store's disk fills: the collector refuses to ack, saying why; the agent spools.
    let filler = disk.fill(0);
    let during = marker();
    let mut made = 0;
    wait_for("the collector's refusal to reach the agent", WAIT, || {
        assert!(pod.exec(&["/bin/true", &during, &made.to_string()]).status.success());
        made += 1;
        agent.log().contains("storing the batch failed").then_some(())
    });
    burst(&pod, &during, made, made + 100);
    made += 100;
    wait_for("the agent to spool", WAIT, || {
        (agent.metric("rampart_spool_events").unwrap_or(0.0) > 0.0).then_some(())
    });
    assert!(collector.log().contains("storing a batch failed"), "{}", collector.log());
    let log = agent.log();
    let line = log.lines().find(|l| l.contains("storing the batch failed")).unwrap();
    assert!(line.contains("full"), "the status names the cause: {line}");

    // Space returns: everything is delivered, once, and nothing was counted as lost.
    std::fs::remove_file(filler).unwrap();
    let kept =
        wait_for("every exec made while the disk was full in the store", Duration::from_secs(60), || {
            let kept = stored(&collector, "e2e-storefull", &during);
            (kept.len() == made).then_some(kept)
        });
    assert!(kept.values().all(|&n| n == 1), "each exec stored once");
    assert!(stored(&collector, "e2e-storefull", &before).values().all(|&n| n == 1));
    agent.wait_metric("rampart_spool_events", 0.0);
    assert_eq!(other_drops(&agent, &[]), Vec::<String>::new());
    assert!(agent.stop().success());
}
