//! Serde helpers that run semantic validation *inside* deserialization, so a semantic error
//! carries the same line, column and field path as a syntax or type error.
//!
//! - [`FromScalar`] types (CIDRs, names, paths, ...) validate one string scalar; an error
//!   points at the scalar itself.
//! - [`Validate`] types deserialize a derived "raw" struct and then check rules that span
//!   fields (an `except` inside its `cidr`, `endPort >= port`, ...); an error points at the
//!   start of the mapping and names the field below it ([`Invalid::at`]).
//!
//! The sub-path of an [`Invalid`] travels inside the serde error message between two
//! [`SUBPATH_MARK`] characters; `error.rs` takes it out again.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// Separates an encoded sub-path from the message in a custom serde error.
pub(crate) const SUBPATH_MARK: char = '\u{1f}';

/// A semantic validation failure of a field below the mapping being checked.
#[derive(Debug)]
pub(crate) struct Invalid {
    at: String,
    message: String,
}

impl Invalid {
    /// A failure of the field `at` (e.g. `except[1]`, `endPort`) below the current mapping.
    pub(crate) fn at(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self { at: at.into(), message: message.into() }
    }

    /// The same failure seen from the mapping that holds `field`.
    pub(crate) fn below(self, field: &str) -> Self {
        Self { at: format!("{field}.{}", self.at), message: self.message }
    }

    fn into_error<E: de::Error>(self) -> E {
        E::custom(format_args!("{SUBPATH_MARK}{}{SUBPATH_MARK}{}", self.at, self.message))
    }
}

/// A value written as one string scalar and checked while it is read.
pub(crate) trait FromScalar: Sized {
    /// What the value should be, for "invalid type" messages ("an IPv4 or IPv6 CIDR").
    const EXPECTING: &'static str;
    fn from_scalar(text: &str) -> Result<Self, String>;
}

/// [`FromScalar::from_scalar`] for a keyword enum: `what` names the field in the message
/// (`unknown mode "Enforce": expected enforce or audit`).
pub(crate) fn keyword<T: Copy>(text: &str, what: &str, choices: &[(&str, T)]) -> Result<T, String> {
    if let Some((_, value)) = choices.iter().find(|(k, _)| *k == text) {
        return Ok(*value);
    }
    let names: Vec<&str> = choices.iter().map(|(k, _)| *k).collect();
    let expected = match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(format!("unknown {what} {text:?}: expected {expected}"))
}

/// `Deserialize` body for a [`FromScalar`] type.
pub(crate) fn scalar<'de, D: Deserializer<'de>, T: FromScalar>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ScalarVisitor(PhantomData))
}

struct ScalarVisitor<T>(PhantomData<T>);

impl<T: FromScalar> Visitor<'_> for ScalarVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_scalar(v).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(format_args!("expected {}, found null", T::EXPECTING)))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
}

/// A mapping checked as a whole after its fields were read into [`Validate::Raw`].
pub(crate) trait Validate: Sized {
    /// The derived struct that reads the fields (with `deny_unknown_fields`).
    type Raw: DeserializeOwned;
    /// What the value should be, for "invalid type" messages ("a peer mapping").
    const EXPECTING: &'static str;
    fn validate(raw: Self::Raw) -> Result<Self, Invalid>;
}

/// `Deserialize` body for a [`Validate`] type. A null value is rejected with a message that
/// names what was expected (YAML's `key:` with nothing after it is null).
pub(crate) fn validated<'de, D: Deserializer<'de>, T: Validate>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ValidatedVisitor(PhantomData))
}

struct ValidatedVisitor<T>(PhantomData<T>);

impl<'de, T: Validate> Visitor<'de> for ValidatedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let raw = T::Raw::deserialize(MapAccessDeserializer::new(map))?;
        T::validate(raw).map_err(Invalid::into_error)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Err(E::custom(format_args!("expected {}, found null", T::EXPECTING)))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        self.visit_unit()
    }
}

/// A list that must be written out: absent is handled by the caller (`#[serde(default)]`),
/// null is rejected with `null_message` because its meaning would be ambiguous.
pub(crate) fn explicit_list<'de, D, T>(d: D, null_message: &'static str) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(ListVisitor { null_message, item: PhantomData })
}

struct ListVisitor<T> {
    null_message: &'static str,
    item: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        Vec::deserialize(SeqAccessDeserializer::new(seq))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Err(E::custom(self.null_message))
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        self.visit_unit()
    }
}

/// Implements `Deserialize` for a [`FromScalar`] or [`Validate`] type.
macro_rules! deserialize_via {
    ($helper:ident, $ty:ty) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::validate::$helper(d)
            }
        }
    };
}
pub(crate) use deserialize_via;
