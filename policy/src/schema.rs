//! JSON schemas of the policy types (feature `schema`), from which `cargo xtask codegen`
//! writes the `RampartPolicy` CRD.
//!
//! Types read straight from YAML derive their schema; the types checked while they are read
//! (see `validate.rs`) take the schema of what they are read from, with the checks that a
//! schema can carry: enums for keywords, patterns and lengths for names, ranges for numbers,
//! and `x-kubernetes-validations` CEL rules (on the raw structs) for what spans fields. The
//! agent's own validation stays the judge: an object the API server accepted and the agent
//! refuses is reported by namespace/name and field.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{
    cidr::Cidr,
    fspath::AbsPath,
    model::{
        EscalationMode, FilesystemPolicy, Mode, PrivilegePolicy, RawFilesystem, RawPrivilege, RootfsMode,
    },
    names::{LabelKey, LabelValue},
    network::{Peer, Port, PortEntry, Protocol, RawPeer, RawPortSpec},
    selector::{LabelSelector, LabelSelectorRequirement, RawRequirement, RawSelector, SelectorOperator},
};

/// A type whose schema is a fixed one.
macro_rules! fixed_schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

/// A validated type: the schema of the raw form it is read from.
macro_rules! schema_of_raw {
    ($ty:ty, $raw:ty, $name:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                <$raw>::json_schema(generator)
            }
        }
    };
}

fixed_schema!(Mode, "Mode", {"type": "string", "enum": ["enforce", "audit"]});
fixed_schema!(RootfsMode, "RootfsMode", {"type": "string", "enum": ["readOnly", "readWrite"]});
fixed_schema!(EscalationMode, "EscalationMode", {"type": "string", "enum": ["deny", "allow"]});
fixed_schema!(Protocol, "Protocol", {"type": "string", "enum": ["TCP", "UDP"]});
fixed_schema!(SelectorOperator, "SelectorOperator", {"type": "string", "enum": ["In", "NotIn", "Exists", "DoesNotExist"]});
fixed_schema!(Port, "Port", {"x-kubernetes-int-or-string": true});
fixed_schema!(Cidr, "Cidr", {
    "type": "string",
    "maxLength": 43,
    "x-kubernetes-validations": [{"rule": "isCIDR(self)", "message": "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8"}]
});
fixed_schema!(AbsPath, "AbsPath", {"type": "string", "pattern": "^/", "maxLength": 4096});
fixed_schema!(LabelKey, "LabelKey", {"type": "string", "maxLength": 317});
fixed_schema!(LabelValue, "LabelValue", {"type": "string", "maxLength": 63});

schema_of_raw!(LabelSelector, RawSelector, "LabelSelector");
schema_of_raw!(LabelSelectorRequirement, RawRequirement, "LabelSelectorRequirement");
schema_of_raw!(Peer, RawPeer, "Peer");
schema_of_raw!(PortEntry, RawPortSpec, "PortSpec");
schema_of_raw!(FilesystemPolicy, RawFilesystem, "FilesystemPolicy");
schema_of_raw!(PrivilegePolicy, RawPrivilege, "PrivilegePolicy");

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::validate::FromScalar;

    fn enum_values<T: JsonSchema>() -> Vec<String> {
        let s = SchemaGenerator::default().into_root_schema_for::<T>();
        let v: Value = s.to_value();
        v["enum"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
    }

    /// Every keyword the schema lists is one the agent reads, and the agent reads no other.
    #[test]
    fn keyword_enums_match_what_the_agent_reads() {
        fn check<T: JsonSchema + FromScalar>(others: &[&str]) {
            for v in enum_values::<T>() {
                assert!(T::from_scalar(&v).is_ok(), "{v} is in the schema but refused");
            }
            for v in others {
                assert!(T::from_scalar(v).is_err(), "{v} is accepted but not in the schema");
            }
        }
        check::<Mode>(&["Enforce", "warn"]);
        check::<RootfsMode>(&["readonly", "none"]);
        check::<EscalationMode>(&["Deny"]);
        check::<Protocol>(&["tcp", "SCTP"]);
        check::<SelectorOperator>(&["in", "Gt"]);
    }

    #[test]
    fn the_spec_schema_carries_the_cross_field_rules() {
        let v = SchemaGenerator::default().into_root_schema_for::<crate::PolicySpec>().to_value();
        let text = v.to_string();
        for rule in [
            "self.endPort >= self.port",
            "cidr(self.cidr).containsCIDR(e)",
            "has(self.podSelector)",
            "size(self.allowWrite) == 0",
        ] {
            assert!(text.contains(rule), "missing {rule}");
        }
    }
}
