//! mTLS: a collector that requires client certificates takes the agent's stream and the CLI's
//! queries when they present one signed by its CA, and refuses clients without one, with one
//! from another CA, and in plaintext. An agent writes only for the node its certificate names;
//! only a certificate `--deleter` names may delete stored events.
// vm-test: host-only: mTLS between the collector and its clients; nothing in it depends on the kernel.

use std::{path::Path, process::Command};

use rampart_tests::{
    agent::agent_bin,
    cli,
    collector::{Collector, CollectorOptions},
    pki::{Ca, Validity},
};

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// A CA and, signed by it, a server certificate for 127.0.0.1, a reader's client certificate
/// and a node's (common name `system:node:tls-node`, as the kubelet's); written as
/// `<prefix>ca.pem`, `server.pem`/`.key`, `client.pem`/`.key`, `node.pem`/`.key`, and a
/// deleter's, `admin.pem`/`.key` (common name `rampart-admin`).
fn pki(dir: &Path, prefix: &str) {
    let ca = Ca::create(dir, prefix);
    for (name, cn, sans) in [
        ("server", format!("{prefix}server"), &["127.0.0.1", "localhost"][..]),
        ("client", format!("{prefix}client"), &[][..]),
        ("node", "system:node:tls-node".to_string(), &[][..]),
        ("admin", "rampart-admin".to_string(), &[][..]),
    ] {
        ca.issue(dir, &format!("{prefix}{name}"), &cn, None, sans, Validity::Now);
    }
}

/// A collector serving the PKI's server certificate and requiring client certificates from its CA.
fn mtls_collector(pki: &Pki, extra: &[&str]) -> Collector {
    let mut args = vec![
        "--tls-cert".into(),
        pki.path("server.pem"),
        "--tls-key".into(),
        pki.path("server.key"),
        "--client-ca".into(),
        pki.path("ca.pem"),
        "--readers".into(),
        "certificate".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Collector::start(CollectorOptions { extra: args, ..Default::default() })
}

#[test]
fn mtls_admits_clients_with_a_certificate_from_its_ca_and_refuses_the_rest() {
    let pki_dir = Pki { dir: tempfile::tempdir().unwrap() };
    pki(pki_dir.dir.path(), "");
    pki(pki_dir.dir.path(), "other-");
    let p = |n: &str| pki_dir.path(n);
    let collector = mtls_collector(&pki_dir, &[]);
    assert!(collector.log().contains("\"tls\":\"mtls\""), "{}", collector.log());
    let url = format!("https://{}", collector.addr);

    // The agent's export path with its node's certificate: everything is stored.
    let export = |node: &str, cert: &str, events: &str, drain: &str| {
        let out = Command::new(agent_bin())
            .args(["bench-export", "--events", events, "--node-name", node, "--collector", &url])
            .args(["--tls-ca", &p("ca.pem"), "--tls-cert", &p(&format!("{cert}.pem"))])
            .args(["--tls-key", &p(&format!("{cert}.key")), "--drain", drain])
            .output()
            .unwrap();
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (summary, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (summary, _) = export("tls-node", "node", "2000", "20s");
    assert_eq!(summary["stored"], 2000, "{summary}");
    // Writing for another node than the certificate's, or with a reader's certificate: the
    // stream is refused at its Hello, the agent says why, and nothing is stored.
    let (summary, stderr) = export("other-node", "node", "10", "2s");
    assert_eq!(summary["stored"], 0, "{summary}");
    assert!(stderr.contains("PermissionDenied"), "{stderr}");
    assert!(stderr.contains("is node") && stderr.contains("it may not write for node"), "{stderr}");
    let (summary, stderr) = export("tls-node", "client", "10", "2s");
    assert_eq!(summary["stored"], 0, "{summary}");
    assert!(stderr.contains("names no node"), "{stderr}");

    let with = |extra: &[&str]| {
        let mut args = vec!["--tls-ca", &p("ca.pem")].into_iter().map(String::from).collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(["status", "-o", "json"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli::rampart(&url, &args)
    };
    // The CLI with a client certificate sees the agent, and the refused writers.
    let ok = with(&["--tls-cert", &p("client.pem"), "--tls-key", &p("client.key")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let status: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    let nodes: Vec<&str> =
        status["agents"].as_array().unwrap().iter().map(|a| a["node"].as_str().unwrap()).collect();
    assert_eq!(nodes, ["tls-node"], "{status}");
    let refused: u64 = status["ingest"]["streamsRefused"].as_str().unwrap().parse().unwrap();
    assert!(refused >= 2, "{status}");
    let text = cli::rampart(
        &url,
        &["--tls-ca", &p("ca.pem"), "--tls-cert", &p("client.pem"), "--tls-key", &p("client.key"), "status"],
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("REFUSED WRITERS:"), "{text:?}");

    // `host:port` with a CA is https; the name verified can be set apart from the address.
    let client = ["--tls-ca", &p("ca.pem"), "--tls-cert", &p("client.pem"), "--tls-key", &p("client.key")];
    let bare = collector.addr.to_string();
    let named = |name: &str| {
        let mut args = client.to_vec();
        args.extend(["--tls-server-name", name, "status", "-o", "json"]);
        cli::rampart(&bare, &args)
    };
    let ok = named("localhost");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let wrong = named("collector.elsewhere.test");
    assert_eq!(wrong.status.code(), Some(1), "a name the certificate does not carry: {wrong:?}");
    // A host that does not resolve is said as such, not blamed on a missing client certificate.
    let nowhere = cli::rampart("no-such-host.invalid:50051", &["--tls-ca", &p("ca.pem"), "status"]);
    assert_eq!(nowhere.status.code(), Some(1), "{nowhere:?}");
    let err = String::from_utf8_lossy(&nowhere.stderr);
    assert!(err.contains("cannot reach the collector at https://no-such-host.invalid:50051"), "{err}");
    assert!(!err.contains("client certificate"), "{err}");

    // No client certificate: refused.
    let none = with(&[]);
    assert_eq!(none.status.code(), Some(1), "{none:?}");
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(err.contains("may require a client certificate"), "{err}");
    // A client certificate from another CA: refused.
    let other = with(&["--tls-cert", &p("other-client.pem"), "--tls-key", &p("other-client.key")]);
    assert_eq!(other.status.code(), Some(1), "{other:?}");
    // Plaintext: refused.
    let plain = cli::rampart(&collector.url(), &["status"]);
    assert_eq!(plain.status.code(), Some(1), "{plain:?}");
    assert!(String::from_utf8_lossy(&plain.stderr).contains("serving TLS?"), "{plain:?}");
    // A key given as the certificate is said so before anything is sent.
    let swapped = with(&["--tls-cert", &p("client.key"), "--tls-key", &p("client.pem")]);
    let err = String::from_utf8_lossy(&swapped.stderr);
    assert!(err.contains("--tls-cert") && err.contains("not a PEM certificate"), "{err}");
    // An agent without a client certificate stores nothing.
    let out = Command::new(agent_bin())
        .args(["bench-export", "--events", "10", "--node-name", "intruder", "--collector", &url])
        .args(["--tls-ca", &p("ca.pem"), "--drain", "2s"])
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["stored"], 0, "{summary}");
    let status = with(&["--tls-cert", &p("client.pem"), "--tls-key", &p("client.key")]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(!status.contains("intruder"), "{status}");
}

/// Plaintext beyond loopback is a choice the collector names at start; on loopback (the
/// default) it says nothing.
#[test]
fn plaintext_beyond_loopback_is_logged_as_a_warning() {
    let open = Collector::start(CollectorOptions {
        listen: Some("0.0.0.0:0".parse().unwrap()),
        ..Default::default()
    });
    let log = open.log();
    assert!(
        log.lines().any(|l| l.contains("\"WARN\"") && l.contains("serving plaintext gRPC beyond this host")),
        "{log}"
    );
    let local = Collector::start(CollectorOptions::default());
    assert!(!local.log().contains("serving plaintext gRPC beyond this host"));
}

/// Deletion on request: a reader's certificate may not delete; the one `--deleter` names may.
/// What it deleted is gone from replay, the rest is kept, status logs who deleted what and
/// when, and `rampart verify` stays green, counting the events as deleted on request.
#[test]
fn deleting_a_pods_events_needs_the_grant_is_logged_and_keeps_the_chain_intact() {
    let pki_dir = Pki { dir: tempfile::tempdir().unwrap() };
    pki(pki_dir.dir.path(), "");
    let p = |n: &str| pki_dir.path(n);
    let collector = mtls_collector(&pki_dir, &["--deleter", "rampart-admin"]);
    let url = format!("https://{}", collector.addr);
    // 2,000 events of node tls-node: 250 for each of shop/web-0..3 and bank/web-4..7.
    let out = Command::new(agent_bin())
        .args(["bench-export", "--events", "2000", "--node-name", "tls-node", "--collector", &url])
        .args(["--tls-ca", &p("ca.pem"), "--tls-cert", &p("node.pem"), "--tls-key", &p("node.key")])
        .args(["--drain", "20s"])
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["stored"], 2000, "{summary}");
    let as_ = |who: &str, args: &[&str]| {
        let (cert, key) = (p(&format!("{who}.pem")), p(&format!("{who}.key")));
        let mut all = vec!["--tls-ca", &p("ca.pem")].into_iter().map(String::from).collect::<Vec<_>>();
        all.extend(["--tls-cert".into(), cert, "--tls-key".into(), key]);
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        cli::rampart(&url, &all)
    };

    let denied = as_("client", &["delete", "-n", "shop", "--pod", "web-1"]);
    assert_eq!(denied.status.code(), Some(1), "{denied:?}");
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(err.contains("(CN=client) may not delete"), "{err}");

    let done = as_("admin", &["delete", "-n", "shop", "--pod", "web-1", "--reason", "request #42"]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(said.contains("by rampart-admin: 250 events of shop/web-1 (request #42)"), "{said}");

    let count = |args: &[&str]| {
        let out = as_("client", args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert_eq!(count(&["replay", "-o", "json", "-n", "shop", "--pod", "web-1"]), 0);
    assert_eq!(count(&["replay", "-o", "json", "-n", "shop"]), 750);
    assert_eq!(count(&["replay", "-o", "json", "-n", "bank"]), 1000);

    let status = as_("client", &["status"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("DELETED:  deletion #1 at ")
            && status.contains(" by rampart-admin: 250 events of shop/web-1 (request #42)"),
        "{status}"
    );

    let verified = as_("client", &["verify", "-o", "json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
    let report: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    let node = &report["nodes"][0];
    assert_eq!(node["node"], "tls-node", "{report}");
    assert_eq!(
        (node["eventsDeleted"].as_str(), node["eventsVerified"].as_str()),
        (Some("250"), Some("1750")),
        "{report}"
    );
}
