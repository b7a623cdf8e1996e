//! THE verdict function: [`judge`] decides an activity of a pod against the policies that
//! select it. The live agent, audit mode and what-if replays all call it, so they agree.
//!
//! Per concern, the applicable policies are those that have the section (for the network,
//! the `egress` or `ingress` list of the direction). None → Allow, no policy. Any allows →
//! Allow, naming the first allowing policy by key and its rule. Otherwise Deny naming the
//! first `enforce` policy, or, if all are `audit`, Audit naming the first of them.

use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;

use crate::document::RampartPolicy;
use crate::identity::PodIdentity;
pub use crate::model::Protocol;
use crate::model::{EscalationMode, Mode, RootfsMode};
use crate::network::{Ends, NetworkRule};

/// What happens to an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    Deny,
    /// Would be denied, but every applicable policy is in audit mode: report only.
    Audit,
}

/// Direction of a connection, seen from the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Egress,
    Ingress,
}

/// Something a pod does that policies judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity<'a> {
    /// A process execution: no policy section restricts it.
    Exec,
    /// A connection with `peer` (the remote address; IPv4-mapped IPv6 is treated as IPv4)
    /// on the pod-side `port` for ingress or the remote `port` for egress. `remote` is the
    /// peer's pod when the address is a pod the judge knows (`podSelector` and
    /// `namespaceSelector` peers match only then), `local` the judged pod (for ingress rules'
    /// port names); either `None` when unknown.
    Connection {
        direction: Direction,
        peer: IpAddr,
        port: u16,
        protocol: Protocol,
        remote: Option<&'a PodIdentity>,
        local: Option<&'a PodIdentity>,
    },
    /// A write to the container's root filesystem at `path`, as the container sees it.
    RootfsWrite { path: &'a str },
    /// A write to the container's root filesystem at a path the kernel could not resolve (a
    /// `..` the tracepoint tier does not follow): outside every `allowWrite` prefix.
    RootfsUnresolved,
    /// A rename, a hard link (through its new name the file linked to can be rewritten) or,
    /// where later writes are judged by their path strings, a symlink (through it a path
    /// string can lead where it does not say), within the container's root filesystem: a
    /// write at both ends. The verdict is the stricter of the two (deny, then audit, then
    /// allow; `from` on a tie).
    RootfsTwoEnds { from: &'a str, to: &'a str },
    /// A privilege gain (uid/gid 0 from non-zero, id-changing setuid/setgid exec,
    /// capability gain).
    Escalation,
}

impl<'a> Activity<'a> {
    /// A connection with the pods at its ends filled in (other activities as they are).
    pub fn with_ends(self, remote: Option<&'a PodIdentity>, local: Option<&'a PodIdentity>) -> Self {
        match self {
            Activity::Connection { direction, peer, port, protocol, .. } => {
                Activity::Connection { direction, peer, port, protocol, remote, local }
            }
            other => other,
        }
    }
}

/// The verdict: the action and, unless no policy applied, the deciding policy
/// (`namespace/name`) and rule (`network.egress[0]`, `filesystem.rootfs`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Judgement {
    pub action: Action,
    pub policy: Option<String>,
    pub rule: Option<String>,
}

impl Judgement {
    /// Allow with no policy: nothing restricts the activity.
    pub fn unrestricted() -> Self {
        Self { action: Action::Allow, policy: None, rule: None }
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Audit => "audit",
        }
    }
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule that decided, formatted only for the one that is reported.
#[derive(Clone, Copy)]
enum Rule {
    Network(Direction, Option<usize>),
    AllowWrite(usize),
    Rootfs,
    Escalation,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Network(d, Some(i)) => write!(f, "network.{d}[{i}]"),
            Rule::Network(d, None) => write!(f, "network.{d}"),
            Rule::AllowWrite(i) => write!(f, "filesystem.allowWrite[{i}]"),
            Rule::Rootfs => f.write_str("filesystem.rootfs"),
            Rule::Escalation => f.write_str("privilege.escalation"),
        }
    }
}

/// What one policy says about an activity it has a section for.
enum Outcome {
    Allowed(Rule),
    Refused(Rule),
}

/// Judges `activity` of a pod against `selecting`, the policies that select the pod (any
/// order; ties are broken by `namespace/name`).
pub fn judge(selecting: &[&RampartPolicy], activity: &Activity<'_>) -> Judgement {
    match *activity {
        Activity::Exec => Judgement::unrestricted(),
        Activity::Connection { direction, peer, port, protocol, remote, local } => {
            let ends = Ends { peer: peer.to_canonical(), remote, local };
            let egress = direction == Direction::Egress;
            combine(
                selecting,
                |p| p.spec.network_mode(),
                |p| {
                    let network = p.spec.network.as_ref()?;
                    let rules = match direction {
                        Direction::Egress => network.egress.as_ref()?,
                        Direction::Ingress => network.ingress.as_ref()?,
                    };
                    let at = |r: &NetworkRule| r.matches(&p.namespace, egress, &ends, port, protocol);
                    Some(match rules.iter().position(at) {
                        Some(i) => Outcome::Allowed(Rule::Network(direction, Some(i))),
                        None => Outcome::Refused(Rule::Network(direction, None)),
                    })
                },
            )
        }
        Activity::RootfsWrite { path } => {
            let parts = crate::fspath::resolve(path);
            combine(
                selecting,
                |p| p.spec.filesystem_mode(),
                |p| {
                    let fs = p.spec.filesystem.as_ref()?;
                    Some(match fs.rootfs {
                        RootfsMode::ReadWrite => Outcome::Allowed(Rule::Rootfs),
                        RootfsMode::ReadOnly => match fs.allowing_prefix_of(&parts) {
                            Some(j) => Outcome::Allowed(Rule::AllowWrite(j)),
                            None => Outcome::Refused(Rule::Rootfs),
                        },
                    })
                },
            )
        }
        Activity::RootfsUnresolved => combine(
            selecting,
            |p| p.spec.filesystem_mode(),
            |p| {
                Some(match p.spec.filesystem.as_ref()?.rootfs {
                    RootfsMode::ReadWrite => Outcome::Allowed(Rule::Rootfs),
                    RootfsMode::ReadOnly => Outcome::Refused(Rule::Rootfs),
                })
            },
        ),
        Activity::RootfsTwoEnds { from, to } => {
            let source = judge(selecting, &Activity::RootfsWrite { path: from });
            let destination = judge(selecting, &Activity::RootfsWrite { path: to });
            let rank = |a: Action| match a {
                Action::Deny => 2,
                Action::Audit => 1,
                Action::Allow => 0,
            };
            if rank(destination.action) > rank(source.action) { destination } else { source }
        }
        Activity::Escalation => combine(
            selecting,
            |p| p.spec.privilege_mode(),
            |p| {
                Some(match p.spec.privilege.as_ref()?.escalation {
                    EscalationMode::Allow => Outcome::Allowed(Rule::Escalation),
                    EscalationMode::Deny => Outcome::Refused(Rule::Escalation),
                })
            },
        ),
    }
}

/// Combines the outcomes of the applicable policies (`outcome` returns `None` for a policy
/// without the section): union of allows, strictest mode wins (`mode`: the section's mode,
/// which may differ from the policy's), first by key.
fn combine<'p>(
    selecting: &[&'p RampartPolicy],
    mode: impl Fn(&RampartPolicy) -> Mode,
    outcome: impl Fn(&RampartPolicy) -> Option<Outcome>,
) -> Judgement {
    type Best<'p> = Option<(&'p RampartPolicy, Rule)>;
    let (mut allow, mut deny, mut audit): (Best<'p>, Best<'p>, Best<'p>) = (None, None, None);
    for &policy in selecting {
        let (slot, rule) = match outcome(policy) {
            None => continue,
            Some(Outcome::Allowed(rule)) => (&mut allow, rule),
            Some(Outcome::Refused(rule)) => match mode(policy) {
                Mode::Enforce => (&mut deny, rule),
                Mode::Audit => (&mut audit, rule),
            },
        };
        if slot.is_none_or(|(best, _)| policy.cmp_key(best) == Ordering::Less) {
            *slot = Some((policy, rule));
        }
    }
    let (action, decided) = match (allow, deny, audit) {
        (Some(a), _, _) => (Action::Allow, a),
        (None, Some(d), _) => (Action::Deny, d),
        (None, None, Some(a)) => (Action::Audit, a),
        (None, None, None) => return Judgement::unrestricted(),
    };
    Judgement { action, policy: Some(decided.0.key()), rule: Some(decided.1.to_string()) }
}
