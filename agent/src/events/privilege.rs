//! Privilege records into `rampart.v1.Event`s: which operation (from the syscall number of this
//! architecture or the LSM hook), the ids before and after, the capabilities gained by name,
//! and what took effect.

use agent_common::{
    net::{ACTION_AUDIT, ACTION_DENY},
    privilege::{
        Creds, OP_LSM_CAPSET, OP_LSM_EXEC, OP_LSM_SETGID, OP_LSM_SETUID, PRIV_BLOCKED, PRIV_JUDGED,
        PRIV_KILLED, PRIV_UNKNOWN_POD, PrivRecord,
    },
    user::c_bytes,
};
use rampart_proto::v1::{
    Event, Parent, Privilege, Verdict,
    event::Body,
    privilege::{Ids, Operation},
    verdict,
};

use super::build::{Clock, process};
use crate::{caps::Tier, enforce::proto_tier};

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

pub fn capability_names(set: u64) -> Vec<String> {
    (0..64)
        .filter(|bit| set & (1 << bit) != 0)
        .map(|bit| CAPS.get(bit).map_or_else(|| format!("CAP_{bit}"), |n| (*n).to_string()))
        .collect()
}

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

fn ids(uids: bool, c: &Creds) -> Ids {
    if uids {
        Ids { real: c.uid, effective: c.euid, saved: c.suid, fs: c.fsuid }
    } else {
        Ids { real: c.gid, effective: c.egid, saved: c.sgid, fs: c.fsgid }
    }
}

/// A privilege event without pod; the verdict says what the kernel did (`tier`: the node's
/// privilege tier), policy and rule are named after attribution.
pub fn privilege_event(
    r: &PrivRecord,
    node: &str,
    clock: &Clock,
    parent: Parent,
    binary: String,
    tier: Tier,
) -> Event {
    let recorded = String::from_utf8_lossy(c_bytes(&r.binary, usize::from(r.binary_len))).into_owned();
    let operation = operation(r.op, &r.old, &r.new);
    let is_exec =
        matches!(operation, Operation::ExecSetuid | Operation::ExecSetgid | Operation::ExecFileCaps);
    let binary = if recorded.is_empty() { binary } else { recorded };
    let (took_effect, effect) = if r.flags & PRIV_BLOCKED != 0 {
        (false, "blocked before the change: the call failed with EPERM")
    } else if r.flags & PRIV_KILLED != 0 {
        (
            true,
            "the credentials changed in the kernel; the process was killed before it ran another instruction",
        )
    } else {
        (true, "the credentials changed")
    };
    let action = match r.action {
        ACTION_DENY => verdict::Action::Deny,
        ACTION_AUDIT => verdict::Action::Audit,
        _ => verdict::Action::Allow,
    };
    let judged = r.flags & PRIV_JUDGED != 0;
    Event {
        time: Some(clock.wall(r.header.boot_ns)),
        node: node.to_string(),
        pod: None,
        process: Some(process(&r.task, binary.clone(), parent)),
        body: Some(Body::Privilege(Privilege {
            operation: operation as i32,
            old_uids: Some(ids(true, &r.old)),
            new_uids: Some(ids(true, &r.new)),
            old_gids: Some(ids(false, &r.old)),
            new_gids: Some(ids(false, &r.new)),
            capabilities_gained: capability_names(r.new.caps_gained(&r.old)),
            binary: if is_exec { binary } else { String::new() },
            took_effect,
            effect: effect.to_string(),
        })),
        verdict: Some(Verdict {
            action: action as i32,
            policy: String::new(),
            rule: if r.flags & PRIV_UNKNOWN_POD != 0 {
                "unknown-pod (reported)".into()
            } else {
                String::new()
            },
            tier: if judged { proto_tier(tier) } else { verdict::Tier::None } as i32,
            enforced: r.flags & (PRIV_BLOCKED | PRIV_KILLED) != 0,
            degraded: false,
        }),
        repeat_count: 0,
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
