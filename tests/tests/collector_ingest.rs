//! The collector with raw gRPC clients and the synthetic agent: bad input is refused with a
//! clear status and stored nothing, replays return exactly the stored window in order, a slow
//! subscriber does not slow ingest and is told what it missed, a collector killed mid-stream
//! loses and duplicates nothing, and health and reflection are served.
// vm-test: host-only: the collector and gRPC clients only; nothing in it depends on the kernel.

use std::{
    collections::BTreeSet,
    process::{Command, Stdio},
    time::Duration,
};

use prost::Message as _;
use rampart_proto::{
    v1::{
        AgentMessage, Batch, Hello, ReplayRequest, StatusRequest, SubscribeRequest, agent_message,
        collector_client::CollectorClient, collector_message, refusal::Reason, subscribe_response,
        verdict::Action,
    },
    wire,
};
use rampart_tests::{
    agent::agent_bin,
    bins::collector_bin,
    cli,
    collector::{Collector, CollectorOptions},
    grpc::{self, IngestStream, event, runtime},
    wait_for,
};

/// 2026-01-01T00:00:00Z: far from live events.
const BASE: i64 = 1_767_225_600_000_000_000;
const MS: i64 = 1_000_000;

fn rfc3339(ns: i64) -> String {
    humantime::format_rfc3339_nanos(std::time::UNIX_EPOCH + Duration::from_nanos(ns as u64)).to_string()
}

fn stored_events(url: &str) -> u64 {
    runtime().block_on(async {
        let mut c = CollectorClient::new(grpc::channel(url).await);
        c.status(StatusRequest::default()).await.expect("status").into_inner().store.expect("store").events
    })
}

#[test]
fn bad_batches_are_refused_with_a_clear_status_and_store_nothing() {
    let collector = Collector::start(CollectorOptions {
        extra: vec!["--max-message-size".into(), "64KiB".into(), "--max-batch-events".into(), "100".into()],
        ..Default::default()
    });
    let url = collector.url();
    runtime().block_on(async {
        let mut s = IngestStream::open(&url, "node-a").await.unwrap();
        let good = |i: i64| event(BASE + i * MS, "shop", "web-0", "web", Action::Allow);

        let ack = s.send(1, vec![good(1), good(2)]).await.unwrap();
        assert!(
            matches!(ack.message, Some(collector_message::Message::Ack(ref a)) if a.stored == 2),
            "{ack:?}"
        );

        // An unknown enum value: the batch is refused, naming the event and field.
        let mut bad = good(3);
        bad.verdict.as_mut().unwrap().action = 77;
        let r = s.send(3, vec![good(4), bad]).await.unwrap();
        let Some(collector_message::Message::Refusal(r)) = r.message else {
            panic!("expected a refusal: {r:?}")
        };
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert_eq!(r.message, "event 4: verdict.action has unknown value 77");
        // Too many events for one batch.
        let r = s.send(5, (0..101).map(|i| good(10 + i)).collect()).await.unwrap();
        let Some(collector_message::Message::Refusal(r)) = r.message else {
            panic!("expected a refusal: {r:?}")
        };
        assert_eq!(r.reason(), Reason::TooManyEvents);
        // The stream goes on.
        let ack = s.send(200, vec![good(5)]).await.unwrap();
        assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))), "{ack:?}");

        // A message over --max-message-size ends the stream with RESOURCE_EXHAUSTED.
        let mut huge = good(6);
        if let Some(rampart_proto::v1::event::Body::Exec(x)) = &mut huge.body {
            x.args = vec!["x".repeat(70 << 10)];
        }
        let status = s.send(300, vec![huge]).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
        assert!(status.message().contains("too large"), "{status:?}");

        // Bytes that are not an AgentMessage end the stream with INVALID_ARGUMENT.
        let hello = AgentMessage {
            message: Some(agent_message::Message::Hello(Hello {
                node: "n".into(),
                boot_id: "b".into(),
                ..Default::default()
            })),
        };
        let status = grpc::raw_ingest(&url, vec![hello.encode_to_vec(), vec![0x12, 0xff, 0xff, 0x01]]).await;
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains("cannot be decoded"), "{status:?}");

        // A batch before the Hello is refused.
        let batch = AgentMessage {
            message: Some(agent_message::Message::Batch(Batch {
                boot_id: "b".into(),
                first_sequence: 1,
                events: vec![good(7)],
            })),
        };
        let status = grpc::raw_ingest(&url, vec![batch.encode_to_vec()]).await;
        assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");

        // An event whose bytes are not an Event refuses its batch, naming its sequence; the
        // stream goes on, and its next batch is stored.
        let raw = |first_sequence, events| {
            let batch = wire::Batch { boot_id: "b".into(), first_sequence, events };
            wire::AgentMessage { message: Some(wire::agent_message::Message::Batch(batch)) }.encode_to_vec()
        };
        let broken =
            raw(1, vec![good(8).encode_to_vec().into(), bytes::Bytes::from_static(&[0x0a, 0x05, b'x'])]);
        let next = raw(3, vec![good(9).encode_to_vec().into()]);
        let (answers, status) =
            grpc::raw_ingest_answers(&url, vec![hello.encode_to_vec(), broken, next]).await;
        assert_eq!(status.code(), tonic::Code::Ok, "{status:?}");
        let [refused, acked] = &answers[..] else { panic!("two answers: {answers:?}") };
        let Some(collector_message::Message::Refusal(r)) = &refused.message else { panic!("{refused:?}") };
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert!(r.message.starts_with("event 2 cannot be decoded"), "{}", r.message);
        assert!(
            matches!(acked.message, Some(collector_message::Message::Ack(ref a)) if a.stored == 1),
            "{acked:?}"
        );
    });
    // Only the good events are stored, and the collector serves on.
    let stored = cli::events(&url, &["replay", "-o", "json"]);
    let args: Vec<&str> = stored.iter().map(|e| e["exec"]["args"][0].as_str().unwrap()).collect();
    let t = |i: i64| format!("t{}", BASE + i * MS);
    assert_eq!(args, [t(1), t(2), t(5), t(9)]);
    let status = cli::events(&url, &["status", "-o", "json"]);
    assert_eq!(status[0]["ingest"]["batchesRefused"], "3", "{}", status[0]);
}

/// Sequence numbers are not a credential. Status shows a boot id's first 8 characters only,
/// so a reader cannot write into a live boot; a plaintext collector has no writer identity
/// (mTLS ties writers to nodes: `collector_tls`), so a stream that learned a boot id some
/// other way and writes under its sequence numbers first does not pass its events off as the
/// real ones' duplicates: the real events are reported as conflicts, to their agent and in
/// status. An event naming another node than its stream's is refused.
#[test]
fn a_forged_stream_that_writes_first_is_a_conflict_not_a_duplicate() {
    let collector = Collector::start(CollectorOptions {
        extra: vec!["--metrics-addr".into(), "127.0.0.1:0".into()],
        ..Default::default()
    });
    let url = collector.url();
    let ev = |i: i64, app: &str| event(BASE + i * MS, "shop", "web-0", app, Action::Allow);
    let ack = |m: rampart_proto::v1::CollectorMessage| match m.message {
        Some(collector_message::Message::Ack(a)) => (a.stored, a.duplicates, a.conflicts),
        other => panic!("expected an ack: {other:?}"),
    };
    let real_boot = runtime().block_on(async {
        let mut real = IngestStream::open(&url, "node-a").await.unwrap();
        assert_eq!(ack(real.send(1, (1..4).map(|i| ev(i, "web")).collect()).await.unwrap()), (3, 0, 0));
        // Another client writes the next sequence numbers of the real boot first.
        let mut forger = IngestStream::open(&url, "node-a").await.unwrap();
        forger.boot_id = real.boot_id.clone();
        assert_eq!(ack(forger.send(4, (4..7).map(|i| ev(i, "forged")).collect()).await.unwrap()), (3, 0, 0));
        // The real events under those numbers: conflicts, not duplicates.
        assert_eq!(ack(real.send(4, (4..7).map(|i| ev(i, "web")).collect()).await.unwrap()), (0, 3, 3));
        // A true resend is a duplicate only.
        assert_eq!(ack(real.send(1, (1..4).map(|i| ev(i, "web")).collect()).await.unwrap()), (0, 3, 0));
        // An event in another node's name is refused.
        let mut other = IngestStream::open(&url, "node-b").await.unwrap();
        let mut e = ev(9, "web");
        e.node = "node-a".into();
        let r = other.send(1, vec![e]).await.unwrap();
        let Some(collector_message::Message::Refusal(r)) = r.message else {
            panic!("expected a refusal: {r:?}")
        };
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert!(r.message.contains("is not this stream's node"), "{}", r.message);
        real.boot_id.clone()
    });
    let status = &cli::events(&url, &["status", "-o", "json", "--all-boots"])[0];
    assert_eq!(status["ingest"]["conflicts"], "3", "{status}");
    // No reader learns a whole boot id from status.
    let shown: Vec<&str> =
        status["agents"].as_array().unwrap().iter().map(|a| a["bootId"].as_str().unwrap()).collect();
    assert!(shown.contains(&&real_boot[..8]), "{status}");
    assert!(shown.iter().all(|b| b.len() == 8), "{status}");
    assert!(!serde_json::to_string(status).unwrap().contains(&real_boot), "{status}");
    let text = String::from_utf8_lossy(&cli::rampart(&url, &["status"]).stdout).into_owned();
    assert!(text.contains("CONFLICTS: 3 resent events differed"), "{text}");
    let stored = cli::events(&url, &["replay", "-o", "json", "--node", "node-b"]);
    assert!(stored.is_empty(), "nothing of the refused batch is stored: {stored:?}");
    // The same counts for Prometheus, with the process's figures.
    let (code, metrics) = collector.http("/metrics");
    assert_eq!(code, 200);
    for line in [
        "rampart_ingest_events_total{result=\"stored\"} 6",
        "rampart_ingest_events_total{result=\"duplicate\"} 3",
        "rampart_ingest_events_total{result=\"conflict\"} 3",
        "rampart_ingest_batches_refused_total 1",
        "rampart_ingest_commit_seconds_count 4",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }
    assert!(metrics.contains("rampart_build_info{version=\""), "{metrics}");
    assert!(metrics.contains("\nprocess_resident_memory_bytes "), "{metrics}");
    assert_eq!(collector.http("/readyz").0, 200);
    assert_eq!(collector.http("/healthz").0, 200);
}

/// Oversized fields and times outside the window are refused before anything is copied or
/// stored; the collector stays up and small, and readers keep working.
#[test]
fn oversized_fields_and_impossible_times_are_refused_and_the_collector_serves_on() {
    let collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    runtime().block_on(async {
        // A 3 MB node name in the Hello ends that stream at once.
        let Err(status) = IngestStream::open(&url, &"n".repeat(3 << 20)).await else {
            panic!("a 3 MB node name was accepted")
        };
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        assert_eq!(status.message(), "hello.node is 3145728 bytes; at most 253 are accepted");

        let mut s = IngestStream::open(&url, "node-a").await.unwrap();
        let good = |i: i64| event(BASE + i * MS, "shop", "web-0", "web", Action::Allow);
        let refusal = |m: rampart_proto::v1::CollectorMessage| match m.message {
            Some(collector_message::Message::Refusal(r)) => r,
            other => panic!("expected a refusal: {other:?}"),
        };
        // A 1 MB pod name in one of 2,000 events: the batch is refused naming it.
        let mut batch: Vec<_> = (0..2000).map(good).collect();
        batch[1999].pod.as_mut().unwrap().name = "p".repeat(1 << 20);
        let r = refusal(s.send(1, batch).await.unwrap());
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert_eq!(r.message, "event 2000: pod.name is 1048576 bytes; at most 253 are accepted");
        // Before 1970, before 2000, and far in the future.
        for (seq, ns) in [(10, -1_000_000_000_i64), (11, 0), (12, i64::MAX)] {
            let r =
                refusal(s.send(seq, vec![event(ns, "shop", "web-0", "web", Action::Allow)]).await.unwrap());
            assert!(r.message.contains("outside the accepted window"), "{}", r.message);
        }
        let ack = s.send(20, vec![good(1)]).await.unwrap();
        assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))), "{ack:?}");
    });
    // Readers are unaffected: one event stored, and a filter window before 1970 is refused
    // cleanly instead of panicking the request.
    assert_eq!(stored_events(&url), 1);
    let out =
        cli::rampart(&url, &["replay", "--since", "1960-01-01T00:00:00Z", "--until", "1950-01-01T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(2), "a usage error, not a panic: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("rampart: --since"), "{out:?}");
    let status = runtime().block_on(async {
        let mut c = CollectorClient::new(grpc::channel(&url).await);
        let f = rampart_proto::v1::Filter {
            since: Some(rampart_proto::wkt::Timestamp { seconds: -100_000, nanos: 0 }),
            until: Some(rampart_proto::wkt::Timestamp { seconds: -200_000, nanos: 0 }),
            ..Default::default()
        };
        let r = c.replay(ReplayRequest { filter: Some(f), ..Default::default() }).await;
        match r {
            Ok(_) => panic!("a window before 1970 with since after until was served"),
            Err(status) => status,
        }
    });
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("1969-12-30T"), "{status:?}");
    assert_eq!(stored_events(&url), 1, "the collector still serves");
}

#[test]
fn replay_of_a_window_returns_exactly_the_stored_events_in_order() {
    let collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    // 3000 events arriving out of time order, in two namespaces, some denied.
    let n = 3000_i64;
    let time = |i: i64| BASE + ((i * 7919) % n) * MS;
    runtime().block_on(async {
        let mut s = IngestStream::open(&url, "node-a").await.unwrap();
        for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
            let events = chunk
                .iter()
                .map(|&i| {
                    let ns = if i % 3 == 0 { "bank" } else { "shop" };
                    let action = if i % 5 == 0 { Action::Deny } else { Action::Allow };
                    event(
                        time(i),
                        ns,
                        &format!("web-{}", i % 4),
                        if i % 2 == 0 { "web" } else { "api" },
                        action,
                    )
                })
                .collect();
            let ack = s.send(chunk[0] as u64 + 1, events).await.unwrap();
            assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))));
        }
    });
    let (since, until) = (BASE + 500 * MS, BASE + 2500 * MS);
    let expected = |pred: &dyn Fn(i64) -> bool| -> Vec<String> {
        let mut t: Vec<i64> =
            (0..n).filter(|&i| pred(i)).map(time).filter(|t| (since..until).contains(t)).collect();
        t.sort();
        t.into_iter().map(|t| format!("t{t}")).collect()
    };
    let (since_s, until_s) = (rfc3339(since), rfc3339(until));
    let got = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["replay", "-o", "json", "--since", &since_s, "--until", &until_s];
        args.extend_from_slice(extra);
        cli::events(&url, &args).iter().map(|e| e["exec"]["args"][0].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(got(&[]), expected(&|_| true));
    assert_eq!(got(&["--namespace", "shop"]), expected(&|i| i % 3 != 0));
    assert_eq!(got(&["--namespace", "shop", "--pod", "web-1"]), expected(&|i| i % 3 != 0 && i % 4 == 1));
    assert_eq!(got(&["--verdict", "deny", "--label", "app=web"]), expected(&|i| i % 5 == 0 && i % 2 == 0));
    assert_eq!(got(&["--kind", "file"]), Vec::<String>::new());
    // The newest of the window, across pages, oldest first.
    let all_shop = expected(&|i| i % 3 != 0);
    assert_eq!(got(&["--namespace", "shop", "--last", "700"]), all_shop[all_shop.len() - 700..].to_vec());
    assert_eq!(got(&["--last", "5000"]), expected(&|_| true), "more than the window: all of it");
    // kubectl's selector syntax, matched by the collector.
    assert_eq!(
        got(&["-l", "app notin (web),!legacy", "--namespace", "shop"]),
        expected(&|i| i % 3 != 0 && i % 2 == 1)
    );
    assert_eq!(got(&["-l", "app in (web,api)", "-l", "app!=api"]), expected(&|i| i % 2 == 0));
    let bad = cli::rampart(&url, &["replay", "-l", "app in web"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected a set in parentheses"), "{bad:?}");
}

#[test]
fn a_slow_subscriber_does_not_slow_ingest_and_is_told_what_it_missed() {
    let collector = Collector::start(CollectorOptions {
        extra: vec!["--subscriber-queue".into(), "16".into()],
        ..Default::default()
    });
    let url = collector.url();
    let n = 20_000_i64;
    runtime().block_on(async {
        // Subscribed, and not reading.
        let mut slow = grpc::subscribe(&url, SubscribeRequest::default()).await;
        let mut s = IngestStream::open(&url, "node-a").await.unwrap();
        for first in (0..n).step_by(500) {
            let events = (first..first + 500)
                .map(|i| event(BASE + i * MS, "shop", "web", "web", Action::Allow))
                .collect();
            let ack = s.send(first as u64 + 1, events).await.unwrap();
            // Every batch is acked while the subscriber reads nothing.
            assert!(
                matches!(ack.message, Some(collector_message::Message::Ack(ref a)) if a.stored == 500),
                "{ack:?}"
            );
        }
        // Now read: what arrived plus what was reported missed is everything.
        let (mut received, mut missed) = (0_u64, 0_u64);
        let mut last_time = 0;
        while received + missed < n as u64 {
            let item = tokio::time::timeout(Duration::from_secs(20), slow.message())
                .await
                .unwrap_or_else(|_| panic!("stalled at {received} received + {missed} missed"))
                .expect("stream ok")
                .expect("stream open");
            match item.item {
                Some(subscribe_response::Item::Event(e)) => {
                    let t = e.time.unwrap().unix_nanos();
                    assert!(t > last_time, "in order");
                    last_time = t;
                    received += 1;
                }
                Some(subscribe_response::Item::Missed(m)) => {
                    assert!(m.reason.contains("queue was full"), "{m:?}");
                    missed += m.events;
                }
                None => panic!("empty item"),
            }
        }
        assert_eq!(received + missed, n as u64);
        assert!(missed > 0, "the subscriber was slow enough to miss some");
        assert!(received > 0);
    });
    assert_eq!(stored_events(&url), n as u64);
}

#[test]
fn collector_killed_mid_stream_stores_every_event_exactly_once() {
    let mut collector = Collector::start(CollectorOptions::default());
    let url = collector.url();
    let spool = tempfile::tempdir().unwrap();
    let n: u64 = 100_000;
    let agent = Command::new(agent_bin())
        .args(["bench-export", "--node-name", "synthetic", "--events", &n.to_string(), "--collector", &url])
        .arg("--spool-dir")
        .arg(spool.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the synthetic agent");
    // Kill the collector twice while events stream in, and restart it on the same store.
    for threshold in [n / 5, n / 2] {
        wait_for("events to be stored before the kill", Duration::from_secs(60), || {
            (stored_events(&url) >= threshold).then_some(())
        });
        collector.kill();
        std::thread::sleep(Duration::from_millis(300));
        collector.restart();
    }
    let out = agent.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
    assert_eq!(summary["drops"], 0, "{summary}");
    assert_eq!(summary["spooled_events"], 0, "{summary}");

    assert_eq!(stored_events(&url), n, "stored exactly once:\n{}", collector.logs());
    let replayed = cli::events(&url, &["replay", "-o", "json", "--node", "synthetic"]);
    let items: BTreeSet<String> =
        replayed.iter().map(|e| e["exec"]["args"][2].as_str().unwrap().to_string()).collect();
    assert_eq!(replayed.len() as u64, n);
    assert_eq!(items.len() as u64, n, "every event once");
}

#[test]
fn health_and_reflection_are_served() {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient, server_reflection_request,
        server_reflection_response,
    };
    let collector = Collector::start(CollectorOptions::default());
    runtime().block_on(async {
        let ch = grpc::channel(&collector.url()).await;
        let mut health = HealthClient::new(ch.clone());
        for service in ["", "rampart.v1.Ingest", "rampart.v1.Collector"] {
            let r = health.check(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner();
            assert_eq!(r.status(), ServingStatus::Serving, "{service:?}");
        }
        let mut reflection = ServerReflectionClient::new(ch);
        let ask = |m| ServerReflectionRequest { host: String::new(), message_request: Some(m) };
        let requests = tokio_stream::iter([
            ask(server_reflection_request::MessageRequest::ListServices(String::new())),
            ask(server_reflection_request::MessageRequest::FileContainingSymbol("rampart.v1.Event".into())),
        ]);
        let mut answers = reflection.server_reflection_info(requests).await.unwrap().into_inner();
        let services = answers.message().await.unwrap().unwrap().message_response;
        let Some(server_reflection_response::MessageResponse::ListServicesResponse(list)) = services else {
            panic!("{services:?}")
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        for s in ["rampart.v1.Ingest", "rampart.v1.Collector", "grpc.health.v1.Health"] {
            assert!(names.iter().any(|n| n == s), "{s} not in {names:?}");
        }
        let file = answers.message().await.unwrap().unwrap().message_response;
        let Some(server_reflection_response::MessageResponse::FileDescriptorResponse(f)) = file else {
            panic!("{file:?}")
        };
        assert!(!f.file_descriptor_proto.is_empty());
    });
    // Draining: a health watcher is told NOT_SERVING when the collector is asked to stop.
    let mut collector = collector;
    runtime().block_on(async {
        let mut health = HealthClient::new(grpc::channel(&collector.url()).await);
        let request = HealthCheckRequest { service: "rampart.v1.Ingest".into() };
        let mut watch = health.watch(request).await.unwrap().into_inner();
        let first = watch.message().await.unwrap().unwrap();
        assert_eq!(first.status(), ServingStatus::Serving);
        let pid = collector.pid().unwrap();
        // SAFETY: kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGTERM) }, 0);
        let next = watch.message().await;
        assert!(
            matches!(&next, Ok(Some(r)) if r.status() == ServingStatus::NotServing),
            "draining is announced: {next:?}"
        );
    });
    assert!(collector.stop().success());
}

#[test]
fn config_errors_are_reported_all_at_once_and_exit_2() {
    let out = Command::new(collector_bin())
        .args(["--listen", "here", "--store", "nats://nowhere", "--retention", "0s"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 problems"), "{err}");
    // Readers are Kubernetes users by default: with no API server to ask, it says what to do.
    assert!(err.contains("there is no API server to ask") && err.contains("--readers anonymous"), "{err}");
    assert!(err.contains("--listen \"here\""), "{err}");
    assert!(err.contains("\"nowhere\" is not HOST:PORT"), "{err}");
    // The same from the environment (12-factor: a DaemonSet sets RAMPART_*), flags win.
    let out = Command::new(collector_bin())
        .env("RAMPART_LISTEN", "there")
        .env("RAMPART_STORE", "nats://nowhere")
        .env("RAMPART_MAX_READERS", "0")
        .env("RAMPART_READERS", "anonymous")
        .args(["--retention", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 problems") && err.contains("--listen \"there\""), "{err}");
    assert!(err.contains("--max-readers must be at least 1"), "{err}");
}

#[test]
fn readers_that_never_read_are_bounded_then_cut_off_and_everyone_else_is_served() {
    let collector = Collector::start(CollectorOptions {
        extra: ["--max-readers", "2", "--reader-stall-timeout", "2s"].map(String::from).to_vec(),
        ..Default::default()
    });
    let url = collector.url();
    // 20,000 events with 2 KiB arguments: far more than a connection's flow-control window.
    let n = 20_000_i64;
    runtime().block_on(async {
        let mut s = IngestStream::open(&url, "node-a").await.unwrap();
        for k in 0..n / 500 {
            let events = (0..500)
                .map(|j| {
                    let mut e = event(BASE + (k * 500 + j) * MS, "shop", "web-0", "web", Action::Allow);
                    if let Some(rampart_proto::v1::event::Body::Exec(x)) = e.body.as_mut() {
                        x.args.push("x".repeat(2048));
                    }
                    e
                })
                .collect();
            let ack = s.send((k * 500) as u64 + 1, events).await.unwrap();
            assert!(matches!(ack.message, Some(collector_message::Message::Ack(_))), "{ack:?}");
        }
    });
    let status = |url: &str| {
        runtime().block_on(async {
            let mut c = CollectorClient::new(grpc::channel(url).await);
            c.status(StatusRequest::default()).await.expect("status answers").into_inner()
        })
    };
    let rt = runtime();
    rt.block_on(async {
        let client =
            || async { CollectorClient::new(grpc::channel(&url).await).max_decoding_message_size(64 << 20) };
        // Two replays whose clients never read: every reader permit is held.
        let mut held = Vec::new();
        for _ in 0..2 {
            held.push(client().await.replay(ReplayRequest::default()).await.expect("a reader").into_inner());
        }
        // A third is refused at once, naming the limit.
        let refused = client().await.replay(ReplayRequest::default()).await.expect_err("no permit left");
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted, "{refused:?}");
        assert!(refused.message().contains("--max-readers"), "{refused:?}");
        // Status still answers while they hold on.
        let s = client().await.status(StatusRequest::default()).await.expect("status").into_inner();
        assert_eq!((s.readers, s.max_readers), (2, 2), "{s:?}");
        // After the stall timeout the collector cuts both off (and says so in its log).
        wait_for("both stalled readers to be cut off", Duration::from_secs(15), || {
            (collector.log().matches("cut off").count() >= 2).then_some(())
        });
        // A stalled client that reads again learns it was cut off (never a stream that looks
        // complete), and its permit is back.
        for mut stalled in held {
            let mut partial = 0;
            let end = loop {
                match stalled.message().await {
                    Ok(Some(_)) => partial += 1,
                    Ok(None) => break None,
                    Err(e) => break Some(e),
                }
            };
            let e = end
                .unwrap_or_else(|| panic!("the cut-off stream ended as if complete after {partial} events"));
            assert_eq!(e.code(), tonic::Code::DeadlineExceeded, "{e:?}");
            assert!(partial < n, "{partial}");
        }
        let s = client().await.status(StatusRequest::default()).await.expect("status").into_inner();
        assert_eq!((s.readers_cut_off, s.readers), (2, 0), "{s:?}");
        // A reader that does read gets every event.
        let mut all = client().await.replay(ReplayRequest::default()).await.unwrap().into_inner();
        let mut got = 0;
        while all.message().await.expect("a complete replay").is_some() {
            got += 1;
        }
        assert_eq!(got, n);
    });
    assert_eq!(status(&url).store.unwrap().events, n as u64);
}

#[test]
fn an_agent_stream_that_breaks_mid_flight_still_reaches_live_subscribers() {
    let collector = Collector::start(CollectorOptions {
        extra: ["--subscriber-queue", "200000"].map(String::from).to_vec(),
        ..Default::default()
    });
    let url = collector.url();
    let rt = runtime();
    let (received, stored) = rt.block_on(async {
        let mut live = grpc::subscribe(&url, SubscribeRequest::default()).await;
        // 40 batches sent back to back, then the connection dropped without waiting for acks:
        // appends are in flight when the stream breaks.
        let s = IngestStream::open(&url, "node-a").await.unwrap();
        for k in 0..40_i64 {
            let events = (0..500)
                .map(|j| event(BASE + (k * 500 + j) * MS, "shop", "web-0", "web", Action::Allow))
                .collect();
            let batch = Batch { boot_id: s.boot_id.clone(), first_sequence: (k * 500) as u64 + 1, events };
            s.out.send(AgentMessage { message: Some(agent_message::Message::Batch(batch)) }).await.unwrap();
        }
        drop(s);
        // Whatever was stored (all or part) must reach the subscriber, or be announced as
        // missed. Read until the live stream has been quiet for a second with the count equal
        // to the store's, or until 15 quiet seconds have passed.
        let (mut received, mut stored, mut quiet) = (0_u64, 0_u64, 0);
        while quiet < 15 {
            match tokio::time::timeout(Duration::from_secs(1), live.message()).await {
                Ok(Ok(Some(r))) => match r.item {
                    Some(subscribe_response::Item::Event(_)) => received += 1,
                    Some(subscribe_response::Item::Missed(m)) => received += m.events,
                    None => {}
                },
                Ok(other) => panic!("the live stream ended: {other:?}"),
                Err(_) => {
                    quiet += 1;
                    stored = stored_events_async(&url).await;
                    if stored > 0 && received == stored {
                        break;
                    }
                }
            }
        }
        (received, stored)
    });
    assert_eq!(received, stored, "stored events that never reached the live stream, with no Missed");
}

async fn stored_events_async(url: &str) -> u64 {
    let mut c = CollectorClient::new(grpc::channel(url).await);
    c.status(StatusRequest::default()).await.expect("status").into_inner().store.expect("store").events
}
