//! UDP is not only egress: a pod's UDP server answers the peers its ingress side admitted even
//! under an egress policy (a DNS server must reply), while anything else it sends is still
//! judged; in audit every peer of a server socket is reported, not only the first; and refused
//! datagrams into a pod are summarised per pod port, whatever source port each came from.

use std::{
    io::{BufRead as _, BufReader, Read as _},
    process::{Command, Stdio},
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{Server, outcome, port, sockaddr, trigger, write_policy},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

fn agent_for(policies: &tempfile::TempDir, manifests: &tempfile::TempDir) -> Agent {
    Agent::start(AgentOptions {
        policies: Some(policies.path().into()),
        pod_manifests: Some(manifests.path().into()),
        ..Default::default()
    })
}

fn ask(pod: &TestPod, server: &str, p: u16) -> Result<String, i32> {
    outcome(&pod.exec(&[&trigger(), "udp-ask", &sockaddr(server, p), "32", "2000"]))
}

/// `rampart-trigger udp-echo` in `pod`, started: its output is read once it has answered.
struct Echo {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Echo {
    fn start(mut cmd: Command) -> Echo {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn udp-echo");
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        out.read_line(&mut line).expect("udp-echo output");
        assert_eq!(line.trim(), "listening", "udp-echo did not start: {line}");
        Echo { child, out }
    }

    /// Everything it printed after "listening", once it exited.
    fn finish(mut self) -> String {
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).expect("udp-echo output");
        assert!(self.child.wait().expect("udp-echo").success(), "udp-echo failed: {rest}");
        rest
    }
}

fn ingress_open_from(e: &Value, pod: &str, peer: &str, p: u16) -> bool {
    let f = &e["flow"];
    e["pod"]["name"] == pod
        && f["direction"] == "ingress"
        && f["protocol"] == "udp"
        && f["phase"] == "open"
        && f["remoteIp"] == peer
        && f["localPort"] == u64::from(p)
}

#[test]
fn a_udp_server_under_an_egress_policy_answers_the_peers_it_admitted_and_nothing_else() {
    if !require::root("a_udp_server_under_an_egress_policy_answers_the_peers_it_admitted_and_nothing_else") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The server may send nothing out on its own: no egress rule at all.
    write_policy(policies.path(), "infra", "dns-egress", "dns", "enforce", "    egress: []\n");
    let dns = TestPod::create(PodSpec::new("infra", "dns").label("app", "dns").with_netns());
    let client = TestPod::create(PodSpec::new("shop", "client").with_netns());
    dns.write_manifest(manifests.path());
    client.write_manifest(manifests.path());
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 2.0);

    let (p, elsewhere) = (port(), port());
    let t = trigger();
    let unsolicited = sockaddr(&client.v4(), elsewhere);
    let echo = Echo::start(dns.command(&[&t, "udp-echo", &sockaddr(&dns.v4(), p), "2", &unsolicited]));
    // Two exchanges: each answer is a reply to a peer the server admitted.
    for _ in 0..2 {
        let answer = ask(&client, &dns.v4(), p);
        assert_eq!(
            answer,
            Ok(format!("ok sent=32 received=32 from={}", sockaddr(&dns.v4(), p))),
            "the server's reply should reach its client"
        );
    }
    // The same socket sending to a port nobody asked from is new egress, and refused.
    let said = echo.finish();
    assert!(said.contains("unsolicited error errno=1"), "an unsolicited datagram should get EPERM: {said}");
    assert_eq!(said.matches("replied peer=").count(), 2, "{said}");

    let refused = agent.wait_event("the unsolicited datagram's refusal", WAIT, |e| {
        e["pod"]["name"] == "dns" && e["flow"]["remotePort"] == u64::from(elsewhere)
    });
    assert_eq!(refused["flow"]["direction"], "egress", "{refused}");
    assert_eq!(refused["verdict"]["action"], "deny", "{refused}");
    assert_eq!(refused["verdict"]["enforced"], true, "{refused}");
    // The replies were never judged as egress: the only egress event of the server is that one.
    let open = agent.wait_event("the server's flow", WAIT, |e| ingress_open_from(e, "dns", &client.v4(), p));
    assert_eq!(open["verdict"]["action"], "allow", "{open}");
    let egress: Vec<Value> = agent
        .events()
        .into_iter()
        .filter(|e| e["pod"]["name"] == "dns" && e["flow"]["direction"] == "egress")
        .collect();
    assert_eq!(egress.len(), 1, "only the unsolicited datagram is egress: {egress:?}");
    assert!(agent.stop().success());
}

#[test]
fn audit_reports_every_udp_peer_of_a_server_socket() {
    if !require::root("audit_reports_every_udp_peer_of_a_server_socket") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_policy(policies.path(), "infra", "dns-ingress", "dns", "audit", "    ingress: []\n");
    let dns = TestPod::create(PodSpec::new("infra", "dns").label("app", "dns").with_netns());
    let a = TestPod::create(PodSpec::new("shop", "a").with_netns());
    let b = TestPod::create(PodSpec::new("shop", "b").with_netns());
    for pod in [&dns, &a, &b] {
        pod.write_manifest(manifests.path());
    }
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 3.0);

    let p = port();
    let t = trigger();
    let echo = Echo::start(dns.command(&[&t, "udp-echo", &sockaddr(&dns.v4(), p), "3"]));
    // Audit lets every datagram through; the host's comes third, after two pods.
    assert!(ask(&a, &dns.v4(), p).is_ok());
    assert!(ask(&b, &dns.v4(), p).is_ok());
    assert!(
        outcome(&Command::new(&t).args(["udp-ask", &sockaddr(&dns.v4(), p), "32"]).output().unwrap()).is_ok()
    );
    echo.finish();

    let mut cookies = Vec::new();
    for peer in [a.v4(), b.v4(), BRIDGE_V4.to_string()] {
        let e = agent.wait_event(&format!("the audit of peer {peer}"), WAIT, |e| {
            ingress_open_from(e, "dns", &peer, p)
        });
        assert_eq!(e["verdict"]["action"], "audit", "{e}");
        assert_eq!(e["verdict"]["enforced"], false, "{e}");
        assert_eq!(e["verdict"]["rule"], "network.ingress", "{e}");
        cookies.push(e["flow"]["socketCookie"].clone());
    }
    assert!(cookies.windows(2).all(|w| w[0] == w[1]), "one server socket: {cookies:?}");
    assert!(agent.stop().success());
}

#[test]
fn refused_datagrams_into_a_pod_are_summarised_per_pod_port() {
    if !require::root("refused_datagrams_into_a_pod_are_summarised_per_pod_port") {
        return;
    }
    ensure_bridge();
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_policy(policies.path(), "infra", "dns-ingress", "dns", "enforce", "    ingress: []\n");
    let dns = TestPod::create(PodSpec::new("infra", "dns").label("app", "dns").with_netns());
    dns.write_manifest(manifests.path());
    let agent = agent_for(&policies, &manifests);
    agent.wait_metric("rampart_pods", 1.0);

    // A socket to reach (the ingress hook runs as a datagram is delivered to one); each
    // datagram from its own socket: a new source port every time.
    let (p, attempts) = (port(), 300u64);
    let _srv = Server::start(dns.command(&[&trigger(), "udp-serve", &sockaddr(&dns.v4(), p), "1"]));
    let sent =
        Command::new(trigger()).args(["udp-hammer", &sockaddr(&dns.v4(), p), &attempts.to_string()]).output();
    assert_eq!(outcome(&sent.unwrap()), Ok(format!("ok sent={attempts}")));

    let of_port = |events: Vec<Value>| -> Vec<Value> {
        events
            .into_iter()
            .filter(|e| e["pod"]["name"] == "dns" && e["flow"]["localPort"] == u64::from(p))
            .collect()
    };
    let count = |e: &Value| e["repeatCount"].as_str().unwrap_or("0").parse::<u64>().unwrap().max(1);
    rampart_tests::wait_for("every refused datagram accounted for", WAIT, || {
        (of_port(agent.events()).iter().map(count).sum::<u64>() == attempts).then_some(())
    });
    let events = of_port(agent.events());
    assert!(events.len() <= 12, "{} events for {attempts} refusals: should be summarised", events.len());
    for e in &events {
        assert_eq!(e["flow"]["direction"], "ingress", "{e}");
        assert_eq!(e["verdict"]["action"], "deny", "{e}");
    }
    let summary = events.iter().find(|e| count(e) > 1).expect("a summary");
    assert_eq!(summary["flow"]["remotePort"], 0, "a summary spans source ports: {summary}");
    assert_eq!(summary["flow"]["remoteIp"], BRIDGE_V4, "{summary}");
    assert!(agent.stop().success());
}
