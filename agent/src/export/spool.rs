//! The spool: a bounded on-disk FIFO of encoded batches, for when the collector cannot take
//! them (outage, or more queued than memory allows).
//!
//! Design constraints:
//! - **Bounded.** The segment files together never exceed `max_bytes`; a batch that does not
//!   fit is refused and the caller counts its events as dropped (newest dropped, the queue
//!   stays intact and in order).
//! - **Checksummed.** Every record is `magic, length, events, crc32(payload), payload`; a record
//!   that fails its check (a torn write at a kill, a bad disk) ends its segment: the segment is
//!   cut before it, once, and the record is counted once, never sent.
//! - **At least once, deduplicated downstream, resent as little as possible.** Records are
//!   read in order, sent, and acked in order; the end of the last acked record is kept in the
//!   `acked` file (20 bytes, rewritten in place), and a segment is deleted once every record in
//!   it is acked. After a restart only what follows that cursor is sent again; the collector
//!   stores each (node, boot, sequence) once, so a cursor a little behind (a kill between a
//!   delivery and its ack) costs duplicates, never loss.
//! - **A full disk is an outage of the spool, not its end.** A write that fails (`ENOSPC`, I/O
//!   error) is undone: the segment is cut back to its last whole record (an empty one is
//!   removed), the batch is counted as dropped, and the next batch tries again, so spooling
//!   resumes as soon as there is room.
//! - **Never appends to an old segment.** New records after a start go to a new segment.
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
/// The file holding the end of the last acked record: segment, offset, crc32 of both.
const ACKED_FILE: &str = "acked";

/// A position in the spool: a segment id and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
}

impl Cursor {
    fn encode(self) -> [u8; 20] {
        let mut b = [0u8; 20];
        b[..8].copy_from_slice(&self.segment.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        let crc = crc32fast::hash(&b[..16]);
        b[16..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Cursor> {
        let b: &[u8; 20] = b.try_into().ok()?;
        let crc = u32::from_le_bytes(b[16..].try_into().ok()?);
        (crc32fast::hash(&b[..16]) == crc).then(|| Cursor {
            segment: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            offset: u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
        })
    }
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
    /// The `acked` file, opened at the first ack.
    acked_file: Option<File>,
    /// Events acked in the oldest segment (it is deleted when all of it is).
    acked_in_front: u64,
    /// Records found corrupt (each cuts its segment short, once).
    corrupt: u64,
}

fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.spool"))
}

impl Spool {
    /// Open (creating the directory if needed) a spool of at most `max_bytes`. Segments wholly
    /// acked before a restart are deleted, torn tails cut off (and counted in
    /// [`Spool::corrupt`]), and reading resumes after the last acked record.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let acked = fs::read(dir.join(ACKED_FILE)).ok().and_then(|b| Cursor::decode(&b));
        let mut ids: Vec<u64> = fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".spool")?.parse().ok())
            .collect();
        ids.sort_unstable();
        let mut segments = VecDeque::new();
        let mut corrupt = 0;
        let mut acked_in_front = 0;
        for id in ids {
            let path = segment_path(dir, id);
            if acked.is_some_and(|a| id < a.segment) {
                fs::remove_file(&path)?;
                continue;
            }
            let file = OpenOptions::new().read(true).write(true).open(&path)?;
            let len = file.metadata()?.len();
            let cursor = acked.filter(|a| a.segment == id).map(|a| a.offset);
            let scan = scan(&file, len, cursor);
            if scan.whole < len {
                file.set_len(scan.whole)?;
                corrupt += 1;
            }
            if scan.whole == 0 || cursor.is_some_and(|c| c >= scan.whole) {
                fs::remove_file(&path)?;
                continue;
            }
            if cursor.is_some() {
                acked_in_front = scan.events_before;
            }
            segments.push_back(Segment { id, bytes: scan.whole, events: scan.events });
        }
        let first = segments.front().map_or(1, |s| s.id);
        let read = match acked {
            Some(a) if a.segment == first => a,
            _ => Cursor { segment: first, offset: 0 },
        };
        // New ids follow both the segments and the cursor: a cursor left by an emptied spool
        // must not mark new segments as acked.
        let next_id = segments.back().map_or(1, |s| s.id + 1).max(acked.map_or(1, |a| a.segment + 1));
        Ok(Spool {
            dir: dir.to_path_buf(),
            max_bytes,
            segment_bytes: (max_bytes / 8).clamp(64 << 10, 16 << 20),
            next_id,
            segments,
            writer: None,
            read,
            acked: acked.filter(|a| a.segment == first),
            acked_file: None,
            acked_in_front,
            corrupt,
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

    /// Records found corrupt since open (at open, or while reading).
    pub fn corrupt(&self) -> u64 {
        self.corrupt
    }

    /// Append one record. Refused (and nothing written) when it would not fit; a failed write
    /// leaves nothing of the record behind.
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
        let file = self.writer.as_mut().expect("an open segment");
        if let Err(source) = file.write_all(&record) {
            let path = segment_path(&self.dir, self.segments.back().expect("a segment").id);
            self.undo_write();
            return Err(SpoolError::Write { path, source });
        }
        let last = self.segments.back_mut().expect("a segment to write");
        last.bytes += size;
        last.events += u64::from(events);
        Ok(())
    }

    /// After a failed write: cut the segment back to its last whole record (removing it if
    /// that leaves it empty) and write the next record to a new segment.
    fn undo_write(&mut self) {
        let Some(file) = self.writer.take() else { return };
        let last = self.segments.back().expect("the segment written to");
        let path = segment_path(&self.dir, last.id);
        if last.bytes == 0 {
            drop(file);
            // Unreadable leftovers are cut at the next open if this fails too.
            let _ = fs::remove_file(&path);
            self.segments.pop_back();
        } else {
            let _ = file.set_len(last.bytes);
        }
    }

    /// The next unread record, if any. A corrupt record is counted, and its segment cut before
    /// it.
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
                    self.cut(id, self.read.offset);
                }
            }
        }
    }

    /// Cut segment `id` at `offset` (a corrupt record starts there): what follows is never
    /// read, counted or sent again.
    fn cut(&mut self, id: u64, offset: u64) {
        if self.segments.back().is_some_and(|l| l.id == id) {
            // Never append after a corrupt record.
            self.writer = None;
        }
        let path = segment_path(&self.dir, id);
        let cut = OpenOptions::new().write(true).open(&path).and_then(|f| {
            f.set_len(offset)?;
            Ok(count_events(&f, offset))
        });
        let seg = self.segments.iter_mut().find(|s| s.id == id).expect("the segment read");
        seg.bytes = offset;
        if let Ok(events) = cut {
            seg.events = events;
        }
    }

    /// The record ending at `end` (and every one before it) was delivered: remember it, and
    /// delete the segments wholly behind it. The error is from remembering it: nothing is lost,
    /// but a restart would send the records since the last remembered ack again.
    pub fn ack(&mut self, end: Cursor, events: u32) -> io::Result<()> {
        self.acked = Some(end);
        let saved = self.save_acked(end);
        while let Some(front) = self.segments.front() {
            if front.id > end.segment || (front.id == end.segment && end.offset < front.bytes) {
                break;
            }
            let _ = fs::remove_file(segment_path(&self.dir, front.id));
            self.segments.pop_front();
            self.acked_in_front = 0;
            if self.segments.is_empty() {
                self.writer = None;
                return saved;
            }
        }
        if self.segments.front().is_some_and(|f| f.id == end.segment) {
            self.acked_in_front += u64::from(events);
        }
        saved
    }

    fn save_acked(&mut self, end: Cursor) -> io::Result<()> {
        if self.acked_file.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(ACKED_FILE))?;
            self.acked_file = Some(f);
        }
        self.acked_file.as_ref().expect("opened above").write_all_at(&end.encode(), 0)
    }

    /// Read again from the oldest unacked record (the connection dropped with records in flight).
    pub fn rewind(&mut self) {
        let front = self.segments.front().map_or(self.next_id, |s| s.id);
        self.read = match self.acked {
            Some(a) if a.segment >= front => a,
            _ => Cursor { segment: front, offset: 0 },
        };
    }

    /// Flush written records and the ack cursor to the disk.
    pub fn sync(&self) -> io::Result<()> {
        if let Some(f) = &self.acked_file {
            f.sync_data()?;
        }
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
    let (magic, len, events, crc) = words(&header);
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

fn words(header: &[u8; HEADER as usize]) -> (u32, u32, u32, u32) {
    let word = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    (word(0), word(1), word(2), word(3))
}

/// What the headers of a segment say (payloads are checked when read).
struct Scan {
    /// Where the whole records end: anything after is a torn or corrupt tail.
    whole: u64,
    events: u64,
    /// Events in the records that end at or before the ack cursor.
    events_before: u64,
}

fn scan(file: &File, len: u64, cursor: Option<u64>) -> Scan {
    let mut s = Scan { whole: 0, events: 0, events_before: 0 };
    let mut header = [0u8; HEADER as usize];
    while s.whole + HEADER <= len && file.read_exact_at(&mut header, s.whole).is_ok() {
        let (magic, size, events, _) = words(&header);
        let end = s.whole + HEADER + u64::from(size);
        if magic != MAGIC || size > MAX_RECORD || end > len {
            break;
        }
        s.whole = end;
        s.events += u64::from(events);
        if cursor.is_some_and(|c| end <= c) {
            s.events_before += u64::from(events);
        }
    }
    s
}

/// Events in the first `len` bytes of a segment.
fn count_events(file: &File, len: u64) -> u64 {
    scan(file, len, None).events
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

    fn segment_files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "spool"))
            .collect();
        v.sort();
        v
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
        // Ack the first 2000; a reopened spool sends exactly the rest, nothing acked again.
        for r in &first[..2000] {
            s.ack(r.end, r.events).unwrap();
        }
        drop(s);
        let mut s = Spool::open(dir.path(), 256 << 10).unwrap();
        assert_eq!(s.events(), (2000..3000).sum::<u64>());
        let again = drain(&mut s);
        assert_eq!(again.len(), 1000);
        assert_eq!(again[0].payload, payload(2000));
        assert_eq!(again.last().unwrap().payload, payload(2999));
        for r in &again {
            s.ack(r.end, r.events).unwrap();
        }
        assert!(s.is_empty());
        assert_eq!(s.bytes(), 0);
        assert_eq!(segment_files(dir.path()).len(), 0, "acked segments are deleted");
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
        assert_eq!(s.corrupt(), 1, "the torn tail, cut at open");
        let got = drain(&mut s);
        assert_eq!(got.len(), 1, "only the record before the corruption");
        assert_eq!(got[0].payload, payload(0));
        assert_eq!(s.corrupt(), 2, "and the bad checksum, cut when read");
        // New records go to a new segment and are read.
        s.append(b"after", 1).unwrap();
        assert_eq!(s.read_next().unwrap().payload, b"after");
        drop(s);
        // Each corruption is counted once: the next start finds none, and sends again only
        // what was never acked.
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(s.corrupt(), 0);
        let got = drain(&mut s);
        assert_eq!(
            got.iter().map(|r| r.payload.clone()).collect::<Vec<_>>(),
            [payload(0), b"after".to_vec()]
        );
        assert_eq!(s.corrupt(), 0);
        for r in &got {
            s.ack(r.end, r.events).unwrap();
        }
        assert!(s.is_empty(), "a cut segment is deleted once what is left of it is acked");
        assert!(segment_files(dir.path()).is_empty());
    }

    #[test]
    fn an_emptied_spool_keeps_numbering_after_its_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        for i in 0..3 {
            s.append(&payload(i), 1).unwrap();
        }
        for r in drain(&mut s) {
            s.ack(r.end, r.events).unwrap();
        }
        assert!(s.is_empty());
        drop(s);
        // A restart after the spool emptied: new records are not taken for acked ones.
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        s.append(b"new", 1).unwrap();
        drop(s);
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(s.events(), 1);
        assert_eq!(s.read_next().unwrap().payload, b"new");
    }

    #[test]
    fn rewind_resends_what_was_not_acked() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::open(dir.path(), 1 << 20).unwrap();
        for i in 0..5 {
            s.append(&payload(i), 1).unwrap();
        }
        let sent = drain(&mut s);
        s.ack(sent[0].end, 1).unwrap();
        s.ack(sent[1].end, 1).unwrap();
        s.rewind();
        let again = drain(&mut s);
        assert_eq!(
            again.iter().map(|r| r.payload.clone()).collect::<Vec<_>>(),
            (2..5).map(payload).collect::<Vec<_>>()
        );
        assert_eq!(s.events(), 3);
    }
}
