//! The `rampart` command: policy lint, and observe joining stored history to the live stream.
// vm-test: host-only: the rampart command and the collector, with examples/ from the source tree; nothing in it depends on the kernel.

use std::{process::Command, time::Duration};

use rampart_proto::v1::{collector_message, verdict::Action};
use rampart_tests::{
    bins::cli_bin,
    cli::{self, Observer},
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

    // The same, as one JSON report for scripts and CI.
    let out =
        Command::new(cli_bin()).args(["policy", "lint", "-o", "json", examples]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["policies"], 2, "{report}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["file"], bad.display().to_string());
    assert_eq!(errors[0]["line"], 9);
    assert!(errors[0]["field"].as_str().unwrap().contains("port"), "{report}");
    let out = Command::new(cli_bin()).args(["policy", "lint", "-o", "json", examples]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["ok"].as_bool(), report["policies"].as_u64()), (Some(true), Some(2)));
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
    // `replay -f` (hubble's habit) does the same, from the oldest stored event.
    let follower = Observer::replay_follow(&url, &["-o", "json", "--count", "8", "--namespace", "shop"]);
    for o in [&observer, &follower] {
        wait_for("the stored history", Duration::from_secs(10), || (o.events().len() == 5).then_some(()));
    }
    send(6, 5..8);
    let expected: Vec<String> = (0..8).map(|i| format!("t{}", base + i * 1_000_000)).collect();
    for o in [&observer, &follower] {
        wait_for("history and live", Duration::from_secs(10), || (o.events().len() == 8).then_some(()));
        let args: Vec<String> =
            o.events().iter().map(|e| e["exec"]["args"][0].as_str().unwrap().to_string()).collect();
        assert_eq!(args, expected);
    }
    // `replay --last 3`: the newest three, oldest first.
    let last = cli::events(&url, &["replay", "-o", "json", "--last", "3", "--namespace", "shop"]);
    let args: Vec<&str> = last.iter().map(|e| e["exec"]["args"][0].as_str().unwrap()).collect();
    assert_eq!(args, expected[5..].iter().map(String::as_str).collect::<Vec<_>>());
}

/// Events whose workload-chosen strings try to rewrite the watcher's screen: an argument that
/// erases the line and prints a forged "allow", a comm that sets the terminal title, a pod
/// name with a newline. `rampart replay` prints each on one line, with every control character
/// shown escaped, coloured or not.
#[test]
fn hostile_events_cannot_rewrite_the_screen() {
    let collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    let base = 1_767_225_600_000_000_000_i64;
    let rt = runtime();
    let mut s = rt.block_on(IngestStream::open(&url, "node-a")).unwrap();
    let forged = "\x1b[2K\r12:00:00.000 node-a shop/web (host) => ALLOW";
    let mut events = Vec::new();
    for (i, (pod, comm, arg)) in [
        ("web", "sh", forged),
        ("web\nshop/other", "sh", "ok"),
        ("web", "sh\x1b]0;owned\x07", "x  => ALLOW [TIER_LSM]"),
        ("web", "sh", "\u{202e}exe.txt"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(base + i as i64 * 1_000_000, "shop", pod, "web", Action::Deny);
        e.process.as_mut().unwrap().comm = comm.into();
        if let Some(rampart_proto::v1::event::Body::Exec(x)) = e.body.as_mut() {
            x.args = vec!["sh".into(), arg.into()];
        }
        events.push(e);
    }
    let n = events.len();
    let ack = rt.block_on(s.send(1, events)).unwrap();
    assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))));

    for color in ["never", "always"] {
        let out = Command::new(cli_bin())
            .args(["--server", &url, "replay", "--namespace", "shop", "--since", "2026-01-01T00:00:00Z"])
            .args(["--color", color])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let screen = String::from_utf8(out.stdout).unwrap();
        // Only the colour codes `rampart` itself writes may reach the terminal.
        let ours = screen.replace("\x1b[2m", "").replace("\x1b[0m", "").replace("\x1b[1;31m", "");
        assert!(!ours.chars().any(|c| c.is_control() && c != '\n'), "raw control characters: {ours:?}");
        assert!(!ours.contains('\u{202e}'), "a bidi override reached the screen: {ours:?}");
        let lines: Vec<&str> = ours.lines().collect();
        assert_eq!(lines.len(), n, "one line per event:\n{ours}");
        assert!(lines[0].contains("$'\\e[2K\\r12:00:00.000"), "{}", lines[0]);
        assert!(lines[1].contains("shop/web\\nshop/other"), "{}", lines[1]);
        assert!(lines[2].contains("sh\\e]0;owned\\x07[42]"), "{}", lines[2]);
        assert!(lines[3].contains("$'\\u{202e}exe.txt'"), "{}", lines[3]);
        for l in &lines {
            assert!(l.ends_with("  => deny [none]"), "the real verdict ends the line: {l}");
        }
        if color == "always" {
            // The forged "allow" inside the quoted argument is not coloured as a verdict.
            assert!(!screen.contains("\x1b[32m"), "{screen:?}");
        }
    }
}

#[test]
fn shell_completions_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(cli_bin()).args(["completion", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["observe", "replay", "status", "what-if", "suggest", "time-format"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = Command::new(cli_bin()).args(["completion", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error: {out:?}");
}

/// `--not` turns the filter flag right after it around, as `hubble observe --not` does; the
/// collector leaves out what matches any exclusion, in replay and live alike.
#[test]
fn not_leaves_out_what_the_flag_after_it_names() {
    let collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    let base = 1_767_225_600_000_000_000_i64;
    let rt = runtime();
    let mut s = rt.block_on(IngestStream::open(&url, "node-a")).unwrap();
    let events = vec![
        event(base, "shop", "web", "web", Action::Allow),
        event(base + 1_000_000, "shop", "db", "db", Action::Deny),
        event(base + 2_000_000, "kube-system", "dns", "dns", Action::Allow),
    ];
    let ack = rt.block_on(s.send(1, events)).unwrap();
    assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))));
    let pods = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["replay", "-o", "json"];
        all.extend_from_slice(args);
        cli::events(&url, &all).iter().map(|e| e["pod"]["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(pods(&["--not", "-n", "kube-system"]), ["web", "db"]);
    assert_eq!(pods(&["--not", "--verdict", "allow"]), ["db"]);
    assert_eq!(pods(&["-n", "shop", "--not", "--pod", "db"]), ["web"]);
    assert_eq!(pods(&["--not", "-l", "app in (web,dns)", "--not", "--pod", "db"]), Vec::<String>::new());
    // The same events as a table: one header, one row each, columns aligned.
    let out = cli::rampart(&url, &["replay", "-o", "table", "--not", "-n", "kube-system"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("TIME") && lines[0].contains(" NAMESPACE "), "{text}");
    assert_eq!(lines[0].find("POD"), lines[1].find("web"), "{text}");
    assert_eq!(lines[0].find("POD"), lines[2].find("db"), "{text}");
    // Live too (joined to history, so that no event is sent before the subscription): the
    // subscriber that leaves out kube-system sees shop's events only.
    let observer = Observer::start(
        &url,
        &["-o", "json", "--since", "2026-01-01", "--not", "--namespace", "kube-system"],
    );
    let later = |ns: &str, pod: &str, i: i64| event(base + (10 + i) * 1_000_000, ns, pod, pod, Action::Allow);
    let ack = rt.block_on(s.send(4, vec![later("kube-system", "dns", 0), later("shop", "web", 1)])).unwrap();
    assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))));
    let live = format!("t{}", base + 11_000_000);
    observer
        .wait_event("shop's live event", Duration::from_secs(10), |e| e["exec"]["args"][0] == live.as_str());
    assert!(observer.events().iter().all(|e| e["pod"]["namespace"] != "kube-system"));
    // Status as YAML: the same object as -o json.
    let out = cli::rampart(&url, &["status", "-o", "yaml"]);
    assert!(out.status.success(), "{out:?}");
    let yaml: serde_json::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    let json = &cli::events(&url, &["status", "-o", "json"])[0];
    assert_eq!(yaml["agents"][0]["bootId"], json["agents"][0]["bootId"], "{yaml}");
    assert_eq!(yaml["agents"][0]["node"], "node-a", "{yaml}");
    assert_eq!(yaml["ingest"]["eventsStored"], "5", "{yaml}");
    // `--not` needs a filter flag right after it.
    let out = cli::rampart(&url, &["replay", "--not", "--since", "1h"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--not must be followed"), "{out:?}");
}
