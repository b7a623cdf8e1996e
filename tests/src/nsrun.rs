//! A container's process started the way runc starts it, for machines without runc (the VM
//! initramfs): its own mount, UTS and IPC namespaces; the root filesystem entered with `chroot`
//! (an initramfs root cannot be `pivot_root`ed away from); `/proc`, a `/dev` tmpfs with the
//! usual device nodes, the volume bind-mounted at `/data` and a tmpfs at `/scratch`; the
//! capability bounding set cut to the container's list; then the user and group. It shares the
//! host's pid namespace (pid 1 of a new one would be the shell's first child).
//!
//! Create → start as with runc: the process is spawned and moved into its cgroup, then waits
//! on a pipe (fd 3) until [`Start::start`]; only then does it run the script.

use std::{
    ffi::CString,
    fs,
    io::{self, Write as _},
    os::{
        fd::{AsRawFd as _, FromRawFd as _, OwnedFd},
        unix::{ffi::OsStrExt as _, process::CommandExt as _},
    },
    path::Path,
    process::{Child, Command, Stdio},
};

/// What the container's process gets.
pub struct Spec<'a> {
    /// The mounted root filesystem.
    pub rootfs: &'a Path,
    /// Bind-mounted at `/data`.
    pub volume: &'a Path,
    pub uid: u32,
    pub gid: u32,
    /// `CAP_*` names kept in the bounding set.
    pub capabilities: &'a [String],
    pub script: &'a str,
}

/// Whether runc is installed here (else containers start through [`create`]).
pub fn runc_available() -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("runc").is_file()))
}

/// The number of a capability name (`CAP_NET_RAW` → 13).
pub fn capability_number(name: &str) -> Option<u32> {
    const NAMES: [&str; 41] = [
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ];
    let short = name.strip_prefix("CAP_").unwrap_or(name);
    NAMES.iter().position(|n| *n == short).map(|i| i as u32)
}

/// The write end of the start pipe.
pub struct Start(fs::File);

impl Start {
    /// Let the container's script run.
    pub fn start(mut self) -> io::Result<()> {
        self.0.write_all(b"\n")
    }
}

fn cstr(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("no NUL in a path")
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// Spawn the container's process, waiting to start, inside the cgroup `cgroup_dir`. Its stdout
/// is piped; stderr is the caller's.
pub fn create(spec: &Spec<'_>, cgroup_dir: &Path) -> io::Result<(Child, Start)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the array it is given.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both descriptors were just opened and are owned here.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), fs::File::from_raw_fd(fds[1])) };

    // Everything the child needs is prepared here: between fork and exec it may not allocate.
    let root = spec.rootfs;
    let dirs = [root.join("proc"), root.join("dev"), root.join("data"), root.join("scratch")];
    for d in &dirs {
        fs::create_dir_all(d)?;
    }
    let [proc_dir, dev_dir, data_dir, scratch_dir] = dirs.map(|d| cstr(&d));
    let rootfs = cstr(root);
    let volume = cstr(spec.volume);
    let devices: Vec<(CString, u32, u32)> =
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)]
            .into_iter()
            .map(|(n, maj, min)| (cstr(&root.join("dev").join(n)), maj, min))
            .collect();
    let last_cap: u32 = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40);
    let keep: Vec<u32> = spec.capabilities.iter().filter_map(|c| capability_number(c)).collect();
    let dropped: Vec<u32> = (0..=last_cap).filter(|c| !keep.contains(c)).collect();
    let (uid, gid) = (spec.uid, spec.gid);
    let read_fd = rd.as_raw_fd();

    let mut cmd = Command::new("/bin/sh");
    // The waiting shell: read the start line from fd 3, then become the container's script.
    cmd.args(["-c", "read -r _ <&3 || exit 125; exec 3<&-; exec /bin/sh -c \"$0\"", spec.script])
        .env_clear()
        .env("PATH", "/bin")
        .env("HOME", "/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // SAFETY: only system calls between fork and exec, on data prepared above.
    unsafe {
        cmd.pre_exec(move || {
            let none = std::ptr::null::<libc::c_char>();
            check(libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC))?;
            check(libc::mount(none, c"/".as_ptr(), none, libc::MS_REC | libc::MS_PRIVATE, std::ptr::null()))?;
            let mount = |src: &std::ffi::CStr,
                         dst: &CString,
                         fstype: *const libc::c_char,
                         flags,
                         data: &std::ffi::CStr| {
                check(libc::mount(src.as_ptr(), dst.as_ptr(), fstype, flags, data.as_ptr().cast()))
            };
            mount(c"proc", &proc_dir, c"proc".as_ptr(), 0, c"")?;
            mount(c"tmpfs", &dev_dir, c"tmpfs".as_ptr(), libc::MS_NOSUID, c"mode=755")?;
            mount(&volume, &data_dir, none, libc::MS_BIND | libc::MS_REC, c"")?;
            mount(c"tmpfs", &scratch_dir, c"tmpfs".as_ptr(), libc::MS_NOSUID | libc::MS_NODEV, c"mode=1777")?;
            let old = libc::umask(0);
            for (path, major, minor) in &devices {
                check(libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(*major, *minor)))?;
            }
            libc::umask(old);
            check(libc::sethostname(c"container".as_ptr(), "container".len()))?;
            check(libc::chdir(rootfs.as_ptr()))?;
            check(libc::chroot(c".".as_ptr()))?;
            check(libc::chdir(c"/".as_ptr()))?;
            // The start pipe becomes fd 3, open across exec (dup2 onto itself would keep
            // close-on-exec).
            if read_fd == 3 {
                check(libc::fcntl(3, libc::F_SETFD, 0))?;
            } else {
                check(libc::dup2(read_fd, 3))?;
            }
            for cap in &dropped {
                check(libc::prctl(libc::PR_CAPBSET_DROP, *cap as libc::c_ulong, 0, 0, 0))?;
            }
            check(libc::setgroups(0, std::ptr::null()))?;
            check(libc::setresgid(gid, gid, gid))?;
            check(libc::setresuid(uid, uid, uid))?;
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    drop(rd);
    // Into the pod's cgroup before it can run anything of its own, as runc create does.
    if let Err(e) = fs::write(cgroup_dir.join("cgroup.procs"), child.id().to_string()) {
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok((child, Start(wr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_have_the_kernels_numbers() {
        assert_eq!(capability_number("CAP_CHOWN"), Some(0));
        assert_eq!(capability_number("CAP_SETUID"), Some(7));
        assert_eq!(capability_number("CAP_NET_RAW"), Some(13));
        assert_eq!(capability_number("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(capability_number("CAP_CHECKPOINT_RESTORE"), Some(40));
        assert_eq!(capability_number("CAP_NOPE"), None);
    }
}
