//! File capabilities, written as `setcap CAPS+ep FILE` writes them: the `security.capability`
//! extended attribute (`struct vfs_cap_data`, revision 2). Native, so it works where libcap's
//! tools are missing (the VM initramfs).

use std::{ffi::CString, io, os::unix::ffi::OsStrExt as _, path::Path};

const VFS_CAP_REVISION_2: u32 = 0x0200_0000;
const VFS_CAP_FLAGS_EFFECTIVE: u32 = 0x1;

/// Give `path` the permitted and effective file capabilities `caps` (`CAP_*` names).
pub fn set_permitted_effective(path: &Path, caps: &[&str]) -> io::Result<()> {
    let mut permitted = [0u32; 2];
    for name in caps {
        let n = crate::nsrun::capability_number(name).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("unknown capability {name}"))
        })?;
        permitted[(n / 32) as usize] |= 1 << (n % 32);
    }
    // magic_etc, then (permitted, inheritable) for capabilities 0-31 and 32-63, little endian.
    let mut value = Vec::with_capacity(20);
    for word in [VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, permitted[0], 0, permitted[1], 0] {
        value.extend_from_slice(&word.to_le_bytes());
    }
    let c = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: valid NUL-terminated strings and a buffer of the given length.
    let rc = unsafe {
        libc::setxattr(c.as_ptr(), c"security.capability".as_ptr(), value.as_ptr().cast(), value.len(), 0)
    };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
}
