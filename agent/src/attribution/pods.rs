//! Pod objects from a directory of manifests (`--pod-manifests DIR`), the way kubelet reads
//! static pods: YAML or JSON files, several documents per file, `kind: Pod` or a `List` of them;
//! `kind: Namespace` objects there give namespaces their labels (what `namespaceSelector` reads).
//!
//! Only what attribution needs is kept per pod (namespace, name, uid, labels, container ids
//! and names), in compact form (boxed strings, sorted vectors rather than maps: a pod has a
//! handful of labels and containers), so a thousand pods stay small. A file that fails to parse keeps its previous
//! pods in force; a removed file takes its pods away.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    sync::Arc,
};

use rampart_policy::{
    dir::{DirError, WatchedDir},
    source::SourceError,
};

use serde::Deserialize;

use super::kubelet::status_container_id;
use crate::sources::api::pods::{named_ports, pod_ips};

pub use rampart_proto::domain::{NamespaceInfo, PodInfo};

/// One manifest file that cannot be used (its previous pods, if any, stay in force).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Source { path: PathBuf, source: SourceError },
    #[error("{path}: document {doc}: {source}")]
    Doc { path: PathBuf, doc: usize, source: DocError },
}

/// Why one document of a manifest is not a Pod (or a list of them).
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("{0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("items[{index}]: {source}")]
    Item { index: usize, source: Box<DocError> },
    #[error("kind {0} is not a Pod or a Namespace")]
    NotPod(String),
    #[error("no kind (expected kind: Pod)")]
    NoKind,
    #[error("object has no metadata.name")]
    NoName,
    #[error("Pod {namespace}/{name} has no metadata.uid (it is what joins the pod to its cgroup)")]
    NoUid { namespace: String, name: String },
}

// The subset of a Pod object that matters here; unknown fields are fine (real Pods have many).
#[derive(Deserialize)]
struct Object {
    kind: Option<String>,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Spec,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    items: Vec<serde_yaml::Value>,
}

#[derive(Default, Deserialize)]
struct Metadata {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    host_network: bool,
    #[serde(default)]
    containers: Vec<Container>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    ports: Vec<ContainerPort>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerPort {
    name: Option<String>,
    container_port: i32,
    protocol: Option<String>,
}

#[derive(Deserialize)]
struct PodIp {
    ip: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    phase: Option<String>,
    #[serde(rename = "podIP")]
    pod_ip: Option<String>,
    #[serde(default, rename = "podIPs")]
    pod_ips: Vec<PodIp>,
    #[serde(default)]
    container_statuses: Vec<ContainerStatus>,
    #[serde(default)]
    init_container_statuses: Vec<ContainerStatus>,
    #[serde(default)]
    ephemeral_container_statuses: Vec<ContainerStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerStatus {
    name: String,
    #[serde(rename = "containerID")]
    container_id: Option<String>,
}

/// One object of a manifest.
#[derive(Debug)]
pub enum Manifested {
    Pod(PodInfo),
    Namespace(NamespaceInfo),
}

/// Parse one manifest file's text. All-or-nothing: any bad document fails the file.
pub fn parse_manifest(path: &Path, text: &str) -> Result<Vec<Manifested>, Vec<ManifestError>> {
    let mut pods = Vec::new();
    let mut errors = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let doc_no = i + 1;
        let err = |source: DocError| ManifestError::Doc { path: path.into(), doc: doc_no, source };
        let value = match serde_yaml::Value::deserialize(doc) {
            Ok(serde_yaml::Value::Null) => continue,
            Ok(v) => v,
            Err(e) => {
                // A YAML syntax error ends the stream: serde_yaml would yield it forever.
                errors.push(err(e.into()));
                break;
            }
        };
        match pods_of(value) {
            Ok(found) => pods.extend(found),
            Err(source) => errors.push(err(source)),
        }
    }
    if errors.is_empty() { Ok(pods) } else { Err(errors) }
}

fn pods_of(value: serde_yaml::Value) -> Result<Vec<Manifested>, DocError> {
    let obj: Object = serde_yaml::from_value(value)?;
    match obj.kind.as_deref() {
        Some("Pod") => pod_info(obj).map(|p| vec![Manifested::Pod(p)]),
        Some("Namespace") => {
            let name = obj.metadata.name.filter(|n| !n.is_empty()).ok_or(DocError::NoName)?;
            let labels = obj.metadata.labels.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
            Ok(vec![Manifested::Namespace(NamespaceInfo { name: name.into(), labels })])
        }
        Some("List" | "PodList") => {
            let mut out = Vec::new();
            for (i, item) in obj.items.into_iter().enumerate() {
                out.extend(pods_of(item).map_err(|e| DocError::Item { index: i, source: Box::new(e) })?);
            }
            Ok(out)
        }
        Some(other) => Err(DocError::NotPod(other.to_owned())),
        None => Err(DocError::NoKind),
    }
}

fn pod_info(obj: Object) -> Result<PodInfo, DocError> {
    let m = obj.metadata;
    let name = m.name.filter(|n| !n.is_empty()).ok_or(DocError::NoName)?;
    let namespace = m.namespace.filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into());
    let uid = m
        .uid
        .filter(|u| !u.is_empty())
        .ok_or_else(|| DocError::NoUid { namespace: namespace.clone(), name: name.clone() })?;
    let s = obj.status;
    let listed = s.pod_ips.iter().map(|p| p.ip.as_str()).chain(s.pod_ip.as_deref());
    let ips = pod_ips(obj.spec.host_network, s.phase.as_deref(), listed);
    let ports = named_ports(
        obj.spec
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .filter_map(|p| Some((p.name.as_deref()?, p.container_port, p.protocol.as_deref()))),
    );
    let containers = s
        .container_statuses
        .into_iter()
        .chain(s.init_container_statuses)
        .chain(s.ephemeral_container_statuses)
        .filter_map(|c| Some((status_container_id(c.container_id.as_deref()?).into(), c.name.into())))
        .filter(|(id, _): &(Box<str>, Box<str>)| !id.is_empty())
        .collect();
    // BTreeMap iteration is sorted by key.
    let labels = m.labels.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    Ok(PodInfo {
        namespace: namespace.into(),
        name: name.into(),
        uid: uid.into(),
        labels,
        containers,
        ips,
        ports,
    })
}

/// The pods of a manifests directory, kept per file.
#[derive(Default)]
pub struct PodStore {
    /// The directory's files in force (the last version of each that parsed), by path.
    files: HashMap<PathBuf, FileObjects>,
    by_uid: HashMap<Box<str>, Arc<PodInfo>>,
}

#[derive(Default)]
struct FileObjects {
    pods: Box<[Arc<PodInfo>]>,
    namespaces: Box<[NamespaceInfo]>,
}

/// What a reload changed.
#[derive(Debug, Default)]
pub struct Reload {
    pub errors: Vec<ManifestError>,
    /// Some pod appeared, changed or went away.
    pub changed: bool,
}

impl PodStore {
    pub fn iter(&self) -> impl Iterator<Item = &Arc<PodInfo>> {
        self.by_uid.values()
    }

    /// The Namespace objects of the manifests directory.
    pub fn namespaces(&self) -> impl Iterator<Item = &NamespaceInfo> {
        self.files.values().flat_map(|f| f.namespaces.iter())
    }

    pub fn get(&self, uid: &str) -> Option<&Arc<PodInfo>> {
        self.by_uid.get(uid)
    }

    pub fn len(&self) -> usize {
        self.by_uid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_uid.is_empty()
    }

    /// Apply a change from the API source (which owns every pod then: no directory is read).
    /// Returns whether any pod appeared, changed or went away.
    pub fn apply(&mut self, delta: crate::sources::Delta<PodInfo>) -> bool {
        use crate::sources::Delta;
        match delta {
            Delta::Reset(pods) => {
                let fresh: HashMap<Box<str>, Arc<PodInfo>> =
                    pods.into_iter().map(|p| (p.uid.clone(), Arc::new(p))).collect();
                let changed = fresh.len() != self.by_uid.len()
                    || fresh.iter().any(|(uid, p)| self.by_uid.get(uid).is_none_or(|old| old != p));
                self.by_uid = fresh;
                changed
            }
            Delta::Apply(pod) => {
                if self.by_uid.get(&pod.uid).is_some_and(|old| **old == pod) {
                    return false;
                }
                self.by_uid.insert(pod.uid.clone(), Arc::new(pod));
                true
            }
            Delta::Delete(uid) => self.by_uid.remove(&uid).is_some(),
        }
    }

    /// Re-read the manifests directory: parse new and changed files, drop removed ones. A file
    /// that no longer parses keeps its previous pods and reports why.
    pub fn reload(&mut self, dir: &mut WatchedDir) -> Result<Reload, DirError> {
        let scan = dir.scan()?;
        let mut out = Reload::default();
        for (path, text) in scan.changed {
            let parsed = match text {
                Ok(text) => parse_manifest(&path, &text),
                Err(source) => Err(vec![ManifestError::Source { path: path.clone(), source }]),
            };
            match parsed {
                Ok(objects) => {
                    let (mut pods, mut namespaces) = (Vec::new(), Vec::new());
                    for o in objects {
                        match o {
                            Manifested::Pod(p) => pods.push(Arc::new(p)),
                            Manifested::Namespace(n) => namespaces.push(n),
                        }
                    }
                    self.files.insert(path, FileObjects { pods: pods.into(), namespaces: namespaces.into() });
                    out.changed = true;
                }
                Err(errors) => out.errors.extend(errors),
            }
        }
        for path in scan.removed {
            out.changed |= self.files.remove(&path).is_some();
        }
        if out.changed {
            self.by_uid = self
                .files
                .values()
                .flat_map(|f| f.pods.iter())
                .map(|p| (p.uid.clone(), Arc::clone(p)))
                .collect();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  namespace: shop
  uid: 6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab
  labels: {app: web}
spec:
  containers: [{name: nginx, image: nginx}]
status:
  containerStatuses:
    - name: nginx
      containerID: containerd://4e2b9a7c1d3f5e6a8b0c2d4e6f8a0b1c
"#;

    /// The Pods of a manifest that parses.
    fn pods(path: &str, text: &str) -> Vec<PodInfo> {
        let objects = parse_manifest(Path::new(path), text).unwrap();
        objects
            .into_iter()
            .filter_map(|o| match o {
                Manifested::Pod(p) => Some(p),
                Manifested::Namespace(_) => None,
            })
            .collect()
    }

    #[test]
    fn namespaces_with_their_labels_and_pod_addresses() {
        let text = format!(
            "kind: Namespace\nmetadata: {{name: shop, labels: {{team: red}}}}\n---\n{POD}  podIP: 10.1.2.3\n  podIPs: [{{ip: 10.1.2.3}}]\n"
        );
        let objects = parse_manifest(Path::new("n.yaml"), &text).unwrap();
        assert!(
            matches!(&objects[0], Manifested::Namespace(n) if &*n.name == "shop" && n.label("team") == Some("red"))
        );
        let Manifested::Pod(p) = &objects[1] else { panic!("{objects:?}") };
        assert_eq!(p.ips.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["10.1.2.3"]);
        let hostnet =
            "kind: Pod\nmetadata: {name: h, uid: u}\nspec: {hostNetwork: true}\nstatus: {podIP: 10.0.0.1}\n";
        assert!(pods("h.yaml", hostnet)[0].ips.is_empty(), "a host-network pod's address is the node's");
    }

    #[test]
    fn parses_a_pod() {
        let pods = pods("p.yaml", POD);
        assert_eq!(pods.len(), 1);
        let p = &pods[0];
        assert_eq!((&*p.namespace, &*p.name), ("shop", "web-0"));
        assert_eq!(p.label("app"), Some("web"));
        assert_eq!(p.label_map()["app"], "web");
        assert_eq!(p.container_name("4e2b9a7c1d3f5e6a8b0c2d4e6f8a0b1c"), Some("nginx"));
    }

    #[test]
    fn pod_without_uid_is_named_in_the_error() {
        let text = "kind: Pod\nmetadata: {name: a, namespace: x}\n";
        let errs = parse_manifest(Path::new("dir/a.yaml"), text).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "dir/a.yaml: document 1: Pod x/a has no metadata.uid (it is what joins the pod to its cgroup)"
        );
    }

    #[test]
    fn multi_document_and_lists_and_json() {
        let text =
            format!("{POD}\n---\nkind: List\nitems:\n- kind: Pod\n  metadata: {{name: b, uid: u-2}}\n");
        let found = pods("m.yaml", &text);
        assert_eq!(found.iter().map(|p| &*p.name).collect::<Vec<_>>(), ["web-0", "b"]);
        assert_eq!(&*found[1].namespace, "default");
        let json = r#"{"kind":"Pod","metadata":{"name":"j","uid":"u-3"}}"#;
        assert_eq!(&*pods("j.json", json)[0].uid, "u-3");
    }

    #[test]
    fn other_kinds_and_garbage_are_refused_with_document_number() {
        let text = "kind: Pod\nmetadata: {name: a, uid: u}\n---\nkind: Deployment\n";
        let errs = parse_manifest(Path::new("d.yaml"), text).unwrap_err();
        assert_eq!(errs[0].to_string(), "d.yaml: document 2: kind Deployment is not a Pod or a Namespace");
        assert!(parse_manifest(Path::new("g.yaml"), "kind: [").is_err());
    }

    #[test]
    fn store_keeps_good_pods_when_a_file_breaks_and_drops_removed_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("web.yaml");
        fs::write(&f, POD).unwrap();
        let mut store = PodStore::default();
        let mut watched = WatchedDir::new(dir.path().to_owned());
        let r = store.reload(&mut watched).unwrap();
        assert!(r.changed && r.errors.is_empty());
        assert!(store.get("6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab").is_some());

        fs::write(&f, "kind: Pod\nmetadata: {name: web-0}\n# now without uid, and longer\n").unwrap();
        let r = store.reload(&mut watched).unwrap();
        assert_eq!(r.errors.len(), 1);
        assert!(store.get("6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab").is_some(), "old pod kept");
        assert!(
            store.reload(&mut watched).unwrap().errors.is_empty(),
            "an unchanged bad file is reported once"
        );

        fs::remove_file(&f).unwrap();
        let r = store.reload(&mut watched).unwrap();
        assert!(r.changed);
        assert!(store.is_empty());
    }

    #[test]
    fn api_deltas_replace_apply_and_delete() {
        use crate::sources::Delta;
        let pod = |uid: &str, app: &str| PodInfo {
            namespace: "shop".into(),
            name: uid.into(),
            uid: uid.into(),
            labels: Arc::new([("app".into(), app.into())]),
            containers: Box::new([]),
            ips: Box::new([]),
            ports: Box::new([]),
        };
        let mut store = PodStore::default();
        assert!(store.apply(Delta::Reset(vec![pod("a", "web"), pod("b", "db")])));
        assert!(!store.apply(Delta::Reset(vec![pod("b", "db"), pod("a", "web")])), "the same list");
        assert!(!store.apply(Delta::Apply(pod("a", "web"))), "unchanged");
        assert!(store.apply(Delta::Apply(pod("a", "api"))), "label change");
        assert_eq!(store.get("a").unwrap().label("app"), Some("api"));
        assert!(store.apply(Delta::Delete("b".into())));
        assert!(store.apply(Delta::Reset(vec![pod("c", "x")])), "a relist drops what it lacks");
        assert!(store.get("a").is_none() && store.get("c").is_some());
    }

    #[test]
    fn missing_directory_is_an_error_naming_it() {
        let mut store = PodStore::default();
        let mut dir = WatchedDir::new("/nonexistent/rampart-pods".into());
        let err = store.reload(&mut dir).err().unwrap();
        assert!(err.to_string().starts_with("cannot read directory /nonexistent/rampart-pods:"), "{err}");
    }
}
