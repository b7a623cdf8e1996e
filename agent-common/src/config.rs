//! Configuration handed to the kernel programs before load.
//!
//! Rust eBPF programs get no CO-RE relocations, so every struct offset that differs between
//! kernels is read by the agent from the running kernel's BTF (and every tracepoint field offset
//! from the tracepoint's `format` file) and written into this global with
//! `EbpfLoader::override_global`. An offset of zero means "not found": the agent refuses to
//! load a program that needs it.

/// Offsets into kernel structures and tracepoint records, in bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelConfig {
    /// `task_struct.real_parent`
    pub task_real_parent: u32,
    /// `task_struct.tgid`
    pub task_tgid: u32,
    /// `task_struct.real_cred` (the objective credentials, as `/proc` shows them)
    pub task_real_cred: u32,
    /// `task_struct.mm`
    pub task_mm: u32,
    /// `cred.uid`
    pub cred_uid: u32,
    /// `cred.gid`
    pub cred_gid: u32,
    /// `cred.euid`
    pub cred_euid: u32,
    /// `cred.egid`
    pub cred_egid: u32,
    /// `cred.suid`
    pub cred_suid: u32,
    /// `cred.sgid`
    pub cred_sgid: u32,
    /// `cred.fsuid`
    pub cred_fsuid: u32,
    /// `cred.fsgid`
    pub cred_fsgid: u32,
    /// `cred.cap_permitted`
    pub cred_cap_permitted: u32,
    /// `cred.cap_effective`
    pub cred_cap_effective: u32,
    /// `linux_binprm.cred` (LSM `bprm_creds_from_file`: the new credentials)
    pub bprm_cred: u32,
    /// `linux_binprm.filename`
    pub bprm_filename: u32,
    /// `mm_struct.arg_start`
    pub mm_arg_start: u32,
    /// `mm_struct.arg_end`
    pub mm_arg_end: u32,
    /// `sched:sched_process_exec`: offset of the `__data_loc char[] filename` field.
    pub tp_exec_filename: u32,
    /// `cgroup:cgroup_mkdir` / `cgroup_rmdir`: offset of `int root`.
    pub tp_cgroup_root: u32,
    /// `cgroup:cgroup_mkdir` / `cgroup_rmdir`: offset of `u64 id`.
    pub tp_cgroup_id: u32,
    /// `cgroup:cgroup_mkdir` / `cgroup_rmdir`: offset of `int level`.
    pub tp_cgroup_level: u32,
    /// `cgroup:cgroup_mkdir` / `cgroup_rmdir`: offset of `__data_loc char[] path`.
    pub tp_cgroup_path: u32,
    /// Records wake the agent only once this many bytes wait in the ring buffer; below it the
    /// agent drains on its own short timer (a wakeup per record would cost every event a
    /// context switch).
    pub wakeup_bytes: u32,
}

const _: () = assert!(size_of::<KernelConfig>() == 96);
