//! Network test helpers: the trigger binary, servers on the host side, policies on disk.

use std::{
    fs,
    io::{BufRead as _, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
};

use serde_json::Value;

/// `rampart-trigger`, next to the test binaries (or `$RAMPART_TRIGGER`).
pub fn trigger() -> String {
    crate::bins::find("rampart-trigger", "RAMPART_TRIGGER", "rampart-tests").display().to_string()
}

/// A copy of the trigger that any user may run, for tests that drop to another uid before
/// exec'ing it: the build tree may sit in a directory only root can enter (`mktemp -d` makes
/// them 0700), where that exec fails with EACCES. The copy lives as long as the returned dir.
pub fn trigger_for_anyone() -> (tempfile::TempDir, String) {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temp dir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("dir mode");
    let path = dir.path().join("rampart-trigger");
    fs::copy(trigger(), &path).expect("copy the trigger");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("trigger mode");
    let path = path.display().to_string();
    (dir, path)
}

/// A port for a server to listen on, free now. Not one the kernel picked (`bind` to port 0):
/// those come from the ephemeral range, where outgoing connections take their source ports too
/// (the cluster's own routes among them), so one could be taken before the server binds it
/// (seen: NATS's "Error listening on router port ... address already in use", and a test
/// server's EADDRINUSE). Ports below that range are handed out in turn, from an offset per
/// process, each once per process.
pub fn port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    static EPHEMERAL: OnceLock<u32> = OnceLock::new();
    let ephemeral = *EPHEMERAL.get_or_init(|| {
        fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|r| r.split_whitespace().next()?.parse::<u32>().ok())
            .unwrap_or(32768)
    });
    let (first, span) = (10_000, ephemeral.saturating_sub(10_000).max(1_000));
    let offset = std::process::id().wrapping_mul(7919);
    loop {
        let port = first + offset.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % span;
        if let Ok(port) = u16::try_from(port)
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
}

/// `[addr]:port` for IPv6, `addr:port` for IPv4.
pub fn sockaddr(addr: &str, port: u16) -> String {
    if addr.contains(':') { format!("[{addr}]:{port}") } else { format!("{addr}:{port}") }
}

/// A server started on the host side, killed when dropped.
pub struct Server(pub Child);

impl Server {
    /// Run `rampart-trigger <mode> ADDR:PORT args...` via `cmd` and wait for "listening".
    pub fn start(mut cmd: Command) -> Server {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("spawn server");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        out.read_line(&mut line).expect("server output");
        assert_eq!(line.trim(), "listening", "server did not start: {line}");
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        Server(child)
    }

    /// A TCP server on the host: replies `reply` bytes to each of `conns` connections.
    pub fn tcp(addr: &str, port: u16, reply: usize, conns: usize) -> Server {
        let mut cmd = Command::new(trigger());
        cmd.args(["tcp-serve", &sockaddr(addr, port), &reply.to_string(), &conns.to_string()]);
        Server::start(cmd)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The trigger's one-line verdict: `Ok(line)` or `Err(errno)`.
pub fn outcome(out: &Output) -> Result<String, i32> {
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() {
        return Ok(text);
    }
    let errno = text
        .strip_prefix("error errno=")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            panic!("trigger failed without an errno: {text:?} {:?}", String::from_utf8_lossy(&out.stderr))
        });
    Err(errno)
}

/// A RampartPolicy with a network section, written to `dir/<name>.yaml`.
pub fn write_policy(
    dir: &Path,
    namespace: &str,
    name: &str,
    app: &str,
    mode: &str,
    network: &str,
) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    let text = format!(
        "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: {app}}}}}\n  mode: {mode}\n  network:\n{network}"
    );
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, text).expect("write policy");
    fs::rename(&tmp, &path).expect("rename policy");
    path
}

/// Is `e` a flow event of pod `pod` to/from `port` (remote port for egress, local for ingress)?
pub fn flow_of(e: &Value, pod: &str, port: u16) -> bool {
    let f = &e["flow"];
    f.is_object()
        && e["pod"]["name"] == pod
        && (f["remotePort"] == u64::from(port)
            || (f["direction"] == "ingress" && f["localPort"] == u64::from(port)))
}

/// Whether a connect from `pod` to the bridge on `port` goes through (else EPERM).
pub fn connects_to_bridge(pod: &crate::pod::TestPod, port: u16) -> bool {
    match outcome(&pod.exec(&[&trigger(), "tcp-connect", &sockaddr(crate::netns::BRIDGE_V4, port)])) {
        Ok(_) => true,
        Err(1) => false,
        Err(e) => panic!("connect to {port}: errno {e}"),
    }
}
