//! Who may read: with `--readers kubernetes` a reader is a Kubernetes user, named by a bearer
//! token (checked with a TokenReview for the collector's audience) or by a client certificate,
//! and sees what a SubjectAccessReview grants it (`get` on `events.rampart.dev`), namespace by
//! namespace, in `observe`, `replay` and `what-if`. The API server is the stand-in (no
//! kube-apiserver can run here); it answers reviews in the real API server's shape.
// vm-test: host-only: reader authorization is the collector's and the API server's; nothing in it depends on the kernel.

use std::{collections::BTreeSet, path::Path, process::Output, time::Duration};

use rampart_proto::v1::verdict::Action;
use rampart_tests::{
    agent::agent_bin,
    apiserver::ApiServer,
    cli::{self, Observer},
    collector::{Collector, CollectorOptions},
    grpc::{self, IngestStream, event, runtime, tls_channel},
    pki::{Ca, Validity},
    wait_for,
};
use serde_json::Value;

const HOUR: Duration = Duration::from_secs(3600);
const BASE: i64 = 1_767_225_600_000_000_000;

/// A collector whose readers the stand-in API server reviews; `extra` adds flags (TLS).
fn kube_collector(api: &ApiServer, dir: &Path, extra: &[String]) -> Collector {
    let mut args: Vec<String> =
        ["--readers", "kubernetes", "--authz-cache-ttl", "60s", "--metrics-addr", "127.0.0.1:0"]
            .map(String::from)
            .to_vec();
    args.extend(["--kubeconfig".into(), api.kubeconfig(dir).display().to_string()]);
    args.extend_from_slice(extra);
    Collector::start(CollectorOptions { extra: args, ..Default::default() })
}

/// The agents' ServiceAccount may write (`create` on events.rampart.dev, as the chart grants
/// it); a projected token of it for a pod on `node`.
fn agent_token(api: &ApiServer, node: &str) -> String {
    api.grant("system:serviceaccount:rampart-system:rampart-agent", "create", None);
    api.issue_pod_token("rampart-system", "rampart-agent", node, "rampart")
}

/// Three exec events in `shop`, two in `bank` and one on the host (no pod), from node `n1`.
async fn seed(mut stream: IngestStream) -> IngestStream {
    let mut events: Vec<_> = (0..3).map(|i| event(BASE + i, "shop", "web-0", "web", Action::Allow)).collect();
    events.extend((3..5).map(|i| event(BASE + i, "bank", "teller-0", "teller", Action::Allow)));
    let mut host = event(BASE + 5, "", "", "", Action::Allow);
    host.pod = None;
    events.push(host);
    stream.send(1, events).await.expect("seeding");
    stream
}

/// `rampart --token TOKEN ARGS` (no token with `None`).
fn as_reader(url: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut all = Vec::new();
    if let Some(t) = token {
        all.extend(["--token", t]);
    }
    all.extend_from_slice(args);
    cli::rampart(url, &all)
}

/// The namespaces of the events a `-o json` run printed ("" for host events).
fn namespaces(out: &Output) -> BTreeSet<String> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|e| e["pod"]["namespace"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The run failed with this gRPC code, and says `needle`.
fn refused(out: &Output, code: &str, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(code) && err.contains(needle), "want {code} saying {needle:?}:\n{err}");
}

fn what_if_read(url: &str, token: &str, candidate: &Path) -> u64 {
    let out = as_reader(url, Some(token), &["policy", "what-if", candidate.to_str().unwrap(), "-o", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["eventsRead"].as_str().map_or(0, |n| n.parse().unwrap())
}

#[test]
fn a_reader_granted_one_namespace_sees_its_events_and_nothing_else() {
    let api = ApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let collector = kube_collector(&api, dir.path(), &[]);
    let url = collector.url();
    let rt = runtime();
    let agent = agent_token(&api, "n1");
    let mut stream = rt.block_on(async {
        seed(IngestStream::open_on(grpc::channel(&url).await, "n1", Some(&agent)).await.unwrap()).await
    });

    api.grant("alice", "get", Some("shop"));
    api.grant("group:security", "get", None);
    let alice = api.issue_token("alice", &[], "rampart", HOUR);
    let sec = api.issue_token("sam", &["security"], "rampart", HOUR);

    // replay: alice sees shop, and nothing of bank or the host; the security group sees all.
    let replay = ["replay", "-o", "json"];
    assert_eq!(namespaces(&as_reader(&url, Some(&alice), &replay)), BTreeSet::from(["shop".to_owned()]));
    let all = namespaces(&as_reader(&url, Some(&sec), &replay));
    assert_eq!(all, ["", "bank", "shop"].map(String::from).into(), "host events are cluster-wide");
    // Asking for a namespace it may not read is refused, naming only what it asked for.
    let bank = as_reader(&url, Some(&alice), &["replay", "-o", "json", "-n", "shop", "-n", "bank"]);
    refused(&bank, "PermissionDenied", "\"alice\" may not get events.rampart.dev in namespace \"bank\"");
    assert!(!String::from_utf8_lossy(&bank.stdout).contains("teller"), "nothing is sent before the refusal");

    // what-if judges only what the reader may read.
    let candidate = dir.path().join("candidate.yaml");
    std::fs::write(
        &candidate,
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web, namespace: shop}\n\
         spec:\n  podSelector: {}\n  mode: enforce\n  privilege: {escalation: deny}\n",
    )
    .unwrap();
    assert_eq!(what_if_read(&url, &alice, &candidate), 3);
    assert_eq!(what_if_read(&url, &sec, &candidate), 6);

    // observe: history and then live events, of shop only. The bank event is sent before the
    // shop one, so had it been delivered it would be there by the time the shop one is.
    let observer =
        Observer::start(&url, &["--token", &alice, "-o", "json", "--since", "2026-01-01T00:00:00Z"]);
    wait_for("alice's history", Duration::from_secs(10), || (observer.events().len() == 3).then_some(()));
    rt.block_on(async {
        stream.send(7, vec![event(BASE + 7, "bank", "teller-0", "teller", Action::Allow)]).await.unwrap();
        stream.send(8, vec![event(BASE + 8, "shop", "web-0", "web", Action::Allow)]).await.unwrap();
    });
    observer.wait_event("the live shop event", Duration::from_secs(10), |e| {
        e["exec"]["args"][0] == format!("t{}", BASE + 8)
    });
    let seen: BTreeSet<String> = observer
        .events()
        .iter()
        .map(|e| e["pod"]["namespace"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(seen, BTreeSet::from(["shop".to_owned()]), "{:?}", observer.lines());

    // Cluster-wide data needs the cluster-wide grant.
    refused(&as_reader(&url, Some(&alice), &["status"]), "PermissionDenied", "cluster-wide");
    assert!(as_reader(&url, Some(&sec), &["status"]).status.success());

    // No token, a token for another audience, an expired token, a token the API server never
    // issued: UNAUTHENTICATED, each saying why.
    refused(&as_reader(&url, None, &replay), "Unauthenticated", "reading needs credentials");
    let elsewhere = api.issue_token("alice", &[], "vault", HOUR);
    refused(
        &as_reader(&url, Some(&elsewhere), &replay),
        "Unauthenticated",
        "invalid for the target audiences",
    );
    let expired = api.issue_token("alice", &[], "rampart", Duration::ZERO);
    refused(&as_reader(&url, Some(&expired), &replay), "Unauthenticated", "token has expired");
    refused(&as_reader(&url, Some("made-up"), &replay), "Unauthenticated", "invalid bearer token");

    // Answers are cached: the same reads again ask the API server nothing.
    let asked = api.requests().iter().filter(|r| r.contains("review")).count();
    namespaces(&as_reader(&url, Some(&alice), &replay));
    refused(&as_reader(&url, Some(&alice), &["replay", "-n", "bank"]), "PermissionDenied", "bank");
    assert_eq!(api.requests().iter().filter(|r| r.contains("review")).count(), asked);

    // Every refusal is counted.
    let (_, metrics) = collector.http("/metrics");
    let count = |reason: &str| -> u64 {
        let prefix = format!("rampart_reads_refused_total{{reason=\"{reason}\"}} ");
        metrics.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap().parse().unwrap()
    };
    assert!(count("unauthenticated") >= 4 && count("forbidden") >= 3, "{metrics}");
}

#[test]
fn client_certificates_name_readers_and_an_expired_one_is_refused() {
    let api = ApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |name: &str| d.join(name).display().to_string();
    let ca = Ca::create(d, "");
    ca.issue(d, "server", "rampart-collector", None, &["127.0.0.1"], Validity::Now);
    ca.issue(d, "node", "system:node:n1", None, &[], Validity::Now);
    ca.issue(d, "carol", "carol", Some("auditors"), &[], Validity::Now);
    ca.issue(d, "carol-old", "carol", Some("auditors"), &[], Validity::Expired);
    let tls = ["--tls-cert", &p("server.pem"), "--tls-key", &p("server.key"), "--client-ca", &p("ca.pem")];
    let collector = kube_collector(&api, d, &tls.map(String::from));
    let url = format!("https://{}", collector.addr);
    runtime().block_on(async {
        let pem = |n: &str| std::fs::read(d.join(n)).unwrap();
        let channel =
            tls_channel(&url, &pem("ca.pem"), Some((&pem("node.pem"), &pem("node.key")))).await.unwrap();
        seed(IngestStream::open_on(channel, "n1", None).await.unwrap()).await
    });
    api.grant("group:auditors", "get", Some("bank"));
    api.grant("dave", "get", Some("shop"));

    let replay = |extra: &[&str]| {
        let mut args = vec!["--tls-ca".to_owned(), p("ca.pem")];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(["replay", "-o", "json"].map(String::from));
        cli::rampart(&url, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // A certificate's organization is its group: carol reads bank through the auditors' grant.
    let carol = replay(&["--tls-cert", &p("carol.pem"), "--tls-key", &p("carol.key")]);
    assert_eq!(namespaces(&carol), BTreeSet::from(["bank".to_owned()]));
    // Over mTLS, a reader may come with a token and no certificate.
    let dave = api.issue_token("dave", &[], "rampart", HOUR);
    assert_eq!(namespaces(&replay(&["--token", &dave])), BTreeSet::from(["shop".to_owned()]));
    // Neither: refused.
    refused(&replay(&[]), "Unauthenticated", "reading needs credentials");
    // An expired certificate from the same CA: UNAUTHENTICATED, saying when it expired (as
    // kube-apiserver answers 401), and nothing is read.
    let old = replay(&["--tls-cert", &p("carol-old.pem"), "--tls-key", &p("carol-old.key")]);
    refused(&old, "Unauthenticated", "the client certificate expired at 2020-12-31T00:00:00Z");
    assert!(old.stdout.is_empty(), "{}", String::from_utf8_lossy(&old.stdout));
    // A node's expired certificate is refused at its stream's Hello, before any batch.
    let stored = runtime().block_on(async {
        let pem = |n: &str| std::fs::read(d.join(n)).unwrap();
        ca.issue(d, "node-old", "system:node:n1", None, &[], Validity::Expired);
        let channel = tls_channel(&url, &pem("ca.pem"), Some((&pem("node-old.pem"), &pem("node-old.key"))))
            .await
            .unwrap();
        IngestStream::open_on(channel, "n1", None).await.map(|_| ())
    });
    let status = stored.expect_err("an expired node certificate may not write");
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status}");
    assert!(status.message().contains("expired"), "{status}");

    // Deleting needs its own grant (`delete`), per namespace.
    let delete = |who: &[&str], ns: &str| {
        let mut args = vec!["--tls-ca", &p("ca.pem")].into_iter().map(String::from).collect::<Vec<_>>();
        args.extend(who.iter().map(|s| s.to_string()));
        args.extend(["delete", "-n", ns, "--reason", "request 7"].map(String::from));
        cli::rampart(&url, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    api.grant("carol", "delete", Some("bank"));
    refused(&delete(&["--token", &dave], "bank"), "PermissionDenied", "\"dave\" may not delete");
    let carol_cert = ["--tls-cert", &p("carol.pem"), "--tls-key", &p("carol.key")];
    let done = delete(&carol_cert, "bank");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let mut after = vec!["--tls-ca", &p("ca.pem")].into_iter().map(String::from).collect::<Vec<_>>();
    after.extend(carol_cert.iter().map(|s| s.to_string()));
    after.extend(["replay", "-o", "json", "-n", "bank"].map(String::from));
    let after = cli::rampart(&url, &after.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(namespaces(&after).is_empty(), "bank's events are gone");
}

#[test]
fn an_agent_writes_only_for_the_node_its_service_account_token_names() {
    let api = ApiServer::start();
    let dir = tempfile::tempdir().unwrap();
    let collector = kube_collector(&api, dir.path(), &[]);
    let url = collector.url();
    let token_file = |name: &str, token: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{token}\n")).unwrap();
        path.display().to_string()
    };
    let n1 = token_file("n1", &agent_token(&api, "n1"));
    // The real agent's export path with its projected token: everything is stored.
    let export = |node: &str, token: &str, events: &str, drain: &str| {
        let out = std::process::Command::new(agent_bin())
            .args(["bench-export", "--events", events, "--node-name", node, "--collector", &url])
            .args(["--collector-token-file", token, "--drain", drain])
            .output()
            .unwrap();
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (summary, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (summary, stderr) = export("n1", &n1, "2000", "20s");
    assert_eq!(summary["stored"], 2000, "{summary} {stderr}");
    // Node n1's token writing as n2: refused at the Hello, nothing stored.
    let (summary, stderr) = export("n2", &n1, "10", "2s");
    assert_eq!(summary["stored"], 0, "{summary}");
    assert!(stderr.contains("the token is node \"n1\"'s; it may not write for node \"n2\""), "{stderr}");

    // Any pod can get a token naming its node; only the agents' ServiceAccount may write.
    let rt = runtime();
    let open = |token: Option<String>| {
        rt.block_on(async {
            IngestStream::open_on(grpc::channel(&url).await, "n1", token.as_deref()).await.map(|_| ())
        })
        .expect_err("refused")
    };
    let web = open(Some(api.issue_pod_token("shop", "web", "n1", "rampart")));
    assert_eq!(web.code(), tonic::Code::PermissionDenied, "{web}");
    assert!(web.message().contains("may not write events: it needs create on events.rampart.dev"), "{web}");
    // A user's token, even one granted to write, names no node.
    api.grant("ops", "create", None);
    let ops = open(Some(api.issue_token("ops", &[], "rampart", HOUR)));
    assert_eq!(ops.code(), tonic::Code::PermissionDenied, "{ops}");
    assert!(ops.message().contains("has no node claim"), "{ops}");
    // Nothing, or a token for another audience: UNAUTHENTICATED.
    let none = open(None);
    assert_eq!(none.code(), tonic::Code::Unauthenticated, "{none}");
    let vault = open(Some(api.issue_pod_token("rampart-system", "rampart-agent", "n1", "vault")));
    assert_eq!(vault.code(), tonic::Code::Unauthenticated, "{vault}");

    // Every refusal is counted; the store holds n1's events only.
    let (_, metrics) = collector.http("/metrics");
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("rampart_ingest_streams_refused_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(refused >= 5, "{metrics}");
    api.grant("sam", "get", None);
    let sam = api.issue_token("sam", &[], "rampart", HOUR);
    let status = as_reader(&url, Some(&sam), &["status", "-o", "json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let nodes: BTreeSet<&str> =
        status["agents"].as_array().unwrap().iter().map(|a| a["node"].as_str().unwrap()).collect();
    assert_eq!(nodes, BTreeSet::from(["n1"]), "{status}");
}
