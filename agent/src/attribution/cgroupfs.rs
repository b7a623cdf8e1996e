//! The cgroup v2 hierarchy on this node: where it is mounted and what is in it.
//!
//! A cgroup's v2 id, as `bpf_get_current_cgroup_id()` and the `cgroup_mkdir` tracepoint give
//! it, is the inode number of its directory.

use std::{
    fs, io,
    os::unix::fs::{DirEntryExt as _, MetadataExt as _},
    path::{Path, PathBuf},
};

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error(
        "no cgroup v2 hierarchy is mounted (looked for fstype cgroup2 in /proc/self/mountinfo); Rampart needs cgroup v2"
    )]
    NoCgroup2,
    #[error("reading /proc/self/mountinfo: {0}")]
    Mountinfo(io::Error),
    #[error("{path} is not a cgroup v2 directory: it has no cgroup.controllers file")]
    NotCgroup2 { path: PathBuf },
}

/// The mount point of the cgroup v2 hierarchy (`/sys/fs/cgroup` on unified hosts,
/// `/sys/fs/cgroup/unified` on hybrid ones).
pub fn cgroup2_mount() -> Result<PathBuf, CgroupError> {
    let text = fs::read_to_string("/proc/self/mountinfo").map_err(CgroupError::Mountinfo)?;
    find_cgroup2(&text).ok_or(CgroupError::NoCgroup2)
}

/// Check that `path` is a cgroup v2 directory (it has `cgroup.controllers`).
pub fn check_cgroup2_dir(path: &Path) -> Result<(), CgroupError> {
    if path.join("cgroup.controllers").is_file() {
        Ok(())
    } else {
        Err(CgroupError::NotCgroup2 { path: path.into() })
    }
}

fn find_cgroup2(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        // id parent major:minor root mount-point options [optional...] - fstype source super
        let (left, right) = line.split_once(" - ")?;
        let fstype = right.split_whitespace().next()?;
        (fstype == "cgroup2").then(|| left.split_whitespace().nth(4).map(unescape))?
    })
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(s: &str) -> PathBuf {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let oct: String = chars.by_ref().take(3).collect();
            match u8::from_str_radix(&oct, 8) {
                Ok(b) => out.push(b as char),
                Err(_) => {
                    out.push('\\');
                    out.push_str(&oct);
                }
            }
        } else {
            out.push(c);
        }
    }
    PathBuf::from(out)
}

/// The cgroup id (inode number) of a cgroup directory.
pub fn cgroup_id(path: &Path) -> io::Result<u64> {
    Ok(fs::metadata(path)?.ino())
}

/// Every cgroup under `root` as `(id, path relative to root with a leading /)`. Directories
/// that vanish during the walk are skipped.
///
/// A node with 10,000 pods has tens of thousands of cgroups, each directory holding dozens of
/// control files the walk reads past, and the walk is then most of an agent's start. So:
///
/// - a cgroup's id is read from its directory entry (`d_ino`, which kernfs sets to the node's
///   inode number, as `stat` would say) rather than by a `stat` of each directory;
/// - a directory is read only if it has subdirectories. kernfs gives a directory a link count
///   of 2 plus its subdirectories, so a `stat` relative to the open parent (`fstatat`, much
///   cheaper than listing dozens of control files) tells a leaf apart: half the cgroups of a
///   kubelet node (the containers) are never listed. Only a count of exactly 2 is trusted;
///   file systems that do not count subdirectories (tests' temporary directories may be on
///   one) say 1, and are listed. Measured at 10,000 pods: the start's
///   pods-and-cgroups step ~300 → ~190 ms.
///
/// A cgroup created after its parent was read is not missed for good: the `cgroup_mkdir`
/// tracepoint, attached before the walk, reports it. (Walking subtrees on a thread per CPU
/// saved ~80 ms when every directory was listed, and cost ~2 MiB of RSS in the threads' malloc
/// arenas; it was measured and left out.)
pub fn scan(root: &Path) -> io::Result<Vec<(u64, String)>> {
    let mut out = vec![(cgroup_id(root)?, "/".to_string())];
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            if !ft.is_dir() {
                continue;
            }
            let rel = format!("{rel}/{}", entry.file_name().to_string_lossy());
            out.push((entry.ino(), rel.clone()));
            // `DirEntry::metadata` is an `fstatat` relative to the directory being read.
            let leaf = entry.metadata().is_ok_and(|m| m.nlink() == 2);
            if !leaf {
                stack.push((entry.path(), rel));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_every_directory_with_the_inode_stat_gives() {
        let dir = tempfile::tempdir().unwrap();
        let mut expected = vec![(cgroup_id(dir.path()).unwrap(), "/".to_string())];
        for a in 0..40 {
            for b in 0..3 {
                let rel = format!("/pod{a}/c{b}");
                fs::create_dir_all(dir.path().join(&rel[1..])).unwrap();
                fs::write(dir.path().join(&rel[1..]).join("cgroup.procs"), "").unwrap();
                expected.push((cgroup_id(&dir.path().join(&rel[1..])).unwrap(), rel));
            }
            let rel = format!("/pod{a}");
            expected.push((cgroup_id(&dir.path().join(&rel[1..])).unwrap(), rel));
        }
        let mut found = scan(dir.path()).unwrap();
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    /// On kernfs itself, whose link counts the walk trusts: a cgroup under a cgroup with one
    /// child (link count 3) and leaves beside non-leaves are all found.
    #[test]
    fn scan_of_a_real_cgroup2_tree_finds_every_cgroup() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(std::env::var_os("CI").is_none(), "this test needs root (cgroup directories) in CI");
            return;
        }
        let top = cgroup2_mount().unwrap().join(format!("rampart-scan-test-{}", std::process::id()));
        let rels = ["/a", "/a/b", "/a/b/c", "/a/d", "/e"];
        fs::create_dir(&top).unwrap();
        for rel in rels {
            fs::create_dir(top.join(&rel[1..])).unwrap();
        }
        assert_eq!(fs::metadata(top.join("a/b")).unwrap().nlink(), 3, "kernfs counts subdirectories");
        let scanned = scan(&top);
        for rel in rels.iter().rev() {
            let _ = fs::remove_dir(top.join(&rel[1..]));
        }
        let _ = fs::remove_dir(&top);
        let mut found: Vec<String> = scanned.unwrap().into_iter().map(|(_, rel)| rel).collect();
        found.sort();
        assert_eq!(found, ["/", "/a", "/a/b", "/a/b/c", "/a/d", "/e"]);
    }

    #[test]
    fn finds_cgroup2_in_hybrid_and_unified_mountinfo() {
        let hybrid = "25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n\
                      26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:4 - cgroup2 cgroup2 rw\n\
                      27 25 0:24 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
        assert_eq!(find_cgroup2(hybrid), Some(PathBuf::from("/sys/fs/cgroup/unified")));
        let unified =
            "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(find_cgroup2(unified), Some(PathBuf::from("/sys/fs/cgroup")));
        assert_eq!(find_cgroup2("1 0 0:1 / / rw - ext4 /dev/vda rw\n"), None);
        assert_eq!(unescape("/a\\040b"), PathBuf::from("/a b"));
    }
}
