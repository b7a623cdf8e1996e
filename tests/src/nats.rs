//! Real `nats-server`s with JetStream on loopback: one server, or a three-server cluster whose
//! members can be killed and started again on their own store directories.

use std::{
    fs,
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The `nats-server` binary (`$NATS_SERVER`, else on PATH).
pub fn server_bin() -> String {
    std::env::var("NATS_SERVER").unwrap_or_else(|_| "nats-server".into())
}

/// Whether `nats-server` can be run here.
pub fn available() -> bool {
    Command::new(server_bin()).arg("--version").output().is_ok_and(|o| o.status.success())
}

struct Member {
    name: String,
    client: u16,
    cluster: u16,
    monitor: u16,
    store: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// One server or a cluster of them; every server is killed when dropped.
pub struct Nats {
    _dir: tempfile::TempDir,
    members: Vec<Member>,
}

impl Nats {
    /// One server with JetStream.
    pub fn single() -> Nats {
        Nats::start(1)
    }

    /// A cluster of three servers with JetStream (R3 streams need all three to start).
    pub fn cluster() -> Nats {
        Nats::start(3)
    }

    fn start(n: usize) -> Nats {
        let dir = tempfile::tempdir().expect("tempdir");
        let members = (0..n)
            .map(|i| Member {
                name: format!("n{i}"),
                client: crate::net::port(),
                cluster: crate::net::port(),
                monitor: crate::net::port(),
                store: dir.path().join(format!("n{i}")),
                log: dir.path().join(format!("n{i}.log")),
                child: None,
            })
            .collect();
        let mut nats = Nats { _dir: dir, members };
        for i in 0..n {
            nats.spawn(i);
        }
        for i in 0..n {
            nats.wait_ready(i);
        }
        nats
    }

    fn spawn(&mut self, i: usize) {
        let routes: Vec<String> =
            self.members.iter().map(|m| format!("nats://127.0.0.1:{}", m.cluster)).collect();
        let clustered = self.members.len() > 1;
        let m = &mut self.members[i];
        let mut cmd = Command::new(server_bin());
        cmd.args(["-a", "127.0.0.1", "-p", &m.client.to_string(), "-m", &m.monitor.to_string()])
            .args(["-js", "-sd", &m.store.display().to_string(), "-n", &m.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::OpenOptions::new().create(true).append(true).open(&m.log).expect("log"));
        if clustered {
            cmd.args(["--cluster_name", "rampart", "--cluster", &format!("nats://127.0.0.1:{}", m.cluster)])
                .args(["--routes", &routes.join(",")]);
        }
        m.child = Some(cmd.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", server_bin())));
    }

    /// Until the server answers its health check, JetStream included.
    fn wait_ready(&mut self, i: usize) {
        let start = Instant::now();
        let addr: SocketAddr = format!("127.0.0.1:{}", self.members[i].monitor).parse().expect("addr");
        loop {
            if let Ok((200, _)) = crate::agent::http_get(addr, "/healthz") {
                return;
            }
            if let Some(Ok(Some(status))) = self.members[i].child.as_mut().map(Child::try_wait) {
                panic!("nats-server {} exited ({status}):\n{}", self.members[i].name, self.log(i));
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "nats-server {} not healthy after 60s:\n{}",
                self.members[i].name,
                self.log(i)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The process ids of the servers running.
    pub fn pids(&self) -> Vec<u32> {
        self.members.iter().filter_map(|m| m.child.as_ref().map(Child::id)).collect()
    }

    /// `--store` for a collector: every server of the cluster.
    pub fn url(&self) -> String {
        let list: Vec<String> = self.members.iter().map(|m| format!("127.0.0.1:{}", m.client)).collect();
        format!("nats://{}", list.join(","))
    }

    pub fn log(&self, i: usize) -> String {
        fs::read_to_string(&self.members[i].log).unwrap_or_default()
    }

    /// SIGKILL server `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.members[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start server `i` again on its store and wait until it is healthy.
    pub fn restart(&mut self, i: usize) {
        assert!(self.members[i].child.is_none(), "kill it first");
        self.spawn(i);
        self.wait_ready(i);
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}
