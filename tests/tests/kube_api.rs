//! Pods and policies from the Kubernetes API: the agent's kube-rs client talks to the
//! stand-in API server (the one stand-in of the suite; see `rampart_tests::apiserver`) while
//! real processes run in real kubelet-layout cgroups. No manifest or policy directory is given.
// vm-test: host-only: the stand-in API server's TLS needs a CA the VM initramfs does not have; what the kernel does with the pods and policies it brings is covered on every kernel by the manifest-driven tests.

use std::time::Duration;

use rampart_tests::{
    agent::{Agent, AgentOptions},
    apiserver::{ApiServer, Collection, fixtures},
    net::{Server, outcome, port, sockaddr, trigger},
    pod::{PodSpec, TestPod},
    require, wait_for,
};
use serde_json::{Value, json};

const EPERM: i32 = 1;
const WAIT: Duration = Duration::from_secs(15);
/// How long a watcher may take to come back: kube-rs's backoff grows to 30 s (with jitter).
const RECOVER: Duration = Duration::from_secs(45);
const NODE: &str = "test-node";

/// A cluster of one node: the stand-in API server with this node's Node object.
struct Cluster {
    api: ApiServer,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn new() -> Cluster {
        let api = ApiServer::start();
        api.apply(fixtures::node(NODE));
        api.apply(fixtures::namespace("shop", &[("team", "shop")]));
        Cluster { api, dir: tempfile::tempdir().unwrap() }
    }

    fn options(&self) -> AgentOptions {
        let kubeconfig = self.api.kubeconfig(self.dir.path());
        AgentOptions {
            node_name: Some(NODE.into()),
            extra: vec!["--kubeconfig".into(), kubeconfig.display().to_string()],
            ..Default::default()
        }
    }

    fn agent(&self) -> Agent {
        Agent::start(self.options())
    }

    /// A pod on this node whose Pod object the API server has.
    fn pod(&self, spec: PodSpec) -> TestPod {
        let pod = TestPod::create(spec);
        self.api.apply(fixtures::pod(&pod, NODE));
        pod
    }
}

/// `spec` of a policy letting pods labelled `app: <app>` connect to 127.0.0.1 on `ports` only.
fn egress_only(app: &str, ports: &[u16]) -> Value {
    let ports: Vec<Value> = ports.iter().map(|p| json!({"port": p})).collect();
    json!({
        "podSelector": {"matchLabels": {"app": app}},
        "mode": "enforce",
        "network": {"egress": [{"to": [{"cidr": "127.0.0.1/32"}], "ports": ports}]}
    })
}

fn connect(pod: &TestPod, port: u16) -> Result<String, i32> {
    let t = trigger();
    outcome(&pod.exec(&[t.as_str(), "tcp-connect", &sockaddr("127.0.0.1", port)]))
}

fn servers(ports: &[u16]) -> Vec<Server> {
    ports.iter().map(|p| Server::tcp("127.0.0.1", *p, 0, 1000)).collect()
}

#[test]
fn pods_and_a_policy_from_the_api_are_enforced_edited_and_lifted() {
    if !require::root("pods_and_a_policy_from_the_api_are_enforced_edited_and_lifted") {
        return;
    }
    let c = Cluster::new();
    let (ok, no, later) = (port(), port(), port());
    c.api.apply(fixtures::policy("shop", "web-egress", egress_only("web", &[ok])));
    let web = c.pod(PodSpec::new("shop", "web"));
    let agent = c.agent();
    agent.wait_metric("rampart_pods", 1.0);
    agent.wait_metric("rampart_policies", 1.0);
    agent.wait_metric("rampart_namespaces", 1.0);
    let _s = servers(&[ok, no, later]);

    assert!(connect(&web, ok).is_ok(), "allowed port");
    assert_eq!(connect(&web, no), Err(EPERM), "denied port");
    let e = agent.wait_event("the deny, attributed from the API's Pod", WAIT, |e| {
        e["flow"]["remotePort"] == u64::from(no) && e["verdict"]["action"] == "deny"
    });
    assert_eq!(e["pod"]["name"], "web", "{e}");
    assert_eq!(e["pod"]["namespace"], "shop");
    assert_eq!(e["pod"]["namespaceLabels"]["team"], "shop", "the namespace's labels, for what-if: {e}");
    assert_eq!(e["pod"]["uid"], web.uid.as_str());
    assert_eq!(e["pod"]["attribution"], "exact");
    assert_eq!(e["verdict"]["policy"], "shop/web-egress");
    assert_eq!(e["verdict"]["enforced"], true);

    // The node's status object: its tiers and the policy's rules, owned by the Node.
    let status = wait_for("this node's RampartNode with the policy's rules", WAIT, || {
        let o = c.api.get(Collection::RampartNodes, "", NODE)?;
        let rules = o["status"]["rules"].as_array()?;
        rules.iter().any(|r| r["policy"] == "shop/web-egress").then_some(o)
    });
    let concerns = status["status"]["concerns"].as_array().expect("concerns");
    let network = concerns.iter().find(|c| c["concern"] == "network").expect("network concern");
    assert_eq!(network["tier"], "cgroup", "{status}");
    let rule =
        status["status"]["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "network.egress").cloned();
    let rule = rule.expect("the egress rule");
    assert_eq!(rule["tier"], "cgroup");
    assert_eq!(rule["degraded"], false);
    let node = c.api.get(Collection::Nodes, "", NODE).unwrap();
    let owner = &status["metadata"]["ownerReferences"][0];
    assert_eq!((owner["kind"].as_str(), &owner["uid"]), (Some("Node"), &node["metadata"]["uid"]), "{status}");
    assert_eq!(status["metadata"]["managedFields"][0]["manager"], format!("rampart-agent/{NODE}"));
    assert_eq!(status["metadata"]["managedFields"][0]["operation"], "Apply");
    // `rampart status --nodes` reads it.
    let kubeconfig = c.api.kubeconfig(c.dir.path());
    let out = std::process::Command::new(rampart_tests::bins::cli_bin())
        .args(["status", "--nodes", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let row =
        table.lines().find(|l| l.starts_with(NODE)).unwrap_or_else(|| panic!("no row for {NODE}:\n{table}"));
    assert!(row.contains(" cgroup "), "{table}");

    // Edited at the API: the denied port is allowed within seconds, with no restart.
    assert_eq!(connect(&web, later), Err(EPERM));
    c.api.apply(fixtures::policy("shop", "web-egress", egress_only("web", &[ok, no])));
    wait_for("the edited policy to let the port through", WAIT, || connect(&web, no).is_ok().then_some(()));
    assert_eq!(connect(&web, later), Err(EPERM), "still denied after the edit");

    // Deleted at the API: nothing restricts the pod any more.
    assert!(c.api.delete(Collection::RampartPolicies, "shop", "web-egress"));
    wait_for("the deleted policy to stop applying", WAIT, || connect(&web, later).is_ok().then_some(()));
    agent.wait_metric("rampart_policies", 0.0);
    assert!(agent.stop().success());
}

/// A NetworkPolicy object from the API is enforced with `--networkpolicy enforce`, and events
/// name it; without the flag the agent does not even watch them.
#[test]
fn a_networkpolicy_from_the_api_is_enforced_and_named() {
    if !require::root("a_networkpolicy_from_the_api_is_enforced_and_named") {
        return;
    }
    let c = Cluster::new();
    let (ok, no) = (port(), port());
    c.api.apply(fixtures::network_policy(
        "shop",
        "web-out",
        json!({
            "podSelector": {"matchLabels": {"app": "npweb"}},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "127.0.0.1/32"}}], "ports": [{"protocol": "TCP", "port": ok}]}]
        }),
    ));
    let web = c.pod(PodSpec::new("shop", "npweb"));
    let _s = servers(&[ok, no]);

    // Off (the default): not watched, not enforced.
    let off = c.agent();
    agent_ready_with_pod(&off);
    assert!(connect(&web, no).is_ok(), "NetworkPolicies are ignored without --networkpolicy");
    assert!(!c.api.requests().iter().any(|r| r.contains("networkpolicies")), "{:?}", c.api.requests());
    assert!(off.stop().success());

    let mut options = c.options();
    options.extra.extend(["--networkpolicy".into(), "enforce".into()]);
    let agent = Agent::start(options);
    agent_ready_with_pod(&agent);
    agent.wait_metric("rampart_policies", 1.0);
    assert!(connect(&web, ok).is_ok(), "allowed by the NetworkPolicy");
    assert_eq!(connect(&web, no), Err(EPERM), "anything else is denied");
    let e = agent.wait_event("the deny, naming the NetworkPolicy", WAIT, |e| {
        e["flow"]["remotePort"] == u64::from(no) && e["verdict"]["action"] == "deny"
    });
    assert_eq!(e["verdict"]["policy"], "shop/networkpolicy/web-out", "{e}");
    assert_eq!(e["verdict"]["enforced"], true);

    assert!(c.api.delete(Collection::NetworkPolicies, "shop", "web-out"));
    wait_for("the deleted NetworkPolicy to stop applying", WAIT, || connect(&web, no).is_ok().then_some(()));
    assert!(agent.stop().success());
}

fn agent_ready_with_pod(agent: &Agent) {
    agent.wait_metric("rampart_pods", 1.0);
    agent.wait_metric("rampart_namespaces", 1.0);
}

#[test]
fn an_invalid_policy_object_is_refused_by_name_and_field_and_keeps_the_version_in_force() {
    if !require::root("an_invalid_policy_object_is_refused_by_name_and_field_and_keeps_the_version_in_force")
    {
        return;
    }
    let c = Cluster::new();
    let (ok, no) = (port(), port());
    c.api.apply(fixtures::policy("shop", "web-egress", egress_only("web", &[ok])));
    let web = c.pod(PodSpec::new("shop", "web"));
    let agent = c.agent();
    agent.wait_metric("rampart_policies", 1.0);
    let _s = servers(&[ok, no]);
    let mut bad = egress_only("web", &[ok, no]);
    bad["network"]["egress"][0]["ports"][1]["port"] = json!(70000);
    c.api.apply(fixtures::policy("shop", "web-egress", bad));
    wait_for("the refusal in the log", WAIT, || {
        agent
            .log()
            .contains("RampartPolicy shop/web-egress: spec.network.egress[0].ports[1].port")
            .then_some(())
    });
    assert_eq!(agent.metric("rampart_policy_errors_total"), Some(1.0));
    assert_eq!(connect(&web, no), Err(EPERM), "the version in force still applies");
    assert!(connect(&web, ok).is_ok());
    assert!(agent.stop().success());
}

#[test]
fn a_label_change_at_the_api_moves_a_pod_into_and_out_of_a_policy() {
    if !require::root("a_label_change_at_the_api_moves_a_pod_into_and_out_of_a_policy") {
        return;
    }
    let c = Cluster::new();
    let (ok, no) = (port(), port());
    c.api.apply(fixtures::policy("shop", "db-egress", egress_only("db", &[ok])));
    let pod = c.pod(PodSpec::new("shop", "cache").label("app", "cache"));
    let agent = c.agent();
    agent.wait_metric("rampart_pods", 1.0);
    let _s = servers(&[ok, no]);
    assert!(connect(&pod, no).is_ok(), "not selected: unrestricted");

    let relabel = |app: &str| {
        let mut o = fixtures::pod(&pod, NODE);
        o["metadata"]["labels"]["app"] = json!(app);
        c.api.apply(o);
    };
    relabel("db");
    wait_for("the relabelled pod to be restricted", WAIT, || (connect(&pod, no) == Err(EPERM)).then_some(()));
    assert!(connect(&pod, ok).is_ok());
    relabel("cache");
    wait_for("the pod relabelled back to be free", WAIT, || connect(&pod, no).is_ok().then_some(()));
    assert!(agent.stop().success());
}

#[test]
fn watches_ended_by_the_server_and_410_gone_relist_without_losing_or_duplicating_pods() {
    if !require::root("watches_ended_by_the_server_and_410_gone_relist_without_losing_or_duplicating_pods") {
        return;
    }
    let c = Cluster::new();
    let a = c.pod(PodSpec::new("shop", "a"));
    let agent = c.agent();
    agent.wait_metric("rampart_pods", 1.0);

    // The server closes every watch (its own timeout, a restart): the agent watches again from
    // where it was, and sees what happens next.
    let seen = c.api.requests().len();
    c.api.end_watches();
    c.api.wait_request("GET /api/v1/pods?", seen, WAIT);
    let b = c.pod(PodSpec::new("shop", "b"));
    agent.wait_metric("rampart_pods", 2.0);

    // Down while pods change, and the history compacted meanwhile: the agent's next watch gets
    // 410 Gone, and it must relist to learn that `a` went away and `c` arrived.
    c.api.down();
    agent.wait_metric("rampart_kube_watch_healthy{resource=\"pods\"}", 0.0);
    assert!(c.api.delete(Collection::Pods, "shop", "a"));
    let cpod = c.pod(PodSpec::new("shop", "c"));
    c.api.compact();
    c.api.up();
    wait_for("the 410 and the relist in the log", RECOVER, || {
        agent.log().contains("watch expired (410 Gone); relisting").then_some(())
    });
    wait_for("the relist applied", RECOVER, || (pod_lists(&agent) >= 2).then_some(()));
    assert_eq!(agent.metric("rampart_kube_watch_healthy{resource=\"pods\"}"), Some(1.0));

    // Who is who now: `c` and `b` exact; `a`'s cgroup is no longer a known pod's.
    for (pod, name) in [(&cpod, "c"), (&b, "b")] {
        let e = exec_in(&agent, pod);
        assert_eq!(
            (e["pod"]["name"].as_str(), e["pod"]["attribution"].as_str()),
            (Some(name), Some("exact")),
            "{e}"
        );
    }
    assert_eq!(agent.metric("rampart_pods"), Some(2.0), "no pod twice");
    drop(a);
    assert!(agent.stop().success());
}

/// How many complete lists of pods the agent applied (the first, then each relist).
fn pod_lists(agent: &Agent) -> usize {
    agent
        .log()
        .lines()
        .filter(|l| l.contains("listed from the API server") && l.contains("\"resource\":\"pods\""))
        .count()
}

/// Wait (as long as a watcher's backoff may last) until `sample` is `value`.
fn wait_metric(agent: &Agent, sample: &str, value: f64) {
    wait_for(&format!("{sample} == {value}"), RECOVER, || {
        (agent.metric(sample) == Some(value)).then_some(())
    });
}

/// Run `/bin/true <marker>` in `pod` and wait for its exec event.
fn exec_in(agent: &Agent, pod: &TestPod) -> Value {
    let m = format!("rampart-test-{}", rampart_tests::random_hex(12));
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    agent.wait_event("the exec", WAIT, |e| {
        e["exec"]["binary"] != "/bin/sh"
            && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(m.as_str())))
    })
}

#[test]
fn a_pod_whose_object_arrives_after_its_first_process_is_attributed_late() {
    if !require::root("a_pod_whose_object_arrives_after_its_first_process_is_attributed_late") {
        return;
    }
    let c = Cluster::new();
    let mut opts = c.options();
    opts.attribution_hold = Some("30s".into());
    let agent = Agent::start(opts);
    let pod = TestPod::create(PodSpec::new("shop", "early"));
    let m = format!("rampart-test-{}", rampart_tests::random_hex(12));
    assert!(pod.exec(&["/bin/true", &m]).status.success());
    // Held until the Pod is known (other tests' pods may be held too).
    agent.wait_metric_at_least("rampart_held_events", 1.0);
    let held = |e: &Value| {
        // The shell that moves itself into the pod's cgroup execs first, on the host.
        e["exec"]["binary"] != "/bin/sh"
            && e["exec"]["args"].as_array().is_some_and(|a| a.iter().any(|x| x.as_str() == Some(m.as_str())))
    };
    assert!(!agent.events().iter().any(held), "the event went out before its pod was known");
    c.api.apply(fixtures::pod(&pod, NODE));
    let e = agent.wait_event("the held exec", WAIT, held);
    assert_eq!(e["pod"]["attribution"], "late", "{e}");
    assert_eq!(e["pod"]["name"], "early");
    assert!(agent.metric("rampart_attribution_total{result=\"late\"}").unwrap() >= 1.0);
    assert!(agent.stop().success());
}

#[test]
fn api_server_down_at_start_keeps_the_agent_unready_until_the_first_list() {
    if !require::root("api_server_down_at_start_keeps_the_agent_unready_until_the_first_list") {
        return;
    }
    let c = Cluster::new();
    c.pod(PodSpec::new("shop", "web"));
    c.api.down();
    let mut opts = c.options();
    opts.may_stay_unready = true;
    let agent = Agent::start(opts);
    let (code, body) = agent.get("/readyz");
    assert_eq!(code, 503, "{body}");
    assert!(
        body.contains(
            "waiting for the first list of pods, pods (all nodes), namespaces and rampartpolicies.rampart.dev from the API server"
        ),
        "{body}"
    );
    agent.wait_metric_at_least("rampart_kube_watch_errors_total{resource=\"pods\"}", 1.0);
    assert_eq!(agent.metric("rampart_kube_watch_healthy{resource=\"pods\"}"), Some(0.0));
    c.api.up();
    wait_for("ready once the API server answers", RECOVER, || (agent.get("/readyz").0 == 200).then_some(()));
    assert_eq!(agent.metric("rampart_pods"), Some(1.0));
    assert_eq!(agent.metric("rampart_kube_watch_healthy{resource=\"pods\"}"), Some(1.0));
    assert!(agent.stop().success());
}

#[test]
fn api_server_down_mid_run_keeps_enforcing_from_the_cache_and_says_so() {
    if !require::root("api_server_down_mid_run_keeps_enforcing_from_the_cache_and_says_so") {
        return;
    }
    let c = Cluster::new();
    let (ok, no) = (port(), port());
    c.api.apply(fixtures::policy("shop", "web-egress", egress_only("web", &[ok])));
    let web = c.pod(PodSpec::new("shop", "web"));
    let agent = c.agent();
    agent.wait_metric("rampart_policies", 1.0);
    let _s = servers(&[ok, no]);
    c.api.down();
    agent.wait_metric("rampart_kube_watch_healthy{resource=\"rampartpolicies.rampart.dev\"}", 0.0);
    assert_eq!(connect(&web, no), Err(EPERM), "enforcement goes on from the cache");
    assert!(connect(&web, ok).is_ok());
    wait_for("the cache age to grow", WAIT, || {
        (agent.metric("rampart_kube_cache_age_seconds{resource=\"pods\"}")? > 0.0).then_some(())
    });
    assert_eq!(agent.get("/readyz").0, 200, "an outage after the first list does not make the agent unready");
    c.api.up();
    wait_metric(&agent, "rampart_kube_watch_healthy{resource=\"pods\"}", 1.0);
    assert_eq!(agent.metric("rampart_kube_cache_age_seconds{resource=\"pods\"}"), Some(0.0));
    assert!(agent.stop().success());
}

#[test]
fn forbidden_by_rbac_names_the_verb_and_the_resource() {
    if !require::root("forbidden_by_rbac_names_the_verb_and_the_resource") {
        return;
    }
    let c = Cluster::new();
    c.api.forbid(Collection::Pods);
    let mut opts = c.options();
    opts.may_stay_unready = true;
    let agent = Agent::start(opts);
    wait_for("the refusal in the log", WAIT, || {
        agent.log().contains("the API server refused to list pods (403 Forbidden").then_some(())
    });
    assert!(agent.log().contains("needs get, list and watch on pods"));
    assert_eq!(agent.get("/readyz").0, 503);
    c.api.allow(Collection::Pods);
    wait_for("ready once allowed", RECOVER, || (agent.get("/readyz").0 == 200).then_some(()));
    assert!(agent.stop().success());
}
