//! Flow records and ingress: per-connection records whose byte counts equal what was sent and
//! received, ingress allowlists on connections into a pod, refusals summarised instead of
//! streamed, and what a pod gets before its policy is known.

use std::{process::Command, time::Duration};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{Server, outcome, port, sockaddr, trigger, write_policy},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

fn run(pod: &TestPod, args: &[&str]) -> Result<String, i32> {
    let t = trigger();
    let mut argv = vec![t.as_str()];
    argv.extend_from_slice(args);
    outcome(&pod.exec(&argv))
}

fn host(args: &[&str]) -> Result<String, i32> {
    outcome(&Command::new(trigger()).args(args).output().unwrap())
}

fn agent_for(policies: &tempfile::TempDir, manifests: &tempfile::TempDir) -> Agent {
    Agent::start(AgentOptions {
        policies: Some(policies.path().into()),
        pod_manifests: Some(manifests.path().into()),
        extra: vec!["--flow-interval".into(), "1s".into()],
        ..Default::default()
    })
}

fn closed(e: &Value, pod: &str, direction: &str, port: u16) -> bool {
    let f = &e["flow"];
    let p = if direction == "egress" { &f["remotePort"] } else { &f["localPort"] };
    e["pod"]["name"] == pod && f["direction"] == direction && f["phase"] == "close" && *p == u64::from(port)
}

#[test]
fn tcp_flow_records_count_exactly_what_was_sent_and_received() {
    if !require::root("tcp_flow_records_count_exactly_what_was_sent_and_received") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let agent = agent_for(&policies, &manifests);
    let client = TestPod::create(PodSpec::new("flows", "client").with_netns());
    let server = TestPod::create(PodSpec::new("flows", "server").with_netns());
    client.write_manifest(manifests.path());
    server.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 2.0);
    let p = port();
    let t = trigger();
    let _srv = Server::start(server.command(&[&t, "tcp-serve", &sockaddr(&server.v4(), p), "54321", "1"]));
    assert_eq!(
        run(&client, &["tcp-connect", &sockaddr(&server.v4(), p), "12345"]),
        Ok("ok sent=12345 received=54321".into())
    );

    let c = agent.wait_event("the client's close", WAIT, |e| closed(e, "client", "egress", p));
    let f = &c["flow"];
    assert_eq!((f["bytesSent"].as_str(), f["bytesReceived"].as_str()), (Some("12345"), Some("54321")), "{c}");
    assert!(f["packetsSent"].as_str().unwrap().parse::<u64>().unwrap() >= 3);
    assert_eq!(f["protocol"], "tcp");
    assert_eq!(f["localIp"], client.v4());
    assert_eq!(f["remoteIp"], server.v4());
    assert!(!f["tcpState"].as_str().unwrap().is_empty());
    assert_eq!(c["process"]["comm"], "rampart-trigger");
    assert!(c["process"]["binary"].as_str().unwrap().ends_with("rampart-trigger"));

    let s = agent.wait_event("the server's close", WAIT, |e| closed(e, "server", "ingress", p));
    let f = &s["flow"];
    assert_eq!((f["bytesReceived"].as_str(), f["bytesSent"].as_str()), (Some("12345"), Some("54321")), "{s}");
    assert_eq!(f["remoteIp"], client.v4());
    assert_eq!(s["process"]["comm"], "rampart-trigger", "the process that opened the listener");
    // Opened before it closed, one each.
    let opens = agent
        .events()
        .iter()
        .filter(|e| {
            e["pod"]["name"] == "client"
                && e["flow"]["phase"] == "open"
                && e["flow"]["remotePort"] == u64::from(p)
        })
        .count();
    assert_eq!(opens, 1);
    assert!(agent.stop().success());
}

#[test]
fn udp_flow_counts_datagrams_and_bytes() {
    if !require::root("udp_flow_counts_datagrams_and_bytes") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let agent = agent_for(&policies, &manifests);
    let pod = TestPod::create(PodSpec::new("flows", "udp").with_netns());
    pod.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let p = port();
    let mut cmd = Command::new(trigger());
    cmd.args(["udp-serve", &sockaddr(BRIDGE_V4, p), "3"]);
    let _srv = Server::start(cmd);
    assert!(run(&pod, &["udp-send", &sockaddr(BRIDGE_V4, p), "100", "3"]).is_ok());
    let e = agent.wait_event("the UDP close", WAIT, |e| closed(e, "udp", "egress", p));
    let f = &e["flow"];
    assert_eq!((f["bytesSent"].as_str(), f["packetsSent"].as_str()), (Some("300"), Some("3")), "{e}");
    assert_eq!(f["protocol"], "udp");
    assert!(agent.stop().success());
}

// vm-test: core
#[test]
fn ingress_from_a_peer_not_allowed_is_refused_and_an_allowed_one_works() {
    if !require::root("ingress_from_a_peer_not_allowed_is_refused_and_an_allowed_one_works") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db = TestPod::create(PodSpec::new("shop", "db").label("app", "db").with_netns());
    let api = TestPod::create(PodSpec::new("shop", "api").with_netns());
    let p = port();
    write_policy(
        policies.path(),
        "shop",
        "db-ingress",
        "db",
        "enforce",
        &format!("    ingress:\n      - from: [{{cidr: {}/32}}]\n        ports: [{{port: {p}}}]\n", api.v4()),
    );
    db.write_manifest(manifests.path());
    api.write_manifest(manifests.path());
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 2.0);
    let t = trigger();
    let _srv = Server::start(db.command(&[&t, "tcp-serve", &sockaddr(&db.v4(), p), "0", "2"]));

    // The host (10.231.0.1) is not an allowed peer: its SYN is dropped, the connect times out.
    let refused = host(&["tcp-connect", &sockaddr(&db.v4(), p), "0", "1500"]);
    assert!(refused.is_err(), "ingress from the host should be refused: {refused:?}");
    let e = agent.wait_event("the ingress refusal", WAIT, |e| {
        e["pod"]["name"] == "db" && e["flow"]["direction"] == "ingress" && e["verdict"]["action"] == "deny"
    });
    assert_eq!(e["flow"]["remoteIp"], BRIDGE_V4, "{e}");
    assert_eq!(e["flow"]["localPort"], u64::from(p));
    assert_eq!(e["verdict"]["rule"], "network.ingress");
    assert_eq!(e["verdict"]["enforced"], true);

    // The allowed peer gets through.
    assert!(run(&api, &["tcp-connect", &sockaddr(&db.v4(), p)]).is_ok(), "allowed peer");
    let ok = agent.wait_event("the allowed ingress", WAIT, |e| closed(e, "db", "ingress", p));
    assert_eq!(ok["verdict"]["action"], "allow", "{ok}");
    assert_eq!(ok["verdict"]["rule"], "network.ingress[0]");
    assert!(agent.stop().success());
}

#[test]
fn a_pod_hammering_a_denied_port_is_summarised_not_streamed() {
    if !require::root("a_pod_hammering_a_denied_port_is_summarised_not_streamed") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_policy(policies.path(), "shop", "nothing-out", "hammer", "enforce", "    egress: []\n");
    let pod = TestPod::create(PodSpec::new("shop", "hammer").with_netns());
    pod.write_manifest(manifests.path());
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 1.0);
    let p = port();
    let attempts = 500;
    assert_eq!(
        run(&pod, &["tcp-hammer", &sockaddr(BRIDGE_V4, p), &attempts.to_string()]),
        Ok(format!("ok connected=0 refused={attempts}"))
    );
    let total = |events: &[Value]| -> u64 {
        events
            .iter()
            .filter(|e| e["pod"]["name"] == "hammer" && e["flow"]["remotePort"] == u64::from(p))
            .map(|e| e["repeatCount"].as_str().unwrap().parse::<u64>().unwrap().max(1))
            .sum()
    };
    rampart_tests::wait_for("every attempt accounted for", WAIT, || {
        (total(&agent.events()) == attempts).then_some(())
    });
    let records = agent
        .events()
        .iter()
        .filter(|e| e["pod"]["name"] == "hammer" && e["flow"]["remotePort"] == u64::from(p))
        .count();
    assert!(records <= 12, "{records} events for {attempts} refusals: should be summarised");
    let metrics = agent.metrics();
    let status = agent.stop();
    assert!(status.success());
    for line in metrics.lines().filter(|l| l.starts_with("rampart_drops_total")) {
        assert!(line.ends_with(" 0"), "drop: {line}");
    }
}

#[test]
fn a_pod_whose_policy_is_not_known_yet_is_let_through_and_reported_by_default() {
    if !require::root("a_pod_whose_policy_is_not_known_yet_is_let_through_and_reported_by_default") {
        return;
    }
    ensure_bridge();
    let manifests = tempfile::tempdir().unwrap();
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        attribution_hold: Some("300ms".into()),
        ..Default::default()
    });
    let pod = TestPod::create(PodSpec::new("new", "unknown").with_netns()); // no Pod object
    let p = port();
    let _s = Server::tcp(BRIDGE_V4, p, 0, 1);
    rampart_tests::wait_for("the kubepods root to be known", WAIT, || {
        (agent.metric("rampart_pod_cgroups").unwrap_or(0.0) >= 2.0).then_some(())
    });
    assert!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, p)]).is_ok(), "fail-open");
    let e = agent.wait_event("the unknown pod's flow", WAIT, |e| {
        e["pod"]["uid"] == pod.uid.as_str() && e["flow"]["phase"] == "open"
    });
    assert_eq!(e["verdict"]["action"], "allow", "{e}");
    assert_eq!(e["verdict"]["rule"], "unknown-pod (fail-open)");
    assert_eq!(e["pod"]["attribution"], "unknown");
    assert!(agent.stop().success());
}

#[test]
fn fail_closed_denies_a_pod_whose_policy_is_not_known_yet() {
    if !require::root("fail_closed_denies_a_pod_whose_policy_is_not_known_yet") {
        return;
    }
    ensure_bridge();
    let manifests = tempfile::tempdir().unwrap();
    let agent = Agent::start(AgentOptions {
        pod_manifests: Some(manifests.path().into()),
        extra: vec!["--network-unknown-pod".into(), "deny".into()],
        exclusive: true,
        ..Default::default()
    });
    let unknown = TestPod::create(PodSpec::new("new", "closed").with_netns());
    let known = TestPod::create(PodSpec::new("new", "known").with_netns());
    known.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let p = port();
    let _s = Server::tcp(BRIDGE_V4, p, 0, 1);
    assert_eq!(run(&unknown, &["tcp-connect", &sockaddr(BRIDGE_V4, p)]), Err(1), "fail-closed");
    assert!(run(&known, &["tcp-connect", &sockaddr(BRIDGE_V4, p)]).is_ok(), "a known pod with no policy");
    let e = agent.wait_event("the refusal", WAIT, |e| {
        e["pod"]["uid"] == unknown.uid.as_str() && e["flow"].is_object()
    });
    assert_eq!(e["verdict"]["rule"], "unknown-pod (fail-closed)", "{e}");
    assert_eq!(e["verdict"]["enforced"], true);
    assert!(agent.stop().success());
}

#[test]
fn a_long_lived_connection_gets_periodic_updates() {
    if !require::root("a_long_lived_connection_gets_periodic_updates") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let agent = agent_for(&policies, &manifests); // --flow-interval 1s
    let pod = TestPod::create(PodSpec::new("flows", "trickle").with_netns());
    pod.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    let p = port();
    let _s = Server::tcp(BRIDGE_V4, p, 7, 1);
    assert_eq!(
        run(&pod, &["tcp-trickle", &sockaddr(BRIDGE_V4, p), "15", "300"]),
        Ok("ok sent=15 received=7".into())
    );
    let close = agent.wait_event("the close", WAIT, |e| closed(e, "trickle", "egress", p));
    assert_eq!(close["flow"]["bytesSent"], "15", "{close}");
    let updates: Vec<u64> = agent
        .events()
        .iter()
        .filter(|e| {
            e["pod"]["name"] == "trickle"
                && e["flow"]["phase"] == "update"
                && e["flow"]["remotePort"] == u64::from(p)
        })
        .map(|e| e["flow"]["bytesSent"].as_str().unwrap().parse().unwrap())
        .collect();
    // 4.5 s of traffic at a 1 s interval: about four updates (fewer on a loaded machine, where
    // acknowledgements, which carry the update, come later), counters growing.
    assert!((2..=5).contains(&updates.len()), "updates: {updates:?}");
    assert!(updates.windows(2).all(|w| w[0] <= w[1]) && updates.iter().all(|b| *b <= 15), "{updates:?}");
    assert!(agent.stop().success());
}

#[test]
fn policy_changes_never_leave_a_window_open() {
    if !require::root("policy_changes_never_leave_a_window_open") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b, never) = (port(), port(), port());
    let write = |p: u16| {
        write_policy(
            policies.path(),
            "shop",
            "churn",
            "churn",
            "enforce",
            &format!("    egress:\n      - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {p}}}]\n"),
        )
    };
    write(a);
    let pod = TestPod::create(PodSpec::new("shop", "churn").with_netns());
    pod.write_manifest(manifests.path());
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 1.0);
    let _s = Server::tcp(BRIDGE_V4, never, 0, 100_000);
    // A client hammers a port no version of the policy allows while the policy flips.
    let t = trigger();
    let target = sockaddr(BRIDGE_V4, never);
    let applied = agent.metric("rampart_policy_changes_total").expect("the agent counts policy changes");
    let flips = std::thread::scope(|s| {
        let h = s.spawn(|| pod.command(&[&t, "tcp-hammer", &target, "150000"]).output());
        let mut flips = 0;
        while !h.is_finished() {
            write(if flips % 2 == 0 { b } else { a });
            flips += 1;
            // Each version is in force (the kernel's maps written) before the next one.
            agent.wait_metric_at_least("rampart_policy_changes_total", applied + f64::from(flips));
        }
        (h.join().unwrap(), flips)
    });
    let (out, flips) = flips;
    assert_eq!(
        outcome(&out.unwrap()),
        Ok("ok connected=0 refused=150000".into()),
        "after {flips} policy flips"
    );
    assert!(flips >= 5, "the policy should have been put in force several times during the run ({flips})");
    assert!(agent.stop().success());
}
