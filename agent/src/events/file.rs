//! Decoding file records into typed observations: the operation, the path (and a rename's
//! destination) as the container sees it, the kernel's flags as fields, and what took effect.

use agent_common::{
    rootfs::{
        FILE_BLOCKED, FILE_CREATED, FILE_HAS_RET, FILE_KILLED, FILE_TRUNCATED, FILE_UNKNOWN_MOUNTS,
        FILE_UNRESOLVED, FileRecord, OP_CHMOD, OP_CHOWN, OP_CREATE, OP_IO_URING_SETUP, OP_LINK, OP_MKDIR,
        OP_OPEN_WRITE, OP_RENAME, OP_RMDIR, OP_SYMLINK, OP_TRUNCATE, OP_UNLINK,
    },
    user::c_bytes,
};
use rampart_proto::{
    domain::{Change, File, FileEffect, KernelVerdict, Observation, Observed, Parent},
    v1::file::Operation,
};

use super::build::{Clock, action, process, text};
use crate::{caps::Tier, enforce::proto_tier};

pub fn operation(op: u32) -> Operation {
    match op {
        OP_OPEN_WRITE => Operation::OpenWrite,
        OP_TRUNCATE => Operation::Truncate,
        OP_CREATE => Operation::Create,
        OP_MKDIR => Operation::Mkdir,
        OP_UNLINK => Operation::Unlink,
        OP_RMDIR => Operation::Rmdir,
        OP_RENAME => Operation::Rename,
        OP_CHMOD => Operation::Chmod,
        OP_CHOWN => Operation::Chown,
        OP_LINK => Operation::Link,
        OP_SYMLINK => Operation::Symlink,
        OP_IO_URING_SETUP => Operation::IoUringSetup,
        _ => Operation::Unspecified,
    }
}

/// What the record says happened.
fn effect(r: &FileRecord) -> FileEffect {
    let killed = r.flags & FILE_KILLED != 0;
    if r.flags & FILE_BLOCKED != 0 {
        return FileEffect::Blocked;
    }
    if r.flags & FILE_HAS_RET != 0 && r.ret < 0 {
        return FileEffect::Failed { errno: r.ret.saturating_neg() };
    }
    let change = if r.flags & FILE_CREATED != 0 {
        Change::Created
    } else if r.flags & FILE_TRUNCATED != 0 {
        Change::Truncated
    } else if r.op == OP_OPEN_WRITE {
        if killed {
            return FileEffect::OpenedThenKilled;
        }
        Change::OpenedForWriting
    } else {
        Change::Other
    };
    FileEffect::TookEffect { change, killed }
}

/// A write; the kernel's verdict is what the rootfs programs of the node's `tier` did.
pub fn file(r: &FileRecord, clock: &Clock, parent: Parent, binary: String, tier: Tier) -> Observation {
    let path = |bytes: &[u8], len: u16| text(c_bytes(bytes, usize::from(len)));
    Observation {
        time: clock.wall(r.header.boot_ns),
        process: process(&r.task, binary, parent),
        body: Observed::File(File {
            operation: operation(r.op),
            path: path(&r.path, r.path_len),
            target: (r.target_len > 0).then(|| path(&r.target, r.target_len)),
            mount_known: r.flags & FILE_UNKNOWN_MOUNTS == 0,
            unresolved: r.flags & FILE_UNRESOLVED != 0,
            effect: effect(r),
        }),
        kernel: Some(KernelVerdict {
            action: action(r.action),
            tier: proto_tier(tier),
            enforced: r.flags & (FILE_BLOCKED | FILE_KILLED) != 0,
            unknown_peer: false,
            unknown_pod: None,
        }),
        repeat_count: r.count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `ring_record` fuzz target (`fuzz/corpus/ring_record/ret_negate_overflow`):
    /// a return value of `i64::MIN` overflowed its negation.
    #[test]
    fn a_return_value_no_syscall_gives_is_still_described() {
        // SAFETY: a zeroed record is valid plain data.
        let mut r: FileRecord = unsafe { std::mem::zeroed() };
        r.flags = FILE_HAS_RET;
        r.ret = i64::MIN;
        assert_eq!(effect(&r), FileEffect::Failed { errno: i64::MAX });
        r.ret = -13;
        assert_eq!(effect(&r), FileEffect::Failed { errno: 13 });
    }
}
