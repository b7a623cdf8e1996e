//! What the agent saw and decided, typed. Each kernel record is decoded once, in the agent,
//! into an [`Observation`]; attribution says whose it is ([`Attributed`]); the verdict function
//! says what the policies say ([`Verdict`]). [`Judged::into_event`] turns the three into a
//! `rampart.v1.Event` at the export edge — the one place the agent makes wire values.
//!
//! Addresses stay `IpAddr`s, operations and directions enums, the kernel's flags fields, the
//! kernel's decision its own value; nothing is formatted here and read back later. What is
//! judged ([`Observation::activity`]) is read from these values.

mod exec;
mod file;
mod flow;
mod gap;
mod pod;
mod privilege;

use std::sync::Arc;

pub use exec::Exec;
pub use file::{Change, File, FileEffect};
pub use flow::{Flow, RemotePod, TcpState};
pub use gap::{BootEnd, Gap};
pub use pod::{NamespaceInfo, PodInfo};
pub use privilege::{Creds, Ids, PrivEffect, Privilege, capability_names};
use rampart_policy::{Action, Activity, Judgement};

use crate::{
    event::Kind,
    v1::{self, pod::Attribution, verdict::Tier},
    wkt::Timestamp,
};

/// One thing the kernel reported, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Wall-clock time of the kernel's stamp.
    pub time: Timestamp,
    pub process: Process,
    pub body: Observed,
    /// What the kernel's program decided; `None` for what is only seen (an exec).
    pub kernel: Option<KernelVerdict>,
    /// The attempts a summary of repeated refusals stands for; 0 for a single act.
    pub repeat_count: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    Exec(Exec),
    Flow(Flow),
    File(File),
    Privilege(Privilege),
}

/// The process that acted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub tid: u32,
    /// Real and effective ids; `None` where the kernel record does not carry them (a flow).
    pub ids: Option<TaskIds>,
    pub comm: String,
    /// The executable, where known.
    pub binary: String,
    pub parent: Parent,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskIds {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
}

/// The parent process, as far as the agent has seen it exec (pid 0: not known).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parent {
    pub pid: u32,
    pub comm: String,
    pub binary: String,
}

/// What a kernel program decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelVerdict {
    pub action: Action,
    /// The tier whose program judged it; [`Tier::None`] when no policy applied to the pod.
    pub tier: Tier,
    /// The act was stopped: refused, or its process killed.
    pub enforced: bool,
    /// The kernel applied the unknown-pod setting: no policy was known for the pod yet.
    pub unknown_pod: Option<UnknownPod>,
    /// The kernel applied the unknown-peer setting: the remote address is in a pod range but
    /// no pod the agent knew.
    pub unknown_peer: bool,
}

/// What the kernel does with a pod it holds no policy for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownPod {
    /// Network, `--unknown-pod deny`.
    FailClosed,
    /// Network, `--unknown-pod allow`.
    FailOpen,
    /// Privilege: reported, never stopped.
    Reported,
}

impl UnknownPod {
    /// The rule name events carry.
    pub fn rule(self) -> &'static str {
        match self {
            UnknownPod::FailClosed => "unknown-pod (fail-closed)",
            UnknownPod::FailOpen => "unknown-pod (fail-open)",
            UnknownPod::Reported => "unknown-pod (reported)",
        }
    }
}

/// The verdict an event carries: the kernel's action where a program acted, named by the
/// verdict function's policy and rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub action: Action,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub tier: Tier,
    pub enforced: bool,
    /// The rule that judged it is degraded on this node.
    pub degraded: bool,
}

impl Verdict {
    /// The verdict of `observation` given the verdict function's `judgement`: where a kernel
    /// program acted its action stands (and `agrees` says whether the judgement found the
    /// same: a policy may have changed in between); otherwise the judgement is the verdict,
    /// on no tier.
    pub fn of(kernel: Option<KernelVerdict>, judgement: Judgement, degraded: bool) -> (Verdict, bool) {
        match kernel {
            Some(k) => {
                let (policy, rule, agrees) = match k.unknown_pod {
                    // Named by the kernel side: the pod's policies were not known to it.
                    Some(u) => (None, Some(u.rule().to_owned()), true),
                    // The pod's policy decided, on a peer it could not know yet.
                    None if k.unknown_peer => {
                        let rule = if k.action == Action::Allow {
                            "unknown-peer (fail-open)"
                        } else {
                            "unknown-peer (fail-closed)"
                        };
                        (judgement.policy, Some(rule.to_owned()), true)
                    }
                    None => (judgement.policy, judgement.rule, judgement.action == k.action),
                };
                let v =
                    Verdict { action: k.action, policy, rule, tier: k.tier, enforced: k.enforced, degraded };
                (v, agrees)
            }
            None => {
                let v = Verdict {
                    action: judgement.action,
                    policy: judgement.policy,
                    rule: judgement.rule,
                    tier: Tier::None,
                    enforced: false,
                    degraded,
                };
                (v, true)
            }
        }
    }
}

/// Whose act it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Attributed {
    pub cgroup_id: u64,
    pub pod: PodRef,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PodRef {
    /// A known pod: when the event was processed, or `late`, after a hold.
    Known {
        pod: Arc<PodInfo>,
        namespace: Option<Arc<NamespaceInfo>>,
        container_id: Option<Box<str>>,
        late: bool,
    },
    /// A pod cgroup whose Pod object was not known (`uid` from the cgroup path), or a cgroup
    /// not known at all.
    Unknown { uid: Option<Box<str>>, container_id: Option<Box<str>> },
    /// Not in any pod.
    Host,
}

impl PodRef {
    /// The pod whose policies judge the act, if known.
    pub fn known(&self) -> Option<&PodInfo> {
        match self {
            PodRef::Known { pod, .. } => Some(pod),
            _ => None,
        }
    }
}

/// An observation with its pod and verdict: ready to leave the node.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub observation: Observation,
    pub attributed: Attributed,
    pub verdict: Verdict,
    /// The agent's redaction rules removed something from the observation.
    pub redacted: bool,
}

impl Observation {
    pub fn kind(&self) -> Kind {
        match self.body {
            Observed::Exec(_) => Kind::Exec,
            Observed::Flow(_) => Kind::Flow,
            Observed::File(_) => Kind::File,
            Observed::Privilege(_) => Kind::Privilege,
        }
    }

    /// What the verdict function judges.
    pub fn activity(&self) -> Activity<'_> {
        match &self.body {
            Observed::Exec(_) => Activity::Exec,
            Observed::Privilege(_) => Activity::Escalation,
            Observed::Flow(f) => f.activity(),
            Observed::File(f) => f.activity(),
        }
    }
}

impl Judged {
    /// The wire event, as `node` reports it.
    pub fn into_event(self, node: &str) -> v1::Event {
        let Judged { observation: o, attributed, verdict, redacted } = self;
        let body = match o.body {
            Observed::Exec(e) => v1::event::Body::Exec(e.into()),
            Observed::Flow(f) => v1::event::Body::Flow(f.into()),
            Observed::File(f) => v1::event::Body::File(f.into()),
            Observed::Privilege(p) => v1::event::Body::Privilege(p.into()),
        };
        v1::Event {
            time: Some(o.time),
            node: node.to_owned(),
            pod: Some(attributed.into()),
            process: Some(o.process.into()),
            body: Some(body),
            verdict: Some(verdict.into()),
            repeat_count: o.repeat_count,
            redacted,
        }
    }
}

impl From<Process> for v1::Process {
    fn from(p: Process) -> Self {
        let ids = p.ids.unwrap_or_default();
        v1::Process {
            pid: p.pid,
            tid: p.tid,
            uid: ids.uid,
            euid: ids.euid,
            gid: ids.gid,
            egid: ids.egid,
            comm: p.comm,
            binary: p.binary,
            parent: Some(v1::Parent { pid: p.parent.pid, comm: p.parent.comm, binary: p.parent.binary }),
        }
    }
}

pub fn action(a: Action) -> v1::verdict::Action {
    match a {
        Action::Allow => v1::verdict::Action::Allow,
        Action::Deny => v1::verdict::Action::Deny,
        Action::Audit => v1::verdict::Action::Audit,
    }
}

impl From<Verdict> for v1::Verdict {
    fn from(v: Verdict) -> Self {
        v1::Verdict {
            action: action(v.action) as i32,
            policy: v.policy.unwrap_or_default(),
            rule: v.rule.unwrap_or_default(),
            tier: v.tier as i32,
            enforced: v.enforced,
            degraded: v.degraded,
        }
    }
}

impl From<Attributed> for v1::Pod {
    fn from(a: Attributed) -> Self {
        let cgroup_id = a.cgroup_id;
        match a.pod {
            PodRef::Known { pod, namespace, container_id, late } => {
                let container_name = container_id
                    .as_deref()
                    .and_then(|id| pod.container_name(id))
                    .unwrap_or_default()
                    .to_owned();
                v1::Pod {
                    namespace: pod.namespace.to_string(),
                    name: pod.name.to_string(),
                    uid: pod.uid.to_string(),
                    labels: pod.label_map(),
                    container_id: container_id.map(String::from).unwrap_or_default(),
                    container_name,
                    attribution: if late { Attribution::Late } else { Attribution::Exact } as i32,
                    cgroup_id,
                    namespace_labels: namespace
                        .map(|n| n.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
                        .unwrap_or_default(),
                }
            }
            PodRef::Unknown { uid, container_id } => v1::Pod {
                uid: uid.map(String::from).unwrap_or_default(),
                container_id: container_id.map(String::from).unwrap_or_default(),
                cgroup_id,
                attribution: Attribution::Unknown as i32,
                ..Default::default()
            },
            PodRef::Host => {
                v1::Pod { cgroup_id, attribution: Attribution::Host as i32, ..Default::default() }
            }
        }
    }
}
