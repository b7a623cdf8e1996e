//! Reading a policy file (or a Pod manifest) without trusting it: only regular files (or links
//! to them; a FIFO, a device or a socket is refused without blocking on it), at most
//! [`MAX_FILE_BYTES`] read whatever the file claims, and YAML flow collections nested at most
//! [`MAX_NESTING`] deep (libyaml's cost grows with the square of the nesting: 16,000 levels
//! take seconds). The agent, `rampart policy lint` and the manifests reader share these checks.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read},
    os::unix::fs::{FileTypeExt, OpenOptionsExt},
    path::Path,
};

/// The largest file read (1 MiB: a policy object in the API server is at most ~1.5 MiB).
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// The deepest nesting of `[...]` and `{...}` accepted.
pub const MAX_NESTING: usize = 64;
/// The most files read from one directory.
pub const MAX_FILES: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("not a regular file but a {kind}: only regular files (or links to them) are read")]
    NotRegular { kind: &'static str },
    #[error("{size} bytes; at most {max} are read", max = MAX_FILE_BYTES)]
    TooLarge { size: u64 },
    #[error("cannot read file: {0}")]
    Io(#[from] io::Error),
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("line {line}: nested more than {max} levels deep", max = MAX_NESTING)]
    TooDeep { line: usize },
}

fn kind(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// Read `path` as text within the limits above.
pub fn read_source(path: &Path) -> Result<String, SourceError> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the open
    // file itself, so a swap between a check and the open cannot slip through.
    let file: File = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(SourceError::NotRegular { kind: kind(meta.file_type()) });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(SourceError::TooLarge { size: meta.len() });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while it is read is still read only this far.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SourceError::TooLarge { size: bytes.len() as u64 });
    }
    let text = String::from_utf8(bytes).map_err(|_| SourceError::NotUtf8)?;
    check_nesting(&text)?;
    Ok(text)
}

/// Refuse YAML whose flow collections (`[...]`, `{...}`) nest deeper than [`MAX_NESTING`].
/// Quoted scalars and comments are skipped; brackets inside plain scalars may be counted, which
/// only errs on the safe side for text no policy needs.
pub fn check_nesting(text: &str) -> Result<(), SourceError> {
    let (mut depth, mut line) = (0usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut prev = '\n';
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' if prev.is_whitespace() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            '\'' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\n' => line += 1,
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                        }
                        '\'' => break,
                        _ => {}
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\n' => line += 1,
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SourceError::TooDeep { line });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded_and_quotes_and_comments_do_not_count() {
        assert!(check_nesting("a: [[[1]]]\nb: {c: [d]}\n").is_ok());
        let deep = format!("a: {}{}\n", "[".repeat(65), "]".repeat(65));
        assert!(matches!(check_nesting(&deep), Err(SourceError::TooDeep { line: 1 })));
        let quoted = format!("a: '{}'\nb: \"{}\" # {}\n", "[".repeat(100), "{".repeat(100), "[".repeat(100));
        assert!(check_nesting(&quoted).is_ok());
    }

    #[test]
    fn only_regular_files_within_the_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.yaml");
        std::fs::write(&ok, "a: 1\n").unwrap();
        assert_eq!(read_source(&ok).unwrap(), "a: 1\n");
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(matches!(read_source(&big), Err(SourceError::TooLarge { .. })));
        let zero = dir.path().join("zero.yaml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(
            read_source(&zero).unwrap_err().to_string(),
            "not a regular file but a character device: only regular files (or links to them) are read"
        );
        assert!(matches!(read_source(dir.path()), Err(SourceError::NotRegular { kind: "directory" })));
    }
}
