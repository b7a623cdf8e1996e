//! Reading policies: [`parse_source`] for one YAML/JSON text (any number of documents),
//! [`parse_object`] for an object from the API server, and [`load_file`] / [`load_dir`] for
//! files (listed and read as [`crate::dir`] and [`crate::source`] say).
//!
//! Positions: serde_yaml parses the whole stream with one libyaml parser, so the marks of
//! every document — and therefore every error's line and column — are relative to the start
//! of the source, not of the document (tested for the 2nd and 3rd documents).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, IgnoredAny, Visitor};

pub use crate::dir::DirError;
use crate::document::{Document, Origin, RampartPolicy};
pub use crate::error::PolicyError;
use crate::model::Mode;
use crate::networkpolicy::NetworkPolicyDocument;

/// The outcome for one file of a directory.
pub type FileOutcome = Result<Vec<RampartPolicy>, Vec<PolicyError>>;

/// Parses every document of one YAML source (JSON is YAML here too); `source` is the name
/// used in errors. All-or-nothing per source: `Ok` with every policy, or `Err` with every
/// error found (the first error of each document; a YAML syntax error ends the source, since
/// nothing after it can be read reliably). Empty documents (`---` alone, comments only) are
/// skipped.
pub fn parse_source(source: &str, text: &str) -> FileOutcome {
    parse_source_with(source, text, &ParseOptions::default())
}

/// What else a source may hold besides RampartPolicies.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseOptions {
    /// Read `networking.k8s.io/v1` NetworkPolicy documents too, as policies in this mode
    /// (see [`crate::networkpolicy`]); `None` skips them.
    pub network_policies: Option<Mode>,
}

/// [`parse_source`], with NetworkPolicy documents read or skipped as `options` say.
pub fn parse_source_with(source: &str, text: &str, options: &ParseOptions) -> FileOutcome {
    if let Err(e) = crate::source::check_nesting(text) {
        return Err(vec![PolicyError::new(source, e.to_string())]);
    }
    let mut policies = Vec::new();
    let mut errors = Vec::new();
    let probes = serde_yaml::Deserializer::from_str(text);
    let documents = serde_yaml::Deserializer::from_str(text);
    let heads = serde_yaml::Deserializer::from_str(text);
    for ((probe, document), head) in probes.zip(documents).zip(heads) {
        let (line, column) = match Probe::run(probe) {
            Probe::Empty => continue,
            Probe::Broken(err) => {
                errors.push(PolicyError::from_yaml(source, &err));
                break;
            }
            Probe::Mapping { line, column } => (Some(line), Some(column)),
            Probe::Other => (None, None),
        };
        if Head::is_network_policy(head) {
            let Some(mode) = options.network_policies else { continue };
            let origin = Origin { source: source.to_owned(), line, column };
            match serde_path_to_error::deserialize::<_, NetworkPolicyDocument>(document) {
                Ok(doc) => policies.push(doc.into_policy(mode, origin)),
                Err(err) => errors.push(PolicyError::from_tracked(source, err)),
            }
            continue;
        }
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

/// Reads one NetworkPolicy object that arrived already decoded (from the Kubernetes API) as a
/// policy in `mode`, with the checks of a file. `source` names the object in errors.
pub fn parse_network_policy_object(
    source: &str,
    object: serde_yaml::Value,
    mode: Mode,
) -> Result<RampartPolicy, PolicyError> {
    match serde_path_to_error::deserialize::<_, NetworkPolicyDocument>(object) {
        Ok(doc) => Ok(doc.into_policy(mode, Origin { source: source.to_owned(), line: None, column: None })),
        Err(err) => Err(PolicyError::from_tracked(source, err)),
    }
}

/// A document's `apiVersion` and `kind`, to tell a NetworkPolicy from a RampartPolicy.
#[derive(Deserialize)]
struct Head {
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

impl Head {
    fn is_network_policy(document: serde_yaml::Deserializer<'_>) -> bool {
        Head::deserialize(document).is_ok_and(|h| {
            h.api_version.as_deref() == Some(crate::networkpolicy::API_VERSION)
                && h.kind.as_deref() == Some(crate::networkpolicy::KIND)
        })
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

/// Reads every policy file of `dir` ([`crate::dir::list`]), one outcome per file.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, FileOutcome)>, DirError> {
    Ok(crate::dir::list(dir)?
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
