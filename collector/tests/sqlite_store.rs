//! The SQLite store against a real file: exactly-once appends, ordered paged replays with
//! filters, persistence across reopen, and retention.

use std::sync::Arc;

use rampart_collector::{
    filter::EventFilter,
    store::{IncomingBatch, Origin, ReplayQuery, Retention, Store, StoredEvent, sqlite::SqliteStore},
};
use rampart_proto::{
    event::Kind,
    v1::{Event, Exec, File, Pod, Verdict, event::Body, verdict::Action},
    wkt::Timestamp,
};

const SEC: i64 = 1_000_000_000;

fn event(t: i64, ns: &str, pod: &str, kind: Kind, app: &str) -> Event {
    Event {
        time: Some(Timestamp::from_unix_nanos(t)),
        node: "node-a".into(),
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
        origin: Origin { node: "node-a".into(), boot_id: boot.into() },
        first_sequence: first,
        events: events.into_iter().map(Arc::new).collect(),
    }
}

async fn replay_all(store: &SqliteStore, q: ReplayQuery) -> Vec<StoredEvent> {
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

#[tokio::test]
async fn resends_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
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
    assert_eq!(store.watermark(), *ids.last().unwrap());
    assert_eq!(store.stats().await.unwrap().events, 12);
    let agents = store.agents().await.unwrap();
    let b1 = agents.iter().find(|a| a.origin.boot_id == "b1").unwrap();
    assert_eq!(b1.last_sequence, 10);
}

#[tokio::test]
async fn replay_is_in_time_order_across_pages_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
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
    for (n, chunk) in all.chunks(300).enumerate() {
        store.append(batch("b", 1 + n as u64 * 300, chunk.to_vec())).await.unwrap();
    }
    let expect = |f: &dyn Fn(&Event) -> bool| {
        let mut t: Vec<i64> = all.iter().filter(|e| f(e)).map(|e| e.time.unwrap().unix_nanos()).collect();
        t.sort();
        t
    };
    let got = replay_all(&store, ReplayQuery::default()).await;
    assert_eq!(times(&got), expect(&|_| true));

    let window = EventFilter { since_ns: Some(100 * SEC), until_ns: Some(1100 * SEC), ..Default::default() };
    let got = replay_all(&store, ReplayQuery { filter: window, ..Default::default() }).await;
    assert_eq!(times(&got), expect(&|e| (100 * SEC..1100 * SEC).contains(&e.time.unwrap().unix_nanos())));

    let shop = EventFilter { namespaces: vec!["shop".into()], ..Default::default() };
    let got = replay_all(&store, ReplayQuery { filter: shop, ..Default::default() }).await;
    assert_eq!(times(&got), expect(&|e| e.pod.as_ref().unwrap().namespace == "shop"));

    let pod =
        EventFilter { namespaces: vec!["shop".into()], pods: vec!["web-1".into()], ..Default::default() };
    let got = replay_all(&store, ReplayQuery { filter: pod, ..Default::default() }).await;
    assert_eq!(
        times(&got),
        expect(&|e| e.pod.as_ref().is_some_and(|p| p.namespace == "shop" && p.name == "web-1"))
    );

    let files = EventFilter { kinds: vec![Kind::File], ..Default::default() };
    let got = replay_all(&store, ReplayQuery { filter: files, ..Default::default() }).await;
    assert_eq!(times(&got), expect(&|e| e.kind() == Some(Kind::File)));

    let mut labels = EventFilter::default();
    labels.labels.match_labels.insert("app".into(), "api".into());
    let got = replay_all(&store, ReplayQuery { filter: labels, limit: Some(25), ..Default::default() }).await;
    assert_eq!(times(&got), expect(&|e| e.pod.as_ref().unwrap().labels["app"] == "api")[..25]);

    let wm = store.watermark();
    let upto = replay_all(&store, ReplayQuery { max_id: Some(wm - 10), ..Default::default() }).await;
    assert_eq!(upto.len(), 1990);
    assert!(upto.iter().all(|e| e.id <= wm - 10));
}

#[tokio::test]
async fn a_reopened_store_has_everything_and_ids_keep_growing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.db");
    let store = SqliteStore::open(&path).unwrap();
    let first = store.append(batch("b", 1, vec![event(SEC, "a", "p", Kind::Exec, "x"); 5])).await.unwrap();
    store.close().await;
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.stats().await.unwrap().events, 5);
    assert_eq!(store.watermark(), first.stored.last().unwrap().0);
    // A resend after restart is still a duplicate.
    let again = store.append(batch("b", 1, vec![event(SEC, "a", "p", Kind::Exec, "x"); 5])).await.unwrap();
    assert_eq!((again.stored.len(), again.duplicates), (0, 5));
}

#[tokio::test]
async fn retention_by_age_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("e.db")).unwrap();
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
    let big: Vec<Event> = (0..3000)
        .map(|i| {
            let mut e = event(now + i * SEC, "a", "p", Kind::Exec, "x");
            if let Some(Body::Exec(x)) = &mut e.body {
                x.args = vec!["y".repeat(1000)];
            }
            e
        })
        .collect();
    store.append(batch("b", 2000, big)).await.unwrap();
    let cap = 1 << 20;
    let pruned = store.prune(Retention { max_age_ns: None, max_bytes: Some(cap) }, now).await.unwrap();
    assert!(pruned.by_size > 1000, "{pruned:?}");
    let left = replay_all(&store, ReplayQuery::default()).await;
    let newest = left.last().unwrap().event.time.unwrap().unix_nanos();
    assert_eq!(newest, now + 2999 * SEC, "the newest events stay");
    let size = store.stats().await.unwrap().size_bytes;
    assert!(size <= 2 * cap, "the file gave space back: {size} bytes; {} events left", left.len());

    // Emptied, the store still never reuses an id.
    store.prune(Retention { max_age_ns: Some(1), max_bytes: None }, now + 10_000 * SEC).await.unwrap();
    assert_eq!(store.stats().await.unwrap().events, 0);
    let after = store.append(batch("c", 1, vec![event(now, "a", "p", Kind::Exec, "x")])).await.unwrap();
    assert!(after.stored[0].0 > before.stored.last().unwrap().0);
}
