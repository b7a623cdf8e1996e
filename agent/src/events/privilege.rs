//! Decoding privilege records into typed observations: which operation (from the syscall
//! number of this architecture or the LSM hook), the ids before and after, the capabilities
//! gained, and what took effect.

use agent_common::{
    privilege::{
        Creds, OP_LSM_CAPSET, OP_LSM_EXEC, OP_LSM_SETGID, OP_LSM_SETUID, PRIV_BLOCKED, PRIV_JUDGED,
        PRIV_KILLED, PRIV_UNKNOWN_POD, PrivRecord,
    },
    user::c_bytes,
};
use rampart_proto::{
    domain::{self, Ids, KernelVerdict, Observation, Observed, Parent, PrivEffect, Privilege, UnknownPod},
    v1::{privilege::Operation, verdict},
};

use super::build::{Clock, action, process, text};
use crate::{caps::Tier, enforce::proto_tier};

/// `LSM_SETID_*` (`include/linux/security.h`); `LSM_SETID_ID` (1, setuid) is the default.
const LSM_SETID_RE: u32 = 2;
const LSM_SETID_RES: u32 = 4;
const LSM_SETID_FS: u32 = 8;

/// The operation a record stands for.
pub fn operation(op: u32, old: &Creds, new: &Creds) -> Operation {
    let exec = || {
        if new.euid != old.euid || new.suid != old.suid {
            Operation::ExecSetuid
        } else if new.egid != old.egid || new.sgid != old.sgid {
            Operation::ExecSetgid
        } else {
            Operation::ExecFileCaps
        }
    };
    match op & 0xff00_0000 {
        OP_LSM_SETUID => match op & 0xff {
            LSM_SETID_RE => Operation::Setreuid,
            LSM_SETID_RES => Operation::Setresuid,
            LSM_SETID_FS => Operation::Setfsuid,
            _ => Operation::Setuid,
        },
        OP_LSM_SETGID => match op & 0xff {
            LSM_SETID_RE => Operation::Setregid,
            LSM_SETID_RES => Operation::Setresgid,
            LSM_SETID_FS => Operation::Setfsgid,
            _ => Operation::Setgid,
        },
        OP_LSM_CAPSET => Operation::Capset,
        OP_LSM_EXEC => exec(),
        _ => match i64::from(op) {
            n if n == libc::SYS_setuid => Operation::Setuid,
            n if n == libc::SYS_setgid => Operation::Setgid,
            n if n == libc::SYS_setreuid => Operation::Setreuid,
            n if n == libc::SYS_setregid => Operation::Setregid,
            n if n == libc::SYS_setresuid => Operation::Setresuid,
            n if n == libc::SYS_setresgid => Operation::Setresgid,
            n if n == libc::SYS_setfsuid => Operation::Setfsuid,
            n if n == libc::SYS_setfsgid => Operation::Setfsgid,
            n if n == libc::SYS_capset => Operation::Capset,
            n if n == libc::SYS_execve || n == libc::SYS_execveat => exec(),
            _ => Operation::Unspecified,
        },
    }
}

fn creds(c: &Creds) -> domain::Creds {
    domain::Creds {
        uids: Ids { real: c.uid, effective: c.euid, saved: c.suid, fs: c.fsuid },
        gids: Ids { real: c.gid, effective: c.egid, saved: c.sgid, fs: c.fsgid },
    }
}

/// A change of credentials; the kernel's verdict is what the privilege programs of the node's
/// `tier` did (no tier where no policy applied to the pod).
pub fn privilege(r: &PrivRecord, clock: &Clock, parent: Parent, binary: String, tier: Tier) -> Observation {
    let recorded = text(c_bytes(&r.binary, usize::from(r.binary_len)));
    let operation = operation(r.op, &r.old, &r.new);
    let is_exec =
        matches!(operation, Operation::ExecSetuid | Operation::ExecSetgid | Operation::ExecFileCaps);
    let binary = if recorded.is_empty() { binary } else { recorded };
    let effect = if r.flags & PRIV_BLOCKED != 0 {
        PrivEffect::Blocked
    } else if r.flags & PRIV_KILLED != 0 {
        PrivEffect::Killed
    } else {
        PrivEffect::Changed
    };
    let judged = r.flags & PRIV_JUDGED != 0;
    Observation {
        time: clock.wall(r.header.boot_ns),
        process: process(&r.task, binary.clone(), parent),
        body: Observed::Privilege(Privilege {
            operation,
            old: creds(&r.old),
            new: creds(&r.new),
            capabilities_gained: r.new.caps_gained(&r.old),
            binary: is_exec.then_some(binary),
            effect,
        }),
        kernel: Some(KernelVerdict {
            action: action(r.action),
            tier: if judged { proto_tier(tier) } else { verdict::Tier::None },
            enforced: r.flags & (PRIV_BLOCKED | PRIV_KILLED) != 0,
            unknown_peer: false,
            unknown_pod: (r.flags & PRIV_UNKNOWN_POD != 0).then_some(UnknownPod::Reported),
        }),
        repeat_count: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        let old = Creds { uid: 1000, euid: 1000, suid: 1000, ..Default::default() };
        let root = Creds { uid: 1000, ..Default::default() };
        assert_eq!(operation(libc::SYS_setresuid as u32, &old, &root), Operation::Setresuid);
        assert_eq!(operation(libc::SYS_execve as u32, &old, &root), Operation::ExecSetuid);
        let caps = Creds { cap_permitted: 1 << 13, ..old };
        assert_eq!(operation(OP_LSM_EXEC, &old, &caps), Operation::ExecFileCaps);
        assert_eq!(operation(OP_LSM_SETUID | LSM_SETID_RES, &old, &root), Operation::Setresuid);
        assert_eq!(operation(OP_LSM_SETGID | LSM_SETID_FS, &old, &root), Operation::Setfsgid);
    }
}
