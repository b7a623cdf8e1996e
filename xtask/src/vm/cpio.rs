//! A writer for the kernel's initramfs format: cpio "newc" (`070701`), uncompressed (under TCG
//! the guest would spend longer decompressing than the host spends writing).

use std::{
    fs,
    io::{self, BufWriter, Write},
    path::Path,
};

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

pub struct Cpio<W: Write> {
    out: BufWriter<W>,
    ino: u32,
    written: u64,
}

impl<W: Write> Cpio<W> {
    pub fn new(out: W) -> Self {
        Cpio { out: BufWriter::with_capacity(1 << 20, out), ino: 1, written: 0 }
    }

    fn header(&mut self, name: &str, mode: u32, size: u32, rdev: (u32, u32)) -> io::Result<()> {
        let name = name.trim_start_matches('/');
        let fields = [
            self.ino,
            mode,
            0, // uid
            0, // gid
            if mode & S_IFDIR != 0 { 2 } else { 1 },
            0, // mtime
            size,
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0, // check
        ];
        self.ino += 1;
        let mut h = String::from("070701");
        for f in fields {
            h.push_str(&format!("{f:08x}"));
        }
        self.put(h.as_bytes())?;
        self.put(name.as_bytes())?;
        self.put(&[0])?;
        self.pad()
    }

    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.written % 4) as usize) % 4;
        self.put(&[0; 3][..n])
    }

    pub fn dir(&mut self, name: &str) -> io::Result<()> {
        self.header(name, S_IFDIR | 0o755, 0, (0, 0))
    }

    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) -> io::Result<()> {
        let size = u32::try_from(data.len()).map_err(|_| io::Error::other(format!("{name}: over 4 GiB")))?;
        self.header(name, S_IFREG | mode, size, (0, 0))?;
        self.put(data)?;
        self.pad()
    }

    /// A file copied from the host, executable.
    pub fn copy(&mut self, name: &str, from: &Path) -> io::Result<()> {
        let data =
            fs::read(from).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", from.display())))?;
        self.file(name, 0o755, &data)
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> io::Result<()> {
        self.header(name, S_IFLNK | 0o777, target.len() as u32, (0, 0))?;
        self.put(target.as_bytes())?;
        self.pad()
    }

    pub fn char_device(&mut self, name: &str, major: u32, minor: u32) -> io::Result<()> {
        self.header(name, S_IFCHR | 0o600, 0, (major, minor))
    }

    /// The trailer; returns the bytes written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.header("TRAILER!!!", 0, 0, (0, 0))?;
        self.out.flush()?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_aligned_and_end_with_the_trailer() {
        let mut buf = Vec::new();
        let mut c = Cpio::new(&mut buf);
        c.dir("bin").unwrap();
        c.file("/init", 0o755, b"#!/bin/sh\n").unwrap();
        c.symlink("bin/sh", "busybox").unwrap();
        c.char_device("dev/console", 5, 1).unwrap();
        let n = c.finish().unwrap();
        assert_eq!(n as usize, buf.len());
        assert_eq!(buf.len() % 4, 0);
        assert!(buf.starts_with(b"070701"));
        let text = String::from_utf8_lossy(&buf);
        assert!(text.contains("init\0"), "leading slash dropped");
        assert!(text.contains("#!/bin/sh\n"));
        assert!(text.contains("TRAILER!!!\0"));
        // The second header starts on a 4-byte boundary right after the first entry.
        let second = text.match_indices("070701").nth(1).unwrap().0;
        assert_eq!(second % 4, 0);
    }
}
