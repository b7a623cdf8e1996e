//! Ring-buffer bytes on disk: how the pipeline's test fixtures are made and read.
//!
//! With `RAMPART_RECORD_RING=FILE` the agent appends every exec, flow, file and privilege
//! record of a pod cgroup to `FILE` as it reads it, before decoding (cgroup and host records
//! are left out: they describe the machine, not the act). `cargo xtask fixtures` runs chosen
//! end-to-end tests that way and commits what the real programs wrote under
//! `agent/tests/fixtures/`; the pipeline's tests feed those bytes back without a kernel.
//!
//! Format: each record as a little-endian `u32` length, then that many bytes.

use std::{
    fs::{File, OpenOptions},
    io::{self, BufWriter, Write},
    path::Path,
};

/// Appends records to a file.
pub struct Recorder {
    out: BufWriter<File>,
}

impl Recorder {
    /// From `RAMPART_RECORD_RING`, when set.
    pub fn from_env() -> io::Result<Option<Recorder>> {
        match std::env::var_os("RAMPART_RECORD_RING") {
            Some(path) => Recorder::create(Path::new(&path)).map(Some),
            None => Ok(None),
        }
    }

    pub fn create(path: &Path) -> io::Result<Recorder> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Recorder { out: BufWriter::new(file) })
    }

    pub fn record(&mut self, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(bytes)?;
        // Each record reaches the file at once: a recording agent may be stopped any time.
        self.out.flush()
    }
}

/// The records of a recording, in order; a cut-off last record is left out.
pub fn records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        let Some((record, tail)) = tail.split_at_checked(len) else { break };
        out.push(record);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_cut_off_one_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ring");
        let mut r = Recorder::create(&path).unwrap();
        r.record(b"first").unwrap();
        r.record(b"").unwrap();
        r.record(b"third record").unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        assert_eq!(records(&bytes), [&b"first"[..], b"", b"third record"]);
        bytes.truncate(bytes.len() - 1);
        assert_eq!(records(&bytes), [&b"first"[..], b""]);
    }
}
