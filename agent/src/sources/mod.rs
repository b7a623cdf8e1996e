//! Where pods and policies come from.
//!
//! Design constraints, first:
//! - **One source per kind.** Pods come from a directory of manifests (`--pod-manifests`, as
//!   kubelet's static pods: the demo, the tests, nodes without an API server) or from the
//!   Kubernetes API (`--kubeconfig`, `KUBECONFIG`, or the in-cluster config; then with the
//!   namespaces and their labels, which selectors read); policies from a
//!   directory (`--policies`) or from the `RampartPolicy` custom resources. Giving both for one
//!   kind is a configuration error, not a silent merge.
//! - **Deltas, typed.** The API side runs kube-rs watchers in their own tasks and sends the
//!   main loop typed [`Delta`]s over a bounded channel: a full [`Delta::Reset`] after every
//!   (re)list, then [`Delta::Apply`] / [`Delta::Delete`]. Each object is decoded once, into
//!   exactly what the agent keeps ([`PodInfo`], a validated policy), at the edge; the API's
//!   objects are never stored.
//! - **The loop owns the state.** The stores (attribution's pods, the policies in force) are
//!   changed only by the main loop, between ring-buffer reads, so a change is applied after
//!   everything the kernel reported before it.
//! - **An outage keeps what is known.** When the API server cannot be reached the stores keep
//!   their last contents (enforcement goes on) and health says so; nothing is served before
//!   the first complete list of each kind (the agent is not ready until then).

pub mod api;

use rampart_policy::{PolicyError, RampartPolicy};

use crate::attribution::{PodInfo, namespaces::NamespaceInfo};

/// A change to one kind of object.
#[derive(Debug)]
pub enum Delta<T> {
    /// Everything there is (after a list or relist): what is not in it is gone.
    Reset(Vec<T>),
    /// One object appeared or changed.
    Apply(T),
    /// One object went away; its key.
    Delete(Box<str>),
}

/// A `RampartPolicy` object as the agent sees it: its `namespace/name`, and the policy or why
/// the agent refuses it.
#[derive(Debug)]
pub struct PolicyObject {
    pub key: Box<str>,
    pub policy: Result<RampartPolicy, PolicyError>,
}

/// The kinds the API sources watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// This node's Pods (attribution).
    Pods,
    /// Every Pod of the cluster, slim: who is at which address (selector peers).
    PeerPods,
    Namespaces,
    Policies,
    NetworkPolicies,
}

impl Resource {
    pub const ALL: [Resource; 5] = [
        Resource::Pods,
        Resource::PeerPods,
        Resource::Namespaces,
        Resource::Policies,
        Resource::NetworkPolicies,
    ];

    /// The watch's name (in logs and metrics): the resource's name as RBAC and the API server
    /// spell it, but for the cluster-wide pods watch.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Pods => "pods",
            Resource::PeerPods => "pods (all nodes)",
            Resource::Namespaces => "namespaces",
            Resource::Policies => "rampartpolicies.rampart.dev",
            Resource::NetworkPolicies => "networkpolicies.networking.k8s.io",
        }
    }

    /// The resource as RBAC spells it.
    pub fn rbac(self) -> &'static str {
        match self {
            Resource::PeerPods => "pods",
            r => r.as_str(),
        }
    }
}

/// What the API sources tell the main loop.
#[derive(Debug)]
pub enum Update {
    Pods(Delta<PodInfo>),
    /// Every pod of the cluster, slim (no containers).
    PeerPods(Delta<PodInfo>),
    Namespaces(Delta<NamespaceInfo>),
    /// Boxed: a policy is much larger than a pod.
    Policies(Box<Delta<PolicyObject>>),
    /// NetworkPolicy objects read as policies (`--networkpolicy`).
    NetworkPolicies(Box<Delta<PolicyObject>>),
    /// A watch turned healthy (a list or event arrived) or failed (the error, already worded
    /// for an operator).
    Health {
        resource: Resource,
        error: Option<String>,
    },
}
