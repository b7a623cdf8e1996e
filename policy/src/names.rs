//! Kubernetes name rules: DNS-1123 subdomains (object names), DNS-1123 labels (namespaces),
//! and label keys and values. Each check returns a message saying what is wrong.

use crate::validate::{FromScalar, deserialize_via};

/// Checks a DNS-1123 subdomain: at most 253 characters, dot-separated parts of lowercase
/// letters, digits and `-`, each starting and ending with a letter or digit.
pub fn check_dns1123_subdomain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if name.len() > 253 {
        return Err(format!("{name:?} is longer than 253 characters"));
    }
    if !name.split('.').all(is_dns_label_part) {
        return Err(format!(
            "{name:?} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', \
             starting and ending with a letter or digit)"
        ));
    }
    Ok(())
}

/// Checks a DNS-1123 label: at most 63 lowercase letters, digits and `-`, starting and
/// ending with a letter or digit.
pub fn check_dns1123_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if name.len() > 63 {
        return Err(format!("{name:?} is longer than 63 characters"));
    }
    if !is_dns_label_part(name) {
        return Err(format!(
            "{name:?} is not a DNS-1123 label (lowercase letters, digits and '-', \
             starting and ending with a letter or digit)"
        ));
    }
    Ok(())
}

fn is_dns_label_part(part: &str) -> bool {
    let b = part.as_bytes();
    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || *c == b'-')
}

/// Checks a label key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most
/// 63 characters (letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit).
pub fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        check_dns1123_subdomain(prefix).map_err(|e| format!("label key {key:?}: prefix {e}"))?;
    }
    if name.is_empty() || name.len() > 63 || !is_label_name(name) {
        return Err(format!(
            "label key {key:?}: the name part must be 1 to 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Checks a label value: empty, or at most 63 letters, digits, `-`, `_`, `.`, starting and
/// ending with a letter or digit.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || (value.len() <= 63 && is_label_name(value)) {
        Ok(())
    } else {
        Err(format!(
            "label value {value:?} must be at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ))
    }
}

fn is_label_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge = |c: &u8| c.is_ascii_alphanumeric();
    b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || matches!(c, b'-' | b'_' | b'.'))
}

/// `metadata.name` while it is read.
pub(crate) struct ObjectName(pub(crate) String);

impl FromScalar for ObjectName {
    const EXPECTING: &'static str = "a name (DNS-1123 subdomain)";
    fn from_scalar(text: &str) -> Result<Self, String> {
        check_dns1123_subdomain(text).map(|()| Self(text.to_owned()))
    }
}
deserialize_via!(scalar, ObjectName);

/// `metadata.namespace` while it is read.
pub(crate) struct NamespaceName(pub(crate) String);

impl FromScalar for NamespaceName {
    const EXPECTING: &'static str = "a namespace name (DNS-1123 label)";
    fn from_scalar(text: &str) -> Result<Self, String> {
        check_dns1123_label(text).map(|()| Self(text.to_owned()))
    }
}
deserialize_via!(scalar, NamespaceName);

/// A label key while it is read.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LabelKey(pub(crate) String);

impl FromScalar for LabelKey {
    const EXPECTING: &'static str = "a label key string";
    fn from_scalar(text: &str) -> Result<Self, String> {
        check_label_key(text).map(|()| Self(text.to_owned()))
    }
}
deserialize_via!(scalar, LabelKey);

/// A label value while it is read.
pub(crate) struct LabelValue(pub(crate) String);

impl FromScalar for LabelValue {
    const EXPECTING: &'static str = "a label value string (quote numbers and booleans)";
    fn from_scalar(text: &str) -> Result<Self, String> {
        check_label_value(text).map(|()| Self(text.to_owned()))
    }
}
deserialize_via!(scalar, LabelValue);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in ["web", "a", "web-1", "web.shop.example", "0abc"] {
            assert_eq!(check_dns1123_subdomain(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Web", "-web", "web-", "web..x", "web_x", ".web", &"a".repeat(254)] {
            assert!(check_dns1123_subdomain(bad).is_err(), "{bad}");
        }
        assert_eq!(check_dns1123_label("shop"), Ok(()));
        for bad in ["", "shop.x", "Shop", &"a".repeat(64)] {
            assert!(check_dns1123_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_keys_and_values() {
        for ok in ["app", "app.kubernetes.io/name", "A_b-c.d", "x/y"] {
            assert_eq!(check_label_key(ok), Ok(()), "{ok}");
        }
        for bad in ["", "/app", "app/", "Foo_/x", "-app", "a b", "x/y/z"] {
            assert!(check_label_key(bad).is_err(), "{bad}");
        }
        for ok in ["", "web", "v1.2_3-x", "X"] {
            assert_eq!(check_label_value(ok), Ok(()), "{ok}");
        }
        for bad in ["-web", "web.", "a b", &"a".repeat(64)] {
            assert!(check_label_value(bad).is_err(), "{bad}");
        }
    }
}
