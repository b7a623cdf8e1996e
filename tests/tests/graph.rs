//! `rampart graph` on real history: three pods in two namespaces on the test bridge and a
//! server outside them, connections allowed and refused at either end by the agent on the
//! host kernel, stored by the collector; the map drawn from the store names every pod, counts
//! a connection seen at both ends once, draws each refusal apart with the policy that refused
//! it, and redraws the same flows as a candidate policy would have judged them.
// vm-test: host-only: the map is the CLI's, from the collector's store; the verdicts it draws are tested on every VM kernel by network_egress.

use std::{fs, io::BufRead as _, process::Stdio, time::Duration};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    cli,
    collector::{Collector, CollectorOptions},
    net::{Server, port, sockaddr, trigger},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require, wait_for,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(20);

/// shop/db takes TCP 80 (named `http`) from `app=web` pods only; shop/web may reach db pods on
/// 80 and the outside server on `allowed` only.
fn policies(allowed: u16) -> String {
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: db, namespace: shop}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: db}}}}\n  mode: enforce\n  network:\n    ingress:\n\
         \x20     - from: [{{podSelector: {{matchLabels: {{app: web}}}}}}]\n        ports: [{{port: http}}]\n\
         ---\n\
         apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: web, namespace: shop}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: enforce\n  network:\n    egress:\n\
         \x20     - to: [{{podSelector: {{matchLabels: {{app: db}}}}}}]\n        ports: [{{port: 80}}]\n\
         \x20     - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{{port: {allowed}}}]\n"
    )
}

/// A TCP connect from `pod`: whether it got through.
fn connect(pod: &TestPod, addr: &str, port: u16) -> bool {
    pod.exec(&[&trigger(), "tcp-connect", &sockaddr(addr, port), "0", "1500"]).status.success()
}

/// The edges of `rampart graph -o json ARGS` as "from -> to outcome [policy] [was X]: ports" lines, sorted.
fn edges(collector: &Collector, args: &[&str]) -> Vec<String> {
    let mut argv = vec!["graph", "-o", "json", "--since", "10m"];
    argv.extend_from_slice(args);
    let out = cli::rampart(&collector.url(), &argv);
    assert!(out.status.success(), "rampart {argv:?}: {}", String::from_utf8_lossy(&out.stderr));
    let map: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut lines: Vec<String> = map["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let ports: Vec<String> = e["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| format!("{}/{}x{}", p["protocol"].as_str().unwrap(), p["port"], p["count"]))
                .collect();
            let mut line = format!(
                "{} -> {} {}",
                e["from"].as_str().unwrap(),
                e["to"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            );
            if let Some(p) = e["policy"].as_str() {
                line += &format!(" by {p}");
            }
            if let Some(w) = e["was"].as_str() {
                line += &format!(" (was {w})");
            }
            line + ": " + &ports.join(",")
        })
        .collect();
    lines.sort();
    lines
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn the_map_draws_stored_flows_and_what_a_candidate_would_do() {
    if !require::root("the_map_draws_stored_flows_and_what_a_candidate_would_do") {
        return;
    }
    ensure_bridge();
    let collector = Collector::start(CollectorOptions::default());
    let (policy_dir, manifests, candidates) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (allowed, refused) = (port(), port());
    let _outside = [Server::tcp(BRIDGE_V4, allowed, 0, 4), Server::tcp(BRIDGE_V4, refused, 0, 4)];
    fs::write(policy_dir.path().join("shop.yaml"), policies(allowed)).unwrap();
    let agent = Agent::start(AgentOptions {
        policies: Some(policy_dir.path().into()),
        pod_manifests: Some(manifests.path().into()),
        extra: vec!["--collector".into(), collector.url()],
        ..Default::default()
    });
    let web = TestPod::create(PodSpec::new("shop", "web-1").label("app", "web").with_netns());
    let db =
        TestPod::create(PodSpec::new("shop", "db-1").label("app", "db").port("http", 80, "TCP").with_netns());
    let tool = TestPod::create(PodSpec::new("ops", "tool-1").label("app", "tool").with_netns());
    for p in [&web, &db, &tool] {
        p.write_manifest(manifests.path());
    }
    let mut server = db
        .command(&[&trigger(), "serve-forever", &sockaddr(&db.v4(), 0), "80/tcp", "81/tcp"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the db server");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "listening");
    agent.wait_metric("rampart_pods", 3.0);

    // The workload, and what the pods saw.
    let got = [
        connect(&web, &db.v4(), 80),
        connect(&web, &db.v4(), 80),
        connect(&web, &db.v4(), 81),
        connect(&tool, &db.v4(), 80),
        connect(&web, BRIDGE_V4, allowed),
        connect(&web, BRIDGE_V4, refused),
    ];
    assert_eq!(
        got,
        [true, true, false, false, true, false],
        "web->db:80 x2, web->db:81, tool->db:80, web->out x2"
    );

    // The map of the stored flows, once all of them are stored.
    let out = format!("cidr:{BRIDGE_V4}/32");
    let expected = sorted(&[
        // Seen at web-1's egress and db-1's ingress: two connections, not four.
        "pod:shop/web-1 -> pod:shop/db-1 allowed: tcp/80x2".into(),
        "pod:shop/web-1 -> pod:shop/db-1 denied by shop/web: tcp/81x1".into(),
        // Refused at db-1's end (its SYN retried and refused again: one attempt); tool-1's
        // own end, which no policy selects, never saw it open.
        "pod:ops/tool-1 -> pod:shop/db-1 denied by shop/db: tcp/80x1".into(),
        format!("pod:shop/web-1 -> {out} allowed: tcp/{allowed}x1"),
        format!("pod:shop/web-1 -> {out} denied by shop/web: tcp/{refused}x1"),
    ]);
    let cidr = format!("{BRIDGE_V4}/32");
    // The flows reach the store within a second or two: the map is read until it is this one.
    let what = format!("the map of every stored flow:\n{}", expected.join("\n"));
    wait_for(&what, WAIT, || (edges(&collector, &["--cidr", &cidr]) == expected).then_some(()));

    // The filters choose the flows: db-1's own events only.
    assert_eq!(
        edges(&collector, &["--cidr", &cidr, "--pod", "db-1"]),
        [
            "pod:ops/tool-1 -> pod:shop/db-1 denied by shop/db: tcp/80x1",
            "pod:shop/web-1 -> pod:shop/db-1 allowed: tcp/80x2"
        ]
    );

    // A candidate for shop/db taking port http from every namespace, beside the shop/web in
    // force: only tool-1's refused connection changes.
    let loose = candidates.path().join("db.yaml");
    fs::write(
        &loose,
        policies(allowed)
            .split("---\n")
            .next()
            .unwrap()
            .replace("from: [{podSelector: {matchLabels: {app: web}}}]", "from: [{namespaceSelector: {}}]")
            // By number: a stored flow does not carry its own pod's port names.
            .replace("port: http", "port: 80"),
    )
    .unwrap();
    let with_candidate = edges(
        &collector,
        &[
            "--cidr",
            &cidr,
            "--candidate",
            loose.to_str().unwrap(),
            "--base",
            policy_dir.path().to_str().unwrap(),
        ],
    );
    let mut changed: Vec<String> = expected
        .iter()
        .filter(|e| !e.starts_with("pod:ops/tool-1 -> pod:shop/db-1 denied"))
        .cloned()
        .collect();
    changed.push("pod:ops/tool-1 -> pod:shop/db-1 allowed (was denied): tcp/80x1".into());
    assert_eq!(with_candidate, sorted(&changed));

    // DOT and SVG (laid out by Graphviz) carry the same map.
    let dot = cli::rampart(&collector.url(), &["graph", "--since", "10m", "--cidr", &cidr]);
    assert!(dot.status.success(), "{}", String::from_utf8_lossy(&dot.stderr));
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.contains("subgraph \"cluster_namespace_shop\""), "{dot}");
    assert!(
        dot.contains("\"pod:ops/tool-1\" -> \"pod:shop/db-1\" [label=\"tcp/80\\ndenied by shop/db\""),
        "{dot}"
    );
    let svg = cli::rampart(&collector.url(), &["graph", "--since", "10m", "--cidr", &cidr, "-o", "svg"]);
    assert!(svg.status.success(), "{}", String::from_utf8_lossy(&svg.stderr));
    let svg = String::from_utf8(svg.stdout).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("namespace shop") && svg.contains("denied by shop/db"),
        "{svg}"
    );
    assert!(svg.contains(&format!("tcp/{allowed}")), "{svg}");

    // Bad input: a candidate with a mistake names its place; --kind other than flow is refused.
    let bad = candidates.path().join("bad.yaml");
    fs::write(&bad, fs::read_to_string(&loose).unwrap().replace("mode: enforce", "mode: sometimes")).unwrap();
    let out = cli::rampart(&collector.url(), &["graph", "--candidate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("{}:6:", bad.display())) && text.contains("spec.mode"), "{text}");
    let out = cli::rampart(&collector.url(), &["graph", "--kind", "exec"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = server.kill();
    let _ = server.wait();
    assert!(agent.stop().success());
}
