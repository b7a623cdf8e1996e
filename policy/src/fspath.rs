//! Absolute paths inside a container (`allowWrite` entries) and component-wise prefix
//! matching: `/tmp` covers `/tmp` and `/tmp/x`, never `/tmpfoo`.

use std::fmt;

use crate::validate::{FromScalar, deserialize_via};

/// The longest `allowWrite` path, in bytes: the kernel matches prefixes in an LPM trie whose
/// keys hold 252 path bytes, one of them the `/` that makes matches whole components.
pub const MAX_ALLOW_WRITE_LEN: usize = 251;

/// A normalized absolute path: starts with `/`, no empty, `.` or `..` components, no
/// trailing `/` (except the root itself), at most [`MAX_ALLOW_WRITE_LEN`] bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsPath(String);

impl AbsPath {
    /// Checks and normalizes `text` (repeated and trailing slashes are dropped).
    pub fn new(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') {
            return Err(format!("{text:?} is not an absolute path (it must start with '/')"));
        }
        if text.contains('\0') {
            return Err(format!("{text:?} contains a NUL byte"));
        }
        let mut normalized = String::with_capacity(text.len());
        for part in text.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                return Err(format!("{text:?} must not contain '.' or '..' components"));
            }
            normalized.push('/');
            normalized.push_str(part);
        }
        if normalized.is_empty() {
            normalized.push('/');
        }
        if normalized.len() > MAX_ALLOW_WRITE_LEN {
            return Err(format!(
                "{text:?} is {} bytes long; the kernel judges prefixes of at most {MAX_ALLOW_WRITE_LEN}",
                normalized.len()
            ));
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this path is `path` itself or one of its ancestors, component by component.
    /// `path` is resolved lexically first (empty and `.` components dropped, `..` removes the
    /// previous component and never goes above `/`); a relative path is taken from `/`.
    pub fn covers(&self, path: &str) -> bool {
        self.covers_components(&resolve(path))
    }

    pub(crate) fn covers_components(&self, path: &[&str]) -> bool {
        let mut mine = self.0.split('/').filter(|p| !p.is_empty());
        let mut theirs = path.iter();
        loop {
            match (mine.next(), theirs.next()) {
                (None, _) => return true,
                (Some(_), None) => return false,
                (Some(a), Some(b)) if a != *b => return false,
                _ => {}
            }
        }
    }
}

/// The components of `path` after lexical resolution of `.`, `..` and repeated slashes.
pub(crate) fn resolve(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts
}

impl fmt::Display for AbsPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromScalar for AbsPath {
    const EXPECTING: &'static str = "an absolute path such as /tmp";
    fn from_scalar(text: &str) -> Result<Self, String> {
        Self::new(text)
    }
}
deserialize_via!(scalar, AbsPath);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(AbsPath::new("/tmp/").unwrap().as_str(), "/tmp");
        assert_eq!(AbsPath::new("//var//cache/").unwrap().as_str(), "/var/cache");
        assert_eq!(AbsPath::new("/").unwrap().as_str(), "/");
        assert!(AbsPath::new("tmp").is_err());
        assert!(AbsPath::new("").is_err());
        assert!(AbsPath::new("/tmp/../etc").is_err());
        assert!(AbsPath::new("/./tmp").is_err());
        let longest = format!("/{}", "a".repeat(MAX_ALLOW_WRITE_LEN - 1));
        assert!(AbsPath::new(&longest).is_ok());
        let err = AbsPath::new(&format!("{longest}b")).unwrap_err();
        assert!(err.contains("252 bytes long"), "{err}");
    }

    #[test]
    fn covers_component_prefixes() {
        let tmp = AbsPath::new("/tmp").unwrap();
        for (path, covered) in [
            ("/tmp", true),
            ("/tmp/", true),
            ("/tmp/x", true),
            ("/tmp/x/y", true),
            ("//tmp//x", true),
            ("/tmpfoo", false),
            ("/tm", false),
            ("/", false),
            ("/var/tmp", false),
            ("/tmp/../etc/passwd", false),
            ("/etc/../tmp/x", true),
            ("/../../tmp/x", true),
            ("tmp/x", true),
        ] {
            assert_eq!(tmp.covers(path), covered, "{path}");
        }
        let root = AbsPath::new("/").unwrap();
        assert!(root.covers("/anything") && root.covers("/"));
    }
}
