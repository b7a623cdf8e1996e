//! The `bpf(2)` system call, raw, for the few commands aya does not offer (a helper probe, a
//! link's detach and its program's id, a program looked up by id).

use std::io;

/// `bpf(cmd, attr)` with a zeroed 128-byte `union bpf_attr` whose first bytes are `head`.
pub(super) fn bpf(cmd: libc::c_long, head: &[u8]) -> io::Result<i64> {
    let mut attr = [0u8; 128];
    attr[..head.len()].copy_from_slice(head);
    // SAFETY: bpf(2) with an attribute buffer of the size passed; pointers in it outlive the call.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_ptr(), attr.len() as u32) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(rc) }
}
