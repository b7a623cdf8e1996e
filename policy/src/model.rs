//! The `spec` of a RampartPolicy: pod selector, mode, and the filesystem and privilege
//! sections in their validated form (the network section lives in [`crate::network`] and is
//! re-exported here). Deserializing these types checks them.

use std::fmt;

use serde::Deserialize;

use crate::fspath::AbsPath;
use crate::selector::LabelSelector;
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via, keyword};

pub use crate::network::{IpBlock, NamedPortSpec, NetworkPolicy, NetworkRule, PodPeer, PortSpec, Protocol};

/// `spec` of a RampartPolicy: which pods, which mode, and a section per concern (a section
/// left out leaves that concern unrestricted).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicySpec {
    /// Which pods of the policy's namespace it applies to (`{}`: every pod).
    pub pod_selector: LabelSelector,
    /// `enforce` blocks in the kernel; `audit` only reports what would be blocked.
    pub mode: Mode,
    /// Egress and ingress allowlists; left out, the network is unrestricted.
    #[serde(default)]
    pub network: Option<NetworkPolicy>,
    /// Writes to the container's root filesystem; left out, unrestricted.
    #[serde(default)]
    pub filesystem: Option<FilesystemPolicy>,
    /// Privilege escalation (setuid and friends); left out, unrestricted.
    #[serde(default)]
    pub privilege: Option<PrivilegePolicy>,
}

/// `spec.mode`: whether denials are enforced or only reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Enforce,
    Audit,
}

/// `spec.filesystem`: which writes to the container's root filesystem are allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesystemPolicy {
    pub rootfs: RootfsMode,
    /// Only with [`RootfsMode::ReadOnly`]: path prefixes that stay writable.
    pub allow_write: Vec<AbsPath>,
    /// This section's own mode; `None`: the policy's.
    pub mode: Option<Mode>,
}

/// `spec.filesystem.rootfs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RootfsMode {
    ReadOnly,
    ReadWrite,
}

/// Ids an `allowedUids`/`allowedGids` list may hold (the kernel keeps them per pod).
pub const MAX_ALLOWED_IDS: usize = 8;

/// `spec.privilege`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrivilegePolicy {
    pub escalation: EscalationMode,
    /// Changing a uid (from non-zero) to an id outside this list is an escalation too; without
    /// a list only uid 0 is.
    pub allowed_uids: Option<Vec<u32>>,
    /// The same for gids.
    pub allowed_gids: Option<Vec<u32>>,
    /// This section's own mode; `None`: the policy's.
    pub mode: Option<Mode>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPrivilege {
    /// `deny`: gaining root (or an id outside the lists) is blocked; `allow`: not judged.
    escalation: EscalationMode,
    /// Uids a process may change to besides its own (never 0).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(length(max = 8), inner(range(min = 1))))]
    allowed_uids: Option<Vec<u32>>,
    /// Gids a process may change to besides its own (never 0).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(length(max = 8), inner(range(min = 1))))]
    allowed_gids: Option<Vec<u32>>,
    /// This section's own mode (left out: the policy's); `audit` in an `enforce` policy
    /// reports escalations without blocking them.
    #[serde(default)]
    mode: Option<Mode>,
}

impl Validate for PrivilegePolicy {
    type Raw = RawPrivilege;
    const EXPECTING: &'static str = "a privilege mapping such as {escalation: deny}";

    fn validate(raw: RawPrivilege) -> Result<Self, Invalid> {
        for (field, list) in [("allowedUids", &raw.allowed_uids), ("allowedGids", &raw.allowed_gids)] {
            let Some(list) = list else { continue };
            if list.len() > MAX_ALLOWED_IDS {
                return Err(Invalid::at(
                    field,
                    format!(
                        "at most {MAX_ALLOWED_IDS} ids (the kernel keeps them per pod); {} given",
                        list.len()
                    ),
                ));
            }
            if list.contains(&0) {
                return Err(Invalid::at(
                    field,
                    "0 cannot be allowed: gaining root is what escalation means (use `escalation: allow`)",
                ));
            }
        }
        Ok(Self {
            escalation: raw.escalation,
            allowed_uids: raw.allowed_uids,
            allowed_gids: raw.allowed_gids,
            mode: raw.mode,
        })
    }
}
deserialize_via!(validated, PrivilegePolicy);

/// `spec.privilege.escalation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EscalationMode {
    Deny,
    Allow,
}

impl PolicySpec {
    /// The network section's mode: its own `mode`, else the policy's.
    pub fn network_mode(&self) -> Mode {
        self.network.as_ref().and_then(|n| n.mode).unwrap_or(self.mode)
    }

    /// The filesystem section's mode: its own `mode`, else the policy's.
    pub fn filesystem_mode(&self) -> Mode {
        self.filesystem.as_ref().and_then(|f| f.mode).unwrap_or(self.mode)
    }

    /// The privilege section's mode: its own `mode`, else the policy's.
    pub fn privilege_mode(&self) -> Mode {
        self.privilege.as_ref().and_then(|p| p.mode).unwrap_or(self.mode)
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FilesystemPolicy {
    /// Index of the first `allowWrite` prefix covering `path` (see [`AbsPath::covers`]).
    pub fn allowing_prefix(&self, path: &str) -> Option<usize> {
        self.allowing_prefix_of(&crate::fspath::resolve(path))
    }

    /// [`allowing_prefix`](Self::allowing_prefix) for an already resolved path.
    pub(crate) fn allowing_prefix_of(&self, parts: &[&str]) -> Option<usize> {
        self.allow_write.iter().position(|p| p.covers_components(parts))
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [{
        "rule": "self.rootfs == 'readOnly' || !has(self.allowWrite) || size(self.allowWrite) == 0",
        "message": "allowWrite only applies with rootfs: readOnly"
    }]))
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawFilesystem {
    /// `readOnly`: writes are denied but under `allowWrite`; `readWrite`: not judged.
    rootfs: RootfsMode,
    /// Path prefixes that stay writable (absolute).
    #[serde(default)]
    allow_write: Option<Vec<AbsPath>>,
    /// This section's own mode (left out: the policy's); `audit` in an `enforce` policy
    /// reports root filesystem writes without blocking them.
    #[serde(default)]
    mode: Option<Mode>,
}

impl Validate for FilesystemPolicy {
    type Raw = RawFilesystem;
    const EXPECTING: &'static str = "a filesystem mapping such as {rootfs: readOnly}";

    fn validate(raw: RawFilesystem) -> Result<Self, Invalid> {
        let allow_write = raw.allow_write.unwrap_or_default();
        if raw.rootfs == RootfsMode::ReadWrite && !allow_write.is_empty() {
            return Err(Invalid::at(
                "allowWrite",
                "allowWrite only applies with `rootfs: readOnly` (with readWrite every path \
                 is writable)",
            ));
        }
        Ok(Self { rootfs: raw.rootfs, allow_write, mode: raw.mode })
    }
}
deserialize_via!(validated, FilesystemPolicy);

impl FromScalar for Mode {
    const EXPECTING: &'static str = "enforce or audit";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(text, "mode", &[("enforce", Mode::Enforce), ("audit", Mode::Audit)])
    }
}
deserialize_via!(scalar, Mode);

impl FromScalar for RootfsMode {
    const EXPECTING: &'static str = "readOnly or readWrite";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(
            text,
            "rootfs mode",
            &[("readOnly", RootfsMode::ReadOnly), ("readWrite", RootfsMode::ReadWrite)],
        )
    }
}
deserialize_via!(scalar, RootfsMode);

impl FromScalar for EscalationMode {
    const EXPECTING: &'static str = "deny or allow";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(text, "escalation mode", &[("deny", EscalationMode::Deny), ("allow", EscalationMode::Allow)])
    }
}
deserialize_via!(scalar, EscalationMode);
