//! What a pod is to the selectors of other pods' rules: its namespace, its labels, its
//! namespace's labels and its named container ports. Pods that agree on all four are one
//! identity (the replicas of a Deployment are one), which is what the kernel keys rules between
//! groups of pods by: a rule names identities, never addresses.

use crate::network::Protocol;
use crate::selector::Labels;

/// A pod as a `podSelector`/`namespaceSelector` peer and a named port see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodIdentity {
    pub namespace: Box<str>,
    /// Sorted by key.
    pub labels: SortedLabels,
    /// The labels of the pod's namespace, sorted by key.
    pub namespace_labels: SortedLabels,
    /// The pod's containers' named ports, sorted.
    pub ports: Box<[NamedPort]>,
}

/// A container port with a name (`spec.containers[].ports[]` with `name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedPort {
    pub name: Box<str>,
    pub protocol: Protocol,
    pub port: u16,
}

/// A pod's labels as (key, value) pairs sorted by key, shared: the replicas of a Deployment
/// have the same labels, and the agent keeps one copy of them (pods and identities alike).
pub type LabelPairs = std::sync::Arc<[(Box<str>, Box<str>)]>;

/// Labels as sorted (key, value) pairs: a handful per pod, kept compact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SortedLabels(pub LabelPairs);

impl SortedLabels {
    /// From pairs in any order.
    pub fn new(mut pairs: Vec<(Box<str>, Box<str>)>) -> Self {
        pairs.sort();
        pairs.dedup_by(|a, b| a.0 == b.0);
        SortedLabels(pairs.into())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl Labels for SortedLabels {
    fn label(&self, key: &str) -> Option<&str> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|i| &*self.0[i].1)
    }
}

impl PodIdentity {
    /// The number a port named `name` has for `protocol` in this pod, if one does.
    pub fn port_named(&self, name: &str, protocol: Protocol) -> Option<u16> {
        self.ports.iter().find(|p| &*p.name == name && p.protocol == protocol).map(|p| p.port)
    }
}
