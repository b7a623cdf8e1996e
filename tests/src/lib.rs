//! Harness for Rampart's end-to-end tests on a real kernel.
//!
//! - [`pod`]: pods as real cgroup v2 directories in the kubelet layout (both drivers, every
//!   runtime naming and QoS class), with real processes moved into them, and their Pod
//!   manifests.
//! - [`agent`]: the real `rampart-agent` binary, started with a scratch directory, read through
//!   its `--events-out` file and its `/metrics`, stopped with SIGTERM.
//! - [`container`]: real runc containers on an overlayfs root filesystem, with a volume and a
//!   tmpfs, in a pod's kubelet-layout cgroup; started natively ([`nsrun`]) where runc is
//!   missing (the VM initramfs).
//! - [`filecaps`]: file capabilities as `setcap` writes them, without libcap's tools.
//! - [`netns`]: pod networking — a network namespace per pod on a veth to a test bridge, set
//!   up through [`rtnl`] (raw rtnetlink) and `unshare`/`setns`, with no `ip` or `nsenter`.
//! - [`collector`]: the real `rampart-collector` on a scratch SQLite file, killed and restarted
//!   on the same address and store.
//! - [`apiserver`]: a stand-in Kubernetes API server (list, watch, server-side apply, 410,
//!   403) with objects in the shape real API servers return them; the one stand-in here.
//! - [`disk`]: a size-limited tmpfs that really fills; [`proxy`]: a TCP proxy that holds
//!   back the server's answers (a known window between a delivery and its ack).
//! - [`cli`]: the real `rampart` command, one-shot or `observe` in the background.
//! - [`grpc`]: a raw client of the collector's services, for what the binaries never send.
//! - [`require`]: capabilities a test needs. Under `CI=true` a missing one fails the test with
//!   the reason; elsewhere the test says why it skipped.

pub mod agent;
pub mod apiserver;
pub mod bins;
pub mod bpffs;
pub mod cli;
pub mod collector;
pub mod container;
pub mod daemonset;
pub mod disk;
pub mod filecaps;
pub mod grpc;
pub mod nats;
pub mod net;
pub mod netns;
pub mod nsrun;
pub mod pki;
pub mod pod;
pub mod proxy;
pub mod require;
pub mod rootfs;
pub mod rtnl;
pub mod seccomp;

use std::time::{Duration, Instant};

/// Poll `f` until it returns `Some`, or panic with `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Random hex string of `n` characters, from the kernel's random source.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n.div_ceil(2)];
    // SAFETY: fills the buffer it is given.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    assert_eq!(got as usize, bytes.len(), "getrandom");
    let mut s: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    s.truncate(n);
    s
}

/// A random RFC 4122 UUID, as kubelet gives pods.
pub fn random_uuid() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid").map(|s| s.trim().to_string()).unwrap_or_else(
        |_| {
            let h = random_hex(32);
            format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
        },
    )
}

/// This kernel's (major, minor) version, from `/proc/sys/kernel/osrelease`.
pub fn kernel_version() -> (u32, u32) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    let mut parts = release.trim().split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The value of `sample` (a metric name with its labels, exactly as exposed) in a Prometheus
/// text exposition.
pub fn metric_sample(text: &str, sample: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (name, value) = l.rsplit_once(' ')?;
        (name == sample).then(|| value.parse().ok())?
    })
}
