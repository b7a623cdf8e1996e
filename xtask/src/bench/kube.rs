//! The API source at scale: agent RSS with the Pods of a node from the (stand-in) API server,
//! none and 10,000 of them (500 label sets in 50 namespaces, as replicas share labels), and
//! the slope per pod (goals: <= 48 MiB, <= 2 KiB per pod); and
//! the time from a policy change at the API to the kernel acting on it (reported), measured as
//! the time until a pod's `connect()` changes outcome.

use std::{
    thread::sleep,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use rampart_tests::{
    agent::{Agent, AgentOptions},
    apiserver::{
        ApiServer,
        fixtures::{self, PodParts},
    },
    net::{Server, outcome, port, sockaddr, trigger},
    pod::{PodSpec, TestPod},
};
use serde_json::json;

use super::Goal;

const NODE: &str = "test-node";

fn rss_kib(agent: &Agent) -> anyhow::Result<f64> {
    sleep(Duration::from_secs(2));
    let pid = agent.pid().context("agent running")?;
    super::procfs::rss_kib(pid)
}

fn agent(api: &ApiServer, dir: &std::path::Path) -> Agent {
    let kubeconfig = api.kubeconfig(dir);
    Agent::start(AgentOptions {
        node_name: Some(NODE.into()),
        extra: vec!["--kubeconfig".into(), kubeconfig.display().to_string()],
        ..Default::default()
    })
}

pub fn bench(rounds: usize, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> the API source: pods from the API server, policy changes to the kernel");
    let dir = tempfile::tempdir()?;
    let api = ApiServer::start();
    api.apply(fixtures::node(NODE));

    let empty = agent(&api, dir.path());
    let rss_empty = rss_kib(&empty)?;
    empty.stop();

    let n = if quick { 2_000 } else { 10_000 };
    println!("    serving {n} Pod objects on this node");
    // As replicas have them: 500 label sets (a ReplicaSet's pods share theirs), 50 namespaces.
    let sets = 500;
    for i in 0..n {
        let set = i % sets;
        let labels = vec![
            ("app".to_owned(), format!("app-{set}")),
            ("pod-template-hash".to_owned(), format!("{:x}", 0x7d4b_9c6f8_u64 + set as u64)),
            ("app.kubernetes.io/part-of".to_owned(), format!("team-{}", set % 50)),
        ];
        let namespace = format!("ns-{}", set % 50);
        let (uid, cid) =
            (rampart_tests::random_uuid(), format!("containerd://{}", rampart_tests::random_hex(64)));
        let name = format!("app-{set}-{i}");
        let ip = format!("10.{}.{}.{}", 64 + i / 65536, (i / 256) % 256, i % 256);
        let parts = PodParts {
            namespace: &namespace,
            name: &name,
            uid: &uid,
            labels: &labels,
            container: "main",
            container_id: &cid,
            ip: &ip,
        };
        api.apply(fixtures::pod_object(&parts, NODE));
    }
    let loaded = agent(&api, dir.path());
    loaded.wait_metric("rampart_pods", n as f64);
    let rss_loaded = rss_kib(&loaded)?;
    loaded.stop();
    let per_pod = (rss_loaded - rss_empty) * 1024.0 / n as f64;
    println!(
        "    RSS {rss_empty:.0} KiB with no pods, {rss_loaded:.0} KiB with {n} ({per_pod:.0} bytes per pod)"
    );

    // A policy flipped at the API between allowing and denying one port; each flip is timed
    // until the pod's connect() shows it.
    let pod = TestPod::create(PodSpec::new("bench", "flip"));
    api.apply(fixtures::pod(&pod, NODE));
    let (ok, flip) = (port(), port());
    let _servers = [Server::tcp("127.0.0.1", ok, 0, 100_000), Server::tcp("127.0.0.1", flip, 0, 100_000)];
    let policy = |ports: &[u16]| {
        let ports: Vec<_> = ports.iter().map(|p| json!({"port": p})).collect();
        fixtures::policy(
            "bench",
            "flip",
            json!({"podSelector": {"matchLabels": {"app": "flip"}}, "mode": "enforce",
                   "network": {"egress": [{"to": [{"cidr": "127.0.0.1/32"}], "ports": ports}]}}),
        )
    };
    api.apply(policy(&[ok, flip]));
    let running = agent(&api, dir.path());
    running.wait_metric("rampart_policies", 1.0);
    let t = trigger();
    let connect = || outcome(&pod.exec(&[t.as_str(), "tcp-connect", &sockaddr("127.0.0.1", flip)])).is_ok();
    let flips = if quick { 4 } else { 4 * rounds.max(3) };
    let mut times = Vec::new();
    for i in 0..flips {
        let allow = i % 2 == 1;
        let t0 = Instant::now();
        let ports: Vec<u16> = if allow { vec![ok, flip] } else { vec![ok] };
        api.apply(policy(&ports));
        while connect() != allow {
            anyhow::ensure!(
                t0.elapsed() < Duration::from_secs(30),
                "the policy change never reached the kernel"
            );
        }
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    running.stop();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "    policy change at the API to the kernel: median {median:.1} ms over {flips} changes ({times:.1?})"
    );

    Ok(vec![
        Goal::at_most(&format!("agent RSS with {n} pods from the API"), rss_loaded / 1024.0, "MiB", 48.0, ""),
        Goal::at_most(
            "agent RSS per pod from the API",
            per_pod / 1024.0,
            "KiB",
            2.0,
            format!("{n} pods, {sets} label sets, 50 namespaces"),
        ),
        Goal::reported(
            "policy change at the API to the kernel (median)",
            median,
            "ms",
            "includes one connect() per poll",
        ),
    ])
}
