//! [`PolicyError`]: one problem in one policy source, with its position and field path (a
//! directory that cannot be read at all is a [`crate::dir::DirError`]).

use std::fmt;

use crate::validate::SUBPATH_MARK;

/// One problem in a policy source. Displays as
/// `policies/web.yaml:12:7: spec.network.egress[0].ports[0].port: port 70000 out of range 1..=65535`
/// (the position and field parts are left out when unknown).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicyError {
    /// The source name (a file path, or what the caller passed to [`crate::parse_source`]).
    pub source: String,
    /// 1-based line in the source.
    pub line: Option<usize>,
    /// 1-based column in the source.
    pub column: Option<usize>,
    /// Path of the offending field, like `spec.network.egress[0].ports[0].port`.
    pub field: Option<String>,
    pub message: String,
}

impl PolicyError {
    /// An error about a whole source (unreadable file, ...), with no position.
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> Self {
        Self { source: source.into(), line: None, column: None, field: None, message: message.into() }
    }

    /// An error from deserializing one document, with the field path tracked around it.
    pub(crate) fn from_tracked(source: &str, err: serde_path_to_error::Error<serde_yaml::Error>) -> Self {
        let path = err.path().to_string();
        let ancestors = ancestors(err.path());
        Self::build(source, err.inner(), Some(path), &ancestors)
    }

    /// An error from serde_yaml with no tracked path (a YAML syntax error).
    pub(crate) fn from_yaml(source: &str, err: &serde_yaml::Error) -> Self {
        Self::build(source, err, None, &[])
    }

    fn build(source: &str, err: &serde_yaml::Error, path: Option<String>, ancestors: &[String]) -> Self {
        let location = err.location();
        let mut message = err.to_string();
        if let Some(loc) = &location {
            // serde_yaml appends " at line L column C" for the position we report separately.
            message = message.replacen(&format!(" at line {} column {}", loc.line(), loc.column()), "", 1);
        }
        // serde_yaml prefixes custom messages with its own copy of the field path.
        if let Some(rest) = ancestors.iter().find_map(|a| message.strip_prefix(&format!("{a}: "))) {
            message = rest.to_owned();
        }
        let mut field = path.filter(|p| p != ".");
        // A semantic error may name a field below the path: `<mark>sub<mark>message`.
        if let Some((sub, rest)) =
            message.split_once(SUBPATH_MARK).and_then(|(_, m)| m.split_once(SUBPATH_MARK))
        {
            field = Some(match field {
                Some(f) => format!("{f}.{sub}"),
                None => sub.to_owned(),
            });
            message = rest.to_owned();
        }
        Self {
            source: source.to_owned(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            field,
            message,
        }
    }
}

/// The path and each of its ancestors, longest first, as serde_yaml would print them.
fn ancestors(path: &serde_path_to_error::Path) -> Vec<String> {
    let mut prefixes = Vec::new();
    let mut prefix = String::new();
    for segment in path.iter() {
        let is_index = matches!(segment, serde_path_to_error::Segment::Seq { .. });
        if !prefix.is_empty() && !is_index {
            prefix.push('.');
        }
        prefix.push_str(&segment.to_string());
        prefixes.push(prefix.clone());
    }
    prefixes.reverse();
    prefixes
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}
