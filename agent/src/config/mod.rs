//! Command line and configuration. Parsing is clap's; validation is ours and reports every
//! problem at once (like linkerd2-proxy's config), so one run tells the operator everything
//! that is wrong.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    attribution::cgroupfs,
    export::{CollectorConfig, EventsOut, ExportArgs},
    sources::api::ApiConfig,
};
pub use rampart_logging::LogFormat;

#[derive(Parser, Debug)]
#[command(name = "rampart-agent", version, about = "Rampart node agent: eBPF runtime enforcement for pods")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the agent: load programs, attribute, judge and export events until SIGTERM.
    Run(Box<RunArgs>),
    /// Show what this node can enforce, per concern and tier, and why.
    Probe(ProbeArgs),
    /// Remove the enforcement an agent left pinned in bpffs (`run --pin-dir`): its programs
    /// detach and its maps are freed. Run it once the agent is stopped, to take Rampart off a
    /// node.
    Uninstall(UninstallArgs),
    /// Benchmark baseline: attach an empty program to a hook and wait for SIGTERM.
    #[command(hide = true)]
    BenchBaseline(BaselineArgs),
    /// Benchmark: a synthetic agent streaming generated events through the real export path.
    #[command(hide = true)]
    BenchExport(crate::export::loadgen::LoadArgs),
}

#[derive(Args, Debug)]
pub struct ProbeArgs {
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Directory of RampartPolicy YAML files: also say, rule by rule, what this node would do
    /// with them, and which `enforce` rules would be degraded.
    #[arg(long, value_name = "DIR")]
    pub policies: Option<PathBuf>,
    /// The host's cgroup v2 hierarchy (default: the cgroup2 mount in /proc/self/mountinfo).
    #[arg(long, env = "RAMPART_CGROUP_ROOT", value_name = "DIR")]
    pub cgroup_root: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// The directory `run --pin-dir` pinned into.
    #[arg(long, env = "RAMPART_PIN_DIR", default_value = crate::loader::pins::DEFAULT_DIR, value_name = "DIR")]
    pub pin_dir: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// The hook to put an empty program on.
    #[arg(long, value_enum)]
    pub hook: BaselineHook,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BaselineHook {
    /// `sched:sched_process_exec` and `sched:sched_process_exit`
    Exec,
    /// The ten cgroup hooks of the network concern, at the cgroup v2 root.
    Network,
    /// The privilege `sigkill` tier's syscall tracepoints (entry and exit).
    Privilege,
    /// The rootfs `sigkill` tier's syscall tracepoints.
    Rootfs,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Name of this node (stamped on every event).
    #[arg(long, env = "NODE_NAME")]
    pub node_name: Option<String>,
    /// Directory of RampartPolicy YAML files, watched for changes.
    #[arg(long, env = "RAMPART_POLICIES", value_name = "DIR")]
    pub policies: Option<PathBuf>,
    /// Directory of Pod manifests (YAML/JSON), watched for changes; used where no API server is configured.
    #[arg(long, env = "RAMPART_POD_MANIFESTS", value_name = "DIR")]
    pub pod_manifests: Option<PathBuf>,
    /// Kubeconfig of the API server to take pods and policies from (a `:`-separated list is
    /// merged). Without it and without `--pod-manifests`/`--policies`, the in-cluster service
    /// account is used when the agent runs in a pod.
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// Write events as JSON lines to PATH, or to stdout with `-`.
    #[arg(long, env = "RAMPART_EVENTS_OUT", value_name = "PATH|-")]
    pub events_out: Option<String>,
    /// Serve /metrics, /healthz and /readyz on ADDR (e.g. 0.0.0.0:9464).
    #[arg(long, env = "RAMPART_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// Ring buffer size in bytes: a power of two, at least one page.
    #[arg(long, env = "RAMPART_RING_BUFFER_SIZE", default_value_t = 1 << 20, value_name = "BYTES")]
    pub ring_buffer_size: u64,
    /// How long an event from a pod cgroup waits for its Pod object before going out as `unknown`.
    #[arg(long, env = "RAMPART_ATTRIBUTION_HOLD", default_value = "2s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub attribution_hold: Duration,
    /// What the traffic of a pod whose Pod object (hence policy) is not known yet gets:
    /// `allow` (fail-open, reported) or `deny` (fail-closed).
    #[arg(long, env = "RAMPART_NETWORK_UNKNOWN_POD", value_enum, default_value_t = UnknownPod::Allow, value_name = "allow|deny")]
    pub network_unknown_pod: UnknownPod,
    /// The cluster's pod address ranges (repeatable, or comma-separated), e.g. the cluster
    /// CIDR: an address in them that is no pod the agent knows is an unknown peer (a pod not
    /// learned yet), judged by `--network-unknown-peer`.
    #[arg(long = "pod-cidr", env = "RAMPART_POD_CIDRS", value_delimiter = ',', value_name = "CIDR")]
    pub pod_cidrs: Vec<String>,
    /// What a connection with an unknown peer gets from a rule set that names pods: `deny`
    /// (it matches no pod peer; only address blocks may allow it) or `allow` (fail-open while
    /// the agent learns new pods; reported).
    #[arg(long, env = "RAMPART_NETWORK_UNKNOWN_PEER", value_enum, default_value_t = UnknownPeer::Deny, value_name = "deny|allow")]
    pub network_unknown_peer: UnknownPeer,
    /// Also enforce Kubernetes `networking.k8s.io/v1` NetworkPolicy objects (from the API
    /// server, or `kind: NetworkPolicy` documents in `--policies`), with upstream semantics,
    /// in this mode; `off` ignores them.
    #[arg(long = "networkpolicy", env = "RAMPART_NETWORKPOLICY", value_enum, default_value_t = NetworkPolicyMode::Off, value_name = "enforce|audit|off")]
    pub networkpolicy: NetworkPolicyMode,
    /// Interval between update records of a long-lived connection.
    #[arg(long, env = "RAMPART_FLOW_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub flow_interval: Duration,
    /// Log format on stderr.
    #[arg(long, env = "RAMPART_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Stay unready (`/readyz` 503, and say which rules) while any `enforce` rule would be
    /// degraded on this node: for fail-closed nodes.
    #[arg(long, env = "RAMPART_REQUIRE_ENFORCEMENT")]
    pub require_enforcement: bool,
    /// The host's cgroup v2 hierarchy, where pods' cgroups are found and programs attached
    /// (default: the cgroup2 mount in /proc/self/mountinfo; in a container, the host's
    /// hierarchy mounted in, e.g. /host/cgroup).
    #[arg(long, env = "RAMPART_CGROUP_ROOT", value_name = "DIR")]
    pub cgroup_root: Option<PathBuf>,
    /// Pin the enforcement programs and maps in this bpffs directory, so the policies stay in
    /// force while no agent runs (a crash, an upgrade, a rollout); an agent of the same build
    /// adopts what it finds there. `rampart-agent uninstall` removes it. The DaemonSet uses
    /// /sys/fs/bpf/rampart; unset, everything detaches when the agent exits.
    #[arg(long, env = "RAMPART_PIN_DIR", value_name = "DIR")]
    pub pin_dir: Option<PathBuf>,
    /// The DaemonSet this agent runs in, as NAMESPACE/NAME (with --pin-dir and the API): when
    /// it is gone or being deleted at the agent's SIGTERM (an uninstall), the pinned
    /// enforcement is removed; otherwise (a rollout) it stays for the next agent.
    #[arg(long, env = "RAMPART_DAEMONSET", value_name = "NAMESPACE/NAME", requires = "pin_dir")]
    pub daemonset: Option<String>,
    /// Also remove what this regular expression matches in exec arguments before an event
    /// leaves the node (its first capture group, if it has one); repeatable. Secrets in flags,
    /// bearer tokens and URL passwords are always removed.
    #[arg(long = "redact-arg", env = "RAMPART_REDACT_ARGS", value_delimiter = '\n', value_name = "REGEX")]
    pub redact_args: Vec<String>,
    #[command(flatten)]
    pub export: ExportArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NetworkPolicyMode {
    Enforce,
    Audit,
    Off,
}

impl NetworkPolicyMode {
    /// The mode NetworkPolicy objects are enforced in; `None`: they are not read.
    pub fn mode(self) -> Option<rampart_policy::Mode> {
        match self {
            NetworkPolicyMode::Enforce => Some(rampart_policy::Mode::Enforce),
            NetworkPolicyMode::Audit => Some(rampart_policy::Mode::Audit),
            NetworkPolicyMode::Off => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnknownPeer {
    Deny,
    Allow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnknownPod {
    Allow,
    Deny,
}

/// A validated `run` configuration.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub node_name: String,
    pub policies: Option<PathBuf>,
    pub pod_manifests: Option<PathBuf>,
    /// Pods and policies from the Kubernetes API (then neither directory is set).
    pub api: Option<ApiConfig>,
    pub events_out: Option<EventsOut>,
    pub metrics_addr: Option<SocketAddr>,
    pub ring_buffer_size: u32,
    pub attribution_hold: Duration,
    pub cgroup_root: PathBuf,
    /// `--pin-dir`: where the enforcement state is pinned (`None`: nothing is).
    pub pin_dir: Option<PathBuf>,
    /// `--daemonset`: (namespace, name) of the agent's DaemonSet.
    pub daemonset: Option<(String, String)>,
    pub network: crate::enforce::kernel::NetworkOptions,
    /// The mode NetworkPolicy objects are enforced in (`None`: not read).
    pub network_policies: Option<rampart_policy::Mode>,
    pub log_format: LogFormat,
    pub require_enforcement: bool,
    /// `--collector` and its spool.
    pub collector: Option<CollectorConfig>,
    /// What is removed from events before they leave the node.
    pub redaction: crate::events::redact::Redaction,
}

/// Everything wrong with a configuration.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid configuration ({} problem{}):",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as u64 } else { 4096 }
}

fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: writes at most buf.len() bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    (rc == 0).then(|| String::from_utf8_lossy(agent_common::user::c_bytes(&buf, buf.len())).into_owned())
}

fn check_dir(flag: &str, dir: &Path, errors: &mut Vec<String>) {
    match std::fs::read_dir(dir) {
        Ok(_) => {}
        Err(e) => errors.push(format!("{flag} {}: {e}", dir.display())),
    }
}

/// Where pods and policies come from: `--kubeconfig` (or `KUBECONFIG`), else the directories,
/// else the in-cluster service account when running in a pod. A kubeconfig and a directory
/// together are refused: each kind has one source.
fn api_config(
    kubeconfig: Option<&str>,
    pod_manifests: &Option<PathBuf>,
    policies: &Option<PathBuf>,
    errors: &mut Vec<String>,
) -> Option<ApiConfig> {
    let dirs: Vec<&str> = [(pod_manifests, "--pod-manifests"), (policies, "--policies")]
        .iter()
        .filter(|(d, _)| d.is_some())
        .map(|(_, flag)| *flag)
        .collect();
    let given = kubeconfig.is_some_and(|k| !k.is_empty());
    if given && !dirs.is_empty() {
        errors.push(format!(
            "--kubeconfig (or KUBECONFIG) and {} both given: pods and policies come from the API \
             server or from directories, not both",
            dirs.join(" and ")
        ));
    }
    // Directories without a kubeconfig: the in-cluster service account is not used.
    (given || dirs.is_empty()).then(|| ApiConfig::find(kubeconfig, errors)).flatten()
}

impl RunArgs {
    pub fn validate(self) -> Result<RunConfig, ConfigErrors> {
        let mut errors = Vec::new();
        let node_name = match self.node_name.filter(|n| !n.is_empty()).or_else(hostname) {
            Some(n) => n,
            None => {
                errors.push("--node-name (or NODE_NAME) is not set and the hostname is unavailable".into());
                String::new()
            }
        };
        if let Some(d) = &self.policies {
            check_dir("--policies", d, &mut errors);
        }
        if let Some(d) = &self.pod_manifests {
            check_dir("--pod-manifests", d, &mut errors);
        }
        let api = api_config(self.kubeconfig.as_deref(), &self.pod_manifests, &self.policies, &mut errors);
        let events_out = self.events_out.as_deref().map(EventsOut::parse);
        if let Some(EventsOut::File(path)) = &events_out {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if !parent.is_dir() {
                errors.push(format!(
                    "--events-out {}: directory {} does not exist",
                    path.display(),
                    parent.display()
                ));
            }
        }
        let metrics_addr = self.metrics_addr.as_deref().and_then(|a| match a.parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(e) => {
                errors.push(format!("--metrics-addr {a:?}: {e} (expected IP:PORT, e.g. 0.0.0.0:9464)"));
                None
            }
        });
        let size = self.ring_buffer_size;
        let page = page_size();
        if !size.is_power_of_two() || size < page || size > 1 << 30 {
            errors.push(format!(
                "--ring-buffer-size {size}: must be a power of two between the page size ({page}) and 1 GiB"
            ));
        }
        let cgroup_root = match self.cgroup_root {
            Some(root) => {
                if let Err(e) = cgroupfs::check_cgroup2_dir(&root) {
                    errors.push(format!("--cgroup-root: {e}"));
                }
                root
            }
            None => cgroupfs::cgroup2_mount().unwrap_or_else(|e| {
                errors.push(e.to_string());
                PathBuf::new()
            }),
        };
        let pod_cidrs: Vec<rampart_policy::Cidr> = self
            .pod_cidrs
            .iter()
            .filter(|c| !c.is_empty())
            .filter_map(|c| match c.parse::<rampart_policy::Cidr>() {
                Ok(cidr) => Some(cidr),
                Err(e) => {
                    errors.push(format!("--pod-cidr {c:?}: {e}"));
                    None
                }
            })
            .collect();
        let daemonset = self.daemonset.as_deref().and_then(|d| match d.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                if api.is_none() {
                    errors.push(format!(
                        "--daemonset {d}: asking whether the DaemonSet is being deleted needs the Kubernetes API, \
                         which --pod-manifests and --policies together leave out"
                    ));
                }
                Some((ns.to_owned(), name.to_owned()))
            }
            _ => {
                errors.push(format!("--daemonset {d:?}: expected NAMESPACE/NAME"));
                None
            }
        });
        let collector = self.export.validate(&mut errors);
        let redaction = crate::events::redact::Redaction::new(&self.redact_args)
            .map_err(|bad| errors.extend(bad.iter().map(ToString::to_string)))
            .unwrap_or_default();
        if errors.is_empty() {
            Ok(RunConfig {
                node_name,
                policies: self.policies,
                pod_manifests: self.pod_manifests,
                api,
                events_out,
                metrics_addr,
                ring_buffer_size: size as u32,
                attribution_hold: self.attribution_hold,
                cgroup_root,
                pin_dir: self.pin_dir,
                daemonset,
                network: crate::enforce::kernel::NetworkOptions {
                    fail_closed: self.network_unknown_pod == UnknownPod::Deny,
                    flow_interval: self.flow_interval,
                    pod_cidrs,
                    unknown_peer_allow: self.network_unknown_peer == UnknownPeer::Allow,
                },
                network_policies: self.networkpolicy.mode(),
                log_format: self.log_format,
                require_enforcement: self.require_enforcement,
                collector,
                redaction,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> RunArgs {
        let mut argv = vec!["rampart-agent", "run"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Run(a) => *a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn reports_every_problem_at_once() {
        let err = args(&[
            "--ring-buffer-size",
            "1000",
            "--policies",
            "/nonexistent/policies",
            "--pod-manifests",
            "/nonexistent/pods",
            "--metrics-addr",
            "localhost",
            "--events-out",
            "/nonexistent/dir/events.json",
        ])
        .validate()
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "--ring-buffer-size 1000: must be a power of two",
            "--policies /nonexistent/policies",
            "--pod-manifests /nonexistent/pods",
            "--metrics-addr \"localhost\"",
            "--events-out /nonexistent/dir/events.json",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert!(err.0.len() >= 5);
    }

    #[test]
    fn a_kubeconfig_and_directories_are_refused_together() {
        let kubeconfig = tempfile::NamedTempFile::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let k = kubeconfig.path().to_str().unwrap();
        let d = dir.path().to_str().unwrap();
        let err = args(&["--node-name", "n1", "--kubeconfig", k, "--policies", d]).validate().unwrap_err();
        assert!(
            err.0.iter().any(|e| e.starts_with("--kubeconfig (or KUBECONFIG) and --policies both given")),
            "{err}"
        );
        let err =
            args(&["--node-name", "n1", "--kubeconfig", "/nonexistent/kubeconfig"]).validate().unwrap_err();
        assert!(err.0.iter().any(|e| e == "--kubeconfig /nonexistent/kubeconfig: no such file"), "{err}");
    }

    #[test]
    fn defaults_are_valid() {
        let cfg = args(&["--node-name", "n1", "--events-out", "-"]).validate();
        if let Err(e) = &cfg {
            // Only a host without cgroup v2 may fail here.
            assert!(e.0.iter().all(|m| m.contains("cgroup v2")), "{e}");
            return;
        }
        let cfg = cfg.unwrap();
        assert_eq!(cfg.ring_buffer_size, 1 << 20);
        assert_eq!(cfg.events_out, Some(EventsOut::Stdout));
    }
}
