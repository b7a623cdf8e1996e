//! Tracefs: where it is mounted (mounting it if nobody has), and field offsets from a
//! tracepoint's `format` file.

use std::{fs, io, path::PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TracefsError {
    #[error("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: {0}")]
    Mount(io::Error),
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path} has no field {field}")]
    NoField { path: PathBuf, field: String },
}

/// Where tracefs is, and whether this process had to mount it.
#[derive(Clone, Debug)]
pub struct Tracefs {
    pub root: PathBuf,
    pub mounted_by_us: bool,
}

impl Tracefs {
    /// Find tracefs (`/sys/kernel/tracing`, else the debugfs path); mount it if neither has it.
    pub fn find_or_mount() -> Result<Self, TracefsError> {
        for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
            if PathBuf::from(root).join("events").is_dir() {
                return Ok(Tracefs { root: root.into(), mounted_by_us: false });
            }
        }
        let root = PathBuf::from("/sys/kernel/tracing");
        mount_tracefs(&root).map_err(TracefsError::Mount)?;
        Ok(Tracefs { root, mounted_by_us: true })
    }

    /// Byte offset of `field` in the records of tracepoint `category:name`.
    pub fn field_offset(&self, category: &str, name: &str, field: &str) -> Result<u32, TracefsError> {
        let path = self.root.join("events").join(category).join(name).join("format");
        let text =
            fs::read_to_string(&path).map_err(|source| TracefsError::Read { path: path.clone(), source })?;
        parse_field_offset(&text, field).ok_or(TracefsError::NoField { path, field: field.into() })
    }
}

fn mount_tracefs(root: &std::path::Path) -> io::Result<()> {
    let target = std::ffi::CString::new(root.as_os_str().as_encoded_bytes())?;
    // SAFETY: valid NUL-terminated strings; no data argument.
    let rc = unsafe {
        libc::mount(c"tracefs".as_ptr(), target.as_ptr(), c"tracefs".as_ptr(), 0, std::ptr::null())
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Parse `field:<decl> <name>;\toffset:<n>;\tsize:<m>;...` lines; `name` may carry `[]`.
pub fn parse_field_offset(format: &str, field: &str) -> Option<u32> {
    format.lines().find_map(|line| {
        let line = line.trim();
        let decl = line.strip_prefix("field:")?;
        let (decl, rest) = decl.split_once(';')?;
        let name = decl.split_whitespace().last()?;
        let name = name.split('[').next()?;
        if name != field {
            return None;
        }
        let offset = rest.trim().strip_prefix("offset:")?;
        offset.split(';').next()?.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXEC_FORMAT: &str = "name: sched_process_exec
ID: 312
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;
";

    #[test]
    fn parses_fields() {
        assert_eq!(parse_field_offset(EXEC_FORMAT, "filename"), Some(8));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "old_pid"), Some(16));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "pid"), Some(12));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "nope"), None);
    }
}
