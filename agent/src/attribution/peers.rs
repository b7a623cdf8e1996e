//! Pods as peers: which pod an address belongs to, cluster-wide, and that pod's identity (what
//! `podSelector`/`namespaceSelector` peers and port names are matched against).
//!
//! Design constraints, first:
//! - **Every pod the agent knows**, not only this node's: a rule names pods wherever they run.
//!   The index is rebuilt from the pod and namespace stores when either changes (the main loop
//!   owns them), so it never disagrees with them.
//! - **Identities are shared.** Pods with the same namespace, labels, namespace labels and named
//!   ports are one [`PodIdentity`], kept once (the replicas of a Deployment cost one); the
//!   kernel keys rules by identity, so its state grows with identities and rules, not with
//!   pods × pods.
//! - **No address, no peer.** A host-network pod (whose address is the node's) and a pod that
//!   ended have no addresses; an address two live pods claim (a moment of churn) goes to the
//!   pod whose uid sorts first, and the conflict is counted.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    sync::Arc,
};

use rampart_policy::{PodIdentity, SortedLabels};

use super::{PodInfo, namespaces::NamespaceStore};

/// The label Kubernetes puts on every namespace (1.21+): its name. A namespace the agent has
/// no object for still has it, so `namespaceSelector` on it works everywhere.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The pod at one address.
#[derive(Clone, Debug)]
pub struct Peer {
    pub pod: Arc<PodInfo>,
    pub identity: Arc<PodIdentity>,
}

#[derive(Debug, Default)]
pub struct PeerIndex {
    by_ip: HashMap<IpAddr, Peer>,
    identities: usize,
    conflicts: usize,
}

impl PeerIndex {
    /// Index `pods` (any order; a uid seen twice counts once) with the labels of their
    /// namespaces.
    pub fn build<'a>(pods: impl Iterator<Item = &'a Arc<PodInfo>>, namespaces: &NamespaceStore) -> Self {
        let mut sorted: Vec<&Arc<PodInfo>> = pods.filter(|p| !p.ips.is_empty()).collect();
        sorted.sort_by(|a, b| a.uid.cmp(&b.uid));
        // A pod may come from two sources (this node's and the cluster's): once is enough.
        sorted.dedup_by(|a, b| a.uid == b.uid);
        let mut shared: HashMap<PodIdentity, Arc<PodIdentity>> = HashMap::new();
        let mut by_ip = HashMap::with_capacity(sorted.len());
        let mut conflicts = 0;
        for pod in sorted {
            let mut free: Vec<IpAddr> = Vec::with_capacity(pod.ips.len());
            for ip in pod.ips.iter().map(IpAddr::to_canonical) {
                if by_ip.contains_key(&ip) {
                    conflicts += 1;
                } else {
                    free.push(ip);
                }
            }
            if free.is_empty() {
                continue;
            }
            let identity = identity_of(pod, namespaces);
            let identity = Arc::clone(shared.entry(identity.clone()).or_insert_with(|| Arc::new(identity)));
            for ip in free {
                by_ip.insert(ip, Peer { pod: Arc::clone(pod), identity: Arc::clone(&identity) });
            }
        }
        PeerIndex { by_ip, identities: shared.len(), conflicts }
    }

    /// The pod at `ip` (IPv4-mapped IPv6 is looked up as IPv4).
    pub fn get(&self, ip: IpAddr) -> Option<&Peer> {
        self.by_ip.get(&ip.to_canonical())
    }

    /// Every (address, pod) pair.
    pub fn iter(&self) -> impl Iterator<Item = (IpAddr, &Peer)> {
        self.by_ip.iter().map(|(ip, p)| (*ip, p))
    }

    pub fn addresses(&self) -> usize {
        self.by_ip.len()
    }

    pub fn identities(&self) -> usize {
        self.identities
    }

    /// Addresses claimed by more than one live pod at the last build.
    pub fn conflicts(&self) -> usize {
        self.conflicts
    }
}

/// What a pod is to selectors: its namespace's labels come from the namespace store, plus the
/// name label Kubernetes sets on every namespace.
pub fn identity_of(pod: &PodInfo, namespaces: &NamespaceStore) -> PodIdentity {
    let mut ns_labels: BTreeMap<Box<str>, Box<str>> = BTreeMap::new();
    if let Some(ns) = namespaces.get(&pod.namespace) {
        ns_labels.extend(ns.labels.iter().cloned());
    }
    ns_labels.entry(NAMESPACE_NAME_LABEL.into()).or_insert_with(|| pod.namespace.clone());
    PodIdentity {
        namespace: pod.namespace.clone(),
        labels: SortedLabels(Arc::clone(&pod.labels)),
        namespace_labels: SortedLabels(ns_labels.into_iter().collect()),
        ports: pod.ports.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Delta;
    use rampart_proto::domain::NamespaceInfo;

    fn pod(uid: &str, ns: &str, app: &str, ips: &[&str]) -> Arc<PodInfo> {
        Arc::new(PodInfo {
            namespace: ns.into(),
            name: uid.into(),
            uid: uid.into(),
            labels: Arc::new([("app".into(), app.into())]),
            containers: Box::new([]),
            ips: ips.iter().map(|a| a.parse().unwrap()).collect(),
            ports: Box::new([]),
        })
    }

    #[test]
    fn replicas_share_an_identity_and_conflicts_are_counted() {
        let mut namespaces = NamespaceStore::default();
        namespaces.apply(Delta::Reset(vec![NamespaceInfo {
            name: "shop".into(),
            labels: Box::new([("team".into(), "a".into())]),
        }]));
        let pods = [
            pod("u1", "shop", "web", &["10.0.0.1", "fd00::1"]),
            pod("u2", "shop", "web", &["10.0.0.2"]),
            pod("u3", "db", "web", &["10.0.0.3"]),
            pod("u4", "db", "x", &["10.0.0.3"]),
            pod("u5", "db", "hostnet", &[]),
        ];
        let index = PeerIndex::build(pods.iter(), &namespaces);
        assert_eq!(index.addresses(), 4);
        assert_eq!(index.identities(), 2, "u1 and u2 are one identity; u4 lost its address");
        assert_eq!(index.conflicts(), 1);
        let a = index.get("10.0.0.1".parse().unwrap()).unwrap();
        let b = index.get("::ffff:10.0.0.2".parse().unwrap()).unwrap();
        assert!(Arc::ptr_eq(&a.identity, &b.identity));
        assert_eq!(&*index.get("10.0.0.3".parse().unwrap()).unwrap().pod.uid, "u3");
        use rampart_policy::Labels as _;
        assert_eq!(a.identity.namespace_labels.label("team"), Some("a"));
        assert_eq!(a.identity.namespace_labels.label(NAMESPACE_NAME_LABEL), Some("shop"));
        let db = index.get("10.0.0.3".parse().unwrap()).unwrap();
        assert_eq!(db.identity.namespace_labels.label(NAMESPACE_NAME_LABEL), Some("db"));
    }
}
