//! The `spec.network` section: egress and ingress allowlists of peers (CIDR blocks with
//! exceptions) and ports, and how a connection matches a rule.

use std::fmt;
use std::net::IpAddr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

use crate::cidr::Cidr;
pub use crate::peers::Peers;
use crate::validate::{FromScalar, Invalid, Validate, deserialize_via, explicit_list, keyword};

/// `spec.network`. `None` for a direction leaves it unrestricted; `Some(vec![])` denies all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NetworkPolicy {
    /// Where the pods may connect or send; `[]` denies all egress.
    #[serde(default, deserialize_with = "egress_rules")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<EgressRule>>"))]
    pub egress: Option<Vec<NetworkRule>>,
    /// Who may connect to the pods; `[]` denies all ingress.
    #[serde(default, deserialize_with = "ingress_rules")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<Vec<IngressRule>>"))]
    pub ingress: Option<Vec<NetworkRule>>,
    /// This section's own mode; left out, the policy's. `audit` inside an `enforce` policy
    /// is a shadow rule: reported, never blocked.
    #[serde(default)]
    pub mode: Option<crate::model::Mode>,
}

/// One egress (`to`) or ingress (`from`) rule. Empty `peers` = any address, empty `ports` =
/// any port and protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkRule {
    pub peers: Peers,
    pub ports: Vec<PortSpec>,
}

/// A peer block: `cidr` minus the `except` blocks (same family, inside `cidr`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub cidr: Cidr,
    pub except: Vec<Cidr>,
}

/// A port or inclusive port range (`port`..=`endPort`) for one protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub port: u16,
    /// `>= port` when present.
    pub end_port: Option<u16>,
    pub protocol: Protocol,
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

impl NetworkRule {
    /// Whether a connection with `peer`, `port` and `protocol` is allowed by this rule.
    /// `peer` is compared as given: canonicalize IPv4-mapped IPv6 addresses first.
    pub fn matches(&self, peer: IpAddr, port: u16, protocol: Protocol) -> bool {
        (self.peers.is_empty() || self.peers.contain(peer))
            && (self.ports.is_empty() || self.ports.iter().any(|p| p.matches(port, protocol)))
    }
}

impl Peer {
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
pub(crate) struct EgressRule {
    /// Destinations; left out, any address.
    #[serde(default)]
    to: Option<Vec<Peer>>,
    /// Ports; left out, any port and protocol.
    #[serde(default)]
    ports: Option<Vec<PortSpec>>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct IngressRule {
    /// Sources; left out, any address.
    #[serde(default)]
    from: Option<Vec<Peer>>,
    /// Ports; left out, any port and protocol.
    #[serde(default)]
    ports: Option<Vec<PortSpec>>,
}

fn egress_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NetworkRule>>, D::Error> {
    let rules: Vec<EgressRule> = explicit_list(
        d,
        "null is ambiguous here: leave `egress` out to leave egress unrestricted, \
         or write `egress: []` to deny all egress",
    )?;
    Ok(Some(
        rules
            .into_iter()
            .map(|r| NetworkRule {
                peers: r.to.unwrap_or_default().into(),
                ports: r.ports.unwrap_or_default(),
            })
            .collect(),
    ))
}

fn ingress_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NetworkRule>>, D::Error> {
    let rules: Vec<IngressRule> = explicit_list(
        d,
        "null is ambiguous here: leave `ingress` out to leave ingress unrestricted, \
         or write `ingress: []` to deny all ingress",
    )?;
    Ok(Some(
        rules
            .into_iter()
            .map(|r| NetworkRule {
                peers: r.from.unwrap_or_default().into(),
                ports: r.ports.unwrap_or_default(),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [{
        "rule": "!has(self.except) || self.except.all(e, cidr(self.cidr).containsCIDR(e))",
        "message": "every except block must lie inside cidr (and be of its family)"
    }]))
)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeer {
    /// An IPv4 or IPv6 block, e.g. 10.0.0.0/8.
    cidr: Cidr,
    /// Blocks inside `cidr` that are not part of the peer.
    #[serde(default)]
    except: Option<Vec<Cidr>>,
}

impl Validate for Peer {
    type Raw = RawPeer;
    const EXPECTING: &'static str = "a peer mapping such as {cidr: 10.0.0.0/8}";

    fn validate(raw: RawPeer) -> Result<Self, Invalid> {
        let except = raw.except.unwrap_or_default();
        for (i, e) in except.iter().enumerate() {
            if e.is_ipv4() != raw.cidr.is_ipv4() {
                return Err(Invalid::at(
                    format!("except[{i}]"),
                    format!("{e} is not of the same address family as cidr {}", raw.cidr),
                ));
            }
            if !raw.cidr.contains_cidr(e) {
                return Err(Invalid::at(
                    format!("except[{i}]"),
                    format!("{e} is not inside cidr {}", raw.cidr),
                ));
            }
        }
        Ok(Self { cidr: raw.cidr, except })
    }
}
deserialize_via!(validated, Peer);

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-kubernetes-validations" = [{
        "rule": "!has(self.endPort) || self.endPort >= self.port",
        "message": "endPort must not be less than port"
    }]))
)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RawPortSpec {
    /// The port, or the first of a range.
    port: Port,
    /// The last port of the range (inclusive).
    #[serde(default)]
    end_port: Option<Port>,
    /// `TCP` (the default) or `UDP`.
    #[serde(default)]
    protocol: Option<Protocol>,
}

impl Validate for PortSpec {
    type Raw = RawPortSpec;
    const EXPECTING: &'static str = "a port mapping such as {port: 443, protocol: TCP}";

    fn validate(raw: RawPortSpec) -> Result<Self, Invalid> {
        let (port, end_port) = (raw.port.0, raw.end_port.map(|p| p.0));
        if let Some(end) = end_port.filter(|&end| end < port) {
            return Err(Invalid::at("endPort", format!("endPort {end} is less than port {port}")));
        }
        Ok(Self { port, end_port, protocol: raw.protocol.unwrap_or_default() })
    }
}
deserialize_via!(validated, PortSpec);

/// A port number in 1..=65535 while it is read.
pub(crate) struct Port(u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PortVisitor)
    }
}

struct PortVisitor;

impl Visitor<'_> for PortVisitor {
    type Value = Port;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a port number in 1..=65535")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Port, E> {
        u16::try_from(v)
            .ok()
            .filter(|&p| p != 0)
            .map(Port)
            .ok_or_else(|| E::custom(format_args!("port {v} out of range 1..=65535")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Port, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format_args!("port {v} out of range 1..=65535"))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Port, E> {
        Err(E::custom(format_args!("port {v:?} is not a number (named ports are not supported)")))
    }
}

impl FromScalar for Protocol {
    const EXPECTING: &'static str = "TCP or UDP";
    fn from_scalar(text: &str) -> Result<Self, String> {
        keyword(text, "protocol", &[("TCP", Protocol::Tcp), ("UDP", Protocol::Udp)])
    }
}
deserialize_via!(scalar, Protocol);
