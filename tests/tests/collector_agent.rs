//! The real agent streaming to the real collector: events from pods reach a live subscriber
//! and the store with their pods, and a collector killed while the agent produces events
//! (spooled meanwhile) ends up with every event exactly once.
// vm-test: host-only: the collector and the export path are user space; exec events are covered on every kernel by exec_attribution.

use std::time::Duration;

use rampart_tests::{
    agent::{Agent, AgentOptions},
    cli::{self, Observer},
    collector::{Collector, CollectorOptions},
    disk::SmallDisk,
    pod::{PodSpec, TestPod},
    require, wait_for,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

fn marker() -> String {
    format!("rampart-test-{}", rampart_tests::random_hex(12))
}

/// The exec of `/bin/true <marker>` (not the shell that moved itself into the cgroup).
fn is_exec_of(e: &Value, m: &str) -> bool {
    e["exec"]["binary"] == "/bin/true"
        && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x == m))
}

fn agent_with(collector: &Collector, manifests: &std::path::Path, spool: Option<&std::path::Path>) -> Agent {
    let mut extra = vec!["--collector".to_string(), collector.url()];
    if let Some(s) = spool {
        extra.extend(["--spool-dir".to_string(), s.display().to_string()]);
    }
    Agent::start(AgentOptions { pod_manifests: Some(manifests.into()), extra, ..Default::default() })
}

#[test]
fn agent_to_collector_to_subscriber_with_pods() {
    if !require::root("agent_to_collector_to_subscriber_with_pods") {
        return;
    }
    let collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-shop", "web-7").label("app", "web"));
    pod.write_manifest(manifests.path());
    let other = TestPod::create(PodSpec::new("e2e-bank", "ledger-0").label("app", "ledger"));
    other.write_manifest(manifests.path());
    let observer =
        Observer::start(&collector.url(), &["-o", "json", "--namespace", "e2e-shop", "--label", "app=web"]);
    let agent = agent_with(&collector, manifests.path(), None);

    let (m, n) = (marker(), marker());
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    assert!(other.exec(&["/bin/true", &n]).status.success());
    let e = observer.wait_event("the pod's exec, live", WAIT, |e| is_exec_of(e, &m));
    assert_eq!(e["pod"]["namespace"], "e2e-shop");
    assert_eq!(e["pod"]["name"], "web-7");
    assert_eq!(e["pod"]["uid"], pod.uid.as_str());
    assert_eq!(e["pod"]["labels"]["app"], "web");
    assert_eq!(e["pod"]["attribution"], "exact");
    assert_eq!(e["node"], "test-node");
    // The other pod's event reached the store, not this subscriber.
    let stored = wait_for("the other pod's exec in the store", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--pod", "ledger-0"]);
        got.into_iter().find(|e| is_exec_of(e, &n))
    });
    assert_eq!(stored["pod"]["namespace"], "e2e-bank");
    assert!(observer.events().iter().all(|e| e["pod"]["namespace"] == "e2e-shop"), "the filter is applied");

    // Status: the agent is connected, with its tiers and drop counters.
    let status = &cli::events(&collector.url(), &["status", "-o", "json"])[0];
    let a =
        status["agents"].as_array().unwrap().iter().find(|a| a["node"] == "test-node").expect("the agent");
    assert_eq!(a["connected"], true, "{status}");
    assert_eq!(a["tiers"].as_array().unwrap().len(), 3, "{a}");
    assert!(a["stats"]["drops"].as_array().unwrap().iter().any(|d| d["stage"] == "ringbuf"), "{a}");
    assert!(a["lastSequence"].as_str().unwrap().parse::<u64>().unwrap() > 0, "{a}");
    // Every acked batch's round trip is in the agent's histogram.
    let acked = agent.metric("rampart_export_batches_acked_total").unwrap();
    let timed = agent.metric("rampart_export_batch_round_trip_seconds_count").unwrap();
    assert!(acked >= 1.0 && timed >= acked, "{acked} batches acked, {timed} timed");
    // Compact output names pod, process and verdict on one line.
    let out = cli::rampart(&collector.url(), &["replay", "--pod", "web-7", "--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains(&m)).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" test-node e2e-shop/web-7[main] true["), "{line}");
    assert!(line.contains(&format!("exec /bin/true {m}  => allow [none]")), "{line}");
    assert!(agent.stop().success());
}

#[test]
fn collector_killed_while_the_agent_works_stores_every_event_exactly_once() {
    if !require::root("collector_killed_while_the_agent_works_stores_every_event_exactly_once") {
        return;
    }
    let mut collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-outage", "worker-0"));
    pod.write_manifest(manifests.path());
    let agent = agent_with(&collector, manifests.path(), Some(spool.path()));
    let m = marker();
    let run = |from: usize, to: usize| {
        for i in from..to {
            assert!(pod.exec(&["/bin/true", &m, &i.to_string()]).status.success());
        }
    };
    run(0, 40);
    collector.kill();
    // Produced while the collector is down: spooled.
    run(40, 80);
    wait_for("the agent to spool", WAIT, || {
        (agent.metric("rampart_spool_events").unwrap_or(0.0) > 0.0).then_some(())
    });
    collector.restart();
    run(80, 120);
    let seen = |e: &Value| -> Option<usize> {
        let a = e["exec"]["args"].as_array()?;
        (e["exec"]["binary"] == "/bin/true" && a.get(1)? == m.as_str())
            .then(|| a.get(2)?.as_str()?.parse().ok())?
    };
    let events = wait_for("all 120 execs in the store", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--namespace", "e2e-outage"]);
        (got.iter().filter_map(seen).count() >= 120).then_some(got)
    });
    let mut numbers: Vec<usize> = events.iter().filter_map(seen).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..120).collect::<Vec<_>>(), "every exec exactly once:\n{}", collector.logs());
    assert_eq!(agent.metric("rampart_spool_events"), Some(0.0));
    let metrics = agent.metrics();
    for line in metrics.lines().filter(|l| l.starts_with("rampart_drops_total")) {
        assert!(line.ends_with(" 0"), "unexpected drop: {line}");
    }
    assert!(agent.metric("rampart_export_reconnects_total").unwrap() >= 1.0);
    assert!(agent.stop().success());
}

#[test]
fn sigterm_with_the_collector_down_keeps_events_in_the_spool_for_the_next_start() {
    if !require::root("sigterm_with_the_collector_down_keeps_events_in_the_spool_for_the_next_start") {
        return;
    }
    let mut collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-restart", "job-0"));
    pod.write_manifest(manifests.path());
    collector.kill();
    let agent = agent_with(&collector, manifests.path(), Some(spool.path()));
    let m = marker();
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    wait_for("the exec to be spooled", WAIT, || {
        (agent.metric("rampart_spool_events").unwrap_or(0.0) >= 1.0).then_some(())
    });
    assert!(agent.stop().success());
    // A new agent (a new boot) sends what the old one spooled.
    collector.restart();
    let next = agent_with(&collector, manifests.path(), Some(spool.path()));
    let got = wait_for("the spooled exec in the store", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--namespace", "e2e-restart"]);
        got.into_iter().find(|e| is_exec_of(e, &m))
    });
    assert_eq!(got["pod"]["name"], "job-0");
    let status = &cli::events(&collector.url(), &["status", "-o", "json", "--all-boots"])[0];
    let boots = status["agents"].as_array().unwrap().iter().filter(|a| a["node"] == "test-node").count();
    assert!(boots >= 2, "both boots are known: {status}");
    // By default the dead boot ages out of the list, and the count says so.
    let status = &cli::events(&collector.url(), &["status", "-o", "json"])[0];
    let shown: Vec<&Value> =
        status["agents"].as_array().unwrap().iter().filter(|a| a["node"] == "test-node").collect();
    assert_eq!(shown.len(), 1, "{status}");
    assert_eq!(shown[0]["connected"], true, "{status}");
    assert!(status["bootsHidden"].as_u64().unwrap() >= 1, "{status}");
    assert!(next.stop().success());
}

#[test]
fn status_names_the_rules_this_node_degrades() {
    if !require::root("status_names_the_rules_this_node_degrades") {
        return;
    }
    let collector = Collector::start(CollectorOptions::default());
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("fs.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: read-only, namespace: files}\n\
         spec:\n  podSelector: {matchLabels: {app: web}}\n  mode: enforce\n  filesystem: {rootfs: readOnly}\n",
    )
    .unwrap();
    let agent = Agent::start(AgentOptions {
        policies: Some(policies.path().into()),
        extra: vec!["--collector".to_string(), collector.url()],
        ..Default::default()
    });
    let lsm = agent.metric("rampart_enforcement_tier{concern=\"rootfs\",tier=\"lsm\"}") == Some(1.0);
    let text = wait_for("the agent's rules in the collector's status", WAIT, || {
        let out = cli::rampart(&collector.url(), &["status"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.contains("rules: 1 in force").then_some(text)
    });
    if lsm {
        assert!(text.contains("rules: 1 in force, 0 degraded"), "{text}");
    } else {
        assert!(text.contains("rules: 1 in force, 1 degraded"), "{text}");
        let line = text.lines().find(|l| l.contains("DEGRADED")).unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains("files/read-only filesystem.rootfs (sigkill tier)"), "{line}");
        assert!(line.contains("lands before"), "{line}");
    }
    assert!(agent.stop().success());
}

#[test]
fn a_full_spool_disk_counts_its_drops_and_spooling_resumes_once_space_returns() {
    if !require::root("a_full_spool_disk_counts_its_drops_and_spooling_resumes_once_space_returns") {
        return;
    }
    let mut collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(256 << 10);
    let spool = disk.path().join("spool");
    let pod = TestPod::create(PodSpec::new("e2e-diskfull", "worker-0"));
    pod.write_manifest(manifests.path());
    collector.kill();
    let agent = agent_with(&collector, manifests.path(), Some(&spool));
    let write_errors = r#"rampart_drops_total{stage="spool",kind="write_error"}"#;
    let corrupt = r#"rampart_drops_total{stage="spool",kind="corrupt_record"}"#;

    // The disk fills with a few KiB left: batches are spooled until one is cut short by ENOSPC.
    let filler = disk.fill(6 << 10);
    let (lost, kept) = (marker(), marker());
    let mut i = 0;
    wait_for("a spool write to fail with ENOSPC", Duration::from_secs(30), || {
        assert!(pod.exec(&["/bin/true", &lost, &i.to_string()]).status.success());
        i += 1;
        (agent.metric(write_errors).unwrap_or(0.0) > 0.0).then_some(())
    });
    // Space returns: the same agent spools again.
    std::fs::remove_file(filler).unwrap();
    let errors_then = agent.metric(write_errors).unwrap();
    for i in 0..20 {
        assert!(pod.exec(&["/bin/true", &kept, &i.to_string()]).status.success());
    }
    wait_for("the last exec to be exported", WAIT, || {
        let e = agent.events();
        e.iter().any(|e| is_exec_of(e, &kept) && e["exec"]["args"][2] == "19").then_some(())
    });
    assert!(agent.stop().success());
    let log = agent.log();
    assert!(log.contains("spool write failed"), "the operator is told:\n{log}");

    // The next boot finds no torn record, delivers what was spooled, once.
    collector.restart();
    let next = agent_with(&collector, manifests.path(), Some(&spool));
    let numbered = |e: &Value, m: &str| -> Option<usize> {
        let a = e["exec"]["args"].as_array()?;
        (e["exec"]["binary"] == "/bin/true" && a.get(1)? == m).then(|| a.get(2)?.as_str()?.parse().ok())?
    };
    let stored = wait_for("the 20 execs spooled after space returned", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--namespace", "e2e-diskfull"]);
        (got.iter().filter_map(|e| numbered(e, &kept)).count() >= 20).then_some(got)
    });
    let mut kept_numbers: Vec<usize> = stored.iter().filter_map(|e| numbered(e, &kept)).collect();
    kept_numbers.sort_unstable();
    assert_eq!(kept_numbers, (0..20).collect::<Vec<_>>(), "each exactly once");
    // Each exec the first agent exported while the disk was full is stored or counted.
    let lost_stored = stored.iter().filter_map(|e| numbered(e, &lost)).count();
    let lost_seen = agent.events().iter().filter(|e| numbered(e, &lost).is_some()).count();
    assert!(
        lost_seen - lost_stored <= errors_then as usize,
        "{lost_seen} exported, {lost_stored} stored, {errors_then} counted as dropped"
    );
    next.wait_metric("rampart_spool_events", 0.0);
    assert_eq!(next.metric(corrupt), Some(0.0), "a failed write leaves no torn record:\n{}", next.log());
    assert!(next.stop().success());

    // A third boot resends nothing the second delivered.
    let third = agent_with(&collector, manifests.path(), Some(&spool));
    assert_eq!(third.metric("rampart_spool_events"), Some(0.0));
    third.wait_metric("rampart_export_connected", 1.0);
    assert_eq!(third.metric(r#"rampart_export_events_total{result="duplicate"}"#), Some(0.0));
    assert!(third.stop().success());
    let leftovers: Vec<_> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".spool"))
        .collect();
    assert!(leftovers.is_empty(), "every segment was delivered and deleted: {leftovers:?}");
}

/// The boot id of the agent of `test-node` connected to `collector`.
fn connected_boot(collector: &Collector) -> String {
    let status = &cli::events(&collector.url(), &["status", "-o", "json"])[0];
    status["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["node"] == "test-node" && a["connected"] == true)
        .and_then(|a| a["bootId"].as_str())
        .unwrap_or_else(|| panic!("no connected agent: {status}"))
        .to_string()
}

/// A proto3 JSON timestamp (RFC 3339, UTC), as Unix ns.
fn unix_ns(t: &Value) -> i64 {
    let s = t.as_str().unwrap_or_else(|| panic!("a timestamp: {t}"));
    since_epoch_ns(humantime::parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}")))
}

fn since_epoch_ns(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64
}

#[test]
fn a_restart_reports_the_window_nobody_observed_in_the_stream_and_in_status() {
    if !require::root("a_restart_reports_the_window_nobody_observed_in_the_stream_and_in_status") {
        return;
    }
    let collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-gap", "job-0"));
    pod.write_manifest(manifests.path());
    let first = agent_with(&collector, manifests.path(), Some(spool.path()));
    first.wait_metric("rampart_export_connected", 1.0);
    let first_boot = connected_boot(&collector);

    // Killed: the next boot knows only its last sign of life. An exec while no agent runs.
    first.kill();
    let unseen = marker();
    let exec_before = since_epoch_ns(std::time::SystemTime::now());
    assert!(pod.exec(&["/bin/true", &unseen]).status.success());
    let exec_after = since_epoch_ns(std::time::SystemTime::now());
    let second = agent_with(&collector, manifests.path(), Some(spool.path()));
    let gaps = |previous: &str| {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--kind", "gap"]);
        got.into_iter().find(|e| e["gap"]["previousBootId"] == previous)
    };
    let gap = wait_for("the gap after the kill, in the store", WAIT, || gaps(&first_boot));
    assert_eq!(gap["node"], "test-node");
    assert_eq!(gap["gap"]["reason"], "agent_ended", "{gap}");
    let (from, until) = (unix_ns(&gap["gap"]["from"]), unix_ns(&gap["gap"]["until"]));
    assert_eq!(unix_ns(&gap["time"]), from);
    assert!(from <= exec_before && exec_after <= until, "the unseen exec lies in the window: {gap}");
    // Status says the same of the new boot.
    let second_boot = connected_boot(&collector);
    let status = &cli::events(&collector.url(), &["status", "-o", "json"])[0];
    let a =
        status["agents"].as_array().unwrap().iter().find(|a| a["bootId"] == second_boot.as_str()).unwrap();
    assert_eq!(a["unobservedBefore"], gap["gap"], "{status}");
    let text = String::from_utf8_lossy(&cli::rampart(&collector.url(), &["status"]).stdout).into_owned();
    assert!(
        text.contains(&format!("the previous agent (boot {}) ended without stopping", &first_boot[..8])),
        "{text}"
    );

    // Stopped cleanly: the window starts at the stop.
    assert!(second.stop().success());
    let stopped = since_epoch_ns(std::time::SystemTime::now());
    let third = agent_with(&collector, manifests.path(), Some(spool.path()));
    let gap = wait_for("the gap after the stop, in the store", WAIT, || gaps(&second_boot));
    assert_eq!(gap["gap"]["reason"], "agent_stopped", "{gap}");
    assert!(unix_ns(&gap["gap"]["from"]) <= stopped && unix_ns(&gap["gap"]["until"]) >= stopped, "{gap}");
    let out = cli::rampart(&collector.url(), &["replay", "--kind", "gap", "--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("the previous agent (boot {}) stopped", &second_boot[..8])), "{text}");
    // A namespace's history does not hold the node's gaps.
    let scoped = cli::events(&collector.url(), &["replay", "-o", "json", "--namespace", "e2e-gap"]);
    assert!(scoped.iter().all(|e| e["gap"].is_null()));
    assert!(third.stop().success());
}

/// Secrets in exec arguments never leave the node: the live stream and the store carry the
/// arguments with the secrets replaced, and the event says it was redacted (not what). An
/// operator's pattern (`--redact-arg`) adds to the defaults.
#[test]
fn secrets_in_exec_arguments_are_redacted_before_they_leave_the_node() {
    if !require::root("secrets_in_exec_arguments_are_redacted_before_they_leave_the_node") {
        return;
    }
    let collector = Collector::start(CollectorOptions::default());
    let manifests = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("e2e-secrets", "db-0").label("app", "db"));
    pod.write_manifest(manifests.path());
    let observer = Observer::start(&collector.url(), &["-o", "json", "--namespace", "e2e-secrets"]);
    let extra = vec!["--collector".into(), collector.url(), "--redact-arg".into(), r"card=(\d+)".into()];
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        extra,
        ..Default::default()
    });

    let m = marker();
    let secrets = [
        "--password=hunter2",
        "--db-token",
        "hunter3",
        "https://app:hunter4@db.example/x",
        "Authorization: Bearer hunter5",
        "card=4111222233334444",
    ];
    let mut argv = vec!["/bin/true", m.as_str()];
    argv.extend(secrets);
    assert!(pod.exec(&argv).status.success());
    let expected = serde_json::json!([
        "/bin/true",
        m,
        "--password=<redacted>",
        "--db-token",
        "<redacted>",
        "https://app:<redacted>@db.example/x",
        "Authorization: <redacted>",
        "card=<redacted>"
    ]);
    let live = observer.wait_event("the exec, live", WAIT, |e| is_exec_of(e, &m));
    let stored = wait_for("the exec in the store", WAIT, || {
        cli::events(&collector.url(), &["replay", "-o", "json", "--pod", "db-0"])
            .into_iter()
            .find(|e| is_exec_of(e, &m))
    });
    for (what, e) in [("streamed", &live), ("stored", &stored)] {
        assert_eq!(e["exec"]["args"], expected, "{what}: {e}");
        assert_eq!(e["redacted"], true, "{what}: {e}");
    }
    // Nothing anywhere in the store has them: not the shell that started the process either.
    // The card number is long so that no pid, sequence or timestamp contains it by chance (a
    // 4-digit one did once, in CI).
    let everything =
        serde_json::to_string(&cli::events(&collector.url(), &["replay", "-o", "json"])).unwrap();
    for leaked in ["hunter2", "hunter3", "hunter4", "hunter5", "4111222233334444"] {
        assert!(!everything.contains(leaked), "{leaked} reached the collector");
    }
    assert!(agent.metric("rampart_events_redacted_total").unwrap() >= 1.0);
    assert!(agent.stop().success());
}
