//! File records into `rampart.v1.Event`s: the operation, the path (and a rename's destination)
//! as the container sees it, the mount, and what took effect.

use agent_common::{
    net::{ACTION_AUDIT, ACTION_DENY},
    rootfs::{
        FILE_BLOCKED, FILE_CREATED, FILE_HAS_RET, FILE_KILLED, FILE_TRUNCATED, FILE_UNKNOWN_MOUNTS,
        FILE_UNRESOLVED, FileRecord, OP_CHMOD, OP_CHOWN, OP_CREATE, OP_LINK, OP_MKDIR, OP_OPEN_WRITE,
        OP_RENAME, OP_RMDIR, OP_SYMLINK, OP_TRUNCATE, OP_UNLINK,
    },
    user::c_bytes,
};
use rampart_proto::v1::{Event, File, Parent, Verdict, event::Body, file::Operation, verdict};

use super::build::{Clock, process};
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
        _ => Operation::Unspecified,
    }
}

/// Whether the operation took effect, and what happened, in words.
fn effect(r: &FileRecord) -> (bool, String) {
    let failed = r.flags & FILE_HAS_RET != 0 && r.ret < 0;
    let killed = r.flags & FILE_KILLED != 0;
    if r.flags & FILE_BLOCKED != 0 {
        return (false, "blocked before the change: the call failed with EPERM".into());
    }
    if failed {
        return (false, format!("the call failed on its own (errno {}): nothing was written", -r.ret));
    }
    let what = if r.flags & FILE_CREATED != 0 {
        "the file was created"
    } else if r.flags & FILE_TRUNCATED != 0 {
        "the file was truncated"
    } else if r.op == OP_OPEN_WRITE {
        if killed {
            return (false, "opened for writing; the process was killed before it could write".into());
        }
        "opened for writing"
    } else {
        "the operation took effect"
    };
    let tail = if killed { "; the process was then killed" } else { "" };
    (true, format!("{what}{tail}"))
}

/// A file event without pod; the verdict says what the kernel did (`tier`: the node's rootfs
/// tier), policy and rule are named after attribution.
pub fn file_event(
    r: &FileRecord,
    node: &str,
    clock: &Clock,
    parent: Parent,
    binary: String,
    tier: Tier,
) -> Event {
    let text =
        |bytes: &[u8], len: u16| String::from_utf8_lossy(c_bytes(bytes, usize::from(len))).into_owned();
    let (took_effect, mut effect) = effect(r);
    if r.flags & FILE_UNRESOLVED != 0 {
        effect.push_str(" (the path has `..`, which the tracepoint tier does not resolve: judged as outside every allowed prefix)");
    }
    let unknown_mounts = r.flags & FILE_UNKNOWN_MOUNTS != 0;
    if unknown_mounts {
        effect.push_str(" (the container's mount table was not known yet)");
    }
    let action = match r.action {
        ACTION_DENY => verdict::Action::Deny,
        ACTION_AUDIT => verdict::Action::Audit,
        _ => verdict::Action::Allow,
    };
    Event {
        time: Some(clock.wall(r.header.boot_ns)),
        node: node.to_string(),
        pod: None,
        process: Some(process(&r.task, binary, parent)),
        body: Some(Body::File(File {
            operation: operation(r.op) as i32,
            path: text(&r.path, r.path_len),
            target_path: if r.target_len > 0 { text(&r.target, r.target_len) } else { String::new() },
            mount: if unknown_mounts { String::new() } else { "/".into() },
            took_effect,
            effect,
            path_unresolved: r.flags & FILE_UNRESOLVED != 0,
        })),
        verdict: Some(Verdict {
            action: action as i32,
            policy: String::new(),
            rule: String::new(),
            tier: proto_tier(tier) as i32,
            enforced: r.flags & (FILE_BLOCKED | FILE_KILLED) != 0,
            degraded: false,
        }),
        repeat_count: r.count,
    }
}
