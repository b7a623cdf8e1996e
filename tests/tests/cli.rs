//! The `rampart` command: policy lint, and observe joining stored history to the live stream.
// vm-test: host-only: the rampart command and the collector, with examples/ from the source tree; nothing in it depends on the kernel.

use std::{process::Command, time::Duration};

use rampart_proto::v1::{collector_message, verdict::Action};
use rampart_tests::{
    bins::cli_bin,
    cli::Observer,
    collector::{Collector, CollectorOptions},
    grpc::{IngestStream, event, runtime},
    wait_for,
};

#[test]
fn policy_lint_prints_every_error_with_its_position_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: db, namespace: shop}\nspec:\n  podSelector: {}\n  mode: enforce\n  network:\n    egress:\n      - ports: [{port: 70000}]\n",
    )
    .unwrap();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/policies");
    let out = Command::new(cli_bin()).args(["policy", "lint", examples]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("{}:9:", bad.display())), "{stdout}");
    assert!(stdout.contains("port"), "{stdout}");

    let out = Command::new(cli_bin()).args(["policy", "lint", examples]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: 2 policies"));
}

#[test]
fn observe_since_joins_history_to_the_live_stream_without_gap_or_duplicate() {
    let collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    let base = 1_767_225_600_000_000_000_i64;
    let rt = runtime();
    let mut s = rt.block_on(IngestStream::open(&url, "node-a")).unwrap();
    let mut send = |first: u64, range: std::ops::Range<i64>| {
        let events =
            range.map(|i| event(base + i * 1_000_000, "shop", "web", "web", Action::Allow)).collect();
        let ack = rt.block_on(s.send(first, events)).unwrap();
        assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))));
    };
    send(1, 0..5);
    let observer = Observer::start(
        &url,
        &["-o", "json", "--since", "2026-01-01T00:00:00Z", "--count", "8", "--namespace", "shop"],
    );
    wait_for("the stored history", Duration::from_secs(10), || (observer.events().len() == 5).then_some(()));
    send(6, 5..8);
    wait_for("history and live", Duration::from_secs(10), || (observer.events().len() == 8).then_some(()));
    let args: Vec<String> =
        observer.events().iter().map(|e| e["exec"]["args"][0].as_str().unwrap().to_string()).collect();
    let expected: Vec<String> = (0..8).map(|i| format!("t{}", base + i * 1_000_000)).collect();
    assert_eq!(args, expected);
}
