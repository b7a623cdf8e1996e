//! The policies in force, from a directory of `RampartPolicy` YAML files or from the API
//! server's `RampartPolicy` objects (see [`crate::sources`]).
//!
//! A file (an object) is all-or-nothing, and one that fails validation never replaces the
//! version of it already in force: its previous policies stay, and the errors (file, line or
//! object, field) are reported. A removed file (a deleted object) takes its policies away.

use std::{
    collections::{BTreeMap, btree_map::Entry},
    path::{Path, PathBuf},
};

use rampart_policy::{
    ParseOptions, PolicyError, PolicySet, RampartPolicy,
    dir::{DirError, WatchedDir},
    load::parse_source_with,
};

use crate::sources::{Delta, PolicyObject};

pub struct PolicyStore {
    dir: Option<WatchedDir>,
    /// The directory's files in force (the last version of each that parsed), by path.
    files: BTreeMap<PathBuf, Vec<RampartPolicy>>,
    /// The API source's objects in force, by `namespace/name`.
    objects: BTreeMap<Box<str>, RampartPolicy>,
    /// The API source's NetworkPolicy objects in force (with `--networkpolicy`), by
    /// `namespace/name`.
    network_policies: BTreeMap<Box<str>, RampartPolicy>,
    /// Whether (and in which mode) NetworkPolicy documents are read.
    options: ParseOptions,
    set: PolicySet,
}

/// The outcome of a reload.
#[derive(Debug, Default)]
pub struct PolicyReload {
    pub errors: Vec<PolicyError>,
    pub changed: bool,
}

impl PolicyStore {
    pub fn new(dir: Option<PathBuf>, options: ParseOptions) -> Self {
        PolicyStore {
            dir: dir.map(WatchedDir::new),
            files: BTreeMap::new(),
            objects: BTreeMap::new(),
            network_policies: BTreeMap::new(),
            options,
            set: PolicySet::default(),
        }
    }

    pub fn set(&self) -> &PolicySet {
        &self.set
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(WatchedDir::path)
    }

    /// Re-read the directory; changed files are parsed, bad ones keep their previous version.
    pub fn reload(&mut self) -> Result<PolicyReload, DirError> {
        let Some(dir) = &mut self.dir else { return Ok(PolicyReload::default()) };
        let scan = dir.scan()?;
        let mut out = PolicyReload::default();
        for (path, text) in scan.changed {
            let name = path.display().to_string();
            let parsed = match text {
                Ok(text) => parse_source_with(&name, &text, &self.options),
                Err(e) => Err(vec![PolicyError::new(name, e.to_string())]),
            };
            match parsed {
                Ok(policies) => {
                    self.files.insert(path, policies);
                    out.changed = true;
                }
                Err(errors) => out.errors.extend(errors),
            }
        }
        for path in scan.removed {
            out.changed |= self.files.remove(&path).is_some();
        }
        if out.changed {
            self.rebuild(&mut out.errors);
        }
        Ok(out)
    }

    /// Apply a change from the API source. An object the agent refuses keeps its previous
    /// version in force (if any) and is reported.
    pub fn apply(&mut self, delta: Delta<PolicyObject>) -> PolicyReload {
        let mut objects = std::mem::take(&mut self.objects);
        let out = self.apply_to(&mut objects, delta);
        self.objects = objects;
        self.finish(out)
    }

    /// Apply a change of NetworkPolicy objects from the API source, as [`apply`](Self::apply).
    pub fn apply_network_policies(&mut self, delta: Delta<PolicyObject>) -> PolicyReload {
        let mut objects = std::mem::take(&mut self.network_policies);
        let out = self.apply_to(&mut objects, delta);
        self.network_policies = objects;
        self.finish(out)
    }

    fn finish(&mut self, mut out: PolicyReload) -> PolicyReload {
        if out.changed {
            self.rebuild(&mut out.errors);
        }
        out
    }

    fn apply_to(
        &self,
        objects: &mut BTreeMap<Box<str>, RampartPolicy>,
        delta: Delta<PolicyObject>,
    ) -> PolicyReload {
        let mut out = PolicyReload::default();
        let before = objects.clone();
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
                *objects = fresh;
            }
            Delta::Apply(o) => take(objects, o),
            Delta::Delete(key) => {
                objects.remove(&key);
            }
        }
        out.changed = *objects != before;
        out
    }

    /// Build the set from every file in force. A policy whose namespace/name another file
    /// already defines is refused (first file in name order wins).
    fn rebuild(&mut self, errors: &mut Vec<PolicyError>) {
        let mut by_key: BTreeMap<String, RampartPolicy> = BTreeMap::new();
        for (path, policies) in &self.files {
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
        for p in self.objects.values().chain(self.network_policies.values()) {
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
