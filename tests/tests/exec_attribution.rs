//! Exec events from processes inside kubelet-layout pod cgroups, attributed to the right pod:
//! both cgroup drivers, every runtime naming and QoS class, pods created while the agent runs,
//! pods whose Pod object arrives late, host processes, and a pid handed out again to a
//! process that never exec'd.

use std::{
    io::{BufRead as _, BufReader},
    process::Stdio,
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    pod::{Driver, PodSpec, Qos, Runtime, TestPod},
    require,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

/// The exec of the test's own command (not of the `/bin/sh` that moved itself into the pod's
/// cgroup first: its argv carries the marker too).
fn exec_of<'a>(marker: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |e: &Value| {
        e["exec"]["binary"] != "/bin/sh"
            && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(marker)))
    }
}

/// The marker argument makes each test's exec findable among everything else on the node.
fn marker() -> String {
    format!("rampart-test-{}", rampart_tests::random_hex(12))
}

// vm-test: core
#[test]
fn exec_in_pods_of_every_layout_is_attributed_exactly() {
    if !require::root("exec_in_pods_of_every_layout_is_attributed_exactly") {
        return;
    }
    let manifests = tempfile::tempdir().unwrap();
    let layouts = [
        (Driver::Systemd, Qos::Burstable, Runtime::Containerd),
        (Driver::Systemd, Qos::BestEffort, Runtime::Crio),
        (Driver::Systemd, Qos::Guaranteed, Runtime::Docker),
        (Driver::Cgroupfs, Qos::Burstable, Runtime::Containerd),
        (Driver::Cgroupfs, Qos::BestEffort, Runtime::Crio),
        (Driver::Cgroupfs, Qos::Guaranteed, Runtime::Docker),
    ];
    let pods: Vec<TestPod> = layouts
        .iter()
        .enumerate()
        .map(|(i, (d, q, r))| {
            let pod = TestPod::create(
                PodSpec::new("shop", &format!("web-{i}"))
                    .driver(*d)
                    .qos(*q)
                    .runtime(*r)
                    .label("tier", "front"),
            );
            pod.write_manifest(manifests.path());
            pod
        })
        .collect();
    let agent =
        Agent::start(AgentOptions { pod_manifests: Some(manifests.path().into()), ..Default::default() });
    assert_eq!(agent.metric("rampart_pods"), Some(pods.len() as f64));

    for (pod, layout) in pods.iter().zip(layouts) {
        let m = marker();
        let out = pod.exec(&["/bin/echo", &m]);
        assert!(out.status.success(), "{layout:?}: {out:?}");
        let e = agent.wait_event(&format!("exec of {m} in {layout:?}"), WAIT, exec_of(&m));
        let p = &e["pod"];
        assert_eq!(p["attribution"], "exact", "{layout:?}: {e}");
        assert_eq!(p["namespace"], "shop");
        assert_eq!(p["name"], pod.spec.name.as_str());
        assert_eq!(p["uid"], pod.uid.as_str());
        assert_eq!(p["labels"]["tier"], "front");
        assert_eq!(p["containerId"], pod.container_id.as_str());
        assert_eq!(p["containerName"], "main");
        assert_eq!(p["cgroupId"], pod.container_cgroup_id().to_string());
        // The process part is the kernel's view.
        assert_eq!(e["process"]["binary"], "/bin/echo");
        assert_eq!(e["process"]["comm"], "echo");
        assert_eq!(e["exec"]["binary"], "/bin/echo");
        assert_eq!(e["exec"]["args"], serde_json::json!(["/bin/echo", m]));
        assert!(e["process"]["pid"].as_u64().unwrap() > 1);
        assert!(e["process"]["parent"]["pid"].as_u64().unwrap() > 0);
        assert_eq!(e["process"]["uid"], 0);
        assert_eq!(e["node"], "test-node");
        assert_eq!(e["verdict"]["action"], "allow");
        assert_eq!(e["verdict"]["tier"], "none");
        assert_eq!(e["verdict"]["enforced"], false);
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
    }
    assert!(agent.stop().success());
}

#[test]
fn pod_created_while_running_is_attributed_exactly() {
    if !require::root("pod_created_while_running_is_attributed_exactly") {
        return;
    }
    let manifests = tempfile::tempdir().unwrap();
    let agent =
        Agent::start(AgentOptions { pod_manifests: Some(manifests.path().into()), ..Default::default() });
    assert_eq!(agent.metric("rampart_pods"), Some(0.0));

    // kubelet creates the cgroups, the API server has the Pod, then the container starts.
    let pod = TestPod::create(PodSpec::new("late-ns", "newcomer").driver(Driver::Cgroupfs));
    pod.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let m = marker();
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    let e = agent.wait_event("exec in the new pod", WAIT, exec_of(&m));
    assert_eq!(e["pod"]["attribution"], "exact", "{e}");
    assert_eq!(e["pod"]["name"], "newcomer");
    assert!(agent.metric("rampart_records_total{kind=\"cgroup_mkdir\"}").unwrap() >= 1.0);

    // The pod goes away: its cgroups and manifest are removed.
    std::fs::remove_file(manifests.path().join("late-ns_newcomer.yaml")).unwrap();
    agent.wait_metric("rampart_pods", 0.0);
    drop(pod);
    assert!(agent.stop().success());
}

#[test]
fn event_before_its_pod_is_known_is_held_and_attributed_late() {
    if !require::root("event_before_its_pod_is_known_is_held_and_attributed_late") {
        return;
    }
    let manifests = tempfile::tempdir().unwrap();
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        attribution_hold: Some("20s".into()),
        ..Default::default()
    });
    let pod = TestPod::create(PodSpec::new("shop", "slow-api").runtime(Runtime::Crio));
    let m = marker();
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    // Held (other tests' pods, running in parallel, may be held here too): nothing out yet. That
    // it was held until its pod arrived is what `late` below proves.
    agent.wait_metric_at_least("rampart_held_events", 1.0);
    assert!(agent.events().iter().all(|e| !exec_of(&m)(e)), "event went out before its pod was known");

    pod.write_manifest(manifests.path());
    let e = agent.wait_event("the held exec", WAIT, exec_of(&m));
    assert_eq!(e["pod"]["attribution"], "late", "{e}");
    assert_eq!(e["pod"]["name"], "slow-api");
    assert_eq!(e["pod"]["uid"], pod.uid.as_str());
    assert_eq!(agent.metric("rampart_attribution_total{result=\"late\"}"), Some(1.0));
    assert!(agent.stop().success());
}

#[test]
fn event_whose_pod_never_arrives_goes_out_unknown_with_what_is_known() {
    if !require::root("event_whose_pod_never_arrives_goes_out_unknown_with_what_is_known") {
        return;
    }
    let manifests = tempfile::tempdir().unwrap();
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        attribution_hold: Some("300ms".into()),
        ..Default::default()
    });
    let pod = TestPod::create(PodSpec::new("ghost", "nobody").driver(Driver::Cgroupfs).qos(Qos::BestEffort));
    let m = marker();
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    let e = agent.wait_event("the exec from an unnamed pod", WAIT, exec_of(&m));
    assert_eq!(e["pod"]["attribution"], "unknown", "{e}");
    // The cgroup path still tells the pod UID and container id.
    assert_eq!(e["pod"]["uid"], pod.uid.as_str());
    assert_eq!(e["pod"]["containerId"], pod.container_id.as_str());
    assert_eq!(e["pod"]["name"], "");
    assert!(agent.stop().success());
}

#[test]
fn host_processes_say_host() {
    if !require::root("host_processes_say_host") {
        return;
    }
    let agent = Agent::start(AgentOptions::default());
    let m = marker();
    assert!(std::process::Command::new("/bin/true").arg(&m).status().unwrap().success());
    let e = agent.wait_event("the host exec", WAIT, exec_of(&m));
    assert_eq!(e["pod"]["attribution"], "host", "{e}");
    assert_eq!(e["pod"]["name"], "");
    assert_eq!(e["process"]["parent"]["pid"], std::process::id());
    assert!(agent.stop().success());
}

#[test]
fn sigterm_drains_and_exits_zero_with_no_drops() {
    if !require::root("sigterm_drains_and_exits_zero_with_no_drops") {
        return;
    }
    let agent = Agent::start(AgentOptions::default());
    let m = marker();
    for _ in 0..50 {
        assert!(std::process::Command::new("/bin/true").arg(&m).status().unwrap().success());
    }
    let metrics = agent.metrics();
    let status = agent.stop();
    assert!(status.success(), "exit status {status}");
    let text = std::fs::read_to_string(&agent.events_path).unwrap();
    let n = text.lines().filter(|l| l.contains(&m)).count();
    assert_eq!(n, 50, "every exec before SIGTERM is written out");
    for line in metrics.lines().filter(|l| l.starts_with("rampart_drops_total")) {
        assert!(line.ends_with(" 0"), "unexpected drop: {line}");
    }
}

/// The pid of the exec of `/bin/echo <marker>` in `pod`, once the agent has seen it and the
/// process has exited (its pid free again).
fn echo_pid(pod: &TestPod, agent: &Agent) -> u64 {
    let m = marker();
    assert!(pod.exec(&["/bin/echo", &m]).status.success());
    let e = agent.wait_event(&format!("exec of {m}"), WAIT, exec_of(&m));
    assert_eq!(e["process"]["binary"], "/bin/echo", "{e}");
    e["process"]["pid"].as_u64().unwrap()
}

/// A pod, an agent that knows it, the trigger's path and a port to send datagrams to.
struct Udp {
    agent: Agent,
    pod: TestPod,
    trigger: String,
    port: u16,
    _manifests: tempfile::TempDir,
}

impl Udp {
    fn start(namespace: &str, name: &str) -> Udp {
        let manifests = tempfile::tempdir().unwrap();
        let pod = TestPod::create(PodSpec::new(namespace, name));
        pod.write_manifest(manifests.path());
        let agent =
            Agent::start(AgentOptions { pod_manifests: Some(manifests.path().into()), ..Default::default() });
        let trigger = std::fs::canonicalize(rampart_tests::net::trigger()).unwrap().display().to_string();
        let port = 40_000 + u16::from_str_radix(&rampart_tests::random_hex(3), 16).unwrap() % 20_000;
        Udp { agent, pod, trigger, port, _manifests: manifests }
    }
}

/// Start `args` in `pod`, held by its stdin (it exits at EOF), and read its first line.
fn held(pod: &TestPod, args: &[&str]) -> (std::process::Child, String) {
    let mut child = pod.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line)
}

/// The flow event of a UDP datagram sent by `pid` to port `port`.
fn flow_of(agent: &Agent, pid: u64, port: u16) -> Value {
    agent.wait_event(&format!("the flow of pid {pid}"), WAIT, |e| {
        e["flow"]["remotePort"] == u64::from(port) && e["process"]["pid"] == pid
    })
}

// A pid is handed out again once its process is gone (after pid_max more: 32,768 on some
// nodes), and a process that forked without exec'ing has no exec of its own to name it.
#[test]
fn a_reused_pid_is_never_named_after_the_process_that_had_it_before() {
    if !require::root("a_reused_pid_is_never_named_after_the_process_that_had_it_before") {
        return;
    }
    let Udp { agent, pod, trigger, port, _manifests } = Udp::start("reuse", "pids");
    let to = format!("127.0.0.1:{port}");

    // /bin/echo ran as pid P and exited; the trigger forks a child that gets P and sends a
    // datagram, and lives on until told to exit: the flow names the trigger, from /proc.
    let pid = echo_pid(&pod, &agent);
    let (mut child, line) = held(&pod, &[&trigger, "fork-as-pid", &to, &pid.to_string(), "hold"]);
    assert_eq!(line.trim(), format!("ok pid={pid}"), "the fork did not get pid {pid}");
    let e = flow_of(&agent, pid, port);
    assert_eq!(e["process"]["binary"], trigger.as_str(), "{e}");
    assert_eq!(e["process"]["comm"], "rampart-trigger", "{e}");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());

    // Again, with a child that is gone before the agent reads its flow, most likely: named by
    // the trigger or by nothing, never by /bin/echo.
    let pid = echo_pid(&pod, &agent);
    let out = pod.exec(&[&trigger, "fork-as-pid", &to, &pid.to_string()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("ok pid={pid}"), "{out:?}");
    let e = flow_of(&agent, pid, port);
    assert_ne!(e["process"]["binary"], "/bin/echo", "{e}");
    assert!(agent.metric("rampart_records_total{kind=\"exit\"}").unwrap() >= 2.0);
    assert!(agent.stop().success());
}

// A process whose main thread exits first (pthread_exit() from main) runs on in its other
// threads: their events are named after its binary, not after nothing.
#[test]
fn a_process_whose_main_thread_exited_is_still_named() {
    if !require::root("a_process_whose_main_thread_exited_is_still_named") {
        return;
    }
    let Udp { agent, pod, trigger, port, _manifests } = Udp::start("leader", "threads");
    let (mut child, line) = held(&pod, &[&trigger, "leader-exits", &format!("127.0.0.1:{port}")]);
    let pid: u64 = line.trim().strip_prefix("ok pid=").and_then(|p| p.parse().ok()).expect(&line);
    let e = flow_of(&agent, pid, port);
    assert_eq!(e["process"]["comm"], "worker", "{e}");
    assert_eq!(e["process"]["binary"], trigger.as_str(), "{e}");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(agent.stop().success());
}
