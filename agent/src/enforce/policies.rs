//! The policies in force, from a directory of `RampartPolicy` YAML files or from the API
//! server's `RampartPolicy` objects (see [`crate::sources`]).
//!
//! A file (an object) is all-or-nothing, and one that fails validation never replaces the
//! version of it already in force: its previous policies stay, and the errors (file, line or
//! object, field) are reported. A removed file (a deleted object) takes its policies away.

use std::{
    collections::{BTreeMap, HashMap, btree_map::Entry},
    fs, io,
    path::{Path, PathBuf},
    time::SystemTime,
};

use rampart_policy::{
    PolicyError, PolicySet, RampartPolicy,
    load::parse_source,
    source::{MAX_FILES, read_source},
};

use crate::sources::{Delta, PolicyObject};

#[derive(Debug, thiserror::Error)]
pub enum PolicyDirError {
    #[error("reading policies directory {path}: {source}")]
    Dir { path: PathBuf, source: io::Error },
}

pub struct PolicyStore {
    dir: Option<PathBuf>,
    files: HashMap<PathBuf, ((SystemTime, u64), Vec<RampartPolicy>)>,
    /// Stamps of files that failed, so an unchanged bad file is reported once, not per reload.
    failed: HashMap<PathBuf, (SystemTime, u64)>,
    /// The API source's objects in force, by `namespace/name`.
    objects: BTreeMap<Box<str>, RampartPolicy>,
    set: PolicySet,
}

/// The outcome of a reload.
#[derive(Debug, Default)]
pub struct PolicyReload {
    pub errors: Vec<PolicyError>,
    pub changed: bool,
}

impl PolicyStore {
    pub fn new(dir: Option<PathBuf>) -> Self {
        PolicyStore {
            dir,
            files: HashMap::new(),
            failed: HashMap::new(),
            objects: BTreeMap::new(),
            set: PolicySet::default(),
        }
    }

    pub fn set(&self) -> &PolicySet {
        &self.set
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Re-read the directory; changed files are parsed, bad ones keep their previous version.
    pub fn reload(&mut self) -> Result<PolicyReload, PolicyDirError> {
        let Some(dir) = self.dir.clone() else { return Ok(PolicyReload::default()) };
        let entries =
            fs::read_dir(&dir).map_err(|source| PolicyDirError::Dir { path: dir.clone(), source })?;
        let mut out = PolicyReload::default();
        let mut seen = Vec::new();
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        if paths.len() > MAX_FILES {
            out.errors.push(PolicyError::new(
                dir.display().to_string(),
                format!("{} entries; only the first {MAX_FILES} (in name order) are read", paths.len()),
            ));
            paths.truncate(MAX_FILES);
        }
        for path in paths {
            let is_policy = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
            if !is_policy {
                continue;
            }
            seen.push(path.clone());
            let name = path.display().to_string();
            let stamp = match fs::metadata(&path) {
                Ok(m) => (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()),
                Err(e) => {
                    out.errors.push(PolicyError::new(name, format!("unreadable: {e}")));
                    continue;
                }
            };
            if self.files.get(&path).is_some_and(|(s, _)| *s == stamp)
                || self.failed.get(&path) == Some(&stamp)
            {
                continue;
            }
            // Only regular files, bounded in size and nesting (a FIFO or /dev/zero is refused).
            let text = match read_source(&path) {
                Ok(t) => t,
                Err(e) => {
                    self.failed.insert(path, stamp);
                    out.errors.push(PolicyError::new(name, e.to_string()));
                    continue;
                }
            };
            match parse_source(&name, &text) {
                Ok(policies) => {
                    self.failed.remove(&path);
                    self.files.insert(path, (stamp, policies));
                    out.changed = true;
                }
                Err(errors) => {
                    self.failed.insert(path, stamp);
                    out.errors.extend(errors);
                }
            }
        }
        let before = self.files.len();
        self.files.retain(|p, _| seen.contains(p));
        self.failed.retain(|p, _| seen.contains(p));
        out.changed |= before != self.files.len();
        if out.changed {
            self.rebuild(&mut out.errors);
        }
        Ok(out)
    }

    /// Apply a change from the API source. An object the agent refuses keeps its previous
    /// version in force (if any) and is reported.
    pub fn apply(&mut self, delta: Delta<PolicyObject>) -> PolicyReload {
        let mut out = PolicyReload::default();
        let before = self.objects.clone();
        let mut take = |objects: &mut BTreeMap<Box<str>, RampartPolicy>, o: PolicyObject| match o.policy {
            Ok(p) => {
                objects.insert(o.key, p);
            }
            Err(e) => {
                if let Some(old) = before.get(&o.key) {
                    objects.insert(o.key, old.clone());
                }
                out.errors.push(e);
            }
        };
        match delta {
            Delta::Reset(list) => {
                let mut fresh = BTreeMap::new();
                for o in list {
                    take(&mut fresh, o);
                }
                self.objects = fresh;
            }
            Delta::Apply(o) => take(&mut self.objects, o),
            Delta::Delete(key) => {
                self.objects.remove(&key);
            }
        }
        out.changed = self.objects != before;
        if out.changed {
            self.rebuild(&mut out.errors);
        }
        out
    }

    /// Build the set from every file in force. A policy whose namespace/name another file
    /// already defines is refused (first file in name order wins).
    fn rebuild(&mut self, errors: &mut Vec<PolicyError>) {
        let mut by_key: BTreeMap<String, RampartPolicy> = BTreeMap::new();
        let mut files: Vec<_> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        for (path, (_, policies)) in files {
            for p in policies {
                match by_key.entry(p.key()) {
                    Entry::Occupied(first) => errors.push(PolicyError::new(
                        path.display().to_string(),
                        format!(
                            "policy {} is already defined at {}; this one is ignored",
                            p.key(),
                            first.get().origin
                        ),
                    )),
                    Entry::Vacant(slot) => {
                        slot.insert(p.clone());
                    }
                }
            }
        }
        for p in self.objects.values() {
            if let Entry::Vacant(slot) = by_key.entry(p.key()) {
                slot.insert(p.clone());
            }
        }
        match PolicySet::new(by_key.into_values()) {
            Ok(set) => self.set = set,
            Err(e) => errors.extend(e),
        }
    }
}
