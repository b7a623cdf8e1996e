//! The real `rampart-collector`, run on a scratch SQLite file; killed and restarted on the
//! same address and store to test delivery across outages.

use std::{
    fs,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::bins::collector_bin;

#[derive(Default, Clone)]
pub struct CollectorOptions {
    /// Listen here (a fixed address, e.g. to restart where agents expect it); else 127.0.0.1:0.
    pub listen: Option<SocketAddr>,
    /// `--store` (e.g. a [`crate::nats::Nats`] URL); else a SQLite file in the scratch dir.
    pub store: Option<String>,
    pub extra: Vec<String>,
}

pub struct Collector {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
    pub log_path: PathBuf,
    pub addr: SocketAddr,
    opts: CollectorOptions,
    starts: u32,
}

impl Collector {
    /// Start on a new store and wait until it listens.
    pub fn start(opts: CollectorOptions) -> Collector {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("events.db");
        let mut c = Collector {
            child: None,
            log_path: dir.path().join("collector-0.log"),
            dir,
            store,
            addr: "127.0.0.1:0".parse().expect("addr"),
            opts,
            starts: 0,
        };
        c.spawn();
        c
    }

    fn spawn(&mut self) {
        self.log_path = self.dir.path().join(format!("collector-{}.log", self.starts));
        self.starts += 1;
        let listen = self.opts.listen.map_or_else(|| "127.0.0.1:0".to_string(), |a| a.to_string());
        let mut cmd = Command::new(collector_bin());
        // Readers are anonymous unless a test says otherwise (the collector's default,
        // `kubernetes`, needs an API server).
        if !self.opts.extra.iter().any(|a| a == "--readers" || a.starts_with("--readers=")) {
            cmd.args(["--readers", "anonymous"]);
        }
        cmd.args(["--listen", &listen, "--log-format", "json"])
            .arg("--store")
            .arg(self.opts.store.clone().unwrap_or_else(|| format!("sqlite:{}", self.store.display())))
            .args(&self.opts.extra)
            // `RAMPART_TEST_COLLECTOR_LOG` raises it (e.g. `info,rampart_collector::store=debug`).
            .env("RUST_LOG", std::env::var("RAMPART_TEST_COLLECTOR_LOG").unwrap_or_else(|_| "info".into()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&self.log_path).expect("log file"));
        let mut child = cmd.spawn().expect("spawn rampart-collector");
        let start = Instant::now();
        self.addr = loop {
            if let Some(addr) = listening(&self.log_path) {
                break addr;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("rampart-collector exited early ({status}):\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "rampart-collector did not listen:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // Restarts listen where the first start did.
        self.opts.listen = Some(self.addr);
        self.child = Some(child);
    }

    /// GET `path` from the metrics endpoint (started with `--metrics-addr`): status and body.
    pub fn http(&self, path: &str) -> (u16, String) {
        let log = self.log();
        let addr: SocketAddr = log
            .lines()
            .find_map(|l| {
                let v: Value = serde_json::from_str(l).ok()?;
                v["fields"]["message"].as_str()?.starts_with("serving /metrics").then_some(())?;
                v["fields"]["addr"].as_str()?.parse().ok()
            })
            .unwrap_or_else(|| panic!("no metrics endpoint (--metrics-addr):\n{log}"));
        crate::agent::http_get(addr, path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Every log of every start.
    pub fn logs(&self) -> String {
        (0..self.starts)
            .map(|i| {
                fs::read_to_string(self.dir.path().join(format!("collector-{i}.log"))).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n--- restart ---\n")
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no draining, whatever is in flight is cut.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same address and store.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill it first");
        self.spawn();
    }

    /// SIGTERM and the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("rampart-collector did not exit within 20s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.kill();
    }
}

fn listening(log: &Path) -> Option<SocketAddr> {
    let text = fs::read_to_string(log).ok()?;
    text.lines().find_map(|l| {
        let v: Value = serde_json::from_str(l).ok()?;
        (v["fields"]["message"].as_str()? == "listening").then_some(())?;
        v["fields"]["addr"].as_str()?.parse().ok()
    })
}
