//! The policies in force, from a directory of `RampartPolicy` YAML files.
//!
//! A file is all-or-nothing, and a file that fails to parse never replaces the version of it
//! already in force: its previous policies stay, and the errors (file, line, field) are
//! reported. A removed file takes its policies away.

use std::{
    collections::{BTreeMap, HashMap, btree_map::Entry},
    fs, io,
    path::{Path, PathBuf},
    time::SystemTime,
};

use rampart_policy::{PolicyError, PolicySet, RampartPolicy, load::parse_source};

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
        PolicyStore { dir, files: HashMap::new(), failed: HashMap::new(), set: PolicySet::default() }
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
            let text = match fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    out.errors.push(PolicyError::new(name, format!("unreadable: {e}")));
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
        match PolicySet::new(by_key.into_values()) {
            Ok(set) => self.set = set,
            Err(e) => errors.extend(e),
        }
    }
}
