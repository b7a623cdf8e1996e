//! A process execution, as `sched_process_exec` saw it.

use crate::v1;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exec {
    pub binary: String,
    pub args: Vec<String>,
    /// The kernel's copy of the arguments was cut at its buffer's size.
    pub args_truncated: bool,
    /// The kernel held the process at this exec until its container's mount table was known.
    pub held: bool,
}

impl From<Exec> for v1::Exec {
    fn from(e: Exec) -> Self {
        v1::Exec { binary: e.binary, args: e.args, args_truncated: e.args_truncated, held: e.held }
    }
}
