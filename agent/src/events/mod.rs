//! The event pipeline, one record at a time, in ring-buffer order:
//! decode (kind header via `TryFrom`, unknown kinds counted) → build the event → attribute it
//! to its pod (or hold it until the pod is known) → judge it with the policy crate's verdict
//! function → export it.
//!
//! Cgroup records update attribution in the same order as the events, so a process's exec
//! never overtakes the creation of its cgroup.

pub mod build;
pub mod denies;
pub mod file;
pub mod file_denies;
pub mod hold;
pub mod privilege;
pub mod ring;
pub mod subject;

use std::{sync::Arc, time::Instant};

use agent_common::{
    net::FlowRecord,
    record::{CgroupRecord, ExecRecord},
    user::{DecodeError, Record, c_bytes},
};
use rampart_policy::verdict::judge;
use rampart_proto::v1::{Event, Pod, pod::Attribution, verdict};
use tracing::{debug, warn};

use crate::{
    attribution::{Attributor, PodInfo, Resolution, namespaces::NamespaceInfo},
    caps::Tier,
    enforce::{
        feasibility::{Feasibility, Tiers},
        kernel::KernelPolicy,
        name_verdict,
        policies::PolicyStore,
        verdict_record,
    },
    export::Exporter,
    process::ProcessTable,
    telemetry::{AttributionResult, DropStage, Metrics},
};
use build::Clock;
use hold::{Held, HeldEvent};
use subject::Subject;

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
    /// Refused writes counted in the kernel, to summarise.
    pub file_denies: Option<file_denies::FileDenies>,
}

impl Pipeline {
    /// One raw ring-buffer record.
    pub fn on_bytes(&mut self, bytes: &[u8]) {
        match Record::try_from(bytes) {
            Ok(record) => {
                self.metrics.record(record.kind());
                match record {
                    Record::Exec(r) => self.on_exec(&r),
                    Record::CgroupMkdir(c) => self.on_cgroup(&c, true),
                    Record::CgroupRmdir(c) => self.on_cgroup(&c, false),
                    Record::Flow(f) => self.on_flow(&f),
                    Record::Privilege(p) => self.on_privilege(&p),
                    Record::File(f) => self.on_file(&f),
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
        let parent = self.processes.parent(r.task.ppid);
        let event = build::exec_event(r, &self.node, &self.clock, parent);
        if let Some(p) = &event.process {
            self.processes.exec(p.pid, &p.comm, &p.binary);
        }
        self.attribute(event, Subject::Exec, r.task.cgroup_id, Instant::now());
    }

    fn on_flow(&mut self, r: &FlowRecord) {
        let binary = self.processes.binary(r.flow.pid);
        let event = build::flow_event(&r.into(), &self.node, &self.clock, binary);
        self.attribute(event, Subject::connection(&r.flow), r.flow.cgroup_id, Instant::now());
    }

    fn on_privilege(&mut self, r: &agent_common::privilege::PrivRecord) {
        let parent = self.processes.parent(r.task.ppid);
        let binary = self.processes.binary(r.task.pid);
        let event =
            privilege::privilege_event(r, &self.node, &self.clock, parent, binary, self.tiers.privilege);
        self.attribute(event, Subject::Escalation, r.task.cgroup_id, Instant::now());
    }

    fn on_file(&mut self, r: &agent_common::rootfs::FileRecord) {
        if let Some(d) = &mut self.file_denies {
            d.remember(r);
        }
        self.emit_file(r);
    }

    fn emit_file(&mut self, r: &agent_common::rootfs::FileRecord) {
        let parent = self.processes.parent(r.task.ppid);
        let binary = self.processes.binary(r.task.pid);
        let event = file::file_event(r, &self.node, &self.clock, parent, binary, self.tiers.rootfs);
        let subject = Subject::File { unresolved: r.flags & agent_common::rootfs::FILE_UNRESOLVED != 0 };
        self.attribute(event, subject, r.task.cgroup_id, Instant::now());
    }

    /// Summaries of refused writes counted in the kernel since the last tick.
    pub fn summarize_file_denies(&mut self) {
        let Some(d) = &mut self.file_denies else { return };
        for r in d.scan(build::boot_ns()) {
            self.emit_file(&r);
        }
    }

    /// Learn the mount tables of new containers whose root filesystem is judged.
    pub fn refresh_mounts(&mut self) {
        if let Some(k) = &mut self.kernel {
            k.refresh_mounts(&self.attributor);
            self.metrics.mount_tables.store(k.mount_tables() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Summaries of refused attempts counted in the kernel since the last tick.
    pub fn summarize_denies(&mut self, denies: &mut denies::DenySummaries) {
        for s in denies.scan(build::boot_ns()) {
            let binary = self.processes.binary(s.flow.pid);
            let report = build::FlowReport {
                flow: &s.flow,
                phase: agent_common::net::PHASE_DENIED,
                tcp_state: 0,
                cookie: 0,
                count: s.attempts,
                boot_ns: s.last_ns,
            };
            let event = build::flow_event(&report, &self.node, &self.clock, binary);
            self.attribute(event, Subject::connection(&s.flow), s.flow.cgroup_id, Instant::now());
        }
    }

    /// Make the kernel's per-pod maps say what the policies say about the known pods.
    pub fn sync_network(&mut self) {
        if let Some(kernel) = &mut self.kernel {
            crate::app::sync_maps(kernel, &self.attributor, self.policies.set(), &self.metrics);
        }
    }

    /// Attribute and emit, or hold until the pod is known.
    fn attribute(&mut self, mut event: Event, subject: Subject, cgroup_id: u64, now: Instant) {
        match self.attributor.resolve(cgroup_id) {
            Resolution::Pod { pod, container_id } => {
                let namespace = self.attributor.namespace(&pod.namespace).cloned();
                event.pod =
                    Some(pod_of(&pod, namespace.as_deref(), container_id, cgroup_id, Attribution::Exact));
                self.judge_and_emit(event, subject, Some(&pod), AttributionResult::Exact);
            }
            Resolution::PodNotKnown(pc) => {
                event.pod = Some(Pod {
                    uid: pc.pod_uid.into(),
                    container_id: pc.container_id.map(String::from).unwrap_or_default(),
                    cgroup_id,
                    attribution: Attribution::Unknown as i32,
                    ..Default::default()
                });
                if let Some(out) = self.held.push(cgroup_id, event, subject, now) {
                    self.judge_and_emit(out.event, out.subject, None, AttributionResult::Unknown);
                }
            }
            Resolution::Host => {
                event.pod =
                    Some(Pod { cgroup_id, attribution: Attribution::Host as i32, ..Default::default() });
                self.judge_and_emit(event, subject, None, AttributionResult::Host);
            }
            Resolution::UnknownCgroup => {
                event.pod =
                    Some(Pod { cgroup_id, attribution: Attribution::Unknown as i32, ..Default::default() });
                self.judge_and_emit(event, subject, None, AttributionResult::Unknown);
            }
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Judge `subject` for the pod (the policies selecting it, by its labels) and emit. Where the
    /// kernel acted, its action stands and the verdict function names the policy and rule.
    fn judge_and_emit(
        &mut self,
        mut event: Event,
        subject: Subject,
        pod: Option<&PodInfo>,
        how: AttributionResult,
    ) {
        let selecting = match pod {
            Some(p) => self.policies.set().selecting(&p.namespace, p),
            None => Vec::new(),
        };
        let judgement = judge(&selecting, &subject.activity(&event));
        let concern = subject.concern();
        let degraded = concern
            .is_some_and(|c| judgement.policy.as_deref().is_some_and(|p| self.feasibility.is_degraded(p, c)));
        match (&mut event.verdict, concern) {
            (Some(v), Some(_)) => {
                if !name_verdict(v, judgement) {
                    self.metrics.verdict_mismatches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    debug!(
                        ?subject,
                        "the kernel's decision and the verdict function disagree (policy changed?)"
                    );
                }
                v.degraded = degraded;
            }
            _ => {
                let mut v = verdict_record(judgement, Tier::None, false);
                v.degraded = degraded;
                event.verdict = Some(v);
            }
        }
        self.emit(event, how);
    }

    fn emit(&mut self, event: Event, how: AttributionResult) {
        self.metrics.attributed(how);
        if let Some(kind) = event.kind() {
            self.metrics.event(kind);
        }
        if let Some(v) =
            event.verdict.as_ref().filter(|v| v.action() == verdict::Action::Audit && !v.policy.is_empty())
        {
            self.metrics.audited_event(&v.policy, &v.rule);
        }
        if let Err(e) = self.exporter.send(&event) {
            self.metrics.dropped(DropStage::Export);
            warn!(error = %e, "writing an event failed");
        }
    }

    /// Pods may have appeared: retry every held event.
    pub fn retry_held(&mut self) {
        for item in self.held.take_all() {
            let HeldEvent { deadline, cgroup_id, mut event, subject } = item;
            match self.attributor.resolve(cgroup_id) {
                Resolution::Pod { pod, container_id } => {
                    let namespace = self.attributor.namespace(&pod.namespace).cloned();
                    event.pod =
                        Some(pod_of(&pod, namespace.as_deref(), container_id, cgroup_id, Attribution::Late));
                    self.judge_and_emit(event, subject, Some(&pod), AttributionResult::Late);
                }
                Resolution::PodNotKnown(_) => {
                    self.held.put_back(HeldEvent { deadline, cgroup_id, event, subject })
                }
                Resolution::Host | Resolution::UnknownCgroup => {
                    self.judge_and_emit(event, subject, None, AttributionResult::Unknown);
                }
            }
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Release events whose hold expired as `unknown`.
    pub fn expire_held(&mut self, now: Instant) {
        for item in self.held.expired(now) {
            self.judge_and_emit(item.event, item.subject, None, AttributionResult::Unknown);
        }
        self.metrics.held_events.store(self.held.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// At shutdown: one last retry, then everything still held goes out as `unknown`.
    pub fn release_all_held(&mut self) {
        self.retry_held();
        for item in self.held.take_all() {
            self.judge_and_emit(item.event, item.subject, None, AttributionResult::Unknown);
        }
    }

    pub fn flush(&mut self) {
        if let Err(e) = self.exporter.flush() {
            self.metrics.dropped(DropStage::Export);
            warn!(error = %e, "flushing events failed");
        }
    }
}

fn pod_of(
    pod: &PodInfo,
    namespace: Option<&NamespaceInfo>,
    container_id: Option<Box<str>>,
    cgroup_id: u64,
    how: Attribution,
) -> Pod {
    let container_name =
        container_id.as_deref().and_then(|id| pod.container_name(id)).unwrap_or_default().to_string();
    Pod {
        namespace: pod.namespace.to_string(),
        name: pod.name.to_string(),
        uid: pod.uid.to_string(),
        labels: pod.label_map(),
        container_id: container_id.map(String::from).unwrap_or_default(),
        container_name,
        attribution: how as i32,
        cgroup_id,
        namespace_labels: namespace
            .map(|n| n.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
            .unwrap_or_default(),
    }
}
