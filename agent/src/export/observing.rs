//! What one agent boot leaves for the next: when it observed the node, so that the next boot
//! can report the window in which nothing was observed (a [`Gap`]).
//!
//! Design constraints:
//! - **Kept with the spool.** The record (`observing`, JSON) lives in `--spool-dir`, the one
//!   directory that outlives the agent process (a hostPath in the DaemonSet). Without a spool
//!   no gap is reported; the docs say so.
//! - **The window reported covers the real one.** A boot records when it began to observe
//!   (its programs attached) and refreshes its last sign of life every [`HEARTBEAT`]; a stop
//!   records when it stopped. The next boot reports from the stop, or from the last sign of
//!   life (at most one heartbeat early), to its own start.
//! - **Written whole.** Each write goes to a temporary file renamed over the record: a kill
//!   mid-write leaves the previous record.
//! - **Never in the way.** A record that cannot be read or written is warned about once; the
//!   agent runs on.

use std::{
    fs, io,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use rampart_proto::{
    domain::{BootEnd, Gap},
    wkt::Timestamp,
};
use serde::{Deserialize, Serialize};
use tracing::warn;

/// How often the last sign of life is refreshed (the precision of a crash's window start).
pub const HEARTBEAT: Duration = Duration::from_secs(1);
const FILE: &str = "observing";

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    boot_id: String,
    /// Unix ns: programs attached.
    since_ns: i64,
    /// Unix ns: the last sign of life.
    alive_ns: i64,
    /// Unix ns: the clean stop, if there was one.
    stopped_ns: Option<i64>,
}

pub struct Observing {
    path: PathBuf,
    record: Record,
    written: Option<Instant>,
    warned: bool,
}

fn unix_ns(t: SystemTime) -> i64 {
    Timestamp::from(t).unix_nanos()
}

impl Observing {
    /// Read what the previous boot left in `dir`, and record this boot as observing since
    /// `since`. Returns the window nobody observed, if a previous boot left a record.
    pub fn start(dir: &Path, boot_id: &str, since: SystemTime) -> (Observing, Option<Gap>) {
        let path = dir.join(FILE);
        let mut warned = false;
        // The spool creates it too; whichever comes first.
        let _ = fs::create_dir_all(dir);
        let previous = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Record>(&bytes) {
                Ok(r) => Some(r),
                Err(e) => {
                    warn!(path = %path.display(), error = %e, "the previous boot's record is unreadable: its gap is not reported");
                    warned = true;
                    None
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                warn!(path = %path.display(), error = %e, "reading the previous boot's record");
                warned = true;
                None
            }
        };
        let now = unix_ns(since);
        let gap = previous.map(|p| {
            let (from, end) = match p.stopped_ns {
                Some(s) => (s, BootEnd::Stopped),
                None => (p.alive_ns, BootEnd::Ended),
            };
            Gap {
                from: Timestamp::from_unix_nanos(from.min(now)),
                until: Timestamp::from_unix_nanos(now),
                previous_boot_id: p.boot_id,
                end,
            }
        });
        let record = Record { boot_id: boot_id.to_owned(), since_ns: now, alive_ns: now, stopped_ns: None };
        let mut o = Observing { path, record, written: None, warned };
        o.write();
        (o, gap)
    }

    /// A sign of life: written when the last is [`HEARTBEAT`] old.
    pub fn alive(&mut self) {
        if self.written.is_some_and(|w| w.elapsed() < HEARTBEAT) {
            return;
        }
        self.record.alive_ns = unix_ns(SystemTime::now());
        self.write();
    }

    /// This boot stops observing now.
    pub fn stopped(&mut self) {
        let now = unix_ns(SystemTime::now());
        self.record.alive_ns = now;
        self.record.stopped_ns = Some(now);
        self.write();
    }

    fn write(&mut self) {
        let tmp = self.path.with_extension("tmp");
        let json = serde_json::to_vec(&self.record).expect("a record serializes");
        match fs::write(&tmp, json).and_then(|()| fs::rename(&tmp, &self.path)) {
            Ok(()) => {
                self.written = Some(Instant::now());
                self.warned = false;
            }
            Err(e) => {
                // Try again at the next heartbeat, not at every tick.
                self.written = Some(Instant::now());
                if !self.warned {
                    warn!(path = %self.path.display(), error = %e, "recording that this node is observed failed: a restart could not report its gap exactly");
                    self.warned = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_stop_and_a_crash_give_their_windows() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = SystemTime::now();
        let (mut first, gap) = Observing::start(dir.path(), "boot-1", t0);
        assert_eq!(gap, None, "a first start has no gap");
        first.stopped();
        let stopped = first.record.stopped_ns.unwrap();
        let t1 = SystemTime::now() + Duration::from_secs(3);
        let (second, gap) = Observing::start(dir.path(), "boot-2", t1);
        let gap = gap.unwrap();
        assert_eq!(gap.end, BootEnd::Stopped);
        assert_eq!(gap.previous_boot_id, "boot-1");
        assert_eq!(gap.from.unix_nanos(), stopped);
        assert_eq!(gap.until.unix_nanos(), unix_ns(t1));
        // boot-2 never stops: the next start reports from its last sign of life.
        let alive = second.record.alive_ns;
        drop(second);
        let t2 = t1 + Duration::from_secs(5);
        let (_, gap) = Observing::start(dir.path(), "boot-3", t2);
        let gap = gap.unwrap();
        assert_eq!(gap.end, BootEnd::Ended);
        assert_eq!(gap.previous_boot_id, "boot-2");
        assert_eq!(gap.from.unix_nanos(), alive);
        assert_eq!(gap.until.unix_nanos(), unix_ns(t2));
    }

    #[test]
    fn an_unreadable_record_is_no_gap_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), b"{half").unwrap();
        let (_, gap) = Observing::start(dir.path(), "boot-1", SystemTime::now());
        assert_eq!(gap, None);
        let (_, gap) = Observing::start(dir.path(), "boot-2", SystemTime::now());
        assert_eq!(gap.unwrap().previous_boot_id, "boot-1");
    }
}
