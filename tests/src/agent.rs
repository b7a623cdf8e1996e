//! The real `rampart-agent`, run as a node would run it, observed through its outputs.

use std::{
    cell::RefCell,
    fs,
    io::{Read as _, Write as _},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::wait_for;

/// The agent binary: `$RAMPART_AGENT`, else next to this test's target dir.
pub fn agent_bin() -> PathBuf {
    crate::bins::find("rampart-agent", "RAMPART_AGENT", "rampart-agent")
}

#[derive(Default)]
pub struct AgentOptions {
    /// `--node-name`; `test-node` when unset.
    pub node_name: Option<String>,
    pub policies: Option<PathBuf>,
    pub pod_manifests: Option<PathBuf>,
    pub attribution_hold: Option<String>,
    pub extra: Vec<String>,
    /// Run with no other agent on the node. Every agent's network programs judge every pod's
    /// traffic and all must allow it, so an agent that denies pods it does not know
    /// (`--network-unknown-pod deny`) must be alone. Others share the node.
    pub exclusive: bool,
    /// Extra environment for the agent.
    pub env: Vec<(String, String)>,
    /// Return once the agent serves `/readyz`, ready or not (`--require-enforcement`).
    pub may_stay_unready: bool,
    /// Run without `--events-out`, as a node does (its collector is its only output);
    /// [`Agent::events`] then sees nothing.
    pub no_events_file: bool,
    /// Run the agent through this instead of directly (e.g. in a container): given the
    /// agent's arguments and extra environment, the command that runs it.
    pub launcher: Option<Box<Launcher>>,
}

/// See [`AgentOptions::launcher`].
pub type Launcher = dyn Fn(&[std::ffi::OsString], &[(String, String)]) -> Command;

/// Where the slowest agent start measured on this machine is kept, for every test after it.
fn start_record() -> PathBuf {
    std::env::temp_dir().join("rampart-tests.agent-start-ms")
}

/// How long an agent may take from spawn to ready, derived from what was measured on this
/// machine instead of a fixed number that a slow node (TCG) hits by chance:
/// - four times the slowest start measured so far by any test here;
/// - twice `RAMPART_PROBE_MS`, the time `rampart-agent probe` took (the VM's /init measures
///   it): the probe engages every tier of every concern, more than any one start, so starts
///   that engage more than the ones measured so far (a rootfs policy) stay covered;
/// - never less than 60 s; before any start was measured, at least
///   `RAMPART_AGENT_FIRST_START_LIMIT` seconds (the VM runner sets it from its per-test
///   limit), else 120 s.
pub fn start_limit() -> Duration {
    let ms = |v: Option<u64>| v.map(Duration::from_millis).unwrap_or_default();
    let slowest = fs::read_to_string(start_record()).ok().and_then(|t| t.trim().parse::<u64>().ok());
    let probe = std::env::var("RAMPART_PROBE_MS").ok().and_then(|v| v.parse::<u64>().ok());
    let floor = match slowest {
        Some(_) => Duration::from_secs(60),
        None => Duration::from_secs(
            std::env::var("RAMPART_AGENT_FIRST_START_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(120),
        ),
    };
    floor.max(ms(slowest) * 4).max(ms(probe) * 2)
}

/// Remember a measured start (the slowest one is kept).
fn record_start(took: Duration) {
    let path = start_record();
    let before = fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u64>().ok()).unwrap_or(0);
    let ms = took.as_millis() as u64;
    if ms > before {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&tmp, ms.to_string()).is_ok() {
            let _ = fs::rename(&tmp, &path);
        }
    }
}

/// The node-wide lock agents of concurrent tests take: shared, or exclusive (see
/// [`AgentOptions::exclusive`]).
struct NodeLock {
    _file: fs::File,
}

impl NodeLock {
    fn take(exclusive: bool) -> NodeLock {
        let open = |path: &str| {
            fs::OpenOptions::new().create(true).truncate(false).write(true).open(path).expect("lock file")
        };
        let flock = |f: &fs::File, op: i32| {
            // SAFETY: flock on a file we own; released when the file is closed.
            let rc = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(f), op) };
            assert_eq!(rc, 0, "flock: {}", std::io::Error::last_os_error());
        };
        // A turnstile first, so an exclusive taker waiting for the node is not starved by
        // shared takers arriving after it.
        let turnstile = open("/tmp/rampart-tests.turnstile");
        flock(&turnstile, libc::LOCK_EX);
        let node = open("/tmp/rampart-tests.lock");
        flock(&node, if exclusive { libc::LOCK_EX } else { libc::LOCK_SH });
        drop(turnstile);
        NodeLock { _file: node }
    }
}

pub struct Agent {
    _lock: NodeLock,
    /// Started through [`AgentOptions::launcher`].
    launched: bool,
    child: RefCell<Option<Child>>,
    pub dir: tempfile::TempDir,
    pub events_path: PathBuf,
    pub log_path: PathBuf,
    pub metrics_addr: SocketAddr,
    /// Recording the pipeline's fixtures (`RAMPART_RECORD_FIXTURES`): see [`Fixture`].
    fixture: Option<Fixture>,
}

/// With `RAMPART_RECORD_FIXTURES=DIR` (set by `cargo xtask fixtures`), each agent a test
/// starts records its pods' raw ring-buffer records to `DIR/<test>.ring`
/// (`RAMPART_RECORD_RING`), and [`Agent::stop`] writes `DIR/<test>.json`: the policies the
/// agent read, the tier of each concern, and the pod events it sent. The agent's pipeline tests
/// feed the records back without a kernel and expect those events.
struct Fixture {
    sidecar: PathBuf,
    policies: Option<PathBuf>,
}

impl Fixture {
    fn new(dir: &Path, policies: Option<&Path>, env: &mut Vec<(String, String)>) -> Fixture {
        let test = std::thread::current().name().unwrap_or("agent").replace("::", "-");
        fs::create_dir_all(dir).expect("fixtures directory");
        let ring = dir.join(format!("{test}.ring"));
        let _ = fs::remove_file(&ring);
        env.push(("RAMPART_RECORD_RING".into(), ring.display().to_string()));
        Fixture { sidecar: dir.join(format!("{test}.json")), policies: policies.map(Path::to_path_buf) }
    }

    fn write(&self, agent: &Agent, tiers: Value) {
        let mut policies = serde_json::Map::new();
        if let Some(dir) = &self.policies {
            for entry in fs::read_dir(dir).expect("policies directory").flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Ok(text) = fs::read_to_string(entry.path()) {
                    policies.insert(name, Value::String(text));
                }
            }
        }
        let events: Vec<Value> = agent
            .events()
            .into_iter()
            .filter(|e| !matches!(e["pod"]["attribution"].as_str(), Some("host") | None))
            .collect();
        let sidecar = serde_json::json!({
            "arch": std::env::consts::ARCH,
            "policies": policies,
            "tiers": tiers,
            "events": events,
        });
        fs::write(&self.sidecar, serde_json::to_string_pretty(&sidecar).expect("JSON") + "\n")
            .expect("fixture sidecar");
    }
}

impl Agent {
    /// Start the agent and wait until `/readyz` says ready.
    pub fn start(opts: AgentOptions) -> Agent {
        Agent::try_start(opts).unwrap_or_else(|log| panic!("rampart-agent exited early: {log}"))
    }

    /// Start the agent and wait until `/readyz` says ready; if it exits first, its exit status
    /// and log.
    pub fn try_start(opts: AgentOptions) -> Result<Agent, String> {
        let lock = NodeLock::take(opts.exclusive);
        let dir = tempfile::tempdir().expect("tempdir");
        let events_path = dir.path().join("events.json");
        let log_path = dir.path().join("agent.log");
        let node = opts.node_name.as_deref().unwrap_or("test-node");
        let mut args: Vec<std::ffi::OsString> =
            ["run", "--node-name", node, "--metrics-addr", "127.0.0.1:0", "--log-format", "json"]
                .map(Into::into)
                .into();
        if !opts.no_events_file {
            args.extend(["--events-out".into(), events_path.clone().into()]);
        }
        if let Some(p) = &opts.policies {
            args.extend(["--policies".into(), p.into()]);
        }
        if let Some(p) = &opts.pod_manifests {
            args.extend(["--pod-manifests".into(), p.into()]);
        }
        if let Some(h) = &opts.attribution_hold {
            args.extend(["--attribution-hold".into(), h.into()]);
        }
        args.extend(opts.extra.iter().map(Into::into));
        let mut env = vec![("RUST_LOG".to_string(), "info".to_string())];
        env.extend(opts.env.iter().cloned());
        let fixture = std::env::var_os("RAMPART_RECORD_FIXTURES")
            .map(|dir| Fixture::new(Path::new(&dir), opts.policies.as_deref(), &mut env));
        let mut cmd = match &opts.launcher {
            Some(launch) => launch(&args, &env),
            None => {
                let mut cmd = Command::new(agent_bin());
                cmd.args(&args).envs(env.iter().map(|(k, v)| (k, v)));
                cmd
            }
        };
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(fs::File::create(&log_path).expect("log file"));
        // Pods and policies come from what the test gives, never from the machine's cluster.
        cmd.env_remove("KUBECONFIG").env_remove("KUBERNETES_SERVICE_HOST");
        // An agent outliving a killed test would go on judging every pod's traffic.
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn rampart-agent");

        // The agent logs the address it bound once its programs are attached; then it is ready
        // (or, with `--require-enforcement`, says why not).
        let start = Instant::now();
        let limit = start_limit();
        let metrics_addr = loop {
            if let Some(addr) = bound_addr(&log_path) {
                break addr;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("({status}):\n{}", fs::read_to_string(&log_path).unwrap_or_default()));
            }
            assert!(
                start.elapsed() < limit,
                "rampart-agent did not start within {limit:?} (derived from the slowest start measured here):\n{}",
                fs::read_to_string(&log_path).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let agent = Agent {
            _lock: lock,
            launched: opts.launcher.is_some(),
            child: RefCell::new(Some(child)),
            dir,
            events_path,
            log_path,
            metrics_addr,
            fixture,
        };
        if opts.may_stay_unready {
            wait_for("the agent to serve /readyz", Duration::from_secs(30), || {
                (agent.get("/readyz").0 != 0).then_some(())
            });
        } else {
            wait_for("the agent to be ready", Duration::from_secs(30), || {
                (agent.get("/readyz").0 == 200).then_some(())
            });
            record_start(start.elapsed());
        }
        agent.keep_startup_steps();
        Ok(agent)
    }

    /// Append the agent's start-up lines (each step's duration, fallbacks, ready) to
    /// `$TMPDIR/rampart-tests.agent-starts.log`, which the VM runner prints at the end.
    fn keep_startup_steps(&self) {
        let log = self.log();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| {
                ["start-up step", "tier unavailable", "agent ready", "agent not ready"]
                    .iter()
                    .any(|m| l.contains(m))
            })
            .collect();
        let test = std::thread::current().name().unwrap_or("?").to_string();
        let mut text = format!("== {test}\n");
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        let path = std::env::temp_dir().join("rampart-tests.agent-starts.log");
        if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(text.as_bytes());
        }
    }

    /// HTTP GET on the agent's metrics address: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(self.metrics_addr, path).unwrap_or((0, String::new()))
    }

    /// The agent's pid, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.borrow().as_ref().map(Child::id)
    }

    pub fn metrics(&self) -> String {
        self.get("/metrics").1
    }

    /// The value of one sample, e.g. `rampart_pods` or `rampart_events_total{kind="exec"}`.
    pub fn metric(&self, sample: &str) -> Option<f64> {
        crate::metric_sample(&self.metrics(), sample)
    }

    /// The tier the agent enforces `concern` (network, rootfs, privilege) with, from its metrics.
    pub fn tier(&self, concern: &str) -> String {
        ["lsm", "cgroup", "sigkill", "none"]
            .into_iter()
            .find(|t| {
                self.metric(&format!("rampart_enforcement_tier{{concern=\"{concern}\",tier=\"{t}\"}}"))
                    == Some(1.0)
            })
            .unwrap_or_else(|| panic!("no {concern} tier in the agent's metrics:\n{}", self.log()))
            .to_string()
    }

    /// Wait until the metric reaches `value`.
    pub fn wait_metric(&self, sample: &str, value: f64) {
        wait_for(&format!("{sample} == {value}"), Duration::from_secs(10), || {
            (self.metric(sample) == Some(value)).then_some(())
        });
    }

    /// Wait until `sample` is at least `value`.
    pub fn wait_metric_at_least(&self, sample: &str, value: f64) {
        wait_for(&format!("{sample} >= {value}"), Duration::from_secs(10), || {
            (self.metric(sample)? >= value).then_some(())
        });
    }

    /// Every event written so far (a last line the agent is still writing is left for later).
    pub fn events(&self) -> Vec<Value> {
        let text = fs::read_to_string(&self.events_path).unwrap_or_default();
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("event is not JSON ({e}): {l}")))
            .collect()
    }

    /// Wait for an event matching `pred`.
    pub fn wait_event(&self, what: &str, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            if let Some(e) = self.events().into_iter().find(|e| pred(e)) {
                return e;
            }
            if start.elapsed() > timeout {
                let events = self.events();
                let recent: Vec<String> = events
                    .iter()
                    .rev()
                    .filter(|e| e["pod"]["attribution"] != "host")
                    .take(12)
                    .map(|e| {
                        let body = if e["flow"].is_object() {
                            e["flow"].to_string()
                        } else {
                            e["exec"]["binary"].to_string()
                        };
                        format!("{} {} {}", e["pod"]["name"], body, e["verdict"])
                    })
                    .collect();
                panic!(
                    "no event {what} within {timeout:?}; {} events seen; the last pod events:\n{}\nagent log:\n{}",
                    events.len(),
                    recent.join("\n"),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Stop the agent (SIGSTOP) until the guard is dropped (SIGCONT): while it is stopped the
    /// kernel acts alone, as it does when the agent is busy or starved of CPU.
    pub fn freeze(&self) -> Frozen {
        let pid = self.pid().expect("running") as libc::pid_t;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, libc::SIGSTOP) };
        Frozen { pid }
    }

    /// SIGKILL (no draining, nothing recorded), and wait for it to be gone. Outputs stay
    /// readable afterwards.
    pub fn kill(&self) {
        let mut child = self.child.borrow_mut().take().expect("running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// SIGTERM, then wait for the exit status. Outputs stay readable afterwards.
    pub fn stop(&self) -> ExitStatus {
        let tiers = self.fixture.as_ref().map(|_| {
            let tiers =
                ["network", "rootfs", "privilege"].map(|c| (c.to_string(), Value::from(self.tier(c))));
            Value::Object(tiers.into_iter().collect())
        });
        let mut child = self.child.borrow_mut().take().expect("running");
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                if let (Some(fixture), Some(tiers)) = (&self.fixture, tiers) {
                    fixture.write(self, tiers);
                }
                return status;
            }
            if start.elapsed() > Duration::from_secs(15) {
                let _ = child.kill();
                panic!("rampart-agent did not exit within 15s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.get_mut().take() {
            if self.launched {
                // A launcher (runc) killed outright would leave the agent it runs behind, its
                // programs attached: runc passes SIGTERM on, and the agent drains and exits.
                // SAFETY: signalling our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            } else {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

fn bound_addr(log: &Path) -> Option<SocketAddr> {
    let text = fs::read_to_string(log).ok()?;
    text.lines().find_map(|l| {
        let v: Value = serde_json::from_str(l).ok()?;
        v["fields"]["message"].as_str()?.starts_with("serving /metrics").then_some(())?;
        v["fields"]["addr"].as_str()?.parse().ok()
    })
}

/// A minimal HTTP/1.1 GET.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let status = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// A stopped agent, resumed when dropped (see [`Agent::freeze`]).
pub struct Frozen {
    pid: libc::pid_t,
}

impl Drop for Frozen {
    fn drop(&mut self) {
        // SAFETY: signalling our own child (SIGCONT to a process that is gone answers ESRCH).
        unsafe { libc::kill(self.pid, libc::SIGCONT) };
    }
}
