//! Raw rtnetlink: the few link, address and neighbour requests pod networking needs, spoken
//! directly to the kernel, so the harness works where `ip` is missing (the VM initramfs) the
//! same way it works on the host.
//!
//! Every request asks for an acknowledgement; a kernel error comes back as the `io::Error` of
//! its errno. Requests act in the network namespace of the thread that opened the socket.

use std::{
    ffi::CString,
    io,
    net::IpAddr,
    os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd},
};

const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_NEWADDR: u16 = 20;
const RTM_DELNEIGH: u16 = 29;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_F_NODAD: u8 = 0x02;
const NDA_DST: u16 = 1;
const NLA_F_NESTED: u16 = 1 << 15;
const IFF_UP: u32 = 1;

/// A netlink message being built: header, fixed part, attributes.
struct Msg {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl Msg {
    fn new(kind: u16, flags: u16) -> Msg {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set in `finish`
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK | flags).to_ne_bytes());
        buf.extend_from_slice(&1u32.to_ne_bytes()); // sequence
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel
        Msg { buf, nests: Vec::new() }
    }

    /// `struct ifinfomsg`.
    fn ifinfo(mut self, index: u32, flags: u32, change: u32) -> Msg {
        self.ifinfo_bytes(index, flags, change);
        self
    }

    fn ifinfo_bytes(&mut self, index: u32, flags: u32, change: u32) {
        self.buf.extend_from_slice(&[libc::AF_UNSPEC as u8, 0]);
        self.buf.extend_from_slice(&0u16.to_ne_bytes()); // type
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&change.to_ne_bytes());
    }

    fn attr(mut self, kind: u16, data: &[u8]) -> Msg {
        self.put_attr(kind, data);
        self
    }

    fn put_attr(&mut self, kind: u16, data: &[u8]) {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&kind.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.align();
    }

    fn align(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    fn begin(mut self, kind: u16) -> Msg {
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
        self
    }

    fn end(mut self) -> Msg {
        let at = self.nests.pop().expect("a nest to end");
        let len = (self.buf.len() - at) as u16;
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

fn name_bytes(name: &str) -> Vec<u8> {
    let mut b = name.as_bytes().to_vec();
    b.push(0);
    b
}

/// The index of interface `name` in this thread's network namespace.
pub fn index(name: &str) -> io::Result<u32> {
    let c = CString::new(name).map_err(io::Error::other)?;
    // SAFETY: a valid NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 { Err(io::Error::last_os_error()) } else { Ok(i) }
}

/// A NETLINK_ROUTE socket, bound to the network namespace of the thread that opened it.
pub struct Rtnl {
    fd: OwnedFd,
}

impl Rtnl {
    pub fn open() -> io::Result<Rtnl> {
        // SAFETY: plain socket(2); the result is checked.
        let fd = unsafe {
            libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_ROUTE)
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a descriptor we just opened and own.
        Ok(Rtnl { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Send one request and wait for its acknowledgement.
    fn request(&self, msg: Msg) -> io::Result<()> {
        let bytes = msg.finish();
        // SAFETY: sending a buffer we own; the kernel is the default destination.
        let sent = unsafe { libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), 0) };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: receiving into a buffer we own.
            let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let n = n as usize;
            let mut at = 0;
            while at + 16 <= n {
                let len = u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4 bytes")) as usize;
                let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().expect("2 bytes"));
                if kind == NLMSG_ERROR && at + 20 <= n {
                    let err = i32::from_ne_bytes(buf[at + 16..at + 20].try_into().expect("4 bytes"));
                    return if err == 0 { Ok(()) } else { Err(io::Error::from_raw_os_error(-err)) };
                }
                if len < 16 {
                    break;
                }
                at += len.next_multiple_of(4);
            }
        }
    }

    /// `ip link add NAME [address MAC] type KIND`.
    pub fn add_link(&self, name: &str, kind: &str, mac: Option<[u8; 6]>) -> io::Result<()> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
            .ifinfo(0, 0, 0)
            .attr(IFLA_IFNAME, &name_bytes(name));
        if let Some(mac) = mac {
            m = m.attr(IFLA_ADDRESS, &mac);
        }
        self.request(m.begin(IFLA_LINKINFO).attr(IFLA_INFO_KIND, kind.as_bytes()).end())
    }

    /// `ip link add NAME type veth peer name PEER netns NETNS`: the peer is created inside the
    /// network namespace `peer_netns` refers to.
    pub fn add_veth(&self, name: &str, peer: &str, peer_netns: &OwnedFd) -> io::Result<()> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)
            .ifinfo(0, 0, 0)
            .attr(IFLA_IFNAME, &name_bytes(name))
            .begin(IFLA_LINKINFO)
            .attr(IFLA_INFO_KIND, b"veth")
            .begin(IFLA_INFO_DATA)
            .begin(VETH_INFO_PEER);
        m.ifinfo_bytes(0, 0, 0);
        let m = m
            .attr(IFLA_IFNAME, &name_bytes(peer))
            .attr(IFLA_NET_NS_FD, &(peer_netns.as_raw_fd() as u32).to_ne_bytes())
            .end()
            .end()
            .end();
        self.request(m)
    }

    /// `ip link set NAME up`.
    pub fn set_up(&self, name: &str) -> io::Result<()> {
        self.request(Msg::new(RTM_NEWLINK, 0).ifinfo(index(name)?, IFF_UP, IFF_UP))
    }

    /// `ip link set NAME address MAC`.
    pub fn set_mac(&self, name: &str, mac: [u8; 6]) -> io::Result<()> {
        self.request(Msg::new(RTM_NEWLINK, 0).ifinfo(index(name)?, 0, 0).attr(IFLA_ADDRESS, &mac))
    }

    /// `ip link set NAME master MASTER`.
    pub fn set_master(&self, name: &str, master: &str) -> io::Result<()> {
        let m = Msg::new(RTM_NEWLINK, 0)
            .ifinfo(index(name)?, 0, 0)
            .attr(IFLA_MASTER, &index(master)?.to_ne_bytes());
        self.request(m)
    }

    /// `ip link del NAME`.
    pub fn del_link(&self, name: &str) -> io::Result<()> {
        self.request(Msg::new(RTM_DELLINK, 0).ifinfo(index(name)?, 0, 0))
    }

    /// `ip addr add ADDR/PREFIX dev NAME nodad` (IPv6 skips duplicate address detection, so the
    /// address is usable at once).
    pub fn add_addr(&self, name: &str, addr: IpAddr, prefix: u8) -> io::Result<()> {
        let (family, bytes) = match addr {
            IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec()),
            IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec()),
        };
        let mut m = Msg::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        let flags = if addr.is_ipv6() { IFA_F_NODAD } else { 0 };
        m.buf.extend_from_slice(&[family as u8, prefix, flags, 0]);
        m.buf.extend_from_slice(&index(name)?.to_ne_bytes());
        self.request(m.attr(IFA_LOCAL, &bytes).attr(IFA_ADDRESS, &bytes))
    }

    /// `ip neigh del ADDR dev NAME`: forget a neighbour's link-layer address.
    pub fn del_neigh(&self, name: &str, addr: IpAddr) -> io::Result<()> {
        let (family, bytes) = match addr {
            IpAddr::V4(a) => (libc::AF_INET, a.octets().to_vec()),
            IpAddr::V6(a) => (libc::AF_INET6, a.octets().to_vec()),
        };
        let mut m = Msg::new(RTM_DELNEIGH, 0);
        m.buf.extend_from_slice(&[family as u8, 0, 0, 0]);
        m.buf.extend_from_slice(&index(name)?.to_ne_bytes());
        m.buf.extend_from_slice(&[0; 4]); // state, flags, type
        self.request(m.attr(NDA_DST, &bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_carry_their_length_and_the_message_its_total() {
        let m =
            Msg::new(RTM_NEWLINK, 0).ifinfo(0, 0, 0).begin(IFLA_LINKINFO).attr(IFLA_INFO_KIND, b"veth").end();
        let b = m.finish();
        assert_eq!(u32::from_ne_bytes(b[..4].try_into().unwrap()) as usize, b.len());
        // header 16 + ifinfomsg 16, then the nest: 4 + (4 + "veth") = 12
        let nest = &b[32..];
        assert_eq!(u16::from_ne_bytes(nest[..2].try_into().unwrap()), 12);
        assert_eq!(u16::from_ne_bytes(nest[2..4].try_into().unwrap()), IFLA_LINKINFO | NLA_F_NESTED);
        assert_eq!(&nest[8..12], b"veth");
    }
}
