//! Rules between groups of pods, as a truth table in the style of Kubernetes' network-policy
//! e2e suite: five pods in three namespaces, each in its own network namespace on the test
//! bridge (10.231.0.0/24, all traffic local) and serving TCP 80, TCP 81 and UDP 81. For each
//! case the agent starts with the case's policies, every (client, server, port) pair is probed,
//! and the observed matrix is compared with the expected one, written out by hand from
//! NetworkPolicy's semantics; mismatches are printed as a table.
//!
//! Pod `y/b` names its port 81 `serve-80`: a port name is resolved in the pod at its end.

use std::{fmt::Write as _, path::Path, time::Duration};

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

    fn agent(&self, policies: &Path) -> Agent {
        let agent = Agent::start(AgentOptions {
            policies: Some(policies.into()),
            pod_manifests: Some(self.manifests.path().into()),
            ..Default::default()
        });
        agent.wait_metric("rampart_pods", ALL.len() as f64);
        agent
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

fn policy(namespace: &str, name: &str, selector: &str, mode: &str, network: &str) -> String {
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         spec:\n  podSelector: {selector}\n  mode: {mode}\n  network:\n{network}---\n"
    )
}

/// Policies on pod `a` of namespace x, in enforce mode.
fn on_xa(network: &str) -> String {
    policy("x", "on-xa", "{matchLabels: {app: a}}", "enforce", network)
}

struct Case {
    name: &'static str,
    policies: String,
    expect: fn(P, P, Port) -> bool,
}

fn cases() -> Vec<Case> {
    use Port::*;
    vec![
        Case { name: "no policy: everything is reachable", policies: String::new(), expect: |_, _, _| true },
        Case {
            name: "default deny ingress to x/a",
            policies: on_xa("    ingress: []\n"),
            expect: |_, s, _| s != XA,
        },
        Case {
            name: "default deny egress from x/a",
            policies: on_xa("    egress: []\n"),
            expect: |c, _, _| c != XA,
        },
        Case {
            name: "ingress from podSelector app=b: own namespace only",
            policies: on_xa("    ingress:\n      - from: [{podSelector: {matchLabels: {app: b}}}]\n"),
            expect: |c, s, _| s != XA || c == XB,
        },
        Case {
            name: "ingress from namespaceSelector team=red",
            policies: on_xa(
                "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {team: red}}}]\n",
            ),
            expect: |c, s, _| s != XA || c.ns == "x" || c.ns == "z",
        },
        Case {
            name: "ingress from namespaceSelector {}: every pod",
            policies: on_xa("    ingress:\n      - from: [{namespaceSelector: {}}]\n"),
            expect: |_, _, _| true,
        },
        Case {
            name: "ingress from namespace team=blue AND pod app=b (one peer)",
            policies: on_xa(
                "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: b}}}]\n",
            ),
            expect: |c, s, _| s != XA || c == YB,
        },
        Case {
            name: "ingress from namespace team=blue OR pod app=b (two peers)",
            policies: on_xa(
                "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: b}}}]\n",
            ),
            expect: |c, s, _| s != XA || c.ns == "y" || c == XB,
        },
        Case {
            name: "ingress from namespaceSelector by kubernetes.io/metadata.name",
            policies: on_xa(
                "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]\n",
            ),
            expect: |c, s, _| s != XA || c == ZC,
        },
        Case {
            name: "ingress from podSelector with NotIn, every namespace",
            policies: on_xa(
                "    ingress:\n      - from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [b]}]}}]\n",
            ),
            expect: |c, s, _| s != XA || c.app != "b",
        },
        Case {
            name: "ingress on port 80 from anyone",
            policies: on_xa("    ingress:\n      - ports: [{port: 80}]\n"),
            expect: |_, s, p| s != XA || p == Tcp80,
        },
        Case {
            name: "ingress on named port serve-81 (TCP)",
            policies: on_xa("    ingress:\n      - ports: [{port: serve-81}]\n"),
            expect: |_, s, p| s != XA || p == Tcp81,
        },
        Case {
            name: "ingress on named port serve-81-udp (UDP)",
            policies: on_xa("    ingress:\n      - ports: [{port: serve-81-udp, protocol: UDP}]\n"),
            expect: |_, s, p| s != XA || p == Udp81,
        },
        Case {
            name: "egress to app=b anywhere on named port serve-80, resolved per destination",
            policies: on_xa(
                "    egress:\n      - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: b}}}]\n        ports: [{port: serve-80}]\n",
            ),
            // x/b names 80 serve-80, y/b names 81 so.
            expect: |c, s, p| c != XA || (s == XB && p == Tcp80) || (s == YB && p == Tcp81),
        },
        Case {
            name: "egress on port 80 to 81 (endPort), TCP",
            policies: on_xa("    egress:\n      - ports: [{port: 80, endPort: 81}]\n"),
            expect: |c, _, p| c != XA || p != Udp81,
        },
        Case {
            name: "egress to an ipBlock with except",
            policies: String::new(), // filled in with the pods' addresses
            expect: |c, s, _| c != XA || s != YA,
        },
        Case {
            name: "ingress from an ipBlock of one address",
            policies: String::new(), // filled in with the pods' addresses
            expect: |c, s, _| s != XA || c == XB,
        },
        Case {
            name: "default deny ingress for a whole namespace",
            policies: policy("y", "deny-in", "{}", "enforce", "    ingress: []\n"),
            expect: |_, s, _| s.ns != "y",
        },
        Case {
            name: "default deny egress for a whole namespace",
            policies: policy("z", "deny-out", "{}", "enforce", "    egress: []\n"),
            expect: |c, _, _| c.ns != "z",
        },
        Case {
            name: "union of two policies on one pod",
            policies: on_xa(
                "    ingress:\n      - from: [{podSelector: {matchLabels: {app: b}}}]\n        ports: [{port: 80}]\n",
            ) + &policy(
                "x",
                "second",
                "{matchLabels: {app: a}}",
                "enforce",
                "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {team: blue}}}]\n",
            ),
            expect: |c, s, p| s != XA || (c == XB && p == Tcp80) || c.ns == "y",
        },
        Case {
            name: "egress and ingress together: x/a only to team blue, y/a only from x/a",
            policies: on_xa("    egress:\n      - to: [{namespaceSelector: {matchLabels: {team: blue}}}]\n")
                + &policy(
                    "y",
                    "on-ya",
                    "{matchLabels: {app: a}}",
                    "enforce",
                    "    ingress:\n      - from: [{namespaceSelector: {matchLabels: {team: red}}, podSelector: {matchLabels: {app: a}}}]\n",
                ),
            expect: |c, s, _| (c != XA || s.ns == "y") && (s != YA || c == XA),
        },
        Case {
            name: "UDP only: x/a may send UDP 81 to namespace y",
            policies: on_xa(
                "    egress:\n      - to: [{namespaceSelector: {matchLabels: {team: blue}}}]\n        ports: [{port: 81, protocol: UDP}]\n",
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
                "    ingress: []\n    egress: []\n",
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

#[test]
fn truth_table_of_pod_and_namespace_selectors() {
    if !require::root("truth_table_of_pod_and_namespace_selectors") {
        return;
    }
    let cluster = Cluster::new();
    let ip = |p: P| cluster.pod(p).v4();
    let mut failures = String::new();
    let all = cases();
    assert!(all.len() >= 20);
    for mut case in all {
        if case.name == "egress to an ipBlock with except" {
            case.policies = on_xa(&format!(
                "    egress:\n      - to: [{{cidr: 10.231.0.0/24, except: [{}/32]}}]\n",
                ip(YA)
            ));
        }
        if case.name == "ingress from an ipBlock of one address" {
            case.policies = on_xa(&format!("    ingress:\n      - from: [{{cidr: {}/32}}]\n", ip(XB)));
        }
        let dir = tempfile::tempdir().unwrap();
        if !case.policies.is_empty() {
            std::fs::write(dir.path().join("case.yaml"), &case.policies).unwrap();
        }
        let agent = cluster.agent(dir.path());
        let expected_policies = case.policies.matches("kind: RampartPolicy").count() as f64;
        assert_eq!(
            agent.metric("rampart_policies"),
            Some(expected_policies),
            "{}: policies in force",
            case.name
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
            let _ = write!(failures, "\ncase {:?}:\n{}", case.name, table(&mismatches));
        }
        assert!(agent.stop().success());
    }
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
        on_xa("    ingress:\n      - from: [{podSelector: {matchLabels: {app: b}}}]\n"),
    )
    .unwrap();
    let agent = cluster.agent(dir.path());
    assert!(cluster.probe(XB, XA, Port::Tcp80), "x/b is let in");

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
    }
    assert!(agent.stop().success());
}
