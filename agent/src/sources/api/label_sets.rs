//! One copy of each label set among the Pods decoded from the API server.
//!
//! Design constraints, first:
//! - **Replicas share labels.** The pods of a ReplicaSet carry the same labels, and every pod
//!   on this node is decoded twice (this node's watch and the cluster's peer watch); a label set
//!   is kept once, whoever decoded it, as a [`LabelPairs`] both watches hand out.
//! - **Nothing kept for pods that are gone.** The pool holds its own reference to each set; a
//!   set only the pool still holds is dropped when the pool has doubled since it last looked,
//!   so the pool stays within twice the sets in use and the sweep costs O(1) per insert, amortised.
//! - **Cheap to share between tasks**: one short lock per decoded Pod.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use rampart_policy::LabelPairs;

/// The label sets in use, shared by the Pod watches ([`LabelSets::share`]).
#[derive(Clone, Default)]
pub struct LabelSets(Arc<Mutex<Pool>>);

#[derive(Default)]
struct Pool {
    sets: HashSet<LabelPairs>,
    /// Sets in the pool after its last sweep.
    swept: usize,
}

impl LabelSets {
    /// The shared copy of `pairs` (sorted by key).
    pub fn share(&self, pairs: Vec<(Box<str>, Box<str>)>) -> LabelPairs {
        let mut pool = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(set) = pool.sets.get(pairs.as_slice()) {
            return Arc::clone(set);
        }
        let set: LabelPairs = pairs.into();
        pool.sets.insert(Arc::clone(&set));
        if pool.sets.len() > 2 * pool.swept.max(64) {
            pool.sets.retain(|s| Arc::strong_count(s) > 1);
            pool.swept = pool.sets.len();
        }
        set
    }

    /// Label sets in the pool (tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|p| p.sets.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(app: &str) -> Vec<(Box<str>, Box<str>)> {
        vec![("app".into(), app.into()), ("tier".into(), "web".into())]
    }

    #[test]
    fn equal_sets_are_one_copy_and_unused_ones_are_swept() {
        let sets = LabelSets::default();
        let a = sets.share(pairs("a"));
        let b = sets.share(pairs("a"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a[0].1, "a");
        // Sets nobody holds any more go when the pool has doubled.
        for i in 0..200 {
            drop(sets.share(pairs(&format!("gone-{i}"))));
        }
        assert!(sets.len() <= 129, "{} sets kept", sets.len());
        let again = sets.share(pairs("a"));
        assert!(Arc::ptr_eq(&a, &again), "a set in use survives a sweep");
    }
}
