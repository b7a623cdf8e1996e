//! Ring-buffer records.
//!
//! Layout rules: every record starts with [`RecordHeader`]; fields are ordered largest first
//! and padded by hand so no implicit padding exists; each record's size is asserted at compile
//! time. The kernel reserves a record in the ring buffer and writes it in place (the 512-byte
//! BPF stack cannot hold them).

/// What a record is. The numeric values are the wire format: never reuse one.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A task finished `execve`: [`ExecRecord`].
    Exec = 1,
    /// A cgroup directory was created: [`CgroupRecord`].
    CgroupMkdir = 2,
    /// A cgroup directory was removed: [`CgroupRecord`].
    CgroupRmdir = 3,
    /// A network flow opened, updated, closed or was refused: [`crate::net::FlowRecord`].
    Flow = 4,
    /// A task gained privilege: [`crate::privilege::PrivRecord`].
    Privilege = 5,
    /// A judged write to a root filesystem: [`crate::rootfs::FileRecord`].
    File = 6,
    /// A process ended: [`ExitRecord`].
    Exit = 7,
}

impl RecordKind {
    /// Every kind, for counters indexed by kind.
    pub const ALL: [RecordKind; 7] = [
        Self::Exec,
        Self::CgroupMkdir,
        Self::CgroupRmdir,
        Self::Flow,
        Self::Privilege,
        Self::File,
        Self::Exit,
    ];
    /// Entries in per-kind arrays (indexed by the numeric kind) and the `DROPS` array (record
    /// kinds, then the [`KERNEL_DROPS`] slots).
    pub const SLOTS: u32 = 16;

    pub const fn name(self) -> &'static str {
        match self {
            Self::Exec => "exec",
            Self::CgroupMkdir => "cgroup_mkdir",
            Self::CgroupRmdir => "cgroup_rmdir",
            Self::Flow => "flow",
            Self::Privilege => "privilege",
            Self::File => "file",
            Self::Exit => "exit",
        }
    }
}

impl TryFrom<u32> for RecordKind {
    /// The unknown value.
    type Error = u32;

    fn try_from(value: u32) -> Result<Self, u32> {
        match value {
            1 => Ok(Self::Exec),
            2 => Ok(Self::CgroupMkdir),
            3 => Ok(Self::CgroupRmdir),
            4 => Ok(Self::Flow),
            5 => Ok(Self::Privilege),
            6 => Ok(Self::File),
            7 => Ok(Self::Exit),
            other => Err(other),
        }
    }
}

/// Slot of the per-CPU `DROPS` array counting flows not tracked because the `FLOWS` table was
/// full (the connection itself is unaffected). Slots below it are record kinds.
pub const DROP_FLOW_TABLE_FULL: u32 = RecordKind::SLOTS - 2;
/// Slot counting path writes (mkdir, rename, ...) not followed to their syscall's return
/// because the `FILE_PENDING` table was full: neither stopped nor reported.
pub const DROP_FILE_PENDING_FULL: u32 = RecordKind::SLOTS - 1;

// Every record kind has a slot of its own below the kernel's loss counters.
const _: () = {
    let mut i = 0;
    while i < RecordKind::ALL.len() {
        assert!((RecordKind::ALL[i] as u32) < DROP_FLOW_TABLE_FULL);
        i += 1;
    }
};

/// The kernel's own loss counters in `DROPS`: (slot, `kind` label of
/// `rampart_drops_total{stage="kernel"}`).
pub const KERNEL_DROPS: [(u32, &str); 2] =
    [(DROP_FLOW_TABLE_FULL, "flow_table_full"), (DROP_FILE_PENDING_FULL, "file_pending_full")];

/// First bytes of every record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RecordHeader {
    /// A [`RecordKind`] as `u32`.
    pub kind: u32,
    /// Size of the whole record in bytes, header included.
    pub size: u32,
    /// `bpf_ktime_get_boot_ns()` when the record was made (CLOCK_BOOTTIME).
    pub boot_ns: u64,
}

const _: () = assert!(size_of::<RecordHeader>() == 16);

/// Length of `task_struct.comm`.
pub const COMM_LEN: usize = 16;

/// The task an event is about, read from the current task in the kernel.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TaskInfo {
    /// `bpf_get_current_cgroup_id()`: the cgroup v2 id (inode number of the cgroup directory).
    pub cgroup_id: u64,
    /// Thread-group id (what user space calls the pid).
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Thread-group id of `real_parent`.
    pub ppid: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub _pad: u32,
    pub comm: [u8; COMM_LEN],
}

const _: () = assert!(size_of::<TaskInfo>() == 56);

/// Longest binary path carried by an exec record (longer ones are truncated and flagged).
pub const EXEC_FILENAME_LEN: usize = 256;
/// Bytes of argv (NUL-separated, as in `/proc/PID/cmdline`) carried by an exec record.
pub const EXEC_ARGS_LEN: usize = 512;

/// [`ExecRecord::flags`]: the filename did not fit.
pub const EXEC_FILENAME_TRUNCATED: u32 = 1 << 0;
/// [`ExecRecord::flags`]: argv did not fit.
pub const EXEC_ARGS_TRUNCATED: u32 = 1 << 1;
/// [`ExecRecord::flags`]: argv could not be read (the task's memory was not readable).
pub const EXEC_ARGS_UNREADABLE: u32 = 1 << 2;
/// [`ExecRecord::flags`]: the process was stopped (SIGSTOP) at this exec until the agent knew
/// its container's mount table (see `rootfs::HELD_MAP`).
pub const EXEC_HELD: u32 = 1 << 3;

/// `sched:sched_process_exec`: a task replaced its image.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExecRecord {
    pub header: RecordHeader,
    pub task: TaskInfo,
    /// Bytes of `filename` used (no NUL).
    pub filename_len: u16,
    /// Bytes of `args` used.
    pub args_len: u16,
    /// `EXEC_*` flags.
    pub flags: u32,
    pub filename: [u8; EXEC_FILENAME_LEN],
    pub args: [u8; EXEC_ARGS_LEN],
}

const _: () = assert!(size_of::<ExecRecord>() == 16 + 56 + 8 + EXEC_FILENAME_LEN + EXEC_ARGS_LEN);

/// Longest cgroup path carried by a cgroup record.
pub const CGROUP_PATH_LEN: usize = 512;

/// `sched:sched_process_exit` of a thread-group leader: the process `pid` is gone, and its pid
/// free to be handed out again.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExitRecord {
    pub header: RecordHeader,
    /// Thread-group id of the process that ended.
    pub pid: u32,
    pub _pad: u32,
}

const _: () = assert!(size_of::<ExitRecord>() == 24);

/// `cgroup:cgroup_mkdir` / `cgroup:cgroup_rmdir`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct CgroupRecord {
    pub header: RecordHeader,
    /// The cgroup's id (kernfs node id; on cgroup v2 the directory's inode number).
    pub cgroup_id: u64,
    /// Hierarchy id of the cgroup's root (v1 controllers have their own).
    pub root: u32,
    /// Depth below the root.
    pub level: u32,
    /// Bytes of `path` used (no NUL); the path is relative to the hierarchy's root.
    pub path_len: u32,
    pub _pad: u32,
    pub path: [u8; CGROUP_PATH_LEN],
}

const _: () = assert!(size_of::<CgroupRecord>() == 16 + 24 + CGROUP_PATH_LEN);
