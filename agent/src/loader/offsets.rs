//! The [`KernelConfig`] for this kernel: struct offsets from BTF, tracepoint field offsets from
//! tracefs. Every missing offset is reported, not just the first.

use agent_common::config::KernelConfig;

use super::{
    btf::{Btf, BtfError},
    tracefs::{Tracefs, TracefsError},
};

#[derive(Debug, thiserror::Error)]
pub enum OffsetError {
    #[error(transparent)]
    Btf(#[from] BtfError),
    #[error(transparent)]
    Tracefs(#[from] TracefsError),
    #[error("tracefs is unavailable: tracepoint field offsets cannot be read")]
    NoTracefs,
    #[error("offsets the kernel programs need are missing:\n  {}", .0.join("\n  "))]
    Missing(Vec<String>),
}

/// The offset of `fields[0]` in `strukt`, after checking that the fields follow each other
/// `stride` bytes apart in this order (so a program reads them with one read).
fn contiguous(btf: &Btf, strukt: &str, fields: &[&str], stride: u32) -> Result<u32, String> {
    let first = btf.member_offset(strukt, fields[0]).map_err(|e| e.to_string())?;
    for (i, f) in fields.iter().enumerate() {
        let at = btf.member_offset(strukt, f).map_err(|e| e.to_string())?;
        if at != first + stride * i as u32 {
            return Err(format!(
                "{strukt}.{f} is at {at}, not {} as the programs expect ({} contiguous from {strukt}.{})",
                first + stride * i as u32,
                fields.join(", "),
                fields[0]
            ));
        }
    }
    Ok(first)
}

/// Compute every offset the programs use. Reads `/sys/kernel/btf/vmlinux` once and drops it.
pub fn kernel_config(tracefs: &Tracefs) -> Result<KernelConfig, OffsetError> {
    let btf = Btf::from_sys_fs()?;
    let mut missing = Vec::new();
    let mut take = |r: Result<u32, String>| {
        r.unwrap_or_else(|e| {
            missing.push(e);
            0
        })
    };
    let member = |strukt: &str, path: &str| btf.member_offset(strukt, path).map_err(|e| e.to_string());
    let field = |cat: &str, name: &str, field: &str| {
        tracefs.field_offset(cat, name, field).map_err(|e| e.to_string())
    };
    let cfg = KernelConfig {
        task_real_parent: take(member("task_struct", "real_parent")),
        task_tgid: take(member("task_struct", "tgid")),
        task_real_cred: take(member("task_struct", "real_cred")),
        task_mm: take(member("task_struct", "mm")),
        cred_ids: take(contiguous(
            &btf,
            "cred",
            &["uid", "gid", "suid", "sgid", "euid", "egid", "fsuid", "fsgid"],
            4,
        )),
        cred_caps: take(contiguous(&btf, "cred", &["cap_permitted", "cap_effective"], 8)),
        bprm_cred: take(member("linux_binprm", "cred")),
        bprm_filename: take(member("linux_binprm", "filename")),
        task_fs: take(member("task_struct", "fs")),
        task_files: take(member("task_struct", "files")),
        task_nsproxy: take(member("task_struct", "nsproxy")),
        fs_root: take(member("fs_struct", "root")),
        fs_pwd: take(member("fs_struct", "pwd")),
        path_mnt: take(member("path", "mnt")),
        path_dentry: take(member("path", "dentry")),
        dentry_parent: take(member("dentry", "d_parent")),
        dentry_name: take(member("dentry", "d_name.name")),
        vfsmount_root: take(member("vfsmount", "mnt_root")),
        mount_mnt: take(member("mount", "mnt")),
        mount_parent: take(member("mount", "mnt_parent")),
        mount_mountpoint: take(member("mount", "mnt_mountpoint")),
        file_path: take(member("file", "f_path")),
        file_mode: take(member("file", "f_mode")),
        file_flags: take(member("file", "f_flags")),
        files_fdt: take(member("files_struct", "fdt")),
        fdtable_fd: take(member("fdtable", "fd")),
        fdtable_max_fds: take(member("fdtable", "max_fds")),
        nsproxy_mnt_ns: take(member("nsproxy", "mnt_ns")),
        mnt_ns_inum: take(member("mnt_namespace", "ns.inum")),
        vfsmount_sb: take(member("vfsmount", "mnt_sb")),
        sb_dev: take(member("super_block", "s_dev")),
        ancestor_walk: u32::from(!super::helpers::tracing_has_ancestor_cgroup_id()),
        task_cgroups: take(member("task_struct", "cgroups")),
        css_set_dfl_cgrp: take(member("css_set", "dfl_cgrp")),
        cgroup_level: take(member("cgroup", "level")),
        cgroup_self: take(member("cgroup", "self")),
        css_parent: take(member("cgroup_subsys_state", "parent")),
        cgroup_kn: take(member("cgroup", "kn")),
        kernfs_node_id: take(member("kernfs_node", "id")),
        mm_arg_start: take(member("mm_struct", "arg_start")),
        mm_arg_end: take(member("mm_struct", "arg_end")),
        tp_exec_filename: take(field("sched", "sched_process_exec", "filename")),
        tp_cgroup_root: take(field("cgroup", "cgroup_mkdir", "root")),
        tp_cgroup_id: take(field("cgroup", "cgroup_mkdir", "id")),
        tp_cgroup_level: take(field("cgroup", "cgroup_mkdir", "level")),
        tp_cgroup_path: take(field("cgroup", "cgroup_mkdir", "path")),
        task_signal: take(member("task_struct", "signal")),
        signal_live: take(member("signal_struct", "live")),
        wakeup_bytes: 0,
    };
    // cgroup_rmdir shares cgroup_mkdir's event class; check rather than assume.
    for f in ["root", "id", "level", "path"] {
        if let (Ok(a), Ok(b)) = (field("cgroup", "cgroup_mkdir", f), field("cgroup", "cgroup_rmdir", f))
            && a != b
        {
            missing.push(format!("cgroup_mkdir and cgroup_rmdir disagree on field {f} ({a} vs {b})"));
        }
    }
    if missing.is_empty() { Ok(cfg) } else { Err(OffsetError::Missing(missing)) }
}
