//! The event pipeline, one record at a time, in ring-buffer order:
//! decode (kind header via `TryFrom`, unknown kinds counted) → a typed observation
//! ([`rampart_proto::domain`]: `build.rs`, `file.rs`, `privilege.rs`) → attribute it to its pod
//! (or hold it until the pod is known) → judge it with the policy crate's verdict function →
//! remove what must not leave the node ([`redact`]) → convert it to `rampart.v1.Event`, once,
//! and export it.
//!
//! Cgroup records update attribution in the same order as the events, so a process's exec
//! never overtakes the creation of its cgroup.

pub mod build;
pub mod file;
pub mod fixture;
pub mod hold;
pub mod privilege;
pub mod redact;
pub mod ring;
pub mod summaries;

use std::{sync::Arc, time::Instant};

use agent_common::{
    net::{DenyKey, FlowRecord, PHASE_DENIED},
    record::{CgroupRecord, EXEC_HELD, ExecRecord},
    rootfs::FileDenyKey,
    user::{DecodeError, Record, c_bytes},
};
use rampart_policy::{Action, verdict::judge};
use rampart_proto::domain::{Attributed, Judged, Observation, Observed, PodRef, RemotePod, Verdict};
use tracing::{debug, warn};

use crate::{
    attribution::{Attributor, Resolution},
    caps::Concern,
    enforce::{
        feasibility::{Feasibility, Tiers},
        kernel::KernelPolicy,
        policies::PolicyStore,
    },
    export::Exporter,
    process::ProcessTable,
    telemetry::{AttributionResult, DropStage, Metrics},
};
use build::Clock;
use hold::{Held, HeldEvent};

pub struct Pipeline {
    pub node: String,
    pub clock: Clock,
    pub attributor: Attributor,
    pub policies: PolicyStore,
    pub processes: ProcessTable,
    pub held: Held,
    pub exporter: Exporter,
    pub metrics: Arc<Metrics>,
    /// The kernel's per-pod policy maps, when the programs that read them are attached.
    pub kernel: Option<KernelPolicy>,
    /// The tier acting for each concern on this node.
    pub tiers: Tiers,
    /// Which rules of the policies in force are degraded on this node.
    pub feasibility: Feasibility,
    /// Refused connections counted in the kernel, to summarise.
    pub denies: Option<summaries::Summaries<DenyKey>>,
    /// Refused writes counted in the kernel, to summarise.
    pub file_denies: Option<summaries::Summaries<FileDenyKey>>,
    /// Where pods' raw records are recorded (`RAMPART_RECORD_RING`: making test fixtures).
    pub recorder: Option<fixture::Recorder>,
    /// What is removed from an event before it leaves the node.
    pub redaction: redact::Redaction,
}

impl Pipeline {
    /// One raw ring-buffer record.
    pub fn on_bytes(&mut self, bytes: &[u8]) {
        match Record::try_from(bytes) {
            Ok(record) => {
                self.metrics.record(record.kind());
                self.record_fixture(&record, bytes);
                match record {
                    Record::Exec(r) => self.on_exec(&r),
                    Record::CgroupMkdir(c) => self.on_cgroup(&c, true),
                    Record::CgroupRmdir(c) => self.on_cgroup(&c, false),
                    Record::Flow(f) => self.on_flow(&f),
                    Record::Privilege(p) => self.on_privilege(&p),
                    Record::File(f) => self.on_file(&f),
                    Record::Exit(e) => self.processes.exited(e.pid),
                }
            }
            Err(DecodeError::UnknownKind(kind)) => {
                self.metrics.dropped(DropStage::DecodeUnknownKind);
                debug!(kind, "record of unknown kind skipped");
            }
            Err(e @ DecodeError::Short { .. }) => {
                self.metrics.dropped(DropStage::DecodeShort);
                debug!(error = %e, "short record skipped");
            }
        }
    }

    /// Keep a pod's record for the fixtures, when recording.
    fn record_fixture(&mut self, record: &Record, bytes: &[u8]) {
        let (Some(recorder), Some(cgroup_id)) = (&mut self.recorder, record.actor_cgroup()) else { return };
        let of_a_pod =
            matches!(self.attributor.resolve(cgroup_id), Resolution::Pod { .. } | Resolution::PodNotKnown(_));
        if of_a_pod && let Err(e) = recorder.record(bytes) {
            warn!(error = %e, "recording a record failed; recording stops");
            self.recorder = None;
        }
    }

    fn on_cgroup(&mut self, c: &CgroupRecord, created: bool) {
        if created {
            let path = String::from_utf8_lossy(c_bytes(&c.path, c.path_len as usize));
            // Every hierarchy's cgroups come through; only v2 ones are found under our root.
            let is_v2 = crate::attribution::cgroupfs::cgroup_id(
                &self.attributor.root().join(path.trim_start_matches('/')),
            )
            .is_ok_and(|id| id == c.cgroup_id);
            if is_v2 && self.attributor.cgroup_created(c.cgroup_id, &path) {
                self.sync_network();
            }
        } else if self.attributor.cgroup_removed(c.cgroup_id) {
            self.sync_network();
        }
        self.metrics
            .pod_cgroups
            .store(self.attributor.pod_cgroups() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    fn on_exec(&mut self, r: &ExecRecord) {
        // Released first: the process is stopped until then.
        if r.flags & EXEC_HELD != 0
            && let Some(k) = &mut self.kernel
        {
            self.metrics.released(&k.resume_held());
        }
        let parent = self.processes.parent(r.task.ppid);
        let observation = build::exec(r, &self.clock, parent);
        if let Observed::Exec(e) = &observation.body {
            self.processes.exec(observation.process.pid, &observation.process.comm, &e.binary);
        }
        self.attribute(observation, r.task.cgroup_id, Instant::now());
    }

    fn on_flow(&mut self, r: &FlowRecord) {
        let binary = self.processes.binary(r.flow.pid, &r.flow.comm);
        let parent = self.processes.parent(r.flow.owner.ppid);
        let observation = build::flow(r, &self.clock, parent, binary);
        if r.phase == PHASE_DENIED
            && let Some(d) = &mut self.denies
        {
            d.remember(DenyKey::of(&r.flow), r.flow.cgroup_id, &observation);
        }
        self.attribute(observation, r.flow.cgroup_id, Instant::now());
    }

    fn on_privilege(&mut self, r: &agent_common::privilege::PrivRecord) {
        let parent = self.processes.parent(r.task.ppid);
        let binary = self.processes.binary(r.task.pid, &r.task.comm);
        let observation = privilege::privilege(r, &self.clock, parent, binary, self.tiers.privilege);
        self.attribute(observation, r.task.cgroup_id, Instant::now());
    }

    fn on_file(&mut self, r: &agent_common::rootfs::FileRecord) {
        let parent = self.processes.parent(r.task.ppid);
        let binary = self.processes.binary(r.task.pid, &r.task.comm);
        let observation = file::file(r, &self.clock, parent, binary, self.tiers.rootfs);
        if let Some(d) = &mut self.file_denies {
            d.remember(summaries::write_key(r), r.task.cgroup_id, &observation);
        }
        self.attribute(observation, r.task.cgroup_id, Instant::now());
    }

    /// Summaries of the refused connections and writes counted in the kernel since the last
    /// tick.
    pub fn summarize(&mut self) {
        let now = build::boot_ns();
        let scans: Vec<summaries::Scan> = [
            self.denies.as_mut().map(|d| d.scan(now, &self.clock)),
            self.file_denies.as_mut().map(|d| d.scan(now, &self.clock)),
        ]
        .into_iter()
        .flatten()
        .collect();
        for scan in scans {
            self.metrics.dropped_n(DropStage::SummaryUnmatched, scan.unmatched);
            for (cgroup_id, summary) in scan.summaries {
                self.attribute(summary, cgroup_id, Instant::now());
            }
        }
    }

    /// Learn the mount tables of new containers whose root filesystem is judged.
    pub fn refresh_mounts(&mut self) {
        if let Some(k) = &mut self.kernel {
            // Only the sigkill tier places path strings with the mount tables.
            let hold = self.tiers.rootfs == crate::caps::Tier::Sigkill;
            match k.refresh_mounts(&self.attributor, hold) {
                Ok(released) => self.metrics.released(&released),
                Err(e) => warn!(error = %e, "renewing the hold on unknown mount tables failed"),
            }
            self.metrics.mount_tables.store(k.mount_tables() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The agent is stopping: the kernel holds no exec from now on, and those it holds run.
    pub fn stop_holding_execs(&mut self) {
        if let Some(k) = &mut self.kernel {
            self.metrics.released(&k.stop_holding());
        }
    }

    /// Make the kernel's per-pod maps say what the policies say about the known pods.
    pub fn sync_network(&mut self) {
        if let Some(kernel) = &mut self.kernel {
            crate::app::sync_maps(kernel, &self.attributor, self.policies.set(), &self.metrics);
        }
    }

    /// Attribute and emit, or hold until the pod is known.
    fn attribute(&mut self, observation: Observation, cgroup_id: u64, now: Instant) {
        match self.attributor.resolve(cgroup_id) {
            Resolution::Pod { pod, container_id } => {
                let namespace = self.attributor.namespace(&pod.namespace).cloned();
                let pod = PodRef::Known { pod, namespace, container_id, late: false };
                self.judge_and_emit(observation, Attributed { cgroup_id, pod }, AttributionResult::Exact);
            }
            Resolution::PodNotKnown(pc) => {
                let pod = PodRef::Unknown { uid: Some(pc.pod_uid), container_id: pc.container_id };
                if let Some(out) = self.held.push(cgroup_id, observation, pod, now) {
                    self.release(out);
                }
            }
            Resolution::Host => {
                let attributed = Attributed { cgroup_id, pod: PodRef::Host };
                self.judge_and_emit(observation, attributed, AttributionResult::Host);
            }
            Resolution::UnknownCgroup => {
                let pod = PodRef::Unknown { uid: None, container_id: None };
                self.judge_and_emit(observation, Attributed { cgroup_id, pod }, AttributionResult::Unknown);
            }
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Judge the observation for its pod (the policies selecting it, by its labels) and emit.
    /// Where the kernel acted, its action stands and the verdict function names the policy and
    /// rule.
    fn judge_and_emit(&mut self, observation: Observation, attributed: Attributed, how: AttributionResult) {
        let selecting = match attributed.pod.known() {
            Some(p) => self.policies.set().selecting(&p.namespace, p),
            None => rampart_policy::Selecting::new(),
        };
        // A flow names the pod at its remote address (what selectors are matched against);
        // the judged pod itself is the other end (its port names are the ones ingress rules
        // name).
        let mut observation = observation;
        let mut local = None;
        if let Observed::Flow(f) = &mut observation.body {
            f.remote_pod = self
                .attributor
                .peers()
                .get(f.remote_ip)
                .map(|peer| RemotePod { name: peer.pod.name.clone(), identity: Arc::clone(&peer.identity) });
            // Only ingress rules name the judged pod's own ports.
            if f.direction == rampart_policy::Direction::Ingress {
                local = attributed.pod.known().map(|p| self.attributor.identity_of(p));
            }
        }
        let mut activity = observation.activity();
        if let rampart_policy::Activity::Connection { local: mine, .. } = &mut activity {
            *mine = local.as_ref();
        }
        let judgement = judge(&selecting, &activity);
        drop(selecting);
        let degraded = concern(&observation.body)
            .is_some_and(|c| judgement.policy.as_deref().is_some_and(|p| self.feasibility.is_degraded(p, c)));
        let (verdict, agrees) = Verdict::of(observation.kernel, judgement, degraded);
        if !agrees {
            self.metrics.verdict_mismatches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            debug!(
                activity = ?activity,
                "the kernel's decision and the verdict function disagree (policy changed?)"
            );
        }
        self.emit(Judged { observation, attributed, verdict, redacted: false }, how);
    }

    /// The export edge: redact, count, convert to `rampart.v1.Event` (once), send.
    fn emit(&mut self, mut judged: Judged, how: AttributionResult) {
        judged.redacted = self.redaction.apply(&mut judged.observation);
        if judged.redacted {
            self.metrics.redacted_events.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.metrics.attributed(how);
        self.metrics.event(judged.observation.kind());
        let v = &judged.verdict;
        if let (Action::Audit, Some(policy)) = (v.action, &v.policy) {
            self.metrics.audited_event(policy, v.rule.as_deref().unwrap_or_default());
        }
        if let Err(e) = self.exporter.send(judged.into_event(&self.node)) {
            self.metrics.dropped(DropStage::Export);
            warn!(error = %e, "writing an event failed");
        }
    }

    /// Pods may have appeared: retry every held observation.
    pub fn retry_held(&mut self) {
        for item in self.held.take_all() {
            let HeldEvent { deadline, cgroup_id, observation, pod } = item;
            match self.attributor.resolve(cgroup_id) {
                Resolution::Pod { pod, container_id } => {
                    let namespace = self.attributor.namespace(&pod.namespace).cloned();
                    let pod = PodRef::Known { pod, namespace, container_id, late: true };
                    self.judge_and_emit(observation, Attributed { cgroup_id, pod }, AttributionResult::Late);
                }
                Resolution::PodNotKnown(_) => {
                    self.held.put_back(HeldEvent { deadline, cgroup_id, observation, pod })
                }
                Resolution::Host | Resolution::UnknownCgroup => {
                    self.judge_and_emit(
                        observation,
                        Attributed { cgroup_id, pod },
                        AttributionResult::Unknown,
                    );
                }
            }
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Release held observations whose hold expired as `unknown`.
    pub fn expire_held(&mut self, now: Instant) {
        for item in self.held.expired(now) {
            self.release(item);
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// At shutdown: one last retry, then everything still held goes out as `unknown`.
    pub fn release_all_held(&mut self) {
        self.retry_held();
        for item in self.held.take_all() {
            self.release(item);
        }
    }

    /// A held observation goes out with what is known of its pod (`unknown`).
    fn release(&mut self, item: HeldEvent) {
        let attributed = Attributed { cgroup_id: item.cgroup_id, pod: item.pod };
        self.judge_and_emit(item.observation, attributed, AttributionResult::Unknown);
    }

    /// Report the window in which no agent observed this node (from the previous boot's record).
    pub fn send_unobserved(&mut self, gap: &rampart_proto::domain::Gap) {
        self.metrics.event(rampart_proto::event::Kind::Gap);
        if let Err(e) = self.exporter.send(gap.to_event(&self.node)) {
            self.metrics.dropped(DropStage::Export);
            warn!(error = %e, "writing the gap event failed");
        }
    }

    pub fn flush(&mut self) {
        if let Err(e) = self.exporter.flush() {
            self.metrics.dropped(DropStage::Export);
            warn!(error = %e, "flushing events failed");
        }
    }
}

/// The concern whose programs act on an observation (an exec has none).
fn concern(body: &Observed) -> Option<Concern> {
    match body {
        Observed::Exec(_) => None,
        Observed::Flow(_) => Some(Concern::Network),
        Observed::File(_) => Some(Concern::Rootfs),
        Observed::Privilege(_) => Some(Concern::Privilege),
    }
}
