//! The spool: a bounded on-disk FIFO of encoded batches, for when the collector cannot take
//! them (outage, or more queued than memory allows).
//!
//! Design constraints:
//! - **Bounded.** The segment files together never exceed `max_bytes`; a batch that does not
//!   fit is refused and the caller counts its events as dropped (newest dropped, the queue
//!   stays intact and in order).
//! - **Checksummed.** Every record is `magic, length, events, crc32(payload), payload`; a record
//!   that fails its check (a torn write at a kill, a bad disk) ends the reading of its segment
//!   and is counted, never sent.
//! - **At least once, deduplicated downstream.** Records are read in order, sent, and acked in
//!   order; a segment is deleted once every record in it is acked. After a restart the unacked
//!   (and possibly some acked) records of the remaining segments are sent again; the collector
//!   stores each (node, boot, sequence) once.
//! - **Never appends to an old segment.** A segment found at start may end in a torn record;
//!   new records go to a new segment.
//!
//! No fsync per record: a kill of the agent keeps what was written (the page cache survives
//! the process); a power cut may lose the newest records. Shutdown syncs.

use std::{
    collections::VecDeque,
    fs::{self, File, OpenOptions},
    io::{self, Write as _},
    os::unix::fs::FileExt as _,
    path::{Path, PathBuf},
};

const MAGIC: u32 = u32::from_le_bytes(*b"RSP1");
const HEADER: u64 = 16;
/// A length above this is a corrupt header, not a record.
const MAX_RECORD: u32 = 64 << 20;

/// A position in the spool: a segment id and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
}

/// One record read back.
#[derive(Debug)]
pub struct Record {
    pub payload: Vec<u8>,
    pub events: u32,
    /// Where the next record starts: ack this once the record is delivered.
    pub end: Cursor,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the spool is full ({used} of {max} bytes); a batch of {events} events was dropped")]
    Full { used: u64, max: u64, events: u32 },
    #[error("writing the spool at {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

#[derive(Debug)]
struct Segment {
    id: u64,
    bytes: u64,
    events: u64,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    segment_bytes: u64,
    /// Oldest first; the last one is written to while `writer` is open.
    segments: VecDeque<Segment>,
    writer: Option<File>,
    next_id: u64,
    /// The next record to read.
    read: Cursor,
    /// The end of the last acked record.
    acked: Option<Cursor>,
    /// Events acked in the oldest segment (it is deleted when all of it is).
    acked_in_front: u64,
    /// Records found corrupt (each ends its segment's reading).
    corrupt: u64,
}

fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.spool"))
}

impl Spool {
    /// Open (creating the directory if needed) a spool of at most `max_bytes`.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let mut ids: Vec<u64> = fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".spool")?.parse().ok())
            .collect();
        ids.sort_unstable();
        let mut segments = VecDeque::new();
        for id in ids {
            let path = segment_path(dir, id);
            let bytes = fs::metadata(&path)?.len();
            let events = count_events(&File::open(&path)?, bytes);
            segments.push_back(Segment { id, bytes, events });
        }
        let first = segments.front().map_or(1, |s| s.id);
        Ok(Spool {
            dir: dir.to_path_buf(),
            max_bytes,
            segment_bytes: (max_bytes / 8).clamp(64 << 10, 16 << 20),
            next_id: segments.back().map_or(1, |s| s.id + 1),
            segments,
            writer: None,
            read: Cursor { segment: first, offset: 0 },
            acked: None,
            acked_in_front: 0,
            corrupt: 0,
        })
    }

    /// Bytes on disk.
    pub fn bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// Events not yet acked.
    pub fn events(&self) -> u64 {
        self.segments.iter().map(|s| s.events).sum::<u64>().saturating_sub(self.acked_in_front)
    }

    /// Whether every record has been read (sent); unacked ones may remain.
    pub fn all_read(&self) -> bool {
        self.segments.back().is_none_or(|last| self.read >= Cursor { segment: last.id, offset: last.bytes })
    }

    /// Whether nothing is left, read or not.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Records found corrupt since open.
    pub fn corrupt(&self) -> u64 {
        self.corrupt
    }

    /// Append one record. Refused (and nothing written) when it would not fit.
    pub fn append(&mut self, payload: &[u8], events: u32) -> Result<(), SpoolError> {
        let size = HEADER + payload.len() as u64;
        let used = self.bytes();
        if used + size > self.max_bytes {
            return Err(SpoolError::Full { used, max: self.max_bytes, events });
        }
        let rotate = match (&self.writer, self.segments.back()) {
            (Some(_), Some(last)) => last.bytes > 0 && last.bytes + size > self.segment_bytes,
            _ => true,
        };
        if rotate {
            let id = self.next_id;
            let path = segment_path(&self.dir, id);
            let file = OpenOptions::new()
                .create_new(true)
                .append(true)
                .open(&path)
                .map_err(|source| SpoolError::Write { path, source })?;
            self.next_id += 1;
            self.writer = Some(file);
            if self.segments.is_empty() {
                self.read = Cursor { segment: id, offset: 0 };
            }
            self.segments.push_back(Segment { id, bytes: 0, events: 0 });
        }
        let mut record = Vec::with_capacity(size as usize);
        record.extend_from_slice(&MAGIC.to_le_bytes());
        record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        record.extend_from_slice(&events.to_le_bytes());
        record.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        record.extend_from_slice(payload);
        let last = self.segments.back_mut().expect("a segment to write");
        let file = self.writer.as_mut().expect("an open segment");
        if let Err(source) = file.write_all(&record) {
            // Whatever part was written is a torn record the reader will skip; write anew.
            self.writer = None;
            last.bytes = fs::metadata(segment_path(&self.dir, last.id)).map_or(last.bytes, |m| m.len());
            return Err(SpoolError::Write { path: segment_path(&self.dir, last.id), source });
        }
        last.bytes += size;
        last.events += u64::from(events);
        Ok(())
    }

    /// The next unread record, if any. A corrupt record is counted and the rest of its segment
    /// skipped.
    pub fn read_next(&mut self) -> Option<Record> {
        loop {
            let seg = self.segments.iter().find(|s| s.id >= self.read.segment)?;
            let (id, len) = (seg.id, seg.bytes);
            if id > self.read.segment {
                self.read = Cursor { segment: id, offset: 0 };
            }
            if self.read.offset >= len {
                if self.segments.back().is_some_and(|l| l.id == id) {
                    return None;
                }
                self.read = Cursor { segment: id + 1, offset: 0 };
                continue;
            }
            match read_record(&segment_path(&self.dir, id), self.read.offset, len) {
                Ok((payload, events)) => {
                    let end =
                        Cursor { segment: id, offset: self.read.offset + HEADER + payload.len() as u64 };
                    self.read = end;
                    return Some(Record { payload, events, end });
                }
                Err(_) => {
                    self.corrupt += 1;
                    self.read = Cursor { segment: id, offset: len };
                    if self.segments.back().is_some_and(|l| l.id == id) {
                        // Never append after a corrupt record.
                        self.writer = None;
                    }
                }
            }
        }
    }

    /// The record ending at `end` (and every one before it) was delivered: delete the segments
    /// wholly behind it.
    pub fn ack(&mut self, end: Cursor, events: u32) {
        self.acked = Some(end);
        while let Some(front) = self.segments.front() {
            if front.id > end.segment || (front.id == end.segment && end.offset < front.bytes) {
                break;
            }
            let _ = fs::remove_file(segment_path(&self.dir, front.id));
            self.segments.pop_front();
            self.acked_in_front = 0;
            if self.segments.is_empty() {
                self.writer = None;
                return;
            }
        }
        if self.segments.front().is_some_and(|f| f.id == end.segment) {
            self.acked_in_front += u64::from(events);
        }
    }

    /// Read again from the oldest unacked record (the connection dropped with records in flight).
    pub fn rewind(&mut self) {
        let front = self.segments.front().map_or(self.next_id, |s| s.id);
        self.read = match self.acked {
            Some(a) if a.segment >= front => a,
            _ => Cursor { segment: front, offset: 0 },
        };
    }

    /// Flush written records to the disk.
    pub fn sync(&self) -> io::Result<()> {
        match &self.writer {
            Some(f) => f.sync_data(),
            None => Ok(()),
        }
    }
}

fn read_record(path: &Path, offset: u64, segment_len: u64) -> io::Result<(Vec<u8>, u32)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let file = File::open(path)?;
    let mut header = [0u8; HEADER as usize];
    file.read_exact_at(&mut header, offset)?;
    let word = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    let (magic, len, events, crc) = (word(0), word(1), word(2), word(3));
    if magic != MAGIC || len > MAX_RECORD || offset + HEADER + u64::from(len) > segment_len {
        return Err(bad("bad record header"));
    }
    let mut payload = vec![0u8; len as usize];
    file.read_exact_at(&mut payload, offset + HEADER)?;
    if crc32fast::hash(&payload) != crc {
        return Err(bad("checksum mismatch"));
    }
    Ok((payload, events))
}

/// Events in a segment, from its headers (up to the first bad one).
fn count_events(file: &File, len: u64) -> u64 {
    let mut offset = 0;
    let mut events = 0;
    let mut header = [0u8; HEADER as usize];
    while offset + HEADER <= len && file.read_exact_at(&mut header, offset).is_ok() {
        let word = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        if word(0) != MAGIC || word(1) > MAX_RECORD {
            break;
        }
        events += u64::from(word(2));
        offset += HEADER + u64::from(word(1));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(i: u32) -> Vec<u8> {
        format!("batch-{i}-{}", "x".repeat(i as usize % 50)).into_bytes()
    }

    fn drain(s: &mut Spool) -> Vec<Record> {
        std::iter::from_fn(|| s.read_next()).collect()
    }

    #[test]
    fn records_come_back_in_order_across_segments_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 256 << 10).unwrap();
        for i in 0..3000 {
            s.append(&payload(i), i).unwrap();
        }
        assert!(s.segments.len() > 1, "rotated into several segments");
        let first = drain(&mut s);
        assert_eq!(first.len(), 3000);
        assert!(
            first.iter().enumerate().all(|(i, r)| r.payload == payload(i as u32) && r.events == i as u32)
        );
        // Ack the first 2000; a reopened spool sends the rest again (and the acked ones of a
        // partly acked segment: the collector drops those duplicates).
        for r in &first[..2000] {
            s.ack(r.end, r.events);
        }
        drop(s);
        let mut s = Spool::open(dir.path(), 256 << 10).unwrap();
        let again = drain(&mut s);
        assert!(again.len() >= 1000 && again.len() < 3000, "{}", again.len());
        assert_eq!(again.last().unwrap().payload, payload(2999));
        for r in &again {
            s.ack(r.end, r.events);
        }
        assert!(s.is_empty());
        assert_eq!(s.bytes(), 0);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "acked segments are deleted");
        // And it keeps working after being emptied.
        s.append(b"later", 1).unwrap();
        assert_eq!(s.read_next().unwrap().payload, b"later");
    }

    #[test]
    fn full_spool_refuses_and_keeps_what_it_has() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 64 << 10).unwrap();
        let big = vec![7u8; 10_000];
        let mut accepted = 0;
        let mut refused = 0;
        for _ in 0..10 {
            match s.append(&big, 5) {
                Ok(()) => accepted += 1,
                Err(SpoolError::Full { events, .. }) => refused += u64::from(events),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(accepted, 6);
        assert_eq!(refused, 20);
        assert!(s.bytes() <= 64 << 10);
        assert_eq!(s.events(), 30);
        assert_eq!(drain(&mut s).len(), 6);
    }

    #[test]
    fn corrupt_and_torn_records_are_counted_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        for i in 0..4 {
            s.append(&payload(i), 1).unwrap();
        }
        drop(s);
        let seg = fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
        // Flip a byte in the second record's payload, and tear the file mid-record at the end.
        let mut bytes = fs::read(&seg).unwrap();
        let second = (HEADER as usize + payload(0).len()) + HEADER as usize + 2;
        bytes[second] ^= 0xff;
        bytes.extend_from_slice(&MAGIC.to_le_bytes()[..3]);
        fs::write(&seg, &bytes).unwrap();

        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        let got = drain(&mut s);
        assert_eq!(got.len(), 1, "only the record before the corruption");
        assert_eq!(got[0].payload, payload(0));
        assert_eq!(s.corrupt(), 1);
        // New records go to a new segment and are read.
        s.append(b"after", 1).unwrap();
        assert_eq!(s.read_next().unwrap().payload, b"after");
    }

    #[test]
    fn rewind_resends_what_was_not_acked() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        for i in 0..5 {
            s.append(&payload(i), 1).unwrap();
        }
        let sent = drain(&mut s);
        s.ack(sent[0].end, 1);
        s.ack(sent[1].end, 1);
        s.rewind();
        let again = drain(&mut s);
        assert_eq!(
            again.iter().map(|r| r.payload.clone()).collect::<Vec<_>>(),
            (2..5).map(payload).collect::<Vec<_>>()
        );
        assert_eq!(s.events(), 3);
    }
}
