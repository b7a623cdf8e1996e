//! A write to a container's root filesystem, as the rootfs programs saw it: the operation, the
//! path (and a rename's or link's destination) as the container sees it, and what took effect.

use rampart_policy::Activity;

use crate::v1::{self, file::Operation};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub operation: Operation,
    pub path: String,
    /// A rename's destination (also a link's new name where the kernel reports it).
    pub target: Option<String>,
    /// The container's mount table was known, so the path is on its root filesystem.
    pub mount_known: bool,
    /// The path has a `..` the tracepoint tier does not resolve (the kernel's flag).
    pub unresolved: bool,
    pub effect: FileEffect,
}

/// What happened to the write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileEffect {
    /// Refused before the change (the LSM tier): the call failed with EPERM.
    Blocked,
    /// The call failed on its own; nothing was written.
    Failed { errno: i64 },
    /// Opened for writing, and the process killed before it could write.
    OpenedThenKilled,
    /// The change happened (and perhaps the process was then killed).
    TookEffect { change: Change, killed: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Truncated,
    OpenedForWriting,
    Other,
}

impl FileEffect {
    pub fn took_effect(self) -> bool {
        matches!(self, FileEffect::TookEffect { .. })
    }

    fn describe(self) -> String {
        match self {
            FileEffect::Blocked => "blocked before the change: the call failed with EPERM".into(),
            FileEffect::Failed { errno } => {
                format!("the call failed on its own (errno {errno}): nothing was written")
            }
            FileEffect::OpenedThenKilled => {
                "opened for writing; the process was killed before it could write".into()
            }
            FileEffect::TookEffect { change, killed } => {
                let what = match change {
                    Change::Created => "the file was created",
                    Change::Truncated => "the file was truncated",
                    Change::OpenedForWriting => "opened for writing",
                    Change::Other => "the operation took effect",
                };
                let tail = if killed { "; the process was then killed" } else { "" };
                format!("{what}{tail}")
            }
        }
    }
}

impl File {
    /// A write at the path (both ends of a rename or a link, and of a symlink the `sigkill`
    /// tier judged at its target too); a path the kernel could not resolve is
    /// judged as such.
    pub fn activity(&self) -> Activity<'_> {
        if self.unresolved {
            return Activity::RootfsUnresolved;
        }
        match (&self.target, self.operation) {
            (Some(to), Operation::Rename | Operation::Link | Operation::Symlink) => {
                Activity::RootfsTwoEnds { from: &self.path, to }
            }
            _ => Activity::RootfsWrite { path: &self.path },
        }
    }
}

impl From<File> for v1::File {
    fn from(f: File) -> Self {
        let mut effect = f.effect.describe();
        if f.operation == Operation::IoUringSetup {
            effect.push_str(
                " (the file operations of an io_uring ring enter no syscall tracepoint: this tier cannot judge them, so setting one up is judged as a write outside every allowed prefix)",
            );
        } else if f.unresolved {
            effect.push_str(
                " (the path has `..`, which the tracepoint tier does not resolve: judged as outside every allowed prefix)",
            );
        }
        if !f.mount_known {
            effect.push_str(" (the container's mount table was not known yet)");
        }
        v1::File {
            operation: f.operation as i32,
            path: f.path,
            target_path: f.target.unwrap_or_default(),
            mount: if f.mount_known { "/".into() } else { String::new() },
            took_effect: f.effect.took_effect(),
            effect,
            path_unresolved: f.unresolved,
        }
    }
}
