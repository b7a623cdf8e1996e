//! Kubernetes `networking.k8s.io/v1` NetworkPolicy objects, read into the policy model so that
//! the same compile and verdict code enforces them (`rampart-agent --networkpolicy
//! enforce|audit`).
//!
//! A NetworkPolicy `NAME` becomes the policy `networkpolicy/NAME` of its namespace (so events
//! name it, and it never collides with a RampartPolicy), with the mode the agent was given and
//! only a network section, following upstream's semantics:
//! - `policyTypes` left out means `Ingress`, plus `Egress` when `egress` is written. Each listed
//!   type makes the selected pods default-deny in that direction: the rules written for it
//!   (possibly none) are its allowlist. Rules of a direction not listed are ignored.
//! - Policies selecting one pod add up (a union of allows), as RampartPolicies do.
//! - `ipBlock` is a block peer, `podSelector`/`namespaceSelector` a pod peer with the same
//!   semantics; a port entry without `port` is every port of its protocol.
//!
//! Where the kernel cannot follow upstream exactly the translation is stricter, never looser:
//! - SCTP is not judged: SCTP port entries are left out, and a rule whose ports were all SCTP
//!   is dropped (it allows no TCP or UDP).
//! - An egress port name is resolved in the destination pod, which an address block does not
//!   name: an egress rule with both `ipBlock` peers and port names keeps its names for its pod
//!   peers only (upstream also matches pods inside the block by name).
//!
//! Rule indexes in verdicts count the rules as translated.

use serde::Deserialize;

use crate::cidr::Cidr;
use crate::document::{Origin, RampartPolicy};
use crate::model::{Mode, PolicySpec};
use crate::names::{NamespaceName, ObjectName};
use crate::network::{
    IpBlock, NetworkPolicy, NetworkRule, Peer, PodPeer, Port, PortEntry, PortSpec, Protocol, rule,
};
use crate::selector::LabelSelector;
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via, keyword};

/// The NetworkPolicy API group and version read.
pub const API_VERSION: &str = "networking.k8s.io/v1";
pub const KIND: &str = "NetworkPolicy";
/// What a NetworkPolicy's name is prefixed with to name its policy.
pub const NAME_PREFIX: &str = "networkpolicy/";

/// One NetworkPolicy document (`apiVersion` and `kind` were checked by the caller; `status`
/// and unknown metadata are ignored, as the API server may write them).
#[derive(Deserialize)]
pub(crate) struct NetworkPolicyDocument {
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize)]
struct Metadata {
    name: ObjectName,
    #[serde(default)]
    namespace: Option<NamespaceName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    pod_selector: LabelSelector,
    #[serde(default)]
    policy_types: Option<Vec<PolicyType>>,
    #[serde(default)]
    ingress: Option<Vec<IngressRule>>,
    #[serde(default)]
    egress: Option<Vec<EgressRule>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PolicyType {
    Ingress,
    Egress,
}

impl FromScalar for PolicyType {
    const EXPECTING: &'static str = "Ingress or Egress";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(text, "policy type", &[("Ingress", PolicyType::Ingress), ("Egress", PolicyType::Egress)])
    }
}
deserialize_via!(scalar, PolicyType);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngressRule {
    #[serde(default)]
    from: Option<Vec<NpPeer>>,
    #[serde(default)]
    ports: Option<Vec<NpPort>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EgressRule {
    #[serde(default)]
    to: Option<Vec<NpPeer>>,
    #[serde(default)]
    ports: Option<Vec<NpPort>>,
}

/// A `NetworkPolicyPeer`, checked.
struct NpPeer(Peer);

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawNpPeer {
    #[serde(default)]
    pod_selector: Option<LabelSelector>,
    #[serde(default)]
    namespace_selector: Option<LabelSelector>,
    #[serde(default)]
    ip_block: Option<RawIpBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIpBlock {
    cidr: Cidr,
    #[serde(default)]
    except: Option<Vec<Cidr>>,
}

impl Validate for NpPeer {
    type Raw = RawNpPeer;
    const EXPECTING: &'static str = "a NetworkPolicy peer (ipBlock, podSelector and/or namespaceSelector)";

    fn validate(raw: RawNpPeer) -> Result<Self, Invalid> {
        let pods = raw.pod_selector.is_some() || raw.namespace_selector.is_some();
        match raw.ip_block {
            Some(_) if pods => {
                Err(Invalid::at("ipBlock", "ipBlock cannot go with podSelector or namespaceSelector"))
            }
            Some(b) => IpBlock::checked(b.cidr, b.except.unwrap_or_default())
                .map(|b| NpPeer(Peer::Block(b)))
                .map_err(|e| e.below("ipBlock")),
            None if pods => {
                Ok(NpPeer(Peer::Pods(PodPeer { pods: raw.pod_selector, namespaces: raw.namespace_selector })))
            }
            None => Err(Invalid::at("podSelector", "a peer needs ipBlock, podSelector or namespaceSelector")),
        }
    }
}
deserialize_via!(validated, NpPeer);

/// A `NetworkPolicyPort`, checked: a port entry, or SCTP (which the agent does not judge).
enum NpPort {
    Entry(PortEntry),
    Sctp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawNpPort {
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    port: Option<Port>,
    #[serde(default)]
    end_port: Option<Port>,
}

impl Validate for NpPort {
    type Raw = RawNpPort;
    const EXPECTING: &'static str = "a NetworkPolicy port such as {port: 5432, protocol: TCP}";

    fn validate(raw: RawNpPort) -> Result<Self, Invalid> {
        let protocol = match raw.protocol.as_deref().unwrap_or("TCP") {
            "TCP" => Protocol::Tcp,
            "UDP" => Protocol::Udp,
            "SCTP" => return Ok(NpPort::Sctp),
            other => {
                return Err(Invalid::at(
                    "protocol",
                    format!("unknown protocol {other:?}: expected TCP, UDP or SCTP"),
                ));
            }
        };
        match raw.port {
            None if raw.end_port.is_some() => Err(Invalid::at("endPort", "endPort needs a port")),
            None => {
                Ok(NpPort::Entry(PortEntry::Number(PortSpec { port: 1, end_port: Some(u16::MAX), protocol })))
            }
            Some(port) => PortEntry::checked(port, raw.end_port, protocol).map(NpPort::Entry),
        }
    }
}
deserialize_via!(validated, NpPort);

/// One NetworkPolicy rule as rules of the model (none, one, or two; see the module doc).
fn translate(peers: Option<Vec<NpPeer>>, ports: Option<Vec<NpPort>>, egress: bool) -> Vec<NetworkRule> {
    let ports = ports.unwrap_or_default();
    let written = ports.len();
    let entries: Vec<PortEntry> = ports
        .into_iter()
        .filter_map(|p| match p {
            NpPort::Entry(e) => Some(e),
            NpPort::Sctp => None,
        })
        .collect();
    if written > 0 && entries.is_empty() {
        return Vec::new();
    }
    let r = rule(peers.unwrap_or_default().into_iter().map(|p| p.0).collect(), entries);
    if !egress || r.named_ports.is_empty() || r.blocks.is_empty() {
        return vec![r];
    }
    let mut out = Vec::new();
    if !r.pods.is_empty() {
        out.push(NetworkRule {
            pods: r.pods,
            ports: r.ports.clone(),
            named_ports: r.named_ports,
            ..Default::default()
        });
    }
    if !r.ports.is_empty() {
        out.push(NetworkRule { blocks: r.blocks, ports: r.ports, ..Default::default() });
    }
    out
}

impl NetworkPolicyDocument {
    /// The policy this NetworkPolicy is, in `mode`.
    pub(crate) fn into_policy(self, mode: Mode, origin: Origin) -> RampartPolicy {
        let spec = self.spec;
        let types = spec.policy_types.unwrap_or_else(|| {
            let mut t = vec![PolicyType::Ingress];
            if spec.egress.is_some() {
                t.push(PolicyType::Egress);
            }
            t
        });
        let ingress = types.contains(&PolicyType::Ingress).then(|| {
            spec.ingress
                .unwrap_or_default()
                .into_iter()
                .flat_map(|r| translate(r.from, r.ports, false))
                .collect()
        });
        let egress = types.contains(&PolicyType::Egress).then(|| {
            spec.egress.unwrap_or_default().into_iter().flat_map(|r| translate(r.to, r.ports, true)).collect()
        });
        RampartPolicy {
            namespace: self
                .metadata
                .namespace
                .map_or_else(|| crate::document::DEFAULT_NAMESPACE.to_owned(), |n| n.0),
            name: format!("{NAME_PREFIX}{}", self.metadata.name.0),
            spec: PolicySpec {
                pod_selector: spec.pod_selector,
                mode,
                network: Some(NetworkPolicy { egress, ingress, mode: None }),
                filesystem: None,
                privilege: None,
            },
            origin,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::identity::{NamedPort, PodIdentity, SortedLabels};
    use crate::load::{ParseOptions, parse_source_with};
    use crate::verdict::{Action, Activity, Direction, judge};

    use super::*;

    fn read(yaml: &str) -> Vec<RampartPolicy> {
        parse_source_with("np.yaml", yaml, &ParseOptions { network_policies: Some(Mode::Enforce) })
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn pod(ns: &str, app: &str, ports: &[(&str, u16)]) -> PodIdentity {
        PodIdentity {
            namespace: ns.into(),
            labels: SortedLabels::new(vec![("app".into(), app.into())]),
            namespace_labels: SortedLabels::new(vec![("kubernetes.io/metadata.name".into(), ns.into())]),
            ports: ports
                .iter()
                .map(|(n, p)| NamedPort { name: (*n).into(), port: *p, protocol: Protocol::Tcp })
                .collect(),
        }
    }

    fn action(
        ps: &[RampartPolicy],
        direction: Direction,
        peer: &str,
        remote: Option<&PodIdentity>,
        port: u16,
    ) -> Action {
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let peer: IpAddr = peer.parse().unwrap();
        let a = Activity::Connection { direction, peer, port, protocol: Protocol::Tcp, remote, local: None };
        judge(&refs, &a).action
    }

    #[test]
    fn upstream_semantics() {
        let ps = read(
            "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop, uid: x, resourceVersion: '7'}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 5432}]
    - ports: [{protocol: SCTP, port: 9}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress: [{}]
  egress:
    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.9.0.0/16]}}, {namespaceSelector: {}}]
      ports: [{port: metrics}, {port: 443}]
    - ports: [{protocol: UDP}]
",
        );
        assert_eq!(ps[0].key(), "shop/networkpolicy/db");
        let net = ps[0].spec.network.as_ref().unwrap();
        assert!(net.egress.is_none(), "policyTypes left out and no egress: ingress only");
        assert_eq!(net.ingress.as_ref().unwrap().len(), 1, "the SCTP-only rule allows no TCP or UDP");
        let out = ps[1].spec.network.as_ref().unwrap();
        assert!(out.ingress.is_none(), "ingress rules of a type not listed are ignored");
        assert_eq!(out.egress.as_ref().unwrap().len(), 3, "the mixed rule is split");

        let web = pod("shop", "web", &[]);
        let far = pod("far", "x", &[("metrics", 9102)]);
        use Direction::*;
        assert_eq!(action(&ps[..1], Ingress, "10.1.1.1", Some(&web), 5432), Action::Allow);
        assert_eq!(action(&ps[..1], Ingress, "10.1.1.1", Some(&web), 5433), Action::Deny);
        assert_eq!(
            action(&ps[..1], Ingress, "10.1.1.1", Some(&far), 5432),
            Action::Deny,
            "own namespace only"
        );
        assert_eq!(action(&ps[1..], Egress, "10.1.1.1", None, 443), Action::Allow);
        assert_eq!(action(&ps[1..], Egress, "10.9.1.1", None, 443), Action::Deny, "except");
        assert_eq!(action(&ps[1..], Egress, "10.9.1.1", Some(&far), 443), Action::Allow, "a pod anywhere");
        assert_eq!(action(&ps[1..], Egress, "10.9.1.1", Some(&far), 9102), Action::Allow, "by name");
        assert_eq!(action(&ps[1..], Egress, "10.1.1.1", None, 9102), Action::Deny, "a name is a pod's");
    }

    #[test]
    fn off_skips_them_and_errors_name_the_field() {
        let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]\n";
        assert!(parse_source_with("a.yaml", text, &ParseOptions::default()).unwrap().is_empty());
        let err = parse_source_with("a.yaml", text, &ParseOptions { network_policies: Some(Mode::Audit) })
            .unwrap_err()
            .remove(0);
        assert_eq!(err.field.as_deref(), Some("spec.ingress[0].from[0].ipBlock"));
        assert_eq!(err.line, Some(7));
        assert!(err.message.contains("ipBlock cannot go with"), "{err}");
    }
}
