//! Real `rampart-collector`s in front of real `nats-server`s (`--store nats://...`): two
//! collectors serve one history and one live stream; a collector killed with a batch in flight
//! and a NATS server killed mid-ingest (a three-server cluster, R3) lose nothing and store
//! nothing twice, counted by a replay at rest; a replay, and the follower that feeds live
//! subscribers, whose consumer is deleted under them go on from a new one without gap or
//! repeat.
//!
//! The writer here speaks the agent's protocol (Hello, batches, acks; on an error it
//! reconnects, to the next collector if there is one, and resends everything not acked under
//! the same boot), as the agent does.
// vm-test: host-only: nats-server and the collector are user space and not in the VM initramfs; nothing here depends on the kernel.

use std::{collections::BTreeSet, time::Duration};

use rampart_proto::v1::{
    Filter, ReplayRequest, StatusRequest, SubscribeRequest, collector_client::CollectorClient,
    collector_message, subscribe_response, verdict::Action,
};
use rampart_tests::{
    collector::{Collector, CollectorOptions},
    grpc::{self, IngestStream, runtime},
    nats::Nats,
    require,
};

const NODE: &str = "node-js";
const PER_BATCH: u64 = 50;

fn collector(store: &str, extra: &[&str]) -> Collector {
    Collector::start(CollectorOptions {
        store: Some(store.to_string()),
        extra: extra.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
}

/// Event `i` of the writer: its time is its identity.
fn nth(i: u64) -> rampart_proto::v1::Event {
    let ns = if i.is_multiple_of(2) { "shop" } else { "bank" };
    grpc::event(1_700_000_000_000_000_000 + i as i64 * 1000, ns, "web", "web", Action::Allow)
}

/// Send batches `from..to` of `boot` in order, each acked before the next; on any error,
/// reconnect (to the next of `urls`) and resend the batch. Returns the reconnects.
async fn write(urls: &[String], boot: &str, from: u64, to: u64, mut before: impl FnMut(u64)) -> u32 {
    let mut at = 0;
    let mut reconnects = 0;
    let mut stream = IngestStream::resume(grpc::channel(&urls[at]).await, NODE, boot, None).await.unwrap();
    let mut b = from;
    let mut failing = None;
    while b < to {
        before(b);
        let events: Vec<_> = (b * PER_BATCH..(b + 1) * PER_BATCH).map(nth).collect();
        match stream.send(1 + b * PER_BATCH, events).await {
            Ok(m) => {
                let Some(collector_message::Message::Ack(ack)) = m.message else {
                    panic!("not an ack: {m:?}")
                };
                assert_eq!(ack.last_sequence, (b + 1) * PER_BATCH);
                b += 1;
                failing = None;
            }
            Err(status) => {
                reconnects += 1;
                // A NATS cluster elects a new stream leader within seconds of losing one.
                let since = *failing.get_or_insert_with(tokio::time::Instant::now);
                assert!(since.elapsed() < Duration::from_secs(60), "still failing after 60s: {status}");
                eprintln!("batch {b}: {status}; reconnecting");
                at = (at + 1) % urls.len();
                tokio::time::sleep(Duration::from_millis(500)).await;
                let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                stream = loop {
                    match IngestStream::resume(grpc::channel(&urls[at]).await, NODE, boot, None).await {
                        Ok(s) => break s,
                        Err(e) if tokio::time::Instant::now() < deadline => {
                            eprintln!("reconnecting: {e}");
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        Err(e) => panic!("no collector takes the stream: {e}"),
                    }
                };
            }
        }
    }
    reconnects
}

/// Every stored event's identity (its time), from a replay of everything.
async fn stored(url: &str) -> Vec<i64> {
    let mut client = CollectorClient::new(grpc::channel(url).await);
    let mut replay = client.replay(ReplayRequest::default()).await.unwrap().into_inner();
    let mut out = Vec::new();
    while let Some(r) = replay.message().await.unwrap() {
        if let Some(e) = r.event {
            out.push(e.time.unwrap().unix_nanos());
        }
    }
    out
}

/// Exactly events `0..n`, each once.
fn exactly(times: &[i64], n: u64) {
    let unique: BTreeSet<i64> = times.iter().copied().collect();
    assert_eq!(unique.len(), times.len(), "{} events stored twice", times.len() - unique.len());
    let want: BTreeSet<i64> = (0..n).map(|i| nth(i).time.unwrap().unix_nanos()).collect();
    let lost = want.difference(&unique).count();
    assert_eq!(lost, 0, "{lost} events lost");
    assert_eq!(unique, want);
}

fn nats(test: &str, cluster: bool) -> Option<Nats> {
    require::capability(
        rampart_tests::nats::available(),
        test,
        "nats-server is not installed (cargo xtask setup installs it)",
    )
    .then(|| if cluster { Nats::cluster() } else { Nats::single() })
}

#[test]
fn two_collectors_serve_one_history_and_one_live_stream() {
    let Some(nats) = nats("two_collectors_serve_one_history_and_one_live_stream", false) else { return };
    let a = collector(&nats.url(), &["--metrics-addr", "127.0.0.1:0"]);
    let b = collector(&nats.url(), &[]);
    runtime().block_on(async {
        // A live subscriber of B, for one namespace, sees what agents wrote through A.
        let mut live = grpc::subscribe(
            &b.url(),
            SubscribeRequest {
                filter: Some(Filter { namespaces: vec!["shop".into()], ..Default::default() }),
            },
        )
        .await;
        let boot = "boot-1";
        write(&[a.url()], boot, 0, 4, |_| {}).await;
        let mut seen = Vec::new();
        while seen.len() < 100 {
            let msg = tokio::time::timeout(Duration::from_secs(20), live.message())
                .await
                .expect("live events from the other collector")
                .unwrap()
                .unwrap();
            match msg.item {
                Some(subscribe_response::Item::Event(e)) => {
                    assert_eq!(e.pod.as_ref().unwrap().namespace, "shop");
                    assert_eq!(e.node, NODE);
                    seen.push(e.time.unwrap().unix_nanos());
                }
                other => panic!("{other:?}"),
            }
        }
        let want: Vec<i64> =
            (0..200_u64).filter(|i| i.is_multiple_of(2)).map(|i| nth(i).time.unwrap().unix_nanos()).collect();
        assert_eq!(seen, want, "in order, each once");

        // Either collector replays the same history; a namespace reads its own.
        exactly(&stored(&a.url()).await, 200);
        exactly(&stored(&b.url()).await, 200);
        let mut client = CollectorClient::new(grpc::channel(&b.url()).await);
        let filter = Filter { namespaces: vec!["bank".into()], ..Default::default() };
        let mut replay = client
            .replay(ReplayRequest { filter: Some(filter), ..Default::default() })
            .await
            .unwrap()
            .into_inner();
        let mut bank = 0;
        while let Some(r) = replay.message().await.unwrap() {
            assert_eq!(r.event.unwrap().pod.unwrap().namespace, "bank");
            bank += 1;
        }
        assert_eq!(bank, 100);

        // Status comes from the stream, and knows the agent's boot from either side.
        let status = client.status(StatusRequest::default()).await.unwrap().into_inner();
        let store = status.store.unwrap();
        assert_eq!((store.backend.as_str(), store.events), ("nats", 200));
        assert!(store.location.contains("RAMPART_EVENTS"), "{store:?}");
        let agent = status.agents.iter().find(|x| x.boot_id == boot).expect("the boot from the stream");
        assert_eq!(agent.last_sequence, 200);
    });
    // The collector that published says so on /metrics.
    let (code, metrics) = a.http("/metrics");
    assert_eq!(code, 200);
    assert!(metrics.contains("rampart_jetstream_messages_total{result=\"stored\"} 200"), "{metrics}");
    assert!(metrics.contains("rampart_jetstream_acks_in_flight 0"), "{metrics}");
    assert!(metrics.contains("rampart_jetstream_publish_seconds_count 4"), "{metrics}");
}

#[test]
fn a_collector_killed_with_a_batch_in_flight_loses_and_duplicates_nothing() {
    let Some(nats) = nats("a_collector_killed_with_a_batch_in_flight_loses_and_duplicates_nothing", false)
    else {
        return;
    };
    let mut a = collector(&nats.url(), &[]);
    let b = collector(&nats.url(), &[]);
    let urls = [a.url(), b.url()];
    runtime().block_on(async {
        let boot = "boot-kill";
        // Batch 20 goes out, and A is killed before its ack can come back.
        let mut stream = IngestStream::resume(grpc::channel(&urls[0]).await, NODE, boot, None).await.unwrap();
        for b in 0..20 {
            let events: Vec<_> = (b * PER_BATCH..(b + 1) * PER_BATCH).map(nth).collect();
            stream.send(1 + b * PER_BATCH, events).await.unwrap();
        }
        let batch = rampart_proto::v1::Batch {
            boot_id: boot.into(),
            first_sequence: 1 + 20 * PER_BATCH,
            events: (20 * PER_BATCH..21 * PER_BATCH).map(nth).collect(),
        };
        stream
            .out
            .send(rampart_proto::v1::AgentMessage {
                message: Some(rampart_proto::v1::agent_message::Message::Batch(batch)),
            })
            .await
            .unwrap();
        a.kill();
        assert!(stream.answer().await.is_err(), "the killed collector cannot ack");
        // The agent goes to B and resends from the first batch without an ack.
        let reconnects = write(&urls[1..], boot, 20, 40, |_| {}).await;
        assert_eq!(reconnects, 0, "B took the stream at once");
    });
    let times = runtime().block_on(stored(&b.url()));
    exactly(&times, 40 * PER_BATCH);
}

#[test]
fn a_nats_server_killed_mid_ingest_loses_and_duplicates_nothing_with_three_replicas() {
    let Some(mut nats) =
        nats("a_nats_server_killed_mid_ingest_loses_and_duplicates_nothing_with_three_replicas", true)
    else {
        return;
    };
    let c = collector(&nats.url(), &["--nats-replicas", "3"]);
    let urls = [c.url()];
    // A NATS server is killed while the writer's batches flow (from batch 20 on).
    let at = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let killer = {
        let at = std::sync::Arc::clone(&at);
        std::thread::spawn(move || {
            while at.load(std::sync::atomic::Ordering::Relaxed) < 20 {
                std::thread::sleep(Duration::from_millis(1));
            }
            nats.kill(0);
            nats
        })
    };
    let reconnects = runtime().block_on(write(&urls, "boot-r3", 0, 60, |b| {
        at.store(b, std::sync::atomic::Ordering::Relaxed);
    }));
    let _nats = killer.join().expect("the killer thread");
    let killed = true;
    assert!(killed);
    eprintln!("the writer reconnected {reconnects} times");
    let times = runtime().block_on(stored(&c.url()));
    exactly(&times, 60 * PER_BATCH);
    // And the stream says three copies.
    let status = runtime().block_on(async {
        CollectorClient::new(grpc::channel(&c.url()).await)
            .status(StatusRequest::default())
            .await
            .unwrap()
            .into_inner()
    });
    assert!(status.store.unwrap().location.contains("(R3)"));
}

/// The names of the consumers on the events stream.
async fn consumers(js: &async_nats::jetstream::Context) -> Vec<String> {
    use futures_util::StreamExt as _;
    let stream = js.get_stream("RAMPART_EVENTS").await.unwrap();
    let names: Vec<_> = stream.consumer_names().collect().await;
    names.into_iter().map(Result::unwrap).collect()
}

#[test]
fn a_replay_whose_consumer_is_deleted_under_it_goes_on_without_gap_or_repeat() {
    let Some(nats) = nats("a_replay_whose_consumer_is_deleted_under_it_goes_on_without_gap_or_repeat", false)
    else {
        return;
    };
    let c = collector(&nats.url(), &[]);
    // More events than the replay's first pull requests ask for (2 × 2,048), so most of them
    // can only come after the consumer is gone.
    let batches = 400;
    runtime().block_on(write(&[c.url()], "boot-replay", 0, batches, |_| {}));
    runtime().block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
        // The collector's own: it follows the stream for live subscribers.
        let before = consumers(&js).await;
        let mut client = CollectorClient::new(grpc::channel(&c.url()).await);
        let mut replay = client.replay(ReplayRequest::default()).await.unwrap().into_inner();
        let mut times = Vec::new();
        while times.len() < 100 {
            let e = replay.message().await.unwrap().expect("the replay ended early").event.unwrap();
            times.push(e.time.unwrap().unix_nanos());
        }
        // The replay waits on its client now, its consumer holding the rest.
        let first: Vec<String> = consumers(&js).await.into_iter().filter(|n| !before.contains(n)).collect();
        assert_eq!(first.len(), 1, "the replay's consumer, besides {before:?}: {first:?}");
        let stream = js.get_stream("RAMPART_EVENTS").await.unwrap();
        stream.delete_consumer(&first[0]).await.expect("deleting the replay's consumer");
        while let Some(r) = replay.message().await.unwrap() {
            times.push(r.event.unwrap().time.unwrap().unix_nanos());
        }
        exactly(&times, batches * PER_BATCH);
        // The rest came from a consumer made after the first was deleted.
        let after = consumers(&js).await;
        assert!(
            after.iter().any(|n| *n != first[0] && !before.contains(n)),
            "no consumer made after {} was deleted: {after:?}",
            first[0]
        );
    });
}

#[test]
fn live_subscribers_go_on_when_the_followers_consumer_is_deleted() {
    let Some(nats) = nats("live_subscribers_go_on_when_the_followers_consumer_is_deleted", false) else {
        return;
    };
    let c = collector(&nats.url(), &[]);
    runtime().block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
        let mut live = grpc::subscribe(&c.url(), SubscribeRequest::default()).await;
        let mut seen = Vec::new();
        let read = async |live: &mut tonic::Streaming<rampart_proto::v1::SubscribeResponse>, n: usize| {
            let mut got = Vec::new();
            while got.len() < n {
                let msg = tokio::time::timeout(Duration::from_secs(30), live.message())
                    .await
                    .expect("live events")
                    .unwrap()
                    .unwrap();
                match msg.item {
                    Some(subscribe_response::Item::Event(e)) => got.push(e.time.unwrap().unix_nanos()),
                    other => panic!("{other:?}"),
                }
            }
            got
        };
        write(&[c.url()], "boot-live", 0, 2, |_| {}).await;
        seen.extend(read(&mut live, 2 * PER_BATCH as usize).await);
        // The follower's is the only consumer on the stream.
        let first = consumers(&js).await;
        assert_eq!(first.len(), 1, "the follower's consumer: {first:?}");
        let stream = js.get_stream("RAMPART_EVENTS").await.unwrap();
        stream.delete_consumer(&first[0]).await.expect("deleting the follower's consumer");
        write(&[c.url()], "boot-live", 2, 4, |_| {}).await;
        seen.extend(read(&mut live, 2 * PER_BATCH as usize).await);
        exactly(&seen, 4 * PER_BATCH);
        let after = consumers(&js).await;
        assert!(
            after.iter().any(|n| *n != first[0]),
            "no consumer made after {} was deleted: {after:?}",
            first[0]
        );
    });
}
