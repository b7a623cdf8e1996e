//! The `spec.network` section: egress and ingress allowlists of peers — address blocks (CIDR
//! with exceptions) and groups of pods (pod and namespace selectors, with NetworkPolicy's peer
//! semantics) — and ports by number, range or name, and how a connection matches a rule.

use std::fmt;
use std::net::IpAddr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

pub use crate::blocks::Blocks;
use crate::cidr::Cidr;
use crate::identity::PodIdentity;
use crate::selector::LabelSelector;
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via, explicit_list, keyword};

/// `spec.network`. `None` for a direction leaves it unrestricted; `Some(vec![])` denies all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicy {
    /// Where the pods may connect or send; `[]` denies all egress.
    #[serde(default, deserialize_with = "egress_rules")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<RawEgressRule>>"))]
    pub egress: Option<Vec<NetworkRule>>,
    /// Who may connect to the pods; `[]` denies all ingress.
    #[serde(default, deserialize_with = "ingress_rules")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<RawIngressRule>>"))]
    pub ingress: Option<Vec<NetworkRule>>,
    /// This section's own mode; left out, the policy's. `audit` inside an `enforce` policy
    /// is a shadow rule: reported, never blocked.
    #[serde(default)]
    pub mode: Option<crate::model::Mode>,
}

/// One egress (`to`) or ingress (`from`) rule. A rule with neither `blocks` nor `pods` allows
/// any peer; with neither `ports` nor `named_ports`, any port and protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NetworkRule {
    /// The address-block peers (`cidr`, `except`).
    pub blocks: Blocks,
    /// The pod peers (`podSelector`, `namespaceSelector`).
    pub pods: Vec<PodPeer>,
    /// Ports by number or range.
    pub ports: Vec<PortSpec>,
    /// Ports by name: a container port name of the pod at the port's end (the destination
    /// for egress, the selected pod for ingress).
    pub named_ports: Vec<NamedPortSpec>,
}

/// An address block peer: `cidr` minus the `except` blocks (same family, inside `cidr`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpBlock {
    pub cidr: Cidr,
    pub except: Vec<Cidr>,
}

/// A group of pods, as a NetworkPolicy peer names it: `podSelector` alone means pods of the
/// policy's namespace; `namespaceSelector` alone every pod of the matching namespaces (`{}`:
/// every namespace); both, the matching pods of the matching namespaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PodPeer {
    /// `None`: every pod (of the namespaces in scope).
    pub pods: Option<LabelSelector>,
    /// `None`: the policy's own namespace.
    pub namespaces: Option<LabelSelector>,
}

/// One peer as written: a block or a group of pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    Block(IpBlock),
    Pods(PodPeer),
}

/// A port or inclusive port range (`port`..=`endPort`) for one protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub port: u16,
    /// `>= port` when present.
    pub end_port: Option<u16>,
    pub protocol: Protocol,
}

/// A port by name (an IANA service name: at most 15 lowercase letters, digits and `-`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedPortSpec {
    pub name: Box<str>,
    pub protocol: Protocol,
}

/// One entry of `ports` as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortEntry {
    Number(PortSpec),
    Named(NamedPortSpec),
}

/// A transport protocol, written `TCP` or `UDP`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two ends of a connection as the rules of one pod see them.
#[derive(Clone, Copy, Debug)]
pub struct Ends<'a> {
    /// The remote address (canonical: IPv4-mapped IPv6 already IPv4).
    pub peer: IpAddr,
    /// The remote pod, when the address is one the agent knows.
    pub remote: Option<&'a PodIdentity>,
    /// The pod the rules belong to (its named ports are the ones ingress rules name).
    pub local: Option<&'a PodIdentity>,
}

impl NetworkRule {
    /// Whether a connection `direction`-wise between `ends` on `port`/`protocol` is allowed by
    /// this rule of a policy in `namespace`.
    pub fn matches(
        &self,
        namespace: &str,
        egress: bool,
        ends: &Ends<'_>,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        self.peer_matches(namespace, ends) && self.port_matches(egress, ends, port, protocol)
    }

    /// Whether the rule names no peer (and so allows any).
    pub fn any_peer(&self) -> bool {
        self.blocks.is_empty() && self.pods.is_empty()
    }

    /// Whether the rule names no port (and so allows any).
    pub fn any_port(&self) -> bool {
        self.ports.is_empty() && self.named_ports.is_empty()
    }

    fn peer_matches(&self, namespace: &str, ends: &Ends<'_>) -> bool {
        self.any_peer()
            || self.blocks.contain(ends.peer)
            || ends.remote.is_some_and(|r| self.pods.iter().any(|p| p.selects(namespace, r)))
    }

    fn port_matches(&self, egress: bool, ends: &Ends<'_>, port: u16, protocol: Protocol) -> bool {
        if self.any_port() || self.ports.iter().any(|p| p.matches(port, protocol)) {
            return true;
        }
        let owner = if egress { ends.remote } else { ends.local };
        owner.is_some_and(|pod| {
            self.named_ports
                .iter()
                .any(|n| pod.port_named(&n.name, n.protocol) == Some(port) && n.protocol == protocol)
        })
    }
}

impl PodPeer {
    /// Whether `pod` is one of this group, for a policy in `namespace`.
    pub fn selects(&self, namespace: &str, pod: &PodIdentity) -> bool {
        let in_scope = match &self.namespaces {
            None => &*pod.namespace == namespace,
            Some(sel) => sel.matches(&pod.namespace_labels),
        };
        in_scope && self.pods.as_ref().is_none_or(|sel| sel.matches(&pod.labels))
    }
}

impl IpBlock {
    /// Whether `ip` is in `cidr` and in none of the `except` blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.contains(ip) && !self.except.iter().any(|e| e.contains(ip))
    }
}

impl PortSpec {
    /// Whether `port`/`protocol` falls in this entry.
    pub fn matches(&self, port: u16, protocol: Protocol) -> bool {
        protocol == self.protocol && (self.port..=self.end_port.unwrap_or(self.port)).contains(&port)
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEgressRule {
    /// Destinations; left out, any address.
    #[serde(default)]
    to: Option<Vec<Peer>>,
    /// Ports; left out, any port and protocol.
    #[serde(default)]
    ports: Option<Vec<PortEntry>>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIngressRule {
    /// Sources; left out, any address.
    #[serde(default)]
    from: Option<Vec<Peer>>,
    /// Ports (of the selected pods); left out, any port and protocol.
    #[serde(default)]
    ports: Option<Vec<PortEntry>>,
}

/// A rule from its peers and ports as written.
pub(crate) fn rule(peers: Vec<Peer>, ports: Vec<PortEntry>) -> NetworkRule {
    let mut blocks = Vec::new();
    let mut rule = NetworkRule::default();
    for p in peers {
        match p {
            Peer::Block(b) => blocks.push(b),
            Peer::Pods(g) => rule.pods.push(g),
        }
    }
    rule.blocks = blocks.into();
    for p in ports {
        match p {
            PortEntry::Number(n) => rule.ports.push(n),
            PortEntry::Named(n) => rule.named_ports.push(n),
        }
    }
    rule
}

/// An egress rule, checked as a whole: a port name is a name of the destination pod's
/// container port, so it cannot go with an address block (whose addresses need not be pods).
struct EgressRule(NetworkRule);

impl Validate for EgressRule {
    type Raw = RawEgressRule;
    const EXPECTING: &'static str = "an egress rule mapping such as {to: [...], ports: [...]}";

    fn validate(raw: RawEgressRule) -> Result<Self, Invalid> {
        let rule = rule(raw.to.unwrap_or_default(), raw.ports.unwrap_or_default());
        if let (Some(named), false) = (rule.named_ports.first(), rule.blocks.is_empty()) {
            return Err(Invalid::at(
                "ports",
                format!(
                    "port {:?} is a name, and a port name is resolved in the destination pod: an \
                     egress rule with a cidr peer needs port numbers (put the pod peers in a rule \
                     of their own)",
                    named.name
                ),
            ));
        }
        Ok(EgressRule(rule))
    }
}
deserialize_via!(validated, EgressRule);

struct IngressRule(NetworkRule);

impl Validate for IngressRule {
    type Raw = RawIngressRule;
    const EXPECTING: &'static str = "an ingress rule mapping such as {from: [...], ports: [...]}";

    fn validate(raw: RawIngressRule) -> Result<Self, Invalid> {
        Ok(IngressRule(rule(raw.from.unwrap_or_default(), raw.ports.unwrap_or_default())))
    }
}
deserialize_via!(validated, IngressRule);

fn egress_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NetworkRule>>, D::Error> {
    let rules: Vec<EgressRule> = explicit_list(
        d,
        "null is ambiguous here: leave `egress` out to leave egress unrestricted, \
         or write `egress: []` to deny all egress",
    )?;
    Ok(Some(rules.into_iter().map(|r| r.0).collect()))
}

fn ingress_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NetworkRule>>, D::Error> {
    let rules: Vec<IngressRule> = explicit_list(
        d,
        "null is ambiguous here: leave `ingress` out to leave ingress unrestricted, \
         or write `ingress: []` to deny all ingress",
    )?;
    Ok(Some(rules.into_iter().map(|r| r.0).collect()))
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [
        {
            "rule": "has(self.cidr) != (has(self.podSelector) || has(self.namespaceSelector))",
            "message": "a peer is either an address block (cidr) or pods (podSelector and/or namespaceSelector)"
        },
        {
            "rule": "!has(self.except) || (has(self.cidr) && self.except.all(e, cidr(self.cidr).containsCIDR(e)))",
            "message": "every except block must lie inside cidr (and be of its family)"
        }
    ]))
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPeer {
    /// An IPv4 or IPv6 block, e.g. 10.0.0.0/8.
    #[serde(default)]
    cidr: Option<Cidr>,
    /// Blocks inside `cidr` that are not part of the peer.
    #[serde(default)]
    except: Option<Vec<Cidr>>,
    /// Pods by label; alone, pods of the policy's namespace.
    #[serde(default)]
    pod_selector: Option<LabelSelector>,
    /// Namespaces by label (`{}`: every namespace); alone, every pod of those namespaces.
    #[serde(default)]
    namespace_selector: Option<LabelSelector>,
}

impl Validate for Peer {
    type Raw = RawPeer;
    const EXPECTING: &'static str =
        "a peer mapping such as {cidr: 10.0.0.0/8} or {podSelector: {matchLabels: {app: db}}}";

    fn validate(raw: RawPeer) -> Result<Self, Invalid> {
        let pods = raw.pod_selector.is_some() || raw.namespace_selector.is_some();
        let Some(cidr) = raw.cidr else {
            if raw.except.is_some() {
                return Err(Invalid::at("except", "except needs a cidr to take blocks out of"));
            }
            if !pods {
                return Err(Invalid::at(
                    "cidr",
                    "a peer needs cidr, podSelector or namespaceSelector (leave `to`/`from` out \
                     to allow any peer)",
                ));
            }
            return Ok(Peer::Pods(PodPeer { pods: raw.pod_selector, namespaces: raw.namespace_selector }));
        };
        if pods {
            let field = if raw.pod_selector.is_some() { "podSelector" } else { "namespaceSelector" };
            return Err(Invalid::at(
                field,
                "a peer is either an address block (cidr) or pods (podSelector and/or \
                 namespaceSelector), not both: write two peers",
            ));
        }
        Ok(Peer::Block(IpBlock::checked(cidr, raw.except.unwrap_or_default())?))
    }
}

impl IpBlock {
    /// A block whose `except` blocks are all of `cidr`'s family and inside it.
    pub(crate) fn checked(cidr: Cidr, except: Vec<Cidr>) -> Result<Self, Invalid> {
        for (i, e) in except.iter().enumerate() {
            if e.is_ipv4() != cidr.is_ipv4() {
                return Err(Invalid::at(
                    format!("except[{i}]"),
                    format!("{e} is not of the same address family as cidr {cidr}"),
                ));
            }
            if !cidr.contains_cidr(e) {
                return Err(Invalid::at(format!("except[{i}]"), format!("{e} is not inside cidr {cidr}")));
            }
        }
        Ok(IpBlock { cidr, except })
    }
}
deserialize_via!(validated, Peer);

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [{
        "rule": "!has(self.endPort) || (type(self.port) == int && self.endPort >= self.port)",
        "message": "endPort needs a numeric port and must not be less than it"
    }]))
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPortSpec {
    /// The port number, the first of a range, or a container port name.
    port: Port,
    /// The last port of the range (inclusive).
    #[serde(default)]
    end_port: Option<Port>,
    /// `TCP` (the default) or `UDP`.
    #[serde(default)]
    protocol: Option<Protocol>,
}

impl Validate for PortEntry {
    type Raw = RawPortSpec;
    const EXPECTING: &'static str = "a port mapping such as {port: 443, protocol: TCP}";

    fn validate(raw: RawPortSpec) -> Result<Self, Invalid> {
        PortEntry::checked(raw.port, raw.end_port, raw.protocol.unwrap_or_default())
    }
}

impl PortEntry {
    /// A port number (with an `endPort` not below it) or a port name (without one).
    pub(crate) fn checked(port: Port, end_port: Option<Port>, protocol: Protocol) -> Result<Self, Invalid> {
        let end_port = match end_port {
            None => None,
            Some(Port::Number(n)) => Some(n),
            Some(Port::Name(name)) => {
                return Err(Invalid::at("endPort", format!("endPort {name:?} must be a number")));
            }
        };
        match port {
            Port::Number(port) => {
                if let Some(end) = end_port.filter(|&end| end < port) {
                    return Err(Invalid::at("endPort", format!("endPort {end} is less than port {port}")));
                }
                Ok(PortEntry::Number(PortSpec { port, end_port, protocol }))
            }
            Port::Name(name) => {
                if end_port.is_some() {
                    return Err(Invalid::at(
                        "endPort",
                        format!("endPort needs a numeric port, not {name:?}"),
                    ));
                }
                Ok(PortEntry::Named(NamedPortSpec { name, protocol }))
            }
        }
    }
}
deserialize_via!(validated, PortEntry);

/// A port number in 1..=65535 or a port name while it is read.
pub(crate) enum Port {
    Number(u16),
    Name(Box<str>),
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PortVisitor)
    }
}

struct PortVisitor;

impl Visitor<'_> for PortVisitor {
    type Value = Port;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a port number in 1..=65535 or a port name")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Port, E> {
        u16::try_from(v)
            .ok()
            .filter(|&p| p != 0)
            .map(Port::Number)
            .ok_or_else(|| E::custom(format_args!("port {v} out of range 1..=65535")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Port, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format_args!("port {v} out of range 1..=65535"))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Port, E> {
        if let Ok(n) = v.parse::<u64>() {
            return Err(E::custom(format_args!(
                "port {v:?} is a string: write the number {n} without quotes"
            )));
        }
        check_port_name(v).map_err(|why| E::custom(format_args!("port name {v:?} {why}")))?;
        Ok(Port::Name(v.into()))
    }
}

/// Kubernetes' rule for a port name (`IsValidPortName`, an IANA service name).
fn check_port_name(v: &str) -> Result<(), &'static str> {
    if v.is_empty() || v.len() > 15 {
        return Err("must be 1 to 15 characters");
    }
    if !v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err("may hold only lowercase letters, digits and '-'");
    }
    if !v.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err("must hold at least one letter");
    }
    if v.starts_with('-') || v.ends_with('-') || v.contains("--") {
        return Err("may not begin or end with '-' or hold '--'");
    }
    Ok(())
}

impl FromScalar for Protocol {
    const EXPECTING: &'static str = "TCP or UDP";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(text, "protocol", &[("TCP", Protocol::Tcp), ("UDP", Protocol::Udp)])
    }
}
deserialize_via!(scalar, Protocol);
