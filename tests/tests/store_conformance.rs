//! One suite, two backends: the SQLite store on a real file and the JetStream store on a real
//! `nats-server`, held to the same contract (exactly-once appends, growing ids, filtered
//! replays, a store opened again by another process), then what each does its own way
//! (SQLite's retention passes; JetStream's stream limits, resends beyond the duplicate window,
//! settings checked at start, live events from another collector).
// vm-test: host-only: the collector's stores and nats-server are user space, and nats-server is not in the VM initramfs; nothing here depends on the kernel.

use std::{sync::Arc, time::Duration};

use rampart_collector::{
    filter::EventFilter,
    hub::{Hub, Item},
    store::{
        IncomingBatch, Live, Origin, ReplayQuery, Retention, Store, StoreError, StoredEvent,
        jetstream::{JetStreamStore, Settings},
        sqlite::SqliteStore,
    },
};
use rampart_proto::{
    event::Kind,
    v1::{Event, Exec, File, Pod, Verdict, event::Body, verdict::Action},
    wkt::Timestamp,
};
use rampart_tests::{nats::Nats, require};

const SEC: i64 = 1_000_000_000;

fn event(t: i64, ns: &str, pod: &str, kind: Kind, app: &str) -> Event {
    Event {
        time: Some(Timestamp::from_unix_nanos(t)),
        node: "node-a.example.internal".into(),
        pod: Some(Pod {
            namespace: ns.into(),
            name: pod.into(),
            labels: [("app".to_string(), app.to_string())].into(),
            ..Default::default()
        }),
        body: Some(match kind {
            Kind::File => Body::File(File { path: "/etc/x".into(), ..Default::default() }),
            _ => Body::Exec(Exec { binary: format!("/bin/{t}"), ..Default::default() }),
        }),
        verdict: Some(Verdict { action: Action::Allow as i32, ..Default::default() }),
        ..Default::default()
    }
}

fn batch(boot: &str, first: u64, events: Vec<Event>) -> IncomingBatch {
    IncomingBatch {
        origin: Origin { node: "node-a.example.internal".into(), boot_id: boot.into() },
        first_sequence: first,
        events: events.into_iter().map(Arc::new).collect(),
    }
}

async fn replay_all<S: Store>(store: &S, q: ReplayQuery) -> Vec<StoredEvent> {
    let mut rx = store.replay(q);
    let mut out = Vec::new();
    while let Some(item) = rx.recv().await {
        out.push(item.expect("replay item"));
    }
    out
}

fn times(events: &[StoredEvent]) -> Vec<i64> {
    events.iter().map(|e| e.event.time.unwrap().unix_nanos()).collect()
}

/// Until the store's watermark reaches `id` (JetStream's moves as its follower reads).
async fn watermark_reaches<S: Store>(store: &S, id: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while store.watermark() < id {
        assert!(tokio::time::Instant::now() < deadline, "watermark {} never reached {id}", store.watermark());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(store.watermark(), id);
}

/// How a backend orders a replay.
#[derive(Clone, Copy, PartialEq)]
enum Order {
    /// By event time, then id (SQLite).
    Time,
    /// As stored (JetStream).
    Stored,
}

async fn resends_are_stored_once<S: Store>(store: &S) {
    let evs: Vec<Event> = (0..10).map(|i| event(i * SEC, "shop", "web", Kind::Exec, "web")).collect();
    let a = store.append(batch("b1", 1, evs[..6].to_vec())).await.unwrap();
    assert_eq!((a.stored.len(), a.duplicates), (6, 0));
    // A resend overlapping the first batch: only 7..=10 are new.
    let b = store.append(batch("b1", 4, evs[3..].to_vec())).await.unwrap();
    assert_eq!((b.stored.len(), b.duplicates), (4, 3));
    // The same sequences from another boot are other events.
    let c = store.append(batch("b2", 1, evs[..2].to_vec())).await.unwrap();
    assert_eq!(c.stored.len(), 2);
    let ids: Vec<u64> = a.stored.iter().chain(&b.stored).chain(&c.stored).map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    watermark_reaches(store, *ids.last().unwrap()).await;
    assert_eq!(store.stats().await.unwrap().events, 12);
    let agents = store.agents().await.unwrap();
    let b1 = agents.iter().find(|a| a.origin.boot_id == "b1").unwrap();
    assert_eq!((b1.origin.node.as_str(), b1.last_sequence), ("node-a.example.internal", 10));
    assert_eq!(store.namespaces().await.unwrap(), vec!["shop".to_string()]);
}

async fn replays_filter_and_order<S: Store>(store: &S, order: Order) {
    // 2000 events arriving out of time order, in several namespaces, pods and kinds.
    let mut all = Vec::new();
    for i in 0..2000_i64 {
        let t = ((i * 7919) % 2000) * SEC;
        let ns = if i % 3 == 0 { "bank" } else { "shop" };
        let pod = if i % 2 == 0 { "web-0" } else { "web-1" };
        let kind = if i % 5 == 0 { Kind::File } else { Kind::Exec };
        let app = if i % 4 == 0 { "api" } else { "web" };
        all.push(event(t, ns, pod, kind, app));
    }
    let mut max_id = 0;
    for (n, chunk) in all.chunks(300).enumerate() {
        let a = store.append(batch("b", 1 + n as u64 * 300, chunk.to_vec())).await.unwrap();
        max_id = max_id.max(a.stored.iter().map(|(id, _)| *id).max().unwrap());
    }
    // The watermark is the highest id stored, whatever order an append numbered its events in.
    watermark_reaches(store, max_id).await;
    let expect = |f: &dyn Fn(&Event) -> bool| {
        let mut t: Vec<i64> = all.iter().filter(|e| f(e)).map(|e| e.time.unwrap().unix_nanos()).collect();
        if order == Order::Time {
            t.sort();
        }
        t
    };
    let check = |got: &[StoredEvent], want: Vec<i64>| {
        assert_eq!(times(got), want);
        assert!(
            order == Order::Time || got.windows(2).all(|w| w[0].id < w[1].id),
            "a stored-order replay comes in id order"
        );
    };
    let got = replay_all(store, ReplayQuery::default()).await;
    check(&got, expect(&|_| true));

    let window = EventFilter { since_ns: Some(100 * SEC), until_ns: Some(1100 * SEC), ..Default::default() };
    let got = replay_all(store, ReplayQuery { filter: window, ..Default::default() }).await;
    check(&got, expect(&|e| (100 * SEC..1100 * SEC).contains(&e.time.unwrap().unix_nanos())));

    let shop = EventFilter { namespaces: vec!["shop".into()], ..Default::default() };
    let got = replay_all(store, ReplayQuery { filter: shop, ..Default::default() }).await;
    check(&got, expect(&|e| e.pod.as_ref().unwrap().namespace == "shop"));

    // Two namespaces and a kind: JetStream reads and merges one subject per pair.
    let pair = EventFilter {
        namespaces: vec!["shop".into(), "bank".into()],
        kinds: vec![Kind::File],
        ..Default::default()
    };
    let got = replay_all(store, ReplayQuery { filter: pair, ..Default::default() }).await;
    check(&got, expect(&|e| e.kind() == Some(Kind::File)));

    let pod =
        EventFilter { namespaces: vec!["shop".into()], pods: vec!["web-1".into()], ..Default::default() };
    let got = replay_all(store, ReplayQuery { filter: pod, ..Default::default() }).await;
    check(&got, expect(&|e| e.pod.as_ref().is_some_and(|p| p.namespace == "shop" && p.name == "web-1")));

    let mut labels = EventFilter::default();
    labels.labels.match_labels.insert("app".into(), "api".into());
    let api = |e: &Event| e.pod.as_ref().unwrap().labels["app"] == "api";
    let got =
        replay_all(store, ReplayQuery { filter: labels.clone(), limit: Some(25), ..Default::default() })
            .await;
    check(&got, expect(&api)[..25].to_vec());
    let got = replay_all(
        store,
        ReplayQuery { filter: labels, limit: Some(25), newest: true, ..Default::default() },
    )
    .await;
    let want = expect(&api);
    check(&got, want[want.len() - 25..].to_vec());

    let upto = replay_all(store, ReplayQuery { max_id: Some(max_id - 10), ..Default::default() }).await;
    assert_eq!(upto.len(), 1990);
    assert!(upto.iter().all(|e| e.id <= max_id - 10));
}

/// What one collector stored, another opening of the store (a restart, or another collector
/// in front of the same JetStream) has, and still deduplicates.
async fn another_opening_has_everything<S: Store>(first: &S, second: impl AsyncFnOnce() -> S) {
    let a = first.append(batch("b", 1, vec![event(SEC, "a", "p", Kind::Exec, "x"); 5])).await.unwrap();
    first.close().await;
    let store = second().await;
    assert_eq!(store.stats().await.unwrap().events, 5);
    let again = store.append(batch("b", 1, vec![event(SEC, "a", "p", Kind::Exec, "x"); 5])).await.unwrap();
    assert_eq!((again.stored.len(), again.duplicates), (0, 5));
    let more = store.append(batch("b", 6, vec![event(2 * SEC, "a", "p", Kind::Exec, "x")])).await.unwrap();
    assert!(more.stored[0].0 > a.stored.last().unwrap().0, "ids keep growing");
}

fn sqlite() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
    (dir, store)
}

/// A JetStream store on `nats` and the follower that moves its watermark.
struct Js {
    store: JetStreamStore,
    hub: Arc<Hub>,
    _live: Live,
}

fn settings(nats: &Nats) -> Settings {
    let store = nats.url();
    let servers = store.trim_start_matches("nats://").split(',').map(|s| format!("nats://{s}")).collect();
    Settings {
        servers,
        stream: "RAMPART_EVENTS".into(),
        replicas: 1,
        dedup_window: Duration::from_secs(120),
        retention: Retention::default(),
    }
}

async fn js(settings: Settings) -> Js {
    let store = JetStreamStore::open(settings).await.expect("open the JetStream store");
    let hub = Arc::new(Hub::default());
    let live = store.live(&hub);
    Js { store, hub, _live: live }
}

fn nats(test: &str) -> Option<Nats> {
    require::capability(
        rampart_tests::nats::available(),
        test,
        "nats-server is not installed (cargo xtask setup installs it)",
    )
    .then(Nats::single)
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn resends_are_stored_once() {
        let (_dir, store) = sqlite();
        super::resends_are_stored_once(&store).await;
    }

    #[tokio::test]
    async fn replays_filter_and_order() {
        let (_dir, store) = sqlite();
        super::replays_filter_and_order(&store, Order::Time).await;
    }

    #[tokio::test]
    async fn another_opening_has_everything() {
        let (dir, store) = sqlite();
        let path = dir.path().join("e.db");
        super::another_opening_has_everything(&store, async || SqliteStore::open(&path).unwrap()).await;
    }

    /// Replays of a pod, a namespace or a kind read spans (one per append and group): here two
    /// boots append in turn, their events' times interleaved, so every span overlaps others,
    /// and windows, limits and a watermark cut through spans. Each replay is what a filter over
    /// every stored event gives, in (time, id) order.
    #[tokio::test]
    async fn replays_along_overlapping_spans() {
        let (_dir, store) = sqlite();
        const MS: i64 = 1_000_000;
        let base = 1_000 * SEC;
        let mut stored: Vec<(u64, Event)> = Vec::new();
        let mut next = [1_u64, 1];
        // 60 batches of 1 to 97 events, alternating boots; one pass over 16 s of event time.
        for k in 0..60_u64 {
            let boot = (k % 2) as usize;
            let n = 1 + (k * 37 % 97);
            let events: Vec<Event> = (0..n)
                .map(|j| {
                    let i = (next[boot] + j) as i64;
                    // Times interleave between boots, and run backwards in every fifth batch.
                    let step = if k % 5 == 4 { n as i64 - j as i64 } else { j as i64 };
                    let t = base + (2 * (next[boot] as i64 + step) + boot as i64) * 3 * MS;
                    let kind = if i % 4 == 0 { Kind::File } else { Kind::Exec };
                    event(t, &format!("ns{}", (i / 7) % 2), &format!("p{}", i % 3), kind, "web")
                })
                .collect();
            let a = store.append(batch(&format!("b{boot}"), next[boot], events)).await.unwrap();
            assert_eq!(a.stored.len() as u64, n);
            stored.extend(a.stored.iter().map(|(id, e)| (*id, (**e).clone())));
            next[boot] += n;
        }
        let want = |q: &ReplayQuery| {
            let mut m: Vec<&(u64, Event)> = stored
                .iter()
                .filter(|(id, e)| q.filter.matches(e) && q.max_id.is_none_or(|x| *id <= x))
                .collect();
            m.sort_by_key(|(id, e)| (e.time.unwrap().unix_nanos(), *id));
            let ids: Vec<u64> = m.iter().map(|(id, _)| *id).collect();
            match (q.limit, q.newest) {
                (Some(l), true) => ids[ids.len().saturating_sub(l as usize)..].to_vec(),
                (Some(l), false) => ids.into_iter().take(l as usize).collect(),
                _ => ids,
            }
        };
        let f = |ns: &[&str], pods: &[&str], kinds: &[Kind]| EventFilter {
            namespaces: ns.iter().map(|s| s.to_string()).collect(),
            pods: pods.iter().map(|s| s.to_string()).collect(),
            kinds: kinds.to_vec(),
            ..Default::default()
        };
        let window = |mut f: EventFilter| {
            // Edges that fall inside spans.
            f.since_ns = Some(base + 4 * SEC + 500 * MS + 1);
            f.until_ns = Some(base + 11 * SEC + 300 * MS + 2);
            f
        };
        let mid = stored.iter().map(|(id, _)| *id).max().unwrap() / 2;
        let queries = [
            ReplayQuery { filter: f(&["ns0"], &["p1"], &[]), ..Default::default() },
            ReplayQuery { filter: f(&["ns1"], &[], &[]), ..Default::default() },
            ReplayQuery { filter: f(&[], &[], &[Kind::File]), ..Default::default() },
            ReplayQuery { filter: f(&["ns0", "ns1"], &[], &[Kind::Exec]), ..Default::default() },
            ReplayQuery { filter: window(f(&["ns0"], &["p2"], &[])), ..Default::default() },
            ReplayQuery { filter: window(f(&["ns1"], &[], &[])), ..Default::default() },
            ReplayQuery {
                filter: f(&["ns1"], &[], &[]),
                limit: Some(50),
                newest: true,
                ..Default::default()
            },
            ReplayQuery {
                filter: window(f(&["ns0"], &["p0"], &[])),
                limit: Some(40),
                newest: true,
                max_id: None,
            },
            ReplayQuery { filter: window(f(&[], &[], &[Kind::File])), limit: Some(30), ..Default::default() },
            ReplayQuery { filter: f(&["ns0"], &[], &[]), max_id: Some(mid), ..Default::default() },
            ReplayQuery {
                filter: EventFilter { since_ns: Some(base), ..f(&["ns1"], &[], &[]) },
                max_id: Some(mid),
                ..Default::default()
            },
        ];
        for q in queries {
            let expected = want(&q);
            assert!(!expected.is_empty(), "the query selects something: {q:?}");
            let got: Vec<u64> = replay_all(&store, q.clone()).await.iter().map(|e| e.id).collect();
            assert_eq!(got, expected, "{q:?}");
        }
    }

    /// A version 2 file (per-event namespace, pod and kind indexes) is upgraded in place: its
    /// events get spans, so pod, namespace and kind replays still find them.
    #[tokio::test]
    async fn a_version_2_store_is_upgraded_to_spans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        let events = [(3, "shop", "web"), (1, "shop", "api"), (2, "bank", "web"), (5, "shop", "web")];
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE agents (id INTEGER PRIMARY KEY, node TEXT NOT NULL, boot_id TEXT NOT NULL,
                   last_seq INTEGER NOT NULL DEFAULT 0, last_seen_ns INTEGER NOT NULL DEFAULT 0,
                   UNIQUE (node, boot_id));
                 CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, agent INTEGER NOT NULL,
                   seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, node TEXT NOT NULL,
                   namespace TEXT NOT NULL, pod TEXT NOT NULL, kind INTEGER NOT NULL,
                   action INTEGER NOT NULL, policy TEXT NOT NULL, body BLOB NOT NULL);
                 CREATE UNIQUE INDEX events_origin ON events (agent, seq);
                 CREATE INDEX events_time ON events (time_ns);
                 CREATE INDEX events_namespace ON events (namespace, time_ns);
                 CREATE INDEX events_pod ON events (namespace, pod, time_ns);
                 CREATE INDEX events_kind ON events (kind, time_ns);
                 INSERT INTO agents (node, boot_id) VALUES ('node-a.example.internal', 'b');
                 PRAGMA user_version = 2;",
            )
            .unwrap();
            for (seq, (t, ns, pod)) in events.iter().enumerate() {
                let e = event(t * SEC, ns, pod, Kind::Exec, "web");
                conn.execute(
                    "INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body) \
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 1, '', ?7)",
                    rusqlite::params![
                        seq as i64 + 1,
                        t * SEC,
                        e.node,
                        ns,
                        pod,
                        rampart_collector::store::sqlite::kind_column(Kind::Exec),
                        prost::Message::encode_to_vec(&e)
                    ],
                )
                .unwrap();
            }
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.stats().await.unwrap().events, 4, "counted once at the upgrade");
        let pod =
            EventFilter { namespaces: vec!["shop".into()], pods: vec!["web".into()], ..Default::default() };
        let got = replay_all(&store, ReplayQuery { filter: pod, ..Default::default() }).await;
        assert_eq!(times(&got), vec![3 * SEC, 5 * SEC]);
        let kind = EventFilter { kinds: vec![Kind::Exec], ..Default::default() };
        let got = replay_all(&store, ReplayQuery { filter: kind, ..Default::default() }).await;
        assert_eq!(times(&got), vec![SEC, 2 * SEC, 3 * SEC, 5 * SEC]);
        assert_eq!(store.namespaces().await.unwrap(), vec!["bank".to_string(), "shop".to_string()]);
        // Appends after the upgrade are stored once, next to the old events.
        let again = store
            .append(batch("b", 4, vec![event(5 * SEC, "shop", "web", Kind::Exec, "web")]))
            .await
            .unwrap();
        assert_eq!((again.stored.len(), again.duplicates), (0, 1));
        let more = store
            .append(batch("b", 5, vec![event(4 * SEC, "shop", "web", Kind::Exec, "web")]))
            .await
            .unwrap();
        assert_eq!(more.stored.len(), 1);
        let pod =
            EventFilter { namespaces: vec!["shop".into()], pods: vec!["web".into()], ..Default::default() };
        let got = replay_all(&store, ReplayQuery { filter: pod, ..Default::default() }).await;
        assert_eq!(times(&got), vec![3 * SEC, 4 * SEC, 5 * SEC]);
        store.close().await;
        assert_eq!(SqliteStore::open(&path).unwrap().stats().await.unwrap().events, 5);
    }

    /// The store keeps its event count rather than counting a table it has no index on: a
    /// deletion changes it, and a restart finds it.
    #[tokio::test]
    async fn a_deletion_is_counted_across_a_restart() {
        let (dir, store) = sqlite();
        let evs: Vec<Event> = (0..30)
            .map(|i| event(i * SEC, "shop", ["web", "api", "db"][i as usize % 3], Kind::Exec, "x"))
            .collect();
        store.append(batch("b", 1, evs)).await.unwrap();
        let scope = |pod: &str| rampart_collector::store::DeleteScope {
            namespace: "shop".into(),
            pod: Some(pod.into()),
            by: "test".into(),
            reason: "a test".into(),
        };
        assert_eq!(store.delete(scope("api")).await.unwrap().events, 10);
        assert_eq!(store.stats().await.unwrap().events, 20);
        store.close().await;
        let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
        assert_eq!(store.stats().await.unwrap().events, 20);
        assert_eq!(replay_all(&store, ReplayQuery::default()).await.len(), 20);
    }

    /// What was deleted on request stays deleted: a resend of it (an agent that never saw its
    /// ack) is a duplicate, not stored again, and the chain still verifies.
    #[tokio::test]
    async fn a_resend_of_deleted_events_stores_nothing() {
        let (_dir, store) = sqlite();
        let evs: Vec<Event> =
            (0..6).map(|i| event(i * SEC, "shop", ["web", "api"][i as usize % 2], Kind::Exec, "x")).collect();
        store.append(batch("b", 1, evs.clone())).await.unwrap();
        let scope = rampart_collector::store::DeleteScope {
            namespace: "shop".into(),
            pod: Some("api".into()),
            by: "test".into(),
            reason: "a test".into(),
        };
        assert_eq!(store.delete(scope).await.unwrap().events, 3);

        let again = store.append(batch("b", 1, evs.clone())).await.unwrap();
        assert_eq!((again.stored.len(), again.duplicates, again.conflicts), (0, 6, 0));
        let pods: Vec<String> = replay_all(&store, ReplayQuery::default())
            .await
            .into_iter()
            .map(|e| e.event.pod.unwrap().name)
            .collect();
        assert_eq!(pods, ["web"; 3]);
        let reports = store.verify(None).await.unwrap();
        assert!(reports.iter().all(|r| r.problems.is_empty()), "{reports:?}");
        let counts = reports.iter().fold((0, 0), |(v, d), r| (v + r.events_verified, d + r.events_deleted));
        assert_eq!(counts, (3, 3));

        // Other content under a deleted sequence is another writer's: a conflict, not stored.
        let forged = vec![event(SEC, "shop", "api", Kind::Exec, "forged")];
        let forged = store.append(batch("b", 2, forged)).await.unwrap();
        assert_eq!((forged.stored.len(), forged.duplicates, forged.conflicts), (0, 1, 1));
        assert_eq!(store.stats().await.unwrap().events, 3);
    }

    #[tokio::test]
    async fn retention_by_age_and_size() {
        let (dir, store) = sqlite();
        let now = 10_000 * SEC;
        let evs: Vec<Event> =
            (0..1000).map(|i| event(now - (1000 - i) * SEC, "a", "p", Kind::Exec, "x")).collect();
        let before = store.append(batch("b", 1, evs)).await.unwrap();
        // Keep the last 100 seconds: events at now-100s .. now-1s.
        let age = Retention { max_age_ns: Some(100 * SEC), max_bytes: None };
        let pruned = store.prune(age, now).await.unwrap();
        assert_eq!(pruned.by_age, 900);
        let left = replay_all(&store, ReplayQuery::default()).await;
        assert_eq!(left.len(), 100);
        assert_eq!(left[0].event.time.unwrap().unix_nanos(), now - 100 * SEC);

        // Fill with larger events, then cap the size: the oldest go first.
        let big: Vec<Event> = (0..3000).map(|i| big_event(now + i * SEC)).collect();
        store.append(batch("b", 2000, big)).await.unwrap();
        let cap = 1 << 20;
        let pruned = store.prune(Retention { max_age_ns: None, max_bytes: Some(cap) }, now).await.unwrap();
        assert!(pruned.by_size > 1000, "{pruned:?}");
        let left = replay_all(&store, ReplayQuery::default()).await;
        let newest = left.last().unwrap().event.time.unwrap().unix_nanos();
        assert_eq!(newest, now + 2999 * SEC, "the newest events stay");
        let size = store.stats().await.unwrap().size_bytes;
        assert!(size <= 2 * cap, "the file gave space back: {size} bytes; {} events left", left.len());
        // The count the store keeps is what is left, after a restart too.
        assert_eq!(store.stats().await.unwrap().events, left.len() as u64);
        store.close().await;
        let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
        assert_eq!(store.stats().await.unwrap().events, left.len() as u64);

        // Emptied, the store still never reuses an id.
        store.prune(Retention { max_age_ns: Some(1), max_bytes: None }, now + 10_000 * SEC).await.unwrap();
        assert_eq!(store.stats().await.unwrap().events, 0);
        let after = store.append(batch("c", 1, vec![event(now, "a", "p", Kind::Exec, "x")])).await.unwrap();
        assert!(after.stored[0].0 > before.stored.last().unwrap().0);
    }
}

fn big_event(t: i64) -> Event {
    let mut e = event(t, "a", "p", Kind::Exec, "x");
    if let Some(Body::Exec(x)) = &mut e.body {
        x.args = vec!["y".repeat(1000)];
    }
    e
}

mod jetstream {
    use super::*;

    #[tokio::test]
    async fn resends_are_stored_once() {
        let Some(nats) = nats("jetstream::resends_are_stored_once") else { return };
        let js = js(settings(&nats)).await;
        super::resends_are_stored_once(&js.store).await;
    }

    #[tokio::test]
    async fn replays_filter_and_order() {
        let Some(nats) = nats("jetstream::replays_filter_and_order") else { return };
        let js = js(settings(&nats)).await;
        super::replays_filter_and_order(&js.store, Order::Stored).await;
    }

    #[tokio::test]
    async fn another_opening_has_everything() {
        let Some(nats) = nats("jetstream::another_opening_has_everything") else { return };
        let first = js(settings(&nats)).await;
        // The second opening knows nothing in memory: it reads the agents' high-water marks.
        super::another_opening_has_everything(&first.store, async || js(settings(&nats)).await.store).await;
    }

    /// Resends older than the duplicate window are still dropped, by the boot's high-water
    /// mark, also by a collector that never saw the boot before.
    #[tokio::test]
    async fn resends_beyond_the_duplicate_window() {
        let Some(nats) = nats("jetstream::resends_beyond_the_duplicate_window") else { return };
        let s = Settings { dedup_window: Duration::from_secs(1), ..settings(&nats) };
        let first = js(s.clone()).await;
        let evs: Vec<Event> = (0..5).map(|i| event(i * SEC, "a", "p", Kind::Exec, "x")).collect();
        first.store.append(batch("b", 1, evs.clone())).await.unwrap();
        // Past the window: JetStream no longer remembers the message ids.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let other = js(s).await;
        let again = other.store.append(batch("b", 1, evs)).await.unwrap();
        assert_eq!((again.stored.len(), again.duplicates), (0, 5));
        assert_eq!(other.store.stats().await.unwrap().events, 5);
    }

    /// Retention is the stream's own: the oldest go when it is over its size; a collector whose
    /// flags ask for other settings than the stream has refuses to start and names each one.
    #[tokio::test]
    async fn retention_is_the_streams_and_settings_are_checked() {
        let Some(nats) = nats("jetstream::retention_is_the_streams_and_settings_are_checked") else { return };
        let cap = 1 << 20;
        let s =
            Settings { retention: Retention { max_age_ns: None, max_bytes: Some(cap) }, ..settings(&nats) };
        let js = js(s.clone()).await;
        let big: Vec<Event> = (0..3000).map(|i| big_event(i * SEC)).collect();
        for (n, chunk) in big.chunks(500).enumerate() {
            js.store.append(batch("b", 1 + n as u64 * 500, chunk.to_vec())).await.unwrap();
        }
        let stats = js.store.stats().await.unwrap();
        assert!(stats.size_bytes <= cap, "{stats:?}");
        assert!(stats.events < 3000 && stats.events > 500, "{stats:?}");
        assert_eq!(stats.newest_ns, Some(2999 * SEC), "the newest events stay");
        let left = replay_all(&js.store, ReplayQuery::default()).await;
        assert_eq!(left.len() as u64, stats.events);

        let other = Settings { replicas: 3, dedup_window: Duration::from_secs(60), ..s };
        let err = JetStreamStore::open(other).await.expect_err("conflicting settings");
        let StoreError::StreamConflict { settings, .. } = &err else { panic!("{err}") };
        assert_eq!(settings.len(), 2, "{err}");
        let text = err.to_string();
        assert!(text.contains("replicas: the stream has 1, the flags ask for 3"), "{text}");
        assert!(text.contains("duplicate window: the stream has 120s, the flags ask for 60s"), "{text}");
    }

    /// Live subscribers of one collector get what another collector stored, with its id.
    #[tokio::test]
    async fn live_events_from_another_collector() {
        let Some(nats) = nats("jetstream::live_events_from_another_collector") else { return };
        let a = js(settings(&nats)).await;
        let b = js(settings(&nats)).await;
        let mut sub =
            b.hub.subscribe(EventFilter { namespaces: vec!["shop".into()], ..Default::default() }, 64);
        let evs =
            vec![event(SEC, "bank", "p", Kind::Exec, "x"), event(2 * SEC, "shop", "web", Kind::File, "web")];
        let stored = a.store.append(batch("b", 1, evs)).await.unwrap();
        let got =
            tokio::time::timeout(Duration::from_secs(20), sub.queue.recv()).await.expect("a live event");
        let Some(Item::Event(id, event)) = got else { panic!("{got:?}") };
        assert_eq!(id, stored.stored[1].0);
        assert_eq!(event.pod.as_ref().unwrap().name, "web");
        watermark_reaches(&b.store, id).await;
    }

    /// Appends that together wait for more acks than may be in flight at once all land (each
    /// takes a window's permits at once, so none holds some while waiting for more).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_beyond_the_acks_in_flight_all_land() {
        let Some(nats) = nats("jetstream::concurrent_appends_beyond_the_acks_in_flight_all_land") else {
            return;
        };
        let js = Arc::new(js(settings(&nats)).await);
        let tasks: Vec<_> = (0..12_u64)
            .map(|k| {
                let js = Arc::clone(&js);
                tokio::spawn(async move {
                    let evs: Vec<Event> =
                        (0..1000).map(|i| event(i * SEC, "a", "p", Kind::Exec, "x")).collect();
                    js.store.append(batch(&format!("boot-{k}"), 1, evs)).await.unwrap().stored.len()
                })
            })
            .collect();
        let mut stored = 0;
        for t in tasks {
            stored +=
                tokio::time::timeout(Duration::from_secs(120), t).await.expect("no append hangs").unwrap();
        }
        assert_eq!(stored, 12_000);
        assert_eq!(js.store.stats().await.unwrap().events, 12_000);
    }
}
