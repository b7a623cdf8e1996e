//! Deciding and applying: the policies in force, the kernel's per-pod maps that say what they
//! say, the mount tables the rootfs programs judge against, and which rules each node's tiers
//! can enforce (the verdict itself is `rampart_policy::verdict::judge`'s).

pub mod feasibility;
pub mod kernel;
pub mod mounts;
pub mod policies;

use rampart_proto::v1::verdict;

use crate::caps::Tier;

/// A tier as the wire names it.
pub fn proto_tier(t: Tier) -> verdict::Tier {
    match t {
        Tier::Lsm => verdict::Tier::Lsm,
        Tier::Cgroup => verdict::Tier::Cgroup,
        Tier::Sigkill => verdict::Tier::Sigkill,
        Tier::None => verdict::Tier::None,
    }
}
