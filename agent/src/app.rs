//! The agent's lifecycle: config → build → spawn → signal → drain.
//!
//! Build: probe the tiers, compute this kernel's offsets, load the object and attach the
//! programs, then read pods and policies (after attaching, so no cgroup created in between is
//! missed). With `--pin-dir`, the maps and enforcement links are pinned, or adopted from an
//! earlier agent of the same build ([`loader::pins`]); at SIGTERM they stay, unless the agent's
//! DaemonSet is being deleted. Spawn: the metrics server. Run: one loop owns the pipeline and reacts to ring-buffer
//! records, manifest and policy changes, a tick, and signals. Drain: on SIGTERM/SIGINT the
//! records already in the ring buffer are processed, held events released, output flushed.

use std::{
    collections::BTreeSet,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant, SystemTime},
};

use agent_common::{DROPS_MAP, EVENTS_MAP, record::RecordKind};
use aya::maps::{MapData, PerCpuArray};
use rampart_policy::dir::DirError;
use tokio::{
    signal::unix::{SignalKind, signal},
    sync::{mpsc, watch},
};
use tracing::{info, warn};

use crate::{
    attribution::{Attributor, ManifestError},
    caps::{self, Concern, ConcernReport, ProbeReport, Startup, Trial},
    config::RunConfig,
    enforce::{
        feasibility::{Feasibility, Tiers},
        kernel::{KernelPolicy, KernelPolicyError},
        policies::{PolicyReload, PolicyStore},
    },
    events::{Pipeline, build::Clock, hold::Held, ring::Ring, summaries::Summaries},
    export::{self, Exporter, observing::Observing},
    loader::{
        self, Attached, LoadError,
        pins::{self, Kept, PinError, Pins},
        unpin::Release,
    },
    process::ProcessTable,
    sources::{
        Delta, Resource, Update,
        api::{
            self as kube_api, ClientError,
            daemonset::Fate,
            node_status::{self, ConcernStatus, NodeStatus},
        },
    },
    telemetry::{self, Metrics},
    watch::DirWatch,
};

/// How often kernel drop counters are read and the clock offset refreshed. Held events expire
/// on their own timer.
const TICK: Duration = Duration::from_secs(1);
/// How often the ring buffer is drained without a wakeup: records below the kernel's wakeup
/// threshold (`KernelConfig::wakeup_bytes`) wait at most this long.
const DRAIN: Duration = Duration::from_millis(100);
/// After this long with no record read, the ring buffer is drained every [`IDLE_DRAIN`]
/// instead: an idle node's agent then wakes a few times a second, not thirty (each drain is a
/// timer wakeup). The first record found brings back the [`DRAIN`] pace; records that wake the
/// agent (new cgroups, held execs, a full eighth of the ring) are read at once either way.
const QUIET: Duration = Duration::from_secs(2);
const IDLE_DRAIN: Duration = Duration::from_secs(1);
/// Full rescan of the cgroup hierarchy and re-read of the watched directories, in case a
/// change notification was missed (cgroup_mkdir records and inotify carry the real-time path).
const RESYNC: Duration = Duration::from_secs(300);
/// Events held at most, waiting for their pod.
const HOLD_CAPACITY: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("pod manifests: {0}")]
    Manifests(DirError),
    #[error("policies: {0}")]
    Policies(DirError),
    #[error("map {0} is missing from the kernel object")]
    NoMap(&'static str),
    #[error(transparent)]
    Ring(#[from] crate::events::ring::RingError),
    #[error(transparent)]
    Network(#[from] KernelPolicyError),
    #[error(transparent)]
    Kube(#[from] ClientError),
    #[error("serving metrics on {addr}: {source}")]
    Metrics { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("{what}: {source}")]
    Io { what: &'static str, source: std::io::Error },
    #[error("engaging the rootfs concern failed on its thread: {0}")]
    Engage(tokio::task::JoinError),
    #[error("--pin-dir: {0}")]
    Pin(#[from] PinError),
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> AppError {
    move |source| AppError::Io { what, source }
}

pub async fn run(cfg: RunConfig) -> Result<(), AppError> {
    let started = Instant::now();
    let metrics = Arc::new(Metrics::default());

    // Build: start-up facts once, the object once, pods and policies into the maps, then each
    // concern's tier engaged (its programs attached) with the maps already saying what the
    // policies say.
    let mut startup = Startup::discover();
    startup.kernel.cgroup2 = Some(cfg.cgroup_root.display().to_string());
    let mut kernel_config = startup.kernel_config().map_err(LoadError::from)?;
    kernel_config.wakeup_bytes = cfg.ring_buffer_size / 8;
    // With --pin-dir, what an earlier agent of this build pinned is adopted: its maps are this
    // agent's maps, its tiers stay attached.
    let mut pins = match &cfg.pin_dir {
        Some(dir) => Some(Pins::open(dir, pins::build_id(&kernel_config, cfg.ring_buffer_size))?),
        None => None,
    };
    if let Some(p) = pins.as_ref().filter(|p| p.adopting()) {
        info!(dir = %p.dir().display(), "adopting the enforcement an earlier agent of this build left pinned");
    }
    let t = Instant::now();
    let mut ebpf = loader::load_object(&kernel_config, cfg.ring_buffer_size, pins.as_ref())?;
    // Attribution's tracepoints are this agent's own: never pinned.
    let mut links = vec![
        loader::attach_tracepoint(&mut ebpf, "cgroup_mkdir", "cgroup", "cgroup_mkdir")?,
        loader::attach_tracepoint(&mut ebpf, "cgroup_rmdir", "cgroup", "cgroup_rmdir")?,
        loader::attach_tracepoint(&mut ebpf, "exec", "sched", "sched_process_exec")?,
        loader::attach_tracepoint(&mut ebpf, "process_exit", "sched", "sched_process_exit")?,
    ];
    let mut ring = Ring::new(ebpf.take_map(EVENTS_MAP).ok_or(AppError::NoMap(EVENTS_MAP))?)?;
    let drops: PerCpuArray<MapData, u64> =
        PerCpuArray::try_from(ebpf.take_map(DROPS_MAP).ok_or(AppError::NoMap(DROPS_MAP))?)
            .map_err(|e| LoadError::Object(e.into()))?;
    let object_time = t.elapsed();

    let t = Instant::now();
    let (attributor, manifest_errors) =
        Attributor::new(cfg.cgroup_root.clone(), cfg.pod_manifests.clone()).map_err(AppError::Manifests)?;
    let pods_time = t.elapsed();
    report_manifest_errors(&metrics, &manifest_errors);
    let options = rampart_policy::ParseOptions { network_policies: cfg.network_policies };
    let mut policies = PolicyStore::new(cfg.policies.clone(), options);
    let reload = policies.reload().map_err(AppError::Policies)?;
    report_policy_errors(&metrics, &reload.errors);
    let mut kernel = KernelPolicy::new(&mut ebpf, cfg.network.clone())?;
    let adopted = pins.as_ref().is_some_and(Pins::adopting);
    if adopted {
        kernel.number_after_adopted();
    }
    // The maps say what the policies say before the programs that read them are attached.
    let t = Instant::now();
    sync_maps(&mut kernel, &attributor, policies.set(), &metrics);
    let maps_time = t.elapsed();
    let rootfs_adopted = pins.as_ref().is_some_and(|p| p.adopted(Concern::Rootfs).is_some());
    let mut engaged = Vec::new();
    let mut engage = |ebpf: &mut aya::Ebpf, c: Concern| -> Result<ConcernReport, AppError> {
        if let Some(p) = &pins
            && let Some(tier) = p.adopted(c)
        {
            return Ok(ConcernReport::adopted(c, tier, &p.dir().display().to_string()));
        }
        let t = Instant::now();
        let (r, attached) = caps::establish_concern(ebpf, &startup, &cfg.cgroup_root, c, Trial::Keep);
        engaged.push((c, t.elapsed()));
        links.extend(keep(pins.as_mut(), c, &r, attached)?);
        Ok(r)
    };
    let network = engage(&mut ebpf, Concern::Network)?;
    let privilege = engage(&mut ebpf, Concern::Privilege)?;
    // Rootfs programs judge only the pods of policies with a filesystem section: until one is
    // in force nothing would read them, so they are not verified and attached yet.
    let rootfs_waiting = !needs_rootfs(policies.set()) && !rootfs_adopted;
    let rootfs = if rootfs_waiting {
        ConcernReport::waiting(Concern::Rootfs, ROOTFS_WAITING)
    } else {
        engage(&mut ebpf, Concern::Rootfs)?
    };
    if let Some(p) = &pins {
        // An upgrade: the previous build's programs go once this one's are attached.
        for build in p.remove_other_builds() {
            info!(build, "removed the pinned enforcement of another agent build");
        }
    }
    let report = ProbeReport { network, rootfs, privilege, kernel: startup.kernel.clone(), rules: None };
    for c in Concern::ALL {
        let r = report.concern(c);
        info!(concern = c.as_str(), tier = %r.tier, reason = %r.tiers[&r.tier].reason, "enforcement tier");
    }
    let tiers = Tiers::of(&report);
    set_tiers(&metrics, tiers);
    let feasibility = Feasibility::assess(policies.set(), tiers);
    report_degraded(&metrics, &feasibility);
    let denies = Summaries::connections(&mut ebpf).ok_or(AppError::NoMap(agent_common::net::DENIES_MAP))?;
    // The node is observed from here on (the ring buffer keeps what comes before it is read):
    // the window since the previous boot stopped observing is reported.
    let boot_id = export::new_boot_id();
    let spool_dir = cfg.collector.as_ref().and_then(|c| c.spool_dir.as_deref());
    let (mut observing, unobserved) =
        spool_dir.map(|d| Observing::start(d, &boot_id, SystemTime::now())).unzip();
    let unobserved = unobserved.flatten();
    let mut hello = export::hello(&cfg.node_name, &boot_id, &report);
    hello.unobserved_before = unobserved.as_ref().map(Into::into);
    let mut pipeline = Pipeline {
        node: cfg.node_name.clone(),
        clock: Clock::now(),
        attributor,
        policies,
        processes: ProcessTable::new(crate::process::CAPACITY),
        held: Held::new(cfg.attribution_hold, HOLD_CAPACITY),
        exporter: Exporter::open(cfg.events_out.as_ref())
            .map_err(io("opening --events-out"))?
            .with_collector(cfg.collector.as_ref(), hello, &metrics)
            .map_err(io("opening --spool-dir"))?,
        metrics: Arc::clone(&metrics),
        kernel: Some(kernel),
        tiers,
        feasibility,
        denies: Some(denies),
        file_denies: Summaries::writes(&mut ebpf),
        recorder: crate::events::fixture::Recorder::from_env().map_err(io("opening RAMPART_RECORD_RING"))?,
        redaction: cfg.redaction.clone(),
    };
    if let Some(gap) = &unobserved {
        warn!(
            from = %gap.from.rfc3339(3),
            until = %gap.until.rfc3339(3),
            previous_boot = %gap.previous_boot_id,
            "nothing on this node was observed while no agent ran"
        );
        pipeline.send_unobserved(gap);
    }
    update_gauges(&pipeline);
    // The API source: its watchers, and this node's RampartNode writer.
    let mut standing = Standing {
        waiting: BTreeSet::new(),
        concerns: ConcernStatus::of(&report),
        kernel: (report.kernel.release.clone(), report.kernel.arch.clone()),
        status: None,
        ready: None,
    };
    let mut kube_client = None;
    let mut api_updates = match &cfg.api {
        Some(api) => {
            let client = kube_api::connect(api).await?;
            kube_client = Some(client.clone());
            let (pods, policies) = (cfg.pod_manifests.is_none(), cfg.policies.is_none());
            let network_policies = cfg.network_policies.filter(|_| policies);
            for (r, watched) in [
                (Resource::Pods, pods),
                (Resource::PeerPods, pods),
                (Resource::Namespaces, pods),
                (Resource::Policies, policies),
                (Resource::NetworkPolicies, network_policies.is_some()),
            ] {
                if watched {
                    standing.waiting.insert(r);
                    metrics.kube_watch_started(r.as_str());
                }
            }
            info!(?api, "pods and policies from the Kubernetes API");
            standing.status = Some(node_status::spawn(client.clone(), cfg.node_name.clone()));
            Some(kube_api::spawn(&client, &cfg.node_name, pods, policies, network_policies))
        }
        None => None,
    };
    for (step, took) in &startup.steps {
        info!(step, ms = took.as_millis() as u64, "start-up step");
    }
    for (step, took) in [
        ("object and tracepoints", object_time),
        ("pods and their cgroups", pods_time),
        ("maps from pods and policies", maps_time),
    ] {
        info!(step, ms = took.as_millis() as u64, "start-up step");
    }
    for (c, took) in engaged {
        info!(step = "tier engaged", concern = c.as_str(), ms = took.as_millis() as u64, "start-up step");
    }
    // The kernel's BTF (aya's parse, for LSM programs) is freed; the other start-up facts stay
    // while the rootfs concern waits for a policy that needs it.
    startup.release_btf();
    let mut programs = Programs {
        ebpf: Some(ebpf),
        rootfs_waiting: rootfs_waiting.then_some(startup),
        engaging: None,
        links,
        pins,
        prune_adopted: adopted,
    };
    release_startup_memory();

    let pod_watch = cfg
        .pod_manifests
        .as_deref()
        .map(DirWatch::new)
        .transpose()
        .map_err(io("watching --pod-manifests"))?;
    let policy_watch =
        cfg.policies.as_deref().map(DirWatch::new).transpose().map_err(io("watching --policies"))?;

    // Spawn.
    let _server = match cfg.metrics_addr {
        Some(addr) => {
            let (bound, task) = telemetry::serve(addr, Arc::clone(&metrics))
                .await
                .map_err(|source| AppError::Metrics { addr, source })?;
            info!(addr = %bound, "serving /metrics, /healthz, /readyz");
            Some(AbortOnDrop(task))
        }
        None => None,
    };
    let mut sigterm = signal(SignalKind::terminate()).map_err(io("installing the SIGTERM handler"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(io("installing the SIGINT handler"))?;
    metrics.set_startup(started.elapsed());
    standing.publish(&pipeline, &cfg);
    prune_adopted(&mut pipeline, &mut programs, &standing);

    // Run.
    let mut tick = tokio::time::interval(TICK);
    let drain = tokio::time::sleep(DRAIN);
    tokio::pin!(drain);
    // When a record was last read: past [`QUIET`], the ring is drained at the idle pace.
    let mut last_record = Instant::now();
    let mut last_resync = Instant::now();
    loop {
        let expiry = pipeline.held.next_deadline();
        tokio::select! {
            read = ring.read(|bytes| pipeline.on_bytes(bytes)) => {
                read.map_err(io("reading the ring buffer"))?;
                pipeline.flush();
                last_record = Instant::now();
                let busy = tokio::time::Instant::from_std(last_record + DRAIN);
                if drain.deadline() > busy {
                    drain.as_mut().reset(busy);
                }
            }
            // What the kernel saw before a change is applied before it (a pod's cgroup records
            // before its Pod object).
            Some(()) = changed(pod_watch.as_ref()) => {
                ring.drain_now(|bytes| pipeline.on_bytes(bytes));
                reload_pods(&mut pipeline);
            }
            Some(()) = changed(policy_watch.as_ref()) => {
                ring.drain_now(|bytes| pipeline.on_bytes(bytes));
                reload_policies(&mut pipeline, &cfg, &mut programs, &mut standing);
            }
            Some(update) = recv(api_updates.as_mut()) => {
                ring.drain_now(|bytes| pipeline.on_bytes(bytes));
                apply_update(&mut pipeline, &cfg, &mut programs, &mut standing, update);
                prune_adopted(&mut pipeline, &mut programs, &standing);
            }
            Some(done) = joined(programs.engaging.as_mut()) => {
                programs.engaging = None;
                let (ebpf, report, attached, started) = done.map_err(AppError::Engage)?;
                programs.ebpf = Some(ebpf);
                let kept = keep(programs.pins.as_mut(), Concern::Rootfs, &report, attached)?;
                programs.links.extend(kept);
                rootfs_engaged(&mut pipeline, &cfg, &mut standing, &report, started);
            }
            () = &mut drain => {
                let now = Instant::now();
                if ring.drain_now(|bytes| pipeline.on_bytes(bytes)) > 0 {
                    pipeline.flush();
                    last_record = now;
                }
                let pace = if now.duration_since(last_record) >= QUIET { IDLE_DRAIN } else { DRAIN };
                drain.as_mut().reset(tokio::time::Instant::from_std(now + pace));
            }
            () = until(expiry) => {
                pipeline.expire_held(Instant::now());
                pipeline.flush();
            }
            _ = tick.tick() => {
                pipeline.clock = Clock::now();
                pipeline.summarize();
                pipeline.refresh_mounts();
                pipeline.flush();
                if let Some(o) = &mut observing {
                    o.alive();
                }
                read_kernel_drops(&drops, &metrics);
                if last_resync.elapsed() >= RESYNC {
                    last_resync = Instant::now();
                    pipeline.attributor.rescan();
                    pipeline.sync_network();
                    reload_pods(&mut pipeline);
                    reload_policies(&mut pipeline, &cfg, &mut programs, &mut standing);
                }
            }
            _ = sigterm.recv() => { info!("SIGTERM: draining"); break; }
            _ = sigint.recv() => { info!("SIGINT: draining"); break; }
        }
    }

    // Drain.
    metrics.set_ready(false);
    let n = ring.drain(|bytes| pipeline.on_bytes(bytes));
    pipeline.summarize();
    pipeline.release_all_held();
    pipeline.stop_holding_execs();
    pipeline.flush();
    if let Some(o) = &mut observing {
        o.stopped();
    }
    pipeline.exporter.close().await;
    read_kernel_drops(&drops, &metrics);
    if let (Some(pins), Some(client), Some((ns, name))) = (&programs.pins, &kube_client, &cfg.daemonset) {
        leave_or_uninstall(pins, client, ns, name).await;
    }
    info!(records = n, drops = metrics.total_drops(), "drained; exiting");
    Ok(())
}

/// At SIGTERM with pinned enforcement: a rollout leaves it for the next agent; an uninstall
/// (the DaemonSet gone or being deleted) removes it.
async fn leave_or_uninstall(pins: &Pins, client: &kube::Client, ns: &str, name: &str) {
    let daemonset = format!("{ns}/{name}");
    match kube_api::daemonset::fate(client, ns, name).await {
        Ok(Fate::Stays) => {
            info!(daemonset, "the DaemonSet stays: enforcement left pinned for the next agent");
        }
        // This agent holds the tracepoint programs: they are released when it exits.
        Ok(Fate::Removed(why)) => match pins::uninstall(pins.root(), Release::AtExit) {
            Ok(r) => info!(
                daemonset,
                why,
                links = r.links,
                maps = r.maps,
                "the DaemonSet is being deleted: pinned enforcement removed from this node"
            ),
            Err(e) => {
                warn!(daemonset, error = %e, "the DaemonSet is being deleted, but removing the pinned enforcement failed")
            }
        },
        Err(e) => warn!(
            daemonset,
            error = %e,
            "could not ask whether the DaemonSet is being deleted: enforcement left pinned (`rampart-agent uninstall` removes it)"
        ),
    }
}

/// The result of a blocking task; never, when there is none.
async fn joined<T>(
    task: Option<&mut tokio::task::JoinHandle<T>>,
) -> Option<Result<T, tokio::task::JoinError>> {
    match task {
        Some(t) => Some(t.await),
        None => std::future::pending().await,
    }
}

/// Resolves at `deadline`; never, when there is none.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// Hand freed heap back to the system, so RSS reflects what the agent keeps: after start-up
/// (the kernel's BTF, parsed while loading) and after a full list of Pods from the API server,
/// this node's or the cluster's (the decoded pages of objects, of which only the slim form is
/// kept).
fn release_startup_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free heap pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The next update from the API source; never, when there is none.
async fn recv(rx: Option<&mut mpsc::Receiver<Update>>) -> Option<Update> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Apply what the API source says: pods into attribution, policies into force, watch health
/// into metrics. The first list of each kind is what readiness waits for.
fn apply_update(
    p: &mut Pipeline,
    cfg: &RunConfig,
    programs: &mut Programs,
    standing: &mut Standing,
    u: Update,
) {
    match u {
        Update::Health { resource, error } => {
            p.metrics.kube_watch_health(resource.as_str(), error.is_none());
            return;
        }
        Update::Pods(delta) => {
            let listed = matches!(delta, Delta::Reset(_));
            if listed {
                standing.waiting.remove(&Resource::Pods);
            }
            let changed = p.attributor.apply_pods(delta);
            if listed {
                release_startup_memory();
            }
            if changed {
                tracing::debug!(pods = p.attributor.pods(), "pods changed");
                p.sync_network();
                p.retry_held();
                p.flush();
            }
            update_gauges(p);
        }
        Update::PeerPods(delta) => {
            let listed = matches!(delta, Delta::Reset(_));
            if listed {
                standing.waiting.remove(&Resource::PeerPods);
            }
            let changed = p.attributor.apply_peer_pods(delta);
            if listed {
                release_startup_memory();
            }
            if changed {
                p.sync_network();
            }
            update_gauges(p);
        }
        Update::Namespaces(delta) => {
            if matches!(delta, Delta::Reset(_)) {
                standing.waiting.remove(&Resource::Namespaces);
            }
            // Namespace labels are part of pod identities (namespaceSelector peers).
            if p.attributor.apply_namespaces(delta) {
                p.sync_network();
            }
            update_gauges(p);
        }
        Update::Policies(delta) => {
            if matches!(*delta, Delta::Reset(_)) {
                standing.waiting.remove(&Resource::Policies);
            }
            let r = p.policies.apply(*delta);
            policies_applied(p, cfg, programs, standing, r);
        }
        Update::NetworkPolicies(delta) => {
            if matches!(*delta, Delta::Reset(_)) {
                standing.waiting.remove(&Resource::NetworkPolicies);
            }
            let r = p.policies.apply_network_policies(*delta);
            policies_applied(p, cfg, programs, standing, r);
        }
    }
    standing.publish(p, cfg);
}

/// Resolves when `watch` reports a change; never, when there is no watch.
async fn changed(watch: Option<&DirWatch>) -> Option<()> {
    match watch {
        Some(w) => match w.changed().await {
            Ok(()) => Some(()),
            Err(e) => {
                warn!(error = %e, "directory watch failed; relying on periodic re-reads");
                std::future::pending().await
            }
        },
        None => std::future::pending().await,
    }
}

fn reload_pods(p: &mut Pipeline) {
    match p.attributor.reload_pods() {
        Ok(r) => {
            report_manifest_errors(&p.metrics, &r.errors);
            if r.changed {
                info!(pods = p.attributor.pods(), "pod manifests reloaded");
                p.sync_network();
                p.retry_held();
                p.flush();
            }
        }
        Err(e) => {
            p.metrics.manifest_errors.fetch_add(1, Relaxed);
            warn!(error = %e, "pod manifests unreadable; keeping the pods known");
        }
    }
    update_gauges(p);
}

/// Why the rootfs concern is not engaged yet.
const ROOTFS_WAITING: &str = "no policy in force has a filesystem section; engaged when one arrives";

fn needs_rootfs(policies: &rampart_policy::PolicySet) -> bool {
    policies.iter().any(|p| p.spec.filesystem.is_some())
}

/// What the rootfs thread hands back: the object, what was engaged, its links, and since when.
type RootfsEngaged = (aya::Ebpf, ConcernReport, Vec<Attached>, Instant);

/// The loaded object and the links attached while this agent runs, the pins that keep the
/// rest attached without it, and, while the rootfs concern waits for a policy that needs it,
/// the start-up facts it will be engaged with.
struct Programs {
    /// `None` only while a blocking thread engages the rootfs concern with it.
    ebpf: Option<aya::Ebpf>,
    rootfs_waiting: Option<Startup>,
    engaging: Option<tokio::task::JoinHandle<RootfsEngaged>>,
    /// Links not pinned: attached while they live.
    links: Vec<Attached>,
    pins: Option<Pins>,
    /// The maps were adopted and still hold what the earlier agent wrote.
    prune_adopted: bool,
}

/// The links of a concern's engaged tier: pinned with `pins` (then nothing comes back), else
/// returned for the agent to keep. A tier bpffs cannot hold is kept too, with a warning.
fn keep(
    pins: Option<&mut Pins>,
    c: Concern,
    r: &ConcernReport,
    links: Vec<Attached>,
) -> Result<Vec<Attached>, AppError> {
    let Some(pins) = pins else { return Ok(links) };
    match pins.keep(c, r.tier, links)? {
        Kept::Pinned => Ok(Vec::new()),
        Kept::Unpinnable(why, links) => {
            warn!(concern = c.as_str(), "{why}");
            Ok(links)
        }
    }
}

/// Once every pod and policy is known, removes what adopted maps still hold of the earlier
/// agent's state (see `KernelPolicy::prune_adopted`).
fn prune_adopted(p: &mut Pipeline, programs: &mut Programs, standing: &Standing) {
    if !programs.prune_adopted || !standing.waiting.is_empty() {
        return;
    }
    programs.prune_adopted = false;
    if let Some(kernel) = p.kernel.as_mut() {
        let removed = kernel.prune_adopted();
        info!(entries = removed, "removed what the adopted maps held of the earlier agent's state");
    }
}

fn set_tiers(metrics: &Metrics, tiers: Tiers) {
    metrics.set_tiers(Concern::ALL.map(|c| (c, tiers.get(c))).to_vec());
}

/// A policy with a filesystem section arrived: engage the rootfs concern now, with the
/// start-up facts kept for it (only the BTF is parsed again, where LSM programs can run; the
/// maps already say what the policy says). The verifier may take seconds (more than ten under
/// emulation), so it runs on a blocking thread with the object: meanwhile events are read,
/// and metrics and health answered; [`rootfs_engaged`] takes the result.
fn engage_rootfs(cfg: &RunConfig, programs: &mut Programs, mut startup: Startup) {
    let Some(mut ebpf) = programs.ebpf.take() else { return };
    let cgroup_root = cfg.cgroup_root.clone();
    programs.engaging = Some(tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        startup.reparse_btf();
        let (r, links) =
            caps::establish_concern(&mut ebpf, &startup, &cgroup_root, Concern::Rootfs, Trial::Keep);
        drop(startup);
        release_startup_memory();
        (ebpf, r, links, t)
    }));
}

/// The rootfs concern is engaged (on the tier `r` names): say so everywhere.
fn rootfs_engaged(
    p: &mut Pipeline,
    cfg: &RunConfig,
    standing: &mut Standing,
    r: &ConcernReport,
    started: Instant,
) {
    info!(
        concern = "rootfs",
        tier = %r.tier,
        reason = %r.tiers[&r.tier].reason,
        ms = started.elapsed().as_millis() as u64,
        "enforcement tier (a policy with a filesystem section arrived)"
    );
    p.tiers.rootfs = r.tier;
    if let Some(c) = standing.concerns.iter_mut().find(|c| c.concern == Concern::Rootfs) {
        *c =
            ConcernStatus { concern: Concern::Rootfs, tier: r.tier, reason: r.tiers[&r.tier].reason.clone() };
    }
    set_tiers(&p.metrics, p.tiers);
    p.feasibility = Feasibility::assess(p.policies.set(), p.tiers);
    report_degraded(&p.metrics, &p.feasibility);
    update_gauges(p);
    standing.publish(p, cfg);
}

fn reload_policies(p: &mut Pipeline, cfg: &RunConfig, programs: &mut Programs, standing: &mut Standing) {
    match p.policies.reload() {
        Ok(r) => policies_applied(p, cfg, programs, standing, r),
        Err(e) => {
            p.metrics.policy_errors.fetch_add(1, Relaxed);
            warn!(error = %e, "policies unreadable; keeping the policies in force");
            update_gauges(p);
        }
    }
}

/// After the policies changed (from either source): report refusals, make the maps say what
/// the new set says, engage rootfs when it is first needed, and re-assess feasibility.
fn policies_applied(
    p: &mut Pipeline,
    cfg: &RunConfig,
    programs: &mut Programs,
    standing: &mut Standing,
    r: PolicyReload,
) {
    report_policy_errors(&p.metrics, &r.errors);
    if r.changed {
        info!(policies = p.policies.set().len(), "policies changed");
        p.sync_network();
        if needs_rootfs(p.policies.set())
            && let Some(startup) = programs.rootfs_waiting.take()
        {
            engage_rootfs(cfg, programs, startup);
        }
        p.feasibility = Feasibility::assess(p.policies.set(), p.tiers);
        report_degraded(&p.metrics, &p.feasibility);
        p.metrics.policy_changes.fetch_add(1, Relaxed);
    }
    update_gauges(p);
    standing.publish(p, cfg);
}

/// What the agent says about itself beyond counters: readiness (`/readyz`, the log) and, with
/// the API source, this node's `RampartNode` object.
struct Standing {
    /// Kinds whose first list from the API server has not arrived.
    waiting: BTreeSet<Resource>,
    concerns: Vec<ConcernStatus>,
    /// Kernel release and architecture.
    kernel: (String, String),
    status: Option<watch::Sender<Option<NodeStatus>>>,
    /// Whether the agent was ready when last published (to log changes once).
    ready: Option<bool>,
}

impl Standing {
    fn publish(&mut self, p: &Pipeline, cfg: &RunConfig) {
        let mut why = Vec::new();
        if !self.waiting.is_empty() {
            let kinds: Vec<&str> = self.waiting.iter().map(|r| r.as_str()).collect();
            let kinds = match kinds.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            why.push(format!("waiting for the first list of {kinds} from the API server"));
        }
        why.extend(require_enforcement(cfg, &p.feasibility));
        let unready = (!why.is_empty()).then(|| why.join("; "));
        let ready = unready.is_none();
        p.metrics.set_readiness(unready.clone());
        if self.ready != Some(ready) {
            self.ready = Some(ready);
            match &unready {
                None => info!(
                    node = %cfg.node_name,
                    pods = p.attributor.pods(),
                    policies = p.policies.set().len(),
                    startup_ms = p.metrics.startup().as_millis() as u64,
                    "agent ready"
                ),
                Some(why) => warn!("agent not ready: {why}"),
            }
        }
        if let Some(tx) = &self.status {
            let status = self.node_status(p, ready);
            tx.send_if_modified(|old| {
                let changed = old.as_ref() != Some(&status);
                *old = Some(status);
                changed
            });
        }
    }

    /// The `RampartNode` status: tiers, and the rules of every policy selecting a pod here.
    fn node_status(&self, p: &Pipeline, ready: bool) -> NodeStatus {
        let set = p.policies.set();
        let here: BTreeSet<String> = set
            .iter()
            .filter(|pol| p.attributor.all_pods().any(|pod| pol.selects(&pod.namespace, &**pod)))
            .map(|pol| pol.key())
            .collect();
        let rules: Vec<_> =
            p.feasibility.rules.iter().filter(|r| here.contains(&r.policy)).cloned().collect();
        NodeStatus {
            kernel: self.kernel.0.clone(),
            arch: self.kernel.1.clone(),
            agent_version: env!("CARGO_PKG_VERSION"),
            concerns: self.concerns.clone(),
            degraded_rules: rules.iter().filter(|r| r.degraded).count(),
            rules,
            pods: p.attributor.pods(),
            policies: set.len(),
            ready,
        }
    }
}

/// With `--require-enforcement`, why the agent must not be ready: the `enforce` rules this
/// node would let through.
fn require_enforcement(cfg: &RunConfig, f: &Feasibility) -> Option<String> {
    if !cfg.require_enforcement {
        return None;
    }
    let rules: Vec<String> =
        f.degraded().map(|r| format!("{} {} ({})", r.policy, r.rule, r.reason)).collect();
    (!rules.is_empty()).then(|| {
        format!(
            "--require-enforcement: {} enforce rule(s) would be degraded: {}",
            rules.len(),
            rules.join("; ")
        )
    })
}

/// Log each degraded rule and export them as `rampart_rules_degraded`.
fn report_degraded(metrics: &Metrics, f: &Feasibility) {
    for r in f.degraded() {
        warn!(policy = %r.policy, rule = r.rule, tier = %r.tier, "degraded rule: {}", r.reason);
    }
    metrics.set_feasibility(f.rules.clone());
}

/// Make the kernel's per-pod maps say what the policies say about the known pods.
pub fn sync_maps(
    kernel: &mut KernelPolicy,
    pods: &Attributor,
    policies: &rampart_policy::PolicySet,
    metrics: &Metrics,
) {
    match kernel.sync(pods, policies) {
        Ok(r) => {
            for e in &r.errors {
                warn!("network rules: {e}");
            }
            if r.sets_added + r.sets_removed + r.entries_written + r.entries_removed > 0 {
                tracing::debug!(?r, "kernel maps synced");
            }
        }
        Err(e) => {
            metrics.policy_errors.fetch_add(1, Relaxed);
            warn!(error = %e, "writing kernel maps failed");
        }
    }
}

fn update_gauges(p: &Pipeline) {
    p.metrics.pods.store(p.attributor.pods() as u64, Relaxed);
    p.metrics.namespaces.store(p.attributor.namespaces() as u64, Relaxed);
    p.metrics.pod_cgroups.store(p.attributor.pod_cgroups() as u64, Relaxed);
    p.metrics.policies.store(p.policies.set().len() as u64, Relaxed);
}

fn report_manifest_errors(metrics: &Metrics, errors: &[ManifestError]) {
    for e in errors {
        metrics.manifest_errors.fetch_add(1, Relaxed);
        warn!("pod manifest refused: {e}");
    }
}

fn report_policy_errors(metrics: &Metrics, errors: &[rampart_policy::PolicyError]) {
    for e in errors {
        metrics.policy_errors.fetch_add(1, Relaxed);
        warn!("policy refused: {e}");
    }
}

fn read_kernel_drops(drops: &PerCpuArray<MapData, u64>, metrics: &Metrics) {
    for kind in RecordKind::ALL {
        if let Ok(per_cpu) = drops.get(&(kind as u32), 0) {
            metrics.set_ringbuf_drops(kind, per_cpu.iter().sum());
        }
    }
    for (i, (slot, _)) in agent_common::record::KERNEL_DROPS.iter().enumerate() {
        if let Ok(per_cpu) = drops.get(slot, 0) {
            metrics.set_kernel_drops(i, per_cpu.iter().sum());
        }
    }
}

/// Aborts a spawned task when dropped (the metrics server ends with the agent).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
