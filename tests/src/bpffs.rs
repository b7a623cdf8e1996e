//! A bpffs of a test's own, for agents run with `--pin-dir`: their pins never meet another
//! test's.

use std::{
    ffi::CString,
    os::unix::ffi::OsStrExt as _,
    path::{Path, PathBuf},
    process::Command,
};

use crate::agent::agent_bin;

/// A bpffs of the test's own, unmounted (after everything pinned in it is removed) on drop.
pub struct Bpffs(tempfile::TempDir);

/// `path` as a C string.
pub fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

impl Bpffs {
    pub fn mount() -> Bpffs {
        let dir = tempfile::tempdir().unwrap();
        let (source, fstype, target) = (c"bpf", c"bpf", c_path(dir.path()));
        // SAFETY: NUL-terminated strings; no data argument.
        let rc =
            unsafe { libc::mount(source.as_ptr(), target.as_ptr(), fstype.as_ptr(), 0, std::ptr::null()) };
        assert_eq!(rc, 0, "mounting a bpffs for the test: {}", std::io::Error::last_os_error());
        Bpffs(dir)
    }

    /// The pin directory in it, as the DaemonSet's `/sys/fs/bpf/rampart`.
    pub fn path(&self) -> PathBuf {
        self.0.path().join("rampart")
    }
}

impl Drop for Bpffs {
    fn drop(&mut self) {
        let _ = Command::new(agent_bin()).args(["uninstall", "--pin-dir"]).arg(self.path()).output();
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(c_path(self.0.path()).as_ptr(), libc::MNT_DETACH) };
    }
}
