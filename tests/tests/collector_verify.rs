//! Tamper evidence: the collector keeps a hash chain per node over what it stores, and
//! `rampart verify` recomputes it. An untouched store is intact, retention keeps it intact, and
//! a row edited, deleted or inserted directly in the SQLite file, or a chain link removed, is
//! named by node, boot and sequence range (exit 1).
// vm-test: host-only: the collector's store and the CLI; nothing in it depends on the kernel.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_proto::v1::verdict::Action;
use rampart_tests::{
    cli,
    collector::{Collector, CollectorOptions},
    grpc::{IngestStream, event, runtime},
};
use serde_json::Value;

const MS: i64 = 1_000_000;

fn now_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}

/// `rampart verify -o json`: its exit code and the report per node.
fn verify(url: &str) -> (Option<i32>, Vec<Value>) {
    let out = cli::rampart(url, &["verify", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report["nodes"].as_array().cloned().unwrap_or_default())
}

fn node<'a>(nodes: &'a [Value], name: &str) -> &'a Value {
    nodes.iter().find(|n| n["node"] == name).unwrap_or_else(|| panic!("{name} in {nodes:?}"))
}

/// `(kind, sequences)` of each problem of a node.
fn problems(n: &Value) -> Vec<(String, String)> {
    n["problems"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (p["kind"].as_str().unwrap().to_owned(), p["sequences"].as_str().unwrap().to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn verify_finds_every_edit_removal_and_insertion_and_retention_keeps_the_chain_intact() {
    let mut collector = Collector::start(CollectorOptions {
        extra: vec!["--retention".into(), "1h".into()],
        ..Default::default()
    });
    let url = collector.url();
    let (old, new) = (now_ns() - 2 * 3600 * 1_000_000_000, now_ns());
    let ev = |t: i64, i: i64| event(t + i * MS, "shop", "web-0", "web", Action::Allow);
    runtime().block_on(async {
        let mut a = IngestStream::open(&url, "node-a").await.unwrap();
        // Two hours old: retention takes these at the next start.
        a.send(1, (0..5).map(|i| ev(old, i)).collect()).await.unwrap();
        a.send(6, (0..5).map(|i| ev(new, i)).collect()).await.unwrap();
        let mut b = IngestStream::open(&url, "node-b").await.unwrap();
        b.send(1, (0..4).map(|i| ev(new, i)).collect()).await.unwrap();
        let mut c = IngestStream::open(&url, "node-c").await.unwrap();
        c.send(1, (0..2).map(|i| ev(new, i)).collect()).await.unwrap();
        c.send(3, (0..2).map(|i| ev(new, i)).collect()).await.unwrap();
    });

    // Untouched: intact, every event verified.
    let (code, nodes) = verify(&url);
    assert_eq!(code, Some(0), "{nodes:?}");
    assert_eq!(node(&nodes, "node-a")["eventsVerified"], "10");
    assert_eq!(node(&nodes, "node-a")["links"], "2");
    assert_eq!(node(&nodes, "node-b")["eventsVerified"], "4");
    assert!(nodes.iter().all(|n| n["head"].as_str().unwrap().len() == 64), "{nodes:?}");

    // Retention deletes node-a's old batch (at start): still intact.
    collector.stop();
    collector.restart();
    let url = collector.url();
    let pruned =
        rampart_tests::wait_for("retention to delete the old events", Duration::from_secs(15), || {
            let (code, nodes) = verify(&url);
            (node(&nodes, "node-a")["eventsVerified"] == "5").then_some((code, nodes))
        });
    assert_eq!(pruned.0, Some(0), "{:?}", pruned.1);

    // Edit, delete and insert rows, and remove a link, directly in the file.
    let db = rusqlite::Connection::open(&collector.store).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute_batch(
        "UPDATE events SET body = body || x'00' WHERE node = 'node-a' AND seq = 7;
         DELETE FROM events WHERE node = 'node-b' AND seq = 2;
         INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body)
           SELECT agent, 99, time_ns, node, namespace, pod, kind, action, policy, body
           FROM events WHERE node = 'node-b' AND seq = 3;
         DELETE FROM chain WHERE id = (SELECT min(id) FROM chain WHERE node = 'node-c');",
    )
    .unwrap();
    drop(db);

    let (code, nodes) = verify(&url);
    assert_eq!(code, Some(1), "{nodes:?}");
    assert_eq!(problems(node(&nodes, "node-a")), [("edited".to_owned(), "6-10".to_owned())]);
    assert_eq!(
        problems(node(&nodes, "node-b")),
        [("removed".to_owned(), "1-4".to_owned()), ("inserted".to_owned(), "99-99".to_owned())]
    );
    assert_eq!(
        problems(node(&nodes, "node-c")),
        [("broken".to_owned(), "3-4".to_owned()), ("inserted".to_owned(), "1-2".to_owned())]
    );
    // The text names each range with its node and boot, and the verdict.
    let out = cli::rampart(&url, &["verify", "--node", "node-b"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("node-b NOT INTACT: 1 links"), "{text}");
    assert!(
        text.contains("  REMOVED boot ") && text.contains(" sequences 1-4: 1 of its 4 events are gone"),
        "{text}"
    );
    assert!(
        text.contains("  INSERTED boot ") && text.contains(" sequences 99-99: 1 events no link names"),
        "{text}"
    );
    assert!(!text.contains("node-a"), "{text}");
}
