//! Attribution: which pod (and container) a kernel event came from.
//!
//! The kernel stamps every record with the task's cgroup v2 id. This module keeps the map from
//! cgroup id to kubelet-layout path (from a scan at start, kept current by the
//! `cgroup_mkdir`/`cgroup_rmdir` records that arrive in the same ring buffer, in order, before
//! any record from a process inside the new cgroup), parses the path into pod UID and container
//! id, and joins the UID to the Pod objects.
//!
//! Outcomes: the pod is known (`exact`); the cgroup is a pod's but its Pod object is not known
//! yet (the caller holds the event and retries: `late`, or `unknown` when the hold expires); the
//! cgroup is not a pod's (`host`); the id is not in the map even after a rescan (`unknown`).

pub mod cgroupfs;
pub mod kubelet;
pub mod namespaces;
pub mod peers;
pub mod pods;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

pub use kubelet::PodCgroup;
pub use pods::{DocError, ManifestError, PodInfo, PodStore, Reload};
use rampart_policy::dir::{DirError, WatchedDir};

/// How often an unknown cgroup id may trigger a rescan of the hierarchy.
const RESCAN_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub enum Resolution {
    /// The pod is known.
    Pod { pod: Arc<PodInfo>, container_id: Option<Box<str>> },
    /// A pod's cgroup, but no Pod object with that UID (yet).
    PodNotKnown(PodCgroup),
    /// Not a pod's cgroup.
    Host,
    /// The cgroup id is not in the hierarchy (the cgroup is already gone).
    UnknownCgroup,
}

pub struct Attributor {
    root: PathBuf,
    manifests: Option<WatchedDir>,
    /// cgroup id → the pod cgroup it is, or `None` for a host cgroup.
    cgroups: HashMap<u64, Option<PodCgroup>>,
    /// The kubelet's `kubepods` roots: cgroup id → depth below the hierarchy root.
    kubepods: HashMap<u64, u32>,
    /// Paths (relative to the hierarchy root) of pod and container cgroups.
    paths: HashMap<u64, Box<str>>,
    pods: PodStore,
    /// Every pod of the cluster (API source only), without containers: peers.
    peer_pods: PodStore,
    namespaces: namespaces::NamespaceStore,
    /// Every known pod with an address, by address; rebuilt when pods or namespaces change.
    peers: peers::PeerIndex,
    last_rescan: Option<Instant>,
}

impl Attributor {
    /// Scan the hierarchy under `root` and read the manifests directory, if any. Manifest
    /// errors are returned for reporting; the pods that did parse are in force.
    pub fn new(root: PathBuf, manifests: Option<PathBuf>) -> Result<(Self, Vec<ManifestError>), DirError> {
        let mut a = Attributor {
            root,
            manifests: manifests.map(WatchedDir::new),
            cgroups: HashMap::new(),
            kubepods: HashMap::new(),
            paths: HashMap::new(),
            pods: PodStore::default(),
            peer_pods: PodStore::default(),
            namespaces: namespaces::NamespaceStore::default(),
            peers: peers::PeerIndex::default(),
            last_rescan: None,
        };
        // The walk of the hierarchy (system calls) and the parse of the manifests (YAML) are
        // the two halves of a start with many pods: on two threads at once.
        let root = a.root.clone();
        let (scanned, reload) = std::thread::scope(|s| {
            let scan = s.spawn(|| cgroupfs::scan(&root));
            let reload = a.reload_pods();
            (scan.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), reload)
        });
        let errors = reload?.errors;
        a.take_scan(scanned);
        Ok((a, errors))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Re-walk the hierarchy: add what is new, drop what is gone.
    pub fn rescan(&mut self) {
        let scanned = cgroupfs::scan(&self.root);
        self.take_scan(scanned);
    }

    /// What a walk of the hierarchy found becomes what is known (a failed walk changes nothing).
    fn take_scan(&mut self, scanned: std::io::Result<Vec<(u64, String)>>) {
        self.last_rescan = Some(Instant::now());
        let Ok(all) = scanned else { return };
        let mut fresh = HashMap::with_capacity(all.len());
        self.kubepods.clear();
        self.paths.clear();
        for (id, path) in all {
            if let Some(depth) = kubelet::kubepods_root_depth(&path) {
                self.kubepods.insert(id, depth);
            }
            let known = self.cgroups.remove(&id).unwrap_or_else(|| kubelet::parse(&path));
            if known.is_some() {
                self.paths.insert(id, path.into());
            }
            fresh.insert(id, known);
        }
        self.cgroups = fresh;
    }

    /// A cgroup appeared (`path` relative to the hierarchy root). `true` if it is a pod's or a
    /// kubepods root (what network enforcement keys on).
    pub fn cgroup_created(&mut self, id: u64, path: &str) -> bool {
        let root = kubelet::kubepods_root_depth(path);
        if let Some(depth) = root {
            self.kubepods.insert(id, depth);
        }
        let pod = kubelet::parse(path);
        let relevant = root.is_some() || pod.is_some();
        if pod.is_some() {
            self.paths.insert(id, path.into());
        }
        self.cgroups.insert(id, pod);
        relevant
    }

    /// A cgroup went away. `true` if it was a pod's or a kubepods root.
    pub fn cgroup_removed(&mut self, id: u64) -> bool {
        self.paths.remove(&id);
        let pod = self.cgroups.remove(&id).flatten().is_some();
        self.kubepods.remove(&id).is_some() || pod
    }

    /// The kubelet's kubepods roots: (cgroup id, depth).
    pub fn kubepods_roots(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.kubepods.iter().map(|(id, depth)| (*id, *depth))
    }

    /// Every pod (or container) cgroup whose Pod object is known, with that pod.
    pub fn known_pod_cgroups(&self) -> impl Iterator<Item = (u64, &Arc<PodInfo>)> + '_ {
        self.cgroups.iter().filter_map(|(id, pc)| Some((*id, self.pods.get(&pc.as_ref()?.pod_uid)?)))
    }

    /// The directory of a pod or container cgroup.
    pub fn cgroup_dir(&self, id: u64) -> Option<PathBuf> {
        self.paths.get(&id).map(|p| self.root.join(p.trim_start_matches('/')))
    }

    /// The pod a cgroup belongs to, if its Pod object is known.
    pub fn pod_of_cgroup(&self, id: u64) -> Option<&Arc<PodInfo>> {
        self.pods.get(&self.cgroups.get(&id)?.as_ref()?.pod_uid)
    }

    /// Re-read the manifests directory (Pods, and Namespaces with their labels).
    pub fn reload_pods(&mut self) -> Result<Reload, DirError> {
        let reload = match &mut self.manifests {
            Some(dir) => self.pods.reload(dir)?,
            None => return Ok(Reload::default()),
        };
        if reload.changed {
            self.namespaces.apply(crate::sources::Delta::Reset(self.pods.namespaces().cloned().collect()));
            self.reindex_peers();
        }
        Ok(reload)
    }

    /// Apply a change from the API source; `true` if a pod appeared, changed or went away.
    pub fn apply_pods(&mut self, delta: crate::sources::Delta<PodInfo>) -> bool {
        let changed = self.pods.apply(delta);
        if changed {
            self.reindex_peers();
        }
        changed
    }

    /// Apply a change of namespaces from the API source; `true` if any changed.
    pub fn apply_namespaces(&mut self, delta: crate::sources::Delta<namespaces::NamespaceInfo>) -> bool {
        let changed = self.namespaces.apply(delta);
        if changed {
            self.reindex_peers();
        }
        changed
    }

    /// Apply a change of the cluster's pods (peers) from the API source; `true` if any pod
    /// appeared, changed or went away.
    pub fn apply_peer_pods(&mut self, delta: crate::sources::Delta<PodInfo>) -> bool {
        let changed = self.peer_pods.apply(delta);
        if changed {
            self.reindex_peers();
        }
        changed
    }

    fn reindex_peers(&mut self) {
        self.peers = peers::PeerIndex::build(self.pods.iter().chain(self.peer_pods.iter()), &self.namespaces);
    }

    /// Every known pod with an address, by address.
    pub fn peers(&self) -> &peers::PeerIndex {
        &self.peers
    }

    /// A pod's identity (what selectors and port names see of it).
    pub fn identity_of(&self, pod: &PodInfo) -> rampart_policy::PodIdentity {
        peers::identity_of(pod, &self.namespaces)
    }

    /// A namespace and its labels, when known (only with the API source).
    pub fn namespace(&self, name: &str) -> Option<&Arc<namespaces::NamespaceInfo>> {
        self.namespaces.get(name)
    }

    pub fn namespaces(&self) -> usize {
        self.namespaces.len()
    }

    pub fn resolve(&mut self, cgroup_id: u64) -> Resolution {
        if !self.cgroups.contains_key(&cgroup_id)
            && self.last_rescan.is_none_or(|t| t.elapsed() >= RESCAN_EVERY)
        {
            self.rescan();
        }
        match self.cgroups.get(&cgroup_id) {
            None => Resolution::UnknownCgroup,
            Some(None) => Resolution::Host,
            Some(Some(pc)) => match self.pods.get(&pc.pod_uid) {
                Some(pod) => Resolution::Pod { pod: Arc::clone(pod), container_id: pc.container_id.clone() },
                None => Resolution::PodNotKnown(pc.clone()),
            },
        }
    }

    /// Pod cgroups currently known (pod and container levels).
    pub fn pod_cgroups(&self) -> usize {
        self.cgroups.values().filter(|c| c.is_some()).count()
    }

    /// Every pod known.
    pub fn all_pods(&self) -> impl Iterator<Item = &Arc<PodInfo>> {
        self.pods.iter()
    }

    pub fn pods(&self) -> usize {
        self.pods.len()
    }
}
