//! Egress allowlists enforced in the kernel: a denied connect fails with EPERM, an allowed one
//! works; UDP sendmsg without connect; IPv4 and IPv6; pods in their own network namespace and
//! in the host's; audit; policies edited while running; pods that must not leak into each other.

use std::time::Duration;

use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{Server, outcome, port, sockaddr, trigger, trigger_for_anyone, write_policy},
    netns::{BRIDGE_V4, BRIDGE_V6, ensure_bridge},
    pod::{PodSpec, TestPod},
    require, wait_for,
};
use serde_json::Value;

const EPERM: i32 = 1;
const WAIT: Duration = Duration::from_secs(10);

struct Node {
    policies: tempfile::TempDir,
    manifests: tempfile::TempDir,
}

impl Node {
    fn new() -> Node {
        ensure_bridge();
        Node { policies: tempfile::tempdir().unwrap(), manifests: tempfile::tempdir().unwrap() }
    }

    fn agent(&self) -> Agent {
        Agent::start(AgentOptions {
            policies: Some(self.policies.path().into()),
            pod_manifests: Some(self.manifests.path().into()),
            ..Default::default()
        })
    }

    fn pod(&self, ns: &str, name: &str, netns: bool) -> TestPod {
        let spec = PodSpec::new(ns, name);
        let pod = TestPod::create(if netns { spec.with_netns() } else { spec });
        pod.write_manifest(self.manifests.path());
        pod
    }
}

fn run(pod: &TestPod, args: &[&str]) -> Result<String, i32> {
    let t = trigger();
    let mut argv = vec![t.as_str()];
    argv.extend_from_slice(args);
    outcome(&pod.exec(&argv))
}

fn deny_event<'a>(events: &'a [Value], pod: &str, port: u16) -> Option<&'a Value> {
    events.iter().find(|e| {
        e["pod"]["name"] == pod
            && e["flow"]["remotePort"] == u64::from(port)
            && e["verdict"]["action"] == "deny"
    })
}

// vm-test: core
#[test]
fn egress_allowlist_tcp_udp_v4_v6_in_a_pod_network_namespace() {
    if !require::root("egress_allowlist_tcp_udp_v4_v6_in_a_pod_network_namespace") {
        return;
    }
    let node = Node::new();
    let (ok, no, udp_ok, udp_no, no_user) = (port(), port(), port(), port(), port());
    write_policy(
        node.policies.path(),
        "shop",
        "web-egress",
        "web",
        "enforce",
        &format!(
            "    egress:\n      - to: [{{cidr: {BRIDGE_V4}/32}}, {{cidr: '{BRIDGE_V6}/128'}}]\n        ports: [{{port: {ok}}}, {{port: {udp_ok}, protocol: UDP}}]\n"
        ),
    );
    let agent = node.agent();
    let web = node.pod("shop", "web", true);
    agent.wait_metric("rampart_pods", 1.0);
    let _v4 = Server::tcp(BRIDGE_V4, ok, 0, 1);
    let _v6 = Server::tcp(BRIDGE_V6, ok, 0, 1);

    assert!(run(&web, &["tcp-connect", &sockaddr(BRIDGE_V4, ok)]).is_ok(), "allowed TCP v4");
    assert_eq!(run(&web, &["tcp-connect", &sockaddr(BRIDGE_V4, no)]), Err(EPERM), "denied TCP v4");
    assert!(run(&web, &["udp-send", &sockaddr(BRIDGE_V4, udp_ok), "100"]).is_ok(), "allowed UDP");
    assert_eq!(
        run(&web, &["udp-send", &sockaddr(BRIDGE_V4, udp_no), "100"]),
        Err(EPERM),
        "denied UDP sendmsg"
    );
    assert_eq!(
        run(&web, &["udp-connect", &sockaddr(BRIDGE_V4, udp_no), "100"]),
        Err(EPERM),
        "denied UDP connect"
    );
    assert!(run(&web, &["tcp-connect", &sockaddr(BRIDGE_V6, ok)]).is_ok(), "allowed TCP v6");
    assert_eq!(run(&web, &["tcp-connect", &sockaddr(BRIDGE_V6, no)]), Err(EPERM), "denied TCP v6");
    assert_eq!(run(&web, &["udp-send", &sockaddr(BRIDGE_V6, udp_no), "10"]), Err(EPERM), "denied UDP v6");

    let e =
        agent.wait_event("the TCP deny", WAIT, |e| deny_event(std::slice::from_ref(e), "web", no).is_some());
    let v = &e["verdict"];
    assert_eq!(v["tier"], "cgroup", "{e}");
    assert_eq!(v["enforced"], true);
    assert_eq!(v["policy"], "shop/web-egress");
    assert_eq!(v["rule"], "network.egress");
    assert_eq!(e["flow"]["direction"], "egress");
    assert_eq!(e["pod"]["attribution"], "exact");
    assert_eq!(e["process"]["comm"], "rampart-trigger");
    let allowed = agent.wait_event("the allowed TCP open", WAIT, |e| {
        e["pod"]["name"] == "web" && e["flow"]["remotePort"] == u64::from(ok) && e["flow"]["phase"] == "open"
    });
    assert_eq!(allowed["verdict"]["action"], "allow", "{allowed}");
    assert_eq!(allowed["verdict"]["rule"], "network.egress[0]");
    assert_eq!(allowed["verdict"]["enforced"], false);
    assert_eq!(allowed["verdict"]["tier"], "cgroup");
    agent.wait_event("the UDP deny", WAIT, |e| deny_event(std::slice::from_ref(e), "web", udp_no).is_some());
    let v6 = agent.wait_event("the v6 deny", WAIT, |e| {
        deny_event(std::slice::from_ref(e), "web", no).is_some() && e["flow"]["remoteIp"] == BRIDGE_V6
    });
    assert_eq!(v6["flow"]["protocol"], "tcp");

    // A flow says who opened it: the ids and parent of the connecting task, like every event.
    let (_bins, anyones_trigger) = trigger_for_anyone();
    assert_eq!(
        run(&web, &["as-user", "1000", &anyones_trigger, "tcp-connect", &sockaddr(BRIDGE_V4, no_user)]),
        Err(EPERM),
        "denied TCP v4 as uid 1000"
    );
    let user = agent.wait_event("the uid 1000 deny", WAIT, |e| {
        deny_event(std::slice::from_ref(e), "web", no_user).is_some()
    });
    let p = &user["process"];
    assert_eq!(
        (p["uid"].as_u64(), p["euid"].as_u64(), p["gid"].as_u64()),
        (Some(1000), Some(1000), Some(1000)),
        "{user}"
    );
    assert!(p["parent"]["pid"].as_u64().is_some_and(|pid| pid > 0), "{user}");
    assert!(agent.stop().success());
}

#[test]
fn egress_allowlist_in_the_host_network_namespace() {
    if !require::root("egress_allowlist_in_the_host_network_namespace") {
        return;
    }
    let node = Node::new();
    let (ok, no) = (port(), port());
    write_policy(
        node.policies.path(),
        "infra",
        "local-only",
        "hostnet",
        "enforce",
        &format!(
            "    egress:\n      - to: [{{cidr: 127.0.0.1/32}}, {{cidr: '::1/128'}}]\n        ports: [{{port: {ok}}}]\n"
        ),
    );
    let agent = node.agent();
    let pod = node.pod("infra", "hostnet", false);
    agent.wait_metric("rampart_pods", 1.0);
    let _s = Server::tcp("127.0.0.1", ok, 0, 1);
    let _busy = Server::tcp("127.0.0.1", no, 0, 1);
    assert!(run(&pod, &["tcp-connect", &sockaddr("127.0.0.1", ok)]).is_ok());
    assert_eq!(run(&pod, &["tcp-connect", &sockaddr("127.0.0.1", no)]), Err(EPERM));
    // A host process is not restricted by a pod's policy.
    let host = outcome(
        &std::process::Command::new(trigger())
            .args(["tcp-connect", &sockaddr("127.0.0.1", no)])
            .output()
            .unwrap(),
    );
    assert!(host.is_ok(), "host process: {host:?}");
    assert!(agent.stop().success());
}

#[test]
fn audit_mode_lets_through_and_says_audit() {
    if !require::root("audit_mode_lets_through_and_says_audit") {
        return;
    }
    let node = Node::new();
    let p = port();
    write_policy(node.policies.path(), "shop", "lockdown-audit", "auditme", "audit", "    egress: []\n");
    let agent = node.agent();
    let pod = node.pod("shop", "auditme", true);
    agent.wait_metric("rampart_pods", 1.0);
    let _s = Server::tcp(BRIDGE_V4, p, 0, 1);
    assert!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, p)]).is_ok(), "audit blocks nothing");
    let e = agent.wait_event("the audited flow", WAIT, |e| {
        e["pod"]["name"] == "auditme"
            && e["flow"]["remotePort"] == u64::from(p)
            && e["flow"]["phase"] == "open"
    });
    let v = &e["verdict"];
    assert_eq!(v["action"], "audit", "{e}");
    assert_eq!(v["enforced"], false);
    assert_eq!(v["tier"], "cgroup");
    assert_eq!(v["policy"], "shop/lockdown-audit");
    assert_eq!(v["rule"], "network.egress");
    assert!(agent.stop().success());
}

#[test]
fn policy_edited_while_running_changes_the_verdict() {
    if !require::root("policy_edited_while_running_changes_the_verdict") {
        return;
    }
    let node = Node::new();
    let (a, b) = (port(), port());
    let write = |p: u16| {
        write_policy(
            node.policies.path(),
            "shop",
            "edit-me",
            "editor",
            "enforce",
            &format!("    egress:\n      - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {p}}}]\n"),
        )
    };
    write(a);
    let agent = node.agent();
    let pod = node.pod("shop", "editor", true);
    agent.wait_metric("rampart_pods", 1.0);
    let _sa = Server::tcp(BRIDGE_V4, a, 0, 2);
    let _sb = Server::tcp(BRIDGE_V4, b, 0, 2);
    assert!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, a)]).is_ok());
    assert_eq!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, b)]), Err(EPERM));

    write(b);
    let start = std::time::Instant::now();
    while run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, b)]).is_err() {
        assert!(start.elapsed() < WAIT, "the edited policy did not take effect; agent log:\n{}", agent.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, a)]), Err(EPERM), "the old rule is gone");
    assert!(agent.stop().success());
}

#[test]
fn two_pods_with_different_policies_do_not_leak_into_each_other() {
    if !require::root("two_pods_with_different_policies_do_not_leak_into_each_other") {
        return;
    }
    let node = Node::new();
    let (pa, pb) = (port(), port());
    for (name, app, p) in [("a-only", "alpha", pa), ("b-only", "beta", pb)] {
        write_policy(
            node.policies.path(),
            "team",
            name,
            app,
            "enforce",
            &format!("    egress:\n      - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {p}}}]\n"),
        );
    }
    let agent = node.agent();
    let alpha = node.pod("team", "alpha", true);
    let beta = node.pod("team", "beta", true);
    let gamma = node.pod("team", "gamma", true); // selected by no policy
    agent.wait_metric("rampart_pods", 3.0);
    let _sa = Server::tcp(BRIDGE_V4, pa, 0, 3);
    let _sb = Server::tcp(BRIDGE_V4, pb, 0, 3);
    assert!(run(&alpha, &["tcp-connect", &sockaddr(BRIDGE_V4, pa)]).is_ok());
    assert_eq!(run(&alpha, &["tcp-connect", &sockaddr(BRIDGE_V4, pb)]), Err(EPERM));
    assert!(run(&beta, &["tcp-connect", &sockaddr(BRIDGE_V4, pb)]).is_ok());
    assert_eq!(run(&beta, &["tcp-connect", &sockaddr(BRIDGE_V4, pa)]), Err(EPERM));
    assert!(
        run(&gamma, &["tcp-connect", &sockaddr(BRIDGE_V4, pa)]).is_ok(),
        "an unselected pod is not restricted"
    );
    assert!(run(&gamma, &["tcp-connect", &sockaddr(BRIDGE_V4, pb)]).is_ok());
    let g = agent
        .wait_event("gamma's flow", WAIT, |e| e["pod"]["name"] == "gamma" && e["flow"]["phase"] == "open");
    assert_eq!(g["verdict"]["tier"], "none", "no policy judged it: {g}");
    assert_eq!(g["verdict"]["policy"], "");
    assert!(agent.stop().success());
}

#[test]
fn ten_thousand_cidr_rules_load_and_enforce() {
    if !require::root("ten_thousand_cidr_rules_load_and_enforce") {
        return;
    }
    let node = Node::new();
    let p = port();
    let mut to = String::new();
    for i in 0..9_999u32 {
        to.push_str(&format!("{{cidr: 10.{}.{}.{}/32}}, ", 100 + i / 65536, (i / 256) % 256, i % 256));
    }
    to.push_str(&format!("{{cidr: {BRIDGE_V4}/32}}"));
    write_policy(
        node.policies.path(),
        "big",
        "many-cidrs",
        "bigpod",
        "enforce",
        &format!("    egress:\n      - to: [{to}]\n        ports: [{{port: {p}}}]\n"),
    );
    let agent = node.agent();
    assert_eq!(agent.metric("rampart_policies"), Some(1.0));
    let pod = node.pod("big", "bigpod", true);
    agent.wait_metric("rampart_pods", 1.0);
    let _s = Server::tcp(BRIDGE_V4, p, 0, 1);
    wait_for("the 10,000-rule set to be in force", Duration::from_secs(30), || {
        run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, p)]).is_ok().then_some(())
    });
    assert_eq!(run(&pod, &["tcp-connect", &sockaddr("10.231.0.254", p)]), Err(EPERM), "unlisted peer");
    assert_eq!(run(&pod, &["tcp-connect", &sockaddr(BRIDGE_V4, p + 1)]), Err(EPERM), "unlisted port");
    assert!(agent.stop().success());
}
