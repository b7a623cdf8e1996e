//! [`Candidates`]: a candidate policy set for what-if — the candidates, plus the base policies
//! (those in force) that no candidate replaces. The collector's what-if and `rampart graph
//! --policy` build theirs here, so both judge with the same set.

use std::collections::BTreeSet;

use crate::{document::RampartPolicy, error::PolicyError, set::PolicySet};

/// The policy set to judge with, and what it is made of.
#[derive(Debug)]
pub struct Candidates {
    pub set: PolicySet,
    /// `namespace/name` of each candidate.
    pub policies: Vec<String>,
    /// Base policies a candidate of the same `namespace/name` replaced.
    pub replaced: Vec<String>,
}

impl Candidates {
    /// The candidates, and each base policy no candidate of the same `namespace/name` replaces.
    /// Two candidates with one name are an error, as in any [`PolicySet`].
    pub fn new(candidates: Vec<RampartPolicy>, base: Vec<RampartPolicy>) -> Result<Self, Vec<PolicyError>> {
        let keys: BTreeSet<String> = candidates.iter().map(RampartPolicy::key).collect();
        let (replaced, kept): (Vec<_>, Vec<_>) = base.into_iter().partition(|p| keys.contains(&p.key()));
        let set = PolicySet::new(candidates.into_iter().chain(kept))?;
        Ok(Candidates {
            set,
            policies: keys.into_iter().collect(),
            replaced: replaced.iter().map(RampartPolicy::key).collect(),
        })
    }
}
