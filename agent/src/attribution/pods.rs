//! Pod objects from a directory of manifests (`--pod-manifests DIR`), the way kubelet reads
//! static pods: YAML or JSON files, several documents per file, `kind: Pod` or a `List` of them.
//!
//! Only what attribution needs is kept per pod (namespace, name, uid, labels, container ids
//! and names), in compact form (boxed strings, sorted vectors rather than maps: a pod has a
//! handful of labels and containers), so a thousand pods stay small. A file that fails to parse keeps its previous
//! pods in force; a removed file takes its pods away.

use std::{
    collections::{BTreeMap, HashMap},
    ffi::OsString,
    fs, io,
    path::{Path, PathBuf},
    sync::Arc,
    time::SystemTime,
};

use serde::Deserialize;

use super::kubelet::status_container_id;

/// What attribution keeps of a Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInfo {
    pub namespace: Box<str>,
    pub name: Box<str>,
    pub uid: Box<str>,
    /// Sorted by key.
    pub labels: Box<[(Box<str>, Box<str>)]>,
    /// (container id without runtime prefix, container name).
    pub containers: Box<[(Box<str>, Box<str>)]>,
}

impl PodInfo {
    pub fn container_name(&self, id: &str) -> Option<&str> {
        self.containers.iter().find(|(cid, _)| &**cid == id).map(|(_, name)| &**name)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.binary_search_by(|(k, _)| (**k).cmp(key)).ok().map(|i| &*self.labels[i].1)
    }

    /// The labels as a map (what events carry).
    pub fn label_map(&self) -> BTreeMap<String, String> {
        self.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

/// Selectors read the pod's labels where they are kept.
impl rampart_policy::Labels for PodInfo {
    fn label(&self, key: &str) -> Option<&str> {
        PodInfo::label(self, key)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("reading pod manifests directory {path}: {source}")]
    Dir { path: PathBuf, source: io::Error },
    #[error("{path}: unreadable: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: more than {max} manifests; the rest are not read", max = rampart_policy::source::MAX_FILES)]
    TooManyFiles { path: PathBuf },
    #[error("{path}: {source}")]
    Source { path: PathBuf, source: rampart_policy::source::SourceError },
    #[error("{path}: document {doc}: {message}")]
    Doc { path: PathBuf, doc: usize, message: String },
}

// The subset of a Pod object that matters here; unknown fields are fine (real Pods have many).
#[derive(Deserialize)]
struct Object {
    kind: Option<String>,
    #[serde(default)]
    metadata: Metadata,
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
struct Status {
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

/// Parse one manifest file's text. All-or-nothing: any bad document fails the file.
pub fn parse_manifest(path: &Path, text: &str) -> Result<Vec<PodInfo>, Vec<ManifestError>> {
    let mut pods = Vec::new();
    let mut errors = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let doc_no = i + 1;
        let err = |message: String| ManifestError::Doc { path: path.into(), doc: doc_no, message };
        let value = match serde_yaml::Value::deserialize(doc) {
            Ok(serde_yaml::Value::Null) => continue,
            Ok(v) => v,
            Err(e) => {
                // A YAML syntax error ends the stream: serde_yaml would yield it forever.
                errors.push(err(e.to_string()));
                break;
            }
        };
        match pods_of(value) {
            Ok(found) => pods.extend(found),
            Err(message) => errors.push(err(message)),
        }
    }
    if errors.is_empty() { Ok(pods) } else { Err(errors) }
}

fn pods_of(value: serde_yaml::Value) -> Result<Vec<PodInfo>, String> {
    let obj: Object = serde_yaml::from_value(value).map_err(|e| e.to_string())?;
    match obj.kind.as_deref() {
        Some("Pod") => pod_info(obj).map(|p| vec![p]),
        Some("List" | "PodList") => {
            let mut out = Vec::new();
            for (i, item) in obj.items.into_iter().enumerate() {
                out.extend(pods_of(item).map_err(|e| format!("items[{i}]: {e}"))?);
            }
            Ok(out)
        }
        Some(other) => Err(format!("kind {other} is not a Pod")),
        None => Err("no kind (expected kind: Pod)".into()),
    }
}

fn pod_info(obj: Object) -> Result<PodInfo, String> {
    let m = obj.metadata;
    let name = m.name.filter(|n| !n.is_empty()).ok_or("Pod has no metadata.name")?;
    let namespace = m.namespace.filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into());
    let uid = m.uid.filter(|u| !u.is_empty()).ok_or_else(|| {
        format!("Pod {namespace}/{name} has no metadata.uid (it is what joins the pod to its cgroup)")
    })?;
    let s = obj.status;
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
    Ok(PodInfo { namespace: namespace.into(), name: name.into(), uid: uid.into(), labels, containers })
}

/// The pods of a manifests directory, kept per file.
#[derive(Default)]
pub struct PodStore {
    /// By file name within the directory.
    files: HashMap<OsString, FileEntry>,
    /// Stamps of files that failed, so an unchanged bad file is reported once, not per reload.
    failed: HashMap<OsString, (SystemTime, u64)>,
    by_uid: HashMap<Box<str>, Arc<PodInfo>>,
}

struct FileEntry {
    stamp: (SystemTime, u64),
    pods: Box<[Arc<PodInfo>]>,
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

    /// Re-read `dir`: parse new and modified files, drop removed ones. A file that no longer
    /// parses keeps its previous pods and reports why.
    pub fn reload(&mut self, dir: &Path) -> Result<Reload, ManifestError> {
        let entries = fs::read_dir(dir).map_err(|source| ManifestError::Dir { path: dir.into(), source })?;
        let mut seen = Vec::new();
        let mut out = Reload::default();
        for entry in entries.flatten() {
            let path = entry.path();
            let key = entry.file_name();
            let is_manifest = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
            if !is_manifest {
                continue;
            }
            if seen.len() == rampart_policy::source::MAX_FILES {
                out.errors.push(ManifestError::TooManyFiles { path: dir.into() });
                break;
            }
            seen.push(key.clone());
            // Follow symlinks: ConfigMap volumes are symlinks into a swapped `..data` directory.
            let stamp = match fs::metadata(&path) {
                Ok(m) => (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()),
                Err(source) => {
                    out.errors.push(ManifestError::Read { path, source });
                    continue;
                }
            };
            if self.files.get(&key).is_some_and(|f| f.stamp == stamp) || self.failed.get(&key) == Some(&stamp)
            {
                continue;
            }
            // Only regular files, bounded in size and nesting (a FIFO or /dev/zero is refused).
            let text = match rampart_policy::source::read_source(&path) {
                Ok(t) => t,
                Err(source) => {
                    self.failed.insert(key, stamp);
                    out.errors.push(ManifestError::Source { path, source });
                    continue;
                }
            };
            match parse_manifest(&path, &text) {
                Ok(pods) => {
                    self.failed.remove(&key);
                    let pods = pods.into_iter().map(Arc::new).collect();
                    self.files.insert(key, FileEntry { stamp, pods });
                    out.changed = true;
                }
                Err(errors) => {
                    self.failed.insert(key, stamp);
                    out.errors.extend(errors);
                }
            }
        }
        let before = self.files.len();
        let seen: std::collections::HashSet<OsString> = seen.into_iter().collect();
        self.files.retain(|name, _| seen.contains(name));
        self.failed.retain(|name, _| seen.contains(name));
        out.changed |= self.files.len() != before;
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

    #[test]
    fn parses_a_pod() {
        let pods = parse_manifest(Path::new("p.yaml"), POD).unwrap();
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
        let pods = parse_manifest(Path::new("m.yaml"), &text).unwrap();
        assert_eq!(pods.iter().map(|p| &*p.name).collect::<Vec<_>>(), ["web-0", "b"]);
        assert_eq!(&*pods[1].namespace, "default");
        let json = r#"{"kind":"Pod","metadata":{"name":"j","uid":"u-3"}}"#;
        assert_eq!(&*parse_manifest(Path::new("j.json"), json).unwrap()[0].uid, "u-3");
    }

    #[test]
    fn other_kinds_and_garbage_are_refused_with_document_number() {
        let text = "kind: Pod\nmetadata: {name: a, uid: u}\n---\nkind: Deployment\n";
        let errs = parse_manifest(Path::new("d.yaml"), text).unwrap_err();
        assert_eq!(errs[0].to_string(), "d.yaml: document 2: kind Deployment is not a Pod");
        assert!(parse_manifest(Path::new("g.yaml"), "kind: [").is_err());
    }

    #[test]
    fn store_keeps_good_pods_when_a_file_breaks_and_drops_removed_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("web.yaml");
        fs::write(&f, POD).unwrap();
        let mut store = PodStore::default();
        let r = store.reload(dir.path()).unwrap();
        assert!(r.changed && r.errors.is_empty());
        assert!(store.get("6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab").is_some());

        fs::write(&f, "kind: Pod\nmetadata: {name: web-0}\n# now without uid, and longer\n").unwrap();
        let r = store.reload(dir.path()).unwrap();
        assert_eq!(r.errors.len(), 1);
        assert!(store.get("6f1c2a8e-3b5d-4c1e-9f0a-1234567890ab").is_some(), "old pod kept");
        assert!(
            store.reload(dir.path()).unwrap().errors.is_empty(),
            "an unchanged bad file is reported once"
        );

        fs::remove_file(&f).unwrap();
        let r = store.reload(dir.path()).unwrap();
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
            labels: Box::new([("app".into(), app.into())]),
            containers: Box::new([]),
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
        let err = store.reload(Path::new("/nonexistent/rampart-pods")).err().unwrap();
        assert!(err.to_string().starts_with("reading pod manifests directory /nonexistent/rampart-pods:"));
    }
}
