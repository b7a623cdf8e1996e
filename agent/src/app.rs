//! The agent's lifecycle: config → build → spawn → signal → drain.
//!
//! Build: probe the tiers, compute this kernel's offsets, load the object and attach the
//! programs, then read pods and policies (after attaching, so no cgroup created in between is
//! missed). Spawn: the metrics server. Run: one loop owns the pipeline and reacts to ring-buffer
//! records, manifest and policy changes, a tick, and signals. Drain: on SIGTERM/SIGINT the
//! records already in the ring buffer are processed, held events released, output flushed.

use std::{
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use agent_common::{DROPS_MAP, EVENTS_MAP, record::RecordKind};
use aya::maps::{MapData, PerCpuArray};
use tokio::signal::unix::{SignalKind, signal};
use tracing::{info, warn};

use crate::{
    attribution::{Attributor, ManifestError},
    caps::{self, Concern, Tier},
    config::RunConfig,
    enforce::{
        kernel::{KernelPolicy, KernelPolicyError},
        policies::{PolicyDirError, PolicyStore},
    },
    events::{Pipeline, build::Clock, denies::DenySummaries, hold::Held, ring::Ring},
    export::{self, Exporter},
    loader::{self, LoadError, offsets, tracefs::Tracefs},
    process::ProcessTable,
    telemetry::{self, Metrics},
    watch::DirWatch,
};

/// How often kernel drop counters are read and the clock offset refreshed. Held events expire
/// on their own timer.
const TICK: Duration = Duration::from_secs(1);
/// How often the ring buffer is drained without a wakeup: records below the kernel's wakeup
/// threshold (`KernelConfig::wakeup_bytes`) wait at most this long.
const DRAIN: Duration = Duration::from_millis(100);
/// Full rescan of the cgroup hierarchy and re-read of the watched directories, in case a
/// change notification was missed (cgroup_mkdir records and inotify carry the real-time path).
const RESYNC: Duration = Duration::from_secs(300);
/// Events held at most, waiting for their pod.
const HOLD_CAPACITY: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Manifests(#[from] ManifestError),
    #[error(transparent)]
    Policies(#[from] PolicyDirError),
    #[error("map {0} is missing from the kernel object")]
    NoMap(&'static str),
    #[error(transparent)]
    Ring(#[from] crate::events::ring::RingError),
    #[error(transparent)]
    Network(#[from] KernelPolicyError),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> AppError {
    let what = what.into();
    move |source| AppError::Io { what, source }
}

pub async fn run(cfg: RunConfig) -> Result<(), AppError> {
    let metrics = Arc::new(Metrics::default());

    // Build.
    let report = caps::probe();
    for c in Concern::ALL {
        info!(concern = c.as_str(), tier = %report.concern(c).tier, "enforcement tier");
    }
    metrics.set_tiers(Concern::ALL.map(|c| (c, report.concern(c).tier)).to_vec());
    let tracefs = Tracefs::find_or_mount().map_err(LoadError::from)?;
    let mut kernel_config = offsets::kernel_config(&tracefs).map_err(LoadError::from)?;
    kernel_config.wakeup_bytes = cfg.ring_buffer_size / 8;
    let mut ebpf = loader::load_object(&kernel_config, cfg.ring_buffer_size)?;
    loader::attach_tracepoint(&mut ebpf, "cgroup_mkdir", "cgroup", "cgroup_mkdir")?;
    loader::attach_tracepoint(&mut ebpf, "cgroup_rmdir", "cgroup", "cgroup_rmdir")?;
    loader::attach_tracepoint(&mut ebpf, "exec", "sched", "sched_process_exec")?;
    let mut ring = Ring::new(ebpf.take_map(EVENTS_MAP).ok_or(AppError::NoMap(EVENTS_MAP))?)?;
    let drops: PerCpuArray<MapData, u64> =
        PerCpuArray::try_from(ebpf.take_map(DROPS_MAP).ok_or(AppError::NoMap(DROPS_MAP))?)
            .map_err(|e| LoadError::Object(e.into()))?;

    let (attributor, manifest_errors) = Attributor::new(cfg.cgroup_root.clone(), cfg.pod_manifests.clone())?;
    report_manifest_errors(&metrics, &manifest_errors);
    let mut policies = PolicyStore::new(cfg.policies.clone());
    let reload = policies.reload()?;
    report_policy_errors(&metrics, &reload.errors);
    let mut pipeline = Pipeline {
        node: cfg.node_name.clone(),
        clock: Clock::now(),
        attributor,
        policies,
        processes: ProcessTable::new(32 * 1024),
        held: Held::new(cfg.attribution_hold, HOLD_CAPACITY),
        exporter: Exporter::open(cfg.events_out.as_ref())
            .map_err(io("opening --events-out"))?
            .with_collector(
                cfg.collector.as_ref(),
                export::hello(&cfg.node_name, &export::new_boot_id(), &report),
                &metrics,
            )
            .map_err(io("opening --spool-dir"))?,
        metrics: Arc::clone(&metrics),
        kernel: Some(KernelPolicy::new(&mut ebpf, cfg.network)?),
        privilege_tier: report.privilege.tier,
        rootfs_tier: report.rootfs.tier,
        file_denies: crate::events::file_denies::FileDenies::new(&mut ebpf),
    };
    let mut denies = DenySummaries::new(&mut ebpf).ok_or(AppError::NoMap(agent_common::net::DENIES_MAP))?;
    // The maps say what the policies say before the programs that read them are attached.
    pipeline.sync_network();
    for program in loader::NETWORK_PROGRAMS {
        loader::attach_cgroup(&mut ebpf, program, &cfg.cgroup_root)?;
    }
    // The kernel's BTF, parsed once for every LSM program.
    let btf = if report.privilege.tier == Tier::Lsm || report.rootfs.tier == Tier::Lsm {
        Some(aya::Btf::from_sys_fs().map_err(LoadError::Btf)?)
    } else {
        None
    };
    let lsm_btf = || btf.as_ref().expect("parsed when a concern has the lsm tier");
    match report.privilege.tier {
        Tier::Lsm => loader::attach_privilege_lsm(&mut ebpf, lsm_btf())?,
        Tier::Sigkill => loader::attach_privilege_tracepoints(&mut ebpf)?,
        tier => {
            warn!(%tier, "privilege escalation cannot be observed on this node (see `rampart-agent probe`)")
        }
    }
    match report.rootfs.tier {
        Tier::Lsm => loader::attach_rootfs_lsm(&mut ebpf, lsm_btf())?,
        Tier::Sigkill => {
            let n = loader::attach_rootfs_tracepoints(&mut ebpf, &tracefs)?;
            info!(tracepoints = n, "root filesystem writes judged at syscall tracepoints");
        }
        tier => {
            warn!(%tier, "root filesystem writes cannot be observed on this node (see `rampart-agent probe`)")
        }
    }
    update_gauges(&pipeline);
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
                .map_err(io(format!("serving metrics on {addr}")))?;
            info!(addr = %bound, "serving /metrics, /healthz, /readyz");
            Some(AbortOnDrop(task))
        }
        None => None,
    };
    let mut sigterm = signal(SignalKind::terminate()).map_err(io("installing the SIGTERM handler"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(io("installing the SIGINT handler"))?;
    metrics.set_ready(true);
    info!(node = %cfg.node_name, pods = pipeline.attributor.pods(), policies = pipeline.policies.set().len(), "agent ready");

    // Run.
    let mut tick = tokio::time::interval(TICK);
    let mut drain = tokio::time::interval(DRAIN);
    drain.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_resync = Instant::now();
    loop {
        let expiry = pipeline.held.next_deadline();
        tokio::select! {
            read = ring.read(|bytes| pipeline.on_bytes(bytes)) => {
                read.map_err(io("reading the ring buffer"))?;
                pipeline.flush();
            }
            // What the kernel saw before a change is applied before it (a pod's cgroup records
            // before its Pod object).
            Some(()) = changed(pod_watch.as_ref()) => {
                ring.drain_now(|bytes| pipeline.on_bytes(bytes));
                reload_pods(&mut pipeline);
            }
            Some(()) = changed(policy_watch.as_ref()) => {
                ring.drain_now(|bytes| pipeline.on_bytes(bytes));
                reload_policies(&mut pipeline);
            }
            _ = drain.tick() => {
                if ring.drain_now(|bytes| pipeline.on_bytes(bytes)) > 0 {
                    pipeline.flush();
                }
            }
            () = until(expiry) => {
                pipeline.expire_held(Instant::now());
                pipeline.flush();
            }
            _ = tick.tick() => {
                pipeline.clock = Clock::now();
                pipeline.summarize_denies(&mut denies);
                pipeline.summarize_file_denies();
                pipeline.refresh_mounts();
                pipeline.flush();
                read_kernel_drops(&drops, &metrics);
                if last_resync.elapsed() >= RESYNC {
                    last_resync = Instant::now();
                    pipeline.attributor.rescan();
                    pipeline.sync_network();
                    reload_pods(&mut pipeline);
                    reload_policies(&mut pipeline);
                }
            }
            _ = sigterm.recv() => { info!("SIGTERM: draining"); break; }
            _ = sigint.recv() => { info!("SIGINT: draining"); break; }
        }
    }

    // Drain.
    metrics.set_ready(false);
    let n = ring.drain(|bytes| pipeline.on_bytes(bytes));
    pipeline.summarize_denies(&mut denies);
    pipeline.summarize_file_denies();
    pipeline.release_all_held();
    pipeline.flush();
    pipeline.exporter.close().await;
    read_kernel_drops(&drops, &metrics);
    info!(records = n, drops = metrics.total_drops(), "drained; exiting");
    Ok(())
}

/// Resolves at `deadline`; never, when there is none.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// Hand the memory freed after start-up (the kernel's BTF, parsed while loading) back to the
/// system, so RSS reflects what the agent keeps.
fn release_startup_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free heap pages.
    unsafe {
        libc::malloc_trim(0);
    }
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

fn reload_policies(p: &mut Pipeline) {
    match p.policies.reload() {
        Ok(r) => {
            report_policy_errors(&p.metrics, &r.errors);
            if r.changed {
                info!(policies = p.policies.set().len(), "policies reloaded");
                p.sync_network();
            }
        }
        Err(e) => {
            p.metrics.policy_errors.fetch_add(1, Relaxed);
            warn!(error = %e, "policies unreadable; keeping the policies in force");
        }
    }
    update_gauges(p);
}

fn update_gauges(p: &Pipeline) {
    p.metrics.pods.store(p.attributor.pods() as u64, Relaxed);
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
