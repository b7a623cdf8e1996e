//! Rules between groups of pods, as a truth table in the style of Kubernetes' network-policy
//! e2e suite: five pods in three namespaces, each in its own network namespace on the test
//! bridge (10.231.0.0/24, all traffic local) and serving TCP 80, TCP 81 and UDP 81. For each
//! case the agent starts with the case's policies, every (client, server, port) pair is probed,
//! and the observed matrix is compared with the expected one, written out by hand from
//! NetworkPolicy's semantics; mismatches are printed as a table. The same cases run again as
//! `networking.k8s.io/v1` NetworkPolicy objects (`--networkpolicy`), which must give the same
//! matrix.
//!
//! Pod `y/b` names its port 81 `serve-80`: a port name is resolved in the pod at its end.

use std::{fmt::Write as _, time::Duration};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    net::{sockaddr, trigger},
    netns::ensure_bridge,
    pod::{PodSpec, TestPod},
    require,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Port {
    Tcp80,
    Tcp81,
    Udp81,
}

const PORTS: [Port; 3] = [Port::Tcp80, Port::Tcp81, Port::Udp81];

/// A pod of the matrix: namespace and `app` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct P {
    ns: &'static str,
    app: &'static str,
}

const XA: P = P { ns: "x", app: "a" };
const XB: P = P { ns: "x", app: "b" };
const YA: P = P { ns: "y", app: "a" };
const YB: P = P { ns: "y", app: "b" };
const ZC: P = P { ns: "z", app: "c" };
const ALL: [P; 5] = [XA, XB, YA, YB, ZC];

/// Namespace labels: x and z are team red, y is team blue.
fn team(ns: &str) -> &'static str {
    if ns == "y" { "blue" } else { "red" }
}

struct Cluster {
    manifests: tempfile::TempDir,
    pods: Vec<(P, TestPod)>,
    _servers: Vec<std::process::Child>,
}

impl Cluster {
    fn new() -> Cluster {
        ensure_bridge();
        let manifests = tempfile::tempdir().unwrap();
        for ns in ["x", "y", "z"] {
            let text = format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels: {{team: {}, kubernetes.io/metadata.name: {ns}}}\n",
                team(ns)
            );
            std::fs::write(manifests.path().join(format!("ns-{ns}.yaml")), text).unwrap();
        }
        let mut pods = Vec::new();
        let mut servers = Vec::new();
        for p in ALL {
            let mut spec =
                PodSpec::new(p.ns, &format!("{}-{}", p.ns, p.app)).label("app", p.app).with_netns();
            spec = if p == YB {
                spec.port("serve-80", 81, "TCP")
            } else {
                spec.port("serve-80", 80, "TCP").port("serve-81", 81, "TCP").port("serve-81-udp", 81, "UDP")
            };
            let pod = TestPod::create(spec);
            pod.write_manifest(manifests.path());
            let t = trigger();
            let mut cmd =
                pod.command(&[&t, "serve-forever", &sockaddr(&pod.v4(), 0), "80/tcp", "81/tcp", "81/udp"]);
            let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().expect("spawn a server");
            let mut line = String::new();
            use std::io::BufRead as _;
            std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
            assert_eq!(line.trim(), "listening", "server in {p:?}");
            servers.push(child);
            pods.push((p, pod));
        }
        Cluster { manifests, pods, _servers: servers }
    }

    fn pod(&self, p: P) -> &TestPod {
        &self.pods.iter().find(|(q, _)| *q == p).expect("a matrix pod").1
    }

    /// Whether `client` reaches `server` on `port`: a reply arrives.
    fn probe(&self, client: P, server: P, port: Port) -> bool {
        let t = trigger();
        let to = self.pod(server).v4();
        let argv: Vec<String> = match port {
            Port::Tcp80 => vec![t, "tcp-connect".into(), sockaddr(&to, 80), "0".into(), "1500".into()],
            Port::Tcp81 => vec![t, "tcp-connect".into(), sockaddr(&to, 81), "0".into(), "1500".into()],
            Port::Udp81 => vec![t, "udp-ask".into(), sockaddr(&to, 81), "4".into(), "1500".into()],
        };
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.pod(client).exec(&argv).status.success()
    }

    /// Every (client, server, port) pair but a pod with itself, probed in parallel.
    fn observe(&self) -> Vec<(P, P, Port, bool)> {
        let pairs: Vec<(P, P, Port)> = ALL
            .iter()
            .flat_map(|&c| ALL.iter().filter(move |&&s| s != c).flat_map(move |&s| PORTS.map(|p| (c, s, p))))
            .collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> =
                pairs.iter().map(|&(c, s, p)| scope.spawn(move || (c, s, p, self.probe(c, s, p)))).collect();
            handles.into_iter().map(|h| h.join().expect("probe thread")).collect()
        })
    }
}

/// One policy of a case, written once and rendered as a RampartPolicy or as a NetworkPolicy.
/// `network` is the rules as both write them (`ingress:`/`egress:` lists), with address
/// blocks written `BLOCK(cidr[, except: [...]])`.
#[derive(Clone)]
struct Pol {
    namespace: &'static str,
    name: &'static str,
    selector: &'static str,
    mode: &'static str,
    network: String,
}

fn policy(
    namespace: &'static str,
    name: &'static str,
    selector: &'static str,
    mode: &'static str,
    network: &str,
) -> Vec<Pol> {
    vec![Pol { namespace, name, selector, mode, network: network.to_owned() }]
}

/// A policy on pod `a` of namespace x, in enforce mode.
fn on_xa(network: &str) -> Vec<Pol> {
    policy("x", "on-xa", "{matchLabels: {app: a}}", "enforce", network)
}

/// The policies as RampartPolicy documents.
fn rampart(policies: &[Pol]) -> String {
    policies
        .iter()
        .map(|p| {
            let network = p.network.replace("BLOCK(", "{cidr: ").replace(')', "}");
            let indented: String = network.lines().map(|l| format!("    {l}\n")).collect();
            format!(
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {}, namespace: {}}}\n\
                 spec:\n  podSelector: {}\n  mode: {}\n  network:\n{indented}---\n",
                p.name, p.namespace, p.selector, p.mode
            )
        })
        .collect()
}

/// The policies as NetworkPolicy objects: each direction written is listed in `policyTypes`.
fn network_policies(policies: &[Pol]) -> String {
    policies
        .iter()
        .map(|p| {
            let network = p.network.replace("BLOCK(", "{ipBlock: {cidr: ").replace(')', "}}");
            let types: Vec<&str> = [("ingress:", "Ingress"), ("egress:", "Egress")]
                .into_iter()
                .filter(|(key, _)| network.lines().any(|l| l.starts_with(key)))
                .map(|(_, t)| t)
                .collect();
            let indented: String = network.lines().map(|l| format!("  {l}\n")).collect();
            format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {}, namespace: {}}}\n\
                 spec:\n  podSelector: {}\n  policyTypes: [{}]\n{indented}---\n",
                p.name,
                p.namespace,
                p.selector,
                types.join(", ")
            )
        })
        .collect()
}

struct Case {
    name: &'static str,
    policies: Vec<Pol>,
    expect: fn(P, P, Port) -> bool,
}

fn cases() -> Vec<Case> {
    use Port::*;
    vec![
        Case { name: "no policy: everything is reachable", policies: Vec::new(), expect: |_, _, _| true },
        Case {
            name: "default deny ingress to x/a",
            policies: on_xa("ingress: []\n"),
            expect: |_, s, _| s != XA,
        },
        Case {
            name: "default deny egress from x/a",
            policies: on_xa("egress: []\n"),
            expect: |c, _, _| c != XA,
        },
        Case {
            name: "ingress from podSelector app=b: own namespace only",
            policies: on_xa("ingress:\n  - from: [{podSelector: {matchLabels: {app: b}}}]\n"),
            expect: |c, s, _| s != XA || c == XB,
        },
        Case {
            name: "ingress from namespaceSelector team=red",
            policies: on_xa(
                "ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: red}}}]\n",
            ),
            expect: |c, s, _| s != XA || c.ns == "x" || c.ns == "z",
        },
        Case {
            name: "ingress from namespaceSelector {}: every pod",
            policies: on_xa("ingress:\n  - from: [{namespaceSelector: {}}]\n"),
            expect: |_, _, _| true,
        },
        Case {
            name: "ingress from namespace team=blue AND pod app=b (one peer)",
            policies: on_xa(
                "ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: b}}}]\n",
            ),
            expect: |c, s, _| s != XA || c == YB,
        },
        Case {
            name: "ingress from namespace team=blue OR pod app=b (two peers)",
            policies: on_xa(
                "ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: b}}}]\n",
            ),
            expect: |c, s, _| s != XA || c.ns == "y" || c == XB,
        },
        Case {
            name: "ingress from namespaceSelector by kubernetes.io/metadata.name",
            policies: on_xa(
                "ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]\n",
            ),
            expect: |c, s, _| s != XA || c == ZC,
        },
        Case {
            name: "ingress from podSelector with NotIn, every namespace",
            policies: on_xa(
                "ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [b]}]}}]\n",
            ),
            expect: |c, s, _| s != XA || c.app != "b",
        },
        Case {
            name: "ingress on port 80 from anyone",
            policies: on_xa("ingress:\n  - ports: [{port: 80}]\n"),
            expect: |_, s, p| s != XA || p == Tcp80,
        },
        Case {
            name: "ingress on named port serve-81 (TCP)",
            policies: on_xa("ingress:\n  - ports: [{port: serve-81}]\n"),
            expect: |_, s, p| s != XA || p == Tcp81,
        },
        Case {
            name: "ingress on named port serve-81-udp (UDP)",
            policies: on_xa("ingress:\n  - ports: [{port: serve-81-udp, protocol: UDP}]\n"),
            expect: |_, s, p| s != XA || p == Udp81,
        },
        Case {
            name: "egress to app=b anywhere on named port serve-80, resolved per destination",
            policies: on_xa(
                "egress:\n  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: b}}}]\n    ports: [{port: serve-80}]\n",
            ),
            // x/b names 80 serve-80, y/b names 81 so.
            expect: |c, s, p| c != XA || (s == XB && p == Tcp80) || (s == YB && p == Tcp81),
        },
        Case {
            name: "egress on port 80 to 81 (endPort), TCP",
            policies: on_xa("egress:\n  - ports: [{port: 80, endPort: 81}]\n"),
            expect: |c, _, p| c != XA || p != Udp81,
        },
        Case {
            name: "egress to an ipBlock with except",
            policies: Vec::new(), // filled in with the pods' addresses
            expect: |c, s, _| c != XA || s != YA,
        },
        Case {
            name: "ingress from an ipBlock of one address",
            policies: Vec::new(), // filled in with the pods' addresses
            expect: |c, s, _| s != XA || c == XB,
        },
        Case {
            name: "default deny ingress for a whole namespace",
            policies: policy("y", "deny-in", "{}", "enforce", "ingress: []\n"),
            expect: |_, s, _| s.ns != "y",
        },
        Case {
            name: "default deny egress for a whole namespace",
            policies: policy("z", "deny-out", "{}", "enforce", "egress: []\n"),
            expect: |c, _, _| c.ns != "z",
        },
        Case {
            name: "union of two policies on one pod",
            policies: [
                on_xa("ingress:\n  - from: [{podSelector: {matchLabels: {app: b}}}]\n    ports: [{port: 80}]\n"),
                policy(
                    "x",
                    "second",
                    "{matchLabels: {app: a}}",
                    "enforce",
                    "ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: blue}}}]\n",
                ),
            ]
            .concat(),
            expect: |c, s, p| s != XA || (c == XB && p == Tcp80) || c.ns == "y",
        },
        Case {
            name: "egress and ingress together: x/a only to team blue, y/a only from x/a",
            policies: [
                on_xa("egress:\n  - to: [{namespaceSelector: {matchLabels: {team: blue}}}]\n"),
                policy(
                    "y",
                    "on-ya",
                    "{matchLabels: {app: a}}",
                    "enforce",
                    "ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: red}}, podSelector: {matchLabels: {app: a}}}]\n",
                ),
            ]
            .concat(),
            expect: |c, s, _| (c != XA || s.ns == "y") && (s != YA || c == XA),
        },
        Case {
            name: "UDP only: x/a may send UDP 81 to namespace y",
            policies: on_xa(
                "egress:\n  - to: [{namespaceSelector: {matchLabels: {team: blue}}}]\n    ports: [{port: 81, protocol: UDP}]\n",
            ),
            expect: |c, s, p| c != XA || (s.ns == "y" && p == Udp81),
        },
        Case {
            name: "audit mode reports and blocks nothing",
            policies: policy(
                "x",
                "audit-xa",
                "{matchLabels: {app: a}}",
                "audit",
                "ingress: []\negress: []\n",
            ),
            expect: |_, _, _| true,
        },
    ]
}

fn table(mismatches: &[(P, P, Port, bool, bool)]) -> String {
    let mut t = String::from("client -> server  port    expected  observed\n");
    for (c, s, p, expected, observed) in mismatches {
        let _ = writeln!(
            t,
            "{}/{} -> {}/{}   {:<7} {:<9} {}",
            c.ns,
            c.app,
            s.ns,
            s.app,
            format!("{p:?}"),
            if *expected { "reach" } else { "blocked" },
            if *observed { "reach" } else { "blocked" }
        );
    }
    t
}

/// Which kind of object a case's policies are written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    RampartPolicy,
    NetworkPolicy,
}

/// Run every case with its policies written as `kind`; the mismatches, as tables.
fn run_cases(cluster: &Cluster, kind: Kind) -> String {
    let ip = |p: P| cluster.pod(p).v4();
    let mut failures = String::new();
    let all = cases();
    assert!(all.len() >= 20);
    for mut case in all {
        if case.name == "egress to an ipBlock with except" {
            case.policies =
                on_xa(&format!("egress:\n  - to: [BLOCK(10.231.0.0/24, except: [{}/32])]\n", ip(YA)));
        }
        if case.name == "ingress from an ipBlock of one address" {
            case.policies = on_xa(&format!("ingress:\n  - from: [BLOCK({}/32)]\n", ip(XB)));
        }
        let dir = tempfile::tempdir().unwrap();
        let audit = case.policies.iter().any(|p| p.mode == "audit");
        let (text, flag) = match kind {
            Kind::RampartPolicy => (rampart(&case.policies), "off"),
            // A NetworkPolicy has no mode of its own: the agent's flag gives it.
            Kind::NetworkPolicy => {
                (network_policies(&case.policies), if audit { "audit" } else { "enforce" })
            }
        };
        std::fs::write(dir.path().join("case.yaml"), &text).unwrap();
        let agent = Agent::start(AgentOptions {
            policies: Some(dir.path().into()),
            pod_manifests: Some(cluster.manifests.path().into()),
            extra: vec!["--networkpolicy".into(), flag.into()],
            ..Default::default()
        });
        agent.wait_metric("rampart_pods", ALL.len() as f64);
        assert_eq!(
            agent.metric("rampart_policies"),
            Some(case.policies.len() as f64),
            "{kind:?} {}: policies in force; agent log:\n{}",
            case.name,
            agent.log()
        );
        let mismatches: Vec<_> = cluster
            .observe()
            .into_iter()
            .filter_map(|(c, s, p, observed)| {
                let expected = (case.expect)(c, s, p);
                (expected != observed).then_some((c, s, p, expected, observed))
            })
            .collect();
        if !mismatches.is_empty() {
            let _ = write!(failures, "\n{kind:?} case {:?}:\n{}", case.name, table(&mismatches));
        }
        assert!(agent.stop().success());
    }
    failures
}

#[test]
fn truth_table_of_pod_and_namespace_selectors() {
    if !require::root("truth_table_of_pod_and_namespace_selectors") {
        return;
    }
    let cluster = Cluster::new();
    let failures = run_cases(&cluster, Kind::RampartPolicy);
    assert!(failures.is_empty(), "observed matrix differs from the expected one:{failures}");
}

/// The same cases as NetworkPolicy objects give the same matrix.
#[test]
fn the_same_truth_table_from_networkpolicy_objects() {
    if !require::root("the_same_truth_table_from_networkpolicy_objects") {
        return;
    }
    let cluster = Cluster::new();
    let failures = run_cases(&cluster, Kind::NetworkPolicy);
    assert!(failures.is_empty(), "observed matrix differs from the expected one:{failures}");
}

/// A pod whose labels change while connections are tried: the change takes effect without a
/// restart, both ways.
#[test]
fn a_pod_relabelled_while_connections_are_tried() {
    if !require::root("a_pod_relabelled_while_connections_are_tried") {
        return;
    }
    let mut cluster = Cluster::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.yaml"),
        rampart(&on_xa("ingress:\n  - from: [{podSelector: {matchLabels: {app: b}}}]\n")),
    )
    .unwrap();
    let agent = Agent::start(AgentOptions {
        policies: Some(dir.path().into()),
        pod_manifests: Some(cluster.manifests.path().into()),
        ..Default::default()
    });
    agent.wait_metric("rampart_pods", ALL.len() as f64);
    assert!(cluster.probe(XB, XA, Port::Tcp80), "x/b is let in");
    // Flows name the pod at their other end.
    let e = agent.wait_event("x/a's ingress flow naming x/b", Duration::from_secs(10), |e| {
        e["pod"]["name"] == "x-a"
            && e["flow"]["direction"] == "ingress"
            && e["flow"]["remotePod"]["name"] == "x-b"
    });
    let remote = &e["flow"]["remotePod"];
    assert_eq!(remote["namespace"], "x", "{e}");
    assert_eq!(remote["labels"]["app"], "b", "{e}");
    assert_eq!(remote["namespaceLabels"]["team"], "red", "{e}");
    assert_eq!(e["verdict"]["policy"], "x/on-xa", "{e}");
    assert_eq!(e["verdict"]["action"], "allow", "{e}");

    let relabel = |cluster: &mut Cluster, app: &str| {
        let pod = &mut cluster.pods.iter_mut().find(|(q, _)| *q == XB).unwrap().1;
        pod.spec.labels.retain(|(k, _)| k != "app");
        pod.spec.labels.push(("app".into(), app.into()));
        pod.write_manifest(cluster.manifests.path());
    };
    for (app, reach) in [("q", false), ("b", true)] {
        relabel(&mut cluster, app);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let mut tries = 0;
        while cluster.probe(XB, XA, Port::Tcp80) != reach {
            tries += 1;
            assert!(
                std::time::Instant::now() < deadline,
                "x/b relabelled app={app}: still {} after {tries} tries; agent log:\n{}",
                if reach { "blocked" } else { "let in" },
                agent.log()
            );
        }
        if !reach {
            let e = agent.wait_event("the refusal naming the relabelled pod", Duration::from_secs(10), |e| {
                e["pod"]["name"] == "x-a"
                    && e["verdict"]["action"] == "deny"
                    && e["flow"]["remotePod"]["labels"]["app"] == "q"
            });
            assert_eq!(e["flow"]["remotePod"]["name"], "x-b", "{e}");
            assert_eq!(e["verdict"]["tier"], "cgroup", "{e}");
            assert_eq!(e["verdict"]["enforced"], true, "{e}");
        }
    }
    assert!(agent.stop().success());
}

/// An address in the cluster's pod range that is no pod the agent knows (a pod it has not
/// learned yet) is an unknown peer: without `--pod-cidr` it is just an address; with it,
/// `--network-unknown-peer deny` refuses it where only pod peers could allow it, and `allow`
/// lets it through; events say which setting decided.
#[test]
fn an_unknown_peer_in_the_pod_range_is_judged_by_the_setting() {
    if !require::root("an_unknown_peer_in_the_pod_range_is_judged_by_the_setting") {
        return;
    }
    ensure_bridge();
    let manifests = tempfile::tempdir().unwrap();
    let policies = tempfile::tempdir().unwrap();
    let pod = TestPod::create(PodSpec::new("x", "x-a").label("app", "a").with_netns());
    pod.write_manifest(manifests.path());
    let p = rampart_tests::net::port();
    std::fs::write(
        policies.path().join("p.yaml"),
        rampart(&on_xa(&format!(
            "egress:\n  - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: b}}}}}}]\n    ports: [{{port: {p}}}]\n"
        ))),
    )
    .unwrap();
    // The bridge's own address: inside the test range, and no pod's.
    let _server = rampart_tests::net::Server::tcp(rampart_tests::netns::BRIDGE_V4, p, 0, 100);
    let to = sockaddr(rampart_tests::netns::BRIDGE_V4, p);
    let t = trigger();
    for (extra, reach, rule) in [
        (vec![], false, "network.egress"),
        (vec!["--pod-cidr", "10.231.0.0/24"], false, "unknown-peer (fail-closed)"),
        (
            vec!["--pod-cidr", "10.231.0.0/24", "--network-unknown-peer", "allow"],
            true,
            "unknown-peer (fail-open)",
        ),
    ] {
        let agent = Agent::start(AgentOptions {
            policies: Some(policies.path().into()),
            pod_manifests: Some(manifests.path().into()),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        });
        agent.wait_metric("rampart_pods", 1.0);
        let out = pod.exec(&[&t, "tcp-connect", &to, "0", "1500"]);
        assert_eq!(out.status.success(), reach, "{extra:?}: {}", String::from_utf8_lossy(&out.stdout));
        let e = agent.wait_event("the connect's verdict", Duration::from_secs(10), |e| {
            e["pod"]["name"] == "x-a" && e["flow"]["remotePort"] == u64::from(p)
        });
        assert_eq!(e["verdict"]["rule"], rule, "{extra:?}: {e}");
        assert_eq!(e["verdict"]["action"], if reach { "allow" } else { "deny" }, "{e}");
        assert_eq!(e["verdict"]["policy"], "x/on-xa", "{e}");
        assert!(e["flow"]["remotePod"].is_null(), "no pod there: {e}");
        assert!(agent.stop().success());
    }
}
