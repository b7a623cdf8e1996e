//! Kubernetes label selectors (`matchLabels` and `matchExpressions` with `In`, `NotIn`,
//! `Exists`, `DoesNotExist`) and matching them against a pod's labels.
//!
//! Hand-written rather than `kube::core::Selector`: that one matches only a map of owned
//! strings, while the agent matches against its compact pod records where they are kept (the
//! [`Labels`] trait), and a selector here is read with the file, line and field of any error,
//! as the rest of a policy is.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::names::{LabelKey, LabelValue};
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via, keyword};

/// A pod's labels, read by key: a map, or the agent's compact pod record, so a selector is
/// matched against the labels where they are kept instead of a copy.
pub trait Labels {
    fn label(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// A standard Kubernetes `LabelSelector`. All of its terms must hold; the empty selector
/// (`{}`) matches every set of labels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    /// Non-empty for `In` and `NotIn`, empty for `Exists` and `DoesNotExist`.
    pub values: Vec<String>,
}

/// A `matchExpressions` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Whether the selector has no terms (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy every term.
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.label(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
}

impl LabelSelectorRequirement {
    /// Whether `labels` satisfy this requirement (`NotIn` holds when the key is absent).
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        let value = labels.label(&self.key);
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            SelectorOperator::In => value.is_some_and(listed),
            SelectorOperator::NotIn => value.is_none_or(|v| !listed(v)),
            SelectorOperator::Exists => value.is_some(),
            SelectorOperator::DoesNotExist => value.is_none(),
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawSelector {
    #[serde(default)]
    match_labels: Option<BTreeMap<LabelKey, LabelValue>>,
    #[serde(default)]
    match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

impl Validate for LabelSelector {
    type Raw = RawSelector;
    const EXPECTING: &'static str =
        "a label selector mapping (write {} to select every pod of the namespace)";

    fn validate(raw: RawSelector) -> Result<Self, Invalid> {
        Ok(Self {
            match_labels: raw.match_labels.unwrap_or_default().into_iter().map(|(k, v)| (k.0, v.0)).collect(),
            match_expressions: raw.match_expressions.unwrap_or_default(),
        })
    }
}
deserialize_via!(validated, LabelSelector);

impl FromScalar for SelectorOperator {
    const EXPECTING: &'static str = "In, NotIn, Exists or DoesNotExist";
    fn from_scalar(text: &str) -> Result<Self, String> {
        use SelectorOperator::*;
        let choices = [("In", In), ("NotIn", NotIn), ("Exists", Exists), ("DoesNotExist", DoesNotExist)];
        keyword(text, "operator", &choices)
    }
}
deserialize_via!(scalar, SelectorOperator);

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [{
        "rule": "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
        "message": "In and NotIn need values; Exists and DoesNotExist take none"
    }]))
)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequirement {
    key: LabelKey,
    operator: SelectorOperator,
    #[serde(default)]
    values: Option<Vec<LabelValue>>,
}

impl Validate for LabelSelectorRequirement {
    type Raw = RawRequirement;
    const EXPECTING: &'static str = "a match expression mapping {key, operator, values}";

    fn validate(raw: RawRequirement) -> Result<Self, Invalid> {
        let values: Vec<String> = raw.values.unwrap_or_default().into_iter().map(|v| v.0).collect();
        match raw.operator {
            SelectorOperator::In | SelectorOperator::NotIn if values.is_empty() => {
                Err(Invalid::at("values", format!("operator {:?} needs at least one value", raw.operator)))
            }
            SelectorOperator::Exists | SelectorOperator::DoesNotExist if !values.is_empty() => {
                Err(Invalid::at("values", format!("operator {:?} takes no values", raw.operator)))
            }
            operator => Ok(Self { key: raw.key.0, operator, values }),
        }
    }
}

deserialize_via!(validated, LabelSelectorRequirement);
