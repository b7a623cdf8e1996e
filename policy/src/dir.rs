//! A directory of YAML/JSON sources: the agent's policy and Pod-manifest directories and what
//! `rampart policy lint` reads are listed the same way ([`list`]), read with the same limits
//! ([`crate::source`]), and, for the agent, re-read only when a file changed ([`WatchedDir`]).
//!
//! Design constraints, first:
//! - A ConfigMap volume is a directory of symbolic links into a `..data` directory the kubelet
//!   swaps atomically: links are followed and names starting with `.` are skipped.
//! - A scan says what changed; it keeps no parsed content. The caller keeps each file's last
//!   good content, so a file that now fails to read or parse leaves its previous version in
//!   force.
//! - A file that fails is reported once per version, not on every scan.
//! - A version is told apart without reading the file: its inode (a new file renamed over
//!   the old one, as editors and the kubelet's `..data` swap do, is a new inode), its
//!   modification time and its size. A file rewritten in place, to the same size, within one
//!   tick of the file system's clock (milliseconds) keeps all three, so a file modified less
//!   than [`RACY`] before a scan is also compared by content (the "racily clean" files of
//!   git's index). Missing such an edit would leave the old policy in force until the next.
//! - More than [`MAX_FILES`] files is an error for the whole directory, and a scan that fails
//!   changes nothing: what is in force stays.

use std::{
    collections::HashMap,
    fs,
    hash::{DefaultHasher, Hash, Hasher},
    io,
    os::unix::fs::MetadataExt as _,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use crate::source::{MAX_FILES, SourceError, read_source};

/// A directory that cannot be listed, or holds too many sources.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("cannot read directory {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("directory {}: {count} source files; at most {max} are read", path.display(), max = MAX_FILES)]
    TooManyFiles { path: PathBuf, count: usize },
}

/// The source files of `dir`: every `*.yaml`, `*.yml` and `*.json` entry (not recursive; names
/// starting with `.` are skipped), sorted by path, at most [`MAX_FILES`]. Anything so named is
/// listed, so that reading it says what is wrong with it: a directory, a FIFO, a broken link.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, DirError> {
    let read_error = |source| DirError::Read { path: dir.to_owned(), source };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is_source =
            !name.starts_with('.') && [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext));
        if is_source {
            files.push(path);
        }
    }
    if files.len() > MAX_FILES {
        return Err(DirError::TooManyFiles { path: dir.to_owned(), count: files.len() });
    }
    files.sort();
    Ok(files)
}

/// A file modified less than this long before a scan is compared by content as well.
pub const RACY: Duration = Duration::from_secs(2);

/// A file's version as far as a scan can tell without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    modified: SystemTime,
    len: u64,
}

impl Stamp {
    /// What cannot be stat'ed (a broken link): one version until it can be.
    const FAILED: Stamp = Stamp { dev: 0, ino: 0, modified: SystemTime::UNIX_EPOCH, len: u64::MAX };

    fn of(m: &fs::Metadata) -> Stamp {
        let modified = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        Stamp { dev: m.dev(), ino: m.ino(), modified, len: m.len() }
    }

    /// Modified so recently (or in the future) that a same-size rewrite could share it.
    fn racy(&self, now: SystemTime) -> bool {
        *self != Stamp::FAILED && now.duration_since(self.modified).map_or(true, |age| age < RACY)
    }
}

/// What the last scan knew of a file: its version, and a digest of the content it read (none
/// if the read failed).
#[derive(Clone, Copy, Debug)]
struct Seen {
    stamp: Stamp,
    digest: Option<u64>,
}

fn digest(text: &Result<String, SourceError>) -> Option<u64> {
    let text = text.as_ref().ok()?;
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    Some(h.finish())
}

/// A directory re-scanned on demand.
#[derive(Debug)]
pub struct WatchedDir {
    path: PathBuf,
    /// Every file seen by the last scan, good or bad.
    seen: HashMap<PathBuf, Seen>,
}

/// What changed since the previous scan.
#[derive(Debug, Default)]
pub struct Scan {
    /// New or changed files, in path order, with their text or why it could not be read.
    pub changed: Vec<(PathBuf, Result<String, SourceError>)>,
    /// Files that are gone.
    pub removed: Vec<PathBuf>,
}

impl WatchedDir {
    pub fn new(path: PathBuf) -> Self {
        WatchedDir { path, seen: HashMap::new() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// List the directory and read every file whose version changed.
    pub fn scan(&mut self) -> Result<Scan, DirError> {
        let files = list(&self.path)?;
        let now = SystemTime::now();
        let mut scan = Scan::default();
        let mut seen = HashMap::with_capacity(files.len());
        for path in files {
            let (stamp, failed) = match fs::metadata(&path) {
                Ok(m) => (Stamp::of(&m), None),
                // A broken link: reported once, until it changes into something readable.
                Err(e) => (Stamp::FAILED, Some(Err(SourceError::Io(e)))),
            };
            let before = self.seen.get(&path).copied();
            let text = match before {
                Some(b) if b.stamp == stamp && !stamp.racy(now) => None,
                // Racily the same version: changed only if the content is.
                Some(b) if b.stamp == stamp => {
                    let text = read_source(&path);
                    (digest(&text) != b.digest).then_some(text)
                }
                _ => Some(failed.unwrap_or_else(|| read_source(&path))),
            };
            let digest = match &text {
                Some(t) => digest(t),
                None => before.and_then(|b| b.digest),
            };
            seen.insert(path.clone(), Seen { stamp, digest });
            if let Some(text) = text {
                scan.changed.push((path, text));
            }
        }
        scan.removed = self.seen.keys().filter(|p| !seen.contains_key(*p)).cloned().collect();
        scan.removed.sort();
        self.seen = seen;
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rampart-dir-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(paths: &[PathBuf]) -> Vec<String> {
        paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn lists_sources_sorted_skipping_hidden_names_and_other_extensions() {
        let dir = scratch("list");
        for name in ["b.yml", "a.yaml", "c.json", ".hidden.yaml", "notes.txt"] {
            fs::write(dir.join(name), "{}").unwrap();
        }
        fs::create_dir(dir.join("d.yaml")).unwrap();
        fs::create_dir(dir.join("..data")).unwrap();
        std::os::unix::fs::symlink("missing.yaml", dir.join("e.yaml")).unwrap();
        assert_eq!(names(&list(&dir).unwrap()), ["a.yaml", "b.yml", "c.json", "d.yaml", "e.yaml"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_scan_reads_only_what_changed_and_reports_a_bad_file_once() {
        let dir = scratch("scan");
        fs::write(dir.join("a.yaml"), "a: 1").unwrap();
        fs::write(dir.join("b.yaml"), "b: 1").unwrap();
        std::os::unix::fs::symlink("missing.yaml", dir.join("c.yaml")).unwrap();
        let mut watched = WatchedDir::new(dir.clone());

        let first = watched.scan().unwrap();
        let changed: Vec<_> = first.changed.iter().map(|(p, t)| (p.clone(), t.is_ok())).collect();
        assert_eq!(
            changed,
            [(dir.join("a.yaml"), true), (dir.join("b.yaml"), true), (dir.join("c.yaml"), false)]
        );

        let second = watched.scan().unwrap();
        assert!(second.changed.is_empty() && second.removed.is_empty(), "{second:?}");

        fs::write(dir.join("b.yaml"), "b: 22").unwrap();
        fs::remove_file(dir.join("a.yaml")).unwrap();
        let third = watched.scan().unwrap();
        assert_eq!(third.changed.len(), 1);
        assert_eq!(third.changed[0].1.as_deref().unwrap(), "b: 22");
        assert_eq!(third.removed, [dir.join("a.yaml")]);
        fs::remove_dir_all(dir).unwrap();
    }

    /// Edits the metadata cannot tell apart: the same size and, as within one tick of a file
    /// system's clock, the same modification time.
    #[test]
    fn a_same_size_edit_in_the_same_clock_tick_is_seen() {
        let dir = scratch("racy");
        let path = dir.join("p.yaml");
        fs::write(&path, "port: 1001").unwrap();
        let mut watched = WatchedDir::new(dir.clone());
        assert_eq!(watched.scan().unwrap().changed.len(), 1);
        let tick = fs::metadata(&path).unwrap().modified().unwrap();
        let same_tick =
            |p: &Path| fs::File::options().write(true).open(p).unwrap().set_modified(tick).unwrap();

        // In place: the same inode, size and time; only the content tells.
        fs::write(&path, "port: 2002").unwrap();
        same_tick(&path);
        let in_place = watched.scan().unwrap();
        assert_eq!(in_place.changed.len(), 1, "{in_place:?}");
        assert_eq!(in_place.changed[0].1.as_deref().unwrap(), "port: 2002");
        assert!(watched.scan().unwrap().changed.is_empty(), "the same content is no change");

        // A new file renamed over it: a new inode.
        let tmp = dir.join(".p.tmp");
        fs::write(&tmp, "port: 3003").unwrap();
        same_tick(&tmp);
        fs::rename(&tmp, &path).unwrap();
        let renamed = watched.scan().unwrap();
        assert_eq!(renamed.changed.len(), 1, "{renamed:?}");
        assert_eq!(renamed.changed[0].1.as_deref().unwrap(), "port: 3003");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_directory_that_cannot_be_listed_names_itself() {
        let mut watched = WatchedDir::new(PathBuf::from("/nonexistent/rampart-dir"));
        let err = watched.scan().unwrap_err();
        assert!(err.to_string().starts_with("cannot read directory /nonexistent/rampart-dir: "), "{err}");
    }
}
