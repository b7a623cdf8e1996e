//! A filesystem that really fills: a size-limited tmpfs, for disk-full tests.

use std::{
    ffi::CString,
    io::Write as _,
    path::{Path, PathBuf},
};

/// A tmpfs of a given size, unmounted when dropped.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    pub fn mount(bytes: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let target = CString::new(dir.path().as_os_str().as_encoded_bytes()).unwrap();
        let options = CString::new(format!("size={bytes},mode=700")).unwrap();
        // SAFETY: valid NUL-terminated strings that outlive the call.
        let rc = unsafe {
            libc::mount(c"tmpfs".as_ptr(), target.as_ptr(), c"tmpfs".as_ptr(), 0, options.as_ptr().cast())
        };
        assert_eq!(rc, 0, "mounting a tmpfs: {}", std::io::Error::last_os_error());
        SmallDisk { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file until the filesystem refuses (ENOSPC), then free `leave` bytes of it.
    /// Removing the returned file gives the space back.
    pub fn fill(&self, leave: usize) -> PathBuf {
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        let err = loop {
            if let Err(e) = f.write_all(&chunk) {
                break e;
            }
        };
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(leave as u64)).unwrap();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let target = CString::new(self.path().as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid path.
        unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
    }
}
