//! The command line: `rampart observe|replay|status|policy lint|what-if|suggest`, the contract's filters and
//! output formats.

use clap::{Args, Parser, Subcommand, ValueEnum};
use rampart_proto::event::Kind;

#[derive(Parser, Debug)]
#[command(
    name = "rampart",
    version,
    about = "Rampart: watch and replay what pods did, check the collector, lint policies and try them on history"
)]
pub struct Cli {
    /// The collector's gRPC address: `host:port` (https when --tls-ca is given, else http),
    /// or a URL with its scheme.
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        env = "RAMPART_SERVER",
        default_value = "http://127.0.0.1:50051",
        value_name = "URL"
    )]
    pub server: String,
    /// The name to verify in the collector's certificate, when it differs from the host in
    /// --server (an IP address, a port-forward).
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        env = "RAMPART_TLS_SERVER_NAME",
        value_name = "NAME"
    )]
    pub tls_server_name: Option<String>,
    /// CA certificate (PEM) that signed the collector's certificate (https:// servers).
    #[arg(long, global = true, help_heading = "Connection", env = "RAMPART_TLS_CA", value_name = "PEM")]
    pub tls_ca: Option<std::path::PathBuf>,
    /// Client certificate (PEM) for a collector that requires mTLS, with --tls-key.
    #[arg(long, global = true, help_heading = "Connection", env = "RAMPART_TLS_CERT", value_name = "PEM")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// Key (PEM) of --tls-cert.
    #[arg(long, global = true, help_heading = "Connection", env = "RAMPART_TLS_KEY", value_name = "PEM")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Kubernetes bearer token to read with (a collector with `--readers kubernetes` checks it
    /// with a TokenReview), e.g. `$(kubectl create token SA --audience rampart)`.
    #[arg(
        long,
        global = true,
        help_heading = "Connection",
        env = "RAMPART_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,
    /// File holding the bearer token (read at each run: a projected token that rotates works).
    #[arg(long, global = true, help_heading = "Connection", env = "RAMPART_TOKEN_FILE", value_name = "PATH")]
    pub token_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

impl Command {
    /// The filter flags of this command, if it has them.
    pub fn filter_mut(&mut self) -> Option<&mut FilterArgs> {
        match self {
            Command::Observe(a) => Some(&mut a.filter),
            Command::Replay(a) => Some(&mut a.stream.filter),
            Command::Policy(PolicyCommand::WhatIf(a)) => Some(&mut a.filter),
            Command::Graph(a) => Some(&mut a.filter),
            Command::Policy(PolicyCommand::Suggest(a)) => Some(&mut a.filter),
            _ => None,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Follow live events as the collector stores them (from --since first, if given).
    #[command(after_help = "Examples:\n  rampart observe -n shop --verdict deny\n  \
        rampart observe -l app=web --not -n kube-system -o table\n  \
        rampart observe --kind flow --port 5432 --since 10m")]
    Observe(StreamArgs),
    /// Print stored events of a time window, oldest first, then exit.
    #[command(after_help = "Examples:\n  rampart replay -n shop --pod web-7 --last 20\n  \
        rampart replay --since 1h --kind exec --kind file -o wide\n  \
        rampart replay --kind gap --node node-a\n  \
        rampart replay -n shop --since 10m -f")]
    Replay(ReplayArgs),
    /// Draw who talked to whom from stored flows (pods by namespace, outside addresses by
    /// block, edges with ports and counts, refusals apart), as DOT, SVG or JSON; with
    /// --candidate, as candidate policies would have judged the same flows. The window is the
    /// last hour unless --since says otherwise.
    #[command(after_help = "Examples:\n  rampart graph -n shop --since 1h -o svg > shop.svg\n  \
        rampart graph --since 1d --cidr 10.0.0.0/8 --not -n kube-system -o dot\n  \
        rampart graph -n shop --candidate strict.yaml --base policies/ -o svg > strict.svg")]
    Graph(Box<GraphArgs>),
    /// Agents, their tiers, drops and last sequence; the store; ingest counters.
    Status(StatusArgs),
    /// Check the stored history against each node's hash chain: report every event range
    /// edited, removed or inserted since it was stored (exit 1 if any).
    #[command(after_help = "Examples:\n  rampart verify\n  rampart verify --node node-a -o json")]
    Verify(VerifyArgs),
    /// Delete the stored events of a namespace (or one pod of it) on request; needs a client
    /// certificate the collector's --deleter names. Logged: `rampart status` lists deletions.
    #[command(after_help = "Examples:\n  rampart delete --namespace shop --pod web-7 --reason 'request #42'")]
    Delete(DeleteArgs),
    /// Policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print a shell completion script, e.g. `rampart completion bash > /etc/bash_completion.d/rampart`.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write man pages (rampart.1, rampart-observe.1, ..., one per command) into DIR, e.g.
    /// `rampart man /usr/local/share/man/man1`.
    Man {
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Parse and validate RampartPolicy files; print every error with file:line:column.
    Lint {
        /// Files (or directories of *.yaml, *.yml, *.json).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<std::path::PathBuf>,
        #[arg(short = 'o', long = "output", value_enum, default_value_t = LintOutput::Text)]
        output: LintOutput,
    },
    /// Judge stored events again with candidate policies and report what would change.
    #[command(name = "what-if")]
    WhatIf(Box<WhatIfArgs>),
    /// Learn a RampartPolicy from stored history (one namespace; --label selects the pods),
    /// print it, then print what it would have changed over the same window.
    Suggest(Box<SuggestArgs>),
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    /// The policy's name.
    #[arg(long, default_value = "learned", value_name = "NAME")]
    pub name: String,
    /// The policy's mode.
    #[arg(long, value_enum, default_value_t = SuggestMode::Audit)]
    pub mode: SuggestMode,
    /// Which history: exactly one --namespace; --label KEY=VALUE becomes the policy's
    /// podSelector; --since (e.g. 7d) and --until the window.
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SuggestMode {
    Audit,
    Enforce,
}

#[derive(Args, Debug)]
pub struct WhatIfArgs {
    /// Candidate policy files (or directories of *.yaml, *.yml, *.json).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// The policies in force (files or directories): judged with the candidates, except those
    /// a candidate of the same namespace/name replaces.
    #[arg(long, value_name = "PATH")]
    pub base: Vec<std::path::PathBuf>,
    /// The policies in force are the cluster's RampartPolicy objects (read with --kubeconfig,
    /// else KUBECONFIG, ~/.kube/config or in-cluster), as --base.
    #[arg(long)]
    pub base_cluster: bool,
    /// Kubeconfig for --base-cluster.
    #[arg(long, value_name = "PATH", requires = "base_cluster")]
    pub kubeconfig: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportOutput::Compact, help_heading = "Output")]
    pub output: ReportOutput,
    /// Sample events shown per change (at most 20).
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Output")]
    pub samples: u32,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Draw outside addresses in this block as one node (repeat for several; the most specific
    /// holding an address wins). Other outside addresses are drawn by /24 (IPv4) or /64 (IPv6).
    #[arg(long = "cidr", value_name = "CIDR", value_parser = parse_cidr, help_heading = "Map")]
    pub cidrs: Vec<rampart_policy::Cidr>,
    /// Judge every flow again with these candidate policies (files or directories), as
    /// `rampart policy what-if` does, and draw what they would have done.
    #[arg(long = "candidate", value_name = "FILE", help_heading = "Map")]
    pub candidates: Vec<std::path::PathBuf>,
    /// With --candidate: the policies in force (files or directories), judged with the
    /// candidates except those a candidate of the same namespace/name replaces.
    #[arg(long, value_name = "PATH", requires = "candidates", help_heading = "Map")]
    pub base: Vec<std::path::PathBuf>,
    /// With --candidate: the policies in force are the cluster's RampartPolicy objects.
    #[arg(long, requires = "candidates", help_heading = "Map")]
    pub base_cluster: bool,
    /// Kubeconfig for --base-cluster.
    #[arg(long, value_name = "PATH", requires = "base_cluster", help_heading = "Map")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// dot: Graphviz's language; svg: laid out and drawn by Graphviz (needs its `dot`
    /// command); json: places and edges for scripts.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = GraphOutput::Dot, help_heading = "Output")]
    pub output: GraphOutput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphOutput {
    Dot,
    Svg,
    Json,
}

fn parse_cidr(s: &str) -> Result<rampart_policy::Cidr, String> {
    s.parse::<rampart_policy::Cidr>().map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
pub struct StreamArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Compact, help_heading = "Output")]
    pub output: Output,
    /// Colour compact output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto, help_heading = "Output")]
    pub color: Color,
    /// Exit after this many events.
    #[arg(long, value_name = "N", help_heading = "Output")]
    pub count: Option<u64>,
    /// Event times in compact output: auto (local on a terminal, else UTC), local (RFC 3339
    /// in the local zone, with its offset), utc (RFC 3339, `Z`), clock (UTC time of day only).
    #[arg(long, value_enum, default_value_t = TimeFormat::Auto, value_name = "FORMAT", help_heading = "Output")]
    pub time_format: TimeFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeFormat {
    Auto,
    Local,
    Utc,
    Clock,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Only the newest N events of the window (printed oldest first).
    #[arg(long, value_name = "N", conflicts_with_all = ["follow", "count"], help_heading = "Output")]
    pub last: Option<u64>,
    /// After the stored events, go on with live ones as they are stored (as `observe --since`;
    /// without --since, from the oldest stored event).
    #[arg(short = 'f', long, help_heading = "Output")]
    pub follow: bool,
}

#[derive(Args, Debug, Default)]
#[command(next_help_heading = "Filters (every one given must match; --not turns the next around)")]
pub struct FilterArgs {
    /// Only this namespace (repeat for several).
    #[arg(long = "namespace", short = 'n', value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Only this pod name (repeat for several).
    #[arg(long = "pod", value_name = "NAME")]
    pub pods: Vec<String>,
    /// Only pods whose labels match this selector, in kubectl's syntax: `app=web`,
    /// `tier!=db`, `env in (prod,staging)`, `env notin (dev)`, `canary`, `!legacy`, terms
    /// separated by commas (repeat the flag: all must hold).
    #[arg(long = "label", short = 'l', value_name = "SELECTOR", value_parser = crate::selector::parse_selector)]
    pub labels: Vec<Vec<crate::selector::LabelTerm>>,
    /// Only this kind of event (repeat for several).
    #[arg(long = "kind", value_name = "flow|file|privilege|exec|gap")]
    pub kinds: Vec<Kind>,
    /// Only this verdict (repeat for several).
    #[arg(long = "verdict", value_enum, value_name = "allow|deny|audit")]
    pub verdicts: Vec<Verdict>,
    /// Only events decided by this policy, as NAMESPACE/NAME (repeat for several).
    #[arg(long = "policy", value_name = "NS/NAME")]
    pub policies: Vec<String>,
    /// Only events from this node (repeat for several).
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,
    /// From this time: RFC 3339 (2026-11-23T10:00:00Z) or a duration ago (10m, 2h, 1d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Up to (not including) this time, in the same forms as --since.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only flows with either end on this port (repeat for several).
    #[arg(long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    /// Only flows with either end at this address or in this CIDR block (repeat for several).
    #[arg(long = "ip", value_name = "ADDR|CIDR", value_parser = parse_ip)]
    pub ips: Vec<String>,
    /// Only flows of this protocol (repeat for several).
    #[arg(long = "protocol", value_enum, value_name = "tcp|udp")]
    pub protocols: Vec<FlowProtocol>,
    /// Turn the filter flag right after it around: leave out what it names, e.g.
    /// `--not --namespace kube-system` (repeat for several; an event matching any is left out).
    #[arg(long = "not", num_args = 0, default_missing_value = "true", action = clap::ArgAction::Append)]
    pub not: Vec<bool>,
    /// The values `--not` turned around (moved out of the fields above after parsing).
    #[arg(skip)]
    pub excluded: Vec<Excluded>,
}

/// One filter value that `--not` turned around.
#[derive(Clone, Debug, PartialEq)]
pub enum Excluded {
    Namespace(String),
    Pod(String),
    Label(Vec<crate::selector::LabelTerm>),
    Kind(Kind),
    Verdict(Verdict),
    Policy(String),
    Node(String),
    Port(u16),
    Ip(String),
    Protocol(FlowProtocol),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowProtocol {
    Tcp,
    Udp,
}

fn parse_ip(s: &str) -> Result<String, String> {
    s.parse::<rampart_policy::Cidr>().map(|c| c.to_string()).map_err(|e| format!("{s:?}: {e}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Verdict {
    Allow,
    Deny,
    Audit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// One readable line per event.
    Compact,
    /// The proto3 JSON mapping of rampart.v1.Event, one per line.
    Json,
    /// Aligned columns under a header (long values cut short with `…`).
    Table,
    /// The table's columns in full, and the container, tier, policy and rule.
    Wide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[arg(short = 'o', long = "output", value_enum, default_value_t = StatusOutput::Text)]
    pub output: StatusOutput,
    /// Read each node's RampartNode object from the Kubernetes API instead of asking the
    /// collector: what every node can enforce, and the rules it degrades.
    #[arg(long)]
    pub nodes: bool,
    /// Every agent boot the collector knows (by default, per node: the connected ones and
    /// the latest).
    #[arg(long, conflicts_with = "nodes")]
    pub all_boots: bool,
    /// Kubeconfig for `--nodes` (else `KUBECONFIG`, else `~/.kube/config`, else in-cluster).
    #[arg(long, value_name = "PATH", requires = "nodes")]
    pub kubeconfig: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: String,
    /// Only this pod of the namespace.
    #[arg(long, value_name = "POD")]
    pub pod: Option<String>,
    /// Why: kept in the deletion log.
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Only this node's chain.
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportOutput::Compact)]
    pub output: ReportOutput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// The report for people.
    Compact,
    /// The proto3 JSON mapping of the report.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintOutput {
    /// One line per error (file:line:column: field: message), then a summary.
    Text,
    /// One JSON report: ok, policies, paths, and errors with file, line, column, field, message.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusOutput {
    Text,
    /// The proto3 JSON mapping of rampart.v1.StatusResponse (with --nodes: one object per node,
    /// one per line).
    Json,
    /// The same object as YAML (with --nodes: a list of the nodes).
    Yaml,
}
