//! What attribution keeps of a Pod and of a Namespace: compact (boxed strings, sorted vectors
//! rather than maps: a pod has a handful of labels and containers), so a thousand pods stay
//! small. Selectors read the labels where they are kept ([`rampart_policy::Labels`]).

use std::collections::BTreeMap;

/// What attribution keeps of a Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInfo {
    pub namespace: Box<str>,
    pub name: Box<str>,
    pub uid: Box<str>,
    /// Sorted by key; shared with the pod's replicas when they come from the API.
    pub labels: rampart_policy::LabelPairs,
    /// (container id without runtime prefix, container name).
    pub containers: Box<[(Box<str>, Box<str>)]>,
    /// `status.podIPs`: none for a host-network pod (its address is the node's) and for one
    /// that has ended (its address may be handed to another).
    pub ips: Box<[std::net::IpAddr]>,
    /// The containers' named ports (`spec.containers[].ports[]` with a name), sorted.
    pub ports: Box<[rampart_policy::NamedPort]>,
}

impl PodInfo {
    pub fn container_name(&self, id: &str) -> Option<&str> {
        self.containers.iter().find(|(cid, _)| &**cid == id).map(|(_, name)| &**name)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        sorted_label(&self.labels, key)
    }

    /// The labels as a map (what events carry).
    pub fn label_map(&self) -> BTreeMap<String, String> {
        self.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

impl rampart_policy::Labels for PodInfo {
    fn label(&self, key: &str) -> Option<&str> {
        PodInfo::label(self, key)
    }
}

/// What the agent keeps of a Namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceInfo {
    pub name: Box<str>,
    /// Sorted by key.
    pub labels: Box<[(Box<str>, Box<str>)]>,
}

impl NamespaceInfo {
    pub fn label(&self, key: &str) -> Option<&str> {
        sorted_label(&self.labels, key)
    }
}

impl rampart_policy::Labels for NamespaceInfo {
    fn label(&self, key: &str) -> Option<&str> {
        NamespaceInfo::label(self, key)
    }
}

fn sorted_label<'a>(labels: &'a [(Box<str>, Box<str>)], key: &str) -> Option<&'a str> {
    labels.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|i| &*labels[i].1)
}
