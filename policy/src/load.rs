//! Reading policies: [`parse_source`] for one YAML/JSON text (any number of documents) and
//! [`load_dir`] for a directory of policy files.
//!
//! Positions: serde_yaml parses the whole stream with one libyaml parser, so the marks of
//! every document — and therefore every error's line and column — are relative to the start
//! of the source, not of the document (tested for the 2nd and 3rd documents).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, IgnoredAny, Visitor};

use crate::document::{Document, Origin, RampartPolicy};
pub use crate::error::{LoadError, PolicyError};

/// The outcome for one file of a directory.
pub type FileOutcome = Result<Vec<RampartPolicy>, Vec<PolicyError>>;

/// Parses every document of one YAML source (JSON is YAML here too); `source` is the name
/// used in errors. All-or-nothing per source: `Ok` with every policy, or `Err` with every
/// error found (the first error of each document; a YAML syntax error ends the source, since
/// nothing after it can be read reliably). Empty documents (`---` alone, comments only) are
/// skipped.
pub fn parse_source(source: &str, text: &str) -> FileOutcome {
    if let Err(e) = crate::source::check_nesting(text) {
        return Err(vec![PolicyError::new(source, e.to_string())]);
    }
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    let probes = serde_yaml::Deserializer::from_str(text);
    let documents = serde_yaml::Deserializer::from_str(text);
    for (probe, document) in probes.zip(documents) {
        let (line, column) = match Probe::run(probe) {
            Probe::Empty => continue,
            Probe::Broken(err) => {
                errors.push(PolicyError::from_yaml(source, &err));
                break;
            }
            Probe::Mapping { line, column } => (Some(line), Some(column)),
            Probe::Other => (None, None),
        };
        match serde_path_to_error::deserialize::<_, Document>(document) {
            Ok(doc) => {
                policies.push(doc.into_policy(Origin { source: source.to_owned(), line, column }));
            }
            Err(err) => errors.push(PolicyError::from_tracked(source, err)),
        }
    }
    if errors.is_empty() { Ok(policies) } else { Err(errors) }
}

/// Validates one policy object that arrived already decoded (from the Kubernetes API: the
/// watched custom resource), with the same checks as a file. `source` names the object in
/// errors (there is no line: the field path says where).
pub fn parse_object(source: &str, object: serde_yaml::Value) -> Result<RampartPolicy, PolicyError> {
    match serde_path_to_error::deserialize::<_, Document>(object) {
        Ok(doc) => Ok(doc.into_policy(Origin { source: source.to_owned(), line: None, column: None })),
        Err(err) => Err(PolicyError::from_tracked(source, err)),
    }
}

/// Reads and parses one policy file (see [`parse_source`]); the source name is the path as
/// given. An unreadable file is one error without a position.
pub fn load_file(path: &Path) -> FileOutcome {
    let source = path.display().to_string();
    match crate::source::read_source(path) {
        Ok(text) => parse_source(&source, &text),
        Err(err) => Err(vec![PolicyError::new(source, err.to_string())]),
    }
}

/// The policy files of `dir`: every `*.yaml`, `*.yml` and `*.json` file (not recursive; names
/// starting with `.` are skipped, symbolic links are followed, sorted by path), at most
/// [`crate::source::MAX_FILES`].
pub fn policy_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let read_error = |source| LoadError::ReadDir { path: dir.to_owned(), source };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is_policy_name =
            !name.starts_with('.') && [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext));
        // Directories are skipped; anything else (including a broken link) is reported.
        if is_policy_name && !fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            files.push(path);
        }
    }
    if files.len() > crate::source::MAX_FILES {
        return Err(LoadError::TooManyFiles { path: dir.to_owned(), count: files.len() });
    }
    files.sort();
    Ok(files)
}

/// Reads every policy file of `dir` ([`policy_files`]). Returns one outcome per file so a
/// caller can keep the previous version of a file that now fails: a bad file never replaces a
/// good policy in force.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, FileOutcome)>, LoadError> {
    Ok(policy_files(dir)?
        .into_iter()
        .map(|path| {
            let outcome = load_file(&path);
            (path, outcome)
        })
        .collect())
}

/// A first look at one document: is it empty, a mapping (and where), or unreadable YAML?
enum Probe {
    Empty,
    Mapping { line: usize, column: usize },
    Other,
    Broken(serde_yaml::Error),
}

/// Raised (on purpose) at the end of a mapping so serde_yaml attaches the mapping's position.
const LOCATE: &str = "\u{1e}rampart-locate\u{1e}";

impl Probe {
    fn run(document: serde_yaml::Deserializer<'_>) -> Self {
        match ProbeShape::deserialize(document) {
            Ok(ProbeShape::Empty) => Probe::Empty,
            Ok(ProbeShape::Other) => Probe::Other,
            Err(err) if err.to_string().contains(LOCATE) => match err.location() {
                Some(loc) => Probe::Mapping { line: loc.line(), column: loc.column() },
                None => Probe::Other,
            },
            Err(err) => Probe::Broken(err),
        }
    }
}

enum ProbeShape {
    Empty,
    Other,
}

impl<'de> Deserialize<'de> for ProbeShape {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ProbeVisitor)
    }
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = ProbeShape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML document")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<ProbeShape, A::Error> {
        // Read to the end first, so a syntax error inside the document wins.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(LOCATE))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ProbeShape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ProbeShape::Other)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<ProbeShape, A::Error> {
        let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
        de::VariantAccess::newtype_variant::<IgnoredAny>(variant)?;
        Ok(ProbeShape::Other)
    }

    fn visit_unit<E>(self) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Empty)
    }

    fn visit_none<E>(self) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Empty)
    }

    fn visit_bool<E>(self, _: bool) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<ProbeShape, E> {
        Ok(ProbeShape::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(spec: &str) -> serde_yaml::Value {
        let text = format!(
            "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\n\
             metadata: {{name: web, namespace: shop, uid: 1f2e, resourceVersion: '42', generation: 3, \
             managedFields: [{{manager: kubectl}}]}}\nspec: {spec}\n"
        );
        serde_yaml::from_str(&text).unwrap()
    }

    #[test]
    fn an_api_object_is_validated_like_a_file() {
        let p = parse_object("RampartPolicy shop/web", object("{podSelector: {}, mode: enforce}")).unwrap();
        assert_eq!(p.key(), "shop/web");
        assert_eq!(p.origin.to_string(), "RampartPolicy shop/web");
    }

    #[test]
    fn a_bad_api_object_names_the_object_and_the_field() {
        let err = parse_object(
            "RampartPolicy shop/web",
            object("{podSelector: {}, mode: enforce, privilege: {escalation: deny, allowedUids: [0]}}"),
        )
        .unwrap_err();
        assert_eq!(err.line, None);
        assert_eq!(
            err.to_string(),
            "RampartPolicy shop/web: spec.privilege.allowedUids: 0 cannot be allowed: gaining root is \
             what escalation means (use `escalation: allow`)"
        );
    }
}
