//! Facts about the running kernel the tiers depend on.

use std::{fs, path::Path};

use serde::Serialize;

use crate::loader::tracefs::{Tracefs, TracefsError};

#[derive(Clone, Debug, Serialize)]
pub struct KernelInfo {
    pub release: String,
    pub arch: String,
    /// `/sys/kernel/btf/vmlinux` is readable.
    pub btf: bool,
    /// The active LSMs, from `/sys/kernel/security/lsm` (securityfs mounted if it was not).
    pub lsm: Vec<String>,
    /// Why the LSM list could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsm_error: Option<String>,
    /// Mount point of the cgroup v2 hierarchy.
    pub cgroup2: Option<String>,
    /// Mount point of tracefs.
    pub tracefs: Option<String>,
    /// Tracefs was not mounted and the probe mounted it.
    pub tracefs_mounted_by_probe: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracefs_error: Option<String>,
}

impl KernelInfo {
    pub fn read(tracefs: &Result<Tracefs, TracefsError>) -> Self {
        // SAFETY: uname fills the struct it is given.
        let (release, arch) = unsafe {
            let mut u: libc::utsname = std::mem::zeroed();
            if libc::uname(&mut u) == 0 {
                let s =
                    |b: &[libc::c_char]| std::ffi::CStr::from_ptr(b.as_ptr()).to_string_lossy().into_owned();
                (s(&u.release), s(&u.machine))
            } else {
                ("unknown".into(), std::env::consts::ARCH.into())
            }
        };
        let (lsm, lsm_error) = match read_lsm_list() {
            Ok(l) => (l, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        KernelInfo {
            release,
            arch,
            btf: Path::new(crate::loader::btf::VMLINUX).exists(),
            lsm,
            lsm_error,
            cgroup2: crate::attribution::cgroupfs::cgroup2_mount().ok().map(|p| p.display().to_string()),
            tracefs: tracefs.as_ref().ok().map(|t| t.root.display().to_string()),
            tracefs_mounted_by_probe: tracefs.as_ref().is_ok_and(|t| t.mounted_by_us),
            tracefs_error: tracefs.as_ref().err().map(ToString::to_string),
        }
    }

    pub fn has_bpf_lsm(&self) -> bool {
        self.lsm.iter().any(|l| l == "bpf")
    }
}

const SECURITYFS: &str = "/sys/kernel/security";

/// The active LSM list, mounting securityfs first if needed.
fn read_lsm_list() -> Result<Vec<String>, String> {
    let path = Path::new(SECURITYFS).join("lsm");
    if !path.exists() {
        let target = std::ffi::CString::new(SECURITYFS).expect("no NUL");
        // SAFETY: valid NUL-terminated strings; no data.
        let rc = unsafe {
            libc::mount(c"securityfs".as_ptr(), target.as_ptr(), c"securityfs".as_ptr(), 0, std::ptr::null())
        };
        if rc != 0 {
            return Err(format!(
                "{} is missing and mounting securityfs failed: {}",
                path.display(),
                std::io::Error::last_os_error()
            ));
        }
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(text.trim().split(',').filter(|s| !s.is_empty()).map(String::from).collect())
}
