//! Privilege escalation: credential snapshots and the privilege record.
//!
//! An escalation is a credential change by a task in a pod that gains privilege: a uid or gid
//! (real, effective, saved or filesystem) changing from non-zero to 0 — or, where the pod's
//! policy lists allowed ids, to an id outside the list — or a capability the task did not hold:
//! one entering the permitted set, or the effective set from outside the old permitted set.
//! Raising an effective capability that was already permitted is not a gain (the task held it
//! already; privilege-dropping tools such as `setpriv` do exactly that after a keep-caps
//! setuid). Old and new credentials are read from the kernel's `struct cred` (offsets from
//! BTF), never inferred from syscall arguments.

use crate::record::{RecordHeader, TaskInfo};

/// The ids and capability sets of a `struct cred`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    /// `kernel_cap_t` (64 bits on every kernel this runs on; two `u32` words before 6.3).
    pub cap_permitted: u64,
    pub cap_effective: u64,
}

const _: () = assert!(size_of::<Creds>() == 48);

impl Creds {
    /// Capabilities in `self` (permitted or effective) that `old` did not hold: not in its
    /// permitted set.
    #[inline(always)]
    pub fn caps_gained(&self, old: &Creds) -> u64 {
        (self.cap_permitted | self.cap_effective) & !old.cap_permitted
    }
}

/// Whether changing an id from `old` to `new` gains privilege: from non-zero to 0, or, when
/// `allowed` is a list, to an id outside it. Dropping (from 0) never is.
#[inline(always)]
pub fn id_gain(old: u32, new: u32, list: bool, allowed: &[u32; crate::net::ALLOWED_IDS]) -> bool {
    if old == new || old == 0 {
        return false;
    }
    if new == 0 {
        return true;
    }
    if !list {
        return false;
    }
    let mut i = 0;
    while i < allowed.len() {
        if allowed[i] == new {
            return false;
        }
        i += 1;
    }
    true
}

/// Operations that are not a syscall number (`PrivRecord::op` below this are syscall numbers
/// of the kernel's architecture, from a tracepoint).
pub const OP_LSM_SETUID: u32 = 0x1000_0000;
/// `task_fix_setuid` with `LSM_SETID_RE` and friends: the low byte is the `LSM_SETID_*` flag.
pub const OP_LSM_SETGID: u32 = 0x1100_0000;
pub const OP_LSM_CAPSET: u32 = 0x1200_0000;
pub const OP_LSM_EXEC: u32 = 0x1300_0000;

/// `PrivRecord::flags`: the kernel denied the change before it happened (LSM, EPERM).
pub const PRIV_BLOCKED: u32 = 1 << 0;
/// `PrivRecord::flags`: SIGKILL was sent: the change happened in the kernel, and the task dies
/// before it returns to user space.
pub const PRIV_KILLED: u32 = 1 << 1;
/// `PrivRecord::flags`: the task's pod had no policy entry yet.
pub const PRIV_UNKNOWN_POD: u32 = 1 << 2;
/// `PrivRecord::flags`: a policy judged it (else it is only reported).
pub const PRIV_JUDGED: u32 = 1 << 3;

/// Longest binary path carried by a privilege record.
pub const PRIV_BINARY_LEN: usize = 256;

/// A privilege gain.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PrivRecord {
    pub header: RecordHeader,
    pub task: TaskInfo,
    pub old: Creds,
    pub new: Creds,
    /// A syscall number (tracepoint tier) or an `OP_LSM_*` code.
    pub op: u32,
    /// `PRIV_*` flags.
    pub flags: u32,
    /// `net::ACTION_*`.
    pub action: u8,
    pub _pad: [u8; 5],
    pub binary_len: u16,
    pub binary: [u8; PRIV_BINARY_LEN],
}

const _: () = assert!(size_of::<PrivRecord>() == 16 + 56 + 48 * 2 + 16 + PRIV_BINARY_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_and_drops() {
        let none = [0; crate::net::ALLOWED_IDS];
        let mut list = none;
        list[0] = 1000;
        assert!(id_gain(1000, 0, false, &none), "to root");
        assert!(!id_gain(0, 1000, false, &none), "dropping root");
        assert!(!id_gain(1000, 1000, false, &none), "no change");
        assert!(!id_gain(1000, 2000, false, &none), "another user, no list");
        assert!(id_gain(2000, 3000, true, &list), "outside the list");
        assert!(!id_gain(2000, 1000, true, &list), "inside the list");
        assert!(id_gain(2000, 0, true, &list), "root is never allowed");
        let old = Creds { cap_permitted: 0b0001, cap_effective: 0b0001, ..Default::default() };
        let new = Creds { cap_permitted: 0b0011, cap_effective: 0b0101, ..Default::default() };
        assert_eq!(new.caps_gained(&old), 0b0110);
        assert_eq!(old.caps_gained(&new), 0);
        // Raising an effective capability that was permitted is not a gain.
        let kept = Creds { cap_permitted: 0b1111, cap_effective: 0, ..Default::default() };
        let raised = Creds { cap_effective: 0b1111, ..kept };
        assert_eq!(raised.caps_gained(&kept), 0);
    }
}
