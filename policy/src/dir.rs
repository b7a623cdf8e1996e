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
//! - A file that fails is reported once per version (modification time and size), not on
//!   every scan.
//! - More than [`MAX_FILES`] files is an error for the whole directory, and a scan that fails
//!   changes nothing: what is in force stays.

use std::{
    collections::HashMap,
    fs, io,
    path::{Path, PathBuf},
    time::SystemTime,
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

/// A file's version as far as a scan can tell without reading it.
type Stamp = (SystemTime, u64);

/// A directory re-scanned on demand.
#[derive(Debug)]
pub struct WatchedDir {
    path: PathBuf,
    /// Every file seen by the last scan, good or bad, with the version then.
    stamps: HashMap<PathBuf, Stamp>,
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
        WatchedDir { path, stamps: HashMap::new() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// List the directory and read every file whose version changed.
    pub fn scan(&mut self) -> Result<Scan, DirError> {
        let files = list(&self.path)?;
        let mut scan = Scan::default();
        let mut seen = HashMap::with_capacity(files.len());
        for path in files {
            let (stamp, text) = match fs::metadata(&path) {
                Ok(m) => ((m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()), None),
                // A broken link: reported once, until it changes into something readable.
                Err(e) => ((SystemTime::UNIX_EPOCH, u64::MAX), Some(Err(SourceError::Io(e)))),
            };
            if self.stamps.get(&path) != Some(&stamp) {
                let text = text.unwrap_or_else(|| read_source(&path));
                scan.changed.push((path.clone(), text));
            }
            seen.insert(path, stamp);
        }
        scan.removed = self.stamps.keys().filter(|p| !seen.contains_key(*p)).cloned().collect();
        scan.removed.sort();
        self.stamps = seen;
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

    #[test]
    fn a_directory_that_cannot_be_listed_names_itself() {
        let mut watched = WatchedDir::new(PathBuf::from("/nonexistent/rampart-dir"));
        let err = watched.scan().unwrap_err();
        assert!(err.to_string().starts_with("cannot read directory /nonexistent/rampart-dir: "), "{err}");
    }
}
