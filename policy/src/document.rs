//! The whole `RampartPolicy` object (`apiVersion`, `kind`, `metadata`, `spec`) as read from a
//! document, and [`RampartPolicy`], its validated form used everywhere else.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::model::{Mode, PolicySpec};
use crate::names::{NamespaceName, ObjectName};
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via};

/// The only supported `apiVersion`.
pub const API_VERSION: &str = "rampart.dev/v1alpha1";
/// The only supported `kind`.
pub const KIND: &str = "RampartPolicy";
/// The namespace of a policy whose `metadata.namespace` is left out.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RampartPolicy {
    pub namespace: String,
    pub name: String,
    pub spec: PolicySpec,
    /// Where the policy was read from (for messages; not part of its meaning).
    pub origin: Origin,
}

/// Where a policy was read from: the source name and the position of its document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    pub source: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl RampartPolicy {
    /// `namespace/name`, the policy's identity and its order among policies.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether this policy applies to a pod in `namespace` with `labels`.
    pub fn selects(&self, namespace: &str, labels: &(impl crate::selector::Labels + ?Sized)) -> bool {
        self.namespace == namespace && self.spec.pod_selector.matches(labels)
    }

    pub fn mode(&self) -> Mode {
        self.spec.mode
    }

    /// Orders two policies by [`key`](Self::key) without building the strings.
    pub fn cmp_key(&self, other: &Self) -> std::cmp::Ordering {
        fn key(p: &RampartPolicy) -> impl Iterator<Item = u8> + '_ {
            p.namespace.bytes().chain(std::iter::once(b'/')).chain(p.name.bytes())
        }
        key(self).cmp(key(other))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One document as written (read through [`RawDocument`] for a clear "invalid type" message).
pub(crate) struct Document(RawDocument);

impl Validate for Document {
    type Raw = RawDocument;
    const EXPECTING: &'static str =
        "a RampartPolicy object (a mapping with apiVersion, kind, metadata, spec)";
    fn validate(raw: RawDocument) -> Result<Self, Invalid> {
        Ok(Self(raw))
    }
}
deserialize_via!(validated, Document);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawDocument {
    #[serde(rename = "apiVersion")]
    _api_version: ApiVersion,
    #[serde(rename = "kind")]
    _kind: Kind,
    metadata: Metadata,
    spec: PolicySpec,
    /// Written by the API server for custom resources; ignored.
    #[serde(default, rename = "status")]
    _status: Option<IgnoredAny>,
}

impl Document {
    pub(crate) fn into_policy(self, origin: Origin) -> RampartPolicy {
        let Self(doc) = self;
        RampartPolicy {
            namespace: doc.metadata.namespace.map_or_else(|| DEFAULT_NAMESPACE.to_owned(), |n| n.0),
            name: doc.metadata.name.0,
            spec: doc.spec,
            origin,
        }
    }
}

/// `metadata`: `name` and `namespace` are used; the other standard ObjectMeta fields are
/// accepted (so objects read back from the API server parse) and ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[expect(dead_code, reason = "fields other than name and namespace are accepted, then ignored")]
pub(crate) struct Metadata {
    name: ObjectName,
    #[serde(default)]
    namespace: Option<NamespaceName>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    uid: Option<IgnoredAny>,
    #[serde(default)]
    resource_version: Option<IgnoredAny>,
    #[serde(default)]
    generation: Option<IgnoredAny>,
    #[serde(default)]
    creation_timestamp: Option<IgnoredAny>,
    #[serde(default)]
    deletion_timestamp: Option<IgnoredAny>,
    #[serde(default)]
    deletion_grace_period_seconds: Option<IgnoredAny>,
    #[serde(default)]
    finalizers: Option<IgnoredAny>,
    #[serde(default)]
    owner_references: Option<IgnoredAny>,
    #[serde(default)]
    managed_fields: Option<IgnoredAny>,
    #[serde(default)]
    generate_name: Option<IgnoredAny>,
    #[serde(default)]
    self_link: Option<IgnoredAny>,
}

struct ApiVersion;

impl FromScalar for ApiVersion {
    const EXPECTING: &'static str = "rampart.dev/v1alpha1";
    fn from_scalar(text: &str) -> Result<Self, String> {
        if text == API_VERSION {
            Ok(Self)
        } else {
            Err(format!("unsupported apiVersion {text:?}: expected {API_VERSION:?}"))
        }
    }
}
deserialize_via!(scalar, ApiVersion);

struct Kind;

impl FromScalar for Kind {
    const EXPECTING: &'static str = "RampartPolicy";
    fn from_scalar(text: &str) -> Result<Self, String> {
        if text == KIND { Ok(Self) } else { Err(format!("unsupported kind {text:?}: expected {KIND:?}")) }
    }
}
deserialize_via!(scalar, Kind);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_source;

    fn policy(namespace: &str, name: &str) -> RampartPolicy {
        let text = format!(
            "apiVersion: {API_VERSION}\nkind: {KIND}\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
             spec: {{podSelector: {{}}, mode: audit}}\n"
        );
        parse_source("t", &text).unwrap().remove(0)
    }

    #[test]
    fn key_order_is_the_order_of_the_key_strings() {
        let pairs = [("a", "x"), ("a-b", "x"), ("a", "x-y"), ("a", "xy"), ("b", "a"), ("a0", "a")];
        for (n1, m1) in pairs {
            for (n2, m2) in pairs {
                let (p, q) = (policy(n1, m1), policy(n2, m2));
                assert_eq!(p.cmp_key(&q), p.key().cmp(&q.key()), "{} vs {}", p.key(), q.key());
            }
        }
    }
}
