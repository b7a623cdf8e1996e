//! What-if on real history: a pod's connections and a setuid exec go through the real agent and
//! collector under one policy; `rampart policy what-if` with a stricter candidate reports
//! exactly what the candidate, put in force, then denies (shown by running the same actions
//! again under it), and a looser candidate reports the denials it would lift. The same for a
//! runc container's root filesystem writes.
// vm-test: host-only: what-if runs in the collector and the CLI; the kernel verdicts it re-judges are tested on every VM kernel by network_egress and privilege.

use std::{
    collections::BTreeSet,
    fs,
    os::unix::{fs::PermissionsExt as _, process::ExitStatusExt as _},
    path::{Path, PathBuf},
    time::Duration,
};

use rampart_tests::{
    agent::{Agent, AgentOptions},
    apiserver::{ApiServer, fixtures},
    cli,
    collector::{Collector, CollectorOptions},
    container::{Container, ContainerSpec},
    net::{Server, outcome, port, sockaddr, trigger},
    netns::{BRIDGE_V4, ensure_bridge},
    pod::{PodSpec, TestPod},
    require, wait_for,
};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

/// The policy `shop/web` for pods labelled `app=web`: egress to the bridge on `ports` only,
/// and `escalation` (allow or deny).
fn policy(ports: &[u16], escalation: &str) -> String {
    let ports: Vec<String> = ports.iter().map(|p| format!("{{port: {p}}}")).collect();
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: web, namespace: shop}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: enforce\n  network:\n    egress:\n\
         \x20     - to: [{{cidr: {BRIDGE_V4}/32}}]\n        ports: [{}]\n  privilege: {{escalation: {escalation}}}\n",
        ports.join(", ")
    )
}

/// The `spec` of [`policy`], as the JSON the stand-in API server stores.
fn spec_json(ports: &[u16], escalation: &str) -> Value {
    let ports: Vec<Value> = ports.iter().map(|p| serde_json::json!({"port": p})).collect();
    serde_json::json!({
        "podSelector": {"matchLabels": {"app": "web"}},
        "mode": "enforce",
        "network": {"egress": [{"to": [{"cidr": format!("{BRIDGE_V4}/32")}], "ports": ports}]},
        "privilege": {"escalation": escalation}
    })
}

/// An agent with the policies and pod manifests of these directories, streaming to `collector`.
fn agent_to(collector: &Collector, policies: &Path, manifests: &Path) -> Agent {
    Agent::start(AgentOptions {
        policies: Some(policies.into()),
        pod_manifests: Some(manifests.into()),
        extra: vec!["--collector".into(), collector.url()],
        ..Default::default()
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// What one run of the workload saw: the ports whose connect was refused with EPERM (sorted); and
/// whether the setuid-root exec was stopped.
#[derive(Debug, PartialEq)]
struct Seen {
    refused_ports: Vec<u16>,
    escalation_stopped: bool,
}

/// The workload: a connect to each port, then a setuid-root binary run as uid 1000.
fn workload(pod: &TestPod, ports: &[u16], suid: &Path) -> Seen {
    let t = trigger();
    let mut refused_ports = Vec::new();
    for &p in ports {
        match outcome(&pod.exec(&[&t, "tcp-connect", &sockaddr(BRIDGE_V4, p)])) {
            Ok(_) => {}
            Err(1) => refused_ports.push(p),
            Err(e) => panic!("connect to {p}: errno {e}"),
        }
    }
    refused_ports.sort_unstable();
    let out = pod.exec(&[&t, "as-user", "1000", suid.to_str().unwrap(), "ids"]);
    let ran = String::from_utf8_lossy(&out.stdout).contains("ok uid=");
    assert!(ran || !out.status.success() || out.status.signal() == Some(9), "{out:?}");
    Seen { refused_ports, escalation_stopped: !ran }
}

fn what_if(collector: &Collector, pod: &str, candidate: &Path) -> Value {
    let out = cli::rampart(
        &collector.url(),
        &["policy", "what-if", candidate.to_str().unwrap(), "--pod", pod, "-o", "json", "--samples", "20"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The changes of a report as (from, to, kind, remote port or 0), sorted.
fn changes(report: &Value) -> Vec<(String, String, String, u64)> {
    let mut v = Vec::new();
    for c in report["changes"].as_array().into_iter().flatten() {
        for e in c["samples"].as_array().unwrap() {
            let kind = if e["flow"].is_object() { "flow" } else { "privilege" };
            v.push((
                c["from"].as_str().unwrap().to_string(),
                c["to"].as_str().unwrap().to_string(),
                kind.to_string(),
                e["flow"]["remotePort"].as_u64().unwrap_or(0),
            ));
        }
    }
    v.sort();
    v
}

#[test]
fn what_if_reports_exactly_what_the_candidate_denies_when_in_force() {
    if !require::root("what_if_reports_exactly_what_the_candidate_denies_when_in_force") {
        return;
    }
    ensure_bridge();
    let collector = Collector::start(CollectorOptions::default());
    let (policies, manifests, work) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fs::set_permissions(work.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let suid = work.path().join("suid-root");
    fs::copy(trigger(), &suid).unwrap();
    std::os::unix::fs::chown(&suid, Some(0), Some(0)).unwrap();
    fs::set_permissions(&suid, fs::Permissions::from_mode(0o4755)).unwrap();
    let (a, b, c) = (port(), port(), port());
    let _servers =
        [Server::tcp(BRIDGE_V4, a, 0, 4), Server::tcp(BRIDGE_V4, b, 0, 4), Server::tcp(BRIDGE_V4, c, 0, 4)];
    let ports = [a, b, c];

    // Run 1, under the policy in force: a and b allowed, c denied, escalation allowed.
    let in_force = write(policies.path(), "web.yaml", &policy(&[a, b], "allow"));
    let agent = |policies: &Path| agent_to(&collector, policies, manifests.path());
    let first = agent(policies.path());
    let pod1 = TestPod::create(PodSpec::new("shop", "web-1").label("app", "web").with_netns());
    pod1.write_manifest(manifests.path());
    first.wait_metric("rampart_pods", 1.0);
    let seen1 = workload(&pod1, &ports, &suid);
    assert_eq!(seen1, Seen { refused_ports: vec![c], escalation_stopped: false });
    // Stored: three connection opens and the escalation.
    wait_for("run 1's connections and escalation in the store", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--pod", "web-1"]);
        let opens = got.iter().filter(|e| e["flow"]["phase"] == "open").count();
        let escalations = got.iter().filter(|e| e["privilege"].is_object()).count();
        (opens >= 3 && escalations >= 1).then_some(())
    });
    assert!(first.stop().success());
    // The flow filters pick that one connection out of the pod's history.
    let c_flows = cli::events(
        &collector.url(),
        &[
            "replay",
            "-o",
            "json",
            "--pod",
            "web-1",
            "--port",
            &c.to_string(),
            "--protocol",
            "tcp",
            "--ip",
            BRIDGE_V4,
        ],
    );
    assert!(!c_flows.is_empty());
    assert!(c_flows.iter().all(|e| e["flow"]["remotePort"] == u64::from(c)), "{c_flows:#?}");

    // What-if, stricter: only a allowed, escalation denied.
    let candidates = tempfile::tempdir().unwrap();
    let strict = write(candidates.path(), "strict.yaml", &policy(&[a], "deny"));
    let report = what_if(&collector, "web-1", &strict);
    assert_eq!(
        changes(&report),
        vec![
            ("allow".into(), "deny".into(), "flow".into(), u64::from(b)),
            ("allow".into(), "deny".into(), "privilege".into(), 0),
        ],
        "{report:#}"
    );
    assert_eq!(report["changed"], "2", "{report:#}");
    assert_eq!(report["judged"], "4", "three connections at their opens and one escalation: {report:#}");
    let flow_change =
        report["changes"].as_array().unwrap().iter().find(|c| c["rule"] == "network.egress").unwrap();
    assert_eq!(flow_change["policy"], "shop/web");
    assert_eq!(flow_change["pods"][0]["name"], "shop/web-1");

    // Run 2, the same actions with the strict candidate in force: exactly those are denied.
    fs::copy(&strict, &in_force).unwrap();
    let second = agent(policies.path());
    let pod2 = TestPod::create(PodSpec::new("shop", "web-2").label("app", "web").with_netns());
    pod2.write_manifest(manifests.path());
    second.wait_metric("rampart_pods", 2.0);
    let seen2 = workload(&pod2, &ports, &suid);
    let predicted_ports: Vec<u16> = changes(&report)
        .iter()
        .filter(|(_, to, kind, _)| to == "deny" && kind == "flow")
        .map(|(.., p)| *p as u16)
        .chain(seen1.refused_ports.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        seen2,
        Seen {
            refused_ports: predicted_ports,
            escalation_stopped: changes(&report)
                .iter()
                .any(|(_, to, kind, _)| to == "deny" && kind == "privilege"),
        },
        "what-if predicted the run under the candidate"
    );
    assert!(second.stop().success());

    // What-if, looser: every port allowed lifts run 1's one denial.
    let loose = write(candidates.path(), "loose.yaml", &policy(&ports, "allow"));
    let report = what_if(&collector, "web-1", &loose);
    assert_eq!(
        changes(&report),
        vec![("deny".into(), "allow".into(), "flow".into(), u64::from(c))],
        "{report:#}"
    );
    let change = &report["changes"][0];
    assert_eq!(change["rule"], "network.egress[0]", "the allowing rule is named: {change}");

    // The policies in force from the cluster: a candidate of the same name replaces one, the
    // others are judged with the candidates.
    let api = ApiServer::start();
    api.apply(fixtures::policy("shop", "web", spec_json(&[a, b], "allow")));
    let kubeconfig = api.kubeconfig(candidates.path());
    let with_cluster = |candidate: &Path| -> Value {
        let out = cli::rampart(
            &collector.url(),
            &[
                "policy",
                "what-if",
                candidate.to_str().unwrap(),
                "--pod",
                "web-1",
                "-o",
                "json",
                "--samples",
                "20",
                "--base-cluster",
                "--kubeconfig",
                kubeconfig.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let replacing = with_cluster(&strict);
    assert_eq!(replacing["replaced"], serde_json::json!(["shop/web"]), "{replacing:#}");
    assert_eq!(changes(&replacing), changes(&what_if(&collector, "web-1", &strict)));
    // A new policy allowing port c beside the one in force lifts run 1's denial and nothing else;
    // alone, it would have denied a and b.
    let other = write(
        candidates.path(),
        "other.yaml",
        &policy(&[c], "allow")
            .replace("name: web,", "name: other,")
            .replace("  privilege: {escalation: allow}\n", ""),
    );
    let beside = with_cluster(&other);
    assert_eq!(beside["replaced"], serde_json::json!([]), "{beside:#}");
    assert_eq!(
        changes(&beside),
        vec![("deny".into(), "allow".into(), "flow".into(), u64::from(c))],
        "{beside:#}"
    );
    let alone = what_if(&collector, "web-1", &other);
    let mut expected: Vec<(String, String, String, u64)> = vec![
        ("allow".into(), "deny".into(), "flow".into(), u64::from(a)),
        ("allow".into(), "deny".into(), "flow".into(), u64::from(b)),
        ("deny".into(), "allow".into(), "flow".into(), u64::from(c)),
    ];
    expected.sort();
    assert_eq!(changes(&alone), expected, "{alone:#}");

    // The compact report leads with the summary a person reads first.
    let out =
        cli::rampart(&collector.url(), &["policy", "what-if", strict.to_str().unwrap(), "--pod", "web-1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("what-if: 2 would change of 4 activities judged (2 allow -> deny)"), "{text}");
    assert!(text.contains("shop/web-1 (1)"), "{text}");

    // A candidate with a mistake is refused with its file, line and field; nothing is judged.
    let bad = write(
        candidates.path(),
        "bad.yaml",
        &policy(&[a], "deny").replace("mode: enforce", "mode: sometimes"),
    );
    let out = cli::rampart(&collector.url(), &["policy", "what-if", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("{}:6:", bad.display())) && text.contains("spec.mode"), "{text}");
}

#[test]
fn a_suggested_policy_lets_the_workload_run_and_denies_what_it_never_did() {
    if !require::root("a_suggested_policy_lets_the_workload_run_and_denies_what_it_never_did") {
        return;
    }
    ensure_bridge();
    let collector = Collector::start(CollectorOptions::default());
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b, never) = (port(), port(), port());
    let _servers = [
        Server::tcp(BRIDGE_V4, a, 0, 4),
        Server::tcp(BRIDGE_V4, b, 0, 4),
        Server::tcp(BRIDGE_V4, never, 0, 4),
    ];
    // Learning: an audit policy watches the pods (nothing is blocked) while the workload runs.
    write(
        policies.path(),
        "watch.yaml",
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: watch, namespace: learn}\n\
         spec:\n  podSelector: {matchLabels: {app: api}}\n  mode: audit\n  network: {egress: [], ingress: []}\n\
         \x20 privilege: {escalation: deny}\n",
    );
    let agent = |policies: &Path| agent_to(&collector, policies, manifests.path());
    let first = agent(policies.path());
    let pod1 = TestPod::create(PodSpec::new("learn", "api-1").label("app", "api").with_netns());
    pod1.write_manifest(manifests.path());
    first.wait_metric("rampart_pods", 1.0);
    let t = trigger();
    let connect = |pod: &TestPod, p: u16| outcome(&pod.exec(&[&t, "tcp-connect", &sockaddr(BRIDGE_V4, p)]));
    for p in [a, b] {
        assert!(connect(&pod1, p).is_ok(), "audit blocks nothing");
    }
    wait_for("the workload's connections in the store", WAIT, || {
        let got = cli::events(&collector.url(), &["replay", "-o", "json", "--pod", "api-1"]);
        (got.iter().filter(|e| e["flow"]["phase"] == "open" && e["verdict"]["action"] == "audit").count()
            >= 2)
            .then_some(())
    });
    assert!(first.stop().success());

    let out = cli::rampart(
        &collector.url(),
        &[
            "policy",
            "suggest",
            "--namespace",
            "learn",
            "--label",
            "app=api",
            "--name",
            "api",
            "--mode",
            "enforce",
        ],
    );
    let yaml = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{report}");
    assert!(yaml.contains(&format!("{{cidr: \"{BRIDGE_V4}/32\"}}")), "{yaml}");
    assert!(yaml.contains("privilege: {escalation: deny}"), "{yaml}");
    // Its what-if over the same window: every change is towards allow, none to deny.
    assert!(
        report.starts_with("what-if: 2 would change of 2 activities judged (2 audit -> allow)"),
        "{report}\n{yaml}"
    );

    // In force: the same workload runs without a single deny; what it never did is denied.
    fs::remove_file(policies.path().join("watch.yaml")).unwrap();
    write(policies.path(), "api.yaml", &yaml);
    let second = agent(policies.path());
    let pod2 = TestPod::create(PodSpec::new("learn", "api-2").label("app", "api").with_netns());
    pod2.write_manifest(manifests.path());
    second.wait_metric("rampart_pods", 2.0);
    for p in [a, b] {
        assert!(connect(&pod2, p).is_ok(), "the learned workload runs: port {p}\n{yaml}");
    }
    assert_eq!(connect(&pod2, never), Err(1), "a port the workload never used is denied\n{yaml}");
    let e = second.wait_event("the deny of the unused port", WAIT, |e| {
        e["pod"]["name"] == "api-2" && e["flow"]["remotePort"] == u64::from(never)
    });
    assert_eq!(e["verdict"]["policy"], "learn/api", "{e}");
    let denies: Vec<Value> = second
        .events()
        .into_iter()
        .filter(|e| e["pod"]["name"] == "api-2" && e["verdict"]["action"] == "deny")
        .collect();
    assert_eq!(denies.len(), 1, "only the unused port: {denies:#?}");
    assert!(second.stop().success());
}

/// A runc container's writes outside and inside `/var/lib`, with each shell's exit status.
const WRITES: &str = "sh -c 'echo a > /etc/wi-a'; echo etc=$?; sh -c 'mkdir -p /var/lib/wi && echo b > /var/lib/wi/b'; \
     echo varlib=$?; sh -c ': rampart-marker'";

fn rootfs_policy(mode: &str, allow: &str) -> String {
    format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: fs, namespace: wi}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: {mode}\n  \
         filesystem: {{rootfs: readOnly, allowWrite: [{allow}]}}\n"
    )
}

/// Runs [`WRITES`] in a new container of pod `wi/<name>` under an agent with `policy` in force;
/// the container's output, once the agent has seen its last exec.
fn run_writes(collector: &Collector, policy: &str, name: &str) -> String {
    let (policies, manifests) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(policies.path(), "fs.yaml", policy);
    let agent = agent_to(collector, policies.path(), manifests.path());
    let mut c = Container::create(PodSpec::new("wi", name).label("app", "web"), ContainerSpec::new(WRITES));
    c.pod.write_manifest(manifests.path());
    agent.wait_metric("rampart_pods", 1.0);
    agent.wait_metric("rampart_mount_tables", 1.0);
    let out = c.run(Duration::from_secs(30));
    agent.wait_event("the marker exec", WAIT, |e| {
        e["pod"]["name"] == name
            && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x == ": rampart-marker"))
    });
    assert!(agent.stop().success());
    out
}

#[test]
fn what_if_judges_root_filesystem_writes_of_a_container_as_the_candidate_then_does() {
    if !require::root("what_if_judges_root_filesystem_writes_of_a_container_as_the_candidate_then_does") {
        return;
    }
    let collector = Collector::start(CollectorOptions::default());
    // Run 1 under an audit policy: every write outside /tmp is reported, none stopped.
    let out = run_writes(&collector, &rootfs_policy("audit", "/tmp"), "web-1");
    assert!(out.contains("etc=0") && out.contains("varlib=0"), "audit stops nothing: {out}");
    let stored = wait_for("run 1's writes in the store", WAIT, || {
        let got =
            cli::events(&collector.url(), &["replay", "-o", "json", "--pod", "web-1", "--kind", "file"]);
        let paths: BTreeSet<String> =
            got.iter().filter_map(|e| e["file"]["path"].as_str().map(String::from)).collect();
        (paths.contains("/etc/wi-a") && paths.contains("/var/lib/wi/b")).then_some(got)
    });
    assert!(stored.iter().all(|e| e["verdict"]["action"] == "audit"), "{stored:#?}");

    // The candidate enforces, allowing /var/lib.
    let candidates = tempfile::tempdir().unwrap();
    let candidate = write(candidates.path(), "fs.yaml", &rootfs_policy("enforce", "/var/lib"));
    let report = what_if(&collector, "web-1", &candidate);
    let by_path = |to: &str| -> BTreeSet<String> {
        report["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["to"] == to)
            .flat_map(|c| c["samples"].as_array().unwrap().iter())
            .filter_map(|e| e["file"]["path"].as_str().map(String::from))
            .collect()
    };
    assert_eq!(by_path("deny"), BTreeSet::from(["/etc/wi-a".to_string()]), "{report:#}");
    assert!(by_path("allow").iter().all(|p| p.starts_with("/var/lib/")), "{report:#}");
    assert!(!by_path("allow").is_empty(), "{report:#}");

    // Run 2 with the candidate in force: exactly the predicted write is stopped.
    let out = run_writes(&collector, &rootfs_policy("enforce", "/var/lib"), "web-2");
    assert!(!out.contains("etc=0"), "the write to /etc is stopped: {out}");
    assert!(out.contains("varlib=0"), "the write under /var/lib goes ahead: {out}");
}
