//! User-space side: `aya::Pod` impls and decoding of raw ring-buffer bytes.

use crate::{
    config::KernelConfig,
    net::{
        Cidr4Key, Cidr6Key, DenyCount, DenyKey, Flow, FlowRecord, PeerRuleKey, PodPolicy, PortRange, PortSet,
        RuntimeConfig,
    },
    privilege::{Creds, PrivRecord},
    record::{CgroupRecord, ExecRecord, ExitRecord, RecordHeader, RecordKind},
    rootfs::{FileDenyKey, FileRecord, PathKey},
};

// SAFETY: `#[repr(C)]`, only integers and byte arrays, no implicit padding (sizes asserted).
unsafe impl aya::Pod for KernelConfig {}
// SAFETY: as above, for each of these.
unsafe impl aya::Pod for RecordHeader {}
unsafe impl aya::Pod for PodPolicy {}
unsafe impl aya::Pod for RuntimeConfig {}
unsafe impl aya::Pod for Cidr4Key {}
unsafe impl aya::Pod for Cidr6Key {}
unsafe impl aya::Pod for PeerRuleKey {}
unsafe impl aya::Pod for PortRange {}
unsafe impl aya::Pod for PortSet {}
unsafe impl aya::Pod for Flow {}
unsafe impl aya::Pod for DenyKey {}
unsafe impl aya::Pod for DenyCount {}
unsafe impl aya::Pod for Creds {}
unsafe impl aya::Pod for PathKey {}
unsafe impl aya::Pod for FileDenyKey {}

/// Why a ring-buffer record could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("record of {len} bytes is shorter than its {needed}-byte {what}")]
    Short { what: &'static str, len: usize, needed: usize },
    #[error("unknown record kind {0}")]
    UnknownKind(u32),
}

/// One decoded record, copied out of the ring buffer.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "decoded one at a time on the stack; boxing would allocate per event"
)]
pub enum Record {
    Exec(ExecRecord),
    CgroupMkdir(CgroupRecord),
    CgroupRmdir(CgroupRecord),
    Flow(FlowRecord),
    Privilege(PrivRecord),
    File(FileRecord),
    Exit(ExitRecord),
}

impl Record {
    /// The cgroup of the task whose act the record reports; `None` for the records of the
    /// cgroup hierarchy itself and for exits.
    pub fn actor_cgroup(&self) -> Option<u64> {
        match self {
            Self::Exec(r) => Some(r.task.cgroup_id),
            Self::Flow(r) => Some(r.flow.cgroup_id),
            Self::Privilege(r) => Some(r.task.cgroup_id),
            Self::File(r) => Some(r.task.cgroup_id),
            Self::CgroupMkdir(_) | Self::CgroupRmdir(_) | Self::Exit(_) => None,
        }
    }

    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Exec(_) => RecordKind::Exec,
            Self::CgroupMkdir(_) => RecordKind::CgroupMkdir,
            Self::CgroupRmdir(_) => RecordKind::CgroupRmdir,
            Self::Flow(_) => RecordKind::Flow,
            Self::Privilege(_) => RecordKind::Privilege,
            Self::File(_) => RecordKind::File,
            Self::Exit(_) => RecordKind::Exit,
        }
    }
}

/// Copy a `T` out of the start of `bytes`, checking the length first.
fn read<T: Copy>(bytes: &[u8], what: &'static str) -> Result<T, DecodeError> {
    let needed = size_of::<T>();
    if bytes.len() < needed {
        return Err(DecodeError::Short { what, len: bytes.len(), needed });
    }
    // SAFETY: the length was checked; `T` is plain old data (integers and byte arrays) for
    // every type this is called with, so any bit pattern is valid; the read is unaligned.
    Ok(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

impl TryFrom<&[u8]> for Record {
    type Error = DecodeError;

    fn try_from(bytes: &[u8]) -> Result<Self, DecodeError> {
        let header: RecordHeader = read(bytes, "header")?;
        let kind = RecordKind::try_from(header.kind).map_err(DecodeError::UnknownKind)?;
        Ok(match kind {
            RecordKind::Exec => Record::Exec(read(bytes, "exec record")?),
            RecordKind::CgroupMkdir => Record::CgroupMkdir(read(bytes, "cgroup record")?),
            RecordKind::CgroupRmdir => Record::CgroupRmdir(read(bytes, "cgroup record")?),
            RecordKind::Flow => Record::Flow(read(bytes, "flow record")?),
            RecordKind::Privilege => Record::Privilege(read(bytes, "privilege record")?),
            RecordKind::File => Record::File(read(bytes, "file record")?),
            RecordKind::Exit => Record::Exit(read(bytes, "exit record")?),
        })
    }
}

/// The bytes before the first NUL (or all of them), clamped to `len`.
pub fn c_bytes(bytes: &[u8], len: usize) -> &[u8] {
    let bytes = &bytes[..len.min(bytes.len())];
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{EXEC_ARGS_LEN, EXEC_FILENAME_LEN, TaskInfo};

    fn bytes_of<T>(value: &T) -> &[u8] {
        // SAFETY: test-only view of a repr(C) value without padding.
        unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
    }

    fn exec_record() -> ExecRecord {
        ExecRecord {
            header: RecordHeader {
                kind: RecordKind::Exec as u32,
                size: size_of::<ExecRecord>() as u32,
                boot_ns: 42,
            },
            task: TaskInfo {
                cgroup_id: 7,
                pid: 100,
                tid: 100,
                ppid: 1,
                uid: 1000,
                gid: 1000,
                euid: 0,
                egid: 0,
                _pad: 0,
                comm: *b"true\0\0\0\0\0\0\0\0\0\0\0\0",
            },
            filename_len: 9,
            args_len: 0,
            flags: 0,
            filename: [0; EXEC_FILENAME_LEN],
            args: [0; EXEC_ARGS_LEN],
        }
    }

    #[test]
    fn decodes_exec() {
        let rec = exec_record();
        let Record::Exec(got) = Record::try_from(bytes_of(&rec)).unwrap() else { panic!("wrong kind") };
        assert_eq!(got.task.pid, 100);
        assert_eq!(got.task.euid, 0);
        assert_eq!(got.header.boot_ns, 42);
    }

    #[test]
    fn unknown_kind_is_an_error_not_a_guess() {
        let mut rec = exec_record();
        rec.header.kind = 99;
        assert_eq!(Record::try_from(bytes_of(&rec)).unwrap_err(), DecodeError::UnknownKind(99));
    }

    #[test]
    fn short_record_is_refused() {
        let rec = exec_record();
        let bytes = &bytes_of(&rec)[..100];
        assert!(matches!(
            Record::try_from(bytes),
            Err(DecodeError::Short { what: "exec record", len: 100, .. })
        ));
        assert!(matches!(Record::try_from(&bytes[..3]), Err(DecodeError::Short { what: "header", .. })));
    }

    #[test]
    fn c_bytes_stops_at_nul_and_len() {
        assert_eq!(c_bytes(b"abc\0def", 7), b"abc");
        assert_eq!(c_bytes(b"abcdef", 4), b"abcd");
        assert_eq!(c_bytes(b"ab", 10), b"ab");
    }
}
