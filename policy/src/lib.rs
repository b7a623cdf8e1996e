//! RampartPolicy: the policy model (`rampart.dev/v1alpha1`, kind `RampartPolicy`), parsing with
//! precise errors, label-selector matching, and [`judge`], the one verdict function used by the
//! live agent, audit mode and what-if replays.
//!
//! The user-facing reference for the policy format is `docs/policy.md`.

pub mod blocks;
pub mod candidates;
pub mod cidr;
pub mod compile;
pub mod dir;
pub mod document;
pub mod error;
pub mod fspath;
pub mod identity;
pub mod load;
pub mod model;
pub mod names;
pub mod network;
pub mod networkpolicy;
pub mod selector;
pub mod set;
pub mod source;
pub mod verdict;

mod validate;

#[cfg(feature = "schema")]
pub mod schema;

pub use candidates::Candidates;
pub use cidr::Cidr;
pub use dir::DirError;
pub use document::{Origin, RampartPolicy};
pub use error::PolicyError;
pub use fspath::AbsPath;
pub use identity::{LabelPairs, NamedPort, PodIdentity, SortedLabels};
pub use load::{
    FileOutcome, ParseOptions, load_dir, load_file, parse_network_policy_object, parse_object, parse_source,
    parse_source_with,
};
pub use model::{
    EscalationMode, FilesystemPolicy, IpBlock, Mode, NamedPortSpec, NetworkPolicy, NetworkRule, PodPeer,
    PolicySpec, PortSpec, PrivilegePolicy, Protocol, RootfsMode,
};
pub use selector::{LabelSelector, LabelSelectorRequirement, Labels, SelectorOperator};
pub use set::{PolicySet, Selecting};
pub use verdict::{Action, Activity, Direction, Judgement, judge};
