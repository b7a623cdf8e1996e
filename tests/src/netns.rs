//! Pod networking as a node gives it: a network namespace per pod on a veth pair whose host end
//! is on a test bridge. The bridge `rampart-br0` has 10.231.0.1/24 and fd00:231::1/64 (the
//! design's free test range); traffic stays on it.

use std::{
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
};

pub const BRIDGE: &str = "rampart-br0";
pub const BRIDGE_V4: &str = "10.231.0.1";
pub const BRIDGE_V6: &str = "fd00:231::1";

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("running ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// The bridge's fixed MAC. A bridge without one takes the lowest MAC of its ports, which
/// changes as test namespaces come and go; pods would keep sending to the old one, which the
/// host drops (`OTHERHOST`) until their ARP entry expires — tens of seconds of TCP backoff.
const BRIDGE_MAC: &str = "02:72:70:00:00:01";

/// Create the bridge if it is not there (idempotent; several tests race to do it).
pub fn ensure_bridge() {
    if ip(&["link", "show", BRIDGE]).is_err() {
        let _ = ip(&["link", "add", BRIDGE, "type", "bridge"]);
    }
    let _ = ip(&["link", "set", BRIDGE, "address", BRIDGE_MAC]);
    let _ = ip(&["addr", "add", &format!("{BRIDGE_V4}/24"), "dev", BRIDGE]);
    let _ = ip(&["-6", "addr", "add", &format!("{BRIDGE_V6}/64"), "dev", BRIDGE, "nodad"]);
    ip(&["link", "set", BRIDGE, "up"]).expect("bringing the test bridge up");
}

/// Host numbers handed out in this process; offset by pid so concurrent test binaries differ.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A network namespace attached to the test bridge.
pub struct NetNs {
    pub name: String,
    pub v4: String,
    pub v6: String,
    host_if: String,
}

impl NetNs {
    pub fn create() -> NetNs {
        ensure_bridge();
        let n = 2 + (std::process::id() % 8) * 30 + NEXT.fetch_add(1, Ordering::Relaxed) % 30;
        let tag = crate::random_hex(6);
        let (name, host_if, pod_if) = (format!("rp-{tag}"), format!("rph{tag}"), format!("rpp{tag}"));
        let (v4, v6) = (format!("10.231.0.{n}"), format!("fd00:231::{n:x}"));
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), name.clone()],
            vec![
                "link".into(),
                "add".into(),
                host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                pod_if.clone(),
            ],
            vec!["link".into(), "set".into(), pod_if.clone(), "netns".into(), name.clone()],
            vec!["link".into(), "set".into(), host_if.clone(), "master".into(), BRIDGE.into()],
            vec!["link".into(), "set".into(), host_if.clone(), "up".into()],
            vec!["-n".into(), name.clone(), "link".into(), "set".into(), "lo".into(), "up".into()],
            vec![
                "-n".into(),
                name.clone(),
                "addr".into(),
                "add".into(),
                format!("{v4}/24"),
                "dev".into(),
                pod_if.clone(),
            ],
            vec![
                "-n".into(),
                name.clone(),
                "-6".into(),
                "addr".into(),
                "add".into(),
                format!("{v6}/64"),
                "dev".into(),
                pod_if.clone(),
                "nodad".into(),
            ],
            vec!["-n".into(), name.clone(), "link".into(), "set".into(), pod_if.clone(), "up".into()],
        ];
        // The address may have belonged to an earlier test's namespace: forget its old MAC, or
        // the host keeps sending to a veth that no longer exists until neighbour discovery
        // gives up on it (seconds of TCP retransmissions).
        flush_neighbours(&v4, &v6);
        for step in steps {
            let args: Vec<&str> = step.iter().map(String::as_str).collect();
            ip(&args).unwrap_or_else(|e| panic!("setting up netns {name}: {e}"));
        }
        NetNs { name, v4, v6, host_if }
    }

    /// The argv prefix that runs a command in this namespace (network namespace only: the
    /// mounts, including the cgroup hierarchy, stay the host's).
    pub fn enter(&self) -> Vec<String> {
        vec!["/usr/bin/nsenter".into(), format!("--net=/run/netns/{}", self.name)]
    }
}

fn flush_neighbours(v4: &str, v6: &str) {
    let _ = ip(&["neigh", "flush", "to", v4, "dev", BRIDGE]);
    let _ = ip(&["-6", "neigh", "flush", "to", v6, "dev", BRIDGE]);
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
        let _ = ip(&["link", "del", &self.host_if]);
        flush_neighbours(&self.v4, &self.v6);
    }
}
