//! Pod networking as a node gives it: a network namespace per pod on a veth pair whose host end
//! is on a test bridge. The bridge `rampart-br0` has 10.231.0.1/24 and fd00:231::1/64 (the
//! design's free test range); traffic stays on it.
//!
//! Everything is done natively (rtnetlink, `unshare`/`setns`), with no `ip` or `nsenter`: the
//! same code runs on a host and in the VM initramfs. A namespace lives as long as its
//! [`NetNs`] (a file descriptor) or a process in it.

use std::{
    fs,
    net::IpAddr,
    os::{
        fd::{AsRawFd as _, OwnedFd},
        unix::process::CommandExt as _,
    },
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
};

use crate::rtnl::{self, Rtnl};

pub const BRIDGE: &str = "rampart-br0";
pub const BRIDGE_V4: &str = "10.231.0.1";
pub const BRIDGE_V6: &str = "fd00:231::1";

/// The bridge's fixed MAC. A bridge without one takes the lowest MAC of its ports, which
/// changes as test namespaces come and go; pods would keep sending to the old one, which the
/// host drops (`OTHERHOST`) until their ARP entry expires — tens of seconds of TCP backoff.
const BRIDGE_MAC: [u8; 6] = [0x02, 0x72, 0x70, 0x00, 0x00, 0x01];

fn host_rtnl() -> Rtnl {
    Rtnl::open().expect("opening a NETLINK_ROUTE socket")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("an IP address")
}

/// Create the bridge if it is not there (idempotent; several tests race to do it).
pub fn ensure_bridge() {
    let nl = host_rtnl();
    if rtnl::index(BRIDGE).is_err() {
        // EEXIST: another test made it first.
        let _ = nl.add_link(BRIDGE, "bridge", Some(BRIDGE_MAC));
    }
    let _ = nl.set_mac(BRIDGE, BRIDGE_MAC);
    let _ = nl.add_addr(BRIDGE, ip(BRIDGE_V4), 24);
    let _ = nl.add_addr(BRIDGE, ip(BRIDGE_V6), 64);
    nl.set_up(BRIDGE).expect("bringing the test bridge up");
}

/// Host numbers handed out in this process; offset by pid so concurrent test binaries differ.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Run `f` on a thread of its own that first enters the network namespace `ns` (or a new one,
/// when `ns` is `None`); the calling thread's namespace never changes.
fn in_netns<T: Send>(ns: Option<&OwnedFd>, f: impl FnOnce() -> T + Send) -> T {
    let raw = ns.map(|n| n.as_raw_fd());
    std::thread::scope(|s| {
        s.spawn(move || {
            // SAFETY: unshare/setns act on this thread only; the descriptor is open (borrowed
            // for the scope).
            let rc = unsafe {
                match raw {
                    Some(fd) => libc::setns(fd, libc::CLONE_NEWNET),
                    None => libc::unshare(libc::CLONE_NEWNET),
                }
            };
            assert_eq!(rc, 0, "entering a network namespace: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("network namespace thread")
    })
}

/// A network namespace attached to the test bridge.
pub struct NetNs {
    pub name: String,
    pub v4: String,
    pub v6: String,
    host_if: String,
    ns: OwnedFd,
}

impl NetNs {
    pub fn create() -> NetNs {
        ensure_bridge();
        let n = 2 + (std::process::id() % 8) * 30 + NEXT.fetch_add(1, Ordering::Relaxed) % 30;
        let tag = crate::random_hex(6);
        let (name, host_if, pod_if) = (format!("rp-{tag}"), format!("rph{tag}"), format!("rpp{tag}"));
        let (v4, v6) = (format!("10.231.0.{n}"), format!("fd00:231::{n:x}"));
        // The address may have belonged to an earlier test's namespace: forget its old MAC, or
        // the host keeps sending to a veth that no longer exists until neighbour discovery
        // gives up on it (seconds of TCP retransmissions).
        flush_neighbours(&v4, &v6);
        let ns: OwnedFd = in_netns(None, || {
            fs::File::open("/proc/thread-self/ns/net").expect("opening the new network namespace").into()
        });
        let nl = host_rtnl();
        let fail = |step: &str, e: std::io::Error| -> ! { panic!("setting up netns {name}: {step}: {e}") };
        nl.add_veth(&host_if, &pod_if, &ns).unwrap_or_else(|e| fail("veth pair", e));
        nl.set_master(&host_if, BRIDGE).unwrap_or_else(|e| fail("onto the bridge", e));
        nl.set_up(&host_if).unwrap_or_else(|e| fail("host end up", e));
        in_netns(Some(&ns), || {
            let nl = host_rtnl();
            nl.set_up("lo").unwrap_or_else(|e| fail("lo up", e));
            nl.add_addr(&pod_if, ip(&v4), 24).unwrap_or_else(|e| fail("IPv4 address", e));
            nl.add_addr(&pod_if, ip(&v6), 64).unwrap_or_else(|e| fail("IPv6 address", e));
            nl.set_up(&pod_if).unwrap_or_else(|e| fail("pod end up", e));
        });
        NetNs { name, v4, v6, host_if, ns }
    }

    /// Make `cmd` run in this namespace (network namespace only: the mounts, including the
    /// cgroup hierarchy, stay the host's). The namespace must outlive the spawn.
    pub fn enter(&self, cmd: &mut Command) {
        let fd = self.ns.as_raw_fd();
        // SAFETY: setns is async-signal-safe; the descriptor is inherited by the child.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

fn flush_neighbours(v4: &str, v6: &str) {
    let nl = host_rtnl();
    let _ = nl.del_neigh(BRIDGE, ip(v4));
    let _ = nl.del_neigh(BRIDGE, ip(v6));
}

impl Drop for NetNs {
    fn drop(&mut self) {
        // Deleting one end of a veth pair deletes both.
        let _ = host_rtnl().del_link(&self.host_if);
        flush_neighbours(&self.v4, &self.v6);
    }
}
