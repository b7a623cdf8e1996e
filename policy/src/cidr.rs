//! IPv4/IPv6 CIDR blocks as written in network peers (`10.0.0.0/8`, `fd00::/8`, or a bare
//! address meaning a /32 or /128).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::validate::{FromScalar, deserialize_via};

/// A CIDR block: a network address with no host bits set and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a string is not a [`Cidr`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("invalid CIDR {text:?}: {address:?} is not an IPv4 or IPv6 address")]
    Address { text: String, address: String },
    #[error("invalid CIDR {text:?}: prefix length {prefix:?} is not a number in 0..={max}")]
    Prefix { text: String, prefix: String, max: u8 },
    #[error("invalid CIDR {text:?}: host bits are set (the network is {network})")]
    HostBits { text: String, network: Cidr },
}

impl Cidr {
    /// A block from a network address and prefix length; host bits must be clear.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = max_prefix(addr);
        let cidr = Self { addr, prefix };
        (prefix <= max && cidr.network() == addr).then_some(cidr)
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// Whether `ip` is inside this block. Addresses of the other family never are (callers
    /// canonicalize IPv4-mapped IPv6 addresses first, as [`crate::judge`] does).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask_v4(ip, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask_v6(ip, self.prefix) == net,
            _ => false,
        }
    }

    /// Whether `other` is a sub-block of (or equal to) this block.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// The block of length `len` (<= this block's) that contains this one.
    pub fn truncate(&self, len: u8) -> Cidr {
        let prefix = len.min(self.prefix);
        let addr = match self.addr {
            IpAddr::V4(a) => IpAddr::V4(mask_v4(a, prefix)),
            IpAddr::V6(a) => IpAddr::V6(mask_v6(a, prefix)),
        };
        Cidr { addr, prefix }
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn everything(ipv4: bool) -> Cidr {
        let addr = if ipv4 { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V6(Ipv6Addr::UNSPECIFIED) };
        Cidr { addr, prefix: 0 }
    }

    /// The address with the host bits cleared.
    fn network(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(mask_v4(a, self.prefix)),
            IpAddr::V6(a) => IpAddr::V6(mask_v6(a, self.prefix)),
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn mask_v4(a: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
    Ipv4Addr::from_bits(a.to_bits() & mask)
}

fn mask_v6(a: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0);
    Ipv6Addr::from_bits(a.to_bits() & mask)
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, CidrError> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = address
            .parse()
            .map_err(|_| CidrError::Address { text: text.to_owned(), address: address.to_owned() })?;
        let max = max_prefix(addr);
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| p.parse::<u8>().ok())
                .flatten()
                .filter(|&n| n <= max)
                .ok_or_else(|| CidrError::Prefix { text: text.to_owned(), prefix: p.to_owned(), max })?,
        };
        let cidr = Self { addr, prefix };
        let network = cidr.network();
        if network != addr {
            return Err(CidrError::HostBits {
                text: text.to_owned(),
                network: Self { addr: network, prefix },
            });
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromScalar for Cidr {
    const EXPECTING: &'static str = "an IPv4 or IPv6 CIDR such as 10.0.0.0/8";

    fn from_scalar(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: CidrError| e.to_string())
    }
}
deserialize_via!(scalar, Cidr);

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_contains() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.255.1.2")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(!c.contains(ip("::ffff:10.0.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("1.2.3.4")));
        let host: Cidr = "192.168.1.7".parse().unwrap();
        assert_eq!(host.prefix_len(), 32);
        assert!(host.contains(ip("192.168.1.7")) && !host.contains(ip("192.168.1.8")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let v6host: Cidr = "::1".parse().unwrap();
        assert_eq!(v6host.prefix_len(), 128);
        let v6all: Cidr = "::/0".parse().unwrap();
        assert!(v6all.contains(ip("2001:db8::1")) && !v6all.contains(ip("1.2.3.4")));
        assert!(c.contains_cidr(&"10.0.9.0/24".parse().unwrap()));
        assert!(c.contains_cidr(&c));
        assert!(!c.contains_cidr(&"0.0.0.0/0".parse().unwrap()));
        assert!(!c.contains_cidr(&"fd00::/8".parse().unwrap()));
        assert_eq!(Cidr::new(ip("10.0.0.0"), 8), Some(c));
        assert_eq!(Cidr::new(ip("10.0.0.1"), 8), None);
        assert_eq!(c.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn rejects_bad_text() {
        for (text, message) in [
            ("10.0.0.0/33", "invalid CIDR \"10.0.0.0/33\": prefix length \"33\" is not a number in 0..=32"),
            ("10.0.0.0/+8", "invalid CIDR \"10.0.0.0/+8\": prefix length \"+8\" is not a number in 0..=32"),
            ("10.0.0.0/", "invalid CIDR \"10.0.0.0/\": prefix length \"\" is not a number in 0..=32"),
            ("fd00::/129", "invalid CIDR \"fd00::/129\": prefix length \"129\" is not a number in 0..=128"),
            ("10.0.0/8", "invalid CIDR \"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address"),
            ("10.0.0.1/8", "invalid CIDR \"10.0.0.1/8\": host bits are set (the network is 10.0.0.0/8)"),
        ] {
            assert_eq!(text.parse::<Cidr>().unwrap_err().to_string(), message);
        }
    }
}
