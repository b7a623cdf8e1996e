//! The pipeline without a kernel: ring-buffer records the real programs wrote (committed under
//! `tests/fixtures/`, recorded by `cargo xtask fixtures` while end-to-end tests ran) go through
//! decode → attribute → judge → event again, and must give what the live agent sent for them.
//! Then the cases a recording rarely holds: unknown kinds, truncated records, a pod that
//! becomes known late, summaries of repeated refusals.
//!
//! Each fixture is `<test>.ring` (the records, see `rampart_agent::events::fixture`) and
//! `<test>.json`: the policies the agent read, its tiers, and the pod events it sent.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use agent_common::{
    record::RecordHeader,
    user::{DecodeError, Record},
};
use rampart_agent::{
    attribution::{Attributor, PodInfo},
    caps::Tier,
    enforce::{
        feasibility::{Feasibility, Tiers},
        policies::PolicyStore,
    },
    events::{Pipeline, build::Clock, fixture, hold::Held},
    export::{EventsOut, Exporter},
    process::ProcessTable,
    sources::Delta,
    telemetry::{DropStage, Metrics},
};
use serde_json::Value;

struct Recording {
    name: String,
    records: Vec<Vec<u8>>,
    sidecar: Value,
}

fn recordings() -> Vec<Recording> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ring"))
        .collect();
    names.sort();
    for ring in names {
        let bytes = fs::read(&ring).unwrap();
        let sidecar: Value =
            serde_json::from_str(&fs::read_to_string(ring.with_extension("json")).unwrap()).unwrap();
        out.push(Recording {
            name: ring.file_stem().unwrap().to_string_lossy().into_owned(),
            records: fixture::records(&bytes).into_iter().map(<[u8]>::to_vec).collect(),
            sidecar,
        });
    }
    assert!(out.len() >= 5, "expected a recording per concern in {}", dir.display());
    out
}

fn tier(name: &str) -> Tier {
    Tier::ALL.into_iter().find(|t| t.as_str() == name).unwrap_or_else(|| panic!("tier {name}"))
}

/// A pipeline as the agent builds it, minus the kernel: the recording's policies and tiers,
/// events to a file.
struct Replay {
    pipeline: Pipeline,
    events: PathBuf,
    _dir: tempfile::TempDir,
}

impl Replay {
    fn new(sidecar: &Value) -> Replay {
        let dir = tempfile::tempdir().unwrap();
        let policies = dir.path().join("policies");
        let cgroups = dir.path().join("cgroup");
        fs::create_dir(&policies).unwrap();
        fs::create_dir(&cgroups).unwrap();
        for (name, text) in sidecar["policies"].as_object().unwrap() {
            fs::write(policies.join(name), text.as_str().unwrap()).unwrap();
        }
        let mut store = PolicyStore::new(Some(policies), rampart_policy::ParseOptions::default());
        let reload = store.reload().unwrap();
        assert!(reload.errors.is_empty(), "{:?}", reload.errors);
        let t = &sidecar["tiers"];
        let tiers = Tiers {
            network: tier(t["network"].as_str().unwrap()),
            rootfs: tier(t["rootfs"].as_str().unwrap()),
            privilege: tier(t["privilege"].as_str().unwrap()),
        };
        let events = dir.path().join("events.json");
        let pipeline = Pipeline {
            node: "replay".into(),
            clock: Clock::with_offset(0),
            attributor: Attributor::new(cgroups, None).unwrap().0,
            feasibility: Feasibility::assess(store.set(), tiers),
            policies: store,
            processes: ProcessTable::new(1024),
            held: Held::new(Duration::from_secs(2), 64),
            exporter: Exporter::open(Some(&EventsOut::File(events.clone()))).unwrap(),
            metrics: Arc::new(Metrics::default()),
            kernel: None,
            tiers,
            denies: None,
            file_denies: None,
            recorder: None,
            redaction: Default::default(),
        };
        Replay { pipeline, events, _dir: dir }
    }

    /// Every record's cgroup: a pod's where the live agent attributed an event of it, the
    /// host's otherwise (so nothing triggers a rescan of the empty hierarchy).
    /// Returns how many of the records are of the pods' cgroups.
    fn learn_cgroups(&mut self, records: &[Vec<u8>], events: &[Value]) -> usize {
        let mut pod_cgroups = BTreeMap::new();
        for e in events {
            let pod = &e["pod"];
            let id: u64 = pod["cgroupId"].as_str().unwrap().parse().unwrap();
            pod_cgroups.insert(id, (pod["uid"].as_str().unwrap(), pod["containerId"].as_str().unwrap_or("")));
        }
        let mut of_pods = 0;
        for r in records {
            let Some(id) = cgroup_of(r) else { continue };
            of_pods += usize::from(pod_cgroups.contains_key(&id));
            let path = match pod_cgroups.get(&id) {
                Some((uid, "")) => format!("/kubepods/besteffort/pod{uid}"),
                Some((uid, container)) => format!("/kubepods/besteffort/pod{uid}/{container}"),
                None => format!("/system.slice/replay-{id}.scope"),
            };
            self.pipeline.attributor.cgroup_created(id, &path);
        }
        of_pods
    }

    /// The pods of the live agent's events, as it knew them.
    fn pods(events: &[Value]) -> Vec<PodInfo> {
        let mut pods: BTreeMap<String, PodInfo> = BTreeMap::new();
        for e in events {
            let p = &e["pod"];
            let s = |v: &Value| -> Box<str> { v.as_str().unwrap_or("").into() };
            let labels = p["labels"].as_object().map(|m| {
                let mut l: Vec<(Box<str>, Box<str>)> =
                    m.iter().map(|(k, v)| (k.as_str().into(), s(v))).collect();
                l.sort();
                l
            });
            let pod = pods.entry(s(&p["uid"]).into()).or_insert_with(|| PodInfo {
                namespace: s(&p["namespace"]),
                name: s(&p["name"]),
                uid: s(&p["uid"]),
                labels: labels.unwrap_or_default().into(),
                containers: Box::new([]),
                ips: Box::new([]),
                ports: Box::new([]),
            });
            let container = (s(&p["containerId"]), s(&p["containerName"]));
            if !container.0.is_empty() && !pod.containers.contains(&container) {
                let mut all = pod.containers.to_vec();
                all.push(container);
                pod.containers = all.into();
            }
        }
        // A pod's addresses, as the live agent knew them: where a flow named it as the peer.
        let mut ips: BTreeMap<(String, String), Vec<std::net::IpAddr>> = BTreeMap::new();
        for e in events {
            let (peer, ip) = (&e["flow"]["remotePod"], &e["flow"]["remoteIp"]);
            if let (Some(ns), Some(name), Some(Ok(ip))) =
                (peer["namespace"].as_str(), peer["name"].as_str(), ip.as_str().map(str::parse))
            {
                let known = ips.entry((ns.into(), name.into())).or_default();
                if !known.contains(&ip) {
                    known.push(ip);
                }
            }
        }
        for pod in pods.values_mut() {
            if let Some(found) = ips.get(&(pod.namespace.to_string(), pod.name.to_string())) {
                pod.ips = found.clone().into();
            }
        }
        pods.into_values().collect()
    }

    fn know_pods(&mut self, events: &[Value]) {
        for pod in Replay::pods(events) {
            self.pipeline.attributor.apply_pods(Delta::Apply(pod));
        }
    }

    fn feed(&mut self, records: &[Vec<u8>]) {
        for r in records {
            self.pipeline.on_bytes(r);
        }
    }

    fn events(&mut self) -> Vec<Value> {
        self.pipeline.flush();
        fs::read_to_string(&self.events)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn cgroup_of(bytes: &[u8]) -> Option<u64> {
    Record::try_from(bytes).ok()?.actor_cgroup()
}

/// The live agent's events of its pods, attributed when they happened.
fn exact_events(sidecar: &Value) -> Vec<Value> {
    sidecar["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["pod"]["attribution"] == "exact")
        .cloned()
        .collect()
}

/// What a replay must reproduce of an event: everything the record and the policies decide.
/// Not the time (the replay's clock is not the recording's), not the process's binary and
/// parent (the live agent's process table had seen the whole node), not the node.
fn decided(e: &Value, arch_matches: bool) -> Value {
    let mut e = e.clone();
    let obj = e.as_object_mut().unwrap();
    for field in ["time", "node"] {
        obj.remove(field);
    }
    // Written as `false` by the replay's output, left out by the recordings: the same.
    if obj.get("redacted") == Some(&Value::Bool(false)) {
        obj.remove("redacted");
    }
    if let Some(p) = obj.get_mut("process").and_then(Value::as_object_mut) {
        p.remove("binary");
        p.remove("parent");
    }
    if !arch_matches && let Some(p) = obj.get_mut("privilege").and_then(Value::as_object_mut) {
        // Recorded on the sigkill tier, the operation is this architecture's syscall number.
        p.remove("operation");
    }
    e
}

#[test]
fn recorded_records_give_the_events_the_live_agent_sent() {
    for rec in recordings() {
        let expected = exact_events(&rec.sidecar);
        assert!(!expected.is_empty(), "{}: no pod events recorded", rec.name);
        let arch_matches = rec.sidecar["arch"] == std::env::consts::ARCH;
        let mut replay = Replay::new(&rec.sidecar);
        let of_pods = replay.learn_cgroups(&rec.records, &expected);
        replay.know_pods(&expected);
        replay.feed(&rec.records);
        let produced: Vec<Value> =
            replay.events().into_iter().filter(|e| e["pod"]["attribution"] == "exact").collect();
        assert_eq!(produced.len(), of_pods, "{}: one event per record of a pod", rec.name);

        // Every replayed event is one the live agent sent, in the same order; the live agent's
        // other events are summaries counted in kernel maps (not records) or held ones.
        let mut live = expected.iter().map(|e| decided(e, arch_matches));
        for e in &produced {
            let want = decided(e, arch_matches);
            assert!(
                live.any(|l| l == want),
                "{}: the replay made an event the live agent did not send (or out of order):\n{}\nlive:\n{}",
                rec.name,
                serde_json::to_string_pretty(&want).unwrap(),
                expected.iter().map(|e| decided(e, arch_matches).to_string()).collect::<Vec<_>>().join("\n")
            );
        }
        let kinds = |events: &[Value]| -> Vec<&'static str> {
            let mut k: Vec<_> = ["exec", "flow", "file", "privilege"]
                .into_iter()
                .filter(|k| events.iter().any(|e| e.get(*k).is_some()))
                .collect();
            k.sort();
            k
        };
        assert_eq!(kinds(&produced), kinds(&expected), "{}: every kind the live agent sent", rec.name);
    }
}

#[test]
fn every_concern_and_outcome_is_covered_by_a_recording() {
    let all: Vec<Value> = recordings().iter().flat_map(|r| exact_events(&r.sidecar)).collect();
    let has = |pred: &dyn Fn(&Value) -> bool| all.iter().any(pred);
    assert!(has(&|e| e.get("exec").is_some()));
    assert!(has(&|e| e["flow"]["direction"] == "egress" && e["verdict"]["action"] == "deny"));
    assert!(has(&|e| e["flow"]["direction"] == "egress" && e["verdict"]["action"] == "allow"));
    assert!(has(&|e| e["flow"]["direction"] == "ingress" && e["verdict"]["action"] == "deny"));
    assert!(has(&|e| e["file"]["operation"] == "rename" && e["verdict"]["action"] == "deny"));
    assert!(has(&|e| e["privilege"]["operation"].is_string() && e["verdict"]["action"] == "deny"));
}

/// A record of `kind` from the recordings, and the recording it came from.
fn a_record(kind: &str) -> (Recording, Vec<u8>) {
    for rec in recordings() {
        let found = rec.records.iter().find(|r| {
            matches!(
                (kind, Record::try_from(r.as_slice())),
                ("flow", Ok(Record::Flow(_))) | ("file", Ok(Record::File(_))) | ("exec", Ok(Record::Exec(_)))
            )
        });
        if let Some(r) = found.cloned() {
            return (rec, r);
        }
    }
    panic!("no {kind} record in the recordings");
}

#[test]
fn an_unknown_kind_and_a_truncated_record_are_counted_and_skipped() {
    let (rec, flow) = a_record("flow");
    let mut replay = Replay::new(&rec.sidecar);
    let mut unknown = flow.clone();
    let kind_at = std::mem::offset_of!(RecordHeader, kind);
    unknown[kind_at] = 0xee;
    assert!(matches!(Record::try_from(unknown.as_slice()), Err(DecodeError::UnknownKind(_))));
    replay.pipeline.on_bytes(&unknown);
    replay.pipeline.on_bytes(&flow[..flow.len() - 1]);
    replay.pipeline.on_bytes(&flow[..3]);
    let m = &replay.pipeline.metrics;
    assert_eq!(m.drops(DropStage::DecodeUnknownKind), 1);
    assert_eq!(m.drops(DropStage::DecodeShort), 2);
    assert!(replay.events().is_empty(), "nothing is made of a record that does not decode");
}

/// A replay of the one `record`, its pods known from the start or not.
fn replay_one(rec: &Recording, record: &[u8], pods_known: bool) -> Replay {
    let expected = exact_events(&rec.sidecar);
    let records = [record.to_vec()];
    let mut replay = Replay::new(&rec.sidecar);
    let _ = replay.learn_cgroups(&records, &expected);
    if pods_known {
        replay.know_pods(&expected);
    }
    replay.feed(&records);
    replay
}

#[test]
fn a_record_whose_pod_is_known_late_is_held_then_attributed_late() {
    let (rec, exec) = a_record("exec");
    let expected = exact_events(&rec.sidecar);
    let mut replay = replay_one(&rec, &exec, false);
    assert_eq!(replay.pipeline.held.len(), 1, "held while its pod is not known");
    assert!(replay.events().is_empty());
    replay.know_pods(&expected);
    replay.pipeline.retry_held();
    let events = replay.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["pod"]["attribution"], "late");
    assert!(!events[0]["pod"]["name"].as_str().unwrap().is_empty());

    // One whose pod never arrives goes out `unknown` when its hold ends, with its pod's uid.
    let mut replay = replay_one(&rec, &exec, false);
    replay.pipeline.expire_held(Instant::now() + Duration::from_secs(3));
    let events = replay.events();
    assert_eq!(events[0]["pod"]["attribution"], "unknown");
    assert!(!events[0]["pod"]["uid"].as_str().unwrap().is_empty());
}

#[test]
fn a_summary_of_repeated_refusals_is_its_first_event_with_the_count() {
    let (rec, file) = a_record("file");
    let mut replay = replay_one(&rec, &file, true);
    let first = replay.events().remove(0);
    let Ok(Record::File(r)) = Record::try_from(file.as_slice()) else { unreachable!() };
    let clock = Clock::with_offset(0);
    let observation =
        rampart_agent::events::file::file(&r, &clock, Default::default(), String::new(), Tier::Sigkill);
    let summary = rampart_agent::events::summaries::repeated(
        &observation,
        41,
        r.header.boot_ns + 5_000_000_000,
        &clock,
    );
    assert_eq!(summary.repeat_count, 41);
    assert_eq!(summary.time.unix_nanos(), observation.time.unix_nanos() + 5_000_000_000);
    assert_eq!(summary.body, observation.body);
    assert_eq!(
        first["file"]["path"],
        serde_json::json!(match &observation.body {
            rampart_proto::domain::Observed::File(f) => f.path.clone(),
            _ => unreachable!(),
        })
    );
}
