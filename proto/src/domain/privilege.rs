//! A change of credentials, as the privilege programs saw it: which operation, the ids before
//! and after, the capabilities gained, and what took effect.

use crate::v1::{self, privilege::Operation};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Privilege {
    pub operation: Operation,
    pub old: Creds,
    pub new: Creds,
    /// Capability bits permitted after and not before.
    pub capabilities_gained: u64,
    /// The executable, for an exec that changed credentials.
    pub binary: Option<String>,
    pub effect: PrivEffect,
}

/// A task's user and group ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub uids: Ids,
    pub gids: Ids,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
    pub fs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivEffect {
    /// Refused before the change (the LSM tier): the call failed with EPERM.
    Blocked,
    /// Changed in the kernel; the process was killed before it ran another instruction.
    Killed,
    Changed,
}

impl PrivEffect {
    fn describe(self) -> &'static str {
        match self {
            PrivEffect::Blocked => "blocked before the change: the call failed with EPERM",
            PrivEffect::Killed => {
                "the credentials changed in the kernel; the process was killed before it ran another instruction"
            }
            PrivEffect::Changed => "the credentials changed",
        }
    }
}

/// `CAP_*` names by bit (`include/uapi/linux/capability.h`).
const CAPS: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The names of the capabilities in `set`, by bit (`CAP_<bit>` for one this list lacks).
pub fn capability_names(set: u64) -> Vec<String> {
    (0..64)
        .filter(|bit| set & (1 << bit) != 0)
        .map(|bit| CAPS.get(bit).map_or_else(|| format!("CAP_{bit}"), |n| (*n).to_string()))
        .collect()
}

impl From<Ids> for v1::privilege::Ids {
    fn from(i: Ids) -> Self {
        v1::privilege::Ids { real: i.real, effective: i.effective, saved: i.saved, fs: i.fs }
    }
}

impl From<Privilege> for v1::Privilege {
    fn from(p: Privilege) -> Self {
        v1::Privilege {
            operation: p.operation as i32,
            old_uids: Some(p.old.uids.into()),
            new_uids: Some(p.new.uids.into()),
            old_gids: Some(p.old.gids.into()),
            new_gids: Some(p.new.gids.into()),
            capabilities_gained: capability_names(p.capabilities_gained),
            binary: p.binary.unwrap_or_default(),
            took_effect: p.effect != PrivEffect::Blocked,
            effect: p.effect.describe().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_by_bit() {
        assert_eq!(capability_names(1 << 13), ["CAP_NET_RAW"]);
        assert_eq!(capability_names((1 << 0) | (1 << 21)), ["CAP_CHOWN", "CAP_SYS_ADMIN"]);
        assert_eq!(capability_names(1 << 50), ["CAP_50"]);
    }
}
