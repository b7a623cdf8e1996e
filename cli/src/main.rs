//! `rampart`: see `rampart --help`. Exit status: 0 done, 1 failed (the collector, or lint
//! errors), 2 bad usage.

mod args;
mod filter;
mod graph;
mod lint;
mod man;
mod nodes;
mod render;
mod selector;
mod status;
mod suggest;
mod verify;
mod whatif;

use std::{io::Write as _, process::ExitCode, time::SystemTime};

use anyhow::Context as _;
use rampart_proto::v1::{
    ReplayRequest, StatusRequest, SubscribeRequest, collector_client::CollectorClient, subscribe_response,
};
use tonic::{
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};

use args::{Cli, Command, LintOutput, PolicyCommand, ReplayArgs, StatusOutput, StreamArgs};

fn main() -> ExitCode {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(filter) = cli.command.filter_mut() {
        // `--not` turns the flag after it around: only the command line's order says which.
        let mut m = &matches;
        while let Some((_, sub)) = m.subcommand() {
            m = sub;
        }
        if let Err(e) = filter.apply_not(m) {
            eprintln!("rampart: {e}");
            return ExitCode::from(2);
        }
    }
    if let Command::Man { dir } = &cli.command {
        return match man::write_pages(dir) {
            Ok(n) => {
                println!("{n} man pages in {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rampart: writing man pages in {}: {e}", dir.display());
                ExitCode::FAILURE
            }
        };
    }
    if let Command::Completion { shell } = &cli.command {
        use clap::CommandFactory as _;
        // Into a buffer first: a closed pipe (`| head`) is not a panic.
        let mut script = Vec::new();
        clap_complete::generate(*shell, &mut Cli::command(), "rampart", &mut script);
        let _ = std::io::stdout().write_all(&script);
        return ExitCode::SUCCESS;
    }
    if let Command::Policy(PolicyCommand::Lint { files, output }) = &cli.command {
        let (policies, errors) = lint::lint(files);
        if *output == LintOutput::Json {
            println!("{}", lint::json_report(policies, files.len(), &errors));
            return if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
        for e in &errors {
            println!("{e}");
        }
        if errors.is_empty() {
            if policies == 0 {
                eprintln!(
                    "rampart: warning: no RampartPolicy found (a directory is read for *.yaml, *.yml, *.json)"
                );
            }
            println!(
                "ok: {policies} polic{} in {} path{}",
                if policies == 1 { "y" } else { "ies" },
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("rampart: {} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" });
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rampart: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error as people read it: a gRPC status as its message and code (`... (PermissionDenied)`),
/// not tonic's description of the code.
fn describe(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| match cause.downcast_ref::<tonic::Status>() {
            Some(s) if !s.message().is_empty() => format!("{} ({:?})", s.message(), s.code()),
            _ => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// Where the collector is and how to reach it.
struct Server {
    url: String,
    tls: Option<ClientTlsConfig>,
    /// A client certificate is configured.
    identity: bool,
    bearer: Bearer,
}

/// Adds `authorization: Bearer <token>` to every call, when a token is given.
#[derive(Clone, Debug, Default)]
struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            request.metadata_mut().insert("authorization", v.clone());
        }
        Ok(request)
    }
}

impl Bearer {
    fn from_cli(cli: &Cli) -> anyhow::Result<Bearer> {
        let token = match (&cli.token, &cli.token_file) {
            (Some(t), _) => t.trim().to_owned(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .with_context(|| format!("--token-file {}", path.display()))?
                .trim()
                .to_owned(),
            (None, None) => return Ok(Bearer(None)),
        };
        if token.is_empty() {
            anyhow::bail!("the bearer token (--token or --token-file) is empty");
        }
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| anyhow::anyhow!("the bearer token holds characters a header cannot carry"))?;
        Ok(Bearer(Some(value)))
    }
}

/// A client of the collector's query service.
type Client = CollectorClient<InterceptedService<Channel, Bearer>>;

impl Server {
    fn from_cli(cli: &Cli) -> anyhow::Result<Server> {
        // Read a PEM file and check it holds what the flag expects (a key given as a
        // certificate would otherwise fail later as a bare "transport error").
        let read = |flag: &str, p: &std::path::Path| -> anyhow::Result<Vec<u8>> {
            let pem = std::fs::read(p).with_context(|| format!("{flag} {}", p.display()))?;
            let text = String::from_utf8_lossy(&pem);
            let (want, what) = if flag == "--tls-key" {
                ("PRIVATE KEY-----", "a PEM private key")
            } else {
                ("-----BEGIN CERTIFICATE-----", "a PEM certificate")
            };
            if !text.contains(want) {
                anyhow::bail!("{flag} {}: not {what}", p.display());
            }
            Ok(pem)
        };
        // `host:port` without a scheme: https when a CA is given to verify it.
        let url = if cli.server.contains("://") {
            cli.server.clone()
        } else if cli.tls_ca.is_some() {
            format!("https://{}", cli.server)
        } else {
            format!("http://{}", cli.server)
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--server {}: unsupported scheme (use http://, https:// or host:port)", cli.server);
        }
        let https = url.starts_with("https://");
        let tls = match (&cli.tls_ca, https) {
            (Some(ca), true) => {
                let mut t =
                    ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read("--tls-ca", ca)?));
                if let Some(name) = &cli.tls_server_name {
                    t = t.domain_name(name.clone());
                }
                match (&cli.tls_cert, &cli.tls_key) {
                    (Some(c), Some(k)) => {
                        t = t.identity(Identity::from_pem(read("--tls-cert", c)?, read("--tls-key", k)?));
                    }
                    (None, None) => {}
                    _ => anyhow::bail!("--tls-cert and --tls-key go together"),
                }
                Some(t)
            }
            (None, true) => {
                anyhow::bail!("{url} is https: --tls-ca is needed to verify the collector")
            }
            (_, false) if cli.tls_ca.is_some() || cli.tls_cert.is_some() || cli.tls_server_name.is_some() => {
                anyhow::bail!("--tls-ca/--tls-cert/--tls-server-name need an https:// --server, not {url}")
            }
            (_, false) => None,
        };
        let identity = cli.tls_cert.is_some();
        Ok(Server { url, tls, identity, bearer: Bearer::from_cli(cli)? })
    }
}

async fn connect(server: &Server) -> anyhow::Result<Client> {
    let url = &server.url;
    let mut endpoint = Channel::from_shared(url.clone()).with_context(|| format!("--server {url:?}"))?;
    if let Some(tls) = &server.tls {
        endpoint = endpoint.tls_config(tls.clone()).context("TLS configuration")?;
    }
    let channel = endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the collector at {url}"))?;
    Ok(CollectorClient::with_interceptor(channel, server.bearer.clone()).max_decoding_message_size(64 << 20))
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let now = SystemTime::now();
    let server = Server::from_cli(&cli)?;
    let result = commands(cli, &server, now).await;
    // TLS 1.3 reports a missing client certificate only as a broken connection once the
    // handshake is over: a failure to connect at all (DNS, refused, a bad CA) is not that.
    if server.tls.is_some()
        && !server.identity
        && result.as_ref().is_err_and(|e| {
            let text = format!("{e:#}");
            text.contains("transport error") && !text.contains("cannot reach the collector")
        })
    {
        return result.context("the collector may require a client certificate (--tls-cert, --tls-key)");
    }
    // Plaintext HTTP/2 to a TLS port connects, then breaks at the first call.
    if server.tls.is_none()
        && result.as_ref().is_err_and(|e| {
            let text = format!("{e:#}");
            text.contains("transport error") && !text.contains("cannot reach the collector")
        })
    {
        return result.context(format!(
            "is the collector at {} serving TLS? then use https:// (or host:port) with --tls-ca",
            server.url
        ));
    }
    result
}

async fn commands(cli: Cli, server: &Server, now: SystemTime) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Observe(a) => observe(server, a, now).await,
        Command::Replay(a) => replay(server, a, now).await,
        Command::Graph(a) => graph::graph(server, *a, now).await,
        Command::Status(a) if a.nodes => nodes::status(a.kubeconfig.as_deref(), a.output).await,
        Command::Status(a) => {
            // A deadline: a collector that accepts but never answers does not hang the CLI.
            let mut request = tonic::Request::new(StatusRequest { all_boots: a.all_boots });
            request.set_timeout(std::time::Duration::from_secs(30));
            let s = connect(server).await?.status(request).await.context("status")?.into_inner();
            match a.output {
                StatusOutput::Text => print!("{}", status::text(&s, SystemTime::now())),
                StatusOutput::Json => println!("{}", serde_json::to_string(&s)?),
                StatusOutput::Yaml => print!("{}", serde_yaml::to_string(&s)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(a) => verify::verify(server, a).await,
        Command::Delete(a) => verify::delete(server, a).await,
        Command::Policy(PolicyCommand::WhatIf(a)) => whatif::what_if(server, *a, now).await,
        Command::Policy(PolicyCommand::Suggest(a)) => suggest::suggest(server, *a, now).await,
        Command::Policy(PolicyCommand::Lint { .. }) | Command::Completion { .. } | Command::Man { .. } => {
            unreachable!("handled without a runtime")
        }
    }
}

fn usage(e: String) -> anyhow::Result<ExitCode> {
    eprintln!("rampart: {e}");
    Ok(ExitCode::from(2))
}

async fn observe(server: &Server, a: StreamArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let printer = render::Printer::new(a.output, a.color, a.time_format);
    let mut client = connect(server).await?;
    let mut stream =
        client.subscribe(SubscribeRequest { filter: Some(filter) }).await.context("subscribe")?.into_inner();
    let mut out = std::io::stdout().lock();
    let mut seen = 0;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let item = tokio::select! {
            item = stream.message() => item.context("the live stream failed")?,
            _ = &mut ctrl_c => return Ok(ExitCode::SUCCESS),
        };
        match item.and_then(|i| i.item) {
            None => return Ok(ExitCode::SUCCESS),
            Some(subscribe_response::Item::Event(e)) => {
                if !printer.print(&mut out, &e) {
                    return Ok(ExitCode::SUCCESS);
                }
                seen += 1;
                if a.count.is_some_and(|c| seen >= c) {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            Some(subscribe_response::Item::Missed(m)) => {
                let _ = out.flush();
                eprintln!("rampart: missed {} events here: {}", m.events, m.reason);
            }
        }
    }
}

async fn replay(server: &Server, a: ReplayArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let ReplayArgs { mut stream, last, follow } = a;
    if follow {
        // History then live, with no gap and no duplicate: what `observe --since` does.
        stream.filter.since.get_or_insert_with(|| "1970-01-01T00:00:00Z".into());
        return observe(server, stream, now).await;
    }
    let filter = match filter::to_proto(&stream.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let printer = render::Printer::new(stream.output, stream.color, stream.time_format);
    let mut client = connect(server).await?;
    let request = ReplayRequest {
        filter: Some(filter),
        limit: last.or(stream.count).unwrap_or(0),
        newest: last.is_some(),
    };
    let mut replay = client.replay(request).await.context("replay")?.into_inner();
    // Events written to a file or a pipe while a person watches the terminal: a count on
    // stderr, rewritten in place each second, says the replay is moving.
    let progress = {
        use std::io::IsTerminal as _;
        !std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
    };
    let mut shown = std::time::Instant::now();
    let mut out = std::io::stdout().lock();
    let mut printed = 0_u64;
    while let Some(r) = replay.message().await.context("the replay failed")? {
        if let Some(e) = r.event {
            if !printer.print(&mut out, &e) {
                break;
            }
            printed += 1;
            if progress && shown.elapsed() >= std::time::Duration::from_secs(1) {
                shown = std::time::Instant::now();
                eprint!(
                    "\rrampart: {printed} events so far, at {}",
                    e.time.map_or_else(|| "?".into(), |t| t.rfc3339(0))
                );
            }
        }
    }
    drop(out);
    if progress {
        // Clear the progress line.
        eprint!("\r\x1b[K");
    }
    eprintln!("rampart: {printed} event{}", if printed == 1 { "" } else { "s" });
    Ok(ExitCode::SUCCESS)
}
