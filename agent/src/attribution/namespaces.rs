//! Namespaces and their labels, from the API source: what namespace selectors read. A
//! namespace is kept as its name and sorted labels, nothing else.

use std::{collections::HashMap, sync::Arc};

use crate::sources::Delta;

pub use rampart_proto::domain::NamespaceInfo;

#[derive(Debug, Default)]
pub struct NamespaceStore {
    by_name: HashMap<Box<str>, Arc<NamespaceInfo>>,
}

impl NamespaceStore {
    pub fn get(&self, name: &str) -> Option<&Arc<NamespaceInfo>> {
        self.by_name.get(name)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Apply a change; `true` if a namespace appeared, changed its labels or went away.
    pub fn apply(&mut self, delta: Delta<NamespaceInfo>) -> bool {
        match delta {
            Delta::Reset(all) => {
                let fresh: HashMap<Box<str>, Arc<NamespaceInfo>> =
                    all.into_iter().map(|n| (n.name.clone(), Arc::new(n))).collect();
                let changed = fresh.len() != self.by_name.len()
                    || fresh.iter().any(|(k, n)| self.by_name.get(k).is_none_or(|old| old != n));
                self.by_name = fresh;
                changed
            }
            Delta::Apply(n) => {
                if self.by_name.get(&n.name).is_some_and(|old| **old == n) {
                    return false;
                }
                self.by_name.insert(n.name.clone(), Arc::new(n));
                true
            }
            Delta::Delete(name) => self.by_name.remove(&name).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(name: &str, team: &str) -> NamespaceInfo {
        NamespaceInfo { name: name.into(), labels: Box::new([("team".into(), team.into())]) }
    }

    #[test]
    fn deltas_replace_apply_and_delete() {
        let mut s = NamespaceStore::default();
        assert!(s.apply(Delta::Reset(vec![ns("shop", "a"), ns("db", "b")])));
        assert!(!s.apply(Delta::Apply(ns("shop", "a"))));
        assert!(s.apply(Delta::Apply(ns("shop", "c"))));
        assert_eq!(s.get("shop").unwrap().label("team"), Some("c"));
        assert!(s.apply(Delta::Delete("db".into())));
        assert_eq!(s.len(), 1);
    }
}
