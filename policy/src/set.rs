//! [`PolicySet`]: the policies in force, indexed by namespace and ordered by `namespace/name`.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::document::RampartPolicy;
use crate::error::PolicyError;
use crate::verdict::{Activity, Judgement, judge};

/// The policies selecting one pod ([`PolicySet::selecting`]); a slice.
pub type Selecting<'a> = smallvec::SmallVec<[&'a RampartPolicy; 4]>;

/// Policies indexed by namespace, each namespace ordered by name (= by key).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    by_namespace: BTreeMap<String, BTreeMap<String, RampartPolicy>>,
    len: usize,
}

impl PolicySet {
    /// Builds a set; two policies with the same `namespace/name` are an error (one per
    /// duplicate, located at the later one and naming where the first came from).
    pub fn new(policies: impl IntoIterator<Item = RampartPolicy>) -> Result<Self, Vec<PolicyError>> {
        let mut set = Self::default();
        let mut errors = Vec::new();
        for policy in policies {
            let names = set.by_namespace.entry(policy.namespace.clone()).or_default();
            match names.entry(policy.name.clone()) {
                Entry::Vacant(slot) => {
                    slot.insert(policy);
                    set.len += 1;
                }
                Entry::Occupied(first) => errors.push(PolicyError {
                    source: policy.origin.source.clone(),
                    line: policy.origin.line,
                    column: policy.origin.column,
                    field: Some("metadata.name".to_owned()),
                    message: format!(
                        "duplicate policy {}: already defined at {}",
                        policy.key(),
                        first.get().origin
                    ),
                }),
            }
        }
        if errors.is_empty() { Ok(set) } else { Err(errors) }
    }

    /// The policies that select a pod in `namespace` with `labels`, ordered by key. A pod is
    /// selected by a handful at most, so they are gathered without a heap allocation: this runs
    /// for every event the agent judges and every stored event a what-if judges again.
    pub fn selecting<'a>(
        &'a self,
        namespace: &str,
        labels: &(impl crate::selector::Labels + ?Sized),
    ) -> Selecting<'a> {
        self.by_namespace
            .get(namespace)
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter(|p| p.spec.pod_selector.matches(labels))
            .collect()
    }

    /// [`judge`] over the policies selecting the pod.
    pub fn judge(
        &self,
        namespace: &str,
        labels: &(impl crate::selector::Labels + ?Sized),
        activity: &Activity<'_>,
    ) -> Judgement {
        judge(&self.selecting(namespace, labels), activity)
    }

    /// The policy `namespace/name`, if present.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&RampartPolicy> {
        self.by_namespace.get(namespace)?.get(name)
    }

    /// Every policy, ordered by namespace then name.
    pub fn iter(&self) -> impl Iterator<Item = &RampartPolicy> {
        self.by_namespace.values().flat_map(BTreeMap::values)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
