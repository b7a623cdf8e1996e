//! Configuration handed to the kernel programs before load.
//!
//! Rust eBPF programs get no CO-RE relocations, so every struct offset that differs between
//! kernels is read by the agent from the running kernel's BTF (and every tracepoint field offset
//! from the tracepoint's `format` file) and written into this global with
//! `EbpfLoader::override_global`. The agent refuses to start when one it needs is missing from
//! the kernel's BTF (zero is a real offset for some members, such as `path.mnt`).

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
    /// `cred.uid`: the start of the eight ids `uid, gid, suid, sgid, euid, egid, fsuid, fsgid`,
    /// which the agent checks are contiguous `u32`s in that order (so one read gets them all).
    pub cred_ids: u32,
    /// `cred.cap_permitted`, followed by `cap_effective` (checked by the agent likewise).
    pub cred_caps: u32,
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
    /// `task_struct.fs`, `.files`, `.nsproxy`
    pub task_fs: u32,
    pub task_files: u32,
    pub task_nsproxy: u32,
    /// `fs_struct.root`, `.pwd` (each a `struct path`)
    pub fs_root: u32,
    pub fs_pwd: u32,
    /// `path.mnt`, `path.dentry`
    pub path_mnt: u32,
    pub path_dentry: u32,
    /// `dentry.d_parent`, `dentry.d_name.name`
    pub dentry_parent: u32,
    pub dentry_name: u32,
    /// `vfsmount.mnt_root`
    pub vfsmount_root: u32,
    /// `mount.mnt` (the embedded `vfsmount`), `mount.mnt_parent`, `mount.mnt_mountpoint`
    pub mount_mnt: u32,
    pub mount_parent: u32,
    pub mount_mountpoint: u32,
    /// `file.f_path`, `file.f_mode`, `file.f_flags`
    pub file_path: u32,
    pub file_mode: u32,
    pub file_flags: u32,
    /// `files_struct.fdt`, `fdtable.fd`, `fdtable.max_fds`
    pub files_fdt: u32,
    pub fdtable_fd: u32,
    pub fdtable_max_fds: u32,
    /// `nsproxy.mnt_ns`, `mnt_namespace.ns.inum`
    pub nsproxy_mnt_ns: u32,
    pub mnt_ns_inum: u32,
    /// `vfsmount.mnt_sb`, `super_block.s_dev`
    pub vfsmount_sb: u32,
    pub sb_dev: u32,
    /// 1 where tracing and LSM programs may not call `bpf_get_current_ancestor_cgroup_id`
    /// (before 5.14 or so): the programs walk the task's cgroup ancestry themselves, through
    /// `task_struct.cgroups`, `css_set.dfl_cgrp`, `cgroup.level`, `cgroup.self`,
    /// `cgroup_subsys_state.parent`, `cgroup.kn` and `kernfs_node.id`.
    pub ancestor_walk: u32,
    pub task_cgroups: u32,
    pub css_set_dfl_cgrp: u32,
    pub cgroup_level: u32,
    pub cgroup_self: u32,
    pub css_parent: u32,
    pub cgroup_kn: u32,
    pub kernfs_node_id: u32,
    /// `task_struct.signal`, `signal_struct.live` (the thread group's live threads: the exit
    /// program reports a process once its last thread exits).
    pub task_signal: u32,
    pub signal_live: u32,
    /// Records wake the agent only once this many bytes wait in the ring buffer; below it the
    /// agent drains on its own short timer (a wakeup per record would cost every event a
    /// context switch).
    pub wakeup_bytes: u32,
}

const _: () = assert!(size_of::<KernelConfig>() == 196);

impl KernelConfig {
    /// All offsets zero ("not found"): the placeholder compiled into the programs.
    pub const fn zeroed() -> Self {
        KernelConfig {
            task_real_parent: 0,
            task_tgid: 0,
            task_real_cred: 0,
            task_mm: 0,
            cred_ids: 0,
            cred_caps: 0,
            bprm_cred: 0,
            bprm_filename: 0,
            mm_arg_start: 0,
            mm_arg_end: 0,
            tp_exec_filename: 0,
            tp_cgroup_root: 0,
            tp_cgroup_id: 0,
            tp_cgroup_level: 0,
            tp_cgroup_path: 0,
            task_fs: 0,
            task_files: 0,
            task_nsproxy: 0,
            fs_root: 0,
            fs_pwd: 0,
            path_mnt: 0,
            path_dentry: 0,
            dentry_parent: 0,
            dentry_name: 0,
            vfsmount_root: 0,
            mount_mnt: 0,
            mount_parent: 0,
            mount_mountpoint: 0,
            file_path: 0,
            file_mode: 0,
            file_flags: 0,
            files_fdt: 0,
            fdtable_fd: 0,
            fdtable_max_fds: 0,
            nsproxy_mnt_ns: 0,
            mnt_ns_inum: 0,
            vfsmount_sb: 0,
            sb_dev: 0,
            ancestor_walk: 0,
            task_cgroups: 0,
            css_set_dfl_cgrp: 0,
            cgroup_level: 0,
            cgroup_self: 0,
            css_parent: 0,
            cgroup_kn: 0,
            kernfs_node_id: 0,
            task_signal: 0,
            signal_live: 0,
            wakeup_bytes: 0,
        }
    }
}
